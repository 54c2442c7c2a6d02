/**
 * Planning's scaling curve (issue 11 item 4): the survey profile (about 1M quanta at 21,900
 * visits) simulated at sizes from about 10k to 1M quanta (SQLite, registry only), each built
 * and saved by test/bench/build-once.mjs in fresh processes, the median of 3 (build-runs.ts).
 * Reports time per quantum at each
 * size, its spread (slowest over fastest: the target is <= 1.5) and whether the 1M point
 * meets <= 12 s and <= 2.5 GiB peak RSS, as a Markdown table and as JSON (scaling-results.json),
 * and draws the curve as an SVG next to RESULTS.md (scaling.svg; both replaced by each run). QG_BENCH_SCALING_VISITS=217,2173
 * chooses the sizes (visits of the survey profile; quanta are about 46 per visit).
 *
 * Run alone with `npx tsx test/bench/scaling-bench.ts`; `npm run bench` calls runScalingBench().
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Repository } from '../../registry/index.js';
import { simulateRepository } from '../../pipelines/simulate/index.js';
import { medianBuild } from './build-runs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SVG_PATH = join(ROOT, 'test/bench/scaling.svg');
const JSON_PATH = join(ROOT, 'test/bench/scaling-results.json');
/** About 10k, 30k, 100k, 300k and 1M quanta. */
const DEFAULT_VISITS = [217, 652, 2173, 6520, 21900];
const TARGET_SECONDS = 12, TARGET_RSS_MB = 2.5 * 1024, TARGET_SPREAD = 1.5;

/** One size: what build-once.mjs printed, with the simulation's size and time. */
export interface ScalingPoint {
  readonly visits: number;
  readonly expectedQuanta: number;
  readonly simulateSeconds: number;
  readonly quanta: number;
  readonly datasets: number;
  readonly edges: number;
  readonly buildSeconds: number;
  readonly saveSeconds: number;
  readonly totalSeconds: number;
  /** Each run's total seconds (the figures are the median run's). */
  readonly runSeconds: readonly number[];
  readonly peakRssMb: number;
}

/** Simulates `visits` of the survey profile and builds it in fresh processes (the median run). */
async function measure(work: string, visits: number): Promise<ScalingPoint> {
  const root = join(work, `survey-${visits}`);
  const repo = await Repository.create(root, {});
  const sim = await simulateRepository(repo, { profile: 'survey', visits, pixels: false });
  await repo.close();
  const built = medianBuild(root, join(work, `survey-${visits}.qg`));
  // One repository at a time on disk: the 1M one is several GB.
  rmSync(root, { recursive: true, force: true });
  return { visits, expectedQuanta: sim.expectedQuanta.total, simulateSeconds: sim.totalSeconds, ...built };
}

const microsPerQuantum = (p: ScalingPoint): number => (p.totalSeconds * 1e6) / p.quanta;

/** The Markdown section: one row per size, then the verdicts on the targets. */
export function scalingTable(points: readonly ScalingPoint[]): string {
  const per = points.map(microsPerQuantum);
  const fastest = Math.min(...per);
  const largest = points.reduce((a, b) => (b.quanta > a.quanta ? b : a));
  const spread = Math.max(...per) / fastest;
  return [
    '### Scaling: the survey profile from ~10k to ~1M quanta (SQLite, build + save in fresh processes, median of 3; issue 11 item 4)', '',
    '| visits | quanta | datasets | edges | simulate s | build s | save s | total s | runs s | µs/quantum | × fastest | peak RSS MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...points.map((p, i) => `| ${p.visits} | ${p.quanta} | ${p.datasets} | ${p.edges} | ${p.simulateSeconds.toFixed(1)} | ${p.buildSeconds.toFixed(2)} | ${p.saveSeconds.toFixed(2)} | ${p.totalSeconds.toFixed(2)} | ${p.runSeconds.map((x) => x.toFixed(2)).join(', ')} | ${per[i]!.toFixed(1)} | ${(per[i]! / fastest).toFixed(2)} | ${p.peakRssMb.toFixed(0)} |`),
    '',
    `Largest: ${largest.quanta} quanta in ${largest.totalSeconds.toFixed(2)} s, peak RSS ${largest.peakRssMb.toFixed(0)} MB ${millionVerdict(largest)}; ` +
    `time per quantum spread ${spread.toFixed(2)}x (target <= ${TARGET_SPREAD}x: ${spread <= TARGET_SPREAD ? 'met' : 'missed'}). Plot: test/bench/scaling.svg.`,
  ].join('\n');
}

/** The 1M-quanta targets, judged only on a point of that size. */
function millionVerdict(p: ScalingPoint): string {
  if (p.quanta < 900_000) return '(the 1M targets need the 21,900-visit size)';
  const verdict = (ok: boolean): string => (ok ? 'met' : 'missed');
  return `(targets <= ${TARGET_SECONDS} s: ${verdict(p.totalSeconds <= TARGET_SECONDS)}; <= ${TARGET_RSS_MB} MB: ${verdict(p.peakRssMb <= TARGET_RSS_MB)})`;
}

/** Plot geometry: the drawing area inside the margins. */
const PLOT = { width: 640, height: 360, left: 70, right: 20, top: 40, bottom: 50 } as const;

/** The log axis: from a little below `lo` to a little above `hi`, ticks at 1 and 3 times powers of ten. */
function logAxis(lo: number, hi: number): { from: number; to: number; ticks: number[] } {
  const from = lo / 1.25, to = hi * 1.25;
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(from)); e <= Math.ceil(Math.log10(to)); e++) ticks.push(10 ** e, 3 * 10 ** e);
  return { from, to, ticks: ticks.filter((t) => t >= from && t <= to) };
}

/** About five round steps from 0 to at least `max`. */
function linearTicks(max: number): number[] {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => i * step);
}

const compact = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

/**
 * The curve as an SVG: µs per quantum (build + save) against quanta on a log axis, the
 * fastest point's 1.5x as a dashed line (the target band lies under it).
 */
export function scalingSvg(points: readonly ScalingPoint[]): string {
  const per = points.map(microsPerQuantum);
  const axis = logAxis(Math.min(...points.map((p) => p.quanta)), Math.max(...points.map((p) => p.quanta)));
  const xTicks = axis.ticks;
  const yTicks = linearTicks(Math.max(...per, TARGET_SPREAD * Math.min(...per)) * 1.1);
  const [x0, x1] = [Math.log10(axis.from), Math.log10(axis.to)];
  const innerW = PLOT.width - PLOT.left - PLOT.right, innerH = PLOT.height - PLOT.top - PLOT.bottom;
  const x = (q: number): number => PLOT.left + ((Math.log10(q) - x0) / (x1 - x0)) * innerW;
  const y = (us: number): number => PLOT.top + innerH - (us / yTicks.at(-1)!) * innerH;
  const bound = TARGET_SPREAD * Math.min(...per);
  const text = (tx: number, ty: number, s: string, anchor = 'middle'): string => `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" text-anchor="${anchor}">${s}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PLOT.width}" height="${PLOT.height}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="white"/>',
    text(PLOT.width / 2, 20, 'qg build + save: time per quantum (survey profile, SQLite)'),
    ...xTicks.flatMap((q) => [`<line x1="${x(q).toFixed(1)}" y1="${PLOT.top}" x2="${x(q).toFixed(1)}" y2="${PLOT.top + innerH}" stroke="#ddd"/>`, text(x(q), PLOT.top + innerH + 18, compact(q))]),
    ...yTicks.flatMap((us) => [`<line x1="${PLOT.left}" y1="${y(us).toFixed(1)}" x2="${PLOT.left + innerW}" y2="${y(us).toFixed(1)}" stroke="#ddd"/>`, text(PLOT.left - 8, y(us) + 4, String(us), 'end')]),
    text(PLOT.left + innerW / 2, PLOT.height - 10, 'quanta (log scale)'),
    `<text x="16" y="${PLOT.top + innerH / 2}" text-anchor="middle" transform="rotate(-90 16 ${PLOT.top + innerH / 2})">µs per quantum</text>`,
    `<line x1="${PLOT.left}" y1="${y(bound).toFixed(1)}" x2="${PLOT.left + innerW}" y2="${y(bound).toFixed(1)}" stroke="#c33" stroke-dasharray="6 4"/>`,
    text(PLOT.left + 4, y(bound) - 6, `${TARGET_SPREAD}x the fastest`, 'start'),
    `<polyline fill="none" stroke="#236" stroke-width="2" points="${points.map((p, i) => `${x(p.quanta).toFixed(1)},${y(per[i]!).toFixed(1)}`).join(' ')}"/>`,
    ...points.map((p, i) => `<circle cx="${x(p.quanta).toFixed(1)}" cy="${y(per[i]!).toFixed(1)}" r="4" fill="#236"><title>${p.quanta} quanta: ${per[i]!.toFixed(1)} µs each, ${p.totalSeconds.toFixed(2)} s, ${p.peakRssMb.toFixed(0)} MB</title></circle>`),
    '</svg>', '',
  ].join('\n');
}

/** Measures every size (smallest first), writes scaling.svg and returns the Markdown section. */
export async function runScalingBench(): Promise<string> {
  const visits = process.env.QG_BENCH_SCALING_VISITS ? process.env.QG_BENCH_SCALING_VISITS.split(',').map(Number) : DEFAULT_VISITS;
  const work = mkdtempSync(join(tmpdir(), 'qg-scaling-'));
  const points: ScalingPoint[] = [];
  try {
    for (const v of [...visits].sort((a, b) => a - b)) {
      const p = await measure(work, v);
      points.push(p);
      console.log(`survey ${v} visits: ${p.quanta} quanta in ${p.totalSeconds.toFixed(2)} s (${microsPerQuantum(p).toFixed(1)} µs/quantum), peak ${p.peakRssMb.toFixed(0)} MB`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(SVG_PATH, scalingSvg(points));
  writeFileSync(JSON_PATH, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, points }, null, 1)}\n`);
  return scalingTable(points);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(await runScalingBench());
