/** `qg report`: a run's report, Gantt chart and HTML page from its event log. */
import { writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { ganttSvg, htmlRunReport, readQuantumLog, readRunEvents, reportFilePath, reportFromEvents, resolveReportRun } from '../../index.js';
import { displayPath, jsonReplacer } from '../output.js';
import { formatRunReport } from './run-commands.js';
import { withFormat, withRepo, withRepository } from './shared-options.js';

const report: CommandModule = {
  command: 'report <run>',
  describe: "A run's report from its event log: per-task counts and time percentiles, a Gantt chart (SVG) of quanta over workers, and optionally one HTML page with both, failures by cause with their logs and time histograms",
  builder: (y) => withFormat(withRepo(y))
    .positional('run', { type: 'string', describe: 'The output RUN (or its CHAINED output collection: its first run)' })
    .option('svg', { type: 'string', describe: 'Where to write the Gantt chart (default <run folder>/_gantt.svg in the repository)' })
    .option('html', { type: 'string', describe: 'Also write the report as one self-contained HTML page, to this file (default <run folder>/_report.html)' })
    .option('invocation', { type: 'string', default: 'all', describe: "Which invocations to draw: 'all', 'last' or an invocation id" })
    .example('$0 report u/me/coadd -b repo', 'Report of the latest run of the chain u/me/coadd, and its Gantt chart')
    .example('$0 report u/me/coadd -b repo --html report.html', 'The same as one HTML page (open it in a browser; it fetches nothing)')
    .epilog('Above 2000 attempts, the chart shows how many quanta of each task ran over time instead of one bar per quantum. ' +
      'The HTML page holds the task table, the chart, failures grouped by cause with their logs, and per-task histograms of wall time.'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const runName = await resolveReportRun(repo, String(argv['run']));
    const { logs, events } = readRunEvents(repo.root, runName); // qg run's, and those of its cluster jobs
    const summary = reportFromEvents(events);
    const svgPath = reportFilePath(repo.root, runName, '_gantt.svg', argv['svg'] ? String(argv['svg']) : undefined);
    writeFileSync(svgPath, ganttSvg(events, { invocation: String(argv['invocation']) }));
    // `--html` alone is '': the default place
    const htmlPath = argv['html'] === undefined ? null : reportFilePath(repo.root, runName, '_report.html', String(argv['html']) || undefined);
    if (htmlPath) writeFileSync(htmlPath, htmlRunReport({ run: runName, events, eventLogs: logs, readLog: (path) => readQuantumLog(repo, path) }));
    if (argv['format'] === 'json') {
      console.log(JSON.stringify({ ...summary, eventLog: logs[0], eventLogs: logs, gantt: svgPath, ...(htmlPath ? { html: htmlPath } : {}) }, jsonReplacer, 1));
      return;
    }
    console.log(`run ${runName}: ${summary.invocations} invocation(s) in ${logs.length === 1 ? logs[0] : `${logs.length} event logs (its cluster jobs')`}`);
    console.log(formatRunReport(summary));
    console.log(`\nGantt chart: ${displayPath(svgPath)}`);
    if (htmlPath) console.log(`HTML report: ${displayPath(htmlPath)}`);
  }),
};

/** `report`. */
export const reportCommands: CommandModule[] = [report];
