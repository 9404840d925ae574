/**
 * The thin layer over the component library. Everything else in the page builds buttons, radios,
 * checkboxes, text fields, progress and tabs through these functions only, so that
 * `@vscode/webview-ui-toolkit` (deprecated upstream) can be swapped for `@vscode-elements/elements`
 * by rewriting this file alone.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeRadio,
  vsCodeRadioGroup,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerComponents(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodePanels(),
    vsCodePanelTab(),
    vsCodePanelView(),
    vsCodeProgressRing(),
    vsCodeRadio(),
    vsCodeRadioGroup(),
    vsCodeTextField(),
  );
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
  b.setAttribute('appearance', options.appearance ?? 'primary');
  if (options.title) {
    b.setAttribute('title', options.title);
    b.setAttribute('aria-label', options.title);
  }
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
  group.setAttribute('orientation', 'vertical');
  group.setAttribute('name', name);
  const radios = choices.map((c, i) => {
    const r = document.createElement('vscode-radio') as HTMLElement & { checked: boolean };
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
export function checkbox(label: string, title: string, onChange: (checked: boolean) => void): HTMLElement {
  const cb = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  cb.textContent = label;
  cb.setAttribute('title', title);
  cb.addEventListener('change', () => onChange(cb.checked));
  return cb;
}

export function textField(placeholder: string, onEnter: () => void): { el: HTMLElement; value(): string; setDisabled(d: boolean): void } {
  const f = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  f.setAttribute('placeholder', placeholder);
  f.setAttribute('size', '16');
  f.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter') onEnter();
  });
  return { el: f, value: () => f.value ?? '', setDisabled: (d) => setDisabled(f, d) };
}

export function tag(text: string, title?: string): HTMLElement {
  // A plain element: the toolkit's tag writes an inline style attribute, which the CSP refuses.
  const t = h('span', { class: 'tag' }, text);
  if (title) t.setAttribute('title', title);
  return t;
}

export function spinner(): HTMLElement {
  const r = document.createElement('vscode-progress-ring');
  r.classList.add('spinner');
  return r;
}

/** A determinate progress bar (the toolkit has only a ring), themed like VS Code's. */
export function progressBar(): { el: HTMLElement; set(fraction: number): void } {
  const fill = h('div', { class: 'progress-fill' });
  const el = h('div', { class: 'progress-bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' }, fill);
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

/** Tabs; `onShow` runs when a tab becomes visible (charts resize then). */
export function tabs(items: readonly Tab[], active: string, onShow: (id: string) => void): HTMLElement {
  const panels = document.createElement('vscode-panels');
  panels.setAttribute('activeid', `tab-${active}`);
  for (const t of items) {
    const tab = document.createElement('vscode-panel-tab');
    tab.id = `tab-${t.id}`;
    tab.textContent = t.label;
    panels.append(tab);
  }
  for (const t of items) {
    const view = document.createElement('vscode-panel-view');
    view.id = `view-${t.id}`;
    view.append(t.content);
    panels.append(view);
  }
  panels.addEventListener('change', (e) => {
    const id = ((e as CustomEvent).detail as HTMLElement | undefined)?.id ?? '';
    if (id.startsWith('tab-')) onShow(id.slice(4));
  });
  return panels;
}
