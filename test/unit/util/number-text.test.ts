import { describe, expect, it } from 'vitest';
import { writeJsonNumber } from '../../../src/util/number-text.js';
import { seededRng } from '../../../src/util/random.js';

const buf = Buffer.alloc(64);
const text = (x: number) => buf.latin1Slice(0, writeJsonNumber(buf, 0, x));

describe('JSON text of numbers as bytes', () => {
  it('is JSON.stringify\'s text for every kind of double: random bits over the plain-decimal range and beyond, neighbours of powers of 2 and 10, short decimals, integers', () => {
    const r = seededRng(3);
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    const bits = (hi: number, lo: number) => {
      u32[1] = hi;
      u32[0] = lo;
      return f64[0];
    };
    const next = (x: number, d: number) => {
      f64[0] = x;
      u32[0] += d; // the neighbouring doubles (the low word never wraps for these)
      return f64[0];
    };
    const xs: number[] = [0, -0, NaN, Infinity, -Infinity, 1e-6, 1e-7, 1.5e-6, 1e15, 1e16, 1e17, 1e21, 5e-324, 1.7976931348623157e308, 0.1, 0.2, 0.30000000000000004, 9007199254740993, 0.000001, 9.999999999999999e15, 99999999999999.98, 2 ** 53, 2 ** 54 + 4, 0.5, -2, 43.51];
    for (let i = 0; i < 40_000; i++) {
      // random mantissa and sign, exponents from 1e-9 to 1e18
      xs.push(bits((((Math.floor(r() * 87) + 993) << 20) | Math.floor(r() * 0x100000) | (r() < 0.5 ? 0x80000000 : 0)) >>> 0, Math.floor(r() * 2 ** 32)));
      xs.push((r() - 0.5) * 0.6, r() * 10 ** Math.floor(r() * 26 - 9), Math.floor(r() * 2 ** 53), Math.round(r() * 1e6) / 10 ** Math.floor(r() * 9));
      xs.push(Number((r() * 100).toFixed(Math.floor(r() * 17))), Number(r().toPrecision(1 + Math.floor(r() * 17))) * 10 ** Math.floor(r() * 22 - 6));
      const p2 = 2 ** Math.floor(r() * 100 - 45);
      const p10 = 10 ** Math.floor(r() * 26 - 9);
      xs.push(p2, next(p2, 1), next(p2, -1), p10, next(p10, 1), next(p10, -1));
    }
    let wrong = 0;
    for (const x of xs) if (text(x) !== JSON.stringify(x)) wrong++;
    expect(wrong).toBe(0);
    expect(xs.length).toBeGreaterThan(400_000);
    expect([text(-0.25), text(1e-7), text(NaN), text(123456789.125)]).toEqual(['-0.25', '1e-7', 'null', '123456789.125']);
  });

  it('writes at the offset given and returns the offset after the text', () => {
    const b = Buffer.alloc(40, 120);
    const o = writeJsonNumber(b, 3, -0.1641796990983424);
    expect(b.latin1Slice(0, o + 1)).toBe('xxx-0.1641796990983424x');
  });
});
