/**
 * Pipeline YAML: every error names the file, the line and the key (unknown keys, unknown
 * classes, bad config fields, missing imports, import cycles, YAML syntax), selections by
 * `#label,label` and `#subset`, imports that extend a task's config, and the shipped
 * drp.yaml / drp-refcat.yaml with exactly the connections of the LSST fixture.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadPipeline, PipelineError, SHIPPED_PIPELINES, TASK_LIBRARY, type Connection, type TaskDefinition,
} from '../../../pipelines/index.js';
import { tempDir } from '../../support/test-repos.js';
import { thrownAs } from '../../support/thrown.js';

const dir = tempDir('qg-pipeline-');
afterAll(() => dir.cleanup());

/** Writes `text` (leading newline dropped) to `name` in the temp folder; returns its path. */
function file(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text.replace(/^\n/, ''));
  return path;
}

/** The 1-based line of the first line of `path`'s text that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.replace(/^\n/, '').split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`'${needle}' not in text`);
  return i + 1;
}

/** `text` as a literal regular expression. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const T: TaskDefinition = {
  name: 'T', description: 'test task', dimensions: ['instrument'], defaults: { alpha: 1, beta: 'x' },
  connections: (config) => [
    { name: 'in', kind: 'input', datasetType: 'a', dimensions: ['instrument'], storageClass: 'S' },
    { name: 'out', kind: 'output', datasetType: `b_${String(config['beta'])}`, dimensions: ['instrument'], storageClass: 'S' },
  ],
};
const LIB: ReadonlyMap<string, TaskDefinition> = new Map([['T', T]]);

describe('pipeline YAML errors name file, line and key', () => {
  it('unknown top-level key', () => {
    const text = `
description: x
tasks:
  t1: T
colour: blue
`;
    const path = file('top-key.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, LIB));
    expect(e.code).toBe('PIPELINE_YAML');
    expect(e.message).toContain(`${path}:${lineOf(text, 'colour')}`);
    expect(e.message).toContain("'colour'");
  });

  it('unknown key inside a task', () => {
    const text = `
tasks:
  t1:
    class: T
  t2:
    class: T
    confg:
      alpha: 2
`;
    const path = file('task-key.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, LIB));
    expect(e.code).toBe('PIPELINE_YAML');
    expect(e.message).toContain(`${path}:${lineOf(text, 'confg')}`);
    expect(e.message).toContain("'confg'");
    expect(e.message).toContain("'t2'");
  });

  it('unknown class names the task, its line and the class', () => {
    const text = `
tasks:
  good: T
  bad:
    class: NoSuchTask
`;
    const path = file('class.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, LIB));
    expect(e.code).toBe('PIPELINE_CLASS');
    expect(e.message).toContain(`${path}:${lineOf(text, 'bad:')}`);
    expect(e.message).toContain("'NoSuchTask'");
    expect(e.message).toContain("'bad'");
  });

  it('bad config field names the task line and the field', () => {
    const text = `
tasks:
  t1:
    class: T
    config:
      alpha: 3
      gamma: 4
`;
    const path = file('config.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, LIB));
    expect(e.code).toBe('PIPELINE_CONFIG');
    // The error points at the task's declaration (its label line), naming the bad field.
    expect(e.message).toContain(`${path}:${lineOf(text, 't1:')}`);
    expect(e.message).toContain("'gamma'");
    expect(e.message).not.toContain("'alpha'");
  });

  it('a config that is not a mapping', () => {
    const text = `
tasks:
  t1:
    class: T
    config: [1, 2]
`;
    const path = file('config-list.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, LIB));
    expect(e.code).toBe('PIPELINE_YAML');
    expect(e.message).toContain(`${path}:${lineOf(text, 'config:')}`);
  });

  it('missing import names the importing file, the line of the import and the missing file', () => {
    const text = `
description: imports a file that is not there
imports:
  - location: base.yaml
  - location: nowhere.yaml
tasks:
  t1: T
`;
    file('base.yaml', 'tasks:\n  t0: T\n');
    const path = file('missing-import.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, LIB));
    expect(e.code).toBe('PIPELINE_IMPORT');
    expect(e.message).toContain(`${path}:${lineOf(text, 'nowhere.yaml')}`);
    expect(e.message).toContain("'nowhere.yaml'");
  });

  it('import cycle names the file and the line of the import that closes it, and the chain', () => {
    const a = `
imports:
  - location: cyc-b.yaml
tasks:
  t1: T
`;
    const b = `
tasks:
  t2: T
imports:
  - cyc-c.yaml
`;
    const c = `
description: closes the loop
imports:
  - location: cyc-a.yaml
`;
    const pa = file('cyc-a.yaml', a);
    const pb = file('cyc-b.yaml', b);
    const pc = file('cyc-c.yaml', c);
    const e = thrownAs(PipelineError, () => loadPipeline(pa, LIB));
    expect(e.code).toBe('PIPELINE_IMPORT');
    // the chain a -> b -> c, in order
    expect(e.message).toMatch(new RegExp([pa, pb, pc].map(escape).join('.*')));
    // the import that closes the cycle: cyc-c.yaml, at the line of its `location: cyc-a.yaml`
    expect(e.message).toContain(`${pc}:${lineOf(c, 'cyc-a.yaml')}`);
  });

  it('a file importing itself', () => {
    const text = 'imports:\n  - self.yaml\ntasks:\n  t1: T\n';
    const path = file('self.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, LIB));
    expect(e.code).toBe('PIPELINE_IMPORT');
    expect(e.message).toContain(`${path}:2`);
  });

  it('a diamond of imports is not a cycle', () => {
    file('d-base.yaml', 'tasks:\n  base: T\n');
    file('d-left.yaml', 'imports: [d-base.yaml]\ntasks:\n  left: T\n');
    file('d-right.yaml', 'imports: [d-base.yaml]\ntasks:\n  right:\n    class: T\n    config: { beta: r }\n');
    const path = file('d-top.yaml', 'imports: [d-left.yaml, d-right.yaml]\n');
    expect([...loadPipeline(path, LIB).tasks.keys()].sort()).toEqual(['base', 'left', 'right']);
  });

  it('YAML syntax errors and duplicate keys give file:line', () => {
    const bad = `
tasks:
  t1: T
  t2: [unclosed
`;
    const path = file('syntax.yaml', bad);
    const e = thrownAs(PipelineError, () => loadPipeline(path, LIB));
    expect(e.code).toBe('PIPELINE_YAML');
    expect(e.message).toMatch(new RegExp(`^${escape(path)}:\\d+: `));
    const dup = `
tasks:
  t1: T
  t1: T
`;
    const dupPath = file('dup.yaml', dup);
    const d = thrownAs(PipelineError, () => loadPipeline(dupPath, LIB));
    expect(d.code).toBe('PIPELINE_YAML');
    expect(d.message).toContain(`${dupPath}:${lineOf(dup, 't1: T') + 1}`);
  });

  it('subset naming an unknown task, and a subset without labels', () => {
    const text = `
tasks:
  t1: T
subsets:
  ok: [t1]
  broken:
    subset: [t1, t9]
`;
    const path = file('subset.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, LIB));
    expect(e.code).toBe('PIPELINE_YAML');
    expect(e.message).toContain(`${path}:${lineOf(text, 'broken:')}`);
    expect(e.message).toContain("'t9'");
    const text2 = 'tasks:\n  t1: T\nsubsets:\n  s: 7\n';
    const path2 = file('subset2.yaml', text2);
    const e2 = thrownAs(PipelineError, () => loadPipeline(path2, LIB));
    expect(e2.message).toContain(`${path2}:4`);
  });

  it('an invalid task label and a task without a class', () => {
    const text = 'tasks:\n  ok: T\n  "bad-label": T\n';
    const path = file('label.yaml', text);
    const e = thrownAs(PipelineError, () => loadPipeline(path, LIB));
    expect(e.message).toContain(`${path}:3`);
    expect(e.message).toContain("'bad-label'");
    const text2 = 'tasks:\n  ok: T\n  t2:\n    config: { alpha: 2 }\n';
    const path2 = file('noclass.yaml', text2);
    const e2 = thrownAs(PipelineError, () => loadPipeline(path2, LIB));
    expect(e2.message).toContain(`${path2}:3`);
    expect(e2.message).toContain("'t2'");
  });

  it('a missing pipeline file, and a selection that names nothing', () => {
    expect(thrownAs(PipelineError, () => loadPipeline(join(dir.path, 'nope.yaml'), LIB)).code).toBe('PIPELINE_FILE');
    const e = thrownAs(PipelineError, () => loadPipeline('drp.yaml#isr,noSuchThing', TASK_LIBRARY));
    expect(e.code).toBe('PIPELINE_SELECTION');
    expect(e.message).toContain("'#noSuchThing'");
  });
});

describe('selections, imports and config', () => {
  it('#label,label and #subset select tasks of drp.yaml', () => {
    expect([...loadPipeline('drp.yaml', TASK_LIBRARY).tasks.keys()]).toEqual(['isr', 'calibrate', 'makeWarp', 'assembleCoadd']);
    expect([...loadPipeline('drp.yaml#isr,calibrate', TASK_LIBRARY).tasks.keys()].sort()).toEqual(['calibrate', 'isr']);
    expect([...loadPipeline('drp.yaml#processCcd', TASK_LIBRARY).tasks.keys()].sort()).toEqual(['calibrate', 'isr']);
    expect([...loadPipeline('drp.yaml#coadd', TASK_LIBRARY).tasks.keys()].sort()).toEqual(['assembleCoadd', 'makeWarp']);
    expect([...loadPipeline('drp.yaml#coadd,isr', TASK_LIBRARY).tasks.keys()].sort()).toEqual(['assembleCoadd', 'isr', 'makeWarp']);
    expect([...loadPipeline('drp.yaml#makeWarp', TASK_LIBRARY).tasks.keys()]).toEqual(['makeWarp']);
    // selection by path to the shipped file works the same
    expect([...loadPipeline(`${join(SHIPPED_PIPELINES, 'drp.yaml')}#processCcd`, TASK_LIBRARY).tasks.keys()].sort()).toEqual(['calibrate', 'isr']);
    // subsets through an import
    expect([...loadPipeline('drp-refcat.yaml#processCcd', TASK_LIBRARY).tasks.keys()].sort()).toEqual(['calibrate', 'isr']);
  });

  it('an importing file extends an imported task: config merges, connections follow config', () => {
    file('ext-base.yaml', 'tasks:\n  t1:\n    class: T\n    config: { alpha: 5 }\n  t2: T\n');
    const path = file('ext-top.yaml', 'imports:\n  - location: ext-base.yaml\n    exclude: [t2]\ntasks:\n  t1:\n    config: { beta: y }\n');
    const p = loadPipeline(path, LIB);
    expect([...p.tasks.keys()]).toEqual(['t1']);
    const t1 = p.tasks.get('t1')!;
    expect(t1.config).toEqual({ alpha: 5, beta: 'y' });
    expect(t1.connections.find((c) => c.kind === 'output' && c.name === 'out')!.datasetType).toBe('b_y');
  });

  it('every task gets <label>_config, <label>_metadata and <label>_log', () => {
    const p = loadPipeline('drp.yaml', TASK_LIBRARY);
    for (const [label, t] of p.tasks) {
      const std = t.connections.filter((c) => c.datasetType.startsWith(`${label}_`));
      expect(std.map((c) => [c.kind, c.datasetType, [...c.dimensions]])).toEqual([
        ['initOutput', `${label}_config`, []],
        ['output', `${label}_metadata`, [...t.definition.dimensions]],
        ['output', `${label}_log`, [...t.definition.dimensions]],
      ]);
    }
  });

  it('drp.yaml has exactly the connections of the LSST fixture; drp-refcat.yaml adds the htm7 ref_cat prerequisite', () => {
    const brief = (c: Connection) => [c.kind, c.datasetType, [...c.dimensions].sort().join(','), c.multiple === true];
    const expected: Record<string, { dims: string[]; connections: unknown[] }> = {
      isr: { dims: ['instrument', 'exposure', 'detector'], connections: [
        ['input', 'raw', 'detector,exposure,instrument', false],
        ['prerequisite', 'bias', 'detector,instrument', false],
        ['prerequisite', 'flat', 'detector,instrument,physical_filter', false],
        ['output', 'postISRCCD', 'detector,exposure,instrument', false]] },
      calibrate: { dims: ['instrument', 'visit', 'detector'], connections: [
        ['input', 'postISRCCD', 'detector,exposure,instrument', false],
        ['output', 'calexp', 'detector,instrument,visit', false]] },
      makeWarp: { dims: ['skymap', 'tract', 'patch', 'instrument', 'visit'], connections: [
        ['input', 'calexp', 'detector,instrument,visit', true],
        ['input', 'skyMap', 'skymap', false],
        ['output', 'deepCoadd_directWarp', 'instrument,patch,skymap,tract,visit', false]] },
      assembleCoadd: { dims: ['skymap', 'tract', 'patch', 'band'], connections: [
        ['input', 'deepCoadd_directWarp', 'instrument,patch,skymap,tract,visit', true],
        ['input', 'skyMap', 'skymap', false],
        ['output', 'deepCoadd', 'band,patch,skymap,tract', false]] },
    };
    const drp = loadPipeline('drp.yaml', TASK_LIBRARY);
    for (const [label, t] of drp.tasks) {
      expect([...t.definition.dimensions].sort()).toEqual([...expected[label]!.dims].sort());
      const own = t.connections.filter((c) => !c.datasetType.startsWith(`${label}_`));
      expect(own.map(brief)).toEqual(expected[label]!.connections);
      expect(own.some((c) => c.deferConstraint)).toBe(false);
    }
    const isr = drp.tasks.get('isr')!;
    expect(isr.connections.filter((c) => c.kind === 'prerequisite').every((c) => c.isCalibration)).toBe(true);
    const refcat = loadPipeline('drp-refcat.yaml', TASK_LIBRARY);
    expect([...refcat.tasks.keys()].sort()).toEqual([...drp.tasks.keys()].sort());
    const cal = refcat.tasks.get('calibrate')!;
    expect(cal.config['useReferenceCatalog']).toBe(true);
    const extra = cal.connections.filter((c) => !drp.tasks.get('calibrate')!.connections.some((d) => d.name === c.name));
    expect(extra.map(brief)).toEqual([['prerequisite', 'ref_cat', 'htm7', true]]);
  });
});
