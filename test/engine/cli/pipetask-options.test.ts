/**
 * pipetask's options on `qg build`, `qg explain` and `qg run` through `main(argv)`: `-g`/`--qgraph`
 * is the graph to run (as the positional), `--save`/`--save-qgraph` writes one; `-c label:key=value`
 * and `-C label:file.yaml` override task configs (read back from the saved graph; a bad label or
 * key fails naming it); `--dataset-query-constraint` is `--dataset-constraint`; `--skip-existing`
 * skips quanta whose outputs are in the output run (with --extend-run); `--replace-run` takes the
 * chain's first RUN out of the chain when the new run starts; `--register-dataset-types` is accepted.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateRepository } from '../../../pipelines/simulate/index.js';
import { loadGraph, type QuantumGraph } from '../../../planner/index.js';
import type { Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { ARITH_PIPELINE, INPUT_RUN, fillArithRepo, registeredDatasets } from '../engine-helpers.js';
import { ARITH_TASK_MODULE } from '../fixtures/arith-tasks.js';
import { cliRunner } from '../../support/cli-runner.js';

const WHERE = "instrument='SimCam' AND skymap='simSkyMap'";

/** Quanta per task label of a graph. */
function quantaPerTask(g: QuantumGraph): Record<string, number> {
  return Object.fromEntries(g.tasks.map((t) => [t.label, t.quantumCount]));
}

/** A config value of a task in a saved graph. */
function configOf(file: string, label: string): Record<string, unknown> {
  return loadGraph(file).tasks.find((t) => t.label === label)!.config as Record<string, unknown>;
}

describe('pipetask options', () => {
  const dir = tempDir('qg-pipetask-');
  const run = cliRunner();
  afterAll(() => dir.cleanup());

  describe('qg build / qg explain (simulated drp repository)', () => {
    let repo: Repository;
    let root: string;
    let dispose: () => Promise<void>;
    const build = (...extra: string[]) => run('build', '-b', root, '-p', 'drp.yaml#processCcd', '-i', 'SimCam/defaults', '--where', WHERE, ...extra);

    beforeAll(async () => {
      ({ repo, root, dispose } = await makeRepo(DIALECTS[0]!));
      await simulateRepository(repo, { profile: 'tiny', pixels: false });
    });
    afterAll(async () => dispose?.());

    it('-c label:key=value sets a config value (a YAML scalar), recorded in the saved graph', async () => {
      const file = join(dir.path, 'c.qg');
      const r = await build('--output-run', 'u/pt/c', '-c', 'isr:saturation=1234', '-c', 'isr:doDark=false', '-c', 'calibrate:connections.exposure=postISRCCD', '--save-qgraph', file);
      expect(r.status, r.stderr).toBe(0);
      const isr = configOf(file, 'isr');
      expect(isr['saturation']).toBe(1234);
      expect(isr['doDark']).toBe(false);
      expect(isr['overscanFitOrder']).toBe(1); // the default, untouched
    });

    it('-C label:file.yaml applies a mapping of keys; -c comes after it', async () => {
      const yaml = join(dir.path, 'isr-overrides.yaml');
      writeFileSync(yaml, 'overscanFitOrder: 3\nsaturation: 99\noverscanStatistic: mean\n');
      const file = join(dir.path, 'cfile.qg');
      const r = await build('--output-run', 'u/pt/cfile', '-C', `isr:${yaml}`, '-c', 'isr:saturation=5e4', '--save', file);
      expect(r.status, r.stderr).toBe(0);
      const isr = configOf(file, 'isr');
      expect([isr['overscanFitOrder'], isr['saturation'], isr['overscanStatistic']]).toEqual([3, 50000, 'mean']);
    });

    it('a bad label, key or form fails before planning, naming it', async () => {
      const label = await build('--output-run', 'u/pt/bad1', '-c', 'nope:saturation=1');
      expect(label.status).not.toBe(0);
      expect(label.stderr).toContain("no task 'nope'");
      const key = await build('--output-run', 'u/pt/bad2', '-c', 'isr:saturaton=1');
      expect(key.status).not.toBe(0);
      expect(key.stderr).toContain("'saturaton'");
      expect(key.stderr).toContain('-c isr:saturaton=1');
      const form = await build('--output-run', 'u/pt/bad3', '-c', 'isr:saturation');
      expect(form.status).not.toBe(0);
      expect(form.stderr).toContain('LABEL:KEY=VALUE');
      const notMap = join(dir.path, 'list.yaml');
      writeFileSync(notMap, '- 1\n- 2\n');
      const file = await build('--output-run', 'u/pt/bad4', '-C', `isr:${notMap}`);
      expect(file.status).not.toBe(0);
      expect(file.stderr).toContain('mapping');
      const explain = await run('explain', '-b', root, '-p', 'drp.yaml#processCcd', '-i', 'SimCam/defaults', '-o', 'u/pt/x', '-c', 'calibrate:nope=1');
      expect(explain.status).not.toBe(0);
      expect(explain.stderr).toContain("'nope'");
    });

    it('--dataset-query-constraint is --dataset-constraint; --register-dataset-types is accepted', async () => {
      const a = join(dir.path, 'dc-a.qg');
      const b = join(dir.path, 'dc-b.qg');
      expect((await build('--output-run', 'u/pt/dca', '--dataset-constraint', 'off', '--save', a)).status).toBe(0);
      const r = await build('--output-run', 'u/pt/dcb', '--dataset-query-constraint', 'off', '--register-dataset-types', '--save', b);
      expect(r.status, r.stderr).toBe(0);
      expect(quantaPerTask(loadGraph(b))).toEqual(quantaPerTask(loadGraph(a)));
      const unknown = await build('--output-run', 'u/pt/dcc', '--dataset-query-constraint', 'no_such_type');
      expect(unknown.status).not.toBe(0);
      expect(unknown.stderr).toContain('no_such_type');
    });
  });

  describe('qg run (arithmetic pipeline)', () => {
    let repo: Repository;
    let root: string;
    let dispose: () => Promise<void>;
    const arith = ['-p', ARITH_PIPELINE, '-i', INPUT_RUN, '--tasks', ARITH_TASK_MODULE];

    beforeAll(async () => {
      ({ repo, root, dispose } = await makeRepo(DIALECTS[0]!));
      await fillArithRepo(repo, 4);
    });
    afterAll(async () => dispose?.());

    it('--save-qgraph writes the built graph (with its -c override); -g/--qgraph runs it as the positional does; -c with a built graph is a usage error', async () => {
      const file = join(dir.path, 'arith.qg');
      const first = await run('run', '-b', root, ...arith, '-o', 'u/pt/g', '--where', "instrument = 'Arith' AND detector IN (1, 2)", '-c', 'square:sleepMs=3', '--save-qgraph', file);
      expect(first.status, first.stderr).toBe(0);
      expect(configOf(file, 'square')['sleepMs']).toBe(3);
      expect(existsSync(file)).toBe(true);
      expect(quantaPerTask(loadGraph(file))).toEqual({ square: 2, combine: 2, sum: 1 });
      const again = await run('run', '-b', root, '-g', file, '--tasks', ARITH_TASK_MODULE);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toContain('0 succeeded, 0 failed, 0 blocked, 0 cancelled, 5 already done');
      const long = await run('run', '-b', root, '--qgraph', file, '--tasks', ARITH_TASK_MODULE);
      expect(long.stdout).toContain('5 already done');
      expect((await run('run', file, '-b', root, '-g', join(dir.path, 'other.qg'))).status).toBe(2);
      const configOnGraph = await run('run', '-b', root, '-g', file, '-c', 'square:failOn=1');
      expect(configOnGraph.status).toBe(2);
      expect(configOnGraph.stderr).toContain('-c/-C');
    });

    it('--skip-existing with --extend-run plans only the quanta whose outputs are not in the output run', async () => {
      const where = "instrument = 'Arith'";
      const before = await run('run', '-b', root, ...arith, '-o', 'u/pt/skip', '--where', "instrument = 'Arith' AND detector IN (1, 2)");
      expect(before.status, before.stderr).toBe(0);
      // detectors 1 and 2 ran: their square and combine outputs, and sum's total, are in the output run.
      const clash = await run('run', '-b', root, ...arith, '-o', 'u/pt/skip', '--extend-run', '--where', where);
      expect(clash.status).not.toBe(0);
      const file = join(dir.path, 'rest.qg');
      const r = await run('run', '-b', root, ...arith, '-o', 'u/pt/skip', '--extend-run', '--skip-existing', '--where', where, '--save', file);
      expect(r.status, r.stderr).toBe(0);
      const g = loadGraph(file);
      // Only detectors 3 and 4 are left; sum's total (instrument only) exists, so sum is skipped too, as in pipetask.
      expect(quantaPerTask(g)).toEqual({ square: 2, combine: 2, sum: 0 });
      expect(r.stdout).toContain('4 succeeded, 0 failed');
    });

    it('--replace-run: the new run takes the place of the chain\'s first RUN, which stays in the registry', async () => {
      const where = "instrument = 'Arith'";
      const fresh = await run('run', '-b', root, ...arith, '-o', 'u/pt/none', '--replace-run', '--where', where);
      expect(fresh.status).not.toBe(0);
      expect(fresh.stderr).toContain('--replace-run');
      expect((await run('run', '-b', root, ...arith, '-o', 'u/pt/replace', '--where', where)).status).toBe(0);
      repo.registry.collections.invalidate();
      const [first, ...rest] = await repo.registry.collections.getChain('u/pt/replace');
      expect(rest).toEqual([INPUT_RUN]);
      const both = await run('run', '-b', root, ...arith, '-o', 'u/pt/replace', '--replace-run', '--extend-run', '--where', where);
      expect(both.status).not.toBe(0);
      const file = join(dir.path, 'replace.qg');
      const r = await run('run', '-b', root, ...arith, '-o', 'u/pt/replace', '--replace-run', '--where', where, '--save', file);
      expect(r.status, r.stderr).toBe(0);
      const g = loadGraph(file);
      expect(g.header.replacedRun).toBe(first);
      repo.registry.collections.invalidate();
      expect(await repo.registry.collections.getChain('u/pt/replace')).toEqual([g.header.outputRun, INPUT_RUN]);
      expect((await repo.registry.collections.get(first!)).type).toBe('RUN');
    });

    it('--prune-replaced purge|unstore removes the replaced run, or only its files, before running', async () => {
      const where = "instrument = 'Arith'";
      expect((await run('run', '-b', root, ...arith, '-o', 'u/pt/prune', '--prune-replaced', 'purge', '--where', where)).status).toBe(2);
      expect((await run('run', '-b', root, ...arith, '-o', 'u/pt/prune', '--where', where)).status).toBe(0);
      repo.registry.collections.invalidate();
      const [first] = await repo.registry.collections.getChain('u/pt/prune');
      const purged = await run('run', '-b', root, ...arith, '-o', 'u/pt/prune', '--replace-run', '--prune-replaced', 'purge', '--where', where);
      expect(purged.status, purged.stderr).toBe(0);
      expect(purged.stdout).toContain(`removed run ${first}`);
      repo.registry.collections.invalidate();
      expect(await repo.registry.collections.has(first!)).toBe(false);
      const [second] = await repo.registry.collections.getChain('u/pt/prune');
      expect(second).not.toBe(first);
      const stored = (await registeredDatasets(repo, second!)).filter((d) => d.path !== null).length;
      expect(stored).toBeGreaterThan(0);
      const unstored = await run('run', '-b', root, ...arith, '-o', 'u/pt/prune', '--replace-run', '--prune-replaced', 'unstore', '--where', where);
      expect(unstored.status, unstored.stderr).toBe(0);
      expect(unstored.stdout).toContain(`deleted the files of ${stored} dataset(s) of ${second}`);
      repo.registry.collections.invalidate();
      expect((await repo.registry.collections.get(second!)).type).toBe('RUN');
      expect((await registeredDatasets(repo, second!)).filter((d) => d.path !== null)).toEqual([]);
      expect((await repo.registry.collections.getChain('u/pt/prune'))[0]).not.toBe(second);
    });
  });
});
