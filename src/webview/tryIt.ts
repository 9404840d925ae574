/**
 * The "Try it" strip of a run card: the experiment's knobs (from its spec, sent by the host), a
 * Run button that starts the variant on the same card, and "Save as experiment". The page only
 * collects the values that differ; the host derives, validates and labels the variant.
 */
import type { StartEvent } from '../protocol/events';
import type { Knob, KnobValue } from '../protocol/knobs';
import { post } from './api';
import { button, h, setDisabled, type ButtonEl } from './ui';

export class TryIt {
  readonly el: HTMLElement;
  private readonly values = new Map<string, KnobValue>();
  private readonly runBtn: ButtonEl;
  private readonly seedsBtn: ButtonEl;
  private readonly saveBtn: ButtonEl;
  private readonly resetBtn: ButtonEl;
  private readonly inputs: { knob: Knob; el: HTMLInputElement | HTMLSelectElement }[] = [];
  private readonly changedEl = h('span', { class: 'try-changed' });

  constructor(
    private readonly key: string,
    knobs: readonly Knob[],
    seeds = 3,
  ) {
    const grid = h('div', { class: 'try-knobs' }, ...knobs.map((k) => this.knob(k)));
    this.runBtn = button('▶ Run variant', { title: 'Run the experiment with these knobs, from the same initial weights and batches', onClick: () => post({ type: 'runVariant', key: this.key, values: this.changed() }) });
    this.seedsBtn = button(`▶ Run variant ×${seeds} seeds`, { appearance: 'secondary', title: `Run the variant with ${seeds} seeds; with the original also run ×${seeds} seeds, the card says whether the difference is beyond noise (Welch's t-test)`, onClick: () => post({ type: 'runVariant', key: this.key, values: this.changed(), seeds: true }) });
    this.saveBtn = button('Save as experiment', { appearance: 'secondary', title: 'Write this variant into the lesson as a new experiment (undoable), or into a new .experiment.yaml for a built-in lesson', onClick: () => post({ type: 'saveVariant', key: this.key, values: this.changed() }) });
    this.resetBtn = button('Reset', { appearance: 'secondary', title: "Back to the experiment's own values", onClick: () => this.reset() });
    const summary = h('summary', {}, 'Try it: change a knob');
    this.el = h('details', { class: 'try-it' }, summary, grid, h('div', { class: 'try-actions' }, this.runBtn, this.seedsBtn, this.saveBtn, this.resetBtn, this.changedEl));
    this.update();
  }

  private knob(k: Knob): HTMLElement {
    const id = `knob-${this.key.replace(/[^a-z0-9]/gi, '-')}-${k.id.replace(/[^a-z0-9]/gi, '-')}`;
    let el: HTMLInputElement | HTMLSelectElement;
    if (k.kind === 'choice') {
      const sel = document.createElement('select');
      for (const o of k.options ?? []) sel.append(h('option', { value: o }, o));
      sel.value = String(k.value);
      el = sel;
    } else {
      const input = document.createElement('input');
      input.type = k.kind === 'toggle' ? 'checkbox' : 'number';
      if (k.kind === 'toggle') input.checked = Boolean(k.value);
      else {
        input.value = String(k.value);
        if (k.min !== undefined) input.min = String(k.min);
        if (k.max !== undefined) input.max = String(k.max);
        input.step = String(k.step ?? 'any');
      }
      el = input;
    }
    el.id = id;
    el.dataset.knob = k.id;
    el.addEventListener('change', () => {
      const v = this.read(k, el);
      if (v === k.value || v === undefined) this.values.delete(k.id);
      else this.values.set(k.id, v);
      this.update();
    });
    this.inputs.push({ knob: k, el });
    return h('label', { class: 'try-knob', for: id }, h('span', {}, k.label), el);
  }

  private read(k: Knob, el: HTMLInputElement | HTMLSelectElement): KnobValue | undefined {
    if (k.kind === 'choice') return el.value;
    if (k.kind === 'toggle') return (el as HTMLInputElement).checked;
    const n = Number(el.value);
    return el.value.trim() === '' || !Number.isFinite(n) ? undefined : n;
  }

  private changed(): Record<string, KnobValue> {
    return Object.fromEntries(this.values);
  }

  private reset(): void {
    this.values.clear();
    for (const { knob, el } of this.inputs) {
      if (knob.kind === 'toggle') (el as HTMLInputElement).checked = Boolean(knob.value);
      else el.value = String(knob.value);
    }
    this.update();
  }

  /** Sets knob `id` from outside (the LR finder's "Use in 1cycle") and opens the strip; false when there is no such knob. */
  set(id: string, value: number): boolean {
    const input = this.inputs.find((i) => i.knob.id === id);
    if (!input || input.knob.kind !== 'number') return false;
    input.el.value = String(value);
    if (value === input.knob.value) this.values.delete(id);
    else this.values.set(id, value);
    (this.el as HTMLDetailsElement).open = true;
    this.update();
    return true;
  }

  private busy = false;

  setBusy(busy: boolean): void {
    this.busy = busy;
    this.update();
  }

  private update(): void {
    const n = this.values.size;
    setDisabled(this.runBtn, this.busy || n === 0);
    setDisabled(this.seedsBtn, this.busy || n === 0);
    setDisabled(this.saveBtn, n === 0);
    setDisabled(this.resetBtn, n === 0);
    this.changedEl.textContent = n ? `${n} knob${n === 1 ? '' : 's'} changed` : '';
  }
}

/** The line a variant's run shows: what differs, and which layers started from the original's weights. */
export function twinLine(start: StartEvent | undefined): string {
  const t = start?.twin;
  if (!t) return '';
  const shared = t.shared.length ? `initial weights shared by ${t.shared.join(', ')}` : 'no layer shared its initial weights';
  return `Variant: ${t.label ?? 'changed'} · ${shared}${t.fresh.length ? `; fresh: ${t.fresh.join(', ')}` : ''} · same batches and dropout masks`;
}
