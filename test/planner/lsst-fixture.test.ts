/**
 * The LSST fixture (../shared/fixtures/lsst-synthcam): after importing LSST's butler export,
 * `buildQuantumGraph` on drp.yaml must plan exactly the quanta LSST's own builder planned
 * (quanta.json, quanta_gr_p0-30.json), with exactly the same input datasets (data IDs and
 * runs, bias/flat prerequisites with their epoch runs) for every quantum, and LSST's counts
 * of quanta, datasets and edges. Then the same through `qg build --save` and
 * `qg show --format jsonl` (keys are connection names there).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Repository } from '../../registry/index.js';
import { importButlerExport } from '../../registry/butler-export/butler-import.js';
import { buildQuantumGraph, STATE_EXISTING, STATE_PREDICTED, type QuantumGraph } from '../../planner/index.js';
import { main } from '../../engine/cli/main.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';
import { dataIdKey, graphQuanta, refKey, sortedQuanta, type QuantumInputs } from './planner-helpers.js';
import { LSST_FIXTURE } from '../support/fixtures.js';

const FIXTURE = LSST_FIXTURE;
const BASE_WHERE = "instrument='SynthCam' AND skymap='synthSkyMap'";
const GR_WHERE = `${BASE_WHERE} AND band IN ('g','r') AND patch IN (0..30)`;
const OUTPUT_RUN = 'u/synth/run';
const INPUTS = ['SynthCam/defaults'];

interface LsstQuantum {
  data_id: Record<string, string | number>;
  /** dataset type name -> JSON strings {"data_id": ..., "run": ...} */
  inputs: Record<string, string[]>;
}
interface LsstSummary {
  quanta: number;
  quanta_per_task: Record<string, number>;
  datasets: number;
  quantum_dataset_edges: number;
}

/** LSST's quanta in the shape of {@link graphQuanta} (the inner JSON strings parsed a second time). */
function lsstQuanta(file: string): Map<string, QuantumInputs> {
  const raw = JSON.parse(readFileSync(join(FIXTURE, file), 'utf8')) as Record<string, LsstQuantum[]>;
  const out = new Map<string, QuantumInputs>();
  for (const [label, list] of Object.entries(raw)) {
    const quanta: QuantumInputs = new Map();
    for (const q of list) {
      const inputs: Record<string, string[]> = {};
      for (const [type, refs] of Object.entries(q.inputs)) {
        inputs[type] = refs.map((s) => {
          const r = JSON.parse(s) as { data_id: Record<string, string | number>; run: string };
          return refKey(r.data_id, r.run);
        }).sort();
      }
      quanta.set(dataIdKey(q.data_id), inputs);
    }
    out.set(label, quanta);
  }
  return out;
}

function summary(file: string): LsstSummary {
  return JSON.parse(readFileSync(join(FIXTURE, file), 'utf8')) as LsstSummary;
}

const CASES = [
  { name: 'full', where: BASE_WHERE, quanta: 'quanta.json', summary: 'lsst-build-summary.json' },
  { name: 'g,r and patches 0..30', where: GR_WHERE, quanta: 'quanta_gr_p0-30.json', summary: 'lsst-build-summary_gr_p0-30.json' },
] as const;

const expected = new Map<string, { quanta: Map<string, QuantumInputs>; summary: LsstSummary }>(CASES.map((c) => [c.name, { quanta: lsstQuanta(c.quanta), summary: summary(c.summary) }]));

/** Checks `g` against LSST's dump and counts. */
function checkAgainstLsst(g: QuantumGraph, name: string): void {
  const { quanta: lsst, summary: s } = expected.get(name)!;
  expect(g.tasks.map((t) => [t.label, t.quantumCount])).toEqual(Object.entries(s.quanta_per_task));
  expect(g.quantumCount).toBe(s.quanta);
  expect(g.datasetCount).toBe(s.datasets);
  expect(g.edgeCount).toBe(s.quantum_dataset_edges);
  const ours = graphQuanta(g, 'type');
  expect([...ours.keys()].sort()).toEqual([...lsst.keys()].sort());
  for (const [label, quanta] of lsst) {
    expect(ours.get(label)!.size, label).toBe(quanta.size);
    // one readable diff per task: quantum data IDs with their inputs
    expect(sortedQuanta(ours.get(label)!), label).toEqual(sortedQuanta(quanta));
  }
}

describe.each(DIALECTS)('LSST synthcam fixture through buildQuantumGraph (%s)', (dialect) => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo(dialect));
    await importButlerExport(repo, join(FIXTURE, 'export.yaml'));
  }, 120_000);
  afterAll(async () => dispose?.());

  it.each(CASES)('$name: the same quanta, inputs and counts as LSST', async (c) => {
    const result = await buildQuantumGraph(repo, { pipeline: 'drp.yaml', inputs: INPUTS, outputRun: OUTPUT_RUN, where: c.where });
    checkAgainstLsst(result.graph, c.name);
    const g = result.graph;
    expect(g.header.outputRun).toBe(OUTPUT_RUN);
    expect(g.header.where).toBe(c.where);
    expect(g.header.pruned).toEqual([]);
    // states: raws, calibrations and the skyMap exist; everything the pipeline writes is predicted
    for (const t of g.datasetTypes) {
      const states = new Set(g.datasetStates.subarray(t.datasetOffset, t.datasetOffset + t.datasetCount));
      const existing = ['raw', 'bias', 'flat', 'skyMap'].includes(t.name);
      expect([...states], t.name).toEqual(t.datasetCount ? [existing ? STATE_EXISTING : STATE_PREDICTED] : []);
    }
    // a statement count that does not depend on the number of quanta (both cases: same count)
    expect(result.statements).toBeGreaterThan(0);
    expect(result.statements).toBeLessThan(200);
  });

  it('the two where expressions cost the same number of statements', async () => {
    const a = await buildQuantumGraph(repo, { pipeline: 'drp.yaml', inputs: INPUTS, outputRun: OUTPUT_RUN, where: BASE_WHERE });
    const b = await buildQuantumGraph(repo, { pipeline: 'drp.yaml', inputs: INPUTS, outputRun: OUTPUT_RUN, where: GR_WHERE });
    expect(b.statements).toBe(a.statements);
  });

  it.runIf(dialect === DIALECTS[0])('qg build --save then qg show --format jsonl: the same quanta and inputs, by connection name', async () => {
    const dir = tempDir('qg-fixture-cli-');
    try {
      for (const c of CASES) {
        const file = join(dir.path, `${c.name.replace(/\W+/g, '_')}.qg`);
        const log = vi.spyOn(console, 'log').mockImplementation(() => {});
        const err = vi.spyOn(console, 'error').mockImplementation(() => {});
        let status: number;
        try {
          status = await main(['build', '-b', root, '-p', 'drp.yaml', '-i', INPUTS.join(','), '--output-run', OUTPUT_RUN, '--where', c.where, '--save', file]);
          expect(err.mock.calls).toEqual([]);
          const line = log.mock.calls.map((a) => a.join(' ')).find((l) => l.startsWith('built '))!;
          const s = expected.get(c.name)!.summary;
          expect(line).toContain(`built ${s.quanta} quanta (${Object.entries(s.quanta_per_task).map(([l, n]) => `${l} ${n}`).join(', ')}), ${s.datasets} datasets, ${s.quantum_dataset_edges} edges`);
        } finally {
          log.mockRestore();
          err.mockRestore();
        }
        expect(status).toBe(0);
        const chunks: string[] = [];
        const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
          chunks.push(String(chunk));
          return true;
        });
        try {
          status = await main(['show', file, '--format', 'jsonl']);
        } finally {
          write.mockRestore();
        }
        expect(status).toBe(0);
        const lines = chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as {
          task: string; dataId: Record<string, string | number>;
          inputs: Record<string, { datasetType: string; dataId: Record<string, string | number>; run: string }[]>;
          outputs: Record<string, { datasetType: string; dataId: Record<string, string | number>; run: string }[]>;
        });
        const { quanta: lsst, summary: s } = expected.get(c.name)!;
        expect(lines.length).toBe(s.quanta);
        const connectionTypes: Record<string, Record<string, string>> = {
          isr: { ccdExposure: 'raw', bias: 'bias', flat: 'flat' },
          calibrate: { exposure: 'postISRCCD' },
          makeWarp: { calExpList: 'calexp', skyMap: 'skyMap' },
          assembleCoadd: { inputWarps: 'deepCoadd_directWarp', skyMap: 'skyMap' },
        };
        const outputTypes: Record<string, Record<string, string>> = {
          isr: { outputExposure: 'postISRCCD' }, calibrate: { outputExposure: 'calexp' },
          makeWarp: { direct: 'deepCoadd_directWarp' }, assembleCoadd: { coaddExposure: 'deepCoadd' },
        };
        const seen = new Map<string, QuantumInputs>();
        for (const q of lines) {
          const inputs: Record<string, string[]> = {};
          expect(Object.keys(q.inputs).sort()).toEqual(Object.keys(connectionTypes[q.task]!).sort());
          for (const [connection, refs] of Object.entries(q.inputs)) {
            const type = connectionTypes[q.task]![connection]!;
            for (const r of refs) expect(r.datasetType).toBe(type);
            inputs[type] = refs.map((r) => refKey(r.dataId, r.run)).sort();
          }
          // outputs: the task's own output plus metadata and log, all in the output run with the quantum's data ID
          expect(Object.keys(q.outputs).sort()).toEqual([...Object.keys(outputTypes[q.task]!), 'log', 'metadata'].sort());
          for (const [connection, refs] of Object.entries(q.outputs)) {
            expect(refs.length).toBe(1);
            expect(refs[0]!.datasetType).toBe(outputTypes[q.task]![connection] ?? `${q.task}_${connection}`);
            expect(refs[0]!.run).toBe(OUTPUT_RUN);
            expect(dataIdKey(refs[0]!.dataId)).toBe(dataIdKey(q.dataId));
          }
          const tq = seen.get(q.task) ?? new Map();
          seen.set(q.task, tq);
          tq.set(dataIdKey(q.dataId), inputs);
        }
        for (const [label, quanta] of lsst) expect(sortedQuanta(seen.get(label)!), label).toEqual(sortedQuanta(quanta));
      }
    } finally {
      dir.cleanup();
    }
  });
});
