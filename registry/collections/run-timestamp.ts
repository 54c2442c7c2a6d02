/** The compact UTC timestamp (`20260101T120000Z`, to the second) that names runs and run invocations. */
export function runTimestamp(at: Date = new Date()): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
