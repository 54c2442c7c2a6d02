/**
 * Public surface of the data simulator: `simulateRepository` and its profiles, plus the
 * models (camera, sky map, survey, star field, TAN projection) that tests and tasks use to
 * compare their results with the truth.
 */
export { SimulationError } from './errors.js';
export {
  SIMULATION_PROFILES, parseBands, parsePatchesPerSide, resolveProfile,
  type ProfileName, type ProfileOverrides, type SimulationProfile,
} from './profiles.js';
export {
  SIM_COLLECTIONS, SIM_INSTRUMENT, SIM_SKYMAP, buildModels, datasetUuid, simulateRepository,
  type SimulateOptions, type SimulationProgress, type SimulationSummary,
} from './simulate-repository.js';
export { InstrumentModel, detectorGrid, type DetectorModel, type InstrumentSpec, type Pointing } from './instrument-model.js';
export { SkyMapModel, type PatchModel, type PixelBox, type SkyMapDescription, type SkyMapSpec } from './sky-map-model.js';
export {
  EXPOSURE_TIME_S, SKY_PER_ARCSEC2, SURVEY_START_TAI, VISIT_CADENCE_S, ZERO_POINTS, electronsOf, planObservations,
  type ObservingPlan, type PlannedNight, type PlannedVisit,
} from './observing-plan.js';
export { AB_NJY_ZERO_POINT, KNOWN_BANDS, STAR_MAG_RANGE, bandOffset, generateStarField, magToNanojansky, type StarField, type StarFieldSpec } from './star-field.js';
export { REF_FLUX_ERROR, refCatShards, refCatTable, truthTable } from './catalogs.js';
export { SATURATION_ADU, erf, makeBiasImage, makeFlatImage, overscanLevelAt, renderRaw, renderSources, type RawRenderSpec, type RawSource } from './raw-image.js';
export { TanProjection, raDecToVector, vectorToRaDec, type Matrix2, type TanWcsParameters } from './tan-projection.js';
export { Random, streamSeed, logFactorial } from './random.js';
export { fitsSection, utcOfTai, type SimCard } from './fits-cards.js';
// The radio simulator writes UVH5 through h5wasm (WebAssembly, seconds from the sources): loaded
// on first use, so that `qg simulate` of optical data and the demo's planning do not pay for it.
export type { RadioSimulationSummary } from './radio-simulator.js';
/** pipelines/simulate/radio-simulator.ts (simulateRadioRepository, RADIO_COLLECTIONS, radioSkyMap, ...). */
export const loadRadioSimulator = () => import('./radio-simulator.js');
export {
  ARRAY_SITE, RADIO_PROFILE, RADIO_START_JD, REF_FREQUENCY_HZ, REGION_BEAM_LEVEL, TrueGains, arrayLayout, beamFwhmDeg, channelWidth,
  observationRegion, planRadioObservations, radioSources, simulateSubband, subbandFrequencies,
  type PlannedObservation, type RadioProfile, type SubbandContext,
} from './radio-model.js';
