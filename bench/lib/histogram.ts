/**
 * Latency histogram in microseconds, log-linear (64 sub-buckets per power of two: values are
 * kept to within 1.6%). Small and mergeable, so that load-generator processes can send theirs
 * to the coordinator.
 */
const SUB = 64;
/** Values are clamped below 2^31 µs (35 minutes): highest bit 30, so 26 ranges of 64 buckets. */
const RANGES = 26;
const MAX_VALUE = 2 ** 31 - 1;

export class Histogram {
  counts = new Uint32Array(SUB * RANGES);
  total = 0;

  record(us: number): void {
    const v = us <= 0 ? 0 : us >= MAX_VALUE ? MAX_VALUE : Math.floor(us);
    let idx = v;
    if (v >= SUB) {
      // Range r >= 1 holds [64 * 2^(r-1), 64 * 2^r) in 64 buckets of 2^(r-1).
      const r = 31 - Math.clz32(v) - 5;
      idx = r * SUB + (v >>> (r - 1)) - SUB;
    }
    this.counts[idx]++;
    this.total++;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }

  /** The non-empty buckets, as [index, count] pairs (what goes over IPC). */
  toSparse(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] > 0) out.push([i, this.counts[i]]);
    return out;
  }

  addSparse(sparse: [number, number][]): void {
    for (const [i, c] of sparse) {
      this.counts[i] += c;
      this.total += c;
    }
  }

  /** The value at quantile q (0..1), microseconds; NaN when empty. */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return bucketMid(i);
    }
    return bucketMid(this.counts.length - 1);
  }
}

function bucketMid(idx: number): number {
  if (idx < SUB) return idx + 0.5;
  const r = Math.floor(idx / SUB);
  const m = (idx % SUB) + SUB;
  return (m + 0.5) * 2 ** (r - 1);
}
