/**
 * Why a build left quanta out, as data: the pruning step records a reason per group of
 * quanta, and the graph header, `qg build` and `qg explain` word it through the functions
 * here, so every place prints the same sentence.
 */

/** Why a quantum was pruned: a regular input connection with too few datasets. */
export type PruneReason =
  /** A single (non-gathering) input whose dataset neither exists nor will be made. */
  | { readonly kind: 'missingInput'; readonly task: string; readonly connection: string; readonly datasetType: string }
  /** Fewer available datasets than the connection's minimum. */
  | {
    readonly kind: 'belowMinimum'; readonly task: string; readonly connection: string; readonly datasetType: string;
    readonly available: number; readonly minimum: number;
  };

/** The quanta of one task pruned for one reason: how many, and the data IDs of the first few. */
export interface PrunedQuanta {
  readonly reason: PruneReason;
  readonly count: number;
  readonly examples: readonly Record<string, string | number>[];
}

/** Quanta left out of a build: pruned ones by reason (in pipeline order), and skipped ones. */
export interface QuantaLeftOut {
  readonly pruned: readonly PrunedQuanta[];
  /** Quanta whose outputs all exist in `skipExistingIn`. */
  readonly skipped: number;
  readonly skipExistingIn: readonly string[];
}

/** The reason as the graph header records it (`no postISRCCD for input 'exposure'`). */
export function pruneReasonText(r: PruneReason): string {
  return r.kind === 'missingInput'
    ? `no ${r.datasetType} for input '${r.connection}'`
    : `${r.available} ${r.datasetType} for input '${r.connection}', fewer than its minimum ${r.minimum}`;
}

/**
 * The causes of an empty graph, one line per group: the skipped quanta first, then the
 * pruned ones in pipeline order (the first task's reasons are the root causes, later ones
 * follow from them).
 */
export function leftOutCauses(l: QuantaLeftOut): string[] {
  return [
    ...(l.skipped ? [`${l.skipped} quanta skipped: all their outputs already exist in ${l.skipExistingIn.join(', ')}`] : []),
    ...l.pruned.map((p) => `${p.count} ${p.reason.task} quanta pruned: ${pruneReasonText(p.reason)} (e.g. ${JSON.stringify(p.examples[0])})`),
  ];
}
