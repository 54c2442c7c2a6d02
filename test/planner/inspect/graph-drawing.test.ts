/**
 * DOT and Mermaid drawings of a built graph: task level and quantum level against counts
 * taken here from the connection and edge arrays; the standard `<label>_config/_metadata/_log`
 * datasets left out; data IDs labelled with their keys; the legend; quanta grouped by a
 * dimension (groups, their sizes and links computed here by brute force); and the `qg show`
 * options that ask for them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EDGE_OUTPUT, EDGE_PREREQUISITE, PlanningError, drawGraph, selectQuanta, type GraphConnection, type QuantumGraph,
} from '../../../planner/index.js';
import { cliRunner } from '../../support/cli-runner.js';
import { thrownAs } from '../../support/thrown.js';
import { viewsFixture } from './views-fixture.js';

/** A connection every task has: `<label>_config/_metadata/_log`. */
function isStandard(g: QuantumGraph, c: GraphConnection): boolean {
  const type = g.datasetTypes[c.datasetType]!.name;
  return ['config', 'metadata', 'log'].some((suffix) => type === `${g.tasks[c.task]!.label}_${suffix}`);
}

/** Node lines of a DOT text: id -> label (with `\n` for line breaks). */
function dotNodes(dot: string): Map<string, string> {
  return new Map([...dot.matchAll(/^ {2}(\w+) \[label="((?:[^"\\]|\\.)*)"/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Edge lines of a DOT text (outside the legend) as `from>to`. */
function dotLinks(dot: string): string[] {
  return [...dot.matchAll(/^ {2}(\w+) -> (\w+)/gm)].map((m) => `${m[1]}>${m[2]}`);
}

describe('graph drawings', () => {
  const fixture = viewsFixture();
  const run = cliRunner();
  let g: QuantumGraph;
  let upstream: Int32Array;
  beforeAll(() => {
    g = fixture.g;
    const coadd = g.tasks.find((t) => t.label === 'assembleCoadd')!;
    upstream = selectQuanta(g, { upstream: String(coadd.quantumOffset) });
  });

  it('task level: every task, type and connection; --hide-standard leaves the standard ones out', () => {
    const dot = drawGraph(g, { format: 'dot', quanta: null });
    expect(dot.startsWith('digraph qg {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    for (const t of g.tasks) expect(dot).toContain(`${t.label}\\n${t.quantumCount} quanta`);
    expect(dotLinks(dot)).toHaveLength(g.connections.length);
    expect(dot.split('\n').filter((l) => l.includes(' -> ') && l.includes('dashed'))).toHaveLength(g.connections.filter((c) => c.direction === EDGE_PREREQUISITE).length);
    const mermaid = drawGraph(g, { format: 'mermaid', quanta: null });
    expect(mermaid.split('\n')[0]).toBe('flowchart LR');
    expect(mermaid.split('\n').filter((l) => /-->|-\.->/.test(l))).toHaveLength(g.connections.length);

    const standard = g.connections.filter((c) => isStandard(g, c));
    expect(standard.length).toBeGreaterThanOrEqual(2 * g.tasks.length); // _metadata and _log at least
    const hidden = drawGraph(g, { format: 'dot', quanta: null, hideStandard: true });
    expect(dotLinks(hidden)).toHaveLength(g.connections.length - standard.length);
    const labels = [...dotNodes(hidden).values()];
    for (const c of standard) expect(labels).not.toContain(g.datasetTypes[c.datasetType]!.name);
    const types = new Set(g.connections.filter((c) => !isStandard(g, c)).map((c) => g.datasetTypes[c.datasetType]!.name));
    expect(labels.filter((l) => types.has(l))).toHaveLength(types.size);
  });

  it('quantum level: the selected quanta with their datasets, labelled key=value; too many nodes is an error', () => {
    const { offsets, edges } = g.edgesByQuantum();
    const count = (keep: (c: GraphConnection) => boolean) => {
      const datasets = new Set<number>();
      let links = 0;
      for (const q of upstream) for (let i = offsets[q]!; i < offsets[q + 1]!; i++) {
        if (!keep(g.connections[g.edgeConnections[edges[i]!]!]!)) continue;
        datasets.add(g.edgeDatasets[edges[i]!]!);
        links++;
      }
      return { datasets: datasets.size, links };
    };
    const all = count(() => true);
    const dot = drawGraph(g, { format: 'dot', quanta: upstream });
    const nodes = dotNodes(dot);
    expect(dotLinks(dot)).toHaveLength(all.links);
    expect([...nodes.keys()].filter((id) => /^q\d+$/.test(id))).toHaveLength(upstream.length);
    expect([...nodes.keys()].filter((id) => /^d\d+$/.test(id))).toHaveLength(all.datasets);
    for (const q of upstream) {
      const id = g.quantumDataId(q);
      expect(nodes.get(`q${q}`)).toBe(`${g.tasks[g.taskOf(q)]!.label}\\n${Object.keys(id).map((k) => `${k}=${id[k]}`).join(' ')}`);
      expect(drawGraph(g, { format: 'dot', quanta: Int32Array.of(q), keyedLabels: false })).toContain(`\\n${Object.values(id).join('/')}"`);
    }
    const kept = count((c) => !isStandard(g, c));
    expect(kept.datasets).toBeLessThan(all.datasets);
    const hidden = drawGraph(g, { format: 'mermaid', quanta: upstream, hideStandard: true });
    expect(hidden.split('\n').filter((l) => /^ {2}d\d+\(\[/.test(l))).toHaveLength(kept.datasets);
    expect(hidden.split('\n').filter((l) => /-->|-\.->/.test(l))).toHaveLength(kept.links);
    const tooMany = thrownAs(PlanningError, () => drawGraph(g, { format: 'mermaid', quanta: selectQuanta(g, {}), maxNodes: 10 }));
    expect(tooMany.code).toBe('SHOW_TOO_MANY');
  });

  it.each([
    ['visit', false],
    ['band', true], // implied: an exposure's or a visit's band, from the repository's records
  ])('grouped: one node per task (or dataset type) and %s, sized and linked as a brute force over the edges says', (key, implied) => {
    // the expected drawing: group label -> members, and links between group labels
    const complete = (id: Readonly<Record<string, string | number>>) => (implied ? fixture.implied(id) : id);
    const label = (name: string, stored: Readonly<Record<string, string | number>>) => {
      const id = complete(stored);
      return key in id ? `${name}\\n${key}=${id[key]}` : name;
    };
    const quanta = new Map<string, Set<number>>(), datasets = new Map<string, Set<number>>(), links = new Set<string>();
    const add = (map: Map<string, Set<number>>, key: string, n: number) => map.set(key, (map.get(key) ?? new Set()).add(n));
    const selected = new Set(upstream);
    for (let e = 0; e < g.edgeCount; e++) {
      const q = g.edgeQuanta[e]!, d = g.edgeDatasets[e]!, c = g.connections[g.edgeConnections[e]!]!;
      if (!selected.has(q) || isStandard(g, c)) continue;
      const quantum = label(g.tasks[c.task]!.label, g.quantumDataId(q)), dataset = label(g.datasetTypes[c.datasetType]!.name, g.datasetDataId(d));
      add(quanta, quantum, q);
      add(datasets, dataset, d);
      links.add(c.direction === EDGE_OUTPUT ? `${quantum}>${dataset}` : `${dataset}>${quantum}`);
    }
    const want = new Map([
      ...[...quanta].map(([key, members]) => [`${key}\\n(${members.size} ${members.size === 1 ? 'quantum' : 'quanta'})`, members.size] as const),
      ...[...datasets].map(([key, members]) => [`${key}\\n(${members.size} ${members.size === 1 ? 'dataset' : 'datasets'})`, members.size] as const),
    ]);
    expect(quanta.size).toBeLessThan(upstream.length); // grouping merges quanta

    const dot = drawGraph(g, { format: 'dot', quanta: upstream, groupBy: [key], hideStandard: true, legend: true });
    const nodes = dotNodes(dot);
    const groupNodes = [...nodes].filter(([id]) => /^g\d+$/.test(id));
    expect(new Set(groupNodes.map(([, l]) => l))).toEqual(new Set(want.keys()));
    expect(groupNodes).toHaveLength(want.size);
    const byId = new Map(groupNodes.map(([id, l]) => [id, l.replace(/\\n\(\d+ \w+\)$/, '')]));
    expect(new Set(dotLinks(dot).filter((l) => !l.startsWith('legend_')).map((l) => l.split('>').map((id) => byId.get(id)).join('>')))).toEqual(links);
    expect(dot).toContain('subgraph cluster_legend {');
    expect(drawGraph(g, { format: 'mermaid', quanta: upstream, groupBy: ['visit'], legend: true })).toContain('  subgraph legend');
    // grouped, the drawing fits a node budget the quantum-level drawing does not
    expect(() => drawGraph(g, { format: 'dot', quanta: upstream, hideStandard: true, maxNodes: want.size })).toThrow(PlanningError);
    const typo = thrownAs(PlanningError, () => drawGraph(g, { format: 'dot', quanta: upstream, groupBy: ['vist'] }));
    expect(typo.code).toBe('SHOW_GROUP_BY');
    expect(typo.message).toContain("cannot group by 'vist': no data ID of this graph has it; did you mean 'visit'?");
  });

  it('qg show --group-by --hide-standard --legend prints the grouped drawing; a bad dimension exits 2', async () => {
    const coadd = g.tasks.find((t) => t.label === 'assembleCoadd')!;
    const id = g.quantumDataId(coadd.quantumOffset);
    const spec = `assembleCoadd:patch=${id['patch']},band=${id['band']}`;
    const shown = await run('show', fixture.file, '--format', 'dot', '--upstream', spec, '--group-by', 'visit', '--hide-standard', '--legend');
    expect(shown.status).toBe(0);
    expect(shown.stdout).toBe(drawGraph(g, { format: 'dot', quanta: upstream, groupBy: ['visit'], hideStandard: true, legend: true }));
    const bare = await run('show', fixture.file, '--format', 'mermaid', '--quanta', '--upstream', spec, '--no-keys');
    expect(bare.stdout).toBe(drawGraph(g, { format: 'mermaid', quanta: upstream, keyedLabels: false }));
    const bad = await run('show', fixture.file, '--format', 'dot', '--upstream', spec, '--group-by', 'vist');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("did you mean 'visit'?");
  });
});
