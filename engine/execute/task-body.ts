/**
 * What the two kinds of task body share: an in-memory task (a `run` function: the task
 * library's or a module's) and a command task both reach their inputs through
 * `inputFile` (failures as INPUT_MISSING / INPUT_CORRUPT) and return a TaskBody, which the
 * executor turns into the quantum's files, log and metadata.
 */
import type { StoredFile } from '../../registry/index.js';
import { QuantumError } from '../errors.js';
import type { JobInput, LogRecord } from './quantum-executor.js';
import type { PreparedFile } from './file-batch.js';

/** Adds a line to the quantum's log. */
export type Say = (level: LogRecord['level'], name: string, message: string) => void;

/** What running a task's body gave. */
export interface TaskBody {
  /** Its output files, ready to go into place. */
  readonly prepared: readonly PreparedFile[];
  /** Figures for the quantum's metadata (`task`). */
  readonly figures: Readonly<Record<string, unknown>>;
  /** Wall seconds reading (or checking) inputs, running, and serializing (or checking) outputs. */
  readonly seconds: { readonly read: number; readonly run: number; readonly serialize: number };
  /** Bytes of the input files. */
  readonly bytesRead: number;
}

/** Human form of a data ID: `{instrument: 'X', detector: 3}` -> `instrument=X, detector=3`. */
export function formatDataId(dataId: Readonly<Record<string, unknown>>): string {
  return Object.entries(dataId).map(([k, v]) => `${k}=${v}`).join(', ');
}

/**
 * `use(file)` for one input; an input without a file record, or whose file `use` finds
 * missing (code FILE_MISSING), fails the quantum as INPUT_MISSING, any other failure as
 * INPUT_CORRUPT, naming the dataset and `pathOf` its file.
 */
export function inputFile<T>(input: JobInput, pathOf: (file: StoredFile) => string, use: (file: StoredFile) => T): T {
  const { ref, file } = input;
  if (!file) throw new QuantumError(`input ${ref.datasetType} {${formatDataId(ref.dataId)}} (dataset ${ref.id} in '${ref.run}') has no file record in this repository`, 'INPUT_MISSING');
  try {
    return use(file);
  } catch (e) {
    const kind = (e as { code?: string }).code === 'FILE_MISSING' ? 'INPUT_MISSING' : 'INPUT_CORRUPT';
    throw new QuantumError(`input ${ref.datasetType} {${formatDataId(ref.dataId)}} at ${pathOf(file)}: ${(e as Error).message}`, kind);
  }
}
