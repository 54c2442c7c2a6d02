/**
 * The `run` functions of the optical chain's tasks: each checks its inputs (by connection
 * name, as the engine passes them), reads its config through the task's schema (defaults
 * filled in) and calls the pure image code in pipelines/image/.
 */
import type { Exposure } from '../../registry/index.js';
import { readConfig } from '../core/config-schema.js';
import type { TaskRunInput, TaskRunOutput } from '../core/connections.js';
import {
  ASSEMBLE_COADD_CONFIG, CALIBRATE_CONFIG, ISR_CONFIG, ImageError, MAKE_WARP_CONFIG, patchGrid,
  runAssembleCoadd, runCalibrate, runIsr, runMakeWarp,
} from '../image/index.js';

/** True if `value` has the shape of an in-memory exposure. */
function isExposure(value: unknown): value is Exposure {
  const e = value as Exposure;
  return typeof value === 'object' && value !== null && Number.isInteger(e.width) && Number.isInteger(e.height) &&
    typeof e.image === 'object' && e.image !== null && typeof (e.header as { get?: unknown } | undefined)?.get === 'function';
}

function exposureInput(input: TaskRunInput, name: string, optional: true): Exposure | undefined;
function exposureInput(input: TaskRunInput, name: string, optional?: false): Exposure;
function exposureInput(input: TaskRunInput, name: string, optional = false): Exposure | undefined {
  const v = input.inputs[name];
  if (v === undefined || v === null) {
    if (optional) return undefined;
    throw new ImageError(`input '${name}' is missing`, 'IMAGE_INPUT');
  }
  if (!isExposure(v)) throw new ImageError(`input '${name}' is not an exposure (width, height, image, header)`, 'IMAGE_INPUT');
  return v;
}

function exposureList(input: TaskRunInput, name: string): Exposure[] {
  const v = input.inputs[name];
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  list.forEach((e, i) => {
    if (!isExposure(e)) throw new ImageError(`input '${name}'[${i}] is not an exposure`, 'IMAGE_INPUT');
  });
  return list as Exposure[];
}

function numberId(input: TaskRunInput, key: string): number {
  const v = Number(input.dataId[key]);
  if (!Number.isFinite(v)) throw new ImageError(`data ID lacks ${key}`, 'IMAGE_INPUT');
  return v;
}

/** Plain figures for the metadata dataset (non-finite numbers become null, as JSON has them). */
function figures(record: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? null : v]));
}

function timed<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const out = fn();
  return [out, (performance.now() - start) / 1000];
}

/** isr: ccdExposure + bias + flat (+ an optional `dark` input) -> outputExposure. */
export function runIsrTask(input: TaskRunInput): TaskRunOutput {
  const config = readConfig(ISR_CONFIG, input.config, 'isr');
  const raw = exposureInput(input, 'ccdExposure');
  const bias = exposureInput(input, 'bias', true), flat = exposureInput(input, 'flat', true), dark = exposureInput(input, 'dark', true);
  const [result, seconds] = timed(() => runIsr(raw, { ...(bias ? { bias } : {}), ...(flat ? { flat } : {}), ...(dark ? { dark } : {}) }, config));
  for (const s of result.metadata.steps) input.log(`isr: ${s}`);
  return { outputs: { outputExposure: result.exposure }, metadata: { ...figures(result.metadata), computeSeconds: seconds } };
}

/** calibrate: exposure (+ refCat shards) -> outputExposure (calexp). */
export function runCalibrateTask(input: TaskRunInput): TaskRunOutput {
  const config = readConfig(CALIBRATE_CONFIG, input.config, 'calibrate');
  const exposure = exposureInput(input, 'exposure');
  const refCat = input.inputs['refCat'];
  const shards = refCat === undefined || refCat === null ? undefined : Array.isArray(refCat) ? refCat : [refCat];
  if (config.useReferenceCatalog && !shards) throw new ImageError("useReferenceCatalog is set but input 'refCat' is missing", 'IMAGE_INPUT');
  const [result, seconds] = timed(() => runCalibrate(exposure, shards, config, input.log));
  return { outputs: { outputExposure: result.exposure }, metadata: { ...figures(result.metadata), computeSeconds: seconds } };
}

/** makeWarp: calExpList + skyMap -> direct (the visit's warp on the patch). */
export function runMakeWarpTask(input: TaskRunInput): TaskRunOutput {
  const config = readConfig(MAKE_WARP_CONFIG, input.config, 'makeWarp');
  const calexps = exposureList(input, 'calExpList');
  const grid = patchGrid(input.inputs['skyMap'], numberId(input, 'tract'), numberId(input, 'patch'));
  const visit = input.dataId['visit'], skymap = input.dataId['skymap'];
  const [result, seconds] = timed(() => runMakeWarp(calexps, grid, config, {
    ...(visit !== undefined ? { visit } : {}), ...(skymap !== undefined ? { skymap: String(skymap) } : {}),
  }));
  input.log(`makeWarp: ${result.metadata.nContributing} of ${calexps.length} calexps cover ${(100 * result.metadata.coveredFraction).toFixed(1)}% of patch ${grid.patch}`);
  for (const s of result.metadata.skipped) input.log(`makeWarp: skipped ${s}`);
  return { outputs: { direct: result.exposure }, metadata: { ...figures(result.metadata), computeSeconds: seconds } };
}

/** assembleCoadd: inputWarps + skyMap -> coaddExposure. */
export function runAssembleCoaddTask(input: TaskRunInput): TaskRunOutput {
  const config = readConfig(ASSEMBLE_COADD_CONFIG, input.config, 'assembleCoadd');
  const warps = exposureList(input, 'inputWarps');
  const grid = patchGrid(input.inputs['skyMap'], numberId(input, 'tract'), numberId(input, 'patch'));
  const band = input.dataId['band'], skymap = input.dataId['skymap'];
  const [result, seconds] = timed(() => runAssembleCoadd(warps, grid, config, {
    ...(band !== undefined ? { band: String(band) } : {}), ...(skymap !== undefined ? { skymap: String(skymap) } : {}),
  }));
  input.log(`assembleCoadd: ${result.metadata.nContributing} of ${warps.length} warps, mean count ${result.metadata.meanCount.toFixed(2)}`);
  for (const s of result.metadata.skipped) input.log(`assembleCoadd: skipped ${s}`);
  const { weights, ...rest } = result.metadata;
  return { outputs: { coaddExposure: result.exposure }, metadata: { ...figures(rest), weights, computeSeconds: seconds } };
}
