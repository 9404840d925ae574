// Lint, with the architecture's walls (shared/design/ARCHITECTURE.md) as per-folder
// `no-restricted-imports` rules, so that nobody has to remember them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'zlib', 'http', 'https', 'net', 'stream', 'util', 'events', 'url']
  .flatMap((m) => [m, `node:${m}`]);
const vscode = { name: 'vscode', message: 'Only src/extension/ may import vscode.' };
const tf = { group: ['@tensorflow/*'], message: 'TensorFlow.js lives in src/engine/ only (it runs in the trainer process).' };
const wall = (paths, patterns) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', '.vscode-test/**', 'test-results/**', 'bin/**', 'media/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', __dirname: 'readonly', module: 'writable', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
  { files: ['src/protocol/**/*.ts'], rules: wall([vscode, ...nodeBuiltins.map((name) => ({ name, message: 'protocol/ is types and schemas only.' }))], [tf, { group: ['../*'], message: 'protocol/ imports nothing of the project.' }]) },
  { files: ['src/lessons/**/*.ts'], rules: wall([vscode], [tf, { group: ['../engine/*', '../engine', '../trainer/*', '../cli/*', '../extension/*', '../webview/*'], message: 'lessons/ may import protocol/ only.' }]) },
  { files: ['src/engine/**/*.ts'], rules: wall([vscode], [{ group: ['../lessons/*', '../trainer/*', '../cli/*', '../extension/*', '../webview/*'], message: 'engine/ may import protocol/ and tfjs only.' }]) },
  { files: ['src/trainer/**/*.ts'], rules: wall([vscode], [{ group: ['../lessons/*', '../cli/*', '../extension/*', '../webview/*'], message: 'trainer/ may import engine/ and protocol/ only.' }]) },
  { files: ['src/cli/**/*.ts'], rules: wall([vscode], [{ group: ['../extension/*', '../webview/*'], message: 'cli/ may import lessons/, engine/, trainer/ and protocol/.' }]) },
  { files: ['src/extension/**/*.ts'], rules: wall([], [tf, { group: ['../engine/*', '../engine', '../trainer/*', '../cli/*', '../webview/*'], message: 'extension/ may import lessons/ and protocol/ (it starts the trainer as a process, never imports it).' }]) },
  { files: ['src/webview/**/*.ts'], rules: wall([vscode, ...nodeBuiltins.map((name) => ({ name, message: 'webview/ runs in a browser.' }))], [tf, { group: ['../engine/*', '../lessons/*', '../trainer/*', '../cli/*', '../extension/*'], message: 'webview/ may import protocol/ only.' }]) },
);
