import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { cli, must, SHARED } from '../../helpers/workspace.js';
import { workspaceAt } from '../../../src/workspace.js';
import { loadMatrix, resolveFeatureBuild } from '../../../src/features/builds.js';
import { resolveModel } from '../../../src/registry/models.js';
import { python } from '../../helpers/python.js';

const SPEC = `source: pima@latest
label:
  column: age
  task: regression
features:
  - columns: [pregnant, pressure, triceps, insulin, mass, pedigree, glucose]
    transforms:
      - impute: median
      - standardize
  - columns: [diabetes]
    transforms:
      - impute: mode
      - one_hot: { unknown: zeros }
`;

describe('regression: evaluate and gate on RMSE / MAE / R²', () => {
  it('holdout metrics match scikit-learn on the same predictions; --by segments; rmse/r2 gates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dictl-evreg-'));
    must(cli(tmpdir(), ['init', dir]));
    writeFileSync(join(dir, 'features/age.yaml'), SPEC);
    must(cli(dir, ['dataset', 'register', 'pima', '--file', join(SHARED, 'datasets/pima.csv'), '--steward', 'ml@example.com', '--consent', 'not-required']));
    must(cli(dir, ['holdout', 'create', 'pima@1', '--fraction', '0.25', '--seed', '3']));
    must(cli(dir, ['feature', 'build', 'age']));
    must(cli(dir, ['train', '--features', 'age', '--name', 'age-model']));
    const r = cli(dir, ['evaluate', 'age-model@1', '--holdout', '--by', 'diabetes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const ev = r.json.evaluation;
    expect(ev.task).toBe('regression');
    expect(ev.n).toBe(192);
    expect(Object.keys(ev.metrics).sort()).toEqual(['mae', 'r2', 'rmse']);
    expect(ev.confusion).toBeUndefined();
    expect(ev.segments.groups.map((g: any) => g.value)).toEqual(['neg', 'pos']);
    expect(ev.segments.groups.reduce((s: number, g: any) => s + g.n, 0)).toBe(192);

    {
      // independent: scikit-learn computes predictions (X·w + b) and metrics from the raw matrix
      const ws = workspaceAt(dir);
      const m = await loadMatrix(resolveFeatureBuild(ws, 'age@1').parquetPath, 'test');
      const model = resolveModel(ws, 'age-model@1').model;
      const payload = join(dir, 'check.json');
      writeFileSync(payload, JSON.stringify({ X: Array.from(m.X), n: m.n, p: m.p, y: Array.from(m.y), coef: model.coef[0], b: model.intercept[0] }));
      const py = python(
        [
          '-c',
          `import json,sys,numpy as np
from sklearn.metrics import mean_squared_error, mean_absolute_error, r2_score
d=json.load(open(sys.argv[1])); X=np.array(d['X']).reshape(d['n'],d['p']); y=np.array(d['y'])
p=X@np.array(d['coef'])+d['b']
print(json.dumps({'rmse': mean_squared_error(y,p)**0.5, 'mae': mean_absolute_error(y,p), 'r2': r2_score(y,p)}))`,
          payload,
        ],
      );
      expect(py.status, py.stderr).toBe(0);
      const sk = JSON.parse(py.stdout);
      for (const k of ['rmse', 'mae', 'r2']) expect(ev.metrics[k]).toBeCloseTo(sk[k], 9);
    }

    // gates in the regression direction
    const p1 = cli(dir, ['model', 'promote', 'age-model@1', '--gate', 'r2>=0.2', '--gate', 'rmse<=champion*1.05', '--json']);
    expect(p1.code, p1.stderr).toBe(0);
    must(cli(dir, ['train', '--features', 'age', '--name', 'age-model', '--penalty', 'none']));
    const p2 = cli(dir, ['model', 'promote', 'age-model@2', '--gate', 'rmse<=champion*0.999', '--gate', 'mae<=champion', '--json']);
    const res = p2.json;
    expect(res.baseline).toBe('age-model@1');
    expect(res.gate.results[0].needed).toBeCloseTo(ev.metrics.rmse - 0.001 * Math.abs(ev.metrics.rmse), 12);
    const ok = res.candidateMetrics.rmse <= res.gate.results[0].needed && res.candidateMetrics.mae <= ev.metrics.mae;
    expect(res.passed).toBe(ok);
    expect(p2.code).toBe(ok ? 0 : 1);
  }, 300_000);
});
