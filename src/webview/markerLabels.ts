/**
 * Where the labels of a chart's vertical markers go: each beside its line, to the right or to the
 * left, in one of a few rows at the top of the plot, so that no two labels overprint (two LR finder
 * suggestions a few pixels apart) and, where there is room, no label is crossed by another marker's
 * line. Pure: the lines' x and the labels' widths in pixels in, the labels' left edges and rows out.
 */

export interface MarkerLabel {
  /** The marker line's x, in pixels. */
  x: number;
  /** The label's width, in pixels. */
  width: number;
}

export interface LabelPlace {
  /** The label's left edge, in pixels. */
  x: number;
  /** Its row from the top (0, 1, …). */
  row: number;
}

/** Space between a line and its label, and between two labels on a row, in pixels. */
const GAP = 3;
const PAD = 4;

/**
 * Places the labels, left to right by their line: for each, the first of the places (row, side)
 * that overlaps no label placed so far, crosses the fewest other lines, is highest, and is on the
 * right of its line. Labels that would leave the plot (`left`–`right`) take the other side.
 */
export function placeMarkerLabels(labels: readonly MarkerLabel[], left: number, right: number, rows = 3): LabelPlace[] {
  const placed: { from: number; to: number; row: number }[] = [];
  const out: LabelPlace[] = labels.map(() => ({ x: 0, row: 0 }));
  const order = labels.map((_, i) => i).sort((a, b) => labels[a]!.x - labels[b]!.x || a - b);
  for (const i of order) {
    const { x, width } = labels[i]!;
    const fits = [x + GAP, x - GAP - width].filter((tx) => tx >= left && tx + width <= right);
    const sides = fits.length ? fits : [x + GAP + width > right ? x - GAP - width : x + GAP];
    let best: { score: number; x: number; row: number } | undefined;
    for (let row = 0; row < rows; row++) {
      sides.forEach((tx, side) => {
        const overlaps = placed.filter((p) => p.row === row && tx < p.to + PAD && tx + width + PAD > p.from).length;
        const crossings = labels.filter((o, j) => j !== i && o.x > tx - 1 && o.x < tx + width + 1).length;
        const score = overlaps * 10_000 + crossings * 100 + row * 2 + side;
        if (!best || score < best.score) best = { score, x: tx, row };
      });
    }
    out[i] = { x: best!.x, row: best!.row };
    placed.push({ from: best!.x, to: best!.x + width, row: best!.row });
  }
  return out;
}
