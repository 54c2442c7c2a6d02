/**
 * The pipeline language, key by key: inline task declarations (dimensions, the five connection
 * groups with every connection key, `run`), redeclaring a shipped label, `connections.NAME`
 * renames for shipped and inline tasks, `#label,subset` selections, subsets, `parameters`,
 * `instrument`, imports with include/exclude, and the keys qg refuses (contracts, steps,
 * Python config). Expanded connections are compared with hand-written expectations; every
 * error is checked for its code, its file:line and the key it names.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildPipelineGraph, defineTask, loadPipeline, PipelineError, TASK_LIBRARY, type Connection, type Pipeline,
} from '../../../pipelines/index.js';
import { tempDir } from '../../support/test-repos.js';
import { thrownAs } from '../../support/thrown.js';

const dir = tempDir('qg-language-');
afterAll(() => dir.cleanup());

/** Writes `text` (leading newline dropped) to `name` under the temp folder; returns its path. */
function file(name: string, text: string): string {
  const path = join(dir.path, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text.replace(/^\n/, ''));
  return path;
}

/** 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.replace(/^\n/, '').split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`'${needle}' not in text`);
  return i + 1;
}

/** A pipeline file that imports the shipped drp.yaml (by absolute path). */
const DRP = join(dirname(new URL(import.meta.url).pathname), '../../../pipelines/drp.yaml');

/** Loads `text` written as `name`. */
function load(name: string, text: string): Pipeline {
  return loadPipeline(file(name, text), TASK_LIBRARY);
}

/** Expects loading `text` to fail with `code`, at the line containing `needle`, with a message containing each of `words`. */
function expectError(name: string, text: string, code: string, needle: string, ...words: string[]): PipelineError {
  const path = file(name, text);
  const e = thrownAs(PipelineError, () => buildPipelineGraph(loadPipeline(path, TASK_LIBRARY)));
  expect(e.code, e.message).toBe(code);
  expect(e.message).toContain(`${path}:${lineOf(text, needle)}`);
  for (const w of words) expect(e.message).toContain(w);
  return e;
}

/** The task's own connections (standard ones left out), as plain objects. */
function own(p: Pipeline, label: string): Connection[] {
  return p.tasks.get(label)!.connections.filter((c) => !c.datasetType.startsWith(`${label}_`)).map((c) => ({ ...c }));
}

describe('inline task declarations', () => {
  const issueExample = `
description: visit summaries after calibration
imports:
  - location: ${DRP}
tasks:
  consolidateVisitSummary:
    class: ConsolidateVisitSummaryTask
    dimensions: [instrument, visit]
    inputs:
      calexp: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF, multiple: true}
    prerequisiteInputs:
      refCat: {datasetType: ref_cat, dimensions: [htm7], storageClass: SimpleCatalog, multiple: true}
    outputs:
      visitSummary: {datasetType: visitSummary, dimensions: [instrument, visit], storageClass: ExposureCatalog}
    initInputs: {}
    initOutputs: {}
    run: {module: ./tasks/consolidate.ts}
`;

  it("the issue's example: expanded connections, dimensions and a module runner resolved against the YAML file", () => {
    const path = file('issue/example.yaml', issueExample);
    const p = loadPipeline(path, TASK_LIBRARY);
    expect([...p.tasks.keys()]).toEqual(['isr', 'calibrate', 'makeWarp', 'assembleCoadd', 'consolidateVisitSummary']);
    expect(p.description).toBe('visit summaries after calibration');
    const t = p.tasks.get('consolidateVisitSummary')!;
    expect(t.definition.name).toBe('ConsolidateVisitSummaryTask');
    expect(t.definition.dimensions).toEqual(['instrument', 'visit']);
    expect(t.definition.runner).toEqual({ module: join(dir.path, 'issue/tasks/consolidate.ts') });
    expect(t.definition.run).toBeUndefined();
    expect(own(p, 'consolidateVisitSummary')).toEqual([
      { name: 'calexp', kind: 'input', datasetType: 'calexp', dimensions: ['instrument', 'visit', 'detector'], storageClass: 'ExposureF', multiple: true },
      { name: 'refCat', kind: 'prerequisite', datasetType: 'ref_cat', dimensions: ['htm7'], storageClass: 'SimpleCatalog', multiple: true },
      { name: 'visitSummary', kind: 'output', datasetType: 'visitSummary', dimensions: ['instrument', 'visit'], storageClass: 'ExposureCatalog' },
    ]);
    expect(t.connections.slice(-3).map((c) => [c.kind, c.datasetType])).toEqual([
      ['initOutput', 'consolidateVisitSummary_config'], ['output', 'consolidateVisitSummary_metadata'], ['output', 'consolidateVisitSummary_log'],
    ]);
    expect(t.connectionSources.get('calexp')).toBe(`${path}:${lineOf(issueExample, 'calexp: {')} (tasks.consolidateVisitSummary.inputs.calexp)`);
    const g = buildPipelineGraph(p);
    expect(g.tasks.map((x) => x.label)).toEqual(['isr', 'calibrate', 'consolidateVisitSummary', 'makeWarp', 'assembleCoadd']);
    expect([...g.datasetTypes.get('calexp')!.consumers].sort()).toEqual(['consolidateVisitSummary', 'makeWarp']);
    expect(g.datasetTypes.get('ref_cat')!.isPrerequisite).toBe(true);
  });

  it('every connection key: multiple, minimum, deferGraphConstraint, isCalibration, deferLoad; init connections', () => {
    const p = load('keys.yaml', `
tasks:
  writer:
    class: Writer
    dimensions: [instrument]
    inputs:
      raw: {datasetType: raw, dimensions: [instrument, exposure, detector], storageClass: Exposure, multiple: true, minimum: 0}
    outputs:
      summary: {datasetType: exposureSummary, dimensions: [instrument], storageClass: StructuredDataDict}
    initOutputs:
      schema: {datasetType: src_schema, storageClass: SourceCatalog}
  reader:
    class: Reader
    dimensions: [instrument, visit, detector]
    inputs:
      calexp: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF, deferLoad: true}
      extra: {datasetType: extra, dimensions: [instrument, visit], storageClass: ExposureF, deferGraphConstraint: true}
      many: {datasetType: many, dimensions: [instrument, visit, detector], storageClass: ExposureF, multiple: true, minimum: 2}
    prerequisiteInputs:
      dark: {datasetType: dark, dimensions: [instrument, detector], storageClass: ExposureF, isCalibration: true, minimum: 0}
    outputs:
      table: {datasetType: srcTable, dimensions: [instrument, visit, detector], storageClass: ArrowTable, multiple: false}
    initInputs:
      schema: {datasetType: src_schema, storageClass: SourceCatalog, dimensions: []}
`);
    expect(own(p, 'writer')).toEqual([
      { name: 'raw', kind: 'input', datasetType: 'raw', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'Exposure', multiple: true, minimum: 0 },
      { name: 'summary', kind: 'output', datasetType: 'exposureSummary', dimensions: ['instrument'], storageClass: 'StructuredDataDict' },
      { name: 'schema', kind: 'initOutput', datasetType: 'src_schema', dimensions: [], storageClass: 'SourceCatalog' },
    ]);
    expect(own(p, 'reader')).toEqual([
      { name: 'calexp', kind: 'input', datasetType: 'calexp', dimensions: ['instrument', 'visit', 'detector'], storageClass: 'ExposureF', deferLoad: true },
      { name: 'extra', kind: 'input', datasetType: 'extra', dimensions: ['instrument', 'visit'], storageClass: 'ExposureF', deferConstraint: true },
      { name: 'many', kind: 'input', datasetType: 'many', dimensions: ['instrument', 'visit', 'detector'], storageClass: 'ExposureF', multiple: true, minimum: 2 },
      { name: 'dark', kind: 'prerequisite', datasetType: 'dark', dimensions: ['instrument', 'detector'], storageClass: 'ExposureF', isCalibration: true, minimum: 0 },
      { name: 'table', kind: 'output', datasetType: 'srcTable', dimensions: ['instrument', 'visit', 'detector'], storageClass: 'ArrowTable', multiple: false },
      { name: 'schema', kind: 'initInput', datasetType: 'src_schema', dimensions: [], storageClass: 'SourceCatalog' },
    ]);
    // the init-input is an edge: reader comes after writer although 'reader' sorts first
    const g = buildPipelineGraph(p);
    expect(g.tasks.map((t) => t.label)).toEqual(['writer', 'reader']);
    expect(g.datasetTypes.get('src_schema')).toMatchObject({ producer: 'writer', consumers: ['reader'], isInit: true });
    expect(g.overallInputs).toEqual(['calexp', 'extra', 'many', 'raw']);
  });

  it('run: {command} keeps the template as written; no run: planned only', () => {
    const p = load('command.yaml', `
tasks:
  summarize:
    class: Summarize
    dimensions: [instrument, visit]
    inputs:
      calexp: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF, multiple: true}
    outputs:
      summary: {datasetType: visitSummaryJson, dimensions: [instrument, visit], storageClass: StructuredDataDict}
    run: {command: "python3 summarize.py {inputs.calexp} > {outputs.summary}"}
  plain:
    class: Plain
    dimensions: []
`);
    expect(p.tasks.get('summarize')!.definition.runner).toMatchObject({ command: 'python3 summarize.py {inputs.calexp} > {outputs.summary}' });
    expect(p.tasks.get('plain')!.definition.runner).toBeUndefined();
    expect(p.tasks.get('plain')!.definition.dimensions).toEqual([]);
  });

  it('an inline task has no fixed config fields; a shipped one keeps its own', () => {
    const p = load('open-config.yaml', `
tasks:
  mine:
    class: Mine
    dimensions: [instrument]
    config: {threshold: 3, label: deep}
`);
    expect(p.tasks.get('mine')!.config).toEqual({ threshold: 3, label: 'deep' });
    expectError('closed-config.yaml', `
tasks:
  isr:
    class: IsrTask
    config: {threshold: 3}
`, 'PIPELINE_CONFIG', 'isr:', "'threshold'");
  });
});

describe('redeclaring a label', () => {
  it('makeWarp of drp.yaml with an extra input: the shipped connections plus the new one; same run', () => {
    const p = load('extra-input.yaml', `
imports: [${DRP}]
tasks:
  makeWarp:
    inputs:
      mask: {datasetType: warpMask, dimensions: [instrument, visit, detector], storageClass: Mask, multiple: true, deferGraphConstraint: true}
`);
    const t = p.tasks.get('makeWarp')!;
    expect(t.definition.name).toBe('MakeWarpTask');
    expect(typeof t.definition.run).toBe('function');
    expect(t.config).toEqual({ kernel: 'lanczos3', badMaskPlanes: ['BAD', 'SAT', 'NO_DATA', 'CR'] });
    expect(own(p, 'makeWarp').map((c) => [c.kind, c.name, c.datasetType, c.deferConstraint === true])).toEqual([
      ['input', 'calExpList', 'calexp', false], ['input', 'skyMap', 'skyMap', false], ['output', 'direct', 'deepCoadd_directWarp', false],
      ['input', 'mask', 'warpMask', true],
    ]);
  });

  it('a redeclared connection replaces the shipped one of that name; new dimensions replace the old', () => {
    const p = load('replace-conn.yaml', `
imports: [${DRP}]
tasks:
  assembleCoadd:
    class: AssembleCoaddTask
    dimensions: [skymap, tract, patch, band, instrument]
    outputs:
      coaddExposure: {datasetType: deepCoadd_perInstrument, dimensions: [skymap, tract, patch, band, instrument], storageClass: ExposureF}
`);
    expect(p.tasks.get('assembleCoadd')!.definition.dimensions).toEqual(['skymap', 'tract', 'patch', 'band', 'instrument']);
    expect(own(p, 'assembleCoadd').map((c) => [c.kind, c.name, c.datasetType])).toEqual([
      ['input', 'inputWarps', 'deepCoadd_directWarp'], ['input', 'skyMap', 'skyMap'], ['output', 'coaddExposure', 'deepCoadd_perInstrument'],
    ]);
    // metadata and log follow the new dimensions
    expect(p.tasks.get('assembleCoadd')!.connections.find((c) => c.name === 'metadata')!.dimensions).toContain('instrument');
  });

  it('a redeclaration with another class replaces the shipped task; a run replaces the shipped run()', () => {
    const p = load('replace-task.yaml', `
imports: [${DRP}]
tasks:
  makeWarp:
    class: MyWarp
    dimensions: [skymap, tract, patch, instrument, visit]
    inputs:
      calexps: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF, multiple: true}
    outputs:
      warp: {datasetType: deepCoadd_directWarp, dimensions: [skymap, tract, patch, instrument, visit], storageClass: ExposureF}
  isr:
    run: {command: "my-isr {inputs.ccdExposure} {outputs.outputExposure}"}
`);
    expect(own(p, 'makeWarp').map((c) => c.name)).toEqual(['calexps', 'warp']);
    expect(p.tasks.get('makeWarp')!.definition.name).toBe('MyWarp');
    const isr = p.tasks.get('isr')!;
    expect(isr.definition.name).toBe('IsrTask');
    expect(isr.definition.run).toBeUndefined();
    expect(isr.definition.runner).toMatchObject({ command: 'my-isr {inputs.ccdExposure} {outputs.outputExposure}' });
    expect(own(p, 'isr').map((c) => c.name)).toEqual(['ccdExposure', 'bias', 'flat', 'outputExposure']);
    expect(buildPipelineGraph(p).tasks.map((t) => t.label)).toEqual(['isr', 'calibrate', 'makeWarp', 'assembleCoadd']);
  });

  it('an importing file extends an imported inline task', () => {
    file('inline-base.yaml', `
tasks:
  gather:
    class: Gather
    dimensions: [instrument, visit]
    inputs:
      calexp: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF, multiple: true}
    config: {mode: a}
`);
    const p = load('inline-top.yaml', `
imports: [inline-base.yaml]
tasks:
  gather:
    config: {mode: b, more: 1}
    outputs:
      out: {datasetType: gathered, dimensions: [instrument, visit], storageClass: StructuredDataDict}
`);
    expect(p.tasks.get('gather')!.config).toEqual({ mode: 'b', more: 1 });
    expect(own(p, 'gather').map((c) => c.name)).toEqual(['calexp', 'out']);
  });
});

describe('connections.NAME renames', () => {
  it('rename shipped connections (flat and nested forms): the graph follows', () => {
    const p = load('rename.yaml', `
imports: [${DRP}]
tasks:
  calibrate:
    config:
      connections.outputExposure: calexp_v2
  makeWarp:
    config:
      connections:
        calExpList: calexp_v2
`);
    expect(own(p, 'calibrate').find((c) => c.name === 'outputExposure')!.datasetType).toBe('calexp_v2');
    expect(own(p, 'makeWarp').find((c) => c.name === 'calExpList')!.datasetType).toBe('calexp_v2');
    expect(p.tasks.get('calibrate')!.config['connections.outputExposure']).toBe('calexp_v2');
    // the task definition applies the rename too (as the engine calls it with the graph's config)
    const t = p.tasks.get('makeWarp')!;
    expect(t.definition.connections(t.config).find((c) => c.name === 'calExpList')!.datasetType).toBe('calexp_v2');
    const g = buildPipelineGraph(p);
    expect(g.datasetTypes.has('calexp')).toBe(false);
    expect(g.datasetTypes.get('calexp_v2')).toMatchObject({ producer: 'calibrate', consumers: ['makeWarp'] });
  });

  it('rename an inline connection, through a parameter', () => {
    const p = load('rename-inline.yaml', `
parameters:
  summaryType: visitSummary_v3
tasks:
  s:
    class: S
    dimensions: [instrument, visit]
    outputs:
      summary: {datasetType: visitSummary, dimensions: [instrument, visit], storageClass: ExposureCatalog}
    config:
      connections.summary: parameters.summaryType
`);
    expect(own(p, 's')[0]!.datasetType).toBe('visitSummary_v3');
  });

  it('renaming a connection the task does not have, or to something that is not a name', () => {
    expectError('rename-bad.yaml', `
imports: [${DRP}]
tasks:
  calibrate:
    config:
      connections.outputExposur: calexp_v2
`, 'PIPELINE_CONFIG', 'connections.outputExposur', "'outputExposur'", 'outputExposure');
    expectError('rename-bad2.yaml', `
imports: [${DRP}]
tasks:
  calibrate:
    config:
      connections.outputExposure: "not a name"
`, 'PIPELINE_CONFIG', 'connections.outputExposure', 'dataset type name');
  });
});

describe('selections and subsets', () => {
  const text = `
tasks:
  a: {class: A, dimensions: [instrument], outputs: {o: {datasetType: ao, dimensions: [instrument], storageClass: S}}}
  b: {class: B, dimensions: [instrument], inputs: {i: {datasetType: ao, dimensions: [instrument], storageClass: S}}, outputs: {o: {datasetType: bo, dimensions: [instrument], storageClass: S}}}
  c: {class: C, dimensions: [instrument], inputs: {i: {datasetType: bo, dimensions: [instrument], storageClass: S}}}
subsets:
  first: [a]
  rest:
    subset: [b, c]
    description: the rest
`;
  it('#label, #subset and #label,subset', () => {
    const path = file('select.yaml', text);
    const labels = (spec: string) => [...loadPipeline(spec, TASK_LIBRARY).tasks.keys()].sort();
    expect(labels(`${path}#a`)).toEqual(['a']);
    expect(labels(`${path}#rest`)).toEqual(['b', 'c']);
    expect(labels(`${path}#a,rest`)).toEqual(['a', 'b', 'c']);
    expect(labels(`${path}#first,c`)).toEqual(['a', 'c']);
    const p = loadPipeline(`${path}#rest`, TASK_LIBRARY);
    expect(p.subsets.get('rest')).toEqual({ labels: ['b', 'c'], description: 'the rest' });
    expect(buildPipelineGraph(p).overallInputs).toEqual(['ao']);
    const e = thrownAs(PipelineError, () => loadPipeline(`${path}#a,nothing`, TASK_LIBRARY));
    expect(e.code).toBe('PIPELINE_SELECTION');
    expect(e.message).toContain("'#nothing'");
  });

  it('a subset named like a task, and an unknown key in a subset', () => {
    expectError('subset-label.yaml', `
tasks:
  a: {class: A, dimensions: [instrument]}
subsets:
  a: [a]
`, 'PIPELINE_YAML', '  a: [a]', "subset 'a'");
    expectError('subset-key.yaml', `
tasks:
  a: {class: A, dimensions: [instrument]}
subsets:
  s:
    subset: [a]
    labels: [a]
`, 'PIPELINE_YAML', 'labels:', "'labels'");
  });
});

describe('parameters and instrument', () => {
  it('parameters.NAME is substituted with the value (type kept); an importing file overrides an imported parameter', () => {
    file('param-base.yaml', `
parameters:
  threshold: 5
  kernelName: lanczos3
tasks:
  calibrate:
    class: CalibrateTask
    config:
      detectionThreshold: parameters.threshold
  makeWarp:
    class: MakeWarpTask
    config:
      kernel: parameters.kernelName
`);
    const base = loadPipeline(join(dir.path, 'param-base.yaml'), TASK_LIBRARY);
    expect(base.tasks.get('calibrate')!.config['detectionThreshold']).toBe(5);
    expect(base.parameters.get('kernelName')).toBe('lanczos3');
    const top = load('param-top.yaml', `
imports: [param-base.yaml]
parameters:
  threshold: 7.5
`);
    expect(top.tasks.get('calibrate')!.config['detectionThreshold']).toBe(7.5);
    expect(top.tasks.get('makeWarp')!.config['kernel']).toBe('lanczos3');
    expect([...top.parameters]).toEqual([['threshold', 7.5], ['kernelName', 'lanczos3']]);
  });

  it('an unknown parameter names the config key, its line and the parameter', () => {
    expectError('param-missing.yaml', `
parameters:
  threshold: 5
tasks:
  calibrate:
    class: CalibrateTask
    config:
      detectionThreshold: parameters.threshhold
`, 'PIPELINE_PARAMETER', 'detectionThreshold', "'threshhold'", "'detectionThreshold'", 'threshold');
  });

  it('instrument: kept; a Python class path is refused; imports may not disagree unless the importer decides', () => {
    expect(load('instr.yaml', `
instrument: SimCam
tasks:
  isr: IsrTask
`).instrument).toBe('SimCam');
    expectError('instr-py.yaml', `
tasks:
  isr: IsrTask
instrument: lsst.obs.subaru.HyperSuprimeCam
`, 'PIPELINE_INSTRUMENT', 'instrument:', 'lsst.obs.subaru.HyperSuprimeCam');
    file('instr-a.yaml', 'instrument: CamA\ntasks:\n  isr: IsrTask\n');
    file('instr-b.yaml', 'instrument: CamB\ntasks:\n  calibrate: CalibrateTask\n');
    expectError('instr-both.yaml', `
imports:
  - instr-a.yaml
  - instr-b.yaml
`, 'PIPELINE_INSTRUMENT', 'instr-b.yaml', 'CamA', 'CamB');
    expect(load('instr-decided.yaml', 'imports: [instr-a.yaml, instr-b.yaml]\ninstrument: CamB\n').instrument).toBe('CamB');
  });
});

describe('imports with include and exclude', () => {
  it('exclude and include take labels and subset names; subsets of removed labels are dropped (or edited)', () => {
    const ex = load('imp-exclude.yaml', `
imports:
  - location: ${DRP}
    exclude: [coadd]
`);
    expect([...ex.tasks.keys()]).toEqual(['isr', 'calibrate']);
    expect([...ex.subsets.keys()]).toEqual(['processCcd']);
    const inc = load('imp-include.yaml', `
imports:
  - location: ${DRP}
    include: [isr, makeWarp]
    labeledSubsetModifyMode: EDIT
`);
    expect([...inc.tasks.keys()]).toEqual(['isr', 'makeWarp']);
    expect(inc.subsets.get('processCcd')!.labels).toEqual(['isr']);
    expect(inc.subsets.get('coadd')!.labels).toEqual(['makeWarp']);
  });

  it('include with exclude, an unknown label, an unknown import key', () => {
    expectError('imp-both.yaml', `
imports:
  - location: ${DRP}
    include: [isr]
    exclude: [calibrate]
`, 'PIPELINE_IMPORT', 'location:', "'include' or 'exclude'");
    expectError('imp-unknown.yaml', `
imports:
  - location: ${DRP}
    exclude: [isr, calibrat]
`, 'PIPELINE_IMPORT', 'exclude:', "'calibrat'");
    expectError('imp-key.yaml', `
imports:
  - location: ${DRP}
    exclude_labels: [isr]
`, 'PIPELINE_YAML', 'exclude_labels', "'exclude_labels'");
  });
});

describe('refused keys name themselves', () => {
  it('contracts (or an import with importContracts: false), steps', () => {
    const text = `
tasks:
  isr: IsrTask
contracts:
  - isr.doDark == True
`;
    expectError('contracts.yaml', text, 'PIPELINE_UNSUPPORTED', 'contracts:', "'contracts'");
    expect([...load('no-contracts.yaml', 'imports:\n  - location: contracts.yaml\n    importContracts: false\n').tasks.keys()]).toEqual(['isr']);
    expectError('steps.yaml', `
tasks:
  isr: IsrTask
steps:
  - label: processCcd
    dimensions: [instrument, detector]
`, 'PIPELINE_UNSUPPORTED', 'steps:', "'steps'");
  });

  it('Python config overrides and config files, instrument-specific blocks, lookup functions', () => {
    expectError('py-config.yaml', `
tasks:
  isr:
    class: IsrTask
    config:
      python: "config.doDark = False"
`, 'PIPELINE_UNSUPPORTED', 'python:', "'python'");
    expectError('py-config-list.yaml', `
tasks:
  isr:
    class: IsrTask
    config:
      - doDark: false
      - file: overrides.py
`, 'PIPELINE_UNSUPPORTED', 'file:', "'file'");
    expectError('data-id.yaml', `
tasks:
  isr:
    class: IsrTask
    config:
      - dataId: {instrument: HSC}
        doDark: false
`, 'PIPELINE_UNSUPPORTED', 'dataId:', "'dataId'");
    expectError('lookup.yaml', `
tasks:
  t:
    class: T
    dimensions: [instrument]
    prerequisiteInputs:
      cat: {datasetType: cat, dimensions: [htm7], storageClass: S, lookupFunction: mymodule.lookup}
`, 'PIPELINE_UNSUPPORTED', 'cat:', "'lookupFunction'");
  });

  it('a config as a list of blocks, applied in order', () => {
    const p = load('config-list.yaml', `
tasks:
  isr:
    class: IsrTask
    config:
      - {doDark: false, saturation: 1000}
      - {saturation: 2000}
`);
    expect(p.tasks.get('isr')!.config).toMatchObject({ doDark: false, saturation: 2000 });
  });
});

describe('declaration errors: code, line, key', () => {
  const header = 'tasks:\n  t:\n    class: T\n    dimensions: [instrument]\n';
  it('a class that is neither shipped nor declared', () => {
    expectError('no-dims.yaml', `
tasks:
  t:
    class: Tee
    inputs:
      a: {datasetType: a, dimensions: [instrument], storageClass: S}
`, 'PIPELINE_CLASS', 't:', "'Tee'", "'dimensions'");
  });

  it('a connection missing a required key, with an unknown key, with a key of another kind', () => {
    expectError('no-sc.yaml', `${header}    inputs:\n      a: {datasetType: a, dimensions: [instrument]}\n`, 'PIPELINE_CONNECTION', 'a: {', "'storageClass'", 'inputs.a');
    expectError('no-type.yaml', `${header}    outputs:\n      o:\n        dimensions: [instrument]\n        storageClass: S\n`, 'PIPELINE_CONNECTION', 'o:', "'datasetType'");
    expectError('no-dims-conn.yaml', `${header}    prerequisiteInputs:\n      p: {datasetType: p, storageClass: S}\n`, 'PIPELINE_CONNECTION', 'p: {', "'dimensions'");
    expectError('typo.yaml', `${header}    inputs:\n      a:\n        datasetType: a\n        dimensions: [instrument]\n        storageClass: S\n        mutliple: true\n`, 'PIPELINE_CONNECTION', 'mutliple', "'mutliple'");
    expectError('defer-output.yaml', `${header}    outputs:\n      o:\n        datasetType: o\n        dimensions: [instrument]\n        storageClass: S\n        deferGraphConstraint: true\n`, 'PIPELINE_CONNECTION', 'deferGraphConstraint', 'does not apply to outputs');
  });

  it('bad values: minimum, booleans, init dimensions, dimension lists, dataset type names', () => {
    expectError('min2.yaml', `${header}    inputs:\n      a:\n        datasetType: a\n        dimensions: [instrument]\n        storageClass: S\n        minimum: 2\n`, 'PIPELINE_CONNECTION', 'minimum', "'multiple: true'");
    expectError('min-neg.yaml', `${header}    inputs:\n      a:\n        datasetType: a\n        dimensions: [instrument]\n        storageClass: S\n        minimum: -1\n`, 'PIPELINE_CONNECTION', 'minimum', "'minimum'");
    expectError('bool.yaml', `${header}    inputs:\n      a:\n        datasetType: a\n        dimensions: [instrument]\n        storageClass: S\n        multiple: yes please\n`, 'PIPELINE_CONNECTION', 'multiple', "'multiple'");
    expectError('init-dims.yaml', `${header}    initOutputs:\n      s:\n        datasetType: s\n        storageClass: S\n        dimensions: [instrument]\n`, 'PIPELINE_CONNECTION', '        dimensions: [instrument]', 'init connections');
    expectError('dims-str.yaml', `${header}    inputs:\n      a:\n        datasetType: a\n        dimensions: instrument\n        storageClass: S\n`, 'PIPELINE_CONNECTION', 'dimensions: instrument', "'dimensions'");
    expectError('task-dims.yaml', 'tasks:\n  t:\n    class: T\n    dimensions: visit\n', 'PIPELINE_YAML', 'dimensions: visit', "'dimensions'");
    expectError('type-name.yaml', `${header}    inputs:\n      a: {datasetType: "bad name", dimensions: [instrument], storageClass: S}\n`, 'PIPELINE_CONNECTION', 'a: {', "'datasetType'");
  });

  it('a connection name twice, a reserved name, a bad connection name, a group that is not a mapping', () => {
    expectError('twice.yaml', `${header}    inputs:\n      a: {datasetType: a, dimensions: [instrument], storageClass: S}\n    outputs:\n      a: {datasetType: b, dimensions: [instrument], storageClass: S}\n`, 'PIPELINE_CONNECTION', '      a: {datasetType: b', 'inputs and outputs');
    expectError('reserved.yaml', `${header}    outputs:\n      log: {datasetType: myLog, dimensions: [instrument], storageClass: S}\n`, 'PIPELINE_CONNECTION', 'log: {', "'log'", 'reserved');
    expectError('conn-name.yaml', `${header}    inputs:\n      "a-b": {datasetType: a, dimensions: [instrument], storageClass: S}\n`, 'PIPELINE_CONNECTION', 'a-b', "'a-b'");
    expectError('group-list.yaml', `${header}    inputs: [a, b]\n`, 'PIPELINE_YAML', 'inputs:', "'inputs'");
  });

  it('run: neither module nor command, both, or empty', () => {
    expectError('run-bad.yaml', `${header}    run: ./x.ts\n`, 'PIPELINE_YAML', 'run:', "'run'");
    expectError('run-both.yaml', `${header}    run: {module: ./x.ts, command: "x"}\n`, 'PIPELINE_YAML', 'run:', "'run'");
    expectError('run-empty.yaml', `${header}    run: {command: ""}\n`, 'PIPELINE_YAML', 'run:', 'run.command');
  });

  it('a task key qg does not know lists the allowed ones', () => {
    expectError('task-key.yaml', `${header}    connections:\n      a: b\n`, 'PIPELINE_YAML', 'connections:', "'connections'", 'prerequisiteInputs');
  });
});

describe('declarations in modules (defineTask)', () => {
  it('checks what YAML checks, and enabledBy makes a connection depend on config', () => {
    const t = defineTask({
      name: 'M', dimensions: ['instrument'], config: { useExtra: { type: 'boolean', default: false, doc: 'Read the extra input' } },
      inputs: { a: { datasetType: 'a', dimensions: ['instrument'], storageClass: 'S' }, extra: { datasetType: 'x', dimensions: ['instrument'], storageClass: 'S', enabledBy: 'useExtra' } },
    });
    expect(t.connections({ useExtra: false }).map((c) => c.name)).toEqual(['a']);
    expect(t.connections({ useExtra: true }).map((c) => c.name)).toEqual(['a', 'extra']);
    expect(t.connections({ useExtra: true, 'connections.extra': 'y' }).map((c) => c.datasetType)).toEqual(['a', 'y']);
    const e = thrownAs(PipelineError, () => defineTask({ name: 'Bad', dimensions: [], inputs: { a: { datasetType: 'a', dimensions: [], storageClass: 'S', minimum: 3 } } }));
    expect(e.code).toBe('PIPELINE_CONNECTION');
    expect(e.message).toContain("'Bad'");
    expect(e.message).toContain('inputs.a');
  });
});
