/**
 * `deep-lessons export <lesson-id/experiment-id | file> [--full] [-o FILE]`: an experiment as a
 * runnable tf.keras script (src/lessons/keras.ts), printed or written to a file.
 */
import { writeFileSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import type { Command } from 'commander';
import type { ExperimentSpec } from '../protocol/spec';
import { kerasScript } from '../lessons/keras';

export type ResolveTargets = (target: string) => Promise<{ key: string; spec: ExperimentSpec }[]>;

export function registerExport(program: Command, resolveTargets: ResolveTargets, usageError: (message: string) => Error): void {
  program
    .command('export')
    .description('write an experiment as a runnable tf.keras Python script (lesson-id/experiment-id, or an experiment file)')
    .argument('<experiment>', 'lesson-id/experiment-id or a .yaml/.json experiment file')
    .option('--full', "use the experiment's full setting (the book's sizes)")
    .option('-o, --output <file>', 'write the script to this file instead of printing it')
    .action(async (target: string, opts: { full?: boolean; output?: string }) => {
      const targets = await resolveTargets(target);
      if (targets.length !== 1) {
        throw usageError(`"${target}" names ${targets.length} experiments; export one: ${targets.map((t) => t.key).join(', ')}`);
      }
      const { spec } = targets[0]!;
      // An experiment file is named by its file name (the script saves <name>.h5), a lesson's by its key.
      const key = isAbsolute(targets[0]!.key) ? basename(targets[0]!.key) : targets[0]!.key;
      const text = kerasScript(spec, { key, full: opts.full });
      if (opts.output) {
        writeFileSync(opts.output, text);
        process.stderr.write(`wrote ${opts.output} (${key}${opts.full ? ', full size' : ''}); run it with: python3 ${opts.output}\n`);
      } else {
        process.stdout.write(text);
      }
    });
}
