// Remote windows (Remote-SSH, dev containers, Codespaces, code-server): the extension runs where the
// workspace is, so training, datasets and the native backend are on that machine; only messages and
// the panel's resources (through asWebviewUri) reach the local window. What the manifest and the code
// must say for that. (The e2e tier runs the whole product this way: code-server's extension host is
// a remote one, and test/e2e/installed.mjs checks that the trainer runs from the installed copy on it.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const props = pkg.contributes.configuration.properties as Record<string, { scope?: string }>;

test('a workspace extension: it runs on the machine that has the workspace, never in the local UI host', () => {
  assert.deepEqual(pkg.extensionKind, ['workspace']);
});

test('settings that name a path on a machine can differ per machine (machine-overridable)', () => {
  for (const key of ['deepLessons.dataDir', 'deepLessons.trainerRuntime', 'deepLessons.nativeBackendPath']) {
    assert.equal(props[key]?.scope, 'machine-overridable', key);
  }
});

test('the panel reaches the extension\'s files only through asWebviewUri and its two resource roots; no file: URL is built by hand', () => {
  const dir = join(root, 'src', 'extension');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const src = readFileSync(join(dir, f), 'utf8');
    assert.ok(!/['"`]file:\/\//.test(src), `${f} builds a file:// URL (it would not resolve in a remote window)`);
  }
  const panel = readFileSync(join(dir, 'lessonPanel.ts'), 'utf8');
  assert.match(panel, /webview\.asWebviewUri\(/);
  assert.match(panel, /localResourceRoots: \[vscode\.Uri\.joinPath\(context\.extensionUri, 'dist'\), vscode\.Uri\.joinPath\(context\.extensionUri, 'media'\)\]/);
});
