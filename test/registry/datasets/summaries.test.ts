/**
 * Collection summaries on each dialect: dataset types and governor values (instrument,
 * skymap) are recorded on every insert, associate and certify, and chains report the union
 * of their children. Expected summaries are kept by hand beside each operation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataId, Registry } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { isoTaiToNs, rejection } from '../registry-test-helpers.js';

interface Expected { types: string[]; instrument: (string | number)[]; skymap: (string | number)[] }

describe.each(DIALECTS)('%s: collection summaries', (dialect) => {
  let ctx: Awaited<ReturnType<typeof makeRepo>>;
  let reg: Registry;
  const summary = async (names: string[]): Promise<Expected> => {
    const s = await reg.summaries.get(names);
    expect([...s.governors.keys()].sort()).toEqual(['instrument', 'skymap']);
    return {
      types: [...s.datasetTypes].sort(),
      instrument: [...s.governors.get('instrument')!].sort(),
      skymap: [...s.governors.get('skymap')!].sort(),
    };
  };
  const raw = (instrument: string, exposure: number, detector: number): DataId => ({ instrument, exposure, detector });
  beforeAll(async () => {
    ctx = await makeRepo(dialect);
    reg = ctx.repo.registry;
    await reg.datasetTypes.register({ name: 'raw', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'Exposure' });
    await reg.datasetTypes.register({ name: 'bias', dimensions: ['instrument', 'detector'], storageClass: 'ExposureF', isCalibration: true });
    await reg.datasetTypes.register({ name: 'deepCoadd', dimensions: ['skymap', 'tract', 'patch', 'band'], storageClass: 'ExposureF' });
    await reg.datasetTypes.register({ name: 'bandThing', dimensions: ['band'], storageClass: 'StructuredDataDict' });
    await reg.datasetTypes.register({ name: 'warp', dimensions: ['skymap', 'tract', 'patch', 'instrument', 'visit'], storageClass: 'ExposureF' });
    for (const r of ['s/raw', 's/coadd', 's/calibruns', 's/empty']) await reg.collections.register(r, 'RUN');
    await reg.collections.register('s/tag', 'TAGGED');
    await reg.collections.register('s/calib', 'CALIBRATION');
  });
  afterAll(async () => ctx.dispose());

  it('a new collection summarizes nothing', async () => {
    expect(await summary(['s/empty'])).toEqual({ types: [], instrument: [], skymap: [] });
    expect(await summary(['s/tag'])).toEqual({ types: [], instrument: [], skymap: [] });
  });

  it('inserts add the type and every governor value, cumulatively', async () => {
    await reg.datasets.insert('raw', 's/raw', [raw('CamA', 1, 1), raw('CamA', 1, 2)], reg.knex);
    expect(await summary(['s/raw'])).toEqual({ types: ['raw'], instrument: ['CamA'], skymap: [] });
    await reg.datasets.insert('raw', 's/raw', [raw('CamB', 1, 1)], reg.knex);
    expect(await summary(['s/raw'])).toEqual({ types: ['raw'], instrument: ['CamA', 'CamB'], skymap: [] });
    await reg.datasets.insert('deepCoadd', 's/coadd', [{ skymap: 'sm1', tract: 0, patch: 1, band: 'g' }, { skymap: 'sm2', tract: 0, patch: 1, band: 'g' }], reg.knex);
    await reg.datasets.insert('bandThing', 's/coadd', [{ band: 'r' }], reg.knex);
    await reg.datasets.insert('warp', 's/coadd', [{ skymap: 'sm3', tract: 0, patch: 1, instrument: 'CamC', visit: 5 }], reg.knex);
    expect(await summary(['s/coadd'])).toEqual({ types: ['bandThing', 'deepCoadd', 'warp'], instrument: ['CamC'], skymap: ['sm1', 'sm2', 'sm3'] });
    // other collections are untouched
    expect(await summary(['s/raw'])).toEqual({ types: ['raw'], instrument: ['CamA', 'CamB'], skymap: [] });
  });

  it('associate summarizes what the tag holds (not everything in the runs)', async () => {
    const camB = (await reg.datasets.query('raw', ['s/raw'], reg.knex)).filter((r) => r.dataId['instrument'] === 'CamB');
    await reg.datasets.associate('s/tag', camB, reg.knex);
    expect(await summary(['s/tag'])).toEqual({ types: ['raw'], instrument: ['CamB'], skymap: [] });
  });

  it('certify summarizes the CALIBRATION collection', async () => {
    const refs = await reg.datasets.insert('bias', 's/calibruns', [{ instrument: 'CamD', detector: 1 }, { instrument: 'CamE', detector: 1 }], reg.knex);
    expect(await summary(['s/calib'])).toEqual({ types: [], instrument: [], skymap: [] });
    await reg.datasets.certify('s/calib', [refs[0]!], { begin: isoTaiToNs('2024-01-01 00:00:00'), end: isoTaiToNs('2024-02-01 00:00:00') }, reg.knex);
    expect(await summary(['s/calib'])).toEqual({ types: ['bias'], instrument: ['CamD'], skymap: [] });
  });

  it('chains (nested too) report the union of their children', async () => {
    await reg.collections.register('s/inner', 'CHAINED');
    await reg.collections.register('s/outer', 'CHAINED');
    await reg.collections.setChain('s/inner', ['s/tag', 's/calib']);
    await reg.collections.setChain('s/outer', ['s/inner', 's/coadd', 's/empty']);
    expect(await summary(['s/inner'])).toEqual({ types: ['bias', 'raw'], instrument: ['CamB', 'CamD'], skymap: [] });
    expect(await summary(['s/outer'])).toEqual({ types: ['bandThing', 'bias', 'deepCoadd', 'raw', 'warp'], instrument: ['CamB', 'CamC', 'CamD'], skymap: ['sm1', 'sm2', 'sm3'] });
    expect(await summary(['s/outer', 's/raw'])).toEqual({ types: ['bandThing', 'bias', 'deepCoadd', 'raw', 'warp'], instrument: ['CamA', 'CamB', 'CamC', 'CamD'], skymap: ['sm1', 'sm2', 'sm3'] });
    // a chain picks up later inserts into its children
    await reg.datasets.insert('raw', 's/coadd', [raw('CamF', 2, 2)], reg.knex);
    expect((await summary(['s/outer'])).instrument).toEqual(['CamB', 'CamC', 'CamD', 'CamF']);
  });

  it('a rolled-back insert leaves the summary as it was', async () => {
    await reg.collections.register('s/rb', 'RUN');
    await rejection(reg.transaction(async (tx) => {
      await reg.datasets.insert('raw', 's/rb', [raw('CamZ', 1, 1)], tx);
      throw new Error('abort');
    }));
    expect(await summary(['s/rb'])).toEqual({ types: [], instrument: [], skymap: [] });
  });
});
