/**
 * Views of an expanded pipeline: the YAML view loads back to the same tasks (class,
 * dimensions, config, connections, run) for shipped, renamed, inline and init-connected
 * pipelines; DOT and Mermaid draw exactly the non-standard edges, prerequisites dashed and
 * init edges dotted; the summary lists drp.yaml's connections and dataset types.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildPipelineGraph, drawPipeline, loadPipeline, pipelineSummary, pipelineYaml, TASK_LIBRARY, type Pipeline,
} from '../../../pipelines/index.js';
import { tempDir } from '../../support/test-repos.js';

const dir = tempDir('qg-views-');
afterAll(() => dir.cleanup());

let files = 0;
/** Writes `text` to a fresh file; returns its path. */
function file(text: string, name = `p${files++}.yaml`): string {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
}

/** What a pipeline's tasks amount to, for comparing two loads. */
function essence(p: Pipeline): unknown {
  return [...p.tasks.values()].map((t) => ({
    label: t.label, className: t.definition.name, dimensions: t.definition.dimensions, config: t.config,
    connections: t.connections.map((c) => ({ ...c })), runner: t.definition.runner,
  }));
}

const INLINE = `
parameters:
  kind: deep
tasks:
  writer:
    class: Writer
    dimensions: [instrument, visit]
    config: {flavour: parameters.kind}
    inputs:
      calexp: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF, multiple: true, minimum: 0, deferLoad: true}
      extra: {datasetType: extra, dimensions: [instrument, visit], storageClass: S, deferGraphConstraint: true}
    prerequisiteInputs:
      cal: {datasetType: cal, dimensions: [instrument], storageClass: S, isCalibration: true}
    outputs:
      summary: {datasetType: summary, dimensions: [instrument, visit], storageClass: StructuredDataDict}
    initOutputs:
      schema: {datasetType: schema, storageClass: Schema}
    run: {command: "summarize {inputs.calexp} -o {outputs.summary}"}
  reader:
    class: Reader
    dimensions: [instrument, visit]
    inputs:
      summary: {datasetType: summary, dimensions: [instrument, visit], storageClass: StructuredDataDict}
    initInputs:
      schema: {datasetType: schema, storageClass: Schema}
    run: {module: ./reader.ts}
subsets:
  both: [writer, reader]
`;

describe('pipeline YAML view', () => {
  it.each([
    ['drp.yaml', () => 'drp.yaml'],
    ['drp-refcat.yaml#processCcd', () => 'drp-refcat.yaml#processCcd'],
    ['examples/visit-summary.yaml', () => 'examples/visit-summary.yaml'],
    ['renames', () => file(`imports: [${join(process.cwd(), 'pipelines/drp.yaml')}]\ntasks:\n  calibrate:\n    config: {connections.outputExposure: calexp_v2}\n  makeWarp:\n    config: {connections.calExpList: calexp_v2}\n`)],
    ['inline tasks with init connections, runners and parameters', () => file(INLINE)],
  ])('%s loads back to the same tasks and connections', (_, spec) => {
    const original = loadPipeline(spec(), TASK_LIBRARY);
    const text = pipelineYaml(buildPipelineGraph(original));
    const again = loadPipeline(file(text), TASK_LIBRARY);
    expect(essence(again)).toEqual(essence(original));
    expect(again.description).toBe(original.description);
    expect([...again.parameters]).toEqual([...original.parameters]);
    expect(buildPipelineGraph(again).tasks.map((t) => t.label)).toEqual(buildPipelineGraph(original).tasks.map((t) => t.label));
  });

  it('drp.yaml: one line per connection, inline lists, config merged with defaults, subsets kept', () => {
    const text = pipelineYaml(buildPipelineGraph(loadPipeline('drp.yaml', TASK_LIBRARY)));
    expect(text).toContain('  isr:\n    class: IsrTask\n    dimensions: [instrument, exposure, detector]\n    config:\n      doOverscan: true\n');
    expect(text).toContain('      minFlat: 0.05\n');
    expect(text).toContain('      ccdExposure: {datasetType: raw, dimensions: [instrument, exposure, detector], storageClass: ExposureF}\n');
    expect(text).toContain('      bias: {datasetType: bias, dimensions: [instrument, detector], storageClass: ExposureF, isCalibration: true}\n');
    expect(text).toContain('      calExpList: {datasetType: calexp, dimensions: [instrument, visit, detector], storageClass: ExposureF, multiple: true}\n');
    expect(text).toContain('subsets:\n  processCcd:\n    subset: [isr, calibrate]\n    description: Single-frame processing\n');
    expect(text).not.toContain('_metadata');
  });
});

describe('drawings', () => {
  const g = () => buildPipelineGraph(loadPipeline(file(INLINE), TASK_LIBRARY));

  it('DOT: every non-standard edge once, prerequisites dashed, init edges dotted', () => {
    const dot = drawPipeline(g(), 'dot');
    const edges = dot.split('\n').filter((l) => l.includes(' -> ')).map((l) => l.trim()).sort();
    expect(edges).toEqual([
      '"dataset:cal" -> "task:writer" [style=dashed];',
      '"dataset:calexp" -> "task:writer";',
      '"dataset:extra" -> "task:writer";',
      '"dataset:schema" -> "task:reader" [style=dotted];',
      '"dataset:summary" -> "task:reader";',
      '"task:writer" -> "dataset:schema" [style=dotted];',
      '"task:writer" -> "dataset:summary";',
    ]);
    expect(dot).toMatch(/^digraph pipeline \{/);
    expect(dot).toContain('"task:writer" [shape=box, style="rounded,filled", fillcolor="#dce8f5", label="writer\\nWriter\\n{instrument, visit}"];');
  });

  it('Mermaid: the same edges with mermaid arrows', () => {
    const mermaid = drawPipeline(g(), 'mermaid');
    const edges = mermaid.split('\n').filter((l) => /-->|\.->/.test(l)).map((l) => l.trim()).sort();
    expect(edges).toEqual([
      'd_cal -. prerequisite .-> t_writer',
      'd_calexp --> t_writer',
      'd_extra --> t_writer',
      'd_schema -. init .-> t_reader',
      'd_summary --> t_reader',
      't_writer --> d_summary',
      't_writer -. init .-> d_schema',
    ]);
    expect(mermaid).toMatch(/^flowchart TD\n/);
    expect(mermaid).toContain('  d_summary(["summary<br/>{instrument, visit}<br/>StructuredDataDict"])');
  });
});

describe('summary', () => {
  it("drp.yaml: tasks in order with their connections, dataset types with roles, producers and consumers", () => {
    const s = pipelineSummary(buildPipelineGraph(loadPipeline('drp.yaml', TASK_LIBRARY)));
    expect(s.tasks.map((t) => [t.label, t.className, t.source, t.runs])).toEqual([
      ['isr', 'IsrTask', 'drp.yaml:6 (tasks.isr)', 'run() from the task library'],
      ['calibrate', 'CalibrateTask', 'drp.yaml:8 (tasks.calibrate)', 'run() from the task library'],
      ['makeWarp', 'MakeWarpTask', 'drp.yaml:10 (tasks.makeWarp)', 'run() from the task library'],
      ['assembleCoadd', 'AssembleCoaddTask', 'drp.yaml:12 (tasks.assembleCoadd)', 'run() from the task library'],
    ]);
    expect(s.tasks[0]!.connections).toEqual([
      ['input', 'ccdExposure', 'raw', '{instrument, exposure, detector}', 'ExposureF', ''],
      ['prerequisite', 'bias', 'bias', '{instrument, detector}', 'ExposureF', 'calibration'],
      ['prerequisite', 'flat', 'flat', '{instrument, detector, physical_filter}', 'ExposureF', 'calibration'],
      ['output', 'outputExposure', 'postISRCCD', '{instrument, exposure, detector}', 'ExposureF', ''],
    ]);
    expect(s.datasetTypes).toEqual([
      ['bias', '{instrument, detector}', 'ExposureF', 'prerequisite (calibration)', '-', 'isr'],
      ['calexp', '{instrument, visit, detector}', 'ExposureF', 'intermediate', 'calibrate', 'makeWarp'],
      ['deepCoadd', '{skymap, tract, patch, band}', 'ExposureF', 'output', 'assembleCoadd', '-'],
      ['deepCoadd_directWarp', '{skymap, tract, patch, instrument, visit}', 'ExposureF', 'intermediate', 'makeWarp', 'assembleCoadd'],
      ['flat', '{instrument, detector, physical_filter}', 'ExposureF', 'prerequisite (calibration)', '-', 'isr'],
      ['postISRCCD', '{instrument, exposure, detector}', 'ExposureF', 'intermediate', 'isr', 'calibrate'],
      ['raw', '{instrument, exposure, detector}', 'ExposureF', 'overall input', '-', 'isr'],
      ['skyMap', '{skymap}', 'SkyMap', 'overall input', '-', 'makeWarp, assembleCoadd'],
    ]);
    expect(s.standardTypes).toBe(12);
    expect(s.overallInputs).toEqual(['raw', 'skyMap']);
    expect(s.prerequisites).toEqual(['bias', 'flat']);
  });
});
