/**
 * Writes the JSON Schemas in `schemas/` from the zod schemas the validator runs (one source).
 * Run: `npx tsx scripts/gen-schemas.ts`. A unit test fails when the committed files are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lessonJsonSchemas } from '../src/lessons/schemas';

const dir = join(__dirname, '..', 'schemas');
mkdirSync(dir, { recursive: true });
for (const [name, schema] of Object.entries(lessonJsonSchemas())) {
  writeFileSync(join(dir, name), JSON.stringify(schema, null, 2) + '\n');
  console.log(`wrote schemas/${name}`);
}
