/** What the integration tests share: the extension under test, its API, and waiting for things. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension/extension';

export const EXTENSION_ID = 'deep-lessons.deep-lessons';

export function extension(): vscode.Extension<ExtensionApi> {
  const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  if (!ext) throw new Error(`the extension ${EXTENSION_ID} is not loaded in this extension host (is extensionDevelopmentPath the project folder?)`);
  return ext;
}

/** Activates the extension (once) and returns what `activate()` returned. */
export async function api(): Promise<ExtensionApi> {
  const ext = extension();
  const exports = ext.isActive ? ext.exports : await ext.activate();
  if (!exports) throw new Error('activate() returned nothing: the tests need its API');
  await exports.catalog.ready();
  return exports;
}

/** Polls `check` until it returns a value that is not undefined/false, or fails after `ms` (a throw from `check` fails at once). */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000, every = 100): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Resolves with the first value of `event` that `accept`s, or fails after `ms`. */
export function nextEvent<T>(what: string, event: vscode.Event<T>, accept: (v: T) => boolean = () => true, ms = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const sub = event((v) => {
      if (!accept(v)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(v);
    });
  });
}

/** The project's lessons folder (the extension's built-in lessons). */
export function lessonsDir(): string {
  return path.join(extension().extensionPath, 'lessons');
}

export interface LessonFacts {
  file: string;
  id: string;
  title: string;
  topic: string;
  /** 0-based lines of the opening fences, with the block's `id:`. */
  experiments: { id: string; line: number; trainSize?: number; batchSize?: number; epochs?: number; layers: number }[];
  quizzes: { id: string; line: number; questions: number }[];
}

/**
 * What a lesson file says, read here independently of the extension's parser: front matter
 * keys, and the lines of the ```experiment and ```quiz fences with their ids.
 */
export function lessonFacts(file: string): LessonFacts {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  const front: Record<string, string> = {};
  let i = 1;
  for (; i < lines.length && lines[i] !== '---'; i++) {
    const m = /^(\w+):\s*(.*)$/.exec(lines[i]!);
    if (m) front[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  }
  const facts: LessonFacts = { file, id: front.id ?? '', title: front.title ?? '', topic: front.topic ?? '', experiments: [], quizzes: [] };
  for (; i < lines.length; i++) {
    const open = /^```(experiment|quiz)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let id = '';
    let questions = 0;
    let layers = 0;
    const num = (re: RegExp, text: string) => {
      const m = re.exec(text);
      return m ? Number(m[1]) : undefined;
    };
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.startsWith('```'); j++) {
      const m = /^id:\s*(\S+)/.exec(lines[j]!);
      if (m && !id) id = m[1]!;
      if (/^ {2}- type:/.test(lines[j]!)) questions++;
      if (/^\s+- \{ type: Dense\b/.test(lines[j]!)) layers++;
    }
    const block = lines.slice(i + 1, j).join('\n');
    // The base sizes (before the `full:` overrides).
    const base = block.split(/^full:/m)[0]!;
    if (open[1] === 'experiment') {
      facts.experiments.push({ id, line: i, layers, trainSize: num(/train_size:\s*(\d+)/, base), batchSize: num(/batch_size:\s*(\d+)/, base), epochs: num(/epochs:\s*(\d+)/, base) });
    }
    else facts.quizzes.push({ id, line: i, questions });
    i = j;
  }
  return facts;
}

/** Every built-in lesson file, with its facts. */
export function allLessonFacts(): LessonFacts[] {
  return fs
    .readdirSync(lessonsDir())
    .filter((f) => f.endsWith('.lesson.md'))
    .sort()
    .map((f) => lessonFacts(path.join(lessonsDir(), f)));
}

export const FIRST_LESSON = '01-vanishing-gradients.lesson.md';
