/**
 * The module task of visit-stats.yaml (`run: {module: ./visit-psf.ts}`). qg reads the calexps
 * of one visit (each an Exposure: width, height, pixels and FITS header) and passes them in
 * data-ID order, their data IDs beside them; `run` returns the visit's PSF sigma per detector
 * and their median, which qg writes as JSON (StructuredDataDict). A task does no I/O itself.
 */
import type { Exposure } from '../../registry/index.js';
import type { TaskDataId, TaskRunInput, TaskRunOutput } from '../index.js';

/** One visit's PSF: the median over its detectors and each detector's Gaussian sigma, in pixels. */
export function run({ dataId, inputs, inputDataIds, log }: TaskRunInput): TaskRunOutput {
  const calexps = inputs['calexp'] as Exposure[];
  const ids = inputDataIds['calexp'] as TaskDataId[];
  const sigmas = calexps.map((e) => e.header.getNumber('PSFSIGMA') ?? NaN);
  const sorted = sigmas.filter(Number.isFinite).sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[sorted.length >> 1]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  log(`visit ${dataId['visit']}: median PSF sigma ${median.toFixed(3)} px over ${calexps.length} detectors`);
  return {
    outputs: { psf: { visit: dataId['visit'], medianSigma: median, perDetector: ids.map((id, i) => ({ detector: id['detector'], sigma: sigmas[i] })) } },
    metadata: { detectors: calexps.length },
  };
}
