/**
 * `qg report RUN --html` on a real run of the arithmetic fixture in which square fails for
 * detector 3 and combine for detectors 1 and 2 (two messages that differ only in a number:
 * one cause), opened in a real headless Chromium: the task table's counts (known from the
 * injected failures), the failure groups with their counts and logs, the Gantt chart's bars
 * (one per attempt in the event log) and the histograms (one per task that succeeded, their
 * bins adding up to its successes); the page loads nothing from anywhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventLogPath, readEventLog, runGraph } from '../../../engine/index.js';
import { runFolder, type Repository } from '../../../registry/index.js';
import { SKIP_WITHOUT_CHROMIUM, dumpDom } from '../../support/chromium.js';
import { cliRunner } from '../../support/cli-runner.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { ARITH_PIPELINE, buildArith, fillArithRepo, pipelineWith } from '../engine-helpers.js';
import { ARITH_TASK_MODULE } from '../fixtures/arith-tasks.js';

/** The cells of the task table's row for `task`, as Chromium serialized them. */
function taskRow(dom: string, task: string): string[] {
  const row = new RegExp(`<tr data-task="${task}">(.*?)</tr>`).exec(dom)?.[1];
  if (!row) throw new Error(`no row for ${task}`);
  return [...row.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]!);
}

describe('qg report --html in Chromium', () => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  let runName: string;
  const dir = tempDir('qg-html-report-');
  const run = cliRunner();

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo(DIALECTS[0]!));
    await fillArithRepo(repo, 4);
    const pipeline = pipelineWith(dir.path, ARITH_PIPELINE, { square: { failOn: [3] }, combine: { failOn: [1, 2] } });
    const g = await buildArith(repo, pipeline, 'u/html/run');
    runName = g.header.outputRun;
    const ran = await runGraph(repo, g, { jobs: 2, taskModules: [ARITH_TASK_MODULE] });
    expect(ran.counts.failed).toBe(3);
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });

  it.skipIf(SKIP_WITHOUT_CHROMIUM)('shows the task table, the failures by cause with their logs, the Gantt chart and the histograms', async () => {
    const file = join(dir.path, 'report.html');
    const reported = await run('report', 'u/html/run', '-b', root, '--html', file);
    expect(reported.status, reported.stderr).toBe(0);
    expect(reported.stdout).toContain(`HTML report: ${file}`);
    const html = readFileSync(file, 'utf8');
    // self-contained: no scripts, stylesheets or images from elsewhere
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|url\(/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);

    const dom = dumpDom(file);
    expect(dom).toContain(`<h1>Run ${runName}</h1>`);
    // task, quanta, already done, succeeded, failed, blocked, cancelled, retried
    expect(taskRow(dom, 'square').slice(0, 8)).toEqual(['square', '4', '0', '3', '1', '0', '0', '0']);
    expect(taskRow(dom, 'combine').slice(0, 8)).toEqual(['combine', '4', '0', '1', '2', '1', '0', '0']);
    expect(taskRow(dom, 'sum').slice(0, 8)).toEqual(['sum', '1', '0', '0', '0', '1', '0', '0']);

    expect(dom).toContain('Failures: 3 quanta, 2 causes');
    const groups = [...dom.matchAll(/<div class="failure-group" data-count="(\d+)"><h3>([^<]*)<\/h3>(.*?)<\/div>/gs)];
    // the group's message is its first failure's: combine ran detectors 1 and 2 in parallel
    expect(groups.map((g) => Number(g[1]))).toEqual([2, 1]);
    expect(groups[0]![2]).toMatch(/^2 × combine: \[TASK_FAILED\] injected failure for detector [12]$/);
    expect(groups[1]![2]).toBe('1 × square: [TASK_FAILED] injected failure for detector 3');
    // every failed quantum's log, read from its file
    for (const [group, detectors] of [[groups[0]!, [1, 2]], [groups[1]!, [3]]] as const) {
      const logs = [...group[3]!.matchAll(/<summary>log of \{instrument=Arith, detector=(\d)\}[^<]*<\/summary><pre>([^<]*)<\/pre>/g)];
      expect(logs.map((l) => Number(l[1])).sort()).toEqual(detectors);
      for (const l of logs) expect(l[2]).toContain(`injected failure for detector ${l[1]}`);
    }

    const events = readEventLog(eventLogPath(root, runName));
    const attempts = events.filter((e) => e.event === 'quantum-finished').length;
    const gantt = /<section id="timeline">.*?<\/section>/s.exec(dom)![0];
    expect(gantt.match(/<rect [^>]*><title>/g)).toHaveLength(attempts);
    expect(gantt).toContain('seconds since the invocation started');

    const figures = [...dom.matchAll(/<figure data-task="(\w+)">(.*?)<\/figure>/gs)];
    expect(figures.map((f) => f[1])).toEqual(['square', 'combine']); // sum never succeeded
    for (const [, task, figure] of figures) {
      const bins = [...figure!.matchAll(/<rect class="bin"[^>]*><title>[^<]*: (\d+) quanta<\/title>/g)].map((m) => Number(m[1]));
      expect(bins.reduce((a, b) => a + b, 0), task).toBe(Number(taskRow(dom, task!)[3]));
    }
  }, 120_000);

  it('--html with no file writes it into the run folder', async () => {
    const reported = await run('report', runName, '-b', root, '--html');
    expect(reported.status, reported.stderr).toBe(0);
    expect(existsSync(join(root, runFolder(runName), '_report.html'))).toBe(true);
  });
});
