/**
 * One YAML text cut out of a file (the front matter, an `experiment` or `quiz` block, or a whole
 * standalone experiment file), parsed with the `yaml` Document API so that every node keeps its
 * offsets; `pos()` maps them back to the file's 1-based line and column.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node as YamlNode, Scalar } from 'yaml';
import type { LessonDiagnostic, SourcePos, SourceRange } from '../protocol/lesson';

export type PathKey = string | number;

export class YamlBlock {
  readonly doc: Document.Parsed;
  /** The plain JavaScript value (undefined when the YAML has errors). */
  readonly value: unknown;
  readonly diagnostics: LessonDiagnostic[] = [];
  private readonly lineStarts: number[];
  private readonly length: number;

  /**
   * @param text the YAML text, lines already stripped of the fence's indentation
   * @param firstLine the file line (1-based) of the text's first line
   * @param indents columns removed from each line of `text` (by index), added back to columns
   */
  constructor(
    readonly file: string,
    text: string,
    readonly firstLine: number,
    private readonly indents: number[] = [],
  ) {
    // Line starts computed here: yaml's LineCounter misses the newlines inside the tokens of a broken document.
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
    this.length = text.length;
    this.doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
    // The first error is the one to fix; those after it are mostly its consequences.
    const first = this.doc.errors[0];
    if (first) {
      const message = first.message.split('\n')[0].replace(/\.$/, '');
      const more = this.doc.errors.length - 1;
      this.diagnostics.push({
        file,
        range: this.range(first.pos[0], Math.max(first.pos[1], first.pos[0] + 1)),
        severity: 'error',
        message: `bad YAML: ${message}${yamlHint(first.code)}${more ? ` (${more} more YAML error${more === 1 ? '' : 's'} after this one may go away with it)` : ''}`,
      });
    }
    for (const w of this.doc.warnings) {
      this.diagnostics.push({
        file,
        range: this.range(w.pos[0], Math.max(w.pos[1], w.pos[0] + 1)),
        severity: 'warning',
        message: `YAML: ${w.message.split('\n')[0]}`,
      });
    }
    let value: unknown;
    if (this.doc.errors.length === 0) {
      // An alias whose anchor is not set before it (`*x`) is not a parse error, but toJS throws on it.
      visit(this.doc, {
        Alias: (_key, node) => {
          if (findAnchor(this.doc, node.source, node.range?.[0] ?? 0) === undefined) {
            this.diagnostics.push({
              file,
              range: this.range(node.range?.[0] ?? 0, node.range?.[1] ?? 1),
              severity: 'error',
              message: `bad YAML: the alias *${node.source} has no anchor &${node.source} before it (to write a literal "*", quote the text)`,
            });
          }
        },
      });
    }
    if (this.diagnostics.some((d) => d.severity === 'error')) {
      this.failed = true;
    } else {
      try {
        value = this.doc.toJS({ maxAliasCount: 100 });
      } catch (e) {
        this.failed = true;
        this.diagnostics.push({ file, range: this.firstLineRange(), severity: 'error', message: `bad YAML: ${(e as Error).message}` });
      }
    }
    this.value = value;
  }

  private failed = false;

  get ok(): boolean {
    return this.doc.errors.length === 0 && !this.failed;
  }

  /** File position of an offset into the YAML text. */
  pos(offset: number): SourcePos {
    const o = Math.max(0, Math.min(offset, this.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: this.firstLine + lo, column: o - this.lineStarts[lo] + 1 + (this.indents[lo] ?? 0) };
  }

  range(start: number, end: number): SourceRange {
    return { start: this.pos(start), end: this.pos(end) };
  }

  /** Range of a node (without trailing comments and blank lines). */
  nodeRange(node: YamlNode): SourceRange | undefined {
    if (!node.range) return undefined;
    return this.range(node.range[0], node.range[1]);
  }

  /** Range of the first line of the block (when nothing better is known). */
  firstLineRange(): SourceRange {
    return { start: { line: this.firstLine, column: 1 + (this.indents[0] ?? 0) }, end: { line: this.firstLine, column: 1 + (this.indents[0] ?? 0) } };
  }

  /**
   * The node at `path`, or the deepest existing ancestor (then `exact` is false). A pair whose
   * value is empty (`units:`) gives its key.
   */
  locate(path: readonly PathKey[]): { node?: YamlNode; exact: boolean } {
    let cur: unknown = this.doc.contents;
    let last: YamlNode | undefined = isNode(cur) ? cur : undefined;
    for (const key of path) {
      if (isAlias(cur)) cur = cur.resolve(this.doc);
      if (isMap(cur)) {
        const pair = cur.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) return { node: last, exact: false };
        if (pair.value === null || pair.value === undefined) return { node: pair.key as YamlNode, exact: false };
        cur = pair.value;
      } else if (isSeq(cur) && typeof key === 'number' && key >= 0 && key < cur.items.length) {
        cur = cur.items[key];
      } else {
        return { node: last, exact: false };
      }
      if (isNode(cur)) last = cur;
      else return { node: last, exact: false };
    }
    return { node: last, exact: true };
  }

  /** The key node of `key` inside the mapping at `path` (to point at an unknown field). */
  keyNode(path: readonly PathKey[], key: string): YamlNode | undefined {
    const { node, exact } = this.locate(path);
    if (!exact || !isMap(node)) return undefined;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    return pair && isNode(pair.key) ? pair.key : undefined;
  }

  /** Best range for a message about `path`: the node, else its nearest ancestor, else the first line. */
  rangeOf(path: readonly PathKey[]): SourceRange {
    const { node } = this.locate(path);
    return (node && this.nodeRange(node)) ?? this.firstLineRange();
  }

  /**
   * Range for "this field is missing": the key of the mapping's first pair when the mapping exists
   * (so the squiggle sits on the start of the mapping), else the nearest ancestor.
   */
  missingRange(parentPath: readonly PathKey[]): SourceRange {
    const { node, exact } = this.locate(parentPath);
    if (exact && isMap(node) && node.items.length > 0 && isNode(node.items[0].key)) {
      return this.nodeRange(node.items[0].key as YamlNode) ?? this.firstLineRange();
    }
    return (node && this.nodeRange(node)) ?? this.firstLineRange();
  }

  /** Offset of a scalar's text inside the YAML (after an opening quote), for columns within a string. */
  scalarTextOffset(path: readonly PathKey[]): number | undefined {
    const { node, exact } = this.locate(path);
    if (!exact || !isScalar(node) || !node.range) return undefined;
    const type = (node as Scalar).type;
    if (type === 'PLAIN') return node.range[0];
    if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') return node.range[0] + 1;
    return undefined;
  }
}

/** The offset of an anchor `&name` set on a node that starts before `before`, if any. */
function findAnchor(doc: Document.Parsed, name: string, before: number): number | undefined {
  let found: number | undefined;
  visit(doc, (_key, node) => {
    const n = node as { anchor?: string; range?: [number, number, number] };
    if (n && n.anchor === name && n.range && n.range[0] < before) found = n.range[0];
  });
  return found;
}

function isNode(x: unknown): x is YamlNode {
  return isScalar(x) || isMap(x) || isSeq(x) || isAlias(x);
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return ' (a field appears twice: keep one)';
    case 'TAB_AS_INDENT':
      return ' (indent with spaces, not tabs)';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return ' (check the indentation and the brackets on this line)';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return ' (a `key: value` line is probably missing its colon or is mis-indented)';
    default:
      return '';
  }
}
