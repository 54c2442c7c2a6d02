/**
 * The `.qg` file: save -> load gives back the same graph (checksum, every typed array, data
 * IDs, header, tasks, types, connections, runs, also after a second round trip); any
 * Arrow IPC reader sees the tables; integer data IDs round-trip as int64 at the edges of the
 * exact double range; the outline (what `qg show` summarizes) is the graph
 * without its big columns; a truncated file, a file with a byte flipped inside the edges
 * buffers or anywhere else, a foreign Arrow file and a future format version all fail with
 * GraphFileError, read as a graph or as an outline. `dependencies().order` is checked as a topological order against
 * producer/consumer pairs computed here from the edge arrays.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordBatch, Schema, Table, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateRepository } from '../../pipelines/simulate/index.js';
import {
  EDGE_OUTPUT, GRAPH_FORMAT_VERSION, GraphFileError, buildQuantumGraph, graphChecksum, graphFromBytes, graphOutlineFromBytes, graphToBytes, loadGraph, loadGraphOutline,
  QuantumGraph, saveGraph, type DataIdColumns, type GraphOutline,
} from '../../planner/index.js';
import { seededRandom } from '../support/random.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';

/** Plain arrays of a data-ID column set, for toEqual. */
function plainColumns(c: DataIdColumns): Record<string, { kind: string; values: (string | number)[] }> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, { kind: v instanceof Float64Array ? 'f64' : 'str', values: [...v] }]));
}

/** Every part of two graphs must be equal. */
function checkSameGraph(a: QuantumGraph, b: QuantumGraph): void {
  expect(graphChecksum(b)).toBe(graphChecksum(a));
  expect(b.header).toEqual(a.header);
  expect(b.runs).toEqual(a.runs);
  expect(b.connections).toEqual(a.connections);
  expect(b.tasks.map(({ dataIds, ...rest }) => ({ ...rest, dataIds: plainColumns(dataIds) }))).toEqual(a.tasks.map(({ dataIds, ...rest }) => ({ ...rest, dataIds: plainColumns(dataIds) })));
  expect(b.datasetTypes.map(({ dataIds, ...rest }) => ({ ...rest, dataIds: plainColumns(dataIds) }))).toEqual(a.datasetTypes.map(({ dataIds, ...rest }) => ({ ...rest, dataIds: plainColumns(dataIds) })));
  for (const key of ['datasetIds', 'datasetRuns', 'datasetStates', 'edgeQuanta', 'edgeDatasets', 'edgeConnections'] as const) {
    expect(b[key].constructor, key).toBe(a[key].constructor);
    expect(b[key].length, key).toBe(a[key].length);
    expect(Buffer.from(b[key].buffer, b[key].byteOffset, b[key].byteLength).equals(Buffer.from(a[key].buffer, a[key].byteOffset, a[key].byteLength)), key).toBe(true);
  }
  expect([b.quantumCount, b.datasetCount, b.edgeCount]).toEqual([a.quantumCount, a.datasetCount, a.edgeCount]);
  for (let q = 0; q < a.quantumCount; q++) expect(b.quantumDataId(q)).toEqual(a.quantumDataId(q));
  for (let d = 0; d < a.datasetCount; d++) {
    expect(b.datasetDataId(d)).toEqual(a.datasetDataId(d));
    expect(b.datasetId(d)).toBe(a.datasetId(d));
  }
}

/** The byte offset of `needle` in `hay` (it must occur exactly once). */
function uniqueOffset(hay: Uint8Array, needle: Uint8Array): number {
  const h = Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength);
  const first = h.indexOf(needle);
  expect(first).toBeGreaterThanOrEqual(0);
  expect(h.indexOf(needle, first + 1)).toBe(-1);
  return first;
}

function bytesOf(a: Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The GraphFileError thrown by `fn`. */
function fileError(fn: () => unknown): GraphFileError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GraphFileError);
    expect((e as GraphFileError).code).toBe('GRAPH_FILE');
    return e as GraphFileError;
  }
  throw new Error('expected a GraphFileError');
}

describe.each(DIALECTS)('graph file (%s)', (dialect) => {
  const dir = tempDir('qg-graphfile-');
  let graph: QuantumGraph;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    const made = await makeRepo(dialect);
    dispose = made.dispose;
    const summary = await simulateRepository(made.repo, { profile: 'tiny', pixels: false, visits: 6 });
    graph = (await buildQuantumGraph(made.repo, {
      pipeline: 'drp-refcat.yaml', inputs: [summary.collections.defaults], output: 'u/test', where: "instrument='SimCam' AND skymap='simSkyMap'", command: 'qg build (test)',
    })).graph;
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });

  it('save -> load gives the same graph, and so does saving the loaded graph again', async () => {
    const path = join(dir.path, 'g.qg');
    const size = await saveGraph(graph, path);
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(size);
    const loaded = loadGraph(path);
    checkSameGraph(graph, loaded);
    // re-saving the loaded graph gives the same graph again (not the same bytes: Arrow JS numbers
    // dictionaries from a process-wide counter, so dictionary ids differ from one write to the next)
    checkSameGraph(graph, graphFromBytes(graphToBytes(loaded)));
    expect(loaded.header.formatVersion).toBe(GRAPH_FORMAT_VERSION);
    expect(loaded.header.command).toBe('qg build (test)');
    expect(loaded.header.outputChain).toBe('u/test');
    expect(loaded.header.outputRun).toMatch(/^u\/test\/\d{8}T\d{6}Z$/);
    // the implied values survive: each exposure's filter and that filter's band
    expect(loaded.implied.tables.map((t) => t.element).sort()).toEqual(['exposure', 'physical_filter', 'visit']);
    const isr = loaded.tasks.find((t) => t.label === 'isr')!;
    const id = loaded.implied.expand(loaded.quantumDataId(isr.quantumOffset));
    expect(id['physical_filter']).toBe(`SimCam-${id['band']}`);
    // the refcat shards (htm7 data IDs) survive
    const refcat = loaded.datasetTypes.find((t) => t.name === 'ref_cat')!;
    expect(refcat.dimensions).toEqual(['htm7']);
    expect(refcat.datasetCount).toBeGreaterThan(0);
    // derived structures agree too
    expect([...loaded.dependencies().order]).toEqual([...graph.dependencies().order]);
  });

  it('any Arrow IPC reader sees the tables', () => {
    const t = tableFromIPC(graphToBytes(graph));
    expect(t.numRows).toBe(1);
    expect(t.schema.metadata.get('qg.format_version')).toBe(String(GRAPH_FORMAT_VERSION));
    // The file checksum is the SHA-256 of the file with its 64 digits read as zeros.
    const bytes = graphToBytes(graph);
    const sealed = tableFromIPC(bytes).schema.metadata.get('qg.file_checksum')!;
    expect(sealed).toMatch(/^qg-sha256:[0-9a-f]{64}$/);
    const digest = sealed.slice('qg-sha256:'.length);
    const zeroed = Buffer.from(bytes).toString('latin1').replace(digest, '0'.repeat(64));
    expect(createHash('sha256').update(Buffer.from(zeroed, 'latin1')).digest('hex')).toBe(digest);
    const edges = t.getChild('edges')!.get(0)!;
    expect(edges.length).toBe(graph.edgeCount);
    const first = edges.get(0)!.toJSON() as { quantum: number; dataset: number; connection: number };
    expect(first).toEqual({ quantum: graph.edgeQuanta[0], dataset: graph.edgeDatasets[0], connection: graph.edgeConnections[0] });
    const labels = [...t.getChild('tasks')!.get(0)!].map((r) => (r!.toJSON() as { label: string }).label);
    expect(labels).toEqual(graph.tasks.map((x) => x.label));
    for (const task of graph.tasks) expect(t.getChild(`quanta/${task.label}`)!.get(0)!.length).toBe(task.quantumCount);
  });

  it('integer data IDs survive as int64 at the edges of the exact range: negative, past 2^32, up to 2^53 - 1', () => {
    const extremes = [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 32 + 5, -(2 ** 32) - 5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const task = graph.tasks.find((t) => t.dataIds['visit'] instanceof Float64Array)!;
    const visits = Float64Array.from({ length: task.quantumCount }, (_, i) => extremes[i % extremes.length]!);
    const tasks = graph.tasks.map((t) => (t === task ? { ...t, dataIds: { ...t.dataIds, visit: visits } } : t));
    const edited = new QuantumGraph(graph.header, tasks, graph.datasetTypes, graph.connections, graph.runs,
      graph.datasetIds, graph.datasetRuns, graph.datasetStates, graph.edgeQuanta, graph.edgeDatasets, graph.edgeConnections);
    const back = graphFromBytes(graphToBytes(edited)).tasks.find((t) => t.label === task.label)!;
    expect([...back.dataIds['visit']!]).toEqual([...visits]);
    // any Arrow reader sees the same numbers
    const column = tableFromIPC(graphToBytes(edited)).getChild(`quanta/${task.label}`)!.get(0)!;
    expect([...column].map((row) => Number((row!.toJSON() as { visit: bigint }).visit))).toEqual([...visits]);
  });

  it('the outline is the graph without its data IDs, UUIDs and edges', () => {
    const outline: GraphOutline = graphOutlineFromBytes(graphToBytes(graph));
    const expected: GraphOutline = {
      header: graph.header, tasks: graph.tasks.map(({ dataIds: _, ...t }) => t), datasetTypes: graph.datasetTypes.map(({ dataIds: _, ...t }) => t),
      datasetStates: graph.datasetStates, quantumCount: graph.quantumCount, datasetCount: graph.datasetCount, edgeCount: graph.edgeCount,
    };
    expect(outline).toEqual(expected);
  });

  it('a truncated file fails with GraphFileError, wherever it is cut', () => {
    const bytes = graphToBytes(graph);
    const cuts = [0, 6, 64, Math.floor(bytes.length / 4), Math.floor(bytes.length / 2), Math.floor((3 * bytes.length) / 4), bytes.length - 100, bytes.length - 10, bytes.length - 1];
    for (const cut of cuts) {
      const path = join(dir.path, `cut-${cut}.qg`);
      writeFileSync(path, bytes.subarray(0, cut));
      for (const load of [loadGraph, loadGraphOutline]) expect(fileError(() => load(path)).message).toContain(path);
    }
  });

  it('a byte flipped inside the edges buffers fails the checksum, also for the outline (which does not decode them)', () => {
    const bytes = graphToBytes(graph);
    for (const array of [graph.edgeQuanta, graph.edgeDatasets, graph.edgeConnections]) {
      const at = uniqueOffset(bytes, bytesOf(array));
      for (const where of [0, Math.floor(array.byteLength / 2), array.byteLength - 4]) {
        const copy = Uint8Array.from(bytes);
        copy[at + where]! ^= 0x01;
        for (const read of [graphFromBytes, graphOutlineFromBytes]) {
          const e = fileError(() => read(copy, 'flipped.qg'));
          expect(e.message).toContain('flipped.qg');
          expect(e.message).toMatch(/checksum|corrupt/);
        }
      }
    }
  });

  it('a flipped bit in a task config, the header or a storage class fails the checksum', () => {
    const bytes = graphToBytes(graph);
    const text = Buffer.from(bytes).toString('latin1');
    const targets = ['"saturation":null', `"outputRun":"${graph.header.outputRun}"`, 'TaskMetadata'];
    for (const target of targets) {
      const at = text.indexOf(target);
      expect(at, target).toBeGreaterThan(0);
      const copy = Uint8Array.from(bytes);
      copy[at + target.length - 2]! ^= 0x04;
      expect(fileError(() => graphFromBytes(copy, 'flipped.qg')).message).toMatch(/checksum/);
    }
  });

  it('thousands of random single-bit flips: each fails clearly, as a graph and as an outline, each in under a second', () => {
    const bytes = graphToBytes(graph);
    const digest = graphChecksum(graph);
    const random = seededRandom(20261206);
    let failed = 0, slowest = 0;
    for (let i = 0; i < 3000; i++) {
      const copy = Uint8Array.from(bytes);
      copy[Math.floor(random() * copy.length)]! ^= 1 << Math.floor(random() * 8);
      const start = performance.now();
      try {
        expect(graphChecksum(graphFromBytes(copy, 'fuzz.qg'))).toBe(digest);
      } catch (e) {
        expect(e).toBeInstanceOf(GraphFileError);
        failed++;
      }
      expect(() => graphOutlineFromBytes(copy, 'fuzz.qg')).toThrow(GraphFileError);
      slowest = Math.max(slowest, performance.now() - start);
    }
    expect(failed).toBe(3000); // every byte is covered, so every flip is caught
    expect(slowest).toBeLessThan(1000);
  });

  it('a file that is not a graph, an Arrow file that is not a qg graph, a future version', () => {
    const text = join(dir.path, 'text.qg');
    writeFileSync(text, 'not arrow at all\n');
    fileError(() => loadGraph(text));
    fileError(() => loadGraph(join(dir.path, 'missing.qg')));
    const foreign = tableToIPC(tableFromArrays({ a: Int32Array.of(1, 2, 3) }), 'file');
    expect(fileError(() => graphFromBytes(foreign, 'foreign.qg')).message).toContain('foreign.qg');
    const t = tableFromIPC(graphToBytes(graph));
    // A future version, sealed by the documented rule (digest of the file with zeros in its place).
    const placeholder = `qg-sha256:${'0'.repeat(64)}`;
    const schema = new Schema(t.schema.fields, new Map([...t.schema.metadata, ['qg.format_version', String(GRAPH_FORMAT_VERSION + 1)], ['qg.file_checksum', placeholder]]));
    const unsealed = Buffer.from(tableToIPC(new Table([new RecordBatch(schema, t.batches[0]!.data)]), 'file')).toString('latin1');
    const future = Buffer.from(unsealed.replace(placeholder, `qg-sha256:${createHash('sha256').update(Buffer.from(unsealed, 'latin1')).digest('hex')}`), 'latin1');
    expect(fileError(() => graphFromBytes(future, 'future.qg')).message).toContain(String(GRAPH_FORMAT_VERSION + 1));
  });

  it('dependencies().order is a topological order of the producer -> consumer pairs in the edges', () => {
    for (const g of [graph, graphFromBytes(graphToBytes(graph))]) {
      const n = g.quantumCount;
      const { order, offsets, targets, indegree } = g.dependencies();
      // a permutation of all quanta
      expect(order.length).toBe(n);
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      const position = new Int32Array(n);
      order.forEach((q, i) => (position[q] = i));
      // producers from output edges, then every input/prerequisite edge of a produced dataset
      const producer = new Map<number, number>();
      for (let e = 0; e < g.edgeCount; e++) {
        if (g.connections[g.edgeConnections[e]!]!.direction !== EDGE_OUTPUT) continue;
        expect(producer.has(g.edgeDatasets[e]!), 'a dataset with two producers').toBe(false);
        producer.set(g.edgeDatasets[e]!, g.edgeQuanta[e]!);
      }
      const pairs = new Set<string>();
      for (let e = 0; e < g.edgeCount; e++) {
        if (g.connections[g.edgeConnections[e]!]!.direction === EDGE_OUTPUT) continue;
        const p = producer.get(g.edgeDatasets[e]!);
        if (p === undefined) continue;
        pairs.add(`${p}>${g.edgeQuanta[e]}`);
        expect(position[p]!, `producer ${p} after consumer ${g.edgeQuanta[e]}`).toBeLessThan(position[g.edgeQuanta[e]!]!);
      }
      expect(pairs.size).toBeGreaterThan(0);
      // the CSR arrays hold exactly those pairs; indegrees count them
      const csr = new Set<string>();
      const indeg = new Int32Array(n);
      for (let p = 0; p < n; p++) for (let i = offsets[p]!; i < offsets[p + 1]!; i++) {
        csr.add(`${p}>${targets[i]}`);
        indeg[targets[i]!]!++;
      }
      expect([...csr].sort()).toEqual([...pairs].sort());
      expect([...indegree]).toEqual([...indeg]);
      // in drp, every calibrate quantum depends on exactly one isr quantum; every isr quantum on none
      const isr = g.tasks.find((t) => t.label === 'isr')!, cal = g.tasks.find((t) => t.label === 'calibrate')!;
      for (let q = isr.quantumOffset; q < isr.quantumOffset + isr.quantumCount; q++) expect(indegree[q]).toBe(0);
      for (let q = cal.quantumOffset; q < cal.quantumOffset + cal.quantumCount; q++) expect(indegree[q]).toBe(1);
    }
  });
});

