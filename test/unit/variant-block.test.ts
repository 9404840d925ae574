import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperimentFile, parseLesson } from '../../src/lessons';
import { blockYaml } from '../../src/lessons/parse';
import { knobsToChanges } from '../../src/lessons/knobs';
import { applyChanges, deriveVariant } from '../../src/lessons/variant';
import { experimentBlock, experimentYaml, uniqueId } from '../../src/lessons/variantBlock';

const file = join(__dirname, '..', '..', 'lessons', '07-faster-optimizers.lesson.md');

test('"Save as experiment": the variant block, inserted after its parent, parses as a new experiment of the lesson with the change and nothing else', () => {
  const text = readFileSync(file, 'utf8');
  const { lesson } = parseLesson(text, file);
  const parent = lesson!.experiments.find((e) => e.id === 'momentum')!;
  const changes = knobsToChanges(parent.spec, { optimizer: 'adam', lr: 0.002 });
  const v = deriveVariant(parent.spec, changes);
  assert.ok('spec' in v);
  const raw = applyChanges(blockYaml(text, file, parent.range).value, changes);
  const id = uniqueId('momentum-variant', lesson!.experiments.map((e) => e.id));
  const block = experimentBlock(raw, id, `${parent.title} (${v.label})`);
  assert.match(block, /^```experiment\nid: momentum-variant\ntitle: "Momentum, η = 0\.001, β = 0\.9 \(optimizer: momentum → adam; lr 0\.001 → 0\.002; momentum: 0\.9 → none\)"\n/);
  assert.match(block, /\n {4}- \{ type: Dense, units: 300, /, 'one flow mapping per layer, like the lessons');
  assert.match(block, /\ntraining: \{ epochs: 5, batch_size: 32, optimizer: \{ name: adam, learning_rate: 0\.002 \} \}\n/);

  const lines = text.split('\n');
  lines.splice(parent.range.end.line, 0, '', ...block.trimEnd().split('\n'));
  const after = parseLesson(lines.join('\n'), file);
  assert.deepEqual(after.diagnostics.filter((d) => d.severity === 'error'), []);
  const ids = after.lesson!.experiments.map((e) => e.id);
  assert.equal(ids[ids.indexOf('momentum') + 1], 'momentum-variant');
  const saved = after.lesson!.experiments.find((e) => e.id === 'momentum-variant')!;
  assert.deepEqual(saved.spec.training.optimizer, { name: 'adam', learning_rate: 0.002 });
  assert.deepEqual({ ...saved.spec, id: parent.id, title: parent.title, training: parent.spec.training }, parent.spec, 'only the training changed');
});

test('a standalone experiment file for a built-in lesson validates, and ids never collide', () => {
  assert.equal(uniqueId('a-variant', ['a', 'a-variant', 'a-variant-2']), 'a-variant-3');
  const yaml = experimentYaml({ dataset: { name: 'blobs' }, model: { layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] } }, 'x-variant', 'X (lr 0.01 → 0.1)');
  const { spec, diagnostics } = parseExperimentFile(yaml, 'x.experiment.yaml');
  assert.deepEqual(diagnostics, []);
  assert.equal(spec?.id, 'x-variant');
});
