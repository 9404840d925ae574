/** Where a link clicked in a lesson's prose leads (`openLinkTarget` is pure; `followLink` also resolves symbolic links). */
import { realpath } from 'node:fs/promises';
import * as path from 'node:path';

export type LinkTarget =
  | { kind: 'external'; url: string }
  | { kind: 'file'; path: string; fragment?: string }
  /** A file outside every allowed folder: refused, and the learner is told. */
  | { kind: 'refused'; path: string; reason: string }
  | { kind: 'none'; reason: string };

/** Whether `p` is `root` or inside it (both absolute; no `..` escapes, no prefix tricks such as /w/lessons-evil). */
export function isInside(p: string, root: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(p));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * @param roots folders a relative link may open files in besides the lesson's own folder (the
 *   workspace folders); a lesson file is untrusted, so `../../../../etc/passwd` is refused.
 */
export function openLinkTarget(href: string, lessonFile: string | undefined, roots: readonly string[] = []): LinkTarget {
  const h = href.trim();
  if (/^(https?|mailto):/i.test(h)) return { kind: 'external', url: h };
  if (/^[a-z][a-z0-9+.-]*:/i.test(h)) return { kind: 'none', reason: 'only http, https and mailto links leave the panel' };
  if (h.startsWith('#') || h === '') return { kind: 'none', reason: 'an anchor in the page' };
  if (!lessonFile) return { kind: 'none', reason: 'no lesson file to resolve a relative link against' };
  const [file, fragment] = h.split('#', 2) as [string, string | undefined];
  let decoded: string;
  try {
    decoded = decodeURIComponent(file);
  } catch {
    return { kind: 'none', reason: 'a malformed path' };
  }
  if (decoded.includes('\0')) return { kind: 'none', reason: 'a malformed path' };
  const folder = path.dirname(path.resolve(lessonFile));
  const target = path.resolve(folder, decoded);
  if (![folder, ...roots].some((r) => isInside(target, r))) {
    return { kind: 'refused', path: target, reason: "it is outside the lesson's folder and the workspace" };
  }
  return { kind: 'file', path: target, fragment: fragment || undefined };
}

/** As `openLinkTarget`, and a file reached through a symbolic link must really lie inside the allowed folders too. */
export async function followLink(href: string, lessonFile: string | undefined, roots: readonly string[], real: (p: string) => Promise<string> = realpath): Promise<LinkTarget> {
  const target = openLinkTarget(href, lessonFile, roots);
  if (target.kind !== 'file' || !lessonFile) return target;
  const actual = await real(target.path).catch(() => target.path);
  if (actual === target.path) return target;
  const realRoots = await Promise.all([path.dirname(path.resolve(lessonFile)), ...roots].map((r) => real(r).catch(() => r)));
  return realRoots.some((r) => isInside(actual, r)) ? target : { kind: 'refused', path: target.path, reason: "it leads (through a symbolic link) outside the lesson's folder and the workspace" };
}
