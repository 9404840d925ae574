/** Where a link clicked in a lesson's prose leads. Pure. */
import * as path from 'node:path';

export type LinkTarget =
  | { kind: 'external'; url: string }
  | { kind: 'file'; path: string; fragment?: string }
  | { kind: 'none'; reason: string };

export function openLinkTarget(href: string, lessonFile: string | undefined): LinkTarget {
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
  return { kind: 'file', path: path.resolve(path.dirname(lessonFile), decoded), fragment: fragment || undefined };
}
