import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatNumber, logTicks, powerOfTen } from '../../src/webview/axis';

/** Reads back 1.23×10⁻⁵, 10⁻⁵ and plain numbers (an independent parser of the labels). */
function parse(s: string): number {
  const sup = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  const m = /^(−?)(?:([\d.]+)×)?10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/.exec(s);
  if (!m) return Number(s.replace('−', '-'));
  const exp = [...m[3]!].map((c) => (c === '⁻' ? '-' : String(sup.indexOf(c)))).join('');
  return (m[1] ? -1 : 1) * Number(m[2] ?? '1') * 10 ** Number(exp);
}

test('formatNumber: 3 significant digits, scientific outside [1e-3, 1e4), never 0 for non-zero', () => {
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(1.23456e-5), '1.23×10⁻⁵');
  assert.equal(formatNumber(1e-5), '10⁻⁵');
  assert.equal(formatNumber(-4.5e-7), '−4.5×10⁻⁷');
  assert.equal(formatNumber(0.0123456), '0.0123');
  assert.equal(formatNumber(0.5), '0.5');
  assert.equal(formatNumber(2.3456), '2.35');
  assert.equal(formatNumber(1234.5), '1230');
  assert.equal(formatNumber(123456), '1.23×10⁵');
  assert.equal(formatNumber(Number.MIN_VALUE), '4.94×10⁻³²⁴');
  assert.equal(formatNumber(Number.NaN), 'NaN');
  assert.equal(formatNumber(Infinity), '∞');
  // Every non-zero value over a wide range reads as non-zero and parses back within 0.5 % (3 digits).
  for (let e = -30; e <= 30; e += 0.37) {
    const x = 10 ** e;
    const s = formatNumber(x);
    assert.notEqual(s, '0');
    const parsed = parse(s);
    assert.ok(Math.abs(parsed - x) / x < 0.005, `${x} → ${s} → ${parsed}`);
  }
});

test('powerOfTen writes superscripts', () => {
  assert.deepEqual([-3, 0, 1, 2, 12].map(powerOfTen), ['10⁻³', '1', '10', '10²', '10¹²']);
});

test('logTicks: a span under a decade gets labelled minor ticks (0.3 → 3)', () => {
  const t = logTicks(0.3, 3);
  assert.deepEqual(t.map((x) => x.label), ['0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9', '1', '2', '3']);
  assert.deepEqual(t.filter((x) => x.major).map((x) => x.value), [1]);
  for (const x of t) assert.ok(x.value >= 0.3 - 1e-12 && x.value <= 3 + 1e-12);
});

test('logTicks: several decades get only the powers of ten', () => {
  const t = logTicks(2.2e-6, 0.4);
  assert.deepEqual(t.map((x) => x.value), [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]);
  assert.deepEqual(t.map((x) => x.label), ['10⁻⁵', '10⁻⁴', '10⁻³', '10⁻²', '10⁻¹']);
  assert.ok(t.every((x) => x.major));
});

test('logTicks: many decades label every third power, draw all', () => {
  const t = logTicks(1e-20, 1);
  assert.equal(t.length, 21);
  // 21 powers: every third one labelled (at most 10 labels), from the lowest.
  assert.deepEqual(t.filter((x) => x.label).map((x) => x.label), ['10⁻²⁰', '10⁻¹⁷', '10⁻¹⁴', '10⁻¹¹', '10⁻⁸', '10⁻⁵', '10⁻²']);
  assert.equal(t[0]!.label, '10⁻²⁰');
});

test('logTicks: inside one decade without multiples it labels the ends', () => {
  const t = logTicks(1.2, 1.8);
  assert.deepEqual(t.map((x) => x.label), ['1.2', '1.8']);
  assert.deepEqual(logTicks(0, 1), []);
});

test('logTicks: a span of over ten minor ticks (0.3 → 9) labels only 1, 2 and 5 times the powers, draws them all', () => {
  const t = logTicks(0.3, 9);
  assert.equal(t.length, 16, '0.3 … 0.9, 1, 2 … 9');
  assert.deepEqual(t.filter((x) => x.label).map((x) => parse(x.label)), [0.5, 1, 2, 5]);
});
