import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lessonJsonSchemas } from '../../src/lessons';

const dir = join(__dirname, '..', '..', 'schemas');

test('the committed JSON Schemas equal a fresh generation (run `npx tsx scripts/gen-schemas.ts` after changing src/protocol)', () => {
  const fresh = lessonJsonSchemas();
  assert.deepEqual(Object.keys(fresh).sort(), ['experiment.schema.json', 'lesson-front-matter.schema.json', 'quiz.schema.json']);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort(), Object.keys(fresh).sort());
  for (const [name, schema] of Object.entries(fresh)) {
    assert.equal(readFileSync(join(dir, name), 'utf8'), JSON.stringify(schema, null, 2) + '\n', `schemas/${name} is stale`);
  }
});

test('the generated schemas carry the validator\'s rules (strict objects, enums, bounds, input defaults optional)', () => {
  const s = lessonJsonSchemas() as Record<string, Record<string, unknown>>;
  const fm = s['lesson-front-matter.schema.json'] as { required: string[]; additionalProperties: boolean; properties: Record<string, Record<string, unknown>> };
  // prerequisites has a default, so it is optional in the file.
  assert.deepEqual([...fm.required].sort(), ['id', 'minutes', 'order', 'summary', 'title', 'topic']);
  assert.equal(fm.additionalProperties, false);
  assert.equal(fm.properties.id.pattern, '^[a-z0-9][a-z0-9-]*$');
  const exp = s['experiment.schema.json'] as { required: string[]; properties: Record<string, { properties: Record<string, { items: { oneOf?: { properties: { type: { const: string } } }[]; anyOf?: unknown[] } }> }> };
  assert.deepEqual([...exp.required].sort(), ['dataset', 'model']);
  const layer = exp.properties.model.properties.layers.items;
  const variants = (layer.oneOf ?? layer.anyOf) as { properties: { type: { const: string } } }[];
  assert.deepEqual(variants.map((v) => v.properties.type.const), ['Dense', 'Flatten', 'BatchNormalization', 'Activation', 'Dropout', 'AlphaDropout']);
  const quiz = JSON.stringify(s['quiz.schema.json']);
  assert.ok(quiz.includes('"single"') && quiz.includes('"multiple"') && quiz.includes('"numeric"'));
});
