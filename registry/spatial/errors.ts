/**
 * Errors of the spatial module. Every one is a {@link RegistryError}; tests and the CLI
 * look at `code`, never at the wording.
 */
import { RegistryError, type SpatialErrorCode } from '../errors.js';

/** Root of the spatial module's errors (`code` is one of the `SPATIAL_*` codes below). */
export class SpatialError extends RegistryError {
  override name = 'SpatialError';
  constructor(message: string, override readonly code: SpatialErrorCode) {
    super(message, code);
  }
}

/** A region that cannot be built: non-convex, degenerate, wider than a hemisphere, bad angle. Code `SPATIAL_INVALID_REGION`. */
export class InvalidRegionError extends SpatialError {
  override name = 'InvalidRegionError';
  constructor(message: string) {
    super(message, 'SPATIAL_INVALID_REGION');
  }
}

/** Bytes that are not an encoded region (wrong type byte or length). Code `SPATIAL_DECODE`. */
export class RegionDecodeError extends SpatialError {
  override name = 'RegionDecodeError';
  constructor(message: string) {
    super(message, 'SPATIAL_DECODE');
  }
}

/** An argument out of its domain (HTM level, trixel id, vector of zero length). Code `SPATIAL_ARGUMENT`. */
export class SpatialArgumentError extends SpatialError {
  override name = 'SpatialArgumentError';
  constructor(message: string) {
    super(message, 'SPATIAL_ARGUMENT');
  }
}
