/**
 * Start-up of whole processes (issue 11 items 1 and 2): `qg --help`, `qg show` of a small
 * graph (536 quanta), `qg build --save` of LSST's 200-visit problem size (the tract profile
 * at 200 visits, ~9k quanta) and a worker thread's start until ready, each from the compiled JavaScript
 * (dist/, rebuilt first) and from the TypeScript sources through tsx (QG_SOURCES=1, as every
 * start was before dist/), beside bare `node -e 0` as the floor. Each figure is the median of
 * QG_BENCH_STARTUP_RUNS (default 3) fresh processes, wall time and CPU time (user + system,
 * from bash's `times`, less sensitive to a loaded machine). Targets: `qg --help` <= 0.15 s,
 * `qg show` <= 0.3 s, the 200-visit build as a whole process <= 0.46 s (50x LSST's 23.2 s),
 * a worker ready in <= 50 ms.
 *
 * Run alone with `npx tsx test/bench/startup-bench.ts`; `npm run bench` (test/bench/run.ts)
 * calls `runStartupBench()` for its RESULTS.md section. Both write test/bench/startup-results.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const QG = join(ROOT, 'engine/cli/qg.mjs');
const WORKER_PROBE = join(ROOT, 'test/bench/worker-ready.mjs');

/** One measured case. */
export interface StartupRow {
  readonly name: string;
  /** Target in ms, if the issue set one. */
  readonly targetMs: number | null;
  /** Medians, ms (CPU null for the worker probe, measured inside its process). */
  readonly wallMs: number;
  readonly cpuMs: number | null;
  readonly samples: readonly number[];
}

/** engine/cli/launch.mjs's verdict on dist/: 'fresh', 'absent' or the first source edited since the build. */
function distState(): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', `import { distState } from ${JSON.stringify(pathToFileURL(join(ROOT, 'engine/cli/launch.mjs')).href)}; console.log(distState());`], { encoding: 'utf8' }).trim();
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** Runs `command` once with its output discarded: wall ms and the child's user + system ms. */
function timeProcess(command: readonly string[], env: NodeJS.ProcessEnv): { wall: number; cpu: number } {
  const started = performance.now();
  const r = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1; s=$?; times; exit $s', '--', ...command], { env, encoding: 'utf8' });
  const wall = performance.now() - started;
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed (${r.status}): ${r.stderr}`);
  // `times` prints the shell's user/system times, then its children's: "0m0.190s 0m0.046s"
  const children = r.stdout.trim().split('\n').pop()!.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  if (!children) throw new Error(`cannot read times from ${JSON.stringify(r.stdout)}`);
  const cpu = (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000;
  return { wall, cpu };
}

function processRow(name: string, targetMs: number | null, command: readonly string[], runs: number, env: NodeJS.ProcessEnv = process.env): StartupRow {
  // not counted: warms the file cache, and writes the run's code cache as a user's first run does (launch.mjs)
  timeProcess(command, env);
  const samples = Array.from({ length: runs }, () => timeProcess(command, env));
  return { name, targetMs, wallMs: median(samples.map((s) => s.wall)), cpuMs: median(samples.map((s) => s.cpu)), samples: samples.map((s) => Math.round(s.wall)) };
}

function workerRow(name: string, mode: 'compiled' | 'sources', root: string, runs: number): StartupRow {
  const probe = () => (JSON.parse(execFileSync(process.execPath, [WORKER_PROBE, mode, root], { encoding: 'utf8' }).trim()) as { ms: number }).ms;
  probe();
  const samples = Array.from({ length: runs }, probe);
  return { name, targetMs: mode === 'compiled' ? 50 : null, wallMs: median(samples), cpuMs: null, samples: samples.map((s) => Math.round(s)) };
}

/** Measures every case; about a minute (more on a loaded machine). */
export function startupBench(runs = Number(process.env.QG_BENCH_STARTUP_RUNS ?? 3)): { rows: StartupRow[]; load: number[]; dist: string } {
  execFileSync(process.execPath, [join(ROOT, 'engine/cli/build-dist.mjs')], { stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), 'qg-startup-'));
  try {
    const repo = join(work, 'repo');
    const graph = join(work, 'small.qg');
    const qg = (...args: string[]) => execFileSync(process.execPath, [QG, ...args], { stdio: 'ignore' });
    qg('repo', 'create', repo);
    qg('simulate', repo, '--profile', 'small', '--no-pixels');
    const where = "instrument = 'SimCam' AND skymap = 'simSkyMap'";
    qg('build', '-b', repo, '-p', 'drp.yaml', '-i', 'SimCam/defaults', '-o', 'u/bench/drp', '--where', where, '--save', graph);
    const visits200 = join(work, 'visits200');
    qg('repo', 'create', visits200);
    qg('simulate', visits200, '--profile', 'tract', '--visits', '200', '--no-pixels');
    // a new output run each time (-o makes <chain>/<timestamp>), so every run plans the same graph
    const build200 = [process.execPath, QG, 'build', '-b', visits200, '-p', 'drp.yaml', '-i', 'SimCam/defaults', '-o', 'u/bench/drp', '--where', where, '--save', join(work, 'visits200.qg')];
    const sources = { ...process.env, QG_SOURCES: '1' };
    const load = loadavg();
    const rows = [
      processRow('node -e 0 (floor)', null, [process.execPath, '-e', '0'], runs),
      processRow('qg --help', 150, [process.execPath, QG, '--help'], runs),
      processRow('qg --help (sources, tsx)', null, [process.execPath, QG, '--help'], runs, sources),
      processRow('qg show small.qg', 300, [process.execPath, QG, 'show', graph], runs),
      processRow('qg show small.qg (sources, tsx)', null, [process.execPath, QG, 'show', graph], runs, sources),
      processRow('qg build --save, 200 visits (9,282 quanta)', 460, build200, runs),
      workerRow('worker thread ready', 'compiled', repo, runs),
      workerRow('worker thread ready (sources, tsx)', 'sources', repo, runs),
    ];
    // a source edited while this ran (others at work in the same tree) sends qg to the sources
    const after = distState();
    return { rows, load: [...load, ...loadavg()], dist: after === 'fresh' ? 'fresh throughout' : `NOT fresh at the end (${after}): the compiled rows may have run the sources` };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The section `npm run bench` appends to RESULTS.md, after writing test/bench/startup-results.json. */
export function runStartupBench(): string {
  const { rows, load, dist } = startupBench();
  const date = new Date().toISOString();
  writeFileSync(join(ROOT, 'test/bench/startup-results.json'), `${JSON.stringify({ date, node: process.version, cpus: cpus().length, loadavg: load, dist, rows }, null, 1)}\n`);
  const ms = (x: number | null) => (x === null ? '' : x.toFixed(0));
  return [
    `Start-up (issue 11 items 1 and 2): whole processes, median of ${rows[0]!.samples.length} after one warm-up; compiled = dist/, sources = TypeScript through tsx (QG_SOURCES=1). ` +
      `Load average ${load.slice(0, 3).map((l) => l.toFixed(1)).join(', ')} before, ${load.slice(3).map((l) => l.toFixed(1)).join(', ')} after, on ${cpus().length} cores; dist/ ${dist}.`, '',
    '| what | target ms | wall ms (median) | CPU ms (user+sys) | wall ms, each run |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.targetMs ?? ''} | ${ms(r.wallMs)} | ${ms(r.cpuMs)} | ${r.samples.join(', ')} |`),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(runStartupBench());
}
