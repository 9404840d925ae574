/** The text of a new lesson file (New Lesson command): front matter, prose, one experiment, one quiz. Pure. */

export function slugify(title: string): string {
  return (
    title
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'my-lesson'
  );
}

/** `NN-slug.lesson.md` with NN one more than the highest number among `existing` names. */
export function lessonFileName(slug: string, existing: readonly string[]): string {
  const max = existing.reduce((m, n) => {
    const x = /^(\d+)-.*\.lesson\.md$/.exec(n);
    return x ? Math.max(m, Number(x[1])) : m;
  }, 0);
  return `${String(max + 1).padStart(2, '0')}-${slug}.lesson.md`;
}

export function lessonScaffold(title: string, order: number): string {
  const id = slugify(title);
  return `---
id: ${id}
title: ${JSON.stringify(title)}
topic: My lessons
order: ${order}
minutes: 10
prerequisites: []
summary: One or two sentences that say what this lesson shows.
---
# ${title}

Write the lesson here, in Markdown. Math works: $\\eta$ inline, or on its own line:

$$\\theta \\leftarrow \\theta - \\eta \\nabla_\\theta J(\\theta)$$

Each \`experiment\` block below gets ▶ Run buttons in this file and a run card with live charts
in the lesson panel. Change one thing (the activation, the initializer, the optimizer) and compare.

\`\`\`experiment
id: baseline
title: A small ReLU net on the spirals
explains: The loss falls and the validation accuracy climbs well above chance (1/3).
expect:
  - val_accuracy > 0.5
dataset:
  name: spirals
  samples: 1500
model:
  layers:
    - { type: Dense, units: 32, activation: relu, kernel_initializer: he_normal }
    - { type: Dense, units: 32, activation: relu, kernel_initializer: he_normal }
    - { type: Dense, units: 3, activation: softmax }
training:
  epochs: 10
  batch_size: 32
  optimizer: { name: adam, learning_rate: 0.01 }
\`\`\`

\`\`\`quiz
id: check
questions:
  - type: single
    prompt: Which initialization suits ReLU layers best?
    choices: [Glorot (Xavier), He, "N(0, 1)"]
    answer: 1
    explanation: He initialization scales the variance by 2 / fan_in, which makes up for ReLU zeroing half of its inputs.
\`\`\`
`;
}
