/**
 * Nothing in the schema makes a region record's dimensions exist (visit_detector_region
 * rows may name a detector with no record): a spatial query still returns only data IDs
 * whose every dimension has a record, although the rows table no longer looks up the ones
 * the spatial pairs already checked (JoinPlan.dropGuaranteed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDataIds, type Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { BASES, insertScene, randomScene } from './spatial-scene.js';

describe.each(DIALECTS)('spatial data-ID queries over records with missing dimensions (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  const rowsOf = async () => queryDataIds(repo.registry, { dimensions: ['visit', 'detector', 'patch'] });
  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(dialect));
    await insertScene(repo, randomScene(101, 6, 20, BASES[0]));
  });
  afterAll(() => dispose());

  it('drops the pairs of a detector without a record, then everything once the tract has none', async () => {
    const { columns, rows: before } = await rowsOf();
    const at = columns.indexOf('detector');
    const detector = before[0]![at];
    expect(before.some((r) => r[at] !== detector)).toBe(true);
    await repo.registry.knex('detector').where({ instrument: 'Cam', id: detector }).delete();
    expect((await rowsOf()).rows).toEqual(before.filter((r) => r[at] !== detector));
    await repo.registry.knex('tract').delete();
    expect((await rowsOf()).rows).toEqual([]);
  });
});
