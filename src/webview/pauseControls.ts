/**
 * Pause, resume and step one epoch on a run card, as TensorFlow Playground's play and step: the
 * trainer holds the model between two batches while paused; Stop still ends the run at once.
 */
import type { RunPhase } from '../protocol/webview';
import { post } from './api';
import { button, setDisabled, type ButtonEl } from './ui';

export class PauseControls {
  readonly buttons: ButtonEl[];
  private readonly pauseBtn: ButtonEl;
  private readonly stepBtn: ButtonEl;
  private paused = false;

  constructor(key: string) {
    this.pauseBtn = button('❚❚ Pause', { appearance: 'secondary', title: 'Pause training between two batches (the model waits in the trainer)', onClick: () => post({ type: this.paused ? 'resume' : 'pause', key }) });
    this.stepBtn = button('Step epoch', { appearance: 'secondary', title: 'Train one more epoch, then pause again', onClick: () => post({ type: 'step', key }) });
    this.buttons = [this.pauseBtn, this.stepBtn];
    this.setPhase('idle');
  }

  setPhase(phase: RunPhase): void {
    this.paused = phase === 'paused';
    this.pauseBtn.textContent = this.paused ? '▶ Resume' : '❚❚ Pause';
    this.pauseBtn.title = this.paused ? 'Go on training' : 'Pause training between two batches (the model waits in the trainer)';
    setDisabled(this.pauseBtn, !(phase === 'running' || phase === 'paused' || phase === 'stepping'));
    setDisabled(this.stepBtn, phase !== 'paused');
    // Shown only while a run trains (the row stays short otherwise).
    for (const b of this.buttons) b.hidden = phase === 'idle' || phase === 'queued';
  }
}

/** The card's status line for a paused or stepping run. */
export function pauseStatus(phase: RunPhase): string | undefined {
  if (phase === 'paused') return 'Paused: the model waits in the trainer. ▶ Resume, or Step epoch to train one more epoch.';
  if (phase === 'stepping') return 'Training one more epoch, then pausing…';
  return undefined;
}
