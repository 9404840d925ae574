/**
 * Under the LR finder's chart: its three suggestions (valley, steepest descent, minimum ÷ 10),
 * each in the colour of its line on the chart, with the one-line reason the engine gave and a
 * "Use in 1cycle" button that fills the `max_lr` knob of the lesson's 1cycle experiment.
 */
import type { LrFinderResult } from '../protocol/events';
import { readTheme } from './charts';
import { SUGGESTION_STYLE } from './markers';
import { button, h } from './ui';

/** The page-wide event a suggestion's button sends; a 1cycle card sets `taken` when it takes the rate. */
export const USE_RATE_EVENT = 'deep-lessons:use-rate';
export interface UseRateDetail {
  lr: number;
  taken: boolean;
}

/** A card that can take a rate (a 1cycle experiment with a `max_lr` knob) says so in the page. */
export const TAKES_RATE_ATTR = 'data-takes-max-lr';

export class LrFinderView {
  readonly el = h('div', { class: 'lr-suggestions', hidden: '' });

  show(f: LrFinderResult | undefined): void {
    if (!f?.suggestions.length) {
      this.el.hidden = true;
      this.el.replaceChildren();
      return;
    }
    const palette = readTheme().palette;
    const canUse = document.querySelector(`[${TAKES_RATE_ATTR}]`) !== null;
    const note = h('div', { class: 'lr-use-note', role: 'status' });
    const items = f.suggestions.map((s) => {
      const style = SUGGESTION_STYLE[s.kind];
      const swatch = h('span', { class: 'lr-swatch', 'aria-hidden': 'true' });
      swatch.style.background = palette[style.color] ?? '';
      const rate = Number(s.lr.toPrecision(2));
      const li = h('li', { 'data-kind': s.kind }, swatch, h('strong', {}, `${style.name}: ${rate}`), h('span', { class: 'lr-reason' }, ` ${s.reason}`));
      if (canUse) {
        li.append(
          button('Use in 1cycle', {
            appearance: 'secondary',
            title: `Put ${rate} in the max_lr knob of this lesson's 1cycle experiment (its "Try it")`,
            onClick: () => {
              const detail: UseRateDetail = { lr: rate, taken: false };
              window.dispatchEvent(new CustomEvent(USE_RATE_EVENT, { detail }));
              note.textContent = detail.taken ? `max_lr ${rate} is set in the 1cycle experiment's "Try it"; run the variant there.` : 'No 1cycle experiment in this lesson took the rate.';
            },
          }),
        );
      }
      return li;
    });
    this.el.replaceChildren(h('h4', {}, 'Suggested rates'), h('ul', {}, ...items), note);
    this.el.hidden = false;
  }
}
