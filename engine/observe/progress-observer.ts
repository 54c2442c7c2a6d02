/**
 * Progress of a run on a stream (stderr by default): quanta finished of those to run, with
 * failed and blocked counts, quanta running on workers and waiting for registration, the
 * rate and an ETA. On a terminal, a progress bar (cli-progress); elsewhere (a batch job's
 * log) the same figures as a plain line every `intervalSeconds`, so a long run is not silent.
 */
import cliProgress from 'cli-progress';
import type { QuantaBlockedEvent, QuantumEndedEvent, QuantumFinishedEvent, QuantumStartedEvent, RunObserver, RunStartedEvent } from './run-events.js';

/** Seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Seconds between plain progress lines when not on a terminal (default). */
export const PROGRESS_LINE_SECONDS = 30;

/** The bar, or the plain lines. */
export class ProgressObserver implements RunObserver {
  private bar: cliProgress.SingleBar | null = null;
  private timer: NodeJS.Timeout | null = null;
  private total = 0;
  private done = 0;
  private failed = 0;
  private blocked = 0;
  private running = 0;
  /** Quanta written and waiting for their registration batch. */
  private readonly registering = new Set<number>();
  private started = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly intervalSeconds = PROGRESS_LINE_SECONDS) {}

  /** Whether the bar will draw (the stream is a terminal); otherwise plain lines are written. */
  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  runStarted(e: RunStartedEvent): void {
    if (e.toRun === 0) return;
    this.total = e.toRun;
    this.started = Date.now();
    if (!this.enabled) {
      // unref: the timer alone must not keep the process alive
      this.timer = setInterval(() => this.stream.write(`${this.plainLine()}\n`), this.intervalSeconds * 1000).unref();
      return;
    }
    this.bar = new cliProgress.SingleBar({
      stream: this.stream, hideCursor: true, clearOnComplete: false, fps: 5, etaBuffer: 50,
      format: ' {bar} {percentage}% | {value}/{total} quanta | {failed} failed, {blocked} blocked | {running} running, {registering} registering | {rate}/s | elapsed {elapsed} | ETA {etaText}',
    }, cliProgress.Presets.shades_classic);
    this.bar.start(this.total, 0, this.tokens());
  }

  quantumStarted(_e: QuantumStartedEvent): void {
    this.running++;
    this.update();
  }

  quantumEnded(e: QuantumEndedEvent): void {
    this.running--;
    if (e.ok) this.registering.add(e.quantum);
    this.update();
  }

  quantumFinished(e: QuantumFinishedEvent): void {
    this.registering.delete(e.quantum);
    if (e.status === 'succeeded') this.done++;
    else if (e.status === 'failed') this.failed++;
    else if (e.status === 'cancelled') this.done++;
    this.update();
  }

  quantaBlocked(e: QuantaBlockedEvent): void {
    for (const quanta of Object.values(e.tasks)) this.blocked += quanta.length;
    this.update();
  }

  runFinished(): void {
    this.update();
    this.close();
  }

  close(): void {
    this.bar?.stop();
    this.bar = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The figures of the bar as one line of text. */
  private plainLine(): string {
    const t = this.tokens();
    const finished = this.done + this.failed + this.blocked;
    return `qg run: ${finished}/${this.total} quanta (${Math.floor((100 * finished) / this.total)}%), ${t['failed']} failed, ${t['blocked']} blocked; ` +
      `${t['running']} running, ${t['registering']} registering; ${t['rate']}/s; elapsed ${t['elapsed']}, ETA ${t['etaText']}`;
  }

  private tokens(): Record<string, string | number> {
    const elapsed = (Date.now() - this.started) / 1000;
    const finished = this.done + this.failed + this.blocked;
    const rate = elapsed > 0 ? (this.done + this.failed) / elapsed : 0;
    const left = this.total - finished;
    return {
      failed: this.failed, blocked: this.blocked, running: this.running, registering: this.registering.size,
      rate: rate >= 10 ? rate.toFixed(0) : rate.toFixed(2), elapsed: formatDuration(elapsed),
      etaText: rate > 0 ? formatDuration(left / rate) : '--',
    };
  }

  private update(): void {
    this.bar?.update(this.done + this.failed + this.blocked, this.tokens());
  }
}
