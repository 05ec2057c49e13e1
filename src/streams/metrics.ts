/**
 * Latency bookkeeping without I/O: exact samples up to a cap, then reservoir sampling (a fixed-seed
 * generator, so runs are repeatable) so a stream running for days keeps bounded memory.
 */
import { percentile } from '../stats/quantile.js';
import { seededRng } from '../util/random.js';

export { percentile };

export class LatencyRecorder {
  private samples: number[] = [];
  private seen = 0;
  constructor(private readonly cap = 100_000) {}

  add(ms: number): void {
    this.seen++;
    if (this.samples.length < this.cap) {
      this.samples.push(ms);
      return;
    }
    // reservoir: keep each new sample with probability cap/seen
    const j = Math.floor(this.random() * this.seen);
    if (j < this.cap) this.samples[j] = ms;
  }

  get count(): number {
    return this.seen;
  }

  summary(): { p50: number; p99: number } {
    return { p50: round3(percentile(this.samples, 50)), p99: round3(percentile(this.samples, 99)) };
  }

  reset(): void {
    this.samples = [];
    this.seen = 0;
  }

  private readonly random = seededRng(0x2545f491);
}

export const round3 = (x: number) => Math.round(x * 1000) / 1000;
