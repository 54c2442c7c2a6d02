/**
 * The exit-status table (engine/cli/exit-status.ts): every code keeps the status qg gave it
 * before the table, and end to end through `main(argv)` on the arith fixture (SQLite): a
 * --where syntax error exits 2 with its caret, a graph built against another repository 1
 * (an error the table maps), a run whose quantum fails 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_STATUS, exitStatusOf, type ErrorCode } from '../../../engine/cli/exit-status.js';
import { saveGraph } from '../../../planner/index.js';
import type { Repository } from '../../../registry/index.js';
import { cliRunner } from '../../support/cli-runner.js';
import { makeRepo, tempDir } from '../../support/test-repos.js';
import { ARITH_PIPELINE, INPUT_RUN, buildArith, fillArithRepo, pipelineWith } from '../engine-helpers.js';
import { ARITH_TASK_MODULE } from '../fixtures/arith-tasks.js';

/** How main chose before the table: a usage code was one these prefixes start, or one of qg submit's own. */
const PREFIX_RULE = /^(USAGE|INGEST|TRANSLATION|SIMULATE_OPTIONS|PIPELINE|BUILD|SHOW|GRAPH_FILE|QUERY|UNIVERSE|COLLECTION|DATASET_TYPE|DATA_ID|TIME_FORMAT|WHERE|PATH|REPO|BAD_DB_URL|EXPORT_FORMAT|CALIB|DIMENSION_RECORD|DATASET_CONFLICT|FORMATTER|YAML_LIMIT|YAML_FILE)/;
const SUBMIT_USAGE = new Set(['SUBMIT_SQLITE', 'SUBMIT_OPTIONS', 'SUBMIT_EXISTS', 'SUBMIT_NONE', 'QUANTUM_LIST']);

describe('exit-status table', () => {
  it('gives every code the status the prefix rule gave it', () => {
    const changed = Object.entries(EXIT_STATUS).filter(([code, status]) => status !== (PREFIX_RULE.test(code) || SUBMIT_USAGE.has(code) ? 2 : 1));
    expect(changed).toEqual([]);
  });

  it('maps errors without one of our codes to failure', () => {
    expect(exitStatusOf(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(1);
    expect(exitStatusOf(new Error('x'))).toBe(1);
    expect(exitStatusOf('thrown string')).toBe(1);
    expect(exitStatusOf(null)).toBe(1);
    expect(exitStatusOf({ code: 'WHERE_SYNTAX' satisfies ErrorCode })).toBe(2);
  });
});

describe('exit statuses end to end', () => {
  const dir = tempDir('qg-exit-');
  const run = cliRunner();
  let repo: Repository;
  let root: string;
  let otherRoot: string;
  const repos: { dispose: () => Promise<void> }[] = [];
  beforeAll(async () => {
    const made = await makeRepo('sqlite');
    ({ repo, root } = made);
    repos.push(made);
    await fillArithRepo(repo, 2);
    const other = await makeRepo('sqlite');
    otherRoot = other.root;
    repos.push(other);
  }, 60_000);
  afterAll(async () => {
    for (const r of repos) await r.dispose();
    dir.cleanup();
  });

  it('a --where syntax error exits 2 and shows where', async () => {
    const { status, stderr } = await run('query', 'data-ids', '-b', root, '-D', 'detector', '--where', 'detector = = 1');
    expect(status).toBe(2);
    expect(stderr).toMatch(/detector = = 1\n\s*\^/);
  });

  it('a graph of another repository exits 1 (GRAPH_FOREIGN)', async () => {
    const graph = `${dir.path}/foreign.qg`;
    await saveGraph(await buildArith(repo, ARITH_PIPELINE, 'u/foreign'), graph);
    const { status, stderr } = await run('run', graph, '-b', otherRoot, '--tasks', ARITH_TASK_MODULE, '--no-progress');
    expect(stderr).toContain('the graph was built against repository');
    expect(status).toBe(1);
  });

  it('a run whose quantum fails exits 1', async () => {
    const failing = pipelineWith(dir.path, ARITH_PIPELINE, { square: { failOn: [1] } });
    const { status, stdout } = await run('run', '-b', root, '-p', failing, '-i', INPUT_RUN, '-o', 'u/failing', '--tasks', ARITH_TASK_MODULE, '--no-progress');
    expect(stdout).toContain('injected failure for detector 1');
    expect(status).toBe(1);
  });
});
