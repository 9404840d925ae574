/**
 * JSON Schemas for editors, generated from the zod schemas that the validator runs (one source).
 * `scripts/gen-schemas.ts` writes them to `schemas/`; a unit test keeps the files up to date.
 */
import { z } from 'zod';
import { ExperimentSpec } from '../protocol/spec';
import { LessonFrontMatter, QuizBlockSpec } from '../protocol/lesson';

function toSchema(schema: z.ZodType, title: string): object {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = json;
  return { $schema, title, ...rest };
}

/** File name (in `schemas/`) → JSON Schema. */
export function lessonJsonSchemas(): Record<string, object> {
  return {
    'lesson-front-matter.schema.json': toSchema(LessonFrontMatter, 'Deep Learning Lessons: lesson front matter'),
    'experiment.schema.json': toSchema(ExperimentSpec, 'Deep Learning Lessons: experiment'),
    'quiz.schema.json': toSchema(QuizBlockSpec, 'Deep Learning Lessons: quiz block'),
  };
}
