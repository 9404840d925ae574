/**
 * A variant written down as an experiment: a new ```experiment block for a lesson, or a standalone
 * `*.experiment.yaml`, formatted as the lessons are (block style at the top, one flow mapping per
 * section and per layer).
 */
import { Document, isMap, isSeq } from 'yaml';

/** `base`, or `base-2`, `base-3`, … : the first id not taken. */
export function uniqueId(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** The experiment as YAML, `id` and `title` first. */
export function experimentYaml(raw: Record<string, unknown>, id: string, title: string): string {
  const { id: _id, title: _title, ...rest } = raw;
  const doc = new Document({ id, title, ...rest });
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
      const value = pair.value;
      if (key === 'model' && isMap(value)) {
        for (const p of value.items) {
          if (isSeq(p.value)) {
            // `layers`: one flow mapping per line; a list of numbers (`input_shape`) on one line.
            if (p.value.items.some(isMap)) {
              for (const item of p.value.items) if (isMap(item)) item.flow = true;
            } else p.value.flow = true;
          } else if (isMap(p.value)) {
            p.value.flow = true;
          }
        }
      } else if (isMap(value) && key !== 'full') {
        value.flow = true;
      }
    }
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}

/** A fenced block for a lesson file. */
export function experimentBlock(raw: Record<string, unknown>, id: string, title: string): string {
  return '```experiment\n' + experimentYaml(raw, id, title) + '```\n';
}
