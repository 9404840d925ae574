/**
 * Keeps the learner's place in the panel: the block at the top of the view and how far down it
 * is scrolled, rather than a pixel offset, so that the place survives the page getting narrower
 * (a source file opened beside it), charts growing, a re-render after the lesson file changed,
 * and a reload (it is kept in the webview's state).
 */
export interface Anchor {
  /** Index of the block among the article's children. */
  index: number;
  /** Its top edge relative to the top of the view, in px (negative: scrolled into it). */
  offset: number;
}

function blocks(): HTMLElement[] {
  const article = document.querySelector('article.lesson');
  return article ? ([...article.children] as HTMLElement[]) : [];
}

export function currentAnchor(): Anchor | undefined {
  const list = blocks();
  const index = list.findIndex((el) => el.getBoundingClientRect().bottom > 0);
  return index < 0 ? undefined : { index, offset: list[index]!.getBoundingClientRect().top };
}

export function restoreAnchor(a: Anchor): boolean {
  const el = blocks()[a.index];
  if (!el) return false;
  window.scrollBy(0, el.getBoundingClientRect().top - a.offset);
  return true;
}

/**
 * Watches the page's size: when it changes (not by the learner's scrolling), scrolls back to the
 * anchor last recorded by `record()`.
 */
export class ScrollKeeper {
  private anchor?: Anchor;
  private readonly observer: ResizeObserver;

  constructor() {
    this.observer = new ResizeObserver(() => {
      if (this.anchor) restoreAnchor(this.anchor);
    });
    this.observer.observe(document.body);
  }

  record(): Anchor | undefined {
    this.anchor = currentAnchor();
    return this.anchor;
  }

  set(a: Anchor | undefined): void {
    this.anchor = a;
    if (a) restoreAnchor(a);
  }
}
