import { initBackend } from '/work/wt-11/src/engine/backend';
import { measureThroughput, WORKLOADS, randomData } from '/work/wt-11/src/cli/bench';
(async () => {
  await initBackend('wasm');
  const w = WORKLOADS.find((x) => x.name === 'mlp-32')!;
  const data = randomData(2048, w.inputs, w.classes);
  for (const mode of ['plain', 'instrumented'] as const) {
    const r = await measureThroughput(w, mode, { samples: 2048, repeats: 2, backend: 'wasm', data });
    console.log(mode, Math.round(r.samplesPerSecond), Math.round(r.samplesPerCpuSecond));
  }
})();
