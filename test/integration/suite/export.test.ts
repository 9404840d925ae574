import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor } from './helpers';

suite('export as a Keras script', () => {
  test('Export as Keras Script asks quick or full, and opens the tf.keras script of the experiment in a Python editor', async () => {
    await api();
    const pending = vscode.commands.executeCommand<string>('deepLessons.exportKeras', 'vanishing-gradients/relu-he');
    // relu-he has a `full` setting: the size is asked; the first item (quick) is taken.
    await new Promise((r) => setTimeout(r, 1500));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const uri = await pending;
    assert.equal(typeof uri, 'string', 'the command returns the new document');
    const editor = await waitFor('the script in the active editor', () => (vscode.window.activeTextEditor?.document.uri.toString() === uri ? vscode.window.activeTextEditor : undefined));
    const text = editor.document.getText();
    assert.equal(editor.document.languageId, 'python');
    assert.match(text, /^model = keras\.models\.Sequential\(\[$/m);
    assert.equal(text.match(/keras\.layers\.Dense\(100, activation="relu", kernel_initializer="he_normal"\)/g)?.length, 8, 'eight hidden ReLU layers, He initialized');
    assert.match(text, /model\.fit\(X_train, y_train, epochs=4, batch_size=32/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
