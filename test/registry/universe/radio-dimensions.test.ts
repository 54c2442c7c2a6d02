/**
 * The radio dimensions of the default universe: antennas and subbands are records of an
 * instrument, an observation has a time span and a sky region (like a visit), so tiles relate
 * to patches spatially and gain calibrations are found by the observation's time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConvexPolygon, DimensionUniverse, queryDataIds, taiFromIso, type Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';

const universe = DimensionUniverse.default();

describe('default universe: the radio family', () => {
  it.each([
    [['antenna'], ['instrument', 'antenna'], []],
    [['subband'], ['instrument', 'subband'], []],
    [['observation', 'subband'], ['instrument', 'subband', 'observation'], ['field']],
    [['observation', 'patch'], ['instrument', 'observation', 'skymap', 'tract', 'patch'], ['field']],
  ])('%j -> required %j, implied %j', (names, required, implied) => {
    const g = universe.group(names);
    expect([...g.required].sort()).toEqual([...required].sort());
    expect(g.implied).toEqual(implied);
  });

  it('an observation has a time span and a region; antennas carry positions and dish diameters', () => {
    const observation = universe.element('observation');
    expect([observation.spatial, observation.temporal]).toEqual(['observation', true]);
    // the field it implies holds only its centre: the observation's region is the one spatial joins use
    expect(universe.element('field').spatial).toBeNull();
    expect(universe.element('antenna').fields.map((f) => f.name)).toEqual(['name', 'position_x', 'position_y', 'position_z', 'diameter']);
    expect(universe.element('antenna').primaryKeyColumns).toEqual(['instrument', 'id']);
  });
});

describe.each(DIALECTS)('%s: radio records in a new repository', (dialect) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });

  const box = (ra: number, dec: number, half: number) => ConvexPolygon.fromRaDecCorners([
    [ra - half, dec - half], [ra + half, dec - half], [ra + half, dec + half], [ra - half, dec + half],
  ]);

  const minute = (m: number) => `2026-01-01T00:${String(m).padStart(2, '0')}:00`;

  async function radioRepo(): Promise<Repository> {
    const made = await makeRepo(dialect);
    dispose = made.dispose;
    const { registry } = made.repo;
    const insert = (element: string, records: Record<string, unknown>[]) => registry.transaction((tx) => registry.dimensions.insert(element, records, tx));
    await insert('instrument', [{ name: 'Array' }]);
    await insert('antenna', [0, 1, 2].map((id) => ({ instrument: 'Array', id, name: `ant${id}`, position_x: id * 10, position_y: 0, position_z: 0, diameter: 4.65 })));
    await insert('subband', [0, 1].map((id) => ({ instrument: 'Array', id, frequency_min_hz: 1.5e9 - id * 1e7, frequency_max_hz: 1.51e9 - id * 1e7 })));
    await insert('field', [{ instrument: 'Array', name: 'strip', ra: 150, dec: 30 }]);
    await insert('observation', [0, 1].map((id) => ({
      instrument: 'Array', id, field: 'strip', integration_time: 300, pointing_ra: 150 + 4 * id, pointing_dec: 30,
      region: box(150 + 4 * id, 30, 1), timespan: { begin: taiFromIso(minute(5 * id)), end: taiFromIso(minute(5 * id + 5)) },
    })));
    await insert('skymap', [{ name: 'sky' }]);
    await insert('tract', [{ skymap: 'sky', id: 0, region: box(152, 30, 5) }]);
    await insert('patch', [{ skymap: 'sky', tract: 0, id: 0, region: box(149.5, 30, 0.3) }, { skymap: 'sky', tract: 0, id: 1, region: box(152, 30, 0.3) }]);
    return made.repo;
  }

  it('observations overlap the patches their regions cover, and keep their time spans', async () => {
    const repo = await radioRepo();
    const { columns, rows } = await queryDataIds(repo.registry, { dimensions: ['observation', 'patch'] });
    const pairs = rows.map((r) => `${r[columns.indexOf('observation')]}/${r[columns.indexOf('patch')]}`).sort();
    expect(pairs).toEqual(['0/0']);
    const observations = await repo.registry.transaction((tx) => repo.registry.dimensions.query('observation', tx));
    expect(observations.map((o) => [o['id'], o['pointing_ra'], o.timespan?.begin])).toEqual([
      [0, 150, taiFromIso('2026-01-01T00:00:00')], [1, 154, taiFromIso('2026-01-01T00:05:00')],
    ]);
    const antennas = await repo.registry.transaction((tx) => repo.registry.dimensions.query('antenna', tx));
    expect(antennas.map((a) => a['position_x'])).toEqual([0, 10, 20]);
  });
});
