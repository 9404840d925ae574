/**
 * One YAML text cut out of a file (the front matter, an `experiment` or `quiz` block, or a whole
 * standalone experiment file), parsed with the `yaml` Document API so that every node keeps its
 * offsets; `pos()` maps them back to the file's 1-based line and column.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, YAMLParseError } from 'yaml';
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
    this.doc = parseYaml(text);
    // The first error is the one to fix; those after it are mostly its consequences.
    const first = this.doc.errors[0];
    if (first) {
      const message = first.code === 'RESOURCE_EXHAUSTION' && /call stack/i.test(first.message) ? TOO_DEEP : first.message.split('\n')[0].replace(/\.$/, '');
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
    if (this.doc.errors.length === 0) this.checkShape();
    let value: unknown;
    if (this.diagnostics.some((d) => d.severity === 'error')) {
      this.failed = true;
    } else {
      try {
        value = this.doc.toJS({ maxAliasCount: 100 });
      } catch (e) {
        this.failed = true;
        const m = (e as Error).message;
        const message = /excessive alias count/i.test(m) ? 'its aliases (*name) expand to too much data; write the values out instead' : m;
        this.diagnostics.push({ file, range: this.firstLineRange(), severity: 'error', message: `bad YAML: ${message}` });
      }
    }
    this.value = value;
  }

  /**
   * Limits checked before anything recursive walks the tree (visit, toJS, zod): nesting depth, then
   * the aliases (how many, and each after its anchor), in one pass each, so the cost is linear in
   * the text whatever it contains.
   */
  private checkShape(): void {
    const deep = tooDeep(this.doc.contents);
    if (deep) {
      this.diagnostics.push({
        file: this.file,
        range: this.range(deep.range?.[0] ?? 0, Math.max(deep.range?.[1] ?? 1, (deep.range?.[0] ?? 0) + 1)),
        severity: 'error',
        message: `bad YAML: ${TOO_DEEP}`,
      });
      return;
    }
    /** Each anchor name → the offset of the first node that sets it. */
    const anchors = new Map<string, number>();
    let aliases = 0;
    visit(this.doc, (_key, node) => {
      const n = node as { anchor?: string; range?: [number, number, number] };
      if (isAlias(node)) {
        const at = node.range?.[0] ?? 0;
        const end = node.range?.[1] ?? at + 1;
        if (++aliases > YAML_LIMITS.aliases) {
          this.diagnostics.push({
            file: this.file,
            range: this.range(at, end),
            severity: 'error',
            message: `bad YAML: more than ${YAML_LIMITS.aliases} aliases (*name) in one block; write the values out instead`,
          });
          return visit.BREAK;
        }
        // An alias whose anchor is not set before it (`*x`) is not a parse error, but toJS throws on it.
        const anchor = anchors.get(node.source);
        if (anchor === undefined || anchor >= at) {
          this.diagnostics.push({
            file: this.file,
            range: this.range(at, end),
            severity: 'error',
            message: `bad YAML: the alias *${node.source} has no anchor &${node.source} before it (to write a literal "*", quote the text)`,
          });
        }
      } else if (n && typeof n.anchor === 'string' && n.range && !anchors.has(n.anchor)) {
        anchors.set(n.anchor, n.range[0]);
      }
      return undefined;
    });
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

/** Limits on one YAML block (documented in docs/lesson-format.md). */
export const YAML_LIMITS = { depth: 32, aliases: 100 } as const;

const TOO_DEEP = `nested more than ${YAML_LIMITS.depth} levels deep here; a lesson block needs a handful of levels, so close the brackets or unindent the lines`;

function parseYaml(text: string): Document.Parsed {
  try {
    return parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    // yaml recurses while composing; a pathological nesting can exhaust the stack before our check.
    const doc = parseDocument('', { prettyErrors: false });
    const message = e instanceof RangeError ? TOO_DEEP : (e as Error).message;
    doc.errors.push(new YAMLParseError([0, Math.min(1, text.length)], 'IMPOSSIBLE', message));
    return doc;
  }
}

/** The first collection nested deeper than the limit, found without recursion. */
function tooDeep(root: unknown): YamlNode | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 1 }];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > YAML_LIMITS.depth) return node;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        stack.push({ node: item.value, depth: depth + 1 });
        stack.push({ node: item.key, depth: depth + 1 });
      } else stack.push({ node: item, depth: depth + 1 });
    }
  }
  return undefined;
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
