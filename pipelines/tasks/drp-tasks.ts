/**
 * The optical chain's task types, with LSST's names and connections: isr, calibrate,
 * makeWarp, assembleCoadd (as planned by LSST's builder for the lsst-synthcam fixture), each
 * with the `run` of pipelines/image/ (config keys beyond the ones below are documented
 * there: isr.ts, calibrate.ts, make-warp.ts, assemble-coadd.ts).
 */
import type { Connection, TaskDefinition } from '../core/connections.js';
import { runAssembleCoaddTask, runCalibrateTask, runIsrTask, runMakeWarpTask } from './drp-task-runs.js';

const isr: TaskDefinition = {
  name: 'IsrTask',
  description: 'Instrument signature removal: overscan, bias, dark, flat, variance and mask',
  dimensions: ['instrument', 'exposure', 'detector'],
  // overscanFitOrder: polynomial degree along the readout (negative: per-row medians).
  defaults: { doDark: true, saturation: 65000, overscanFitOrder: 1, overscanStatistic: 'median' },
  connections: () => [
    { name: 'ccdExposure', kind: 'input', datasetType: 'raw', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'Exposure' },
    { name: 'bias', kind: 'prerequisite', datasetType: 'bias', dimensions: ['instrument', 'detector'], storageClass: 'ExposureF', isCalibration: true },
    { name: 'flat', kind: 'prerequisite', datasetType: 'flat', dimensions: ['instrument', 'detector', 'physical_filter'], storageClass: 'ExposureF', isCalibration: true },
    { name: 'outputExposure', kind: 'output', datasetType: 'postISRCCD', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'ExposureF' },
  ],
  run: (input) => runIsrTask(isr.defaults)(input),
};

const calibrate: TaskDefinition = {
  name: 'CalibrateTask',
  description: 'Background, source detection, astrometric (TAN WCS) and photometric calibration',
  dimensions: ['instrument', 'visit', 'detector'],
  defaults: { useReferenceCatalog: false, detectionThreshold: 5, matchRadiusArcsec: 2 },
  connections: (config) => {
    const list: Connection[] = [
      { name: 'exposure', kind: 'input', datasetType: 'postISRCCD', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'ExposureF' },
      { name: 'outputExposure', kind: 'output', datasetType: 'calexp', dimensions: ['instrument', 'visit', 'detector'], storageClass: 'ExposureF' },
    ];
    if (config['useReferenceCatalog']) {
      list.push({ name: 'refCat', kind: 'prerequisite', datasetType: 'ref_cat', dimensions: ['htm7'], storageClass: 'ArrowTable', multiple: true });
    }
    return list;
  },
  run: (input) => runCalibrateTask(calibrate.defaults)(input),
};

const makeWarp: TaskDefinition = {
  name: 'MakeWarpTask',
  description: "Resample a visit's calexps onto a patch's TAN grid",
  dimensions: ['skymap', 'tract', 'patch', 'instrument', 'visit'],
  defaults: { kernel: 'lanczos3' },
  connections: () => [
    { name: 'calExpList', kind: 'input', datasetType: 'calexp', dimensions: ['instrument', 'visit', 'detector'], storageClass: 'ExposureF', multiple: true },
    { name: 'skyMap', kind: 'input', datasetType: 'skyMap', dimensions: ['skymap'], storageClass: 'SkyMap' },
    { name: 'direct', kind: 'output', datasetType: 'deepCoadd_directWarp', dimensions: ['skymap', 'tract', 'patch', 'instrument', 'visit'], storageClass: 'ExposureF' },
  ],
  run: (input) => runMakeWarpTask(makeWarp.defaults)(input),
};

const assembleCoadd: TaskDefinition = {
  name: 'AssembleCoaddTask',
  description: 'Inverse-variance weighted mean of the warps of a patch in one band',
  dimensions: ['skymap', 'tract', 'patch', 'band'],
  defaults: {},
  connections: () => [
    { name: 'inputWarps', kind: 'input', datasetType: 'deepCoadd_directWarp', dimensions: ['skymap', 'tract', 'patch', 'instrument', 'visit'], storageClass: 'ExposureF', multiple: true },
    { name: 'skyMap', kind: 'input', datasetType: 'skyMap', dimensions: ['skymap'], storageClass: 'SkyMap' },
    { name: 'coaddExposure', kind: 'output', datasetType: 'deepCoadd', dimensions: ['skymap', 'tract', 'patch', 'band'], storageClass: 'ExposureF' },
  ],
  run: (input) => runAssembleCoaddTask(assembleCoadd.defaults)(input),
};

/** The optical chain's task types. */
export const DRP_TASKS: readonly TaskDefinition[] = [isr, calibrate, makeWarp, assembleCoadd];
