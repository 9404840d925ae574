/** A quiz block: answer in place; the host grades and sends back the verdict and explanation. */
import type { MarkdownIt } from 'markdown-it';
import type { QuizAnswerResult, QuizScore, QuizView } from '../protocol/webview';
import { post } from './api';
import { typeset } from './markdown';
import { button, checkboxes, h, radioGroup, textField, type ChoiceInput } from './ui';

function md(el: HTMLElement, markdown: MarkdownIt, text: string, inline = false): HTMLElement {
  el.innerHTML = inline ? markdown.renderInline(text) : markdown.render(text);
  typeset(el);
  return el;
}

interface QuestionUi {
  feedback: HTMLElement;
  choices?: string[];
  el: HTMLElement;
  id: number;
}

export class QuizCard {
  readonly el: HTMLElement;
  private readonly questions: QuestionUi[] = [];
  private readonly scoreEl = h('span', { class: 'quiz-score', role: 'status' });

  constructor(
    readonly view: QuizView,
    private readonly markdown: MarkdownIt,
  ) {
    const title = h('h3', {}, view.title ?? 'Quiz');
    this.el = h('section', { class: 'quiz', id: `quiz-${view.id}`, 'aria-label': view.title ?? 'Quiz' }, h('header', {}, title, this.scoreEl));
    view.questions.forEach((q, i) => {
      const prompt = md(h('div', { class: 'prompt' }), markdown, q.prompt);
      const feedback = h('div', { class: 'feedback', 'aria-live': 'polite' });
      const number = h('span', { class: 'qnum' }, `${i + 1}.`);
      const box = h('div', { class: 'question', id: `quiz-${view.id}-${i}` }, h('div', { class: 'prompt-row' }, number, prompt));
      let input: ChoiceInput | undefined;
      let field: ReturnType<typeof textField> | undefined;
      const submit = () => {
        if (q.type === 'numeric') {
          const raw = field!.value().trim().replace(/,/g, '');
          const value = Number(raw);
          if (!raw || !Number.isFinite(value)) {
            feedback.className = 'feedback warn';
            feedback.textContent = 'Type a number (e.g. 235146 or 1e-3).';
            return;
          }
          post({ type: 'answer', quizId: view.id, question: i, answer: value });
        } else {
          const v = input!.value();
          if (v.length === 0) {
            feedback.className = 'feedback warn';
            feedback.textContent = q.type === 'multiple' ? 'Tick every answer that is right, then check.' : q.type === 'predict' ? 'Choose your prediction first.' : 'Choose an answer first.';
            return;
          }
          post({ type: 'answer', quizId: view.id, question: i, answer: q.type === 'multiple' ? v : v[0]! });
        }
      };
      if (q.type === 'numeric') {
        field = textField('your answer', submit);
        box.append(h('div', { class: 'answer-row' }, field.el));
      } else {
        const labels = q.choices.map((c) => md(h('span', { class: 'choice' }), markdown, c, true));
        input = q.type === 'multiple' ? checkboxes(labels) : radioGroup(`${view.id}-${i}`, labels);
        // Keyboard: arrows move through the choices, Enter checks the answer.
        input.el.addEventListener('keydown', (e) => {
          if ((e as KeyboardEvent).key === 'Enter') {
            e.preventDefault();
            submit();
          }
        });
        box.append(input.el);
      }
      const predict = q.type === 'predict';
      const check = predict
        ? button('Commit prediction', { appearance: 'primary', title: `Commit your prediction; the next run of "${q.experiment}" grades it`, onClick: submit })
        : button('Check', { appearance: 'primary', title: 'Check this answer', onClick: submit });
      if (predict) box.append(h('p', { class: 'predict-note' }, `Predict, then run: commit your answer before running the experiment "${q.experiment}"; its run grades it.`));
      box.append(h('div', { class: 'check-row' }, check), feedback);
      this.el.append(box);
      this.questions.push({ feedback, choices: q.type === 'numeric' ? undefined : q.choices, el: box, id: i });
    });
  }

  /**
   * A graded answer. Right: the verdict and the explanation. Wrong at first: the lesson's feedback
   * on the chosen choices, "try again", and a "Show answer" button; once shown: the right answer
   * and the explanation.
   */
  show(result: QuizAnswerResult): void {
    const q = this.questions[result.question];
    if (!q) return;
    if (result.pending) {
      q.feedback.className = 'feedback pending';
      q.feedback.replaceChildren(h('p', {}, h('strong', {}, 'Prediction committed: '), `“${q.choices?.[result.given as number] ?? ''}”. Run the experiment to see whether it holds.`));
      q.el.classList.remove('answered-right', 'answered-wrong');
      return;
    }
    const children: Node[] = [];
    const retries = (result.attempts ?? 1) > 1 && result.firstCorrect === false;
    if (result.correct) children.push(h('p', {}, h('strong', {}, '✓ Right.'), retries ? ` (on attempt ${result.attempts}; the score counts the first one)` : ''));
    else if (!result.revealed) children.push(h('p', {}, h('strong', {}, '✗ Not quite.'), ' Try again, or ask for the answer.'));
    else children.push(h('p', {}, h('strong', {}, result.given === undefined ? 'The answer:' : '✗ Not quite. The answer:'), ` ${this.answerText(q, result.expected)}`));
    if (result.measured) children.push(h('ul', { class: 'measured' }, ...result.measured.map((m) => h('li', {}, `The run: ${m}`))));
    for (const f of result.feedback ?? []) children.push(md(h('div', { class: 'choice-feedback' }), this.markdown, f));
    if (result.revealed && result.explanation) children.push(md(h('div', { class: 'explanation' }), this.markdown, result.explanation));
    if (!result.revealed) {
      const showBtn = button('Show answer', { appearance: 'secondary', title: 'Show the right answer and the explanation (the score keeps your first attempt)', onClick: () => post({ type: 'showAnswer', quizId: this.view.id, question: q.id }) });
      children.push(h('div', { class: 'check-row' }, showBtn));
    }
    q.feedback.className = `feedback ${result.correct ? 'right' : 'wrong'}`;
    q.feedback.replaceChildren(...children);
    q.el.classList.toggle('answered-right', result.correct);
    q.el.classList.toggle('answered-wrong', !result.correct);
  }

  private answerText(q: QuestionUi, expected: number | number[] | undefined): string {
    if (expected === undefined) return '';
    if (!q.choices) return String(expected);
    return (Array.isArray(expected) ? expected : [expected]).map((i) => `“${q.choices![i] ?? i}”`).join(', ');
  }

  setScore(score: QuizScore): void {
    this.scoreEl.textContent = score.answered ? `lesson score: ${score.correct}/${score.total} (first attempts)` : '';
  }

  clear(): void {
    for (const q of this.questions) {
      q.feedback.className = 'feedback';
      q.feedback.replaceChildren();
      q.el.classList.remove('answered-right', 'answered-wrong');
    }
    this.scoreEl.textContent = '';
  }
}
