/**
 * Times the drp chain's task `run` functions per quantum on a simulated profile (inputs in
 * memory; no engine): `npx tsx test/pipelines/tasks/drp-chain-timing.ts [tiny|small]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repository } from '../../../registry/index.js';
import { simulateRepository, type ProfileName } from '../../../pipelines/simulate/index.js';
import { runChain } from './drp-chain.js';

const profile = (process.argv[2] ?? 'tiny') as ProfileName;
const dir = mkdtempSync(join(tmpdir(), 'qg-timing-'));
try {
  const repo = await Repository.create(join(dir, 'repo'), {});
  const t0 = performance.now();
  await simulateRepository(repo, { profile, seed: 11 });
  const simulated = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const run = await runChain(repo);
  const total = (performance.now() - t1) / 1000;
  console.log(`profile ${profile}: simulate ${simulated.toFixed(2)} s, chain (with datastore reads) ${total.toFixed(2)} s`);
  for (const [label, list] of Object.entries(run.seconds)) {
    const sorted = [...list].sort((a, b) => a - b);
    const sum = list.reduce((a, b) => a + b, 0);
    console.log(`  ${label.padEnd(14)} ${String(list.length).padStart(4)} quanta  mean ${(1000 * sum / list.length).toFixed(1).padStart(7)} ms  median ${(1000 * sorted[sorted.length >> 1]!).toFixed(1).padStart(7)} ms  max ${(1000 * sorted[sorted.length - 1]!).toFixed(1).padStart(7)} ms  total ${sum.toFixed(2)} s`);
  }
  await repo.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
