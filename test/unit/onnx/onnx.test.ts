import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { exportOnnx } from '../../../src/ml/families/onnx-export.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { predict } from '../../../src/ml/predict.js';
import type { FittedPipeline, ModelVersion } from '../../../src/types.js';
import { fixtureModel, fixturePipeline, fixtureRows } from '../../helpers/onnx-fixtures.js';
import { python, requirePython } from '../../helpers/python.js';

async function runOnnx(model: ModelVersion, rows: Record<string, unknown>[]) {
  const s = await ort.InferenceSession.create(exportOnnx(model));
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of model.pipeline.inputs) {
    const vals = rows.map((r) => r[inp.name]);
    feeds[inp.name] =
      inp.type === 'number'
        ? new ort.Tensor('float64', Float64Array.from(vals, (v) => (v === null || v === undefined ? NaN : (v as number))), [rows.length, 1])
        : new ort.Tensor('string', vals.map((v) => (v === null || v === undefined ? '' : String(v))), [rows.length, 1]);
  }
  return s.run(feeds);
}

requirePython({ onnx: 'python3-onnx' });

describe('exportOnnx', () => {
  it('matches a hand computation (standardize + impute + one-hot + index + logistic)', async () => {
    const pipeline: FittedPipeline = {
      inputs: [
        { name: 'x', type: 'number', nullable: true },
        { name: 'c', type: 'string', nullable: true },
      ],
      derived: [{ name: 'half', expr: { t: 'bin', op: '/', l: { t: 'col', name: 'x' }, r: { t: 'num', v: 2 } } }],
      features: [
        { kind: 'numeric', name: 'xs', input: 'x', steps: [{ op: 'impute', value: 3 }, { op: 'affine', sub: 1, div: 2 }] },
        { kind: 'numeric', name: 'h', input: 'half', steps: [{ op: 'impute', value: 0 }] },
        { kind: 'onehot', name: 'c', input: 'c', categories: ['u', 'v'], folded: [], otherSlot: false, unknown: 'zeros', outputs: ['c=u', 'c=v'] },
        { kind: 'index', name: 'ci', input: 'c', vocabulary: ['v', 'u'], unknown: 'keep' },
      ],
      outputNames: ['xs', 'h', 'c=u', 'c=v', 'ci'],
    };
    const m = { ...fixtureModel('binary', pipeline), coef: [[2, 1, 0.5, -0.5, 0.25]], intercept: [-1], threshold: 0.5 };
    const rows = [
      { x: 5, c: 'u' }, // xs=2, h=2.5, u → [1,0], ci=1 → z = 4 + 2.5 + 0.5 + 0.25 - 1 = 6.25
      { x: null, c: 'w' }, // xs=1 (impute 3), h=0, unknown → [0,0], ci=2 → z = 2 + 0 + 0 + 0.5 - 1 = 1.5
      { x: -1, c: null }, // xs=-1, h=-0.5, missing → zeros, ci=2 → z = -2 - 0.5 + 0.5 - 1 = -3
    ];
    const out = await runOnnx(m, rows);
    const z = [6.25, 1.5, -3];
    const p = Array.from(out.probabilities.data as Float64Array);
    expect(out.probabilities.dims).toEqual([3, 2]);
    z.forEach((zi, i) => {
      const p1 = 1 / (1 + Math.exp(-zi));
      expect(p[2 * i + 1]).toBeCloseTo(p1, 14);
      expect(p[2 * i]).toBeCloseTo(1 - p1, 14);
    });
    expect(Array.from(out.label.data as string[])).toEqual(['yes', 'yes', 'no']);
  });

  for (const task of ['binary', 'multiclass', 'regression'] as const) {
    it(`agrees with applyPipeline + predict on every step kind (${task})`, async () => {
      const m = fixtureModel(task);
      const out = await runOnnx(m, fixtureRows);
      const { X, n, p } = applyPipeline(m.pipeline, fixtureRows);
      const ref = predict(m, X, n, p);
      if (task === 'regression') {
        const got = out.prediction.data as Float64Array;
        expect(got.length).toBe(n);
        for (let i = 0; i < n; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThan(1e-9);
      } else if (task === 'binary') {
        const got = out.probabilities.data as Float64Array;
        for (let i = 0; i < n; i++) expect(Math.abs(got[2 * i + 1] - ref[i])).toBeLessThan(1e-12);
        const labels = Array.from(out.label.data as string[]);
        expect(labels).toEqual(Array.from(ref, (q) => (q >= m.threshold ? 'yes' : 'no')));
      } else {
        const got = out.probabilities.data as Float64Array;
        expect(got.length).toBe(ref.length);
        for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThan(1e-12);
        const labels = Array.from(out.label.data as string[]);
        const cls = ['low', 'mid', 'high'];
        for (let i = 0; i < n; i++) {
          const row = Array.from(ref.subarray(3 * i, 3 * i + 3));
          expect(labels[i]).toBe(cls[row.indexOf(Math.max(...row))]);
        }
      }
    });
  }

  it('treats division by zero, ln/sqrt out of domain and missing strings as the pure executor does', async () => {
    // the fixture rows include b=0 (a/b), a<=0 (ln), b<1 (sqrt of b-1), '' and null strings
    const m = fixtureModel('regression');
    const { X, p } = applyPipeline(m.pipeline, fixtureRows);
    const ratioCol = m.pipeline.outputNames.indexOf('ratio_c');
    expect(X[1 * p + ratioCol]).toBe(0); // null/0 → missing → impute 0
    const s = await ort.InferenceSession.create(exportOnnx(m));
    expect(s.inputNames).toEqual(['a', 'b', 'color', 'city']);
    expect(s.outputNames).toEqual(['prediction']);
  });

  it('reads raw inputs, not a feature that shares the input name (regression: credit Assets + assets_log)', async () => {
    const pipeline: FittedPipeline = {
      inputs: [{ name: 'v', type: 'number', nullable: true }],
      derived: [],
      features: [
        { kind: 'numeric', name: 'v', input: 'v', steps: [{ op: 'affine', sub: 10, div: 5 }] },
        { kind: 'numeric', name: 'v_log', input: 'v', steps: [{ op: 'impute', value: 0 }, { op: 'log1p' }] },
      ],
      outputNames: ['v', 'v_log'],
    };
    const m = { ...fixtureModel('regression', pipeline), coef: [[0, 1]], intercept: [0] };
    const out = await runOnnx(m, [{ v: 20 }, { v: 3 }]);
    const got = Array.from(out.prediction.data as Float64Array);
    expect(got[0]).toBeCloseTo(Math.log(21), 14); // not log1p((20-10)/5) = log(3)
    expect(got[1]).toBeCloseTo(Math.log(4), 14);
  });

  it('gives byte-identical output for the same model', () => {
    const a = exportOnnx(fixtureModel('multiclass'));
    const b = exportOnnx(fixtureModel('multiclass'));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const c = exportOnnx({ ...fixtureModel('multiclass'), intercept: [0, 0, 0] });
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('rejects a model whose features the pipeline does not produce', () => {
    const m = fixtureModel('binary');
    expect(() => exportOnnx({ ...m, featureNames: [...m.featureNames.slice(1), 'nope'] })).toThrow(/nope/);
    expect(() => exportOnnx({ ...m, coef: [[1, 2]] })).toThrow(/coef/);
  });

  it('passes python onnx.checker.check_model(full_check=True)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dictl-onnx-'));
    const files: string[] = [];
    for (const task of ['binary', 'multiclass', 'regression'] as const) {
      const f = join(dir, `${task}.onnx`);
      writeFileSync(f, exportOnnx(fixtureModel(task, fixturePipeline())));
      files.push(f);
    }
    const r = python(
      ['-c', 'import onnx,sys\nfor f in sys.argv[1:]:\n  m=onnx.load(f); onnx.checker.check_model(m, full_check=True); print("ok", m.ir_version, [(o.domain,o.version) for o in m.opset_import])', ...files],
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
    expect(r.stdout).toContain("ok 8 [('', 17), ('ai.onnx.ml', 3)]");
  });
});
