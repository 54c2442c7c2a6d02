/**
 * `qg certify-calibrations` (LSST's `butler certify-calibrations`): every dataset of a
 * calibration type in INPUT_RUN is certified into CALIBRATION collection OUTPUT (registered
 * when missing) for the validity range [begin, end) (TAI; an absent end is unbounded). With
 * `searchAllInputs`, INPUT may be a chain: the first dataset per data ID along it is taken.
 * One transaction; a range overlapping an existing certification of the same data ID fails
 * naming both (Datasets.certify).
 */
import type { Registry } from '../registry.js';
import { TIME_MAX, TIME_MIN } from '../time/tai-time.js';
import type { DatasetRef } from '../datasets/datasets.js';
import { MaintenanceError } from './dataset-files.js';

/** What to certify. */
export interface CertifySpec {
  readonly inputCollection: string;
  readonly outputCollection: string;
  readonly datasetType: string;
  /** TAI ns; unbounded when absent. */
  readonly begin?: bigint;
  readonly end?: bigint;
  /** Search a CHAINED input (find-first along it) instead of requiring a RUN. */
  readonly searchAllInputs?: boolean;
}

/** Certifies; returns the datasets certified. */
export async function certifyCalibrations(registry: Registry, spec: CertifySpec): Promise<DatasetRef[]> {
  const type = await registry.datasetTypes.get(spec.datasetType);
  if (!type.isCalibration) throw new MaintenanceError(`dataset type '${type.name}' is not a calibration type and cannot be certified`, 'CALIB_TYPE');
  const input = await registry.collections.get(spec.inputCollection);
  if (input.type !== 'RUN' && !spec.searchAllInputs) {
    throw new MaintenanceError(`input collection '${input.name}' is ${input.type}; name a RUN, or pass --search-all-inputs to search it in order`, 'COLLECTION_TYPE');
  }
  const begin = spec.begin ?? TIME_MIN, end = spec.end ?? TIME_MAX;
  if (!(begin < end)) throw new MaintenanceError('the validity range is empty: --begin-date must come before --end-date', 'CALIB_RANGE');
  return registry.transaction(async (tx) => {
    const refs = (await registry.datasets.query(type.name, [input.name], tx, { findFirst: true })).map(({ id, datasetType, dataId, run }) => ({ id, datasetType, dataId, run }));
    if (!refs.length) throw new MaintenanceError(`no ${type.name} datasets in '${input.name}' to certify`, 'CALIB_NONE');
    await registry.collections.register(spec.outputCollection, 'CALIBRATION', null, tx);
    await registry.datasets.certify(spec.outputCollection, refs, { begin, end }, tx);
    return refs;
  });
}
