/**
 * A Gantt chart of a run as SVG, drawn from the event log alone. Each invocation of `qg run`
 * (a resumed run has several) is its own panel, headed by its outcome counts. A panel of up
 * to `maxBars` attempts has one lane per worker and one bar per quantum attempt (colored by
 * task; failed attempts outlined in red, retried ones in orange; a `<title>` names each
 * quantum). A bigger panel is drawn at a fixed size instead: one lane per task, showing how
 * many of its quanta were running on average in each time bin, with failures counted per bin.
 */
import { escapeXml } from './report-text.js';
import type { QuantaBlockedEvent, QuantumFinishedEvent, RunEvent, RunFinishedEvent, RunStartedEvent } from './run-events.js';

/** Drawing options. */
export interface GanttOptions {
  /** Width of the drawing in pixels (default 1200). */
  readonly width?: number;
  /** Height of one lane (default 20). */
  readonly laneHeight?: number;
  /** Which invocations: all (default), the last, or one by id. */
  readonly invocation?: 'all' | 'last' | string;
  /** Above this many attempts in a panel, lanes are tasks and time is binned (default 2000). */
  readonly maxBars?: number;
}

/** An invocation's events. */
export interface GanttPanel {
  readonly start: RunStartedEvent;
  readonly bars: QuantumFinishedEvent[];
  /** Quanta blocked by failures during the invocation. */
  blocked: number;
  /** Absent when the invocation was killed before it could say it finished. */
  finished?: RunFinishedEvent;
}

const PALETTE = ['#4e79a7', '#59a14f', '#9c755f', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#bab0ac', '#86bcb6', '#8cd17d', '#f1ce63', '#a0cbe8'];
const FAILED = '#d62728';
const RETRIED = '#ff7f0e';
/** Average advance of a sans-serif character, as a fraction of the font size (for layout). */
const CHAR_WIDTH = 0.62;
/** Width of one time bin of an aggregated panel, in pixels. */
const BIN_PIXELS = 4;
/** Height below a plot taken by the tick labels and the axis title. */
const AXIS_HEIGHT = 36;
/** Longest lane label drawn in full; longer ones are cut (the full name is in a tooltip). */
const MAX_LABEL_CHARS = 32;

function textWidth(s: string, fontSize: number): number {
  return s.length * fontSize * CHAR_WIDTH;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attributes ? ` ${attributes}` : ''}>${escapeXml(content)}</text>`;
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
export function invocationsOf(events: readonly RunEvent[]): GanttPanel[] {
  const panels: GanttPanel[] = [];
  let current: GanttPanel | null = null;
  for (const e of events) {
    if (e.event === 'run-started') panels.push((current = { start: e, bars: [], blocked: 0 }));
    else if (!current) continue;
    else if (e.event === 'quantum-finished') current.bars.push(e);
    else if (e.event === 'quanta-blocked') current.blocked += blockedCount(e);
    else if (e.event === 'run-finished') current.finished = e;
  }
  return panels;
}

function blockedCount(e: QuantaBlockedEvent): number {
  return Object.values(e.tasks).reduce((n, quanta) => n + quanta.length, 0);
}

/** The panel's header: when, where, and what came of its quanta. */
export function panelHeader(p: GanttPanel): [string, string] {
  const count = (status: QuantumFinishedEvent['status']) => p.bars.filter((b) => b.status === status).length;
  const end = p.finished ? (p.finished.interrupted ? ', interrupted' : '') : ', did not finish (no run-finished event)';
  return [
    `invocation ${p.start.invocation}: ${new Date(p.start.t).toISOString()} on ${p.start.host}, ${p.start.jobs} worker(s), ${p.bars.length} attempt(s)`,
    `${count('succeeded')} succeeded, ${count('failed')} failed, ${p.blocked} blocked, ${p.finished?.counts.cancelled ?? 0} cancelled, ` +
    `${count('retrying')} retried, ${p.start.alreadyDone} already done${end}`,
  ];
}

/** A lane's label, cut to fit. */
function laneLabel(s: string): string {
  return s.length > MAX_LABEL_CHARS ? `${s.slice(0, MAX_LABEL_CHARS - 1)}…` : s;
}

/** The chart. */
export function ganttSvg(events: readonly RunEvent[], options: GanttOptions = {}): string {
  const width = options.width ?? 1200;
  const lane = options.laneHeight ?? 20;
  const maxBars = options.maxBars ?? 2000;
  let panels = invocationsOf(events);
  if (options.invocation === 'last') panels = panels.slice(-1);
  else if (options.invocation && options.invocation !== 'all') panels = panels.filter((p) => p.start.invocation === options.invocation);
  const tasks: string[] = [];
  for (const p of panels) for (const t of Object.keys(p.start.tasks)) if (!tasks.includes(t)) tasks.push(t);
  for (const p of panels) for (const b of p.bars) if (!tasks.includes(b.task)) tasks.push(b.task);
  const color = new Map(tasks.map((t, i) => [t, PALETTE[i % PALETTE.length]!]));
  const aggregated = (p: GanttPanel) => p.bars.length > maxBars;
  // Room on the left for the y-axis title and the longest lane label.
  const labels = panels.flatMap((p) => (aggregated(p) ? tasks.map(laneLabel) : [`worker ${lanesOf(p) - 1}`]));
  const left = Math.ceil(28 + Math.max(0, ...labels.map((l) => textWidth(l, 11)))) + 8;
  const right = 30;
  const plotWidth = width - left - right;
  const parts: string[] = [];
  parts.push(text(12, 22, panels[0] ? `qg run ${panels[0].start.run}` : 'qg run (no events)', 'font-size="15" font-weight="bold"'));
  let y = 36;
  for (const p of panels) {
    for (const line of panelHeader(p)) {
      parts.push(text(12, y + 12, line, 'font-size="12"'));
      y += 16;
    }
    const plot = { left, top: y + 8, width: plotWidth };
    const drawn = aggregated(p) ? drawAggregated(p, tasks, color, plot, Math.max(lane, 24)) : drawWorkers(p, color, plot, lane);
    parts.push(...drawn.parts);
    y = drawn.bottom + 16;
  }
  y = drawLegend(parts, tasks, color, width, y);
  const height = y + 10;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

interface Plot {
  readonly left: number;
  readonly top: number;
  readonly width: number;
}

// Loops, not Math.max(...bars): a spread of 100,000s of arguments overflows the stack.
function lanesOf(p: GanttPanel): number {
  return p.bars.reduce((n, b) => Math.max(n, b.worker + 1), Math.max(p.start.jobs, 1));
}

function spanOf(p: GanttPanel): number {
  return p.bars.reduce((s, b) => Math.max(s, (b.end - p.start.t) / 1000), 0.001);
}

/** The plot frame, the time axis with its ticks and title, and the y-axis title. */
function axes(plot: Plot, height: number, span: number, yTitle: string): string[] {
  const bottom = plot.top + height;
  const parts = [`<rect class="plot" x="${plot.left}" y="${plot.top}" width="${plot.width}" height="${height}" fill="none" stroke="#999" stroke-width="0.5"/>`];
  const step = tickStep(span);
  for (let s = 0; s <= span + 1e-9; s += step) {
    const tx = plot.left + (s / span) * plot.width;
    parts.push(`<line x1="${tx.toFixed(2)}" y1="${plot.top}" x2="${tx.toFixed(2)}" y2="${bottom + 4}" stroke="#ccc" stroke-width="0.5"/>`);
    parts.push(text(tx, bottom + 15, `${Number(s.toPrecision(6))}`, 'font-size="10" text-anchor="middle"'));
  }
  parts.push(text(plot.left + plot.width / 2, bottom + 30, 'seconds since the invocation started', 'font-size="11" text-anchor="middle"'));
  const cy = plot.top + height / 2;
  parts.push(text(14, cy, yTitle, `font-size="11" text-anchor="middle" transform="rotate(-90 14 ${cy.toFixed(1)})"`));
  return parts;
}

/** One lane per worker, one bar per attempt. */
function drawWorkers(p: GanttPanel, color: ReadonlyMap<string, string>, plot: Plot, lane: number): { parts: string[]; bottom: number } {
  const t0 = p.start.t;
  const lanes = lanesOf(p);
  const span = spanOf(p);
  const x = (ms: number) => plot.left + (Math.max(0, ms - t0) / 1000 / span) * plot.width;
  const parts: string[] = [];
  for (let w = 0; w < lanes; w++) {
    const ly = plot.top + w * lane;
    parts.push(`<rect x="${plot.left}" y="${ly}" width="${plot.width}" height="${lane}" fill="${w % 2 ? '#f3f3f3' : '#ffffff'}"/>`);
    parts.push(text(plot.left - 6, ly + lane * 0.7, `worker ${w}`, 'font-size="11" text-anchor="end"'));
  }
  for (const b of p.bars) {
    const bx = x(b.start);
    const bw = Math.max(0.5, x(b.end) - bx);
    const stroke = b.status === 'failed' ? ` stroke="${FAILED}" stroke-width="2"` : b.status === 'retrying' ? ` stroke="${RETRIED}" stroke-width="2"`
      : b.status === 'cancelled' ? ' stroke="#555" stroke-dasharray="2,2"' : '';
    const label = `${b.task} {${Object.entries(b.dataId).map(([k, v]) => `${k}=${v}`).join(', ')}} attempt ${b.attempt}: ${b.status}, ${((b.end - b.start) / 1000).toFixed(3)} s${b.message ? ` — ${b.message}` : ''}`;
    parts.push(`<rect x="${bx.toFixed(2)}" y="${plot.top + b.worker * lane + 2}" width="${bw.toFixed(2)}" height="${lane - 4}" fill="${color.get(b.task)}"${stroke}><title>${escapeXml(label)}</title></rect>`);
  }
  parts.push(...axes(plot, lanes * lane, span, 'worker'));
  return { parts, bottom: plot.top + lanes * lane + AXIS_HEIGHT };
}

/**
 * One lane per task; time in bins of BIN_PIXELS: each bin's bar is as tall as the mean number
 * of the task's quanta running then (the lane's full height is the most any bin of the panel
 * had), and a red tick marks bins where attempts failed. Size depends on tasks and width only.
 */
function drawAggregated(p: GanttPanel, tasks: readonly string[], color: ReadonlyMap<string, string>, plot: Plot, lane: number): { parts: string[]; bottom: number } {
  const t0 = p.start.t;
  const span = spanOf(p);
  const bins = Math.max(1, Math.floor(plot.width / BIN_PIXELS));
  const binSeconds = span / bins;
  const busy = tasks.map(() => new Float64Array(bins));
  const failed = tasks.map(() => new Int32Array(bins));
  const index = new Map(tasks.map((t, i) => [t, i]));
  for (const b of p.bars) {
    const t = index.get(b.task)!;
    const from = (b.start - t0) / 1000, to = (b.end - t0) / 1000;
    // the attempt's seconds spread over the bins it overlaps
    for (let i = Math.max(0, Math.floor(from / binSeconds)); i < bins && i * binSeconds < to; i++) {
      busy[t]![i]! += Math.max(0, Math.min(to, (i + 1) * binSeconds) - Math.max(from, i * binSeconds));
    }
    if (b.status === 'failed' || b.status === 'retrying') failed[t]![Math.min(bins - 1, Math.floor(to / binSeconds))]!++;
  }
  const peak = Math.max(1e-9, ...busy.map((row) => Math.max(...row)));
  const parts: string[] = [];
  tasks.forEach((task, t) => {
    const ly = plot.top + t * lane;
    parts.push(`<rect x="${plot.left}" y="${ly}" width="${plot.width}" height="${lane}" fill="${t % 2 ? '#f3f3f3' : '#ffffff'}"/>`);
    parts.push(`<text x="${plot.left - 6}" y="${(ly + lane * 0.65).toFixed(1)}" font-size="11" text-anchor="end">${escapeXml(laneLabel(task))}<title>${escapeXml(task)}</title></text>`);
    for (let i = 0; i < bins; i++) {
      const seconds = busy[t]![i]!;
      if (seconds > 0) {
        const h = Math.max(1, (seconds / peak) * (lane - 4));
        const running = seconds / binSeconds;
        parts.push(`<rect x="${(plot.left + i * BIN_PIXELS).toFixed(1)}" y="${(ly + lane - 2 - h).toFixed(1)}" width="${BIN_PIXELS}" height="${h.toFixed(1)}" fill="${color.get(task)}">` +
          `<title>${escapeXml(`${task}: ${running.toFixed(2)} running on average, ${(i * binSeconds).toFixed(1)}-${((i + 1) * binSeconds).toFixed(1)} s`)}</title></rect>`);
      }
      if (failed[t]![i]) {
        parts.push(`<rect x="${(plot.left + i * BIN_PIXELS).toFixed(1)}" y="${ly + 1}" width="${BIN_PIXELS}" height="3" fill="${FAILED}"><title>${escapeXml(`${task}: ${failed[t]![i]} failed attempt(s)`)}</title></rect>`);
      }
    }
  });
  const height = tasks.length * lane;
  parts.push(...axes(plot, height, span, 'task'));
  parts.push(text(plot.left, plot.top + height + AXIS_HEIGHT + 14, `${p.bars.length} attempts, more than can be drawn one by one: bar heights are quanta running on average per ${binSeconds.toPrecision(3)} s (full lane = ${(peak / binSeconds).toFixed(1)})`, 'font-size="11" fill="#444"'));
  return { parts, bottom: plot.top + height + AXIS_HEIGHT + 18 };
}

/** The task colors and outline meanings, wrapped to the width; returns the y below it. */
function drawLegend(parts: string[], tasks: readonly string[], color: ReadonlyMap<string, string>, width: number, top: number): number {
  const items: [string, string][] = [
    ...tasks.map((t): [string, string] => [t, `fill="${color.get(t)}"`]),
    ['failed', `fill="#fff" stroke="${FAILED}" stroke-width="2"`],
    ['retried', `fill="#fff" stroke="${RETRIED}" stroke-width="2"`],
  ];
  let x = 12, y = top;
  for (const [label, style] of items) {
    const w = 16 + textWidth(label, 11) + 16;
    if (x + w > width - 12 && x > 12) [x, y] = [12, y + 18];
    parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="12" height="12" ${style}/>${text(x + 16, y + 10, label, 'font-size="11"')}`);
    x += w;
  }
  return y + 18;
}
