/**
 * The trainer process: forked by the extension host (or a test) with an IPC channel. It says
 * `ready`, then serves `HostToTrainer` messages. Training runs here, never in the extension host.
 * A crash leaves the parent an exit code and the error on stderr.
 */
import type { TrainerToHost } from '../protocol/events';
import { checkMessage } from './messages';
import { Trainer } from './trainer';

function send(msg: TrainerToHost): void {
  if (process.send && process.connected) process.send(msg);
}

function fail(e: unknown): never {
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`deep-lessons trainer: ${err.stack ?? err.message}\n`);
  send({ type: 'log', level: 'error', message: `trainer crashed: ${err.message}` });
  process.exit(70);
}

if (!process.send) {
  process.stderr.write('deep-lessons trainer: start me with an IPC channel (child_process.fork); use the `deep-lessons` command in a terminal.\n');
  process.exit(64);
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

const trainer = new Trainer(send);
let shuttingDown = false;

process.on('message', (raw: unknown) => {
  const checked = checkMessage(raw);
  if ('error' in checked) {
    // Answer and serve on: a bad message from the host must not end the runs of others.
    send({ type: 'error', runId: checked.runId, message: checked.error, where: 'message' });
    return;
  }
  const msg = checked.message;
  if (msg.type === 'shutdown') {
    shuttingDown = true;
    trainer.handle(msg);
    void trainer.whenIdle().then(() => process.exit(0));
    return;
  }
  if (!shuttingDown) trainer.handle(msg);
});

// The parent went away: stop and leave.
process.on('disconnect', () => {
  trainer.stop();
  void trainer.whenIdle().then(() => process.exit(0));
});

send({ type: 'ready', pid: process.pid, versions: { node: process.versions.node, trainer: '1' } });
