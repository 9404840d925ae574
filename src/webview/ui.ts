/**
 * The thin layer over the component library, `@vscode-elements/elements` (Lit web components
 * styled from VS Code's theme variables; the deprecated `@vscode/webview-ui-toolkit` it replaced
 * lived here too). Everything else in the page builds buttons, radios, checkboxes, text fields,
 * progress and tabs through these functions only.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';

/** The imports above define the elements; kept for the page's start-up order. */
export function registerComponents(): void {
  // Nothing to do: importing an element's module registers it.
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

export interface ButtonOptions {
  appearance?: 'primary' | 'secondary' | 'icon';
  title?: string;
  onClick: () => void;
}

export type ButtonEl = HTMLElement & { disabled: boolean };

export function button(label: string, options: ButtonOptions): ButtonEl {
  const b = document.createElement('vscode-button') as ButtonEl;
  if (options.appearance === 'secondary') b.setAttribute('secondary', '');
  // The title is a tooltip (and the accessible description); the name stays the visible label,
  // as WCAG's "label in name" asks.
  if (options.title) b.setAttribute('title', options.title);
  b.textContent = label;
  b.addEventListener('click', () => {
    if (!b.disabled) options.onClick();
  });
  return b;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  (el as ButtonEl).disabled = disabled;
  el.toggleAttribute('disabled', disabled);
}

export interface ChoiceInput {
  el: HTMLElement;
  /** Selected indices (one at most for a radio group). */
  value(): number[];
  setDisabled(d: boolean): void;
}

export function radioGroup(name: string, choices: readonly HTMLElement[]): ChoiceInput {
  const group = document.createElement('vscode-radio-group');
  group.setAttribute('variant', 'vertical');
  const radios = choices.map((c, i) => {
    const r = document.createElement('vscode-radio') as HTMLElement & { checked: boolean };
    r.setAttribute('name', name);
    r.setAttribute('value', String(i));
    r.append(c);
    group.append(r);
    return r;
  });
  return {
    el: group,
    value: () => radios.flatMap((r, i) => (r.checked ? [i] : [])),
    setDisabled: (d) => {
      setDisabled(group, d);
      radios.forEach((r) => setDisabled(r, d));
    },
  };
}

export function checkboxes(choices: readonly HTMLElement[]): ChoiceInput {
  const box = h('div', { class: 'checkboxes', role: 'group' });
  const boxes = choices.map((c) => {
    const cb = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
    cb.append(c);
    box.append(cb);
    return cb;
  });
  return {
    el: box,
    value: () => boxes.flatMap((b, i) => (b.checked ? [i] : [])),
    setDisabled: (d) => boxes.forEach((b) => setDisabled(b, d)),
  };
}

/** A single checkbox with a label; `onChange` gets the new state. */
export function checkbox(label: string, title: string, onChange: (checked: boolean) => void, checked = false): HTMLElement {
  const cb = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  cb.textContent = label;
  cb.setAttribute('title', title);
  if (checked) cb.setAttribute('checked', '');
  cb.addEventListener('change', () => onChange(cb.checked));
  return cb;
}

let sliders = 0;

/** A labelled range slider showing its value; `onInput` gets each new value. */
export function slider(label: string, o: { min: number; max: number; step: number; value: number; title: string }, onInput: (value: number) => void): HTMLElement {
  const id = `slider-${++sliders}`;
  const input = h('input', { type: 'range', id, min: String(o.min), max: String(o.max), step: String(o.step), value: String(o.value), title: o.title });
  const out = h('output', { for: id, class: 'slider-value' }, o.value.toFixed(2));
  input.addEventListener('input', () => {
    const v = Number(input.value);
    out.textContent = v.toFixed(2);
    onInput(v);
  });
  return h('span', { class: 'slider' }, h('label', { for: id }, label), input, out);
}

export function textField(placeholder: string, onEnter: () => void): { el: HTMLElement; value(): string; setDisabled(d: boolean): void } {
  const f = document.createElement('vscode-textfield') as HTMLElement & { value: string };
  f.setAttribute('placeholder', placeholder);
  f.setAttribute('size', '16');
  f.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter') onEnter();
  });
  return { el: f, value: () => f.value ?? '', setDisabled: (d) => setDisabled(f, d) };
}

export function tag(text: string, title?: string): HTMLElement {
  // A plain element (no component needed).
  const t = h('span', { class: 'tag' }, text);
  if (title) t.setAttribute('title', title);
  return t;
}

export function spinner(): HTMLElement {
  const r = document.createElement('vscode-progress-ring');
  r.classList.add('spinner');
  return r;
}

/** A determinate progress bar, themed like VS Code's (a plain element: its width is set through CSSOM). */
export function progressBar(name: string): { el: HTMLElement; set(fraction: number): void } {
  const fill = h('div', { class: 'progress-fill' });
  const el = h('div', { class: 'progress-bar', role: 'progressbar', 'aria-label': name, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, fill);
  return {
    el,
    set: (f) => {
      const pct = Math.round(Math.max(0, Math.min(1, f)) * 100);
      fill.style.width = `${pct}%`;
      el.setAttribute('aria-valuenow', String(pct));
    },
  };
}

export interface Tab {
  id: string;
  label: string;
  content: HTMLElement;
}

let tabSets = 0;

/** Tabs; `onShow` runs when a tab becomes visible (charts resize then). Ids are unique in the page. */
export function tabs(items: readonly Tab[], active: string, onShow: (id: string) => void): HTMLElement {
  const prefix = `t${++tabSets}-`;
  const el = document.createElement('vscode-tabs') as HTMLElement & { selectedIndex: number };
  el.setAttribute('selected-index', String(Math.max(0, items.findIndex((t) => t.id === active))));
  for (const t of items) {
    const header = document.createElement('vscode-tab-header');
    header.setAttribute('slot', 'header');
    header.id = `${prefix}tab-${t.id}`;
    header.textContent = t.label;
    el.append(header);
  }
  for (const t of items) {
    const panel = document.createElement('vscode-tab-panel');
    panel.id = `${prefix}view-${t.id}`;
    panel.append(t.content);
    el.append(panel);
  }
  el.addEventListener('vsc-tabs-select', (e) => {
    const i = ((e as CustomEvent<{ selectedIndex: number }>).detail?.selectedIndex ?? el.selectedIndex) | 0;
    const t = items[i];
    if (t) onShow(t.id);
  });
  return el;
}
