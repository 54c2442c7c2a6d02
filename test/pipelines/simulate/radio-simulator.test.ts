/**
 * `qg simulate --profile radio`: the array and its records, observations along the strip
 * with regions and time spans, 16 UVH5 subbands per observation (subband 0 the highest
 * frequencies, contiguous channels), gain tables certified with validity ranges that cover
 * every observation, drifting gains, and visibilities that equal the sky model times the true
 * gains to within the thermal noise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { queryDataIds, type Repository } from '../../../registry/index.js';
import { gainTableFromArrow } from '../../../pipelines/radio/gains.js';
import { modelVisibilities, rad } from '../../../pipelines/radio/interferometry.js';
import { readUvh5 } from '../../../pipelines/radio/uvh5.js';
import { RADIO_PROFILE, TrueGains, radioSources, type RadioSimulationSummary } from '../../../pipelines/simulate/index.js';
import { RADIO_COLLECTIONS, simulateRadioRepository } from '../../../pipelines/simulate/radio-simulator.js';
import { makeRepo } from '../../support/test-repos.js';

describe('qg simulate --profile radio', () => {
  let repo: Repository, dispose: () => Promise<void>, summary: RadioSimulationSummary;
  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo('sqlite'));
    summary = await simulateRadioRepository(repo, { seed: 3 });
  }, 120_000);
  afterAll(() => dispose());

  const read = async (type: string, dataId: Record<string, string | number>, collections = [RADIO_COLLECTIONS.raw, RADIO_COLLECTIONS.truth]) => {
    const [ref] = await repo.registry.datasets.findFirst(type, collections, [dataId], repo.registry.knex);
    return repo.get(ref!);
  };

  it('makes the array, 16 subbands per observation and the sky map', async () => {
    expect(summary.counts).toMatchObject({ antennas: 10, subbands: 16, observations: 4, subbandFiles: 64, patches: 9 });
    const { rows } = await queryDataIds(repo.registry, { dimensions: ['observation', 'subband'], datasets: ['subband_vis'], collections: [RADIO_COLLECTIONS.defaults] });
    expect(rows).toHaveLength(64);
    const { rows: tiles } = await queryDataIds(repo.registry, { dimensions: ['observation', 'patch'] });
    expect(tiles.length).toBeGreaterThan(4);
  });

  it('subband 0 holds the highest channels; channels are contiguous across subbands', async () => {
    const o = summary.observations[0]!.id;
    const f0 = (await readUvh5(await read('subband_vis', { instrument: 'QGARRAY', observation: o, subband: 0 }) as Uint8Array)).freq;
    const f1 = (await readUvh5(await read('subband_vis', { instrument: 'QGARRAY', observation: o, subband: 1 }) as Uint8Array)).freq;
    expect(f0[0]!).toBeGreaterThan(f1[f1.length - 1]!);
    expect(f0[0]! - f1[f1.length - 1]!).toBeCloseTo(RADIO_PROFILE.bandwidthHz / 64, 3);
  });

  it('certifies gain tables whose validity ranges cover every observation, one each', async () => {
    const { columns, rows } = await queryDataIds(repo.registry, { dimensions: ['observation'], datasets: ['gain_cal'], collections: [RADIO_COLLECTIONS.calib] });
    expect(rows.map((r) => r[columns.indexOf('observation')]).sort()).toEqual(summary.observations.map((o) => o.id));
  });

  it('gains drift with time, and the data equal the model times the gains within the noise', async () => {
    const truth = gainTableFromArrow(await read('gain_truth', { instrument: 'QGARRAY' }) as Table);
    const gains = new TrueGains(RADIO_PROFILE.antennas, 3);
    const o = summary.observations[1]!;
    const [a, b] = [gains.at(2, o.startJd), gains.at(2, o.endJd)];
    expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeGreaterThan(1e-3);
    expect(truth.antenna.length).toBeGreaterThan(100);
    const uv = await readUvh5(await read('subband_vis', { instrument: 'QGARRAY', observation: o.id, subband: 5 }) as Uint8Array);
    const model = modelVisibilities(uv, radioSources(RADIO_PROFILE, 3, summary.observations), { shape: 'gaussian', diameterM: 4.65 }, 2);
    let sum = 0, n = 0;
    const per = uv.freq.length * 2;
    for (let r = 0; r < uv.ant1.length; r++) {
      const [ar, ai] = gains.at(uv.ant1[r]!, uv.time[r]!), [br, bi] = gains.at(uv.ant2[r]!, uv.time[r]!);
      const gr = ar * br + ai * bi, gi = ai * br - ar * bi;
      for (let k = 0; k < per; k++) {
        const i = 2 * (r * per + k);
        sum += (uv.vis[i]! - (gr * model[i]! - gi * model[i + 1]!)) ** 2 + (uv.vis[i + 1]! - (gr * model[i + 1]! + gi * model[i]!)) ** 2;
        n += 2;
      }
    }
    expect(Math.sqrt(sum / n)).toBeCloseTo(RADIO_PROFILE.noiseJy, 1);
    expect(uv.phaseCenterRa).toBeCloseTo(rad(o.ra), 12);
  });
});
