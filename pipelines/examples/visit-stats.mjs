// The command of visit-stats.yaml: `node visit-stats.mjs OUT.json VISIT CALEXP.fits...`.
// Reads the primary FITS header of each calexp (no pixels) and writes the visit's summary:
// its band, the median, minimum and maximum PSF sigma (pixels) and zero point (AB magnitude
// of one electron), the detected and reference-matched sources, and one row per detector.
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';

const BLOCK = 2880;
const CARD = 80;

/** A header value: a string (quotes removed), T/F as a boolean, or a number. */
function cardValue(text) {
  const quoted = /^\s*'((?:[^']|'')*)'/.exec(text);
  if (quoted) return quoted[1].replace(/''/g, "'").trimEnd();
  const value = text.split('/')[0].trim();
  return value === 'T' ? true : value === 'F' ? false : Number(value);
}

/** The keyword/value cards of the primary header of the FITS file at `path`. */
function primaryHeader(path) {
  const fd = openSync(path, 'r');
  const block = Buffer.alloc(BLOCK);
  const cards = {};
  try {
    for (let at = 0; ; at += BLOCK) {
      if (readSync(fd, block, 0, BLOCK, at) < BLOCK) throw new Error(`${path}: the primary header has no END card`);
      for (let i = 0; i < BLOCK; i += CARD) {
        const card = block.toString('latin1', i, i + CARD);
        const key = card.slice(0, 8).trim();
        if (key === 'END') return cards;
        if (card.slice(8, 10) === '= ') cards[key] = cardValue(card.slice(10));
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Median, minimum and maximum of `values` (rounded to 4 decimals). */
function spread(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const round = (x) => Math.round(x * 1e4) / 1e4;
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median: round(median), min: round(sorted[0]), max: round(sorted[sorted.length - 1]) };
}

const [out, visit, ...calexps] = process.argv.slice(2);
if (!out || !visit || !calexps.length) {
  console.error('usage: node visit-stats.mjs OUT.json VISIT CALEXP.fits...');
  process.exit(2);
}
const headers = calexps.map(primaryHeader);
const band = headers[0].BAND;
const detectors = headers.map((h) => ({ detector: h.DETECTOR, psfSigma: h.PSFSIGMA, magZero: h.MAGZERO, sources: h.NSOURCES, matches: h.NMATCHES }))
  .sort((a, b) => a.detector - b.detector);
const summary = {
  visit: Number(visit), band, detectors: detectors.length,
  psfSigma: spread(detectors.map((d) => d.psfSigma)), magZero: spread(detectors.map((d) => d.magZero)),
  sources: detectors.reduce((n, d) => n + d.sources, 0), matches: detectors.reduce((n, d) => n + d.matches, 0),
  perDetector: detectors,
};
writeFileSync(out, `${JSON.stringify(summary, null, 1)}\n`);
console.log(`visit ${visit} (${band}): ${detectors.length} detectors, median PSF sigma ${summary.psfSigma.median} px, median zero point ${summary.magZero.median}`);
