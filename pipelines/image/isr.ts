/**
 * Instrument signature removal, a pure function of a raw and its calibrations. In order:
 *
 *   1. overscan: a level per readout row (or column) from BIASSEC, subtracted (ADU);
 *   2. trim to TRIMSEC (else DATASEC, else the raw less the overscan columns);
 *   3. bias: minus the bias frame (ADU, or electrons when its BUNIT says so);
 *   4. gain: times GAIN (e-/ADU) - the image is in electrons from here on;
 *   5. dark: minus dark x (DARKTIME of the raw / DARKTIME of the dark), when a dark is given;
 *   6. variance (e-^2) = max(signal, 0) + RDNOISE^2, with signal in detected electrons
 *      before the dark is removed (so dark current counts as shot noise);
 *   7. flat: image / flat and variance / flat^2 (the flat is the detected fraction of the
 *      incoming light, so the result is incoming electrons);
 *   8. mask: SAT where the raw reached SATURATE (config `saturation` overrides it), BAD
 *      where the flat is below `minFlat` or not finite and in the configured bad sections;
 *      BAD pixels have NaN image and variance.
 *
 * A raw ISR cannot trust is refused rather than processed (see {@link readRaw}): 8-bit pixels,
 * or a header without a keyword ISR uses and no config value standing in for it.
 *
 * The header carries over, with the WCS reference pixel (CRPIXn) and IRAF's LTVn moved by
 * the trim, BUNIT = 'electron', the mask-plane cards and ISR figures.
 */
import type { Exposure } from '../../registry/index.js';
import { FitsHeader } from '../../registry/datastore/fits/index.js';
import { readConfig, type ConfigOf } from '../core/config-schema.js';
import { ISR_CONFIG } from './task-configs.js';
import { ImageError } from './errors.js';
import { formatFitsSection, parseFitsSection, type PixelBox } from './fits-section.js';
import { derivedHeader, headerNumber, headerString, setReal, setValue } from './header-cards.js';
import { maskBit, maskPlaneCards } from './mask-planes.js';
import { estimateOverscan, type OverscanEstimate } from './overscan.js';
import { medianInPlace } from './statistics.js';

/** ISR settings (the task config with defaults filled in by {@link readConfig}). */
export type IsrConfig = ConfigOf<typeof ISR_CONFIG>;

/** Every ISR field at its default. */
export const ISR_DEFAULTS: IsrConfig = readConfig(ISR_CONFIG, {}, 'isr');

/** The calibrations ISR applies; any may be absent (that step is then skipped). */
export interface IsrCalibrations {
  readonly bias?: Exposure;
  readonly flat?: Exposure;
  /** Dark current image (electrons in the dark's DARKTIME, default 1 s), data-section sized. */
  readonly dark?: Exposure;
}

/** Figures of one ISR run. */
export interface IsrMetadata {
  readonly gain: number;
  readonly readNoise: number;
  readonly overscanAxis: 'row' | 'column' | 'none';
  /** ADU. */
  readonly overscanMean: number;
  readonly overscanResidualRms: number;
  readonly overscanRejected: number;
  readonly trimSection: string;
  /** EXPTIME of the raw, seconds. */
  readonly exposureTime: number;
  readonly saturation: number;
  readonly nSaturated: number;
  readonly nBad: number;
  readonly darkScale: number;
  /** Median of the output image, electrons. */
  readonly medianLevel: number;
  readonly steps: readonly string[];
}

/** Output of {@link runIsr}. */
export interface IsrResult {
  readonly exposure: Exposure;
  readonly metadata: IsrMetadata;
}

/** Keywords that describe the raw layout and not the trimmed image. */
const RAW_LAYOUT = ['DATASEC', 'TRIMSEC', 'BIASSEC', 'CCDSEC', 'BUNIT'];

/** What ISR reads from a raw's header, config values standing in where given. */
export interface RawReadout {
  /** EXPTIME, seconds. */
  readonly exposureTime: number;
  /** e-/ADU. */
  readonly gain: number;
  /** e-. */
  readonly readNoise: number;
  /** ADU. */
  readonly saturation: number;
  /** BIASSEC (required while doOverscan is set). */
  readonly biasSection: string | undefined;
}

/**
 * Reads what ISR needs of `raw`, refusing a raw it cannot trust (ImageError naming the
 * keyword): 8-bit pixels (BITPIX 8 holds at most 255 ADU, and no CCD reads out at 8 bits:
 * such a file is not a raw); a header without EXPTIME, GAIN, RDNOISE (or READNOIS) or
 * SATURATE, unless the config's gain, readNoise or saturation stands in; without BIASSEC
 * while doOverscan is set. Values must be finite, gain and saturation positive.
 */
export function readRaw(raw: Exposure, config: IsrConfig): RawReadout {
  const { header, image } = raw;
  if (header.get('BITPIX') === 8 || image instanceof Uint8Array || image instanceof Int8Array) {
    throw new ImageError('raw has 8-bit pixels (BITPIX 8, at most 255 ADU): not a CCD readout; ISR needs 16-bit or wider raws', 'IMAGE_INPUT');
  }
  /** The first of `keywords` the header has (or the config's value), at least `min` (exclusive when `strict`). */
  const value = (keywords: readonly string[], configured: number | undefined, configKey: string | null, min: number, strict: boolean): number => {
    const keyword = keywords.find((k) => header.has(k));
    if (configured === undefined && keyword === undefined) {
      throw new ImageError(`raw header has no ${keywords.join(' or ')}${configKey ? ` (or set isr config ${configKey})` : ''}`, 'IMAGE_HEADER');
    }
    const v = configured ?? headerNumber(header, keyword!);
    if (!(strict ? v > min : v >= min)) throw new ImageError(`raw ${configured === undefined ? keyword : `config ${configKey}`} must be ${strict ? 'positive' : 'non-negative'}, got ${v}`, 'IMAGE_HEADER');
    return v;
  };
  const biasSection = headerString(header, 'BIASSEC');
  if (config.doOverscan && !biasSection) throw new ImageError('raw header has no BIASSEC (or set isr config doOverscan: false)', 'IMAGE_HEADER');
  return {
    exposureTime: value(['EXPTIME'], undefined, null, 0, false),
    gain: value(['GAIN'], config.gain, 'gain', 0, true),
    readNoise: value(['RDNOISE', 'READNOIS'], config.readNoise, 'readNoise', 0, false),
    saturation: value(['SATURATE'], config.saturation, 'saturation', 0, true),
    biasSection,
  };
}

/** Runs ISR on `raw`. Throws {@link ImageError} (`IMAGE_INPUT`, `IMAGE_HEADER`, `IMAGE_SHAPE`) for an untrustworthy raw (see {@link readRaw}) or mismatched calibrations. */
export function runIsr(raw: Exposure, calibs: IsrCalibrations, config: IsrConfig = ISR_DEFAULTS): IsrResult {
  const pixels = rawPixels(raw);
  const readout = readRaw(raw, config);
  const { biasBox, overscan } = measureOverscan(pixels, raw, readout.biasSection, config);
  const trim = trimBox(raw.header, raw.width, raw.height, biasBox);
  const applied = selectCalibrations(calibs, trim, raw.header, readout.exposureTime, config);
  const planes = correctPixels(pixels, raw.width, trim, overscan, applied, readout, config.minFlat);
  const nBad = maskBadPixels(planes, trim, config.badSections);
  const steps = describeSteps(config, readout, overscan, trim, applied);
  const { image, variance, mask } = planes;
  const { gain, readNoise, exposureTime, saturation } = readout;
  return {
    exposure: { width: trim.width, height: trim.height, image, variance, mask, header: isrHeader(raw.header, trim, overscan, readout, steps) },
    metadata: {
      gain, readNoise, overscanAxis: overscan?.axis ?? 'none', overscanMean: overscan?.mean ?? 0, overscanResidualRms: overscan?.residualRms ?? 0,
      overscanRejected: overscan?.rejected ?? 0, trimSection: formatFitsSection(trim), exposureTime, saturation, nSaturated: planes.nSaturated, nBad,
      darkScale: applied.darkScale, medianLevel: finiteMedian(image), steps,
    },
  };
}

/** The raw's pixels as numbers, once its pixel count and type are ones ISR can process. */
function rawPixels(raw: Exposure): ArrayLike<number> {
  const { width: W, height: H } = raw;
  if (raw.image.length !== W * H) throw new ImageError(`raw has ${raw.image.length} pixels, not ${W}x${H}`, 'IMAGE_SHAPE');
  if (raw.image instanceof BigInt64Array || raw.image instanceof BigUint64Array) throw new ImageError('64-bit integer raws are not supported', 'IMAGE_INPUT');
  return raw.image as ArrayLike<number>;
}

/** BIASSEC as a box (it also locates the overscan for the trim) and, when doOverscan is set, the overscan levels. */
function measureOverscan(
  pixels: ArrayLike<number>, raw: Exposure, biasSection: string | undefined, config: IsrConfig,
): { biasBox: PixelBox | undefined; overscan: OverscanEstimate | undefined } {
  const biasBox = biasSection ? parseFitsSection(biasSection, 'BIASSEC', raw.width, raw.height) : undefined;
  const overscan = config.doOverscan && biasBox
    ? estimateOverscan(pixels, raw.width, raw.height, biasBox, { statistic: config.overscanStatistic, fitOrder: config.overscanFitOrder })
    : undefined;
  return { biasBox, overscan };
}

/** The calibrations a run applies (those given and enabled by the config) and how. */
interface AppliedCalibrations {
  readonly bias: Exposure | undefined;
  /** The bias's BUNIT says electrons: it is subtracted after the gain, not before. */
  readonly biasInElectrons: boolean;
  readonly flat: Exposure | undefined;
  readonly dark: Exposure | undefined;
  /** Raw DARKTIME / dark DARKTIME; 0 without a dark. */
  readonly darkScale: number;
}

/**
 * Checks every given calibration against the trimmed size (enabled or not, so a wrong one
 * is caught even while its step is off) and picks those the config enables.
 */
function selectCalibrations(calibs: IsrCalibrations, trim: PixelBox, rawHeader: FitsHeader, exposureTime: number, config: IsrConfig): AppliedCalibrations {
  const { width: w, height: h } = trim;
  for (const [name, cal] of [['bias', calibs.bias], ['flat', calibs.flat], ['dark', calibs.dark]] as const) {
    if (cal && (cal.width !== w || cal.height !== h)) {
      throw new ImageError(`${name} is ${cal.width}x${cal.height} but the trimmed raw is ${w}x${h}`, 'IMAGE_SHAPE');
    }
  }
  const bias = config.doBias ? calibs.bias : undefined;
  const dark = config.doDark ? calibs.dark : undefined;
  return {
    bias,
    biasInElectrons: bias ? /^e(lectron)?s?-?$/i.test(headerString(bias.header, 'BUNIT') ?? '') : false,
    flat: config.doFlat ? calibs.flat : undefined,
    dark,
    darkScale: dark ? darkScaleOf(rawHeader, dark, exposureTime) : 0,
  };
}

/** Raw DARKTIME (default EXPTIME) over the dark's DARKTIME (default its EXPTIME, else 1 s). */
function darkScaleOf(rawHeader: FitsHeader, dark: Exposure, exposureTime: number): number {
  const rawTime = headerNumber(rawHeader, 'DARKTIME', exposureTime);
  const darkTime = headerNumber(dark.header, 'DARKTIME', headerNumber(dark.header, 'EXPTIME', 1));
  if (!(darkTime > 0)) throw new ImageError(`dark has DARKTIME ${darkTime}`, 'IMAGE_HEADER');
  return rawTime / darkTime;
}

/** The trimmed image (e-), variance (e-^2) and mask, and how many pixels were saturated. */
interface IsrPlanes {
  readonly image: Float32Array;
  readonly variance: Float32Array;
  readonly mask: Int32Array;
  readonly nSaturated: number;
}

/**
 * Steps 1 and 3-8 (all but the bad sections) on each pixel of the trim box. One pass in
 * double precision: separate passes through the Float32 planes would round between steps.
 */
function correctPixels(
  pixels: ArrayLike<number>, W: number, trim: PixelBox, overscan: OverscanEstimate | undefined,
  applied: AppliedCalibrations, readout: RawReadout, minFlat: number,
): IsrPlanes {
  const { x0, y0, width: w, height: h } = trim;
  const n = w * h;
  const image = new Float32Array(n);
  const variance = new Float32Array(n);
  const mask = new Int32Array(n);
  const SAT = maskBit('SAT'), BAD = maskBit('BAD');
  const { gain, saturation } = readout;
  const rn2 = readout.readNoise * readout.readNoise;
  const levels = overscan?.levels;
  const perRow = overscan?.axis === 'row';
  const { biasInElectrons, darkScale } = applied;
  const biasPixels = applied.bias?.image as ArrayLike<number> | undefined;
  const flatPixels = applied.flat?.image as ArrayLike<number> | undefined;
  const darkPixels = applied.dark?.image as ArrayLike<number> | undefined;
  let nSaturated = 0;
  for (let y = 0; y < h; y++) {
    const ry = y + y0;
    for (let x = 0; x < w; x++) {
      const rx = x + x0;
      const p = y * w + x;
      const adu = pixels[ry * W + rx]!;
      let m = 0;
      if (adu >= saturation) {
        m |= SAT;
        nSaturated++;
      }
      let v = adu - (levels ? levels[perRow ? ry : rx]! : 0);
      if (biasPixels && !biasInElectrons) v -= biasPixels[p]!;
      let e = v * gain;
      if (biasPixels && biasInElectrons) e -= biasPixels[p]!;
      let varE = Math.max(e, 0) + rn2;
      if (darkPixels) e -= darkPixels[p]! * darkScale;
      if (flatPixels) {
        const f = flatPixels[p]!;
        if (!(f >= minFlat) || !Number.isFinite(f)) {
          m |= BAD;
        } else {
          e /= f;
          varE /= f * f;
        }
      }
      if (!Number.isFinite(e)) m |= BAD;
      image[p] = e;
      variance[p] = varE;
      mask[p] = m;
    }
  }
  return { image, variance, mask, nSaturated };
}

/** Flags the configured bad sections BAD, then sets every BAD pixel's image and variance to NaN; returns the BAD count. */
function maskBadPixels(planes: IsrPlanes, trim: PixelBox, badSections: readonly string[]): number {
  const { image, variance, mask } = planes;
  const { width: w, height: h } = trim;
  const BAD = maskBit('BAD');
  for (const text of badSections) {
    const box = parseFitsSection(text, 'badSections', w, h);
    for (let y = box.y0; y < box.y0 + box.height; y++) for (let x = box.x0; x < box.x0 + box.width; x++) mask[y * w + x]! |= BAD;
  }
  let nBad = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]! & BAD) {
      image[p] = NaN;
      variance[p] = NaN;
      nBad++;
    }
  }
  return nBad;
}

/** The steps taken, in the words of the HISTORY cards and the metadata. */
function describeSteps(config: IsrConfig, readout: RawReadout, overscan: OverscanEstimate | undefined, trim: PixelBox, applied: AppliedCalibrations): string[] {
  const steps: string[] = [];
  if (overscan) {
    steps.push(`overscan ${config.overscanStatistic} per ${overscan.axis}${config.overscanFitOrder >= 0 ? `, polynomial order ${config.overscanFitOrder}` : ''} from BIASSEC ${readout.biasSection}`);
  }
  steps.push(`trimmed to ${formatFitsSection(trim)}`);
  if (applied.dark) steps.push(`dark scaled by ${applied.darkScale}`);
  if (applied.bias) steps.push(`bias subtracted (${applied.biasInElectrons ? 'electrons' : 'ADU'})`);
  steps.push(`gain ${readout.gain} e-/ADU, read noise ${readout.readNoise} e-`);
  if (applied.flat) steps.push('flat divided');
  if (config.badSections.length > 0) steps.push(`bad sections ${config.badSections.join(' ')}`);
  return steps;
}

/** The raw's header less its layout cards, moved to the trimmed grid, with units, mask planes, ISR figures and `steps` as HISTORY. */
function isrHeader(rawHeader: FitsHeader, trim: PixelBox, overscan: OverscanEstimate | undefined, readout: RawReadout, steps: readonly string[]): FitsHeader {
  const out = derivedHeader(rawHeader, RAW_LAYOUT);
  shiftPixelOrigin(out, trim.x0, trim.y0);
  setValue(out, 'BUNIT', 'electron', 'image in electrons, variance in electrons^2');
  for (const c of maskPlaneCards()) out.add(c);
  if (overscan) {
    setReal(out, 'OSCNMEAN', overscan.mean, '[adu] mean overscan level subtracted');
    setReal(out, 'OSCNRMS', overscan.residualRms, '[adu] rms of row levels about the fit');
  }
  setReal(out, 'ISRGAIN', readout.gain, '[e-/adu] gain applied by ISR');
  setReal(out, 'ISRRDN', readout.readNoise, '[e-] read noise used for the variance');
  setValue(out, 'ISRTRIM', formatFitsSection(trim), 'raw section kept (1-based)');
  for (const s of steps) out.addHistory(`isr: ${s}`);
  return out;
}

/** Median of the finite values of `image` (BAD pixels are NaN). */
function finiteMedian(image: Float32Array): number {
  const sample = new Float64Array(image.length);
  let k = 0;
  for (let p = 0; p < image.length; p++) if (Number.isFinite(image[p]!)) sample[k++] = image[p]!;
  return medianInPlace(sample, k);
}

/**
 * The data box kept after ISR: TRIMSEC, else DATASEC, else the whole raw less a serial
 * overscan that spans its full height at one side.
 */
function trimBox(header: FitsHeader, W: number, H: number, biasBox: PixelBox | undefined): PixelBox {
  for (const key of ['TRIMSEC', 'DATASEC']) {
    const text = headerString(header, key);
    if (text) return parseFitsSection(text, key, W, H);
  }
  if (biasBox && biasBox.y0 === 0 && biasBox.height === H) {
    if (biasBox.x0 + biasBox.width === W) return { x0: 0, y0: 0, width: biasBox.x0, height: H };
    if (biasBox.x0 === 0) return { x0: biasBox.width, y0: 0, width: W - biasBox.width, height: H };
  }
  return { x0: 0, y0: 0, width: W, height: H };
}

/** Moves every CRPIXn and IRAF LTVn card to a pixel grid whose origin is (x0, y0) of the old one. */
export function shiftPixelOrigin(header: FitsHeader, x0: number, y0: number): void {
  if (x0 === 0 && y0 === 0) return;
  for (const [axis, d] of [[1, x0], [2, y0]] as const) {
    const crpix = header.get(`CRPIX${axis}`);
    if (typeof crpix === 'number') header.set(`CRPIX${axis}`, crpix - d, undefined, { numberFormat: 'real' });
    const ltv = header.get(`LTV${axis}`);
    header.set(`LTV${axis}`, (typeof ltv === 'number' ? ltv : 0) - d, 'IRAF: logical = physical + LTV', { numberFormat: 'real' });
  }
}
