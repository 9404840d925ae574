import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMAND_IDS, COMMANDS } from '../../../src/extension/commandIds';
import { api, extension } from './helpers';

interface Contributes {
  commands?: { command: string; title: string; category?: string }[];
  menus?: { commandPalette?: { command: string; when?: string }[] };
}

suite('activation', () => {
  test('the extension activates in the real extension host and returns its API', async () => {
    const a = await api();
    assert.equal(extension().isActive, true);
    for (const k of ['catalog', 'progress', 'runs', 'panels', 'history'] as const) assert.ok(a[k], `API has ${k}`);
  });

  test('the commands registered and the commands contributed are the same set', async () => {
    await api();
    const contributes = extension().packageJSON.contributes as Contributes;
    const contributed = (contributes.commands ?? []).map((c) => c.command).sort();
    // VS Code adds `<viewId>.focus`, `.open`, ... for each contributed view (ids with a second dot): not ours.
    const registered = (await vscode.commands.getCommands(true)).filter((c) => /^deepLessons\.[A-Za-z]+$/.test(c)).sort();
    assert.deepEqual(registered, contributed, 'every deepLessons.* command registered is contributed in package.json, and the reverse');
    assert.deepEqual(contributed, [...COMMAND_IDS].sort(), 'package.json contributes exactly the ids of src/extension/commandIds.ts');
    assert.ok(contributed.length >= 11, `at least the 11 commands issue 4 names (got ${contributed.length})`);
  });

  test('internal commands are hidden from the palette, the others carry the "DL Lessons" category', () => {
    const contributes = extension().packageJSON.contributes as Contributes;
    const hidden = new Set((contributes.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
    for (const [id, c] of Object.entries(COMMANDS)) {
      assert.equal(hidden.has(id), !c.palette, `${id} ${c.palette ? 'shows in' : 'is hidden from'} the command palette`);
    }
    for (const c of contributes.commands ?? []) assert.equal(c.category, 'DL Lessons', `${c.command} has the category`);
  });
});
