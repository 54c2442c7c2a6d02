/**
 * Garbage raws fail their isr quantum instead of running to "success": each header keyword
 * ISR uses (EXPTIME, GAIN, RDNOISE, SATURATE, BIASSEC) missing from an otherwise sound raw is
 * refused by the task's run function with IMAGE_HEADER naming it, unless the config stands in
 * for it; 8-bit raws (BITPIX 8) are refused with IMAGE_INPUT. Then end to end: `qg run` of
 * isr over a tiny simulated repository where one raw lacks EXPTIME and another is 8-bit
 * fails exactly those two quanta, with those messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FitsHeader, type Exposure, type Repository } from '../../../registry/index.js';
import { TASK_LIBRARY, type TaskConfig, type TaskRunOutput } from '../../../pipelines/index.js';
import { ImageError } from '../../../pipelines/image/index.js';
import { SIM_COLLECTIONS, simulateRepository } from '../../../pipelines/simulate/index.js';
import { buildQuantumGraph } from '../../../planner/index.js';
import { runGraph } from '../../../engine/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';

const isr = TASK_LIBRARY.get('IsrTask')!;

/** A sound 8x4 raw: 6 data columns, 2 overscan columns, every keyword ISR reads. */
function soundRaw(image: Exposure['image'] = new Uint16Array(32).fill(1000)): Exposure {
  const header = new FitsHeader();
  for (const [k, v] of Object.entries({ EXPTIME: 30, GAIN: 2, RDNOISE: 3, SATURATE: 60000, BIASSEC: '[7:8,1:4]', DATASEC: '[1:6,1:4]' })) header.set(k, v);
  return { width: 8, height: 4, image, header };
}

function without(raw: Exposure, keyword: string): Exposure {
  const header = raw.header.clone();
  header.delete(keyword);
  return { ...raw, header };
}

/** The IsrTask's run on `raw` alone (no calibrations), with the task defaults and `config`. */
async function runIsrTask(raw: Exposure, config: TaskConfig = {}): Promise<TaskRunOutput> {
  return isr.run!({ dataId: { instrument: 'X', exposure: 1, detector: 0 }, config: { ...isr.defaults, ...config }, inputs: { ccdExposure: raw }, inputDataIds: {}, log: () => {} });
}

async function refusal(raw: Exposure, config: TaskConfig = {}): Promise<ImageError> {
  try {
    await runIsrTask(raw, config);
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    return e as ImageError;
  }
  throw new Error('expected the raw to be refused');
}

describe('isr refuses raws it cannot trust', () => {
  it('a sound raw runs', async () => {
    const out = await runIsrTask(soundRaw());
    expect(out.metadata).toMatchObject({ exposureTime: 30, gain: 2, readNoise: 3, saturation: 60000, overscanAxis: 'row' });
  });

  const keys: [string, TaskConfig | null][] = [
    ['EXPTIME', null], ['GAIN', { gain: 2 }], ['RDNOISE', { readNoise: 3 }], ['SATURATE', { saturation: 60000 }], ['BIASSEC', { doOverscan: false }],
  ];
  for (const [keyword, standIn] of keys) {
    it(`a raw without ${keyword} fails with IMAGE_HEADER naming it${standIn ? `, unless ${Object.keys(standIn)[0]} is configured` : ''}`, async () => {
      const raw = without(soundRaw(), keyword);
      const e = await refusal(raw);
      expect(e.code).toBe('IMAGE_HEADER');
      expect(e.message).toMatch(new RegExp(`^raw header has no ${keyword}\\b`));
      if (standIn) await runIsrTask(raw, standIn);
    });
  }

  it('READNOIS stands in for RDNOISE; values out of range are refused', async () => {
    const raw = without(soundRaw(), 'RDNOISE');
    raw.header.set('READNOIS', 4);
    expect((await runIsrTask(raw)).metadata).toMatchObject({ readNoise: 4 });
    for (const [keyword, value] of [['EXPTIME', -1], ['GAIN', 0], ['SATURATE', 0], ['EXPTIME', 'long']] as const) {
      const bad = soundRaw();
      bad.header.set(keyword, value);
      const e = await refusal(bad);
      expect(e.code).toBe('IMAGE_HEADER');
      expect(e.message).toContain(keyword);
    }
  });

  it('8-bit raws are refused (IMAGE_INPUT): by pixel type, or by BITPIX 8 for scaled pixels; 16-bit and float raws run', async () => {
    for (const image of [new Uint8Array(32).fill(100), new Int8Array(32).fill(100)]) {
      const e = await refusal(soundRaw(image));
      expect(e.code).toBe('IMAGE_INPUT');
      expect(e.message).toMatch(/8-bit pixels \(BITPIX 8/);
    }
    const scaled = soundRaw(new Float32Array(32).fill(100));
    scaled.header.set('BITPIX', 8);
    expect((await refusal(scaled)).code).toBe('IMAGE_INPUT');
    await runIsrTask(soundRaw(new Int16Array(32).fill(1000)));
    await runIsrTask(soundRaw(new Float32Array(32).fill(1000)));
  });
});

const dialect = DIALECTS.includes('sqlite') ? 'sqlite' : DIALECTS[0]!;

describe(`qg run fails the quanta of garbage raws (${dialect})`, () => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(dialect));
    await simulateRepository(repo, { profile: 'tiny', seed: 7 });
  }, 120_000);
  afterAll(async () => dispose?.());

  it('a raw without EXPTIME and an 8-bit raw fail their isr quanta; the others succeed', async () => {
    const knex = repo.registry.knex;
    const [first, second, third] = await repo.registry.datasets.query('raw', [SIM_COLLECTIONS.raw], knex);
    const noExptime = without((await repo.get(first!)) as Exposure, 'EXPTIME');
    const original = (await repo.get(second!)) as Exposure;
    const eightBit = { ...original, image: Uint8Array.from(original.image as ArrayLike<number>, (v) => Math.min(255, v)) };
    await repo.registry.collections.register('u/garbage/raw', 'RUN');
    await repo.putMany([{ value: noExptime, dataId: first!.dataId }, { value: eightBit, dataId: second!.dataId }], 'raw', 'u/garbage/raw');
    const ids = [first!, second!, third!].map((r) => `(exposure = ${r.dataId['exposure']} AND detector = ${r.dataId['detector']})`);
    const { graph } = await buildQuantumGraph(repo, {
      pipeline: 'drp.yaml#isr', inputs: ['u/garbage/raw', SIM_COLLECTIONS.defaults], outputRun: 'u/garbage/isr', where: ids.join(' OR '),
    });
    expect(graph.quantumCount).toBe(3);
    const summary = await runGraph(repo, graph, { eventLog: false });
    expect(summary.counts).toMatchObject({ succeeded: 1, failed: 2 });
    const failure = (ref: typeof first) => summary.failures.find((f) => f.dataId['exposure'] === ref!.dataId['exposure'] && f.dataId['detector'] === ref!.dataId['detector']);
    // The engine reports what a task throws as TASK_FAILED, with the task's message.
    expect(failure(first)).toMatchObject({ task: 'isr', code: 'TASK_FAILED', message: expect.stringContaining('raw header has no EXPTIME') });
    expect(failure(second)).toMatchObject({ task: 'isr', code: 'TASK_FAILED', message: expect.stringContaining('raw has 8-bit pixels') });
  }, 120_000);
});
