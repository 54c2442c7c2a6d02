/**
 * Matching detected sources to reference stars in pixel coordinates: first the shift of the
 * initial WCS, by voting (a 2-D histogram of the offsets of every source/reference pair
 * within a search radius; the true shift piles up in one bin), then mutual nearest
 * neighbours within a radius.
 */

/** A source/reference pair. */
export interface PointMatch {
  readonly source: number;
  readonly ref: number;
  /** Distance in pixels (after any offset). */
  readonly distance: number;
}

/** Points as parallel coordinate arrays. */
export interface Points {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
}

/** The offset (reference minus source) found by voting, and how many pairs agree with it. */
export interface OffsetVote {
  readonly dx: number;
  readonly dy: number;
  readonly votes: number;
}

/**
 * The most common offset ref - source among pairs closer than `searchRadius`, in bins of
 * `binSize` pixels (votes summed over each bin's 3x3 neighbourhood), refined as the median of
 * the offsets within 1.5 bins of the winner.
 */
export function voteOffset(sources: Points, refs: Points, searchRadius: number, binSize: number): OffsetVote {
  const nb = 2 * Math.ceil(searchRadius / binSize) + 1;
  const half = (nb - 1) / 2;
  const hist = new Int32Array(nb * nb);
  const pairs: [number, number][] = [];
  const r2 = searchRadius * searchRadius;
  for (let i = 0; i < sources.x.length; i++) {
    for (let j = 0; j < refs.x.length; j++) {
      const dx = refs.x[j]! - sources.x[i]!, dy = refs.y[j]! - sources.y[i]!;
      if (!(dx * dx + dy * dy <= r2)) continue;
      const bx = Math.round(dx / binSize) + half, by = Math.round(dy / binSize) + half;
      hist[by * nb + bx]!++;
      pairs.push([dx, dy]);
    }
  }
  let best = -1, bestVotes = 0;
  for (let by = 0; by < nb; by++) {
    for (let bx = 0; bx < nb; bx++) {
      let votes = 0;
      for (let j = Math.max(0, by - 1); j <= Math.min(nb - 1, by + 1); j++) for (let i = Math.max(0, bx - 1); i <= Math.min(nb - 1, bx + 1); i++) votes += hist[j * nb + i]!;
      if (votes > bestVotes) {
        bestVotes = votes;
        best = by * nb + bx;
      }
    }
  }
  if (best < 0) return { dx: 0, dy: 0, votes: 0 };
  const cx = ((best % nb) - half) * binSize, cy = (Math.floor(best / nb) - half) * binSize;
  const near = pairs.filter(([dx, dy]) => Math.abs(dx - cx) <= 1.5 * binSize && Math.abs(dy - cy) <= 1.5 * binSize);
  const med = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  return { dx: med(near.map((p) => p[0])), dy: med(near.map((p) => p[1])), votes: near.length };
}

/** Mutual nearest neighbours closer than `radius` pixels, after shifting the sources by (dx, dy). */
export function matchNearest(sources: Points, refs: Points, radius: number, dx = 0, dy = 0): PointMatch[] {
  const ns = sources.x.length, nr = refs.x.length;
  const bestRef = new Int32Array(ns).fill(-1), bestRefD = new Float64Array(ns).fill(Infinity);
  const bestSrc = new Int32Array(nr).fill(-1), bestSrcD = new Float64Array(nr).fill(Infinity);
  for (let i = 0; i < ns; i++) {
    const x = sources.x[i]! + dx, y = sources.y[i]! + dy;
    for (let j = 0; j < nr; j++) {
      const d = Math.hypot(refs.x[j]! - x, refs.y[j]! - y);
      if (!(d <= radius)) continue;
      if (d < bestRefD[i]!) {
        bestRefD[i] = d;
        bestRef[i] = j;
      }
      if (d < bestSrcD[j]!) {
        bestSrcD[j] = d;
        bestSrc[j] = i;
      }
    }
  }
  const out: PointMatch[] = [];
  for (let i = 0; i < ns; i++) {
    const j = bestRef[i]!;
    if (j >= 0 && bestSrc[j] === i) out.push({ source: i, ref: j, distance: bestRefD[i]! });
  }
  return out;
}
