/** `qg simulate`: fill a repository with a realistic simulated survey. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { CommandModule } from 'yargs';
import { CONFIG_FILE, Repository } from '../../../registry/index.js';
import { RADIO_PROFILE, SIMULATION_PROFILES, loadRadioSimulator, simulateRepository, type ProfileName, type RadioSimulationSummary } from '../../../pipelines/simulate/index.js';
import { displayPath } from '../output.js';

const RADIO = `radio: ${RADIO_PROFILE.antennas} antennas, ${RADIO_PROFILE.observations} observations along a strip, ${RADIO_PROFILE.subbands} UVH5 subbands each, gain tables`;

/** The `simulate` command. */
export const simulateCommand: CommandModule = {
  command: 'simulate <repo>',
  describe: 'Simulate an instrument, a sky map, raw frames, calibrations and catalogs into a repository (created if absent)',
  builder: (y) => y
    .positional('repo', { type: 'string', describe: 'Repository folder (created with a SQLite registry if it does not exist)' })
    .option('profile', { choices: [...Object.keys(SIMULATION_PROFILES), 'radio'], default: 'tiny', describe: [...Object.values(SIMULATION_PROFILES).map((p) => `${p.name}: ${p.description}`), RADIO].join('; ') })
    .option('visits', { type: 'number', describe: 'Number of visits (one exposure each)' })
    .option('detectors', { type: 'number', describe: 'Number of detectors' })
    .option('patches', { type: 'string', describe: "Patches per side of the tract ('7' or '7x7')" })
    .option('bands', { type: 'string', describe: 'Bands, comma-separated (g,r,i,z,y)' })
    .option('seed', { type: 'number', default: 1, describe: 'Random seed (same seed, same repository)' })
    .option('pixels', { type: 'boolean', describe: 'Write image files (--no-pixels: registry content only, for planning benchmarks)' })
    .option('db', { type: 'string', describe: 'postgresql://... when the repository is created here' })
    .example('$0 simulate ./repo --profile small', '12 visits of 9 detectors with pixels, ready for `qg build`')
    .example('$0 simulate ./big --profile tract --no-pixels', "Registry content at LSST's largest published graph scale")
    .example('$0 simulate ./radio --profile radio', 'A radio array: UVH5 subband files, gain calibrations, a sky map over the strip')
    .epilog('The optical profiles write raw frames with stars, bias and flat calibrations in two epochs, a sky map, an htm7-sharded reference catalog, a truth catalog, ' +
      'and the chain SimCam/defaults over them. Planned with pipelines/drp.yaml, tract gives about 290k quanta and survey about 1M.'),
  handler: async (argv) => {
    const root = String(argv['repo']);
    const repo = existsSync(join(root, CONFIG_FILE))
      ? await Repository.open(root)
      : await Repository.create(root, argv['db'] ? { db: String(argv['db']) } : {});
    const bar = process.stdout.isTTY ? new cliProgress.SingleBar({ format: ' {phase} [{bar}] {value}/{total}', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
    let current = '';
    try {
      if (argv['profile'] === 'radio') return reportRadio(await (await loadRadioSimulator()).simulateRadioRepository(repo, { seed: Number(argv['seed']) }), repo.root);
      const summary = await simulateRepository(repo, {
        profile: argv['profile'] as ProfileName, seed: Number(argv['seed']),
        ...(argv['visits'] !== undefined ? { visits: Number(argv['visits']) } : {}),
        ...(argv['detectors'] !== undefined ? { detectors: Number(argv['detectors']) } : {}),
        ...(argv['patches'] !== undefined ? { patches: String(argv['patches']) } : {}),
        ...(argv['bands'] !== undefined ? { bands: String(argv['bands']) } : {}),
        ...(argv['pixels'] !== undefined ? { pixels: Boolean(argv['pixels']) } : {}),
        onProgress: (p) => {
          if (!bar) return;
          if (p.phase !== current) {
            if (current) bar.stop();
            current = p.phase;
            bar.start(p.total, p.done, { phase: p.phase.padEnd(14) });
          } else {
            bar.update(p.done);
          }
        },
      });
      if (current) bar?.stop();
      const c = summary.counts;
      const q = summary.expectedQuanta;
      console.log(`simulated '${summary.profile.name}' (seed ${summary.seed}) into ${displayPath(repo.root)} in ${summary.totalSeconds.toFixed(1)} s: ` +
        `${c.visits} visits x ${c.detectors} detectors, ${c.patches} patches, ${c.raws} raws${summary.pixels ? ' with pixels' : ' (registry only)'}`);
      console.log(`inputs for pipelines: collection ${summary.collections.defaults}; expected drp quanta: isr ${q.isr}, calibrate ${q.calibrate}, makeWarp ${q.makeWarp}, assembleCoadd ${q.assembleCoadd} (${q.total})`);
    } finally {
      bar?.stop();
      await repo.close();
    }
  },
};

function reportRadio(summary: RadioSimulationSummary, root: string): void {
  const c = summary.counts;
  console.log(`simulated 'radio' (seed ${summary.seed}) into ${displayPath(root)} in ${summary.totalSeconds.toFixed(1)} s: ${c.antennas} antennas, ` +
    `${c.observations} observations x ${c.subbands} subbands (${c.subbandFiles} UVH5 files), ${c.sources} sources, ${c.patches} patches, ${c.gainTables} certified gain tables`);
  console.log(`inputs for pipelines/radio.yaml: collection ${summary.collections.defaults}`);
}
