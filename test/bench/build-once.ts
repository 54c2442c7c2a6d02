/**
 * One measured planning run, in its own process so peak RSS is the build's own: opens a
 * repository, builds the drp graph, saves it, prints one JSON line of figures.
 * Usage: tsx test/bench/build-once.ts REPO OUT.qg
 */
import { statSync } from 'node:fs';
import { Repository } from '../../registry/index.js';
import { buildQuantumGraph, saveGraph } from '../../planner/index.js';

const [root, out] = process.argv.slice(2) as [string, string];
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
  quanta: g.quantumCount, datasets: g.datasetCount, edges: g.edgeCount, statements: result.statements,
  buildSeconds: (built - start) / 1000, saveSeconds: (saved - built) / 1000, totalSeconds: (saved - start) / 1000,
  fileMb: statSync(out).size / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024,
  phases: g.header.phases,
}));
