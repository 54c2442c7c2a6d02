/**
 * One measured planning run, in its own process so peak RSS is the build's own: opens a
 * repository, builds the drp graph, saves it, prints one JSON line of figures. It runs what
 * `qg` runs, through the same launcher: the compiled dist/ when it is up to date (`npm run
 * build`), else the TypeScript sources through tsx (`compiled` in the figures says which). A
 * plain Node process, not one under tsx: at ~10k quanta, the imports a build makes on the way
 * (pipelines, Arrow) passing through tsx's loader cost more than the build (0.54 s against
 * 0.29 s, dist/ both times).
 * Usage: node test/bench/build-once.mjs REPO OUT.qg
 */
import { statSync } from 'node:fs';
import { distState, importEntry, saveCodeCache } from '../../engine/cli/launch.mjs';

const compiled = distState() === 'fresh' && !process.env.QG_SOURCES;
const [root, out] = process.argv.slice(2);
// one code cache for both entries, as for `qg build` (launch.mjs)
const { Repository } = await importEntry('registry/index', 'bench-build');
const { buildQuantumGraph, saveGraph } = await importEntry('planner/index', 'bench-build');
const repo = await Repository.open(root);
const start = performance.now();
const result = await buildQuantumGraph(repo, {
  pipeline: 'drp.yaml', inputs: ['SimCam/defaults'], output: 'u/bench/drp',
  where: "instrument = 'SimCam' AND skymap = 'simSkyMap'",
});
const built = performance.now();
await saveGraph(result.graph, out);
const saved = performance.now();
await repo.close();
const g = result.graph;
console.log(JSON.stringify({
  compiled, quanta: g.quantumCount, datasets: g.datasetCount, edges: g.edgeCount, statements: result.statements,
  buildSeconds: (built - start) / 1000, saveSeconds: (saved - built) / 1000, totalSeconds: (saved - start) / 1000,
  fileMb: statSync(out).size / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024,
  phases: g.header.phases,
}));
saveCodeCache();
