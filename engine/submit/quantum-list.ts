/**
 * Quantum lists as `qg run-quanta --quanta` takes them: comma-separated indices and inclusive
 * ranges (`0-99,250,300-310`), or `@FILE` naming a file that holds such a list (job scripts of
 * large jobs keep their lists in files; whitespace and newlines count as commas there).
 */
import { readFileSync } from 'node:fs';
import { EngineError } from '../errors.js';

/** Most quanta a list may name (graphs are far smaller; this bounds what a typo can allocate). */
const MAX_QUANTA = 2 ** 26;

/** The compact form of `quanta` (sorted, duplicates dropped, runs of consecutive indices as ranges). */
export function formatQuantumList(quanta: Iterable<number>): string {
  const sorted = [...new Set(quanta)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The indices of a list (`@FILE` read); QUANTUM_LIST names the first bad item. */
export function parseQuantumList(list: string): number[] {
  const text = list.startsWith('@') ? readList(list.slice(1)) : list;
  const out: number[] = [];
  for (const item of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    const [from, to] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!m || from > to || out.length + to - from >= MAX_QUANTA) throw new EngineError(`bad quantum list item '${item}': give indices and ranges such as 0-99,250`, 'QUANTUM_LIST');
    for (let q = from; q <= to; q++) out.push(q);
  }
  if (!out.length) throw new EngineError(`the quantum list '${list}' is empty`, 'QUANTUM_LIST');
  return out;
}

function readList(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new EngineError(`cannot read the quantum list ${path}: ${(e as Error).message}`, 'QUANTUM_LIST');
  }
}
