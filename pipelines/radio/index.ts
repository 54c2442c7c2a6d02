/**
 * Public surface of the radio chain's library (the tasks themselves are the modules
 * pipelines/radio.yaml names, each exporting `run`): UVH5 I/O, the imaging and mosaicking
 * functions behind the tasks, and source measurement against a catalog.
 */
export { RadioError } from './errors.js';
export { readUvh5, writeUvh5, Uvh5Reader, type UvData, type UvMeta } from './uvh5.js';
export { sourcesFromTable } from './calibrate-gains.js';
export { IMAGE_DEFAULTS, imageObservation, type ImageConfig, type ImageFigures } from './image.js';
export { MOSAIC_DEFAULTS, buildMosaic, type MosaicConfig, type MosaicFigures } from './mosaic.js';
export { exposureSource, type MosaicTile, type TileSource } from './mosaic-tiles.js';
export { measurePeak, measureSources, type Peak, type SourceMeasurement } from './source-peaks.js';
export { sourceFlux, type PointSource } from './interferometry.js';
