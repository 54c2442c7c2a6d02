/**
 * The optical chain's task types, with LSST's names and connections: isr, calibrate,
 * makeWarp, assembleCoadd (as planned by LSST's builder for the lsst-synthcam fixture), each
 * with the `run` of pipelines/image/ and its config schema (image/task-configs.ts). They are
 * declared exactly as a pipeline YAML declares a task inline (core/task-declarations.ts),
 * plus their config and `run`.
 */
import type { TaskDefinition, TaskRunInput } from '../core/connections.js';
import { defineTask } from '../core/task-declarations.js';
import { ASSEMBLE_COADD_CONFIG, CALIBRATE_CONFIG, ISR_CONFIG, MAKE_WARP_CONFIG } from '../image/task-configs.js';

/** The image code, loaded on a task's first quantum: a worker thread starts without it. */
const runs = () => import('./drp-task-runs.js');

const EXPOSURE_DETECTOR = ['instrument', 'exposure', 'detector'];
const VISIT_DETECTOR = ['instrument', 'visit', 'detector'];
const WARP = ['skymap', 'tract', 'patch', 'instrument', 'visit'];
const SKY_MAP = { datasetType: 'skyMap', dimensions: ['skymap'], storageClass: 'SkyMap' };

const isr = defineTask({
  name: 'IsrTask',
  description: 'Instrument signature removal: overscan, bias, dark, flat, variance and mask',
  dimensions: EXPOSURE_DETECTOR,
  config: ISR_CONFIG,
  inputs: {
    ccdExposure: { datasetType: 'raw', dimensions: EXPOSURE_DETECTOR, storageClass: 'ExposureF' },
  },
  prerequisiteInputs: {
    bias: { datasetType: 'bias', dimensions: ['instrument', 'detector'], storageClass: 'ExposureF', isCalibration: true },
    flat: { datasetType: 'flat', dimensions: ['instrument', 'detector', 'physical_filter'], storageClass: 'ExposureF', isCalibration: true },
  },
  outputs: {
    outputExposure: { datasetType: 'postISRCCD', dimensions: EXPOSURE_DETECTOR, storageClass: 'ExposureF' },
  },
  run: async (input: TaskRunInput) => (await runs()).runIsrTask(input),
});

const calibrate = defineTask({
  name: 'CalibrateTask',
  description: 'Background, source detection, astrometric (TAN WCS) and photometric calibration',
  dimensions: VISIT_DETECTOR,
  config: CALIBRATE_CONFIG,
  inputs: {
    exposure: { datasetType: 'postISRCCD', dimensions: EXPOSURE_DETECTOR, storageClass: 'ExposureF' },
  },
  prerequisiteInputs: {
    refCat: { datasetType: 'ref_cat', dimensions: ['htm7'], storageClass: 'ArrowTable', multiple: true, enabledBy: 'useReferenceCatalog' },
  },
  outputs: {
    outputExposure: { datasetType: 'calexp', dimensions: VISIT_DETECTOR, storageClass: 'ExposureF' },
  },
  run: async (input: TaskRunInput) => (await runs()).runCalibrateTask(input),
});

const makeWarp = defineTask({
  name: 'MakeWarpTask',
  description: "Resample a visit's calexps onto a patch's TAN grid",
  dimensions: WARP,
  config: MAKE_WARP_CONFIG,
  inputs: {
    calExpList: { datasetType: 'calexp', dimensions: VISIT_DETECTOR, storageClass: 'ExposureF', multiple: true },
    skyMap: SKY_MAP,
  },
  outputs: {
    direct: { datasetType: 'deepCoadd_directWarp', dimensions: WARP, storageClass: 'ExposureF' },
  },
  run: async (input: TaskRunInput) => (await runs()).runMakeWarpTask(input),
});

const assembleCoadd = defineTask({
  name: 'AssembleCoaddTask',
  description: 'Inverse-variance weighted mean of the warps of a patch in one band',
  dimensions: ['skymap', 'tract', 'patch', 'band'],
  config: ASSEMBLE_COADD_CONFIG,
  inputs: {
    inputWarps: { datasetType: 'deepCoadd_directWarp', dimensions: WARP, storageClass: 'ExposureF', multiple: true },
    skyMap: SKY_MAP,
  },
  outputs: {
    coaddExposure: { datasetType: 'deepCoadd', dimensions: ['skymap', 'tract', 'patch', 'band'], storageClass: 'ExposureF' },
  },
  run: async (input: TaskRunInput) => (await runs()).runAssembleCoaddTask(input),
});

/** The optical chain's task types. */
export const DRP_TASKS: readonly TaskDefinition[] = [isr, calibrate, makeWarp, assembleCoadd];
