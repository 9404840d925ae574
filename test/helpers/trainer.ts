/** A trainer process forked for a test, with its messages collected and a way to wait for one. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { HostToTrainer, TrainerToHost } from '../../src/protocol/events';

const root = join(__dirname, '..', '..');

export function startTrainer(): { child: ChildProcess; messages: TrainerToHost[]; next: (pred: (m: TrainerToHost) => boolean, ms?: number) => Promise<TrainerToHost>; send: (m: HostToTrainer | unknown) => void } {
  const child = fork(join(root, 'src', 'trainer', 'main.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], cwd: root });
  const messages: TrainerToHost[] = [];
  const waiters: { pred: (m: TrainerToHost) => boolean; resolve: (m: TrainerToHost) => void }[] = [];
  child.on('message', (m: TrainerToHost) => {
    messages.push(m);
    for (const w of waiters.splice(0)) {
      if (w.pred(m)) w.resolve(m);
      else waiters.push(w);
    }
  });
  const next = (pred: (m: TrainerToHost) => boolean, ms = 60_000) =>
    new Promise<TrainerToHost>((resolve, reject) => {
      const found = messages.find(pred);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`timed out; got ${messages.map((m) => m.type).join(',')}`)), ms);
      waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  return { child, messages, next, send: (m) => child.send(m as HostToTrainer) };
}
