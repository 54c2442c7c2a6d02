/**
 * `qg collection-chain` (LSST's `butler collection-chain`): edits a CHAINED collection's
 * search path. `redefine` (the default) replaces it, `extend` appends, `prepend` puts in
 * front (a child already in the chain moves to its new place), `remove` takes children out,
 * `pop` takes out children by position (0 when none are given; negative counts from the end).
 * `redefine`, `extend` and `prepend` create the chain when it does not exist. Cycles are
 * refused; the edit is one transaction.
 */
import type { Registry } from '../registry.js';
import { MaintenanceError } from './dataset-files.js';

/** The modes of butler's `collection-chain`. */
export type ChainEditMode = 'redefine' | 'extend' | 'remove' | 'prepend' | 'pop';

/** The modes, for option checking. */
export const CHAIN_EDIT_MODES: readonly ChainEditMode[] = ['redefine', 'extend', 'remove', 'prepend', 'pop'];

/** Options of {@link editCollectionChain}. */
export interface ChainEditOptions {
  readonly mode?: ChainEditMode;
  /** Documentation of a chain created here. */
  readonly doc?: string;
  /** Replace children that are chains by their (recursively flattened) children. */
  readonly flatten?: boolean;
}

/** The chain after the edit, and what `pop` took out. */
export interface ChainEditResult {
  readonly children: readonly string[];
  readonly created: boolean;
  readonly popped: readonly string[];
}

/** Edits CHAINED collection `parent` (children are names, or positions for `pop`). */
export async function editCollectionChain(registry: Registry, parent: string, children: readonly string[], options: ChainEditOptions = {}): Promise<ChainEditResult> {
  const mode = options.mode ?? 'redefine';
  if (!CHAIN_EDIT_MODES.includes(mode)) throw new MaintenanceError(`unknown mode '${mode}' (expected ${CHAIN_EDIT_MODES.join(', ')})`, 'USAGE_MODE');
  const collections = registry.collections;
  collections.invalidate();
  return registry.transaction(async (tx) => {
    let created = false;
    if (!(await collections.has(parent, tx))) {
      if (mode === 'remove' || mode === 'pop') await collections.get(parent, tx); // unknown: an error with a suggestion
      await collections.register(parent, 'CHAINED', options.doc ?? null, tx);
      created = true;
    }
    const current = await collections.getChain(parent, tx);
    let wanted: string[] = [];
    if (mode !== 'pop') {
      for (const child of children) await collections.get(child, tx); // each must exist
      wanted = options.flatten ? (await collections.flatten(children, tx)).map((c) => c.name) : [...new Set(children)];
    }
    let next: string[];
    let popped: string[] = [];
    switch (mode) {
      case 'redefine':
        next = wanted;
        break;
      case 'extend':
        next = [...current.filter((c) => !wanted.includes(c)), ...wanted];
        break;
      case 'prepend':
        next = [...wanted, ...current.filter((c) => !wanted.includes(c))];
        break;
      case 'remove': {
        const missing = wanted.filter((c) => !current.includes(c));
        if (missing.length) throw new MaintenanceError(`'${parent}' does not contain ${missing.map((c) => `'${c}'`).join(', ')} (its children: ${current.join(', ') || 'none'})`, 'COLLECTION_NOT_IN_CHAIN');
        next = current.filter((c) => !wanted.includes(c));
        break;
      }
      case 'pop': {
        const positions = (children.length ? children : ['0']).map((text) => {
          const n = Number(text);
          if (!/^-?\d+$/.test(text.trim()) || n >= current.length || n < -current.length) {
            throw new MaintenanceError(`pop takes positions in the chain (0 to ${current.length - 1}, or negative from the end); '${parent}' has ${current.length} children, got '${text}'`, 'USAGE_POSITION');
          }
          return n < 0 ? current.length + n : n;
        });
        const drop = new Set(positions);
        popped = current.filter((_, i) => drop.has(i));
        next = current.filter((_, i) => !drop.has(i));
        break;
      }
    }
    await collections.setChain(parent, next, tx);
    return { children: next, created, popped };
  });
}
