/** `qg report`: a run's report and Gantt chart from its event log. */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { runFolder } from '../../../registry/index.js';
import { EngineError, eventLogPath, ganttSvg, readEventLog, reportFromEvents, runEventLogs } from '../../index.js';
import { jsonReplacer } from '../output.js';
import { formatRunReport } from './run-commands.js';
import { withFormat, withRepo, withRepository } from './shared-options.js';

const report: CommandModule = {
  command: 'report <run>',
  describe: "A run's report from its event log: per-task counts and time percentiles, and a Gantt chart (SVG) of quanta over workers",
  builder: (y) => withFormat(withRepo(y))
    .positional('run', { type: 'string', describe: 'The output RUN (or its CHAINED output collection: its first run)' })
    .option('svg', { type: 'string', describe: 'Where to write the Gantt chart (default <run folder>/_gantt.svg in the repository)' })
    .option('invocation', { type: 'string', default: 'all', describe: "Which invocations to draw: 'all', 'last' or an invocation id" })
    .example('$0 report u/me/coadd -b repo', 'Report of the latest run of the chain u/me/coadd, and its Gantt chart'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const name = String(argv['run']);
    let runName = name;
    const record = await repo.registry.collections.get(name);
    if (record.type === 'CHAINED') {
      const first = (await repo.registry.collections.flatten([name])).find((c) => c.type === 'RUN');
      if (!first) throw new EngineError(`chain '${name}' holds no RUN collection`, 'REPORT_RUN');
      runName = first.name;
    } else if (record.type !== 'RUN') {
      throw new EngineError(`'${name}' is a ${record.type} collection; give a RUN or the output chain`, 'REPORT_RUN');
    }
    const path = eventLogPath(repo.root, runName);
    const logs = runEventLogs(repo.root, runName); // qg run's, and those of its cluster jobs
    if (!logs.length) throw new EngineError(`run '${runName}' has no event log (${path}); was it made by qg run or qg submit?`, 'REPORT_NO_EVENTS');
    const events = logs.flatMap(readEventLog);
    const summary = reportFromEvents(events);
    const svgPath = resolve(argv['svg'] ? String(argv['svg']) : join(repo.root, runFolder(runName), '_gantt.svg'));
    writeFileSync(svgPath, ganttSvg(events, { invocation: String(argv['invocation']) }));
    if (argv['format'] === 'json') {
      console.log(JSON.stringify({ ...summary, eventLog: path, eventLogs: logs, gantt: svgPath }, jsonReplacer, 1));
      return;
    }
    console.log(`run ${runName}: ${summary.invocations} invocation(s) in ${logs.length === 1 ? logs[0] : `${logs.length} event logs (its cluster jobs')`}`);
    console.log(formatRunReport(summary));
    console.log(`\nGantt chart: ${svgPath}`);
  }),
};

/** `report`. */
export const reportCommands: CommandModule[] = [report];
