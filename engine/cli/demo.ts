/**
 * The demo: a fresh repository in ./demo-repo, a simulated survey, a look at what is there,
 * the drp graph planned, summarized and run on two workers, then where the coadds are and how
 * their star fluxes compare with the simulator's truth, and last tasks of one's own (a shell
 * command and a module, pipelines/examples/visit-stats.yaml) run on the calexps with what they wrote — each
 * step a `qg` command, printed as typed.
 */
import { rmSync } from 'node:fs';
import { main } from './main.js';
import { printCoaddFluxes } from './demo-fluxes.js';
import { printVisitStats } from './demo-visit-stats.js';

const REPO = 'demo-repo';

/** Prints `step` as typed and runs it; its exit status. */
async function runStep(step: readonly string[]): Promise<number> {
  console.log(`\n$ qg ${step.map((a) => (/[\s'"=]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(' ')}`);
  const status = await main([...step]);
  if (status !== 0) console.error(`demo: step failed with exit status ${status}`);
  return status;
}

/** Runs the demo's commands in order; stops at the first failure. */
export async function runDemo(args: readonly string[]): Promise<number> {
  const repo = args[0] ?? REPO;
  rmSync(repo, { recursive: true, force: true });
  const steps: string[][] = [
    ['repo', 'create', repo],
    ['simulate', repo, '--profile', 'small'],
    ['query', 'collections', '-b', repo],
    ['query', 'dataset-types', '-b', repo],
    ['query', 'data-ids', '-b', repo, '-d', 'visit,detector', '--where', "patch = 12 AND band = 'r'", '--limit', '5'],
    ['build', '-b', repo, '-p', 'drp-refcat.yaml', '-i', 'SimCam/defaults', '-o', 'u/demo/drp',
      '--where', "instrument = 'SimCam' AND skymap = 'simSkyMap'", '--save', `${repo}/drp.qg`],
    ['show', `${repo}/drp.qg`],
    ['run', `${repo}/drp.qg`, '-b', repo, '-j', '2'],
  ];
  const started = performance.now();
  for (const step of steps) {
    const status = await runStep(step);
    if (status !== 0) return status;
  }
  console.log('\n# where the coadds are, and measured vs true star fluxes');
  await printCoaddFluxes(repo, 'u/demo/drp');
  console.log('\n# tasks of your own: per-visit summaries by a shell command (a script) and by a TypeScript module');
  const status = await runStep(['run', '-b', repo, '-p', 'examples/visit-stats.yaml#visitStats,visitPsf', '-i', 'u/demo/drp', '-o', 'u/demo/visit-stats',
    '--where', "instrument = 'SimCam'", '-j', '2']);
  if (status !== 0) return status;
  await printVisitStats(repo, 'u/demo/visit-stats');
  console.log(`\ndemo finished in ${((performance.now() - started) / 1000).toFixed(1)} s; the repository is in ./${repo}`);
  return 0;
}
