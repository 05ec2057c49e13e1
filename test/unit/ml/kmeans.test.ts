/**
 * k-means engine against scikit-learn 1.2 run live (/usr/bin/python3): inertia on the four shared
 * feature matrices, Lloyd iterations from the same initial centres, ARI on separated blobs, silhouette
 * on the same sample; determinism across thread counts; bad input.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DictlError } from '../../../src/errors.js';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { nearestCentres } from '../../../src/ml/kmeans/kernels.js';
import { kmeansOnnx } from '../../../src/ml/kmeans/onnx.js';
import { fitKMeans } from '../../../src/ml/kmeans/fit.js';
import { silhouetteSample, silhouetteSamples, silhouetteScore, takeRows } from '../../../src/ml/kmeans/silhouette.js';
import { makeRng } from '../../../src/ml/splits.js';
import { prepare } from '../../helpers/ml-data.js';
import { pythonJson } from '../../helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'dictl-kmeans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function f64File(a: Float64Array | Int32Array): string {
  const path = join(dir, `a${fileNo++}.bin`);
  writeFileSync(path, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return path;
}

/** Runs a python snippet with sys.argv[1:] = args; the last stdout line is JSON. Fails the test if python or sklearn is missing. */
function py(script: string, args: string[]): any {
  // one OpenMP thread: the reference is for values, not speed, and spinning OpenMP threads on a busy machine take 40× longer
  return pythonJson(['-c', script, ...args], { threads: 1 });
}

function gauss(rng: ReturnType<typeof makeRng>): number {
  return Math.sqrt(-2 * Math.log(rng.next() || 1e-12)) * Math.cos(2 * Math.PI * rng.next());
}

/** n rows around k centres: centre coordinates ~ N(0, spread²), noise N(0, 1). */
function blobs(n: number, p: number, k: number, spread: number, seed: number) {
  const rng = makeRng(seed);
  const C = Array.from({ length: k * p }, () => spread * gauss(rng));
  const X = new Float64Array(n * p);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    truth[i] = c;
    for (let j = 0; j < p; j++) X[i * p + j] = C[c * p + j] + gauss(rng);
  }
  return { X, truth, n, p };
}

const digest = (a: Float64Array | Int32Array) => createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

describe('inertia against scikit-learn KMeans (k-means++, n_init=10) on the shared feature matrices', () => {
  // Both sides land in a local optimum that depends on the seed (on breast_cancer, k = 6, twenty seeds
  // of either give 6319 … 6472), so one seed each is a coin toss: compare the median over three seeds.
  const seeds = [0, 1, 2];
  const k = 5;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
  for (const name of ['churn', 'credit', 'breast_cancer', 'pima']) {
    it(name, async () => {
      const d = prepare(name);
      const sk = py(
        `import sys, json, numpy as np
from sklearn.cluster import KMeans
X = np.fromfile(sys.argv[1]).reshape(-1, int(sys.argv[2]))
print(json.dumps([KMeans(${k}, n_init=10, init='k-means++', random_state=s).fit(X).inertia_ for s in ${JSON.stringify(seeds)}]))`,
        [f64File(d.Xtr), String(d.p)],
      );
      const ours: number[] = [];
      for (const seed of seeds) {
        const fit = await fitKMeans(d.Xtr, d.ntr, d.p, { k, nInit: 10, seed });
        ours.push(fit.inertia);
        expect(fit.runs).toHaveLength(10);
        expect(fit.inertia).toBe(Math.min(...fit.runs.map((r) => r.inertia)));
        // inertia is the labels' sum of squared distances, labels are the nearest centres
        const near = nearestCentres(d.Xtr, d.ntr, d.p, fit.centers, k);
        expect(Array.from(near.segment)).toEqual(Array.from(fit.labels));
        const ss = near.distance.reduce((a, x) => a + x * x, 0);
        expect(Math.abs(ss - fit.inertia) / fit.inertia).toBeLessThan(1e-12);
        expect(fit.sizes.reduce((a, b) => a + b, 0)).toBe(d.ntr);
      }
      expect(median(ours) / median(sk)).toBeLessThanOrEqual(1.01);
    });
  }
});

describe('Lloyd iterations', () => {
  it('from the same initial centres, land where scikit-learn lloyd lands, in as many iterations', async () => {
    const d = prepare('churn');
    const k = 5;
    const init = new Float64Array(k * d.p);
    for (let c = 0; c < k; c++) init.set(d.Xtr.subarray(c * 97 * d.p, c * 97 * d.p + d.p), c * d.p);
    const fit = await fitKMeans(d.Xtr, d.ntr, d.p, { k, nInit: 1, init });
    const sk = py(
      `import sys, json, numpy as np
from sklearn.cluster import KMeans
p = int(sys.argv[3]); X = np.fromfile(sys.argv[1]).reshape(-1, p); C0 = np.fromfile(sys.argv[2]).reshape(-1, p)
m = KMeans(len(C0), init=C0, n_init=1, algorithm='lloyd').fit(X)
print(json.dumps({"inertia": m.inertia_, "n_iter": int(m.n_iter_), "labels": m.labels_.tolist(), "centers": m.cluster_centers_.ravel().tolist()}))`,
      [f64File(d.Xtr), f64File(init), String(d.p)],
    );
    expect(fit.iterations).toBe(sk.n_iter);
    expect(Array.from(fit.labels)).toEqual(sk.labels);
    for (let i = 0; i < k * d.p; i++) expect(Math.abs(fit.centers[i] - sk.centers[i])).toBeLessThan(1e-9);
    expect(Math.abs(fit.inertia - sk.inertia) / sk.inertia).toBeLessThan(1e-9);
  });

  it('max_iter stops early and says so; tol 0 runs until no row moves', async () => {
    const d = prepare('credit');
    const capped = await fitKMeans(d.Xtr, d.ntr, d.p, { k: 6, nInit: 1, maxIter: 2, seed: 3 });
    expect(capped.iterations).toBe(2);
    expect(capped.converged).toBe(false);
    const strict = await fitKMeans(d.Xtr, d.ntr, d.p, { k: 6, nInit: 1, tol: 0, seed: 3 });
    expect(strict.converged).toBe(true);
    // converged with tol 0: the centres are the means of their rows
    for (let c = 0; c < 6; c++) {
      const m = new Float64Array(d.p);
      let cnt = 0;
      for (let i = 0; i < d.ntr; i++) {
        if (strict.labels[i] !== c) continue;
        cnt++;
        for (let j = 0; j < d.p; j++) m[j] += d.Xtr[i * d.p + j];
      }
      for (let j = 0; j < d.p; j++) expect(Math.abs(m[j] / cnt - strict.centers[c * d.p + j])).toBeLessThan(1e-12);
    }
  });
});

describe('known clusters', () => {
  it('recovers well-separated blobs exactly (adjusted Rand index 1.0, by scikit-learn)', async () => {
    const b = blobs(3000, 5, 6, 10, 11);
    const fit = await fitKMeans(b.X, b.n, b.p, { k: 6, nInit: 4, seed: 1 });
    const r = py(
      `import sys, json, numpy as np
from sklearn.metrics import adjusted_rand_score
a = np.fromfile(sys.argv[1], dtype=np.int32); b = np.fromfile(sys.argv[2], dtype=np.int32)
print(json.dumps({"ari": adjusted_rand_score(a, b)}))`,
      [f64File(b.truth), f64File(fit.labels)],
    );
    expect(r.ari).toBe(1);
  });
});

describe('determinism', () => {
  it('the same seed gives byte-identical centres and labels on 1, 2 and 3 threads', async () => {
    const b = blobs(40_000, 12, 7, 1.2, 5);
    const out: string[] = [];
    for (const threads of [1, 2, 3]) {
      const fit = await fitKMeans(b.X, b.n, b.p, { k: 7, nInit: 2, seed: 99, threads });
      expect(fit.threads).toBe(threads);
      out.push(`${digest(fit.centers)} ${digest(fit.labels)} ${fit.inertia} ${fit.runs.map((r) => r.iterations).join(',')}`);
    }
    expect(out[1]).toBe(out[0]);
    expect(out[2]).toBe(out[0]);
    const other = await fitKMeans(b.X, b.n, b.p, { k: 7, nInit: 2, seed: 100, threads: 1 });
    expect(`${digest(other.centers)}`).not.toBe(out[0].split(' ')[0]);
  });
});

describe('silhouette', () => {
  it('equals scikit-learn silhouette_samples / silhouette_score on the same sample to 1e-9', async () => {
    const d = prepare('churn');
    const fit = await fitKMeans(d.Xtr, d.ntr, d.p, { k: 4, nInit: 2, seed: 2 });
    const rows = silhouetteSample(d.ntr, 1500, 42);
    expect(rows).toHaveLength(1500);
    expect(new Set(rows).size).toBe(1500);
    const s = takeRows(d.Xtr, d.p, fit.labels, rows);
    const ours = silhouetteSamples(s.X, rows.length, d.p, s.labels);
    const sk = py(
      `import sys, json, numpy as np
from sklearn.metrics import silhouette_samples, silhouette_score
X = np.fromfile(sys.argv[1]).reshape(-1, int(sys.argv[3])); l = np.fromfile(sys.argv[2], dtype=np.int32)
print(json.dumps({"score": silhouette_score(X, l), "samples": silhouette_samples(X, l).tolist()}))`,
      [f64File(s.X), f64File(s.labels), String(d.p)],
    );
    expect(Math.abs(silhouetteScore(s.X, rows.length, d.p, s.labels) - sk.score)).toBeLessThan(1e-9);
    for (let i = 0; i < rows.length; i++) expect(Math.abs(ours[i] - sk.samples[i])).toBeLessThan(1e-9);
  });

  it('a row alone in its cluster scores 0, and duplicate points follow sklearn too', () => {
    const X = Float64Array.from([0, 0, 0, 1, 5, 5, 0, 0, 9, 9]);
    const labels = [0, 0, 1, 0, 2];
    const ours = silhouetteSamples(X, 5, 2, labels);
    const sk = py(
      `import sys, json, numpy as np
from sklearn.metrics import silhouette_samples
print(json.dumps(silhouette_samples(np.array(${JSON.stringify([[0, 0], [0, 1], [5, 5], [0, 0], [9, 9]])}, dtype=float), ${JSON.stringify(labels)}).tolist()))`,
      [],
    );
    expect(ours[4]).toBe(0);
    for (let i = 0; i < 5; i++) expect(Math.abs(ours[i] - sk[i])).toBeLessThan(1e-12);
    expect(() => silhouetteSamples(X, 5, 2, [1, 1, 1, 1, 1])).toThrow(/2 to 4 clusters/);
  });

  it('the sample is seeded', () => {
    expect(Array.from(silhouetteSample(1000, 10, 3))).toEqual(Array.from(silhouetteSample(1000, 10, 3)));
    expect(Array.from(silhouetteSample(1000, 10, 3))).not.toEqual(Array.from(silhouetteSample(1000, 10, 4)));
    expect(Array.from(silhouetteSample(5, 10, 3))).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('bad input', () => {
  const X = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const err = async (p: Promise<unknown>, kind: string, re: RegExp) => {
    const e = await p.then(
      () => null,
      (x) => x,
    );
    expect(e).toBeInstanceOf(DictlError);
    expect((e as DictlError).kind).toBe(kind);
    expect((e as Error).message).toMatch(re);
  };
  it('k < 2, non-integer k, k > rows', async () => {
    await err(fitKMeans(X, 4, 2, { k: 1 }), 'usage', /k must be an integer ≥ 2, got 1/);
    await err(fitKMeans(X, 4, 2, { k: 2.5 }), 'usage', /got 2.5/);
    await err(fitKMeans(X, 4, 2, { k: 5 }), 'data', /k = 5 needs at least 5 rows; the data has 4/);
  });
  it('NaN and infinities name the row and feature', async () => {
    const bad = X.slice();
    bad[5] = NaN;
    await err(fitKMeans(bad, 4, 2, { k: 2, columns: ['a', 'b'] }), 'data', /row 2, feature "b" is NaN/);
    bad[5] = -Infinity;
    await err(fitKMeans(bad, 4, 2, { k: 2 }), 'data', /row 2, feature 1 is -Infinity/);
  });
  it('all-identical rows, and fewer distinct rows than k', async () => {
    await err(fitKMeans(new Float64Array(20).fill(3), 10, 2, { k: 2 }), 'data', /all 10 rows are identical/);
    const two = Float64Array.from([0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    await err(fitKMeans(two, 5, 2, { k: 3 }), 'data', /only 2 distinct rows, fewer than k = 3/);
  });
  it('no features, bad n_init / max_iter / tol', async () => {
    await err(fitKMeans(new Float64Array(0), 4, 0, { k: 2 }), 'data', /at least one numeric feature/);
    await err(fitKMeans(X, 4, 2, { k: 2, nInit: 0 }), 'usage', /n_init/);
    await err(fitKMeans(X, 4, 2, { k: 2, maxIter: 0 }), 'usage', /max_iter/);
    await err(fitKMeans(X, 4, 2, { k: 2, tol: -1 }), 'usage', /tol/);
  });
});

describe('ONNX assignment', () => {
  const graph = (centers: Float64Array, k: number, p: number) => {
    const g = new GraphBuilder();
    const X = g.input('X', 'double', ['N', p]);
    const out = kmeansOnnx(g, X, centers, k, p);
    g.output('segment', out.segment);
    g.output('distance', out.distance);
    return g.build({ graphName: 'kmeans', producerVersion: 'test' });
  };
  const run = async (bytes: Uint8Array, X: Float64Array, n: number, p: number) => {
    const s = await ort.InferenceSession.create(bytes);
    const r = await s.run({ X: new ort.Tensor('float64', X, [n, p]) });
    return { segment: r.segment.data as BigInt64Array, distance: r.distance.data as Float64Array, dims: r.segment.dims };
  };

  it('passes onnx.checker full_check and assigns every row as the engine does (churn, k = 6; blobs with near ties)', async () => {
    const d = prepare('churn');
    const fit = await fitKMeans(d.Xtr, d.ntr, d.p, { k: 6, nInit: 3, seed: 4 });
    const bytes = graph(fit.centers, 6, d.p);
    const path = join(dir, 'km.onnx');
    writeFileSync(path, bytes);
    const chk = py(
      `import sys, json, onnx
m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)
print(json.dumps({"ok": True, "outputs": [o.name for o in m.graph.output]}))`,
      [path],
    );
    expect(chk).toEqual({ ok: true, outputs: ['segment', 'distance'] });
    for (const [X, n] of [
      [d.Xtr, d.ntr],
      [d.Xte, d.nte],
    ] as [Float64Array, number][]) {
      const r = await run(bytes, X, n, d.p);
      expect(r.dims).toEqual([n, 1]);
      const ours = nearestCentres(X, n, d.p, fit.centers, 6);
      for (let i = 0; i < n; i++) {
        expect(Number(r.segment[i])).toBe(ours.segment[i]);
        expect(Math.abs(r.distance[i] - ours.distance[i])).toBeLessThan(1e-12 * (1 + ours.distance[i]));
      }
    }
    // rows exactly half-way between two centres go to the lower segment on both sides
    const C = Float64Array.from([0, 0, 2, 0, 0, 2]);
    const X = Float64Array.from([1, 0, 0, 1, 1, 1, 5, 5, 0, 0]);
    const r = await run(graph(C, 3, 2), X, 5, 2);
    const ours = nearestCentres(X, 5, 2, C, 3);
    expect(Array.from(r.segment, Number)).toEqual(Array.from(ours.segment));
    expect(Array.from(ours.segment)).toEqual([0, 0, 0, 1, 0]);
  });
});
