/**
 * The lesson panel's page. It renders what the host sends (the lesson, runs, quiz results) and
 * sends back what the learner does; it holds no secrets (quiz answers stay in the host).
 */
import { assertNever } from '../protocol/events';
import type { HostToWebview, LessonView } from '../protocol/webview';
import { getState, post, setState } from './api';
import { brokenBlockCard } from './blockErrors';
import { CompareView } from './compare';
import { createMarkdown, typeset } from './markdown';
import { anchorId } from './markdownRules';
import { QuizCard } from './quiz';
import { RunCard } from './runCard';
import { ScrollKeeper } from './scrollKeeper';
import { h, registerComponents } from './ui';

registerComponents();
const md = createMarkdown();
const app = document.getElementById('app')!;

let lesson: LessonView | undefined;
const runCards = new Map<string, RunCard>();
const quizCards = new Map<string, QuizCard>();
let compareView: CompareView | undefined;
const noticeArea = h('div', { class: 'notices', role: 'alert' });

function reveal(id: string): void {
  const el = document.getElementById(`exp-${id}`) ?? document.getElementById(`quiz-${id}`);
  if (!el) return;
  el.scrollIntoView({ block: 'start' });
  saveScroll();
  el.classList.add('flash');
  setTimeout(() => el.classList.remove('flash'), 1500);
}

const keeper = new ScrollKeeper();

function render(view: LessonView, m: Extract<HostToWebview, { type: 'init' }>): void {
  const saved = getState()?.lessonId === view.id ? getState() : undefined;
  // A re-render of the lesson on show keeps the place on screen now; a reload, the saved one.
  const anchor = lesson?.id === view.id ? (keeper.record() ?? saved?.anchor) : saved?.anchor;
  const scrollY = saved?.scrollY ?? 0;
  runCards.forEach((c) => c.destroy());
  runCards.clear();
  quizCards.clear();
  compareView?.destroy();
  compareView = undefined;
  lesson = view;
  setState({ lessonId: view.id, file: view.file, scrollY, ...(anchor ? { anchor } : {}) });
  const header = h(
    'header',
    { class: 'lesson-header' },
    h('div', { class: 'topic' }, view.topic),
    h('div', { class: 'meta' }, `${view.minutes} min${view.builtIn ? '' : ' · workspace lesson'}`),
  );
  const body = h('article', { class: 'lesson' });
  for (const s of view.segments) {
    switch (s.kind) {
      case 'markdown': {
        if (s.broken) {
          body.append(brokenBlockCard(s.broken, s.text, s.line));
          break;
        }
        const div = h('div', { class: 'prose' });
        div.innerHTML = md.render(s.text);
        typeset(div);
        body.append(div);
        break;
      }
      case 'experiment': {
        const card = new RunCard(s, md, m.backend, m.seeds);
        runCards.set(s.key, card);
        body.append(card.el);
        break;
      }
      case 'quiz': {
        const card = new QuizCard(s, md);
        quizCards.set(s.id, card);
        body.append(card.el);
        break;
      }
      default:
        assertNever(s, 'segment');
    }
  }
  app.replaceChildren(header, noticeArea, body);
  runCards.forEach((c) => c.mount());
  for (const a of m.answers) quizCards.get(a.quizId)?.show(a);
  const total = [...quizCards.values()].reduce((n, q) => n + q.view.questions.length, 0);
  const score = { answered: m.answers.filter((a) => a.given !== undefined || a.attempts).length, correct: m.answers.filter((a) => a.firstCorrect ?? a.correct).length, total };
  quizCards.forEach((c) => c.setScore(score));
  if (m.reveal) reveal(m.reveal);
  else if (anchor) keeper.set(anchor);
  else if (scrollY) window.scrollTo(0, scrollY);
}

function notice(level: 'info' | 'warn' | 'error', message: string): void {
  const n = h('div', { class: `notice ${level}` }, message);
  const close = h('button', { class: 'notice-close', 'aria-label': 'Dismiss' }, '×');
  close.addEventListener('click', () => n.remove());
  n.append(close);
  noticeArea.append(n);
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case 'init':
      render(m.lesson, m);
      return;
    case 'runEvents': {
      const card = runCards.get(m.key);
      if (!card) return;
      if (m.reset) card.reset(m.runId, m.full, m.seeds, m.values);
      card.apply(m.runId, m.events);
      return;
    }
    case 'runPhase':
      runCards.get(m.key)?.setPhase(m.phase, m.position, m.waitingFor);
      return;
    case 'outcomes':
      runCards.get(m.key)?.setOutcomes(m.runId, m.outcomes);
      return;
    case 'seedOutcomes':
      runCards.get(m.key)?.setSeedOutcomes(m);
      return;
    case 'history':
      runCards.get(m.key)?.setHistory(m.runs);
      return;
    case 'overlay':
      runCards.get(m.key)?.setOverlay(m.overlay);
      return;
    case 'quizResult': {
      const q = quizCards.get(m.result.quizId);
      q?.show(m.result);
      quizCards.forEach((c) => c.setScore(m.score));
      return;
    }
    case 'quizReset':
      quizCards.forEach((c) => c.clear());
      return;
    case 'compare': {
      compareView?.destroy();
      compareView?.el.remove();
      const view = new CompareView(m.series, m.differences, () => {
        compareView?.destroy();
        compareView?.el.remove();
        compareView = undefined;
      });
      compareView = view;
      const header = app.querySelector('.lesson-header');
      if (header) header.after(view.el);
      else app.prepend(view.el);
      view.mount();
      view.el.scrollIntoView({ block: 'start' });
      return;
    }
    case 'backend':
      runCards.forEach((c) => c.setBackend(m.backend));
      return;
    case 'reveal':
      reveal(m.id);
      return;
    case 'notice':
      notice(m.level, m.message);
      return;
    default:
      assertNever(m, 'host message');
  }
});

// Links in the prose: anchors scroll the page; anything else goes to the host (web pages open
// outside, relative paths open another lesson or the file).
document.addEventListener('click', (e) => {
  const a = (e.target as HTMLElement | null)?.closest?.('a');
  if (!a || a.classList.contains('source-link')) return;
  const href = a.getAttribute('href') ?? '';
  e.preventDefault();
  if (href.startsWith('#')) {
    document.getElementById(anchorId(href))?.scrollIntoView();
    return;
  }
  if (href) post({ type: 'openLink', href });
});

function saveScroll(): void {
  const anchor = keeper.record();
  if (lesson) setState({ lessonId: lesson.id, file: lesson.file, scrollY: window.scrollY, ...(anchor ? { anchor } : {}) });
}

let scrollTimer = 0;
window.addEventListener('scroll', () => {
  keeper.record();
  if (scrollTimer) return;
  scrollTimer = window.setTimeout(() => {
    scrollTimer = 0;
    saveScroll();
  }, 150);
});

// VS Code swaps the body's theme class (vscode-light, vscode-dark, vscode-high-contrast…): recolour the charts.
let themeTimer = 0;
new MutationObserver(() => {
  clearTimeout(themeTimer);
  themeTimer = window.setTimeout(() => runCards.forEach((c) => c.retheme()), 50);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

post({ type: 'ready' });
