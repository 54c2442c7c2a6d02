/**
 * Helpers for the planner tests: canonical data-ID keys, and a quantum graph read back into
 * plain maps (task -> quantum data ID -> inputs by dataset type or connection), computed from
 * the graph's edge arrays only.
 */
import { expect } from 'vitest';
import { EDGE_OUTPUT, type QuantumGraph } from '../../planner/index.js';

/** A data ID as canonical text: keys sorted, values as given (numbers stay numbers). */
export function dataIdKey(dataId: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(Object.keys(dataId).sort().map((k) => [k, dataId[k]]));
}

/** A dataset reference as canonical text: data ID and run. */
export function refKey(dataId: Readonly<Record<string, unknown>>, run: string): string {
  return `${dataIdKey(dataId)}@${run}`;
}

/** Per quantum: inputs (regular and prerequisite) by key, each a sorted list of {@link refKey}s. */
export type QuantumInputs = Map<string, Record<string, string[]>>;

/**
 * Task label -> quantum data-ID key -> inputs, keyed by dataset type name (`'type'`) or by
 * connection name (`'connection'`); outputs are left out unless `outputs` is set.
 */
export function graphQuanta(g: QuantumGraph, keyBy: 'type' | 'connection' = 'type', outputs = false): Map<string, QuantumInputs> {
  const out = new Map<string, QuantumInputs>();
  const { offsets, edges } = g.edgesByQuantum();
  for (const t of g.tasks) {
    const quanta: QuantumInputs = new Map();
    out.set(t.label, quanta);
    for (let q = t.quantumOffset; q < t.quantumOffset + t.quantumCount; q++) {
      const inputs: Record<string, string[]> = {};
      for (let i = offsets[q]!; i < offsets[q + 1]!; i++) {
        const e = edges[i]!;
        expect(g.edgeQuanta[e]).toBe(q);
        const c = g.connections[g.edgeConnections[e]!]!;
        expect(c.task).toBe(g.tasks.indexOf(t));
        if ((c.direction === EDGE_OUTPUT) !== outputs) continue;
        const d = g.edgeDatasets[e]!;
        expect(g.typeOf(d)).toBe(c.datasetType);
        const key = keyBy === 'type' ? g.datasetTypes[c.datasetType]!.name : c.name;
        (inputs[key] ??= []).push(refKey(g.datasetDataId(d), g.runs[g.datasetRuns[d]!]!));
      }
      for (const list of Object.values(inputs)) list.sort();
      const key = dataIdKey(g.quantumDataId(q));
      expect(quanta.has(key), `duplicate ${t.label} quantum ${key}`).toBe(false);
      quanta.set(key, inputs);
    }
  }
  return out;
}

/** Sorted entries of a map of quanta, for readable `toEqual` diffs. */
export function sortedQuanta(quanta: QuantumInputs): [string, Record<string, string[]>][] {
  return [...quanta.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
