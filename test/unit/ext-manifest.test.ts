import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORY, COMMAND_IDS, COMMANDS, PANEL_VIEW_TYPE, SETTINGS, TREE_VIEW_ID, VIEW_CONTAINER_ID } from '../../src/extension/commandIds';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const c = pkg.contributes;

test('every registered command is contributed, and every contributed command is registered, with the same title', () => {
  const contributed = (c.commands as { command: string; title: string; category: string }[]).map((x) => x.command).sort();
  assert.deepEqual(contributed, [...COMMAND_IDS].sort());
  for (const cmd of c.commands) {
    assert.equal(cmd.title, COMMANDS[cmd.command as keyof typeof COMMANDS].title, cmd.command);
    assert.equal(cmd.category, CATEGORY);
    assert.match(cmd.command, /^deepLessons\.[a-z][A-Za-z]+$/);
  }
  // commands.ts registers exactly the keys of a Record<CommandId, Handler> (a missing handler does not compile).
  const src = readFileSync(join(root, 'src', 'extension', 'commands.ts'), 'utf8');
  const handlers = [...src.matchAll(/^ {4}'(deepLessons\.[A-Za-z]+)': /gm)].map((m) => m[1]).sort();
  assert.deepEqual(handlers, [...COMMAND_IDS].sort());
  assert.match(src, /const handlers: Record<CommandId, Handler>/);
  assert.match(src, /for \(const \[id, handler\] of Object\.entries\(handlers\)\)/);
});

test('internal commands are hidden from the palette; every menu names a contributed command', () => {
  const hidden = (c.menus.commandPalette as { command: string; when: string }[]).filter((m) => m.when === 'false').map((m) => m.command).sort();
  assert.deepEqual(hidden, COMMAND_IDS.filter((id) => !COMMANDS[id].palette).sort());
  for (const [menu, items] of Object.entries(c.menus as Record<string, { command: string }[]>)) {
    for (const item of items) assert.ok(COMMAND_IDS.includes(item.command as never), `${menu}: ${item.command}`);
  }
});

test('views, activation, settings, walkthrough and extension kind', () => {
  assert.deepEqual(c.viewsContainers.activitybar.map((v: { id: string }) => v.id), [VIEW_CONTAINER_ID]);
  assert.ok(existsSync(join(root, c.viewsContainers.activitybar[0].icon)));
  assert.deepEqual(c.views[VIEW_CONTAINER_ID].map((v: { id: string }) => v.id), [TREE_VIEW_ID]);
  assert.ok(c.viewsWelcome.some((w: { view: string; contents: string }) => w.view === TREE_VIEW_ID && w.contents.includes('command:deepLessons.openLesson')));
  assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${PANEL_VIEW_TYPE}`));
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.deepEqual(Object.keys(c.configuration.properties).sort(), [...SETTINGS].sort());
  assert.deepEqual(c.configuration.properties['deepLessons.backend'].enum, ['auto', 'tensorflow', 'wasm', 'cpu']);
  const settingsSrc = readFileSync(join(root, 'src', 'extension', 'settings.ts'), 'utf8');
  const read = [...settingsSrc.matchAll(/c\.get<\w+>\('([\w.]+)'/g)].map((m) => `deepLessons.${m[1]}`).sort();
  assert.deepEqual(read, [...SETTINGS].sort());
  const steps = c.walkthroughs[0].steps as { media: { markdown: string }; description: string }[];
  assert.equal(steps.length, 3);
  for (const s of steps) assert.ok(existsSync(join(root, s.media.markdown)), s.media.markdown);
  assert.equal(pkg.main, './dist/extension.js');
});
