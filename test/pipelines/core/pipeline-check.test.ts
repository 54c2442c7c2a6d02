/**
 * checkPipeline against literal repository views: a fitting pipeline has no problems; each
 * kind of misfit (unknown dimension, dimensions or storage class differing from the
 * registered type, an unregistered overall input or prerequisite, an unknown instrument) is
 * reported once with its code and the YAML line of the connection.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPipelineGraph, checkPipeline, loadPipeline, TASK_LIBRARY, type RepositoryView } from '../../../pipelines/index.js';
import { tempDir } from '../../support/test-repos.js';

const dir = tempDir('qg-check-');
afterAll(() => dir.cleanup());

/** A view whose dimensions need no normalizing (every dimension listed is required). */
function view(types: Record<string, [string[], string]>, instruments?: string[]): RepositoryView {
  return {
    dimensions: new Set(['instrument', 'exposure', 'visit', 'detector', 'physical_filter', 'band', 'skymap', 'tract', 'patch', 'htm7']),
    normalize: (d) => d,
    datasetTypes: new Map(Object.entries(types).map(([name, [dimensions, storageClass]]) => [name, { dimensions, storageClass }])),
    ...(instruments ? { instruments } : {}),
  };
}

const DRP_TYPES: Record<string, [string[], string]> = {
  raw: [['instrument', 'exposure', 'detector'], 'ExposureF'],
  bias: [['instrument', 'detector'], 'ExposureF'],
  flat: [['instrument', 'detector', 'physical_filter'], 'ExposureF'],
  skyMap: [['skymap'], 'SkyMap'],
};

describe('checkPipeline', () => {
  it('drp.yaml fits a repository with its inputs (raw registered as ExposureF, read as Exposure: convertible)', () => {
    expect(checkPipeline(buildPipelineGraph(loadPipeline('drp.yaml', TASK_LIBRARY)), view(DRP_TYPES, ['SimCam']))).toEqual([]);
  });

  it('each misfit once, with its code and the line of its connection', () => {
    const text = [
      'instrument: LATISS',
      'tasks:',
      '  t:',
      '    class: T',
      '    dimensions: [instrument, visit, detector]',
      '    inputs:',
      '      img: {datasetType: raw, dimensions: [instrument, exposure, detector], storageClass: DataFrame}',
      '      other: {datasetType: skyMap, dimensions: [skymap, tract], storageClass: SkyMap}',
      '      odd: {datasetType: odd, dimensions: [instrument, fieldOfView], storageClass: S}',
      '      missing: {datasetType: notThere, dimensions: [instrument], storageClass: S}',
      '    prerequisiteInputs:',
      '      cal: {datasetType: noCal, dimensions: [instrument, detector], storageClass: S, isCalibration: true}',
      '    outputs:',
      '      out: {datasetType: out, dimensions: [instrument, visit, detector], storageClass: S}',
      '  u:',
      '    class: U',
      '    dimensions: [instrument, visit]',
      '    inputs:',
      '      missing: {datasetType: notThere, dimensions: [instrument], storageClass: S}',
      '',
    ].join('\n');
    const path = join(dir.path, 'misfit.yaml');
    writeFileSync(path, text);
    const problems = checkPipeline(buildPipelineGraph(loadPipeline(path, TASK_LIBRARY)), view(DRP_TYPES, ['SimCam']));
    const line = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(problems.map((p) => [p.code, p.where.replace(/ \(.*$/, '')])).toEqual([
      ['PIPELINE_UNKNOWN_INSTRUMENT', `${path}:1`],
      ['PIPELINE_REGISTRY_STORAGE_CLASS', `${path}:${line('img:')}`],
      ['PIPELINE_REGISTRY_DIMENSIONS', `${path}:${line('other:')}`],
      ['PIPELINE_UNKNOWN_DIMENSION', `${path}:${line('odd:')}`],
      ['PIPELINE_INPUT_UNREGISTERED', `${path}:${line('missing:')}`],
      ['PIPELINE_INPUT_UNREGISTERED', `${path}:${line('cal:')}`],
    ]);
    expect(problems[0]!.message).toContain("'LATISS'");
    expect(problems[1]!.message).toContain('DataFrame');
    expect(problems[1]!.message).toContain('ExposureF');
    expect(problems[2]!.message).toContain('{skymap, tract}');
    expect(problems[2]!.message).toContain('{skymap}');
    expect(problems[3]!.message).toContain('fieldOfView');
    expect(problems[4]!.message).toContain("'notThere'");
    expect(problems[5]!.message).toContain('prerequisite');
  });
});
