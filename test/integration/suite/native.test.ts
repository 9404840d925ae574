import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ExperimentSpec } from '../../../src/protocol/spec';
import { api, nextEvent, waitFor } from './helpers';

suite('the native backend', () => {
  test('Install Native Backend when npm cannot reach its registry: nothing installed, the trainer is handed nothing', async () => {
    const a = await api();
    // npm pointed at a closed loopback port: it fails at once, as offline (no network is touched).
    const saved = { registry: process.env.npm_config_registry, retries: process.env.npm_config_fetch_retries };
    process.env.npm_config_registry = 'http://127.0.0.1:9/';
    process.env.npm_config_fetch_retries = '0';
    try {
      const ok = await vscode.commands.executeCommand<boolean>('deepLessons.installNativeBackend');
      assert.equal(ok, false);
      assert.ok(!fs.existsSync(a.native.storageDir), `${a.native.storageDir} was not created`);
      assert.ok(!fs.existsSync(`${a.native.storageDir}.staging`), 'no staging folder left');
      assert.deepEqual(a.native.env(), {});
    } finally {
      process.env.npm_config_registry = saved.registry;
      process.env.npm_config_fetch_retries = saved.retries;
      if (saved.registry === undefined) delete process.env.npm_config_registry;
      if (saved.retries === undefined) delete process.env.npm_config_fetch_retries;
    }
  });

  test('deepLessons.nativeBackendPath at a tfjs-node that fails to load: the next run trains on wasm and its header says why', async () => {
    const a = await api();
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-node-broken-'));
    const pkg = path.join(prefix, 'node_modules', '@tensorflow', 'tfjs-node');
    fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'dist/index.js' }));
    fs.writeFileSync(path.join(pkg, 'dist', 'index.js'), "throw new Error('libtensorflow.so.2: cannot open shared object file');\n");
    const config = vscode.workspace.getConfiguration('deepLessons');
    try {
      await config.update('nativeBackendPath', prefix, vscode.ConfigurationTarget.Global);
      await waitFor('the setting to reach the trainer environment', () => a.native.env().DEEP_LESSONS_TFJS_NODE === prefix);
      const key = 'native-check/blobs';
      const spec = ExperimentSpec.parse({ dataset: { name: 'blobs', samples: 120, features: 4, num_classes: 3 }, model: { layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] }, training: { epochs: 1 } });
      // Not a lesson's experiment, so not kept in the history: its record is read off the live run.
      const ended = nextEvent('the end of the run', a.runs.onDidChangeState, (r) => r?.key === key && r.phase === 'idle', 120_000);
      a.runs.start(key, '', 'native check', spec, false);
      const run = (await ended)!.stream.record;
      assert.equal(run.error, undefined, run.error?.message);
      assert.equal(run.end?.status, 'completed');
      assert.equal(run.start?.backend, 'wasm');
      assert.match(run.start!.backendReason, /^auto: @tensorflow\/tfjs-node 4\.22\.0 from .*tfjs-node-broken-.* \(the setting deepLessons\.nativeBackendPath\) did not load: libtensorflow\.so\.2: cannot open shared object file; using wasm/);
    } finally {
      await config.update('nativeBackendPath', undefined, vscode.ConfigurationTarget.Global);
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });
});
