import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeMarkerLabels, type LabelPlace, type MarkerLabel } from '../../src/webview/markerLabels';

/** Pairs of labels on one row whose boxes share pixels. */
function overprints(labels: MarkerLabel[], places: LabelPlace[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      const [a, b] = [places[i]!, places[j]!];
      if (a.row === b.row && a.x < b.x + labels[j]!.width && b.x < a.x + labels[i]!.width) out.push(`${i} and ${j}`);
    }
  }
  return out;
}
/** Labels from [line x, width] pairs. */
const labelsOf = (...pairs: [number, number][]): MarkerLabel[] => pairs.map(([x, width]) => ({ x, width }));
/** Other markers' lines that pass through label i. */
const crossed = (labels: MarkerLabel[], places: LabelPlace[], i: number) => labels.filter((o, j) => j !== i && o.x > places[i]!.x && o.x < places[i]!.x + labels[i]!.width).length;

test('two LR finder suggestions a few pixels apart: their labels do not overprint', () => {
  for (const gap of [0, 2, 5, 20, 60]) {
    const labels = labelsOf([200, 80], [200 + gap, 70]);
    const places = placeMarkerLabels(labels, 40, 600);
    assert.deepEqual(overprints(labels, places), [], `${gap} px apart: ${JSON.stringify(places)}`);
  }
});

test("the lesson's sweep (valley 0.0015, steepest 0.00035, min ÷ 10 0.009 at 563, 522, 612 px): no overprint, and only the label that cannot avoid it is crossed by a line", () => {
  const labels = labelsOf([563, 67], [522, 85], [612, 75]);
  const places = placeMarkerLabels(labels, 424, 716);
  assert.deepEqual(overprints(labels, places), []);
  // Valley's line has the others 41 and 49 px away, its label is 67 px wide: one side crosses one.
  assert.deepEqual([0, 1, 2].map((i) => crossed(labels, places, i)), [1, 0, 0], JSON.stringify(places));
  for (const [i, p] of places.entries()) assert.ok(p.x >= 424 && p.x + labels[i]!.width <= 716, `label ${i} inside the plot: ${JSON.stringify(p)}`);
});

test('a lone marker: its label on the first row, right of its line; near the right edge, left of it', () => {
  assert.deepEqual(placeMarkerLabels([{ x: 100, width: 50 }], 0, 400), [{ x: 103, row: 0 }]);
  assert.deepEqual(placeMarkerLabels([{ x: 380, width: 50 }], 0, 400), [{ x: 327, row: 0 }]);
});

test('three markers at one rate take three rows (or both sides) without overprinting', () => {
  const labels = labelsOf([300, 90], [300, 60], [300, 120]);
  const places = placeMarkerLabels(labels, 0, 800);
  assert.deepEqual(overprints(labels, places), []);
  assert.deepEqual(placeMarkerLabels([], 0, 100), []);
});
