/**
 * Where the shared LSST fixture lives: `shared/` beside the project's folder (as on the
 * developers' machines and in CI), or /work/shared.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const beside = resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'shared/fixtures/lsst-synthcam');

/** The lsst-synthcam fixture folder (export.yaml, problem.json, quanta*.json). */
export const LSST_FIXTURE = existsSync(beside) ? beside : '/work/shared/fixtures/lsst-synthcam';
