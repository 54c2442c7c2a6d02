/**
 * The dimension universe: groups (required/implied) for cases whose answer LSST's own
 * universe gives, YAML errors that name file and line, suggestions for misspelled names,
 * the same universe read from JSON (how a registry stores it), and the universe stored in
 * (and reloaded from) a registry on each dialect, also as an older qg stored it (YAML).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DimensionUniverse, Repository, suggest, UniverseError } from '../../../registry/index.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { thrown } from '../registry-test-helpers.js';

const universe = DimensionUniverse.default();
/** The shipped universe's text. */
const DEFAULT_YAML = readFileSync(new URL('../../../registry/universe/default-universe.yaml', import.meta.url), 'utf8');
const sorted = (xs: readonly string[]) => [...xs].sort();

/** The element order of the shipped YAML, read with plain `yaml`. */
const declaredOrder: string[] = Object.keys(
  (parseYaml(DEFAULT_YAML) as { elements: Record<string, unknown> }).elements,
);
const inDeclaredOrder = (xs: readonly string[]) => [...xs].sort((a, b) => declaredOrder.indexOf(a) - declaredOrder.indexOf(b));

describe('default universe: groups LSST knows', () => {
  // [dimensions asked for, required, implied] as LSST's daf_butler universe defines them.
  const cases: [string[], string[], string[]][] = [
    [['instrument', 'exposure', 'detector'], ['instrument', 'exposure', 'detector'], ['physical_filter', 'band', 'day_obs']],
    [['instrument', 'detector', 'physical_filter'], ['instrument', 'detector', 'physical_filter'], ['band']],
    [['instrument', 'detector'], ['instrument', 'detector'], []],
    [['visit', 'detector'], ['instrument', 'visit', 'detector'], ['physical_filter', 'band', 'day_obs']],
    [['patch'], ['skymap', 'tract', 'patch'], []],
    [['skymap', 'tract', 'patch', 'band'], ['skymap', 'tract', 'patch', 'band'], []],
    [['skymap', 'tract', 'patch', 'instrument', 'visit'], ['instrument', 'visit', 'skymap', 'tract', 'patch'], ['physical_filter', 'band', 'day_obs']],
    [['physical_filter'], ['instrument', 'physical_filter'], ['band']],
    [['band'], ['band'], []],
    [['skymap'], ['skymap'], []],
    // raw's dimensions as an LSST export lists them (required + implied, in any order)
    [['band', 'instrument', 'detector', 'physical_filter', 'exposure'], ['instrument', 'detector', 'exposure'], ['band', 'physical_filter', 'day_obs']],
    [['instrument', 'subband'], ['instrument', 'subband'], []],
    [['observation'], ['instrument', 'observation'], ['field']],
    [['htm7'], ['htm7'], []],
    [[], [], []],
  ];
  it.each(cases)('%j -> required %j, implied %j', (names, required, implied) => {
    const g = universe.group(names);
    expect(sorted(g.required)).toEqual(sorted(required));
    expect(sorted(g.implied)).toEqual(sorted(implied));
    // both lists come in the universe's declared order
    expect(g.required).toEqual(inDeclaredOrder(required));
    expect(g.implied).toEqual(inDeclaredOrder(implied));
    expect(g.names).toEqual([...g.required, ...g.implied]);
    for (const n of [...required, ...implied]) expect(g.has(n)).toBe(true);
  });

  it('normalizes: the same group whatever is asked for and in what order', () => {
    const a = universe.group(['exposure', 'detector', 'instrument']);
    const b = universe.group(['band', 'day_obs', 'physical_filter', 'detector', 'exposure', 'instrument']);
    expect(a.key).toBe(b.key);
    expect(a.key).toBe('instrument,detector,exposure');
  });

  it('governors are instrument and skymap', () => {
    expect(universe.governors.map((g) => g.name).sort()).toEqual(['instrument', 'skymap']);
    expect(universe.group(['visit', 'detector', 'patch']).governors.sort()).toEqual(['instrument', 'skymap']);
    expect(universe.group(['band']).governors).toEqual([]);
  });

  it('element primary keys follow requires (patch: skymap, tract, id; visit_detector_region: instrument, visit, detector)', () => {
    expect(universe.element('patch').primaryKeyColumns).toEqual(['skymap', 'tract', 'id']);
    expect(universe.element('physical_filter').primaryKeyColumns).toEqual(['instrument', 'name']);
    expect(sorted(universe.element('visit_detector_region').primaryKeyColumns)).toEqual(['detector', 'instrument', 'visit']);
    expect(universe.element('visit_detector_region').isDimension).toBe(false);
    expect(universe.element('exposure').implies).toEqual(['physical_filter', 'day_obs']);
    expect(universe.skypix.name).toBe('htm7');
    expect(universe.skypix.skypix).toEqual({ system: 'htm', level: 7 });
    expect(universe.element('htm7').hasTable).toBe(false);
  });

  it('spatial and temporal flags match LSST (visit both, exposure temporal, patch spatial)', () => {
    const flags = (n: string) => [universe.element(n).spatial !== null, universe.element(n).temporal];
    expect(flags('visit')).toEqual([true, true]);
    expect(flags('exposure')).toEqual([false, true]);
    expect(flags('patch')).toEqual([true, false]);
    expect(flags('tract')).toEqual([true, false]);
    expect(flags('visit_detector_region')).toEqual([true, false]);
    expect(flags('detector')).toEqual([false, false]);
  });

  it('join elements are not dimensions', () => {
    const e = thrown(() => universe.group(['visit_detector_region']));
    expect(e).toBeInstanceOf(UniverseError);
    expect(e.message).toContain('visit_detector_region');
    expect(e.message).toMatch(/join element/);
  });
});

describe('suggestions for misspelled names', () => {
  it.each([
    ['detecter', 'detector'],
    ['exposur', 'exposure'],
    ['physicalfilter', 'physical_filter'],
    ['Visit', 'visit'],
    ['patches', 'patch'],
  ])('%s -> did you mean %s', (wrong, right) => {
    const e = thrown(() => universe.group([wrong]));
    expect(e.code).toBe('UNIVERSE');
    expect(e.message).toContain(`'${wrong}'`);
    expect(e.message).toContain(`did you mean '${right}'`);
  });

  it('no suggestion when nothing is close', () => {
    const e = thrown(() => universe.element('zzzzzzzzzzzz'));
    expect(e.message).toContain("unknown dimension element 'zzzzzzzzzzzz'");
    expect(e.message).not.toContain('did you mean');
  });

  it('suggest() picks the closest candidate', () => {
    expect(suggest('rwa', ['raw', 'bias', 'flat'])).toBe("; did you mean 'raw'?");
    expect(suggest('flta', ['raw', 'bias', 'flat'])).toBe("; did you mean 'flat'?");
    expect(suggest('calexp', ['raw', 'bias'])).toBe('');
  });
});

describe('universe YAML errors name the file and line', () => {
  const dir = tempDir('qg-universe-');
  afterAll(() => dir.cleanup());
  let n = 0;
  const load = (text: string) => {
    const path = join(dir.path, `u${n++}.yaml`);
    writeFileSync(path, text);
    return { path, error: thrown(() => DimensionUniverse.fromFile(path)) };
  };
  const good = [
    'skypix: { name: htm7, system: htm, level: 7 }', // line 1
    'elements:', // 2
    '  instrument:', // 3
    '    governor: true', // 4
    '    key: { name: name, type: string }', // 5
    '  detector:', // 6
    '    requires: [instrument]', // 7
    '    key: { name: id, type: int }', // 8
  ];

  it('a minimal universe loads', () => {
    const path = join(dir.path, 'good.yaml');
    writeFileSync(path, good.join('\n'));
    const u = DimensionUniverse.fromFile(path);
    expect(u.group(['detector']).required).toEqual(['instrument', 'detector']);
  });

  it('unknown dimension in requires: file, line 7 and a suggestion-free message naming it', () => {
    const lines = [...good];
    lines[6] = '    requires: [instrumnt]';
    const { path, error } = load(lines.join('\n'));
    expect(error).toBeInstanceOf(UniverseError);
    expect(error.message).toContain(`${path}:7`);
    expect(error.message).toContain("'instrumnt'");
  });

  it('a bad field type: file and line', () => {
    const lines = [...good, '    fields:', '      - { name: purpose, type: text }'];
    const { path, error } = load(lines.join('\n'));
    expect(error.message).toContain(`${path}:10`);
    expect(error.message).toContain('int|float|string|bool|binary');
  });

  it('requires a dimension defined later: file and line', () => {
    const lines = [
      'skypix: { name: htm7, system: htm, level: 7 }',
      'elements:',
      '  detector:',
      '    requires: [instrument]',
      '    key: { name: id, type: int }',
      '  instrument:',
      '    key: { name: name, type: string }',
    ];
    const { path, error } = load(lines.join('\n'));
    expect(error.message).toContain(`${path}:4`);
    expect(error.message).toMatch(/'instrument' must be defined before 'detector'/);
  });

  it('a YAML syntax error: file and line', () => {
    const lines = [...good];
    lines[4] = '    key: { name: name, type: string';
    const { path, error } = load(lines.join('\n'));
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/line [56]/);
  });

  it('missing skypix: file and what is expected', () => {
    const { path, error } = load(good.slice(1).join('\n'));
    expect(error.message).toContain(path);
    expect(error.message).toContain('skypix');
  });
});

/** Everything an element says of itself, as plain data. */
const described = (u: DimensionUniverse) => [...u.elements.values()].map((e) => ({
  name: e.name, index: e.index, key: e.key, requires: e.requires, implies: e.implies, required: e.required, fields: e.fields,
  governor: e.governor, spatial: e.spatial, temporal: e.temporal, skypix: e.skypix, alwaysJoin: e.alwaysJoin,
}));

describe('a universe written as JSON (JSON is YAML)', () => {
  it('reads as the same universe as its YAML', () => {
    const json = JSON.stringify(parseYaml(DEFAULT_YAML));
    const fromJson = DimensionUniverse.fromYaml(json, 'universe.json');
    expect(described(fromJson)).toEqual(described(universe));
    expect([fromJson.namespace, fromJson.version]).toEqual([universe.namespace, universe.version]);
    expect(described(DimensionUniverse.fromYaml(JSON.stringify(universe.config)))).toEqual(described(universe));
  });

  it('is checked as YAML is: errors name the source and the place', () => {
    const config = JSON.parse(JSON.stringify(universe.config)) as { elements: Record<string, { requires?: string[] }> };
    config.elements['detector']!.requires = ['instrumnt'];
    const error = thrown(() => DimensionUniverse.fromYaml(JSON.stringify(config), 'stored universe'));
    expect(error).toBeInstanceOf(UniverseError);
    expect(error.message).toContain('stored universe (elements.detector.requires)');
    expect(error.message).toContain("'instrumnt'");
  });
});

describe.each(DIALECTS)('%s: the universe is stored in the registry', (dialect) => {
  it('as JSON; one an older qg stored as YAML opens the same', async () => {
    const { repo, root, dispose } = await makeRepo(dialect);
    try {
      const stored = async () => ((await repo.registry.knex('qg_meta').where('key', 'universe').first('value')) as { value: string }).value;
      expect(JSON.parse(await stored())).toEqual(parseYaml(DEFAULT_YAML));
      await repo.registry.knex('qg_meta').where('key', 'universe').update({ value: DEFAULT_YAML });
      expect((await stored()).startsWith('{')).toBe(false);
      await repo.close();
      const again = await Repository.open(root);
      try {
        expect(described(again.registry.universe)).toEqual(described(universe));
      } finally {
        await again.close();
      }
    } finally {
      await dispose().catch(() => {});
    }
  });

  it('a custom universe survives reopening', async () => {
    const yaml = [
      'namespace: test', 'version: 3',
      'skypix: { name: htm5, system: htm, level: 5 }',
      'elements:',
      '  instrument: { governor: true, key: { name: name, type: string } }',
      '  band: { key: { name: name, type: string } }',
      '  physical_filter: { requires: [instrument], implies: [band], key: { name: name, type: string } }',
      '  exposure: { requires: [instrument], implies: [physical_filter], key: { name: id, type: int }, temporal: true }',
    ].join('\n');
    const { repo, root, dispose } = await makeRepo(dialect, { universeYaml: yaml });
    try {
      expect(repo.registry.universe.namespace).toBe('test');
      await repo.close();
      const again = await Repository.open(root);
      try {
        const u = again.registry.universe;
        expect([u.namespace, u.version, u.skypix.name]).toEqual(['test', 3, 'htm5']);
        expect(u.group(['exposure']).implied).toEqual(['band', 'physical_filter']);
        expect(thrown(() => u.element('detector')).code).toBe('UNIVERSE');
      } finally {
        await again.close();
      }
    } finally {
      await dispose().catch(() => {});
    }
  });
});
