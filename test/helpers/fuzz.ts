/** Seeded mutations of text and the check that a diagnostic lies inside the text (shared by the fuzz tests). */
import assert from 'node:assert/strict';
import type { LessonDiagnostic } from '../../src/protocol/lesson';

/** mulberry32, so that every run tries the same mutations. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const CHARS = [':', '[', ']', '{', '}', '-', ' ', '\n', '`', '"', "'", '#', '&', '*', '\t', 'x', '1', '---'];

export function mutate(text: string, next: () => number): string {
  const lines = text.split('\n');
  const r = next();
  const li = Math.floor(next() * lines.length);
  if (r < 0.25) lines.splice(li, 1);
  else if (r < 0.4) lines.splice(li, 0, lines[Math.floor(next() * lines.length)]);
  else {
    const line = lines[li];
    const at = Math.floor(next() * (line.length + 1));
    const ch = CHARS[Math.floor(next() * CHARS.length)];
    lines[li] = r < 0.7 ? line.slice(0, at) + ch + line.slice(at) : line.slice(0, at) + line.slice(at + 1);
  }
  return lines.join('\n');
}

/** Every diagnostic sits inside the text (what the editor needs to underline it). */
export function assertInside(text: string, ds: LessonDiagnostic[], label: string): void {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n|\r|\n/);
  for (const d of ds) {
    const { start, end } = d.range;
    const where = `${label}: ${start.line}:${start.column}-${end.line}:${end.column} ${d.message}`;
    assert.ok(d.message.length > 0, where);
    assert.ok(start.line >= 1 && start.line <= lines.length, where);
    assert.ok(end.line >= start.line && end.line <= lines.length, where);
    assert.ok(start.column >= 1 && start.column <= lines[start.line - 1].length + 1, where);
    assert.ok(end.column >= 1 && end.column <= lines[end.line - 1].length + 1, where);
    if (end.line === start.line) assert.ok(end.column >= start.column, where);
  }
}
