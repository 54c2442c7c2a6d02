/**
 * The demo: a fresh repository in ./demo-repo, a simulated survey, a look at what is there,
 * the drp graph planned, summarized and run on two workers, then where the coadds are and how
 * their star fluxes compare with the simulator's truth, and last tasks of one's own (a shell
 * command and a module, pipelines/examples/visit-stats.yaml) run on the calexps with what they wrote — each
 * step a `qg` command, printed as typed. With `--radio`, the radio chain instead
 * (pipelines/radio.yaml into ./demo-radio-repo: subbands merged, calibrated, imaged into
 * tiles and mosaicked per patch), ending with the tiles' beams and noise and the mosaics'
 * source fluxes against the sky model. A folder given (`npm run demo -- FOLDER`) replaces the
 * default one. An existing non-empty folder is deleted only with `--fresh`: without it the
 * demo refuses (exit status 2) before doing anything.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { main } from './main.js';
import { displayPath } from './output.js';
import { printCoaddFluxes } from './demo-fluxes.js';
import { printRadioFluxes } from './demo-radio.js';
import { printVisitStats } from './demo-visit-stats.js';

const REPO = 'demo-repo';
const RADIO_REPO = 'demo-radio-repo';

/** Prints `step` as typed and runs it; its exit status. */
async function runStep(step: readonly string[]): Promise<number> {
  console.log(`\n$ qg ${step.map((a) => (/[\s'"=]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(' ')}`);
  const status = await main([...step]);
  if (status !== 0) console.error(`demo: step failed with exit status ${status}`);
  return status;
}

/** Runs `steps` in order; the first failing step's exit status, else 0. */
async function runSteps(steps: readonly (readonly string[])[]): Promise<number> {
  for (const step of steps) {
    const status = await runStep(step);
    if (status !== 0) return status;
  }
  return 0;
}

/** What `npm run demo -- ARGS` asks for, or the usage problem of ARGS. */
type DemoArgs = { readonly radio: boolean; readonly fresh: boolean; readonly repo: string } | { readonly problem: string };

/** The demo's usage, named in every usage problem. */
const USAGE = 'usage: npm run demo [-- [--radio] [--fresh] [FOLDER]]';

function parseDemoArgs(args: readonly string[]): DemoArgs {
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--radio' && a !== '--fresh');
  const folders = args.filter((a) => !a.startsWith('-'));
  if (unknown.length) return { problem: `unknown option ${unknown.join(', ')}; ${USAGE}` };
  if (folders.length > 1) return { problem: `one folder at most, got ${folders.join(', ')}; ${USAGE}` };
  const radio = args.includes('--radio');
  return { radio, fresh: args.includes('--fresh'), repo: folders[0] ?? (radio ? RADIO_REPO : REPO) };
}

/** Clears `repo` for the demo: deleted with `fresh`; otherwise a non-empty folder is a problem (nothing is deleted unasked). */
function clearRepo(repo: string, fresh: boolean): string | null {
  if (!existsSync(repo) || readdirSync(repo).length === 0) return null;
  if (!fresh) return `'${repo}' exists and is not empty; nothing was changed. Add --fresh to delete it and start again (\`npm run demo -- --fresh\`), or give another folder (\`npm run demo -- FOLDER\`)`;
  rmSync(repo, { recursive: true, force: true });
  return null;
}

/** Says why the demo does not start; exit status 2 (a usage error). */
function refuse(problem: string): number {
  console.error(`demo: ${problem}`);
  return 2;
}

/** The radio demo (`--radio`): simulate, build and run pipelines/radio.yaml, then the fluxes. */
async function runRadioDemo(repo: string): Promise<number> {
  const started = performance.now();
  const status = await runSteps([
    ['repo', 'create', repo],
    ['simulate', repo, '--profile', 'radio'],
    ['query', 'dataset-types', '-b', repo],
    ['build', '-b', repo, '-p', 'radio.yaml', '-i', 'QGARRAY/defaults', '-o', 'u/demo/radio',
      '--where', "instrument = 'QGARRAY' AND skymap = 'radioSkyMap'", '--save', `${repo}/radio.qg`],
    ['run', `${repo}/radio.qg`, '-b', repo, '-j', '2'],
  ]);
  if (status !== 0) return status;
  console.log('\n# tiles (restoring beam, noise) and mosaicked vs true source fluxes');
  await printRadioFluxes(repo, 'u/demo/radio');
  console.log(`\ndemo finished in ${((performance.now() - started) / 1000).toFixed(1)} s; the repository is in ${displayPath(resolve(repo))}`);
  return 0;
}

/** Runs the demo's commands in order; stops at the first failure (exit status 2 for a usage problem, before anything runs). */
export async function runDemo(args: readonly string[]): Promise<number> {
  const parsed = parseDemoArgs(args);
  if ('problem' in parsed) return refuse(parsed.problem);
  const problem = clearRepo(parsed.repo, parsed.fresh);
  if (problem) return refuse(problem);
  return parsed.radio ? runRadioDemo(parsed.repo) : runMainDemo(parsed.repo);
}

/** The main demo: simulate, query, build, show and run the drp graph, then the fluxes and tasks of one's own. */
async function runMainDemo(repo: string): Promise<number> {
  const steps: string[][] = [
    ['repo', 'create', repo],
    ['simulate', repo, '--profile', 'small'],
    ['query', 'collections', '-b', repo],
    ['query', 'dataset-types', '-b', repo],
    ['query', 'data-ids', '-b', repo, '--dimensions', 'visit,detector', '--where', "patch = 12 AND band = 'r'", '--limit', '5'],
    ['build', '-b', repo, '-p', 'drp-refcat.yaml', '-i', 'SimCam/defaults', '-o', 'u/demo/drp',
      '--where', "instrument = 'SimCam' AND skymap = 'simSkyMap'", '--save', `${repo}/drp.qg`],
    ['show', `${repo}/drp.qg`],
    ['run', `${repo}/drp.qg`, '-b', repo, '-j', '2'],
  ];
  const started = performance.now();
  const stepsStatus = await runSteps(steps);
  if (stepsStatus !== 0) return stepsStatus;
  console.log('\n# where the coadds are, and measured vs true star fluxes');
  await printCoaddFluxes(repo, 'u/demo/drp');
  console.log('\n# tasks of your own: per-visit summaries by a shell command (a script) and by a TypeScript module');
  const status = await runStep(['run', '-b', repo, '-p', 'examples/visit-stats.yaml#visitStats,visitPsf', '-i', 'u/demo/drp', '-o', 'u/demo/visit-stats',
    '--where', "instrument = 'SimCam'", '-j', '2']);
  if (status !== 0) return status;
  await printVisitStats(repo, 'u/demo/visit-stats');
  console.log(`\ndemo finished in ${((performance.now() - started) / 1000).toFixed(1)} s; the repository is in ${displayPath(resolve(repo))}`);
  return 0;
}
