/**
 * The primary beam of a dish of diameter D at wavelength lambda: an Airy pattern
 * [2 J1(x) / x]^2 with x = pi D sin(theta) / lambda (FWHM 1.029 lambda / D; Born & Wolf,
 * Principles of Optics, section 8.5.2), or a Gaussian with FWHM = 1.02 lambda / D, the
 * half-power beamwidth of a uniformly illuminated circular aperture in Condon & Ransom,
 * Essential Radio Astronomy (2016), chapter 3. Angles in radians, frequencies in Hz.
 */

/** Speed of light, m/s. */
export const SPEED_OF_LIGHT = 299_792_458;

/** Primary-beam shapes. */
export type BeamShape = 'gaussian' | 'airy';

/** FWHM of the Gaussian beam, radians: 1.02 lambda / D. */
export function gaussianBeamFwhm(frequencyHz: number, diameterM: number): number {
  return (1.02 * SPEED_OF_LIGHT) / frequencyHz / diameterM;
}

/** Gaussian beam response at `theta` radians from the pointing (1 at the centre, 0.5 at FWHM / 2). */
export function gaussianBeam(theta: number, frequencyHz: number, diameterM: number): number {
  const fwhm = gaussianBeamFwhm(frequencyHz, diameterM);
  return Math.exp((-4 * Math.LN2 * theta * theta) / (fwhm * fwhm));
}

/** Airy beam response [2 J1(x) / x]^2, x = pi D sin(theta) / lambda. */
export function airyBeam(theta: number, frequencyHz: number, diameterM: number): number {
  const x = (Math.PI * diameterM * Math.sin(theta) * frequencyHz) / SPEED_OF_LIGHT;
  if (Math.abs(x) < 1e-8) return 1;
  const a = (2 * besselJ1(x)) / x;
  return a * a;
}

/** The beam of `shape` at `theta`. */
export function primaryBeam(shape: BeamShape, theta: number, frequencyHz: number, diameterM: number): number {
  return shape === 'airy' ? airyBeam(theta, frequencyHz, diameterM) : gaussianBeam(theta, frequencyHz, diameterM);
}

/**
 * Bessel function J1: its power series sum_k (-1)^k (x/2)^(2k+1) / (k! (k+1)!) for |x| < 25
 * (cancellation keeps the error below 1e-9 there), beyond that the leading asymptotic term
 * sqrt(2 / (pi x)) cos(x - 3 pi / 4), far outside any primary beam's use.
 */
export function besselJ1(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 25) return Math.sign(x) * Math.sqrt(2 / (Math.PI * ax)) * Math.cos(ax - (3 * Math.PI) / 4);
  const h = x / 2, h2 = h * h;
  let term = h, sum = h;
  for (let k = 1; k < 80 && Math.abs(term) > 1e-18 * Math.abs(sum); k++) {
    term *= -h2 / (k * (k + 1));
    sum += term;
  }
  return sum;
}
