/**
 * Statistics for a filled temporary table (`SqlDialect.analyzeTemp`) with the keys it is
 * joined on, however many: PostgreSQL's extended statistics take at most 8 columns, and a
 * projection of a wide dimension group has more keys than that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';

describe.each(DIALECTS)('temporary table statistics (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  beforeAll(async () => ({ repo, dispose } = await makeRepo(dialect)));
  afterAll(async () => dispose?.());

  it.each([2, 8, 11])('are made for %i key columns', async (width) => {
    const db = repo.registry.db;
    const keys = Array.from({ length: width }, (_, k) => `k${k}`);
    const extended = await repo.registry.transaction(async (tx) => {
      await db.execute(tx, `CREATE TEMPORARY TABLE wide_keys (${keys.map((k) => `${k} BIGINT`).join(', ')})`);
      await db.insertRows(tx, 'wide_keys', keys, Array.from({ length: 50 }, (_, r) => keys.map((_, k) => r * 100 + k)));
      await db.dialect.analyzeTemp(db, tx, 'wide_keys', keys);
      const count = dialect === 'postgresql' ? Number((await db.selectArrays(tx, "SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'wide_keys_keys'"))[0]![0]) : null;
      await db.execute(tx, 'DROP TABLE wide_keys');
      return count;
    });
    // PostgreSQL: one ndistinct statistics object on (the first 8 of) the keys; SQLite keeps none
    expect(extended).toBe(dialect === 'postgresql' ? 1 : null);
  });
});
