/**
 * `Registry.transaction` runs a transaction again when it lost to a concurrent one (deadlock,
 * serialization failure, busy SQLite file), and with `retryConflicts` also after a unique
 * key a concurrent writer inserted first; any other error is thrown at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSACTION_ATTEMPTS, type Repository } from '../../registry/index.js';
import { DIALECTS, makeRepo } from '../support/test-repos.js';

const CODES = { sqlite: { transient: 'SQLITE_BUSY', unique: 'SQLITE_CONSTRAINT_UNIQUE' }, postgresql: { transient: '40P01', unique: '23505' } };

function failing(code: string): Error {
  return Object.assign(new Error(`simulated ${code}`), { code });
}

describe.each(DIALECTS)('transaction retries (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  beforeAll(async () => ({ repo, dispose } = await makeRepo(dialect)));
  afterAll(async () => dispose?.());

  /** Runs a transaction that throws `code` the first `times` times; returns how often it ran, or the error. */
  async function attempts(code: string, times: number, retryConflicts = false): Promise<number | string> {
    let runs = 0;
    try {
      await repo.registry.transaction(async (tx) => {
        runs++;
        await tx('qg_meta').select('key').limit(1);
        if (runs <= times) throw failing(code);
      }, { retryConflicts });
      return runs;
    } catch (e) {
      return (e as { code: string }).code;
    }
  }

  it('runs a transaction again after a deadlock or busy database', async () => {
    const before = repo.registry.retriedTransactions;
    expect(await attempts(CODES[dialect].transient, 2)).toBe(3);
    expect(repo.registry.retriedTransactions - before).toBe(2);
  });

  it(`gives up after ${TRANSACTION_ATTEMPTS} runs`, async () => {
    expect(await attempts(CODES[dialect].transient, TRANSACTION_ATTEMPTS)).toBe(CODES[dialect].transient);
  });

  it('retries a unique-key conflict only when asked to', async () => {
    expect(await attempts(CODES[dialect].unique, 1)).toBe(CODES[dialect].unique);
    expect(await attempts(CODES[dialect].unique, 1, true)).toBe(2);
    expect(await attempts('OTHER', 1, true)).toBe('OTHER');
  });
});
