/**
 * Run folders and path fields are escaped injectively: two different run names never share a
 * folder (and so never a lock, an event log or a sweep). Checked against an independent
 * decoder and by brute force over names that differ only in characters a replacing sanitiser
 * would merge. Rendered paths follow the template rule, written plainly here, for random
 * templates, runs and data IDs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkRelative, escapeSegment, PathError, renderTemplate, runFolder, type DatasetRef } from '../../../registry/index.js';

/** Inverse of the escaping, written from its rule (percent-decoding of UTF-8 bytes; `%` alone is empty). */
function unescapeSegment(segment: string): string {
  if (segment === '%') return '';
  return decodeURIComponent(segment);
}

describe('run folders', () => {
  it('keep apart the names a replacing sanitiser merged', () => {
    const names = ['u/col:a', 'u/col-a', 'u/col a', 'u/col%3Aa', 'u/col.a', 'u/col..a', 'u/..', 'u/.', 'u//a', 'u/a', 'ü/a', 'u/a/'];
    const folders = names.map(runFolder);
    expect(new Set(folders).size).toBe(names.length);
    for (const f of folders) for (const part of f.split('/')) {
      expect(part).toMatch(/^[A-Za-z0-9_.=+%-]+$/);
      expect(['.', '..', '']).not.toContain(part);
    }
    expect(runFolder('u/demo/drp/20261122T010445Z')).toBe('u/demo/drp/20261122T010445Z');
    expect(runFolder('u/col:a')).toBe('u/col%3Aa');
  });

  it('decode back to the name (so the mapping is injective)', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), (value) => {
      const s = escapeSegment(value);
      expect(s).not.toContain('/');
      expect(unescapeSegment(s)).toBe(value);
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 4 }), (parts) => {
      expect(runFolder(parts.join('/')).split('/').map(unescapeSegment)).toEqual(parts.join('/').split('/'));
    }), { numRuns: 2000 });
  });
});

describe('rendered paths', () => {
  /** The rule, written plainly: each field replaced by its escaped value, `{run}` by the run folder. */
  function byRule(template: string, ref: DatasetRef): string {
    return template.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (name === 'run') return runFolder(ref.run);
      if (name === 'datasetType') return escapeSegment(ref.datasetType);
      if (name === 'id') return ref.id;
      if (name === 'dataId') return Object.entries(ref.dataId).map(([k, v]) => escapeSegment(`${k}=${v}`)).join('_');
      return escapeSegment(String(ref.dataId[name]));
    });
  }
  const value = fc.oneof(fc.integer({ min: 0, max: 1e9 }), fc.string({ maxLength: 6 }), fc.constantFrom('.', '..', 'a/b', 'g'));
  const literal = fc.constantFrom('/', '_', '-', 'x', 'calexp', '', '.');

  it('follow the rule for any run, data ID and template', () => {
    fc.assert(fc.property(
      fc.record({ run: fc.string({ minLength: 1, maxLength: 8 }), datasetType: fc.string({ minLength: 1, maxLength: 6 }), visit: value, band: value }),
      fc.array(fc.tuple(literal, fc.constantFrom('run', 'datasetType', 'id', 'dataId', 'visit', 'band')), { minLength: 1, maxLength: 5 }),
      ({ run, datasetType, visit, band }, pieces) => {
        const template = pieces.map(([l, f]) => `${l}{${f}}`).join('');
        const ref: DatasetRef = { id: '0a8c5fd2-6c1f-4d4e-9a55-1f1d2b3c4d5e', datasetType, run, dataId: { instrument: 'X', visit, band } };
        let expected: string | null = byRule(template, ref);
        try {
          checkRelative(expected);
        } catch {
          expected = null; // the template itself leaves the root (a leading '/'): refused either way
        }
        if (expected === null) expect(() => renderTemplate(template, ref)).toThrow(PathError);
        else expect(renderTemplate(template, ref)).toBe(expected);
      },
    ), { numRuns: 3000 });
  });

  it('refuse a field the data ID lacks, also one named like an Object property', () => {
    const ref: DatasetRef = { id: 'i', datasetType: 't', run: 'r', dataId: { instrument: 'X' } };
    expect(() => renderTemplate('{run}/{visit}', ref)).toThrow(/template field \{visit\} has no value/);
    expect(() => renderTemplate('{run}/{constructor}', ref)).toThrow(/template field \{constructor\} has no value/);
  });
});
