/**
 * `npm run bench`: planning at survey scale on SQLite and PostgreSQL, from ~10k to ~290k
 * quanta (`qg simulate --profile tract --no-pixels --visits N`), each build in a fresh
 * process, then `qg show` of each graph as a whole process; plus the executor benchmark when present. Appends a results table (with the
 * machine and date) to test/bench/RESULTS.md. QG_BENCH_VISITS=200,1000 narrows the sizes;
 * QG_BENCH_DIALECTS=sqlite narrows the databases; QG_BENCH=startup (or planning, scaling,
 * executor, radio, cluster, comma-separated) runs only those parts (default: all but cluster,
 * which needs a local Slurm cluster: see submit-bench.ts). `scaling` is the curve from ~10k to
 * ~1M quanta (scaling-bench.ts: a table here and test/bench/scaling.svg).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Repository } from '../../registry/index.js';
import { simulateRepository } from '../../pipelines/simulate/index.js';
import { startPostgres } from '../support/postgres-server.js';
import { medianBuild, type BuildFigures } from './build-runs.js';

interface Row extends BuildFigures { dialect: string; visits: number; simulateSeconds: number; runSeconds: readonly number[]; showSeconds: number }

/** `qg show GRAPH` (its summary) as a whole process, median of 3 seconds (issue 11: <= 0.5 s for the 290k-quanta graph). */
function showSeconds(graph: string): number {
  const runs = [0, 1, 2].map(() => {
    const start = performance.now();
    execFileSync(process.execPath, ['engine/cli/qg.mjs', 'show', graph], { stdio: 'ignore' });
    return (performance.now() - start) / 1000;
  });
  return runs.sort((a, b) => a - b)[1]!;
}

const parts = (process.env.QG_BENCH ?? 'planning,scaling,executor,startup,radio').split(',');
const visitsList = parts.includes('planning') ? (process.env.QG_BENCH_VISITS ?? '200,1000,6350').split(',').map(Number) : [];
const dialects = parts.includes('planning') ? (process.env.QG_BENCH_DIALECTS ?? 'sqlite,postgresql').split(',') : [];
const rows: Row[] = [];
const work = mkdtempSync(join(tmpdir(), 'qg-bench-'));
const pg = dialects.includes('postgresql') ? await startPostgres('qg_bench') : null;
try {
  for (const dialect of dialects) {
    for (const visits of visitsList) {
      const root = join(work, `${dialect}-${visits}`);
      const repo = await Repository.create(root, dialect === 'postgresql' ? { db: pg!.url, schema: `bench_${visits}` } : {});
      const sim = await simulateRepository(repo, { profile: 'tract', visits, pixels: false });
      await repo.close();
      const graph = join(work, `${dialect}-${visits}.qg`);
      const r = medianBuild(root, graph);
      rows.push({ dialect, visits, simulateSeconds: sim.totalSeconds, showSeconds: showSeconds(graph), ...r });
      console.log(`${dialect} ${visits} visits: ${r.quanta} quanta in ${r.totalSeconds.toFixed(2)} s (build ${r.buildSeconds.toFixed(2)} + save ${r.saveSeconds.toFixed(2)}; runs ${r.runSeconds.map((x) => x.toFixed(2)).join(', ')}), ${r.statements} statements, peak ${r.peakRssMb.toFixed(0)} MB`);
    }
  }
} finally {
  await pg?.stop();
  rmSync(work, { recursive: true, force: true });
}

const fmt = (n: number, d = 2) => n.toFixed(d);
const lines = [
  '', `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
];
if (rows.length) {
  writeFileSync(join(process.cwd(), 'test/bench/planning-results.json'), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 1)}\n`);
  lines.push('',
    `Planning (issue 11 items 2 and 3): each build the median of ${rows[0]!.runSeconds.length} fresh processes (total s; every run's total beside it), then \`qg show\` of its graph, median of 3. Also in test/bench/planning-results.json.`, '',
    '| db | visits | quanta | datasets | edges | SQL statements | build s | save s | total s | runs s | quanta/s | peak RSS MB | `qg show` s | phases (s/statements) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.dialect} | ${r.visits} | ${r.quanta} | ${r.datasets} | ${r.edges} | ${r.statements} | ${fmt(r.buildSeconds)} | ${fmt(r.saveSeconds)} | ${fmt(r.totalSeconds)} | ${r.runSeconds.map((x) => fmt(x)).join(', ')} | ${Math.round(r.quanta / r.totalSeconds)} | ${fmt(r.peakRssMb, 0)} | ${fmt(r.showSeconds)} | ${Object.entries(r.phases).filter(([, p]) => p.seconds >= 0.05 || p.statements).map(([k, p]) => `${k} ${fmt(p.seconds)}/${p.statements}`).join(', ')} |`),
  );
}
if (parts.includes('scaling')) lines.push('', await (await import('./scaling-bench.js')).runScalingBench());
const executorBench = join(process.cwd(), 'test/bench/executor-bench.ts');
if (parts.includes('executor') && existsSync(executorBench)) {
  const { runExecutorBench } = (await import(executorBench)) as { runExecutorBench?: () => Promise<string> };
  if (runExecutorBench) lines.push('', await runExecutorBench());
}
if (parts.includes('startup')) lines.push('', (await import('./startup-bench.js')).runStartupBench());
if (parts.includes('radio')) lines.push('', await (await import('./radio-bench.js')).runRadioBench());
if (parts.includes('cluster')) lines.push('', await (await import('./submit-bench.js')).runSubmitBench());
appendFileSync(join(process.cwd(), 'test/bench/RESULTS.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
