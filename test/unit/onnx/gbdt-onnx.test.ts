/**
 * The trees as an ai.onnx.ml TreeEnsemble node, run in onnxruntime-node against the in-process
 * scores on every row (rows sitting exactly on thresholds included), for binary, multiclass and
 * regression models with categorical splits and missing values; and python onnx's full checker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, test } from 'vitest';
import { addTreeEnsemble, fitGbdt, gbdtPredict, onnxTreeEnsembleAttributes, validateGbdtParams, type GbdtModel } from '../../../src/ml/gbdt/index.js';
import { makeRng } from '../../../src/ml/splits.js';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { python } from '../../helpers/python.js';

const P = 4;
const dir = mkdtempSync(join(tmpdir(), 'dictl-gbdt-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** x0 numeric, x1 category code 0..5 (some missing), x2 numeric with 20% missing, x3 numeric on a coarse grid */
function data(K: number, n: number, seed: number) {
  const rng = makeRng(seed);
  const X = new Float64Array(n * P);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.next() * 4 - 2;
    const b = rng.next() < 0.05 ? NaN : rng.int(6);
    const c = rng.next() < 0.2 ? NaN : rng.next();
    const d = Math.round(rng.next() * 20) / 4;
    X.set([a, b, c, d], i * P);
    const z = Math.sin(2 * a) + (b !== b ? 0.4 : [1, 3, 4].includes(b) ? 1 : -1) + (c !== c ? 0.8 : c) + (d > 2 ? 0.5 : 0);
    y[i] = K === 1 ? z + rng.next() : K === 2 ? (rng.next() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0) : Math.min(K - 1, Math.max(0, Math.floor(z + 1.5 + rng.next())));
  }
  return { X, y, n };
}

/** scoring rows: fresh rows, then copies whose numeric values sit exactly on the model's thresholds */
function probeRows(m: GbdtModel, n: number) {
  const { X } = data(2, n, 99);
  const thr: [number, number][] = [];
  for (const t of m.trees) t.feature.forEach((f, i) => f >= 0 && !t.categories?.[i] && thr.push([f, t.threshold[i]]));
  const rows = new Float64Array((n + thr.length) * P);
  rows.set(X);
  thr.forEach(([f, v], k) => {
    rows.set(X.subarray((k % n) * P, (k % n) * P + P), (n + k) * P);
    rows[(n + k) * P + f] = v;
  });
  return { X: rows, n: n + thr.length, onThreshold: thr.length };
}

async function runOnnx(m: GbdtModel, X: Float64Array, n: number, double: boolean, name: string) {
  const g = new GraphBuilder();
  const input = g.input('features', 'float', ['N', P]);
  const x = double ? g.op('Cast', [input], 'double', ['N', P], { to: 11 }) : input;
  const out = addTreeEnsemble(g, x, m, { double });
  if (out.values) g.output('values', out.values);
  else {
    g.output('label', out.label!);
    g.output('probabilities', out.probabilities!);
  }
  const bytes = g.build({ graphName: name, producerVersion: 'test' });
  writeFileSync(join(dir, `${name}.onnx`), bytes);
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run({ features: new ort.Tensor('float32', Float32Array.from(X), [n, P]) });
  return r;
}

const cases: { name: string; K: number; loss: string }[] = [
  { name: 'binary', K: 2, loss: 'log_loss' },
  { name: 'multiclass', K: 3, loss: 'log_loss' },
  { name: 'regression', K: 1, loss: 'squared_error' },
];

describe('ONNX TreeEnsemble = in-process scores', () => {
  for (const c of cases) {
    test(`${c.name}: onnxruntime within 1e-6 on every row, thresholds included`, async () => {
      const d = data(c.K, 3000, 3);
      const m = await fitGbdt({ X: d.X, y: d.y, n: d.n, p: P, K: c.K, categorical: Uint8Array.from([0, 1, 0, 0]) }, validateGbdtParams({ loss: c.loss, max_iter: 150, min_samples_leaf: 5 }), { seed: 1 });
      // the model really has categorical splits and learned missing sides
      expect(m.trees.some((t) => t.categories?.some((x) => x !== null))).toBe(true);
      expect(m.trees.some((t) => t.missingLeft.some((v, i) => v === 1 && t.count[t.left[i]] < t.count[t.right[i]]))).toBe(true);
      const probe = probeRows(m, 2000);
      expect(probe.onThreshold).toBeGreaterThan(100);
      const ours = gbdtPredict(m, probe.X, probe.n, P);
      // float attributes suffice for the classifiers; the regressor's float32 sums need the double form
      for (const double of c.K === 1 ? [true] : [false, true]) {
        const r = await runOnnx(m, probe.X, probe.n, double, `${c.name}_${double ? 'double' : 'float'}`);
        let worst = 0;
        if (c.K === 1) {
          const v = r.values.data as Float32Array;
          for (let i = 0; i < probe.n; i++) worst = Math.max(worst, Math.abs(v[i] - ours[i]));
        } else {
          const pr = r.probabilities.data as Float32Array;
          const lab = r.label.data as BigInt64Array;
          const K = c.K;
          for (let i = 0; i < probe.n; i++) {
            if (K === 2) {
              worst = Math.max(worst, Math.abs(pr[2 * i + 1] - ours[i]), Math.abs(pr[2 * i] - (1 - ours[i])));
              if (Math.abs(ours[i] - 0.5) > 1e-6) expect(Number(lab[i])).toBe(ours[i] > 0.5 ? 1 : 0);
            } else {
              let best = 0;
              for (let k = 0; k < K; k++) {
                worst = Math.max(worst, Math.abs(pr[i * K + k] - ours[i * K + k]));
                if (ours[i * K + k] > ours[i * K + best]) best = k;
              }
              expect(Number(lab[i])).toBe(best);
            }
          }
        }
        expect(worst).toBeLessThanOrEqual(1e-6);
      }
    });
  }

  test('python onnx check_model(full_check=True) accepts every graph', () => {
    const script = `import sys, onnx
for p in sys.argv[1:]:
    onnx.checker.check_model(onnx.load(p), full_check=True)
print("ok", len(sys.argv) - 1)`;
    const files = cases.flatMap((c) => (c.K === 1 ? [`${c.name}_double`] : [`${c.name}_float`, `${c.name}_double`])).map((f) => join(dir, `${f}.onnx`));
    const r = python(['-c', script, ...files]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`ok ${files.length}`);
  });

  test('categorical splits are chains of BRANCH_EQ sharing the true child', async () => {
    const d = data(2, 1000, 5);
    const m = await fitGbdt({ X: d.X, y: d.y, n: d.n, p: P, K: 2, categorical: Uint8Array.from([0, 1, 0, 0]) }, validateGbdtParams({ max_iter: 5 }), { seed: 1 });
    const a = onnxTreeEnsembleAttributes(m).attributes;
    const modes = a.nodes_modes as string[];
    const tree = a.nodes_treeids as number[];
    const node = a.nodes_nodeids as number[];
    const tru = a.nodes_truenodeids as number[];
    const fal = a.nodes_falsenodeids as number[];
    const t = m.trees.findIndex((x) => x.categories?.some((c) => c !== null && c.length > 1));
    expect(t).toBeGreaterThanOrEqual(0);
    const i = m.trees[t].categories!.findIndex((c) => c !== null && c.length > 1);
    const cats = m.trees[t].categories![i]!;
    const at = (id: number) => tree.findIndex((tt, k) => tt === t && node[k] === id);
    let k = at(i);
    const seen: number[] = [];
    for (;;) {
      expect(modes[k]).toBe('BRANCH_EQ');
      expect(tru[k]).toBe(m.trees[t].left[i]);
      seen.push((a.nodes_values as number[])[k]);
      if (fal[k] === m.trees[t].right[i]) break;
      k = at(fal[k]);
    }
    expect(seen).toEqual(cats);
  });
});
