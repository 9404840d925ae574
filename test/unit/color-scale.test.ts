import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heatColor } from '../../src/webview/colorScale';
import { hidpiContext } from '../../src/webview/canvas';

// matplotlib 3.6.3's viridis (Debian python3-matplotlib), computed outside this project:
//   from matplotlib import colormaps; from matplotlib.colors import to_hex
//   to_hex(colormaps['viridis'](t))
const MATPLOTLIB_VIRIDIS: [number, string][] = [
  [0.0, '#440154'],
  [0.1, '#482475'],
  [0.25, '#3b528b'],
  [1 / 3, '#31688e'],
  [0.5, '#21918c'],
  [0.6, '#22a884'],
  [0.75, '#5ec962'],
  [0.93, '#d2e21b'],
  [0.999, '#fde725'],
  [1.0, '#fde725'],
];

const rgb = (hex: string): number[] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

test("the heat maps' colour scale is matplotlib's viridis (each channel within 1 of 255)", () => {
  for (const [t, want] of MATPLOTLIB_VIRIDIS) {
    const got = heatColor(t);
    assert.match(got, /^#[0-9a-f]{6}$/, `t = ${t}`);
    const diff = Math.max(...rgb(got).map((c, k) => Math.abs(c - rgb(want)[k]!)));
    assert.ok(diff <= 1, `t = ${t}: ${got}, matplotlib ${want}`);
  }
});

test('the colour scale clamps: below 0 and NaN are the first colour, above 1 the last', () => {
  assert.equal(heatColor(-0.5), heatColor(0));
  assert.equal(heatColor(Number.NaN), heatColor(0));
  assert.equal(heatColor(1.5), heatColor(1));
  assert.equal(heatColor(Number.POSITIVE_INFINITY), heatColor(1));
});

test('the colour scale grows lighter from 0 to 1 (relative luminance, WCAG formula), so more counts read as brighter', () => {
  const lin = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  const luminance = (hex: string) => {
    const [r, g, b] = rgb(hex).map(lin) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  // Viridis is uniform in CAM02 lightness; in 8-bit sRGB, neighbouring colours can dip by a hair
  // (0.0002 at colour 95), so the check walks the scale in sixteenths.
  let last = -1;
  for (let i = 0; i <= 16; i++) {
    const l = luminance(heatColor(i / 16));
    assert.ok(l > last, `${i}/16: luminance ${l} after ${last}`);
    last = l;
  }
  assert.ok(luminance(heatColor(1)) / luminance(heatColor(0)) > 20, 'dark purple to bright yellow');
});

test('a HiDPI canvas has device pixels for its CSS size, is cleared, and draws in CSS pixels', () => {
  const calls: string[] = [];
  const ctx = {
    setTransform: (...a: number[]) => calls.push(`setTransform ${a.join(' ')}`),
    clearRect: (...a: number[]) => calls.push(`clearRect ${a.join(' ')}`),
  };
  const canvas = { width: 0, height: 0, getContext: () => ctx } as unknown as HTMLCanvasElement;
  const g = globalThis as { window?: unknown };
  const before = g.window;
  try {
    g.window = { devicePixelRatio: 1.5 };
    assert.equal(hidpiContext(canvas, 301, 96), ctx);
    assert.deepEqual([canvas.width, canvas.height], [452, 144]);
    assert.deepEqual(calls, ['setTransform 1.5 0 0 1.5 0 0', 'clearRect 0 0 301 96']);
    g.window = {};
    hidpiContext(canvas, 301, 96);
    assert.deepEqual([canvas.width, canvas.height], [301, 96]);
    const none = { width: 0, height: 0, getContext: () => null } as unknown as HTMLCanvasElement;
    assert.equal(hidpiContext(none, 10, 10), undefined);
  } finally {
    g.window = before;
  }
});
