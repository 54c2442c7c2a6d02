/** Errors of the data simulator. */
import { RegistryError, type SimulationErrorCode } from '../../registry/index.js';

/**
 * Root of the simulator's errors: bad options (`SIMULATE_OPTIONS`), impossible geometry
 * (`SIMULATE_WCS`, `SIMULATE_GEOMETRY`). A RegistryError, so the CLI maps it like the
 * registry's own errors.
 */
export class SimulationError extends RegistryError {
  override name = 'SimulationError';
  constructor(message: string, override readonly code: SimulationErrorCode) {
    super(message, code);
  }
}
