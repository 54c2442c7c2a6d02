/**
 * A planning measurement as the benches take it: test/bench/build-once.mjs in a fresh process,
 * QG_BENCH_RUNS times (default 3), and the run of median total time (build + save) kept, with
 * every run's total beside it (a shared machine's minutes differ by up to 50%).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILD_ONCE = fileURLToPath(new URL('./build-once.mjs', import.meta.url));

/** What build-once.mjs prints for one build. */
export interface BuildFigures {
  readonly compiled: boolean;
  readonly quanta: number;
  readonly datasets: number;
  readonly edges: number;
  readonly statements: number;
  readonly buildSeconds: number;
  readonly saveSeconds: number;
  readonly totalSeconds: number;
  readonly fileMb: number;
  readonly peakRssMb: number;
  readonly phases: Record<string, { statements: number; seconds: number }>;
}

/** Builds the drp graph of the repository at `root` into `graph`, `runs` times; the median run, with each run's total seconds. */
export function medianBuild(root: string, graph: string, runs = Number(process.env.QG_BENCH_RUNS ?? 3)): BuildFigures & { readonly runSeconds: readonly number[] } {
  const figures = Array.from({ length: Math.max(1, runs) }, (): BuildFigures => {
    const out = execFileSync(process.execPath, [BUILD_ONCE, root, graph], { encoding: 'utf8', maxBuffer: 1 << 24, cwd: join(BUILD_ONCE, '../../..') });
    return JSON.parse(out.trim().split('\n').pop()!) as BuildFigures;
  });
  const sorted = [...figures].sort((a, b) => a.totalSeconds - b.totalSeconds);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, runSeconds: figures.map((f) => f.totalSeconds) };
}
