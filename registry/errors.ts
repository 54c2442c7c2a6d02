/**
 * Root of every error the registry raises. `code` is stable (tests and the CLI's exit
 * statuses depend on it); the message is for people.
 */
export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(message: string, readonly code: string = 'REGISTRY') {
    super(message);
  }
}
