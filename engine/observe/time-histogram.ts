/**
 * A histogram of wall times as a small inline SVG: equal-width bins from 0 to the longest
 * time, a bar per bin (its `<title>` says the range and the count), labelled axes.
 */
import { escapeXml, formatSeconds } from './report-text.js';

/** The bins: `edges[i]..edges[i+1]` holds `counts[i]` values (the last bin includes its upper edge). */
export function histogramBins(values: readonly number[], bins: number): { edges: number[]; counts: number[] } {
  const top = values.reduce((m, v) => Math.max(m, v), 0) || 1;
  const width = top / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(v / width))]!++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => i * width), counts };
}

/** The histogram of `values` (seconds) as an `<svg>` element of `width` x `height` pixels. */
export function histogramSvg(label: string, values: readonly number[], options: { width?: number; height?: number; bins?: number } = {}): string {
  const width = options.width ?? 360, height = options.height ?? 180;
  const { edges, counts } = histogramBins(values, options.bins ?? 20);
  const left = 44, right = 12, top = 10, bottom = 40;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const peak = Math.max(1, ...counts);
  const barWidth = plotWidth / counts.length;
  const parts = [`<rect x="${left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="#fafafa" stroke="#999" stroke-width="0.5"/>`];
  counts.forEach((n, i) => {
    if (!n) return;
    const h = (n / peak) * plotHeight;
    parts.push(`<rect class="bin" x="${(left + i * barWidth).toFixed(1)}" y="${(top + plotHeight - h).toFixed(1)}" width="${Math.max(1, barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#4e79a7">` +
      `<title>${formatSeconds(edges[i]!)}–${formatSeconds(edges[i + 1]!)} s: ${n} quanta</title></rect>`);
  });
  const axisY = top + plotHeight;
  parts.push(
    `<text x="${left}" y="${axisY + 13}" font-size="10" text-anchor="start">0</text>`,
    `<text x="${left + plotWidth}" y="${axisY + 13}" font-size="10" text-anchor="end">${formatSeconds(edges.at(-1)!)}</text>`,
    `<text x="${left + plotWidth / 2}" y="${axisY + 30}" font-size="11" text-anchor="middle">seconds per quantum</text>`,
    `<text x="${left - 4}" y="${top + 9}" font-size="10" text-anchor="end">${peak}</text>`,
    `<text x="${left - 4}" y="${axisY}" font-size="10" text-anchor="end">0</text>`,
    `<text x="12" y="${top + plotHeight / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${top + plotHeight / 2})">quanta</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" class="histogram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img" aria-label="${escapeXml(`${label}: seconds per quantum`)}">` +
    `${parts.join('')}</svg>`;
}
