import { describe, expect, it } from 'vitest';
import { evaluateGate, failureLine, neededFor, parseCondition, parseGate } from '../../../src/registry/gate.js';

describe('gate parsing', () => {
  it('parses absolute, plus, minus, times and percent conditions', () => {
    expect(parseCondition('auc>=0.80')).toEqual({ text: 'auc>=0.80', metric: 'auc', op: '>=', kind: 'absolute', value: 0.8 });
    expect(parseCondition(' roc_auc >= champion + 0.002 ')).toMatchObject({ metric: 'auc', kind: 'change', change: { mode: 'plus', k: 0.002 } });
    expect(parseCondition('auc>=champion-0.01').change).toEqual({ mode: 'plus', k: -0.01 });
    expect(parseCondition('logloss<=champion*1.01').change).toEqual({ mode: 'times', k: 1.01 });
    expect(parseCondition('f1>champion+2%').change!.k).toBeCloseTo(1.02, 15);
    expect(parseCondition('auc>=champion').change).toEqual({ mode: 'plus', k: 0 });
    expect(parseCondition('rmse<1e-1')).toMatchObject({ metric: 'rmse', op: '<', value: 0.1 });
  });
  it('rejects malformed conditions and the wrong direction for a metric', () => {
    expect(() => parseCondition('auc')).toThrow(/METRIC OP VALUE/);
    expect(() => parseCondition('auc=0.8')).toThrow(/METRIC OP VALUE/);
    expect(() => parseCondition('wobble>=1')).toThrow(/unknown metric/);
    expect(() => parseCondition('logloss>=0.3')).toThrow(/lower-is-better/);
    expect(() => parseCondition('auc<=champion')).toThrow(/higher-is-better/);
    expect(() => parseCondition('auc>=champ+1')).toThrow(/right side/);
    expect(() => parseCondition('auc>=champion*-1')).toThrow(/positive/);
  });
});

describe('gate evaluation', () => {
  const gate = parseGate(['auc>=0.80', 'auc>=champion+0.002', 'logloss<=champion*1.01']);
  it('passes when every condition holds', () => {
    const r = evaluateGate(gate, { auc: 0.85, logloss: 0.40 }, { auc: 0.84, logloss: 0.40 });
    expect(r.passed).toBe(true);
    expect(r.results.map((x) => x.needed)).toEqual([0.8, 0.842, 0.404]);
  });
  it('fails with one entry per failed condition carrying candidate, baseline and needed', () => {
    const r = evaluateGate(gate, { auc: 0.841, logloss: 0.41 }, { auc: 0.84, logloss: 0.40 });
    expect(r.passed).toBe(false);
    expect(r.failed.map((x) => [x.condition, x.candidate, x.baseline])).toEqual([
      ['auc>=champion+0.002', 0.841, 0.84],
      ['logloss<=champion*1.01', 0.41, 0.4],
    ]);
    expect(r.failed[0].needed).toBeCloseTo(0.842, 12);
    expect(failureLine(r.failed[1])).toBe('logloss<=champion*1.01: logloss candidate 0.41, champion 0.4, needed <= 0.404');
  });
  it('relative change uses |baseline| (fix 1): a negative R² baseline still demands improvement', () => {
    const c = parseCondition('r2>=champion*1.10');
    // MLflow's signed form would need -0.5 * 1.1 = -0.55 (a worse model would pass); |baseline| needs -0.45
    expect(neededFor(c, -0.5)).toBeCloseTo(-0.45, 12);
    expect(evaluateGate([c], { r2: -0.5 }, { r2: -0.5 }).passed).toBe(false);
    expect(evaluateGate([c], { r2: -0.44 }, { r2: -0.5 }).passed).toBe(true);
    expect(neededFor(parseCondition('logloss<=champion*0.9'), 0.5)).toBeCloseTo(0.45, 12);
  });
  it('first model (fix 2): change conditions pass with a notice, or fail with requireChampion', () => {
    const r = evaluateGate(gate, { auc: 0.81, logloss: 0.5 }, null);
    expect(r.passed).toBe(true);
    expect(r.notices).toHaveLength(2);
    const strict = evaluateGate(gate, { auc: 0.81, logloss: 0.5 }, null, { requireChampion: true });
    expect(strict.passed).toBe(false);
    expect(strict.failed.map((x) => x.condition)).toEqual(['auc>=champion+0.002', 'logloss<=champion*1.01']);
    // absolute conditions still apply without a champion
    expect(evaluateGate(gate, { auc: 0.79, logloss: 0.5 }, null).failed.map((x) => x.condition)).toEqual(['auc>=0.80']);
  });
  it('a missing or NaN metric fails its condition', () => {
    const r = evaluateGate(parseGate(['auc>=0.5', 'brier<=champion']), { auc: NaN }, { brier: 0.2 });
    expect(r.failed.map((x) => x.note)).toEqual(['candidate has no auc', 'candidate has no brier']);
    expect(evaluateGate(parseGate(['brier<=champion']), { brier: 0.1 }, { auc: 0.2 }).failed[0].note).toBe('champion has no brier');
  });
  it('strict operators are strict', () => {
    expect(evaluateGate(parseGate(['auc>champion']), { auc: 0.8 }, { auc: 0.8 }).passed).toBe(false);
    expect(evaluateGate(parseGate(['auc>=champion']), { auc: 0.8 }, { auc: 0.8 }).passed).toBe(true);
  });
});
