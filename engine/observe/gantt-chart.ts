/**
 * A Gantt chart of a run as SVG: one lane per worker, one bar per quantum attempt (colored
 * by task; failed attempts outlined in red, retried ones in orange), time on the x axis.
 * Each invocation of `qg run` (a resumed run has several) is its own panel. Drawn from the
 * event log alone; a tooltip (`<title>`) names each quantum.
 */
import type { QuantumFinishedEvent, RunEvent, RunStartedEvent } from './run-events.js';

/** Drawing options. */
export interface GanttOptions {
  /** Width of the drawing in pixels (default 1200). */
  readonly width?: number;
  /** Height of one worker lane (default 18). */
  readonly laneHeight?: number;
  /** Which invocations: all (default), the last, or one by id. */
  readonly invocation?: 'all' | 'last' | string;
}

const PALETTE = ['#4e79a7', '#59a14f', '#9c755f', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#bab0ac', '#86bcb6', '#8cd17d', '#f1ce63', '#a0cbe8'];

/** A panel: one invocation's bars. */
interface Panel {
  readonly start: RunStartedEvent;
  readonly bars: QuantumFinishedEvent[];
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" tick step for a span of `span` seconds with about `n` ticks. */
function tickStep(span: number, n = 8): number {
  if (span <= 0) return 1;
  const raw = span / n;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

/** Splits events into invocations. */
export function invocationsOf(events: readonly RunEvent[]): Panel[] {
  const panels: Panel[] = [];
  let current: Panel | null = null;
  for (const e of events) {
    if (e.event === 'run-started') {
      current = { start: e, bars: [] };
      panels.push(current);
    } else if (e.event === 'quantum-finished' && current) {
      current.bars.push(e);
    }
  }
  return panels;
}

/** The chart. */
export function ganttSvg(events: readonly RunEvent[], options: GanttOptions = {}): string {
  const width = options.width ?? 1200;
  const lane = options.laneHeight ?? 18;
  let panels = invocationsOf(events);
  if (options.invocation === 'last') panels = panels.slice(-1);
  else if (options.invocation && options.invocation !== 'all') panels = panels.filter((p) => p.start.invocation === options.invocation);
  const tasks: string[] = [];
  for (const p of panels) for (const t of Object.keys(p.start.tasks)) if (!tasks.includes(t)) tasks.push(t);
  for (const p of panels) for (const b of p.bars) if (!tasks.includes(b.task)) tasks.push(b.task);
  const color = new Map(tasks.map((t, i) => [t, PALETTE[i % PALETTE.length]!]));
  const left = 90, right = 20, top = 40;
  const plotWidth = width - left - right;
  const parts: string[] = [];
  let y = top;
  const title = panels[0] ? `qg run ${panels[0].start.run}` : 'qg run (no events)';
  parts.push(`<text x="${left}" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  for (const p of panels) {
    const t0 = p.start.t;
    const lanes = Math.max(p.start.jobs, ...p.bars.map((b) => b.worker + 1), 1);
    const span = Math.max(0.001, ...p.bars.map((b) => (b.end - t0) / 1000));
    const x = (ms: number) => left + (Math.max(0, ms - t0) / 1000 / span) * plotWidth;
    const succeeded = p.bars.filter((b) => b.status === 'succeeded').length;
    const failed = p.bars.filter((b) => b.status === 'failed').length;
    parts.push(`<text x="${left}" y="${y + 12}" font-size="12">${escapeXml(`invocation ${p.start.invocation} — ${new Date(t0).toISOString()} on ${p.start.host}, ${p.start.jobs} worker(s): ${succeeded} succeeded, ${failed} failed, ${p.start.alreadyDone} already done`)}</text>`);
    y += 20;
    const plotTop = y;
    for (let w = 0; w < lanes; w++) {
      const ly = plotTop + w * lane;
      parts.push(`<rect x="${left}" y="${ly}" width="${plotWidth}" height="${lane}" fill="${w % 2 ? '#f7f7f7' : '#ffffff'}"/>`);
      parts.push(`<text x="${left - 6}" y="${ly + lane * 0.7}" font-size="11" text-anchor="end">worker ${w}</text>`);
    }
    for (const b of p.bars) {
      const bx = x(b.start);
      const bw = Math.max(0.5, x(b.end) - bx);
      const by = plotTop + b.worker * lane + 2;
      const stroke = b.status === 'failed' ? ' stroke="#d62728" stroke-width="2"' : b.status === 'retrying' ? ' stroke="#ff7f0e" stroke-width="2"' : b.status === 'cancelled' ? ' stroke="#555" stroke-dasharray="2,2"' : '';
      const label = `${b.task} {${Object.entries(b.dataId).map(([k, v]) => `${k}=${v}`).join(', ')}} attempt ${b.attempt}: ${b.status}, ${((b.end - b.start) / 1000).toFixed(3)} s${b.message ? ` — ${b.message}` : ''}`;
      parts.push(`<rect x="${bx.toFixed(2)}" y="${by}" width="${bw.toFixed(2)}" height="${lane - 4}" fill="${color.get(b.task)}"${stroke}><title>${escapeXml(label)}</title></rect>`);
    }
    const plotBottom = plotTop + lanes * lane;
    const step = tickStep(span);
    for (let s = 0; s <= span + 1e-9; s += step) {
      const tx = left + (s / span) * plotWidth;
      parts.push(`<line x1="${tx.toFixed(2)}" y1="${plotTop}" x2="${tx.toFixed(2)}" y2="${plotBottom + 4}" stroke="#ccc" stroke-width="0.5"/>`);
      parts.push(`<text x="${tx.toFixed(2)}" y="${plotBottom + 15}" font-size="10" text-anchor="middle">${Number(s.toPrecision(6))}s</text>`);
    }
    y = plotBottom + 32;
  }
  let lx = left;
  for (const t of tasks) {
    parts.push(`<rect x="${lx}" y="${y}" width="12" height="12" fill="${color.get(t)}"/><text x="${lx + 16}" y="${y + 10}" font-size="11">${escapeXml(t)}</text>`);
    lx += 30 + t.length * 7;
  }
  parts.push(`<rect x="${lx}" y="${y}" width="12" height="12" fill="#fff" stroke="#d62728" stroke-width="2"/><text x="${lx + 16}" y="${y + 10}" font-size="11">failed</text>`);
  lx += 70;
  parts.push(`<rect x="${lx}" y="${y}" width="12" height="12" fill="#fff" stroke="#ff7f0e" stroke-width="2"/><text x="${lx + 16}" y="${y + 10}" font-size="11">retried</text>`);
  const height = y + 30;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
