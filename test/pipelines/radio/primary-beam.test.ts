/**
 * Primary beams against known answers: the Gaussian is 1 at the centre and 0.5 at FWHM / 2
 * with FWHM = 1.02 lambda / D; the Airy pattern [2 J1(x)/x]^2 is 1 at the centre, has its
 * half-power width at 1.029 lambda / D and its first null at 1.2197 lambda / D (the first
 * zero of J1, 3.8317, over pi); J1 matches tabulated values.
 */
import { describe, expect, it } from 'vitest';
import { airyBeam, besselJ1, gaussianBeam, gaussianBeamFwhm, SPEED_OF_LIGHT } from '../../../pipelines/radio/primary-beam.js';

const f = 1.4e9, D = 4.65, lambda = SPEED_OF_LIGHT / f;

describe('primary beams', () => {
  it('Gaussian: 1 at the centre, 0.5 at FWHM/2, FWHM = 1.02 lambda/D', () => {
    const fwhm = gaussianBeamFwhm(f, D);
    expect(fwhm).toBeCloseTo((1.02 * lambda) / D, 15);
    expect(gaussianBeam(0, f, D)).toBe(1);
    expect(gaussianBeam(fwhm / 2, f, D)).toBeCloseTo(0.5, 12);
  });

  it('Airy: 1 at the centre, 0.5 at 1.029 lambda / (2D), first null at 1.2197 lambda / D', () => {
    expect(airyBeam(0, f, D)).toBe(1);
    expect(airyBeam(Math.asin((1.02899 * lambda) / D / 2), f, D)).toBeCloseTo(0.5, 4);
    expect(airyBeam(Math.asin((3.831706 / Math.PI) * (lambda / D)), f, D)).toBeLessThan(1e-10);
    // not the (2 sin x / x)^2 impostor: its peak would be 4
    expect(airyBeam(1e-6, f, D)).toBeLessThanOrEqual(1);
  });

  it('J1 matches tables (Abramowitz & Stegun 9.1)', () => {
    expect(besselJ1(1)).toBeCloseTo(0.4400505857, 9);
    expect(besselJ1(2)).toBeCloseTo(0.5767248078, 9);
    expect(besselJ1(5)).toBeCloseTo(-0.3275791376, 9);
    expect(besselJ1(10)).toBeCloseTo(0.0434727462, 9);
    expect(besselJ1(-2)).toBeCloseTo(-0.5767248078, 9);
  });
});
