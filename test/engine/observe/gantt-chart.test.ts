/**
 * The Gantt chart on literal event sequences: bars in their worker's lane at x proportional
 * to the time since the invocation started (against the plot frame), escaped text, one panel
 * per invocation headed by its outcome counts (blocked, cancelled, interrupted); laid out in
 * a real Chromium, no text or bar leaves the drawing and no two texts overlap; and a run of
 * 50,000 quanta drawn at a bounded size (lanes per task, busy time per bin matching the
 * events) that parses as XML (Python's expat).
 */
import { describe, expect, it } from 'vitest';
import { ganttSvg, type QuantumFinishedEvent, type RunEvent } from '../../../engine/index.js';
import { SKIP_WITHOUT_CHROMIUM, measureSvg, type ElementBox } from '../../support/chromium.js';
import { runPython } from '../../support/external-tools.js';
import { T0, finished, runFinished, started } from './run-event-fixtures.js';

/** What Python's XML parser sees in an SVG: the root, its size, and element counts. */
function parseXml(svg: string): { root: string; width: string; height: string; counts: Record<string, number> } {
  return runPython(`
import collections, json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(json.load(sys.stdin).encode('utf-8'))
counts = collections.Counter(e.tag.split('}')[-1] for e in root.iter())
print(json.dumps({'root': root.tag, 'width': root.get('width'), 'height': root.get('height'), 'counts': counts}))`, svg);
}

/** The x, width and height of the `class="plot"` frames, in order. */
function plotFrames(svg: string): { x: number; y: number; width: number; height: number }[] {
  return [...svg.matchAll(/<rect class="plot" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)]
    .map((m) => ({ x: Number(m[1]), y: Number(m[2]), width: Number(m[3]), height: Number(m[4]) }));
}

function overlaps(a: ElementBox, b: ElementBox): boolean {
  return a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
}

const SMALL: RunEvent[] = [
  started('a', T0, { 'sq<uare': { quanta: 5, toRun: 5 }, sum: { quanta: 1, toRun: 1 } }),
  finished(0, 'sq<uare', 0, 0, 1000),
  finished(1, 'sq<uare', 1, 0, 500, 'retrying'),
  finished(1, 'sq<uare', 1, 500, 2000, 'failed', 2),
  { event: 'quanta-blocked', t: T0 + 2000, cause: 1, tasks: { 'sq<uare': [2, 3], sum: [5] } },
  runFinished('a', 2000, { alreadyDone: 0, succeeded: 1, failed: 1, blocked: 3, cancelled: 1 }, true),
];

describe('ganttSvg', () => {
  it('draws one bar per attempt in its worker lane, scaled from the invocation start', () => {
    const svg = ganttSvg(SMALL, { width: 1090, laneHeight: 20 });
    expect(svg).toMatch(/^<\?xml/);
    expect(svg).not.toContain('sq<uare');
    expect(svg).toContain('sq&lt;uare');
    const [plot] = plotFrames(svg);
    expect(plot!.height).toBe(2 * 20); // two workers
    const bars = [...svg.matchAll(/<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="16" fill="[^"]+"([^>]*)><title>([^<]*)<\/title>/g)];
    expect(bars).toHaveLength(3);
    // 2 s across the plot: the first bar starts at its left edge and spans half of it
    expect(Number(bars[0]![1])).toBeCloseTo(plot!.x, 1);
    expect(Number(bars[0]![3])).toBeCloseTo(plot!.width / 2, 1);
    expect(Number(bars[2]![1])).toBeCloseTo(plot!.x + plot!.width / 4, 1);
    expect(Number(bars[2]![3])).toBeCloseTo(plot!.width * 0.75, 1);
    expect(Number(bars[1]![2]) - Number(bars[0]![2])).toBe(20); // next lane
    expect(bars[1]![4]).toContain('#ff7f0e'); // retried: orange outline
    expect(bars[2]![4]).toContain('#d62728'); // failed: red outline
    expect(bars[0]![5]).toContain('attempt 1: succeeded, 1.000 s');
    expect(svg).toContain('1 succeeded, 1 failed, 3 blocked, 1 cancelled, 1 retried, 0 already done, interrupted');
    expect(svg).toContain('seconds since the invocation started');
    expect(svg).toMatch(/rotate\(-90[^>]*>worker</);

    const resumed: RunEvent[] = [...SMALL, started('b', T0 + 5000, { 'sq<uare': { quanta: 5, toRun: 4 }, sum: { quanta: 1, toRun: 1 } }), finished(1, 'sq<uare', 0, 5000, 5500)];
    expect(ganttSvg(resumed).match(/invocation [ab]:/g)).toEqual(['invocation a:', 'invocation b:']);
    // b has no run-finished: killed
    expect(ganttSvg(resumed)).toContain('1 succeeded, 0 failed, 0 blocked, 0 cancelled, 0 retried, 1 already done, did not finish');
    expect(ganttSvg(resumed, { invocation: 'last' }).match(/invocation [ab]:/g)).toEqual(['invocation b:']);
  });

  it.skipIf(SKIP_WITHOUT_CHROMIUM)('in Chromium: nothing outside the drawing, no two texts overlapping (long task names, many workers)', () => {
    const tasks = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`task${i}_with_a_rather_long_label_${'x'.repeat(i)}`, { quanta: 4, toRun: 4 }]));
    const labels = Object.keys(tasks);
    const events: RunEvent[] = [started('a', T0, tasks, 12), ...labels.flatMap((task, i) => [0, 1, 2, 3].map((k) => finished(i * 4 + k, task, (i + k) % 12, i * 700 + k * 100, i * 700 + k * 100 + 650)))];
    for (const maxBars of [10_000, 10]) { // per-worker lanes, then per-task lanes
      const svg = ganttSvg(events, { maxBars });
      const { width, height, boxes } = measureSvg(svg);
      expect(boxes.length).toBeGreaterThan(50);
      for (const b of boxes) {
        expect(b.left, `${b.tag} ${b.text}`).toBeGreaterThanOrEqual(-0.5);
        expect(b.top, `${b.tag} ${b.text}`).toBeGreaterThanOrEqual(-0.5);
        expect(b.right, `${b.tag} ${b.text}`).toBeLessThanOrEqual(width + 0.5);
        expect(b.bottom, `${b.tag} ${b.text}`).toBeLessThanOrEqual(height + 0.5);
      }
      const texts = boxes.filter((b) => b.tag === 'text' && b.right > b.left);
      for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
        expect(overlaps(texts[i]!, texts[j]!), `'${texts[i]!.text}' and '${texts[j]!.text}'`).toBe(false);
      }
    }
  }, 60_000);

  it('50,000 quanta: a bounded drawing, lanes per task, busy time per bin as the events say; valid XML', () => {
    const jobs = 16, tasks = ['isr', 'calibrate', 'makeWarp', 'assembleCoadd'];
    const events: RunEvent[] = [started('big', T0, Object.fromEntries(tasks.map((t) => [t, { quanta: 12_500, toRun: 12_500 }])), jobs)];
    const busy = new Map(tasks.map((t) => [t, 0]));
    const free = new Float64Array(jobs); // when each worker is next free (ms)
    let failures = 0;
    for (let q = 0; q < 50_000; q++) {
      const task = tasks[Math.floor(q / 12_500)]!;
      const w = q % jobs, ms = 200 + ((q * 7919) % 1800);
      const status: QuantumFinishedEvent['status'] = q % 997 === 0 ? 'failed' : 'succeeded';
      if (status === 'failed') failures++;
      events.push(finished(q, task, w, free[w]!, free[w]! + ms, status));
      free[w]! += ms;
      busy.set(task, busy.get(task)! + ms / 1000);
    }
    const svg = ganttSvg(events);
    expect(svg.length).toBeLessThan(400_000);
    const xml = parseXml(svg);
    expect(xml.root).toBe('{http://www.w3.org/2000/svg}svg');
    expect(Number(xml.height)).toBeLessThan(600);
    expect(xml.counts['rect']).toBeLessThan(tasks.length * 2 * 1200 / 4 + 100);
    expect(svg).toContain(`${50_000 - failures} succeeded, ${failures} failed, 0 blocked`);
    // each bin's title: mean quanta running; summed over bins times the bin width, the task's busy seconds
    const binSeconds = Number(/per ([\d.e+-]+) s \(full lane/.exec(svg)![1]);
    const spanSeconds = Math.max(...free) / 1000;
    expect(binSeconds).toBeCloseTo(spanSeconds / Math.floor(plotFrames(svg)[0]!.width / 4), 1);
    for (const task of tasks) {
      const means = [...svg.matchAll(new RegExp(`<title>${task}: ([\\d.]+) running on average, ([\\d.]+)-([\\d.]+) s`, 'g'))];
      const seconds = means.reduce((s, m) => s + Number(m[1]) * (Number(m[3]) - Number(m[2])), 0);
      expect(Math.abs(seconds / busy.get(task)! - 1), task).toBeLessThan(0.02);
    }
    expect(svg.match(/failed attempt\(s\)/g)!.length).toBeGreaterThan(0);
  });
});
