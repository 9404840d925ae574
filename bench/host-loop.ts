/**
 * The extension host's event-loop delay while a run streams into a panel, without VS Code: the
 * extension's own vscode-free pieces, `TrainerClient` (forks dist/trainer.js) and `RunStream`
 * (coalesces batch events, keeps the replay), relay a real run to a fake panel whose `post`
 * serializes the messages as a webview's postMessage does. `perf_hooks.monitorEventLoopDelay`
 * samples this (host) process's loop. What the fake panel cannot show: VS Code's own work per
 * postMessage (IPC to the renderer), which happens outside the extension host's loop.
 *   node --import tsx bench/host-loop.ts [--json] [--epochs N]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TrainerClient } from '../src/extension/trainerClient';
import { RunStream } from '../src/extension/runStream';
import { quickSpec } from '../src/cli/bench';
import type { RunEvent, RunRequest, TrainerToHost } from '../src/protocol/events';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const epochsAt = process.argv.indexOf('--epochs');
  const epochs = epochsAt > 0 ? Number(process.argv[epochsAt + 1]) : 3;
  const trainerPath = join(__dirname, '..', 'dist', 'trainer.js');
  if (!existsSync(trainerPath)) throw new Error(`${trainerPath} is missing: npm run build`);
  const dataDir = process.env.DEEP_LESSONS_DATA_DIR;
  const client = new TrainerClient({ trainerPath, runtime: () => process.execPath });
  let posted = 0;
  let bytes = 0;
  const stream = new RunStream('host-loop', 'bench/host-loop', false, (events: RunEvent[]) => {
    // What a webview post costs the host: structured serialization of the message.
    bytes += JSON.stringify({ type: 'runEvents', events }).length;
    posted++;
  });
  // The same measure with nothing running, for comparison (the machine's own noise).
  const idle = monitorEventLoopDelay({ resolution: 5 });
  idle.enable();
  await new Promise((r) => setTimeout(r, 2000));
  idle.disable();
  const h = monitorEventLoopDelay({ resolution: 5 });
  const req: RunRequest = {
    type: 'run',
    runId: 'host-loop',
    experiment: 'bench/host-loop',
    spec: quickSpec(dataDir ? 'fashion-mnist' : 'shapes', epochs, 5000) as RunRequest['spec'],
    // The extension's default: every batch event the trainer allows (20 a second).
    options: { backend: 'wasm', dataDir, maxBatchEventsPerSecond: 20 },
  };
  let received = 0;
  const done = new Promise<void>((resolve) => {
    client.onMessage((m: TrainerToHost) => {
      if (m.type === 'ready' || m.type === 'queued' || m.type === 'pong' || m.type === 'pauseState') return;
      if (m.runId !== req.runId) return;
      received++;
      if (m.type === 'start') h.enable();
      stream.push(m);
      if (m.type === 'end' || m.type === 'error') resolve();
    });
  });
  const t0 = Date.now();
  client.run(req);
  await done;
  h.disable();
  const seconds = (Date.now() - t0) / 1000;
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const result = {
    kind: 'host-loop',
    seconds,
    messagesFromTrainer: received,
    postsToPanel: posted,
    bytesPosted: bytes,
    loopDelayMs: { mean: ms(h.mean), p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) },
    idleLoopDelayMs: { mean: ms(idle.mean), p50: ms(idle.percentile(50)), p99: ms(idle.percentile(99)), max: ms(idle.max) },
  };
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(
      `host event loop while a ${seconds.toFixed(1)} s run streamed into a (fake) panel: ${received} messages from the trainer, ${posted} posts (${(bytes / 1024).toFixed(0)} KiB)\n` +
        `event-loop delay: mean ${result.loopDelayMs.mean} ms, p50 ${result.loopDelayMs.p50} ms, p99 ${result.loopDelayMs.p99} ms, max ${result.loopDelayMs.max} ms (sampling resolution 5 ms)\n` +
        `the same, idle before the run: mean ${result.idleLoopDelayMs.mean} ms, p99 ${result.idleLoopDelayMs.p99} ms, max ${result.idleLoopDelayMs.max} ms\n`,
    );
  }
  await client.shutdown();
  client.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`host-loop: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
