/** How `deep-lessons run --seeds N` ends: the per-metric summary over the seeds, "met in k of N", and a variant's comparison. */
import type { ExpectationResult } from '../lessons';
import { expectationsAcrossSeeds, summarizeSeeds, type SeedFinal, type SeedStats } from '../protocol/seeds';
import { compareSeeds } from '../lessons/welch';

export interface SeedsOutcome {
  experiment: string;
  label?: string;
  seeds: number[];
  ends: SeedFinal[];
  expectations: ExpectationResult[][];
}

const f4 = (x: number) => x.toFixed(4);

export function seedsSummary(o: SeedsOutcome): { summary: Record<string, SeedStats>; expectations: ReturnType<typeof expectationsAcrossSeeds> } {
  return { summary: summarizeSeeds(o.ends), expectations: expectationsAcrossSeeds(o.expectations) };
}

/** The `seeds` object (`--json`) or lines (terminal) that close an N-seed run. */
export function printSeeds(o: SeedsOutcome, json: boolean): void {
  const { summary, expectations } = seedsSummary(o);
  if (json) {
    process.stdout.write(JSON.stringify({ type: 'seeds', experiment: o.experiment, ...(o.label ? { variant: o.label } : {}), seeds: o.seeds, summary, expectations }) + '\n');
    return;
  }
  const out = (l: string) => process.stdout.write(l + '\n');
  out(`\n${o.experiment}${o.label ? ` [${o.label}]` : ''} over ${o.ends.length} seed${o.ends.length === 1 ? '' : 's'} (${o.seeds.slice(0, o.ends.length).join(', ')}):`);
  for (const [k, s] of Object.entries(summary)) out(`  ${k.padEnd(14)} ${f4(s.mean)} ± ${f4(s.std)}   (min ${f4(s.min)}, max ${f4(s.max)}, n ${s.n})`);
  for (const e of expectations) out(`  ${e.met === e.n ? '✓' : e.met === 0 ? '✗' : '~'} ${e.text}: met in ${e.met} of ${e.n} seeds`);
}

/** A variant against its parent over their seeds: one sentence per metric, or the numbers as JSON. */
export function printComparison(parent: SeedsOutcome, variant: SeedsOutcome, json: boolean): void {
  const nameA = variant.label ?? 'variant';
  const rows = compareSeeds(json ? nameA : `"${nameA}"`, summarizeSeeds(variant.ends), 'the original', summarizeSeeds(parent.ends));
  if (json) {
    const metrics = Object.fromEntries(rows.map((r) => [r.metric, { ...r.welch, text: r.text }]));
    process.stdout.write(JSON.stringify({ type: 'comparison', experiment: parent.experiment, variant: nameA, metrics }) + '\n');
    return;
  }
  process.stdout.write(`\nvariant vs the original:\n`);
  for (const r of rows) process.stdout.write(`  ${r.text}\n`);
}
