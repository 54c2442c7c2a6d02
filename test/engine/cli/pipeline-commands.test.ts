/**
 * `qg pipeline show` and `qg pipeline check` through `main(argv)`, and the storage-class
 * check of `qg build`, on the simulator's tiny profile (SQLite, registry only): the summary
 * of drp.yaml line by line, the YAML/DOT/Mermaid formats, a fitting pipeline and one with
 * every kind of misfit (exit 2, each problem at its YAML line), a build refused for a storage
 * class the repository registers differently, and a visit-level gather declared inline
 * (examples/visit-summary.yaml) that gathers only the detectors the where keeps.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuantumGraph } from '../../../planner/index.js';
import { Repository } from '../../../registry/index.js';
import { simulateRepository } from '../../../pipelines/simulate/index.js';
import { tempDir } from '../../support/test-repos.js';
import { cliRunner } from '../../support/cli-runner.js';

const WHERE = "instrument='SimCam' AND skymap='simSkyMap'";

describe('qg pipeline', () => {
  const dir = tempDir('qg-cli-pipeline-');
  const root = join(dir.path, 'repo');
  let defaults = '';
  const run = cliRunner({ captureWrites: true });
  beforeAll(async () => {
    const repo = await Repository.create(root, {});
    try {
      defaults = (await simulateRepository(repo, { profile: 'tiny', pixels: false })).collections.defaults;
    } finally {
      await repo.close();
    }
  }, 120_000);
  afterAll(() => dir.cleanup());

  /** Writes a pipeline file; returns its path. */
  const pipeline = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };

  it('show drp.yaml: the summary, line by line', async () => {
    const { status, stdout } = await run('pipeline', 'show', 'drp.yaml');
    expect(status).toBe(0);
    expect(stdout).toBe(`pipeline drp.yaml: Optical DRP - instrument signature removal, calibration, warping and coaddition
4 tasks, 8 dataset types (+12 per-task config, metadata and log); overall inputs: raw, skyMap; prerequisites: bias, flat
subsets: processCcd [isr, calibrate]; coadd [makeWarp, assembleCoadd]

isr (IsrTask) {instrument, exposure, detector} at drp.yaml:6 (tasks.isr); runs: run() from the task library
  kind          connection      dataset type  dimensions                               storage class  flags
  ------------  --------------  ------------  ---------------------------------------  -------------  -----------
  input         ccdExposure     raw           {instrument, exposure, detector}         ExposureF
  prerequisite  bias            bias          {instrument, detector}                   ExposureF      calibration
  prerequisite  flat            flat          {instrument, detector, physical_filter}  ExposureF      calibration
  output        outputExposure  postISRCCD    {instrument, exposure, detector}         ExposureF

calibrate (CalibrateTask) {instrument, visit, detector} at drp.yaml:8 (tasks.calibrate); runs: run() from the task library
  kind    connection      dataset type  dimensions                        storage class  flags
  ------  --------------  ------------  --------------------------------  -------------  -----
  input   exposure        postISRCCD    {instrument, exposure, detector}  ExposureF
  output  outputExposure  calexp        {instrument, visit, detector}     ExposureF

makeWarp (MakeWarpTask) {skymap, tract, patch, instrument, visit} at drp.yaml:10 (tasks.makeWarp); runs: run() from the task library
  kind    connection  dataset type          dimensions                                 storage class  flags
  ------  ----------  --------------------  -----------------------------------------  -------------  --------
  input   calExpList  calexp                {instrument, visit, detector}              ExposureF      multiple
  input   skyMap      skyMap                {skymap}                                   SkyMap
  output  direct      deepCoadd_directWarp  {skymap, tract, patch, instrument, visit}  ExposureF

assembleCoadd (AssembleCoaddTask) {skymap, tract, patch, band} at drp.yaml:12 (tasks.assembleCoadd); runs: run() from the task library
  kind    connection     dataset type          dimensions                                 storage class  flags
  ------  -------------  --------------------  -----------------------------------------  -------------  --------
  input   inputWarps     deepCoadd_directWarp  {skymap, tract, patch, instrument, visit}  ExposureF      multiple
  input   skyMap         skyMap                {skymap}                                   SkyMap
  output  coaddExposure  deepCoadd             {skymap, tract, patch, band}               ExposureF

dataset type          dimensions                                 storage class  role                        producer       consumers
--------------------  -----------------------------------------  -------------  --------------------------  -------------  -----------------------
bias                  {instrument, detector}                     ExposureF      prerequisite (calibration)  -              isr
calexp                {instrument, visit, detector}              ExposureF      intermediate                calibrate      makeWarp
deepCoadd             {skymap, tract, patch, band}               ExposureF      output                      assembleCoadd  -
deepCoadd_directWarp  {skymap, tract, patch, instrument, visit}  ExposureF      intermediate                makeWarp       assembleCoadd
flat                  {instrument, detector, physical_filter}    ExposureF      prerequisite (calibration)  -              isr
postISRCCD            {instrument, exposure, detector}           ExposureF      intermediate                isr            calibrate
raw                   {instrument, exposure, detector}           ExposureF      overall input               -              isr
skyMap                {skymap}                                   SkyMap         overall input               -              makeWarp, assembleCoadd`);
  });

  it('show --format yaml|dot|mermaid, and a selection', async () => {
    const yaml = await run('pipeline', 'show', 'drp.yaml#processCcd', '--format', 'yaml');
    expect(yaml.status).toBe(0);
    expect(yaml.stdout).toMatch(/^# expanded from drp.yaml#processCcd\n/);
    expect(yaml.stdout).toContain('  calibrate:\n    class: CalibrateTask\n');
    expect(yaml.stdout).not.toContain('makeWarp');
    const dot = await run('pipeline', 'show', 'drp-refcat.yaml', '--format', 'dot');
    expect(dot.stdout).toContain('"dataset:ref_cat" -> "task:calibrate" [style=dashed];');
    const mermaid = await run('pipeline', 'show', 'drp.yaml', '--format', 'mermaid');
    expect(mermaid.stdout).toContain('d_calexp --> t_makeWarp');
  });

  it('show: an error points at the YAML line and exits 2; --help has examples', async () => {
    const path = pipeline('bad-show.yaml', 'tasks:\n  t:\n    class: T\n    dimensions: [instrument]\n    inputs:\n      a: {datasetType: a, dimensions: [instrument]}\n');
    const bad = await run('pipeline', 'show', path);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${path}:6`);
    expect(bad.stderr).toContain("'storageClass'");
    const help = await run('pipeline', 'show', '--help');
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('--format');
    expect((await run('pipeline', 'check', '--help')).stdout).toContain('Examples:');
  });

  it('check: drp.yaml and the example gather fit the simulated repository', async () => {
    for (const spec of ['drp.yaml', 'drp-refcat.yaml', 'examples/visit-summary.yaml']) {
      const { status, stdout } = await run('pipeline', 'check', spec, '-b', root);
      expect(status, stdout).toBe(0);
      expect(stdout).toContain(`pipeline ${spec} fits repository ${root}`);
    }
  });

  it('check: every misfit at its line, exit 2', async () => {
    const text = [
      'instrument: LATISS',
      'tasks:',
      '  t:',
      '    class: T',
      '    dimensions: [instrument, visit]',
      '    inputs:',
      '      raws: {datasetType: raw, dimensions: [instrument, exposure, detector], storageClass: DataFrame, multiple: true}',
      '      sky: {datasetType: skyMap, dimensions: [skymap, tract], storageClass: SkyMap}',
      '      odd: {datasetType: odd, dimensions: [instrument, beam], storageClass: S}',
      '      nope: {datasetType: notRegistered, dimensions: [instrument], storageClass: S}',
      '',
    ].join('\n');
    const path = pipeline('misfit.yaml', text);
    const { status, stdout, stderr } = await run('pipeline', 'check', path, '-b', root);
    expect(status).toBe(2);
    const lines = stdout.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(new RegExp(`^${path}:1 \\(instrument\\): instrument 'LATISS' is not registered \\(instruments: SimCam\\) \\[PIPELINE_UNKNOWN_INSTRUMENT\\]$`));
    expect(lines[1]).toContain(`${path}:7 (tasks.t.inputs.raws): t.raws (raw) has storage class DataFrame but the repository registers 'raw' with ExposureF`);
    expect(lines[2]).toContain(`${path}:8 (tasks.t.inputs.sky): t.sky (skyMap) has dimensions {skymap, tract} but the repository registers 'skyMap' with {skymap}`);
    expect(lines[3]).toContain(`${path}:9 (tasks.t.inputs.odd): t.odd (odd) has unknown dimension(s) beam`);
    expect(lines[4]).toContain(`${path}:10 (tasks.t.inputs.nope): t.nope (notRegistered) is an overall input of the pipeline but 'notRegistered' is not registered`);
    expect(stderr).toContain('5 problem(s)');
  });

  it('build: a connection whose storage class differs from the registered one is refused, naming both', async () => {
    const path = pipeline('bad-storage.yaml', [
      'tasks:',
      '  count:',
      '    class: CountRaws',
      '    dimensions: [instrument, exposure, detector]',
      '    inputs:',
      '      raw: {datasetType: raw, dimensions: [instrument, exposure, detector], storageClass: ArrowTable}',
      '    outputs:',
      '      n: {datasetType: rawCount, dimensions: [instrument, exposure, detector], storageClass: StructuredDataDict}',
      '',
    ].join('\n'));
    const { status, stderr } = await run('build', '-b', root, '-p', path, '-i', defaults, '-o', 'u/bad', '--where', WHERE);
    expect(status).toBe(2);
    expect(stderr).toContain("dataset type 'raw' has storage class ArrowTable in the pipeline (count.raw, ");
    expect(stderr).toContain(`${path}:6`);
    expect(stderr).toContain('but ExposureF in the repository');
  });

  it('an inline visit-level gather plans one quantum per visit over the detectors the where keeps', async () => {
    const repo = await Repository.open(root);
    try {
      const { graph } = await buildQuantumGraph(repo, {
        pipeline: 'examples/visit-summary.yaml#processVisit', inputs: [defaults], outputRun: 'u/gather/run', where: `${WHERE} AND detector IN (0, 1)`,
      });
      const gather = graph.tasks.find((t) => t.label === 'consolidateVisitSummary')!;
      const calibrate = graph.tasks.find((t) => t.label === 'calibrate')!;
      expect(calibrate.quantumCount).toBe(2 * gather.quantumCount);
      expect(gather.quantumCount).toBe(4);
      expect(gather.taskClass).toBe('ConsolidateVisitSummaryTask');
      // each gather quantum reads the calexps of detectors 0 and 1 of its visit, nothing else
      const { offsets, edges } = graph.edgesByQuantum();
      const calexp = graph.datasetTypes.findIndex((t) => t.name === 'calexp');
      for (let q = gather.quantumOffset; q < gather.quantumOffset + gather.quantumCount; q++) {
        const visit = graph.quantumDataId(q)['visit'];
        const read = [...edges.subarray(offsets[q]!, offsets[q + 1]!)].map((e) => graph.edgeDatasets[e]!).filter((d) => graph.typeOf(d) === calexp).map((d) => graph.datasetDataId(d));
        expect(read.map((id) => [id['visit'], id['detector']]).sort()).toEqual([[visit, 0], [visit, 1]]);
      }
    } finally {
      await repo.close();
    }
  });
});
