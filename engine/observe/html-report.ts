/**
 * `qg report RUN --html`: a run's report as one self-contained HTML page (inline CSS and SVG,
 * no scripts, nothing fetched): the per-task table, the Gantt chart, failures grouped by
 * cause with their logs, and a histogram of wall times per task. Built from the event log
 * alone (and the failed quanta's log files, through `readLog`).
 */
import type { LogRecord } from '../execute/quantum-executor.js';
import { finalFailures, groupFailures, type FailedAttempt } from './failure-groups.js';
import { ganttSvg } from './gantt-chart.js';
import { reportFromEvents, type TaskReport } from './report-observer.js';
import { escapeXml as escape, formatSeconds } from './report-text.js';
import type { RunEvent } from './run-events.js';
import { histogramSvg } from './time-histogram.js';

/** What the page is made of. */
export interface HtmlReportInput {
  readonly run: string;
  readonly events: readonly RunEvent[];
  /** The event logs the events came from (listed on the page). */
  readonly eventLogs: readonly string[];
  /** The records of a failed quantum's log file (the event's `log`), or null when unreadable. */
  readonly readLog: (path: string) => readonly LogRecord[] | null;
}

/** Logs shown in full per failure group; the rest are listed by data ID (all are in the event log). */
const LOGS_PER_GROUP = 5;

const STYLE = `
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1240px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e4e4e4; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.bad { color: #c62828; font-weight: bold; }
.meta { color: #555; font-size: 13px; }
.failure-group { border-left: 4px solid #d62728; padding: 2px 12px; margin: 12px 0; background: #fff7f7; }
summary { font-size: 13px; cursor: pointer; }
pre { background: #f4f4f4; padding: 8px; overflow-x: auto; font-size: 12px; }
.histograms { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; } figcaption { font-size: 13px; text-align: center; }
.chart { overflow-x: auto; }`;

function dataIdText(dataId: Readonly<Record<string, string | number>>): string {
  return Object.entries(dataId).map(([k, v]) => `${k}=${v}`).join(', ');
}

function taskTable(tasks: readonly TaskReport[]): string {
  const columns = ['task', 'quanta', 'already done', 'succeeded', 'failed', 'blocked', 'cancelled', 'retried', 'p50 s', 'p90 s', 'p99 s', 'max s', 'total s'];
  const rows = tasks.map((t) => {
    const count = (n: number, bad = false) => `<td${bad && n ? ' class="bad"' : ''}>${n}</td>`;
    return `<tr data-task="${escape(t.task)}"><td>${escape(t.task)}</td>${count(t.quanta)}${count(t.alreadyDone)}${count(t.succeeded)}${count(t.failed, true)}` +
      `${count(t.blocked, true)}${count(t.cancelled, true)}${count(t.retried)}<td>${formatSeconds(t.seconds.p50)}</td><td>${formatSeconds(t.seconds.p90)}</td><td>${formatSeconds(t.seconds.p99)}</td>` +
      `<td>${formatSeconds(t.seconds.max)}</td><td>${formatSeconds(t.seconds.total)}</td></tr>`;
  });
  return `<table id="task-table"><thead><tr>${columns.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function logBlock(f: FailedAttempt, readLog: HtmlReportInput['readLog'], open: boolean): string {
  const records = f.log ? readLog(f.log) : null;
  const body = records ? records.map((r) => `${r.time} ${r.level} ${r.name}: ${r.message}`).join('\n') : `(no log${f.log ? ` readable at ${f.log}` : ' was written'})`;
  return `<details${open ? ' open' : ''}><summary>log of {${escape(dataIdText(f.dataId))}}${f.log ? ` (${escape(f.log)})` : ''}</summary><pre>${escape(body)}</pre></details>`;
}

function failureSection(events: readonly RunEvent[], readLog: HtmlReportInput['readLog']): string {
  const failures = finalFailures(events);
  const groups = groupFailures(failures);
  if (!groups.length) return '<section id="failures"><h2>Failures</h2><p>No quantum failed.</p></section>';
  const blocks = groups.map((g) => {
    const shown = g.failures.slice(0, LOGS_PER_GROUP);
    const rest = g.failures.slice(LOGS_PER_GROUP);
    return `<div class="failure-group" data-count="${g.failures.length}"><h3>${g.failures.length} × ${escape(g.task)}: [${escape(g.code)}] ${escape(g.message)}</h3>` +
      shown.map((f, i) => logBlock(f, readLog, i === 0)).join('') +
      (rest.length ? `<p class="meta">and ${rest.length} more: ${escape(rest.map((f) => `{${dataIdText(f.dataId)}}`).join(' '))}</p>` : '') + '</div>';
  });
  return `<section id="failures"><h2>Failures: ${failures.length} quanta, ${groups.length} cause${groups.length === 1 ? '' : 's'}</h2>${blocks.join('')}</section>`;
}

function histogramSection(tasks: readonly TaskReport[], events: readonly RunEvent[]): string {
  const seconds = new Map<string, number[]>(tasks.map((t) => [t.task, []]));
  for (const e of events) if (e.event === 'quantum-finished' && e.status === 'succeeded') seconds.get(e.task)?.push((e.end - e.start) / 1000);
  const figures = [...seconds].filter(([, values]) => values.length).map(([task, values]) =>
    `<figure data-task="${escape(task)}">${histogramSvg(task, values)}<figcaption>${escape(task)}: ${values.length} ${values.length === 1 ? 'quantum' : 'quanta'} succeeded</figcaption></figure>`);
  return `<section id="histograms"><h2>Wall time per quantum</h2>${figures.length ? `<div class="histograms">${figures.join('')}</div>` : '<p>No quantum succeeded.</p>'}</section>`;
}

/** The page. */
export function htmlRunReport(input: HtmlReportInput): string {
  const report = reportFromEvents(input.events);
  const gantt = ganttSvg(input.events).replace(/^<\?xml[^>]*>\s*/, '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>qg report ${escape(input.run)}</title><style>${STYLE}</style></head>
<body>
<h1>Run ${escape(input.run)}</h1>
<p class="meta">${report.invocations} invocation(s); event log${input.eventLogs.length === 1 ? '' : 's'}: ${input.eventLogs.map(escape).join(', ')}</p>
<section id="tasks"><h2>Tasks</h2>${taskTable(report.tasks)}</section>
<section id="timeline"><h2>Timeline</h2><div class="chart">${gantt}</div></section>
${failureSection(input.events, input.readLog)}
${histogramSection(report.tasks, input.events)}
</body></html>
`;
}
