/**
 * The pipeline graph on tiny literal task sets (own TaskDefinitions, own library Map): cycles
 * with the exact cycle path in the message, a dataset type produced twice, producer/consumer
 * disagreement on dimensions and storage class, prerequisites produced inside the pipeline,
 * and a deterministic task order whatever the declaration order.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildPipelineGraph, loadPipeline, PipelineError, TASK_LIBRARY, type Connection, type ConnectionKind, type PipelineGraph, type TaskDefinition,
} from '../../../pipelines/index.js';
import { tempDir } from '../../support/test-repos.js';
import { thrownAs } from '../../support/thrown.js';

const dir = tempDir('qg-pgraph-');
afterAll(() => dir.cleanup());

/** A connection spec: a dataset type name, or the name with dimensions / storage class. */
type Spec = string | { type: string; dims?: string[]; sc?: string };

const DIMS = ['instrument'];

/** A task type with inputs, outputs and prerequisites (all on `instrument` / storage class `S` unless given). */
function task(name: string, io: { in?: Spec[]; out?: Spec[]; pre?: Spec[] }): TaskDefinition {
  const make = (kind: ConnectionKind, specs: Spec[] = []): Connection[] => specs.map((s, i) => {
    const spec = typeof s === 'string' ? { type: s } : s;
    return { name: `${kind}${i}`, kind, datasetType: spec.type, dimensions: spec.dims ?? DIMS, storageClass: spec.sc ?? 'S' };
  });
  return { name, description: name, dimensions: DIMS, defaults: {}, connections: () => [...make('input', io.in), ...make('prerequisite', io.pre), ...make('output', io.out)] };
}

let files = 0;
/** Loads a pipeline of `labels` (label -> task definition, declared in the given order) and builds its graph. */
function graphOf(tasks: [string, TaskDefinition][]): PipelineGraph {
  const library = new Map(tasks.map(([, t]) => [t.name, t]));
  const path = join(dir.path, `p${files++}.yaml`);
  writeFileSync(path, `tasks:\n${tasks.map(([label, t]) => `  ${label}:\n    class: ${t.name}\n`).join('')}`);
  return buildPipelineGraph(loadPipeline(path, library));
}

/** Edges (`task:x` / `dataset:y` keys, data-flow direction) of a task set, computed here from the definitions. */
function edgesOf(tasks: [string, TaskDefinition][]): Set<string> {
  const out = new Set<string>();
  for (const [label, t] of tasks) {
    for (const c of t.connections({})) {
      if (c.kind === 'output') out.add(`task:${label} -> dataset:${c.datasetType}`);
      else out.add(`dataset:${c.datasetType} -> task:${label}`);
    }
  }
  return out;
}

/** Checks that the message's cycle is a real closed path of `edges`; returns its nodes (without the repeat). */
function checkCyclePath(message: string, edges: Set<string>): string[] {
  const m = /((?:task|dataset):\S+(?: -> (?:task|dataset):\S+)+)$/.exec(message);
  expect(m, message).not.toBeNull();
  const nodes = m![1]!.split(' -> ');
  expect(nodes.length).toBeGreaterThanOrEqual(3);
  expect(nodes[0]).toBe(nodes[nodes.length - 1]);
  const ring = nodes.slice(0, -1);
  expect(new Set(ring).size, `repeated node in ${message}`).toBe(ring.length);
  for (let i = 0; i + 1 < nodes.length; i++) expect(edges.has(`${nodes[i]} -> ${nodes[i + 1]}`), `${nodes[i]} -> ${nodes[i + 1]} is not an edge`).toBe(true);
  return ring;
}

/** All rotations of a ring. */
function rotations(ring: string[]): string[][] {
  return ring.map((_, i) => [...ring.slice(i), ...ring.slice(0, i)]);
}

describe('pipeline graph checks', () => {
  it('a two-task cycle: the exact path', () => {
    const tasks: [string, TaskDefinition][] = [['b', task('B', { in: ['y'], out: ['x'] })], ['a', task('A', { in: ['x'], out: ['y'] })]];
    const e = thrownAs(PipelineError, () => graphOf(tasks));
    expect(e.code).toBe('PIPELINE_CYCLE');
    const ring = checkCyclePath(e.message, edgesOf(tasks));
    expect(rotations(['task:a', 'dataset:y', 'task:b', 'dataset:x'])).toContainEqual(ring);
  });

  it('a task reading what it writes is a cycle', () => {
    const tasks: [string, TaskDefinition][] = [['self', task('Self', { in: ['x', 'r'], out: ['x'] })]];
    const e = thrownAs(PipelineError, () => graphOf(tasks));
    expect(e.code).toBe('PIPELINE_CYCLE');
    expect(rotations(['task:self', 'dataset:x'])).toContainEqual(checkCyclePath(e.message, edgesOf(tasks)));
  });

  it('a three-task cycle behind an acyclic prefix: the exact path', () => {
    const tasks: [string, TaskDefinition][] = [
      ['z', task('Z', { in: ['w'], out: ['u'] })],
      ['y', task('Y', { in: ['v'], out: ['w'] })],
      ['x', task('X', { in: ['u', 'start'], out: ['v'] })],
      ['pre', task('P', { in: ['raw'], out: ['start'] })],
    ];
    const e = thrownAs(PipelineError, () => graphOf(tasks));
    expect(e.code).toBe('PIPELINE_CYCLE');
    const ring = checkCyclePath(e.message, edgesOf(tasks));
    expect(rotations(['task:x', 'dataset:v', 'task:y', 'dataset:w', 'task:z', 'dataset:u'])).toContainEqual(ring);
  });

  // Regression: findCycles returns a strongly connected component; listing it in Tarjan order
  // gave "... task:b -> dataset:x -> dataset:z -> task:c ...", where x -> z is not an edge.
  // The component holds two loops here (a <-> b and b -> c -> a): the message must be one of them, deterministically.
  it('two loops sharing a task: the message is still one real cycle path', () => {
    const tasks: [string, TaskDefinition][] = [
      ['a', task('A2', { in: ['x', 'w'], out: ['y'] })],
      ['b', task('B2', { in: ['y'], out: ['x', 'z'] })],
      ['c', task('C2', { in: ['z'], out: ['w'] })],
    ];
    const e = thrownAs(PipelineError, () => graphOf(tasks));
    expect(e.code).toBe('PIPELINE_CYCLE');
    const ring = checkCyclePath(e.message, edgesOf(tasks));
    expect([...rotations(['task:a', 'dataset:y', 'task:b', 'dataset:x']), ...rotations(['task:a', 'dataset:y', 'task:b', 'dataset:z', 'task:c', 'dataset:w'])]).toContainEqual(ring);
    // the same path whatever the declaration order (the task lines in the message differ)
    const pathOf = (m: string) => m.slice(m.lastIndexOf('): ') + 3);
    expect(pathOf(thrownAs(PipelineError, () => graphOf([...tasks].reverse())).message)).toBe(pathOf(e.message));
    expect(e.message).toMatch(/\(a at .*p\d+\.yaml:\d+ \(tasks\.a\); b at .*\(tasks\.b\)/);
  });

  it('a dataset type produced twice names both producers', () => {
    const e = thrownAs(PipelineError, () => graphOf([['two', task('Two', { in: ['r'], out: ['x'] })], ['one', task('One', { in: ['q'], out: ['x'] })]]));
    expect(e.code).toBe('PIPELINE_TWO_PRODUCERS');
    expect(e.message).toContain("'x'");
    expect(e.message).toContain("'one'");
    expect(e.message).toContain("'two'");
  });

  it('two tasks with the same class write <label>_metadata of their own: no clash', () => {
    const t = task('Same', { in: ['r'], out: [] });
    const g = graphOf([['first', t], ['second', t]]);
    expect(g.datasetTypes.get('first_metadata')!.producer).toBe('first');
    expect(g.datasetTypes.get('second_log')!.producer).toBe('second');
    expect(g.datasetTypes.get('first_config')!.dimensions).toEqual([]);
  });

  it('producer and consumer disagreeing on dimensions', () => {
    const e = thrownAs(PipelineError, () => graphOf([
      ['prod', task('Prod', { in: ['r'], out: [{ type: 'x', dims: ['instrument', 'visit'] }] })],
      ['cons', task('Cons', { in: [{ type: 'x', dims: ['instrument', 'exposure'] }] })],
    ]));
    expect(e.code).toBe('PIPELINE_DIMENSIONS');
    expect(e.message).toContain("'x'");
    expect(e.message).toContain('prod.');
    expect(e.message).toContain('cons.');
    expect(e.message).toContain('visit');
    expect(e.message).toContain('exposure');
    // the same dimensions in another order agree
    const ok = graphOf([
      ['prod', task('Prod', { in: ['r'], out: [{ type: 'x', dims: ['instrument', 'visit'] }] })],
      ['cons', task('Cons', { in: [{ type: 'x', dims: ['visit', 'instrument'] }] })],
    ]);
    expect(ok.datasetTypes.get('x')!.consumers).toEqual(['cons']);
  });

  it('two consumers of an overall input disagreeing on dimensions', () => {
    const e = thrownAs(PipelineError, () => graphOf([
      ['c1', task('C1', { in: [{ type: 'raw', dims: ['instrument', 'exposure', 'detector'] }] })],
      ['c2', task('C2', { in: [{ type: 'raw', dims: ['instrument', 'exposure'] }] })],
    ]));
    expect(e.code).toBe('PIPELINE_DIMENSIONS');
  });

  it('producer and consumer disagreeing on storage class (Exposure and ExposureF are compatible)', () => {
    const e = thrownAs(PipelineError, () => graphOf([
      ['prod', task('Prod', { in: ['r'], out: [{ type: 'x', sc: 'DataFrame' }] })],
      ['cons', task('Cons', { in: [{ type: 'x', sc: 'ArrowTable' }] })],
    ]));
    expect(e.code).toBe('PIPELINE_STORAGE_CLASS');
    expect(e.message).toContain('DataFrame');
    expect(e.message).toContain('ArrowTable');
    expect(e.message).toContain("'x'");
    const ok = graphOf([
      ['prod', task('Prod', { in: ['r'], out: [{ type: 'x', sc: 'ExposureF' }] })],
      ['cons', task('Cons', { in: [{ type: 'x', sc: 'Exposure' }] })],
    ]);
    expect(ok.datasetTypes.get('x')!.producer).toBe('prod');
  });

  it('a prerequisite produced inside the pipeline', () => {
    const e = thrownAs(PipelineError, () => graphOf([
      ['maker', task('Maker', { in: ['r'], out: ['cal'] })],
      ['user', task('User', { in: ['r'], pre: ['cal'] })],
    ]));
    expect(e.code).toBe('PIPELINE_PREREQUISITE_PRODUCED');
    expect(e.message).toContain("'cal'");
    expect(e.message).toContain("'maker'");
  });

  // Init-inputs are edges of the graph: a task reading another task's init-output (e.g. a
  // source schema) is ordered after its producer, is listed among the type's consumers, and a
  // storage-class disagreement between the init-output and the init-input is caught.
  it('an init-input orders its consumer after the producer of that init-output', () => {
    const initIo = (name: string, kind: ConnectionKind, storageClass: string): TaskDefinition => ({
      name, description: name, dimensions: DIMS, defaults: {},
      connections: () => [
        { name: 'in', kind: 'input', datasetType: 'r', dimensions: DIMS, storageClass: 'S' },
        { name: 'schema', kind, datasetType: 'src_schema', dimensions: [], storageClass },
      ],
    });
    const g = graphOf([['a', initIo('ReadsSchema', 'initInput', 'Schema')], ['z', initIo('WritesSchema', 'initOutput', 'Schema')]]);
    expect(g.datasetTypes.get('src_schema')!.consumers).toEqual(['a']);
    expect(g.tasks.map((t) => t.label)).toEqual(['z', 'a']);
    expect(g.datasetTypes.get('src_schema')!.isInit).toBe(true);
    expect(g.overallInputs).toEqual(['r']);
    const e = thrownAs(PipelineError, () => graphOf([['a', initIo('ReadsSchema2', 'initInput', 'Schema')], ['z', initIo('WritesSchema2', 'initOutput', 'ArrowSchema')]]));
    expect(e.code).toBe('PIPELINE_STORAGE_CLASS');
    expect(e.message).toContain('ArrowSchema');
  });

  it('an init-input nothing produces is an overall init-input, not an overall input', () => {
    const reader: TaskDefinition = {
      name: 'ReadsOnly', description: '', dimensions: DIMS, defaults: {},
      connections: () => [
        { name: 'in', kind: 'input', datasetType: 'r', dimensions: DIMS, storageClass: 'S' },
        { name: 'schema', kind: 'initInput', datasetType: 'src_schema', dimensions: [], storageClass: 'Schema' },
      ],
    };
    const g = graphOf([['a', reader]]);
    expect(g.overallInputs).toEqual(['r']);
    expect(g.overallInitInputs).toEqual(['src_schema']);
  });

  it('a dataset type both per run (init) and per quantum', () => {
    const e = thrownAs(PipelineError, () => graphOf([
      ['w', task('W', { in: ['r'], out: [{ type: 'x', dims: [] }] })],
      ['a', { name: 'R', description: '', dimensions: DIMS, defaults: {}, connections: () => [{ name: 's', kind: 'initInput', datasetType: 'x', dimensions: [], storageClass: 'S' }] }],
    ]));
    expect(e.code).toBe('PIPELINE_INIT');
    expect(e.message).toContain("'x'");
  });

  it('an empty selection is an error', () => {
    const path = join(dir.path, 'empty.yaml');
    writeFileSync(path, 'tasks: {}\n');
    expect(thrownAs(PipelineError, () => buildPipelineGraph(loadPipeline(path, new Map()))).code).toBe('PIPELINE_EMPTY');
  });
});

describe('task order', () => {
  const chain = (): [string, TaskDefinition][] => [
    ['m', task('M', { in: ['zOut'], out: ['mOut'] })],
    ['z', task('Z', { in: ['raw'], out: ['zOut'] })],
    ['a', task('A', { in: ['raw'], out: ['aOut'] })],
    ['b', task('B', { in: ['aOut', 'mOut'], out: ['bOut'] })],
    ['c', task('C', { in: ['raw'], out: ['cOut'] })],
  ];

  it('is a topological order with ties broken by label, whatever the declaration order', () => {
    const expected = ['a', 'c', 'z', 'm', 'b'];
    const base = chain();
    // every rotation and the reverse of the declaration order
    const orders = [...base.map((_, i) => [...base.slice(i), ...base.slice(0, i)]), [...base].reverse()];
    for (const order of orders) expect(graphOf(order).tasks.map((t) => t.label)).toEqual(expected);
  });

  it('overall inputs, prerequisites and producers are recorded', () => {
    const g = graphOf([
      ['use', task('Use', { in: ['made', 'raw2'], pre: ['cal'] })],
      ['make', task('Make', { in: ['raw1'], out: ['made'] })],
    ]);
    expect(g.overallInputs).toEqual(['raw1', 'raw2']);
    expect(g.datasetTypes.get('cal')!.isPrerequisite).toBe(true);
    expect(g.datasetTypes.get('made')!.producer).toBe('make');
    expect(g.datasetTypes.get('made')!.consumers).toEqual(['use']);
    expect(g.tasks.map((t) => t.label)).toEqual(['make', 'use']);
  });

  it('drp.yaml: isr, calibrate, makeWarp, assembleCoadd; raw and skyMap are the overall inputs', () => {
    for (const spec of ['drp.yaml', 'drp-refcat.yaml']) {
      const g = buildPipelineGraph(loadPipeline(spec, TASK_LIBRARY));
      expect(g.tasks.map((t) => t.label)).toEqual(['isr', 'calibrate', 'makeWarp', 'assembleCoadd']);
      expect(g.overallInputs).toEqual(['raw', 'skyMap']);
      expect([...g.datasetTypes.values()].filter((d) => d.isPrerequisite).map((d) => d.name).sort()).toEqual(spec === 'drp.yaml' ? ['bias', 'flat'] : ['bias', 'flat', 'ref_cat']);
      expect(g.datasetTypes.get('bias')!.isCalibration).toBe(true);
      expect(g.datasetTypes.get('postISRCCD')!.producer).toBe('isr');
      expect(g.datasetTypes.get('postISRCCD')!.consumers).toEqual(['calibrate']);
    }
    const sub = buildPipelineGraph(loadPipeline('drp.yaml#calibrate,makeWarp', TASK_LIBRARY));
    expect(sub.tasks.map((t) => t.label)).toEqual(['calibrate', 'makeWarp']);
    expect(sub.overallInputs).toEqual(['postISRCCD', 'skyMap']);
  });
});
