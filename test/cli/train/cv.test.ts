/**
 * Cross-validation with the feature state refitted per fold, through the real CLI and DuckDB, against
 * scikit-learn's Pipeline inside GridSearchCV on the same folds (the fold assignment stored with the
 * model); progress lines of the search on a non-terminal stderr, none under --json.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, must, ROOT } from '../../helpers/workspace.js';
import { loadMatrix, resolveFeatureBuild } from '../../../src/features/builds.js';
import { openBuildFolds } from '../../../src/features/folds.js';
import { trainRanges } from '../../../src/ml/folds.js';
import { assignFolds } from '../../../src/ml/tune.js';
import { workspaceAt } from '../../../src/workspace.js';
import { SHARED } from '../../helpers/paths.js';
import { pythonJson } from '../../helpers/python.js';

let ws: string;
let csv: string;
const NUMERIC = ['account_length', 'number_vmail_messages', 'total_day_minutes', 'total_day_calls', 'total_day_charge', 'total_eve_minutes', 'total_eve_calls', 'total_eve_charge', 'total_night_minutes', 'total_night_calls', 'total_night_charge', 'total_intl_minutes', 'total_intl_calls', 'total_intl_charge', 'number_customer_service_calls'];
const CATEGORICAL = ['state', 'area_code', 'international_plan', 'voice_mail_plan'];

beforeAll(() => {
  ws = join(mkdtempSync(join(tmpdir(), 'dictl-train-cv-')), 'ws');
  must(cli(tmpdir(), ['init', ws]));
  // churn with account_length missing in every 5th row: its median imputation is fitted per fold
  const lines = readFileSync(join(SHARED, 'datasets/churn.csv'), 'utf8').trimEnd().split('\n');
  const out = [lines[0], ...lines.slice(1).map((l, i) => (i % 5 === 2 ? l.replace(/^([^,]*),[^,]*,/, '$1,,') : l))];
  csv = join(ws, 'churn-gaps.csv');
  writeFileSync(csv, out.join('\n') + '\n');
  writeFileSync(join(ws, 'features/churn.yaml'), readFileSync(join(ROOT, 'features/churn.yaml')));
  must(cli(ws, ['dataset', 'register', 'churn', '--file', csv, '--steward', 'ml@example.com', '--consent', 'not-required', '--json']));
  must(cli(ws, ['holdout', 'create', 'churn@1', '--rows', join(SHARED, 'reference/splits/churn.test_rows.txt'), '--json']));
  must(cli(ws, ['feature', 'build', 'churn', '--json']));
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length;
  return m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
};

describe('per-fold feature state', () => {
  it('imputes and scales each fold with statistics of its own training rows', async () => {
    const w = workspaceAt(ws);
    const fb = resolveFeatureBuild(w, 'churn');
    const m = await loadMatrix(fb.parquetPath, 'train');
    const raw = readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));
    const foldOf = assignFolds(m.y, m.n, 'binary', 5, 42);
    const { source, warning } = await openBuildFolds(w, fb.build, m, foldOf, 5);
    expect(warning).toBeUndefined();
    expect(source.preprocessing).toBe('per-fold');
    const j = m.names.indexOf('account_length');
    const imputedAs: number[] = [];
    try {
      for (let f = 0; f < 5; f++) {
        const d = await source.fold(f);
        expect(d.names).toEqual(m.names);
        const rows = trainRanges(source.layout, f);
        // the median, mean and population sd of account_length over this fold's training rows only
        const vals: number[] = [];
        let missingPos = -1;
        let nTr = 0;
        for (let k = 0; k < rows.length; k += 2) {
          for (let pos = rows[k]; pos < rows[k + 1]; pos++) {
            nTr++;
            const v = raw[m.rows[source.layout.order[pos]]][1];
            if (v === '') missingPos = pos;
            else vals.push(Number(v));
          }
        }
        const med = median(vals);
        const imp = [...vals, ...new Array(nTr - vals.length).fill(med)];
        const mean = imp.reduce((a, b) => a + b, 0) / imp.length;
        const sd = Math.sqrt(imp.reduce((a, b) => a + (b - mean) ** 2, 0) / imp.length);
        expect(missingPos).toBeGreaterThanOrEqual(0);
        // a missing value becomes (median − mean) / sd of the fold's training rows
        expect(d.X[missingPos * d.p + j]).toBeCloseTo((med - mean) / sd, 12);
        imputedAs.push(med);
        // validation rows are transformed with the same (training-part) state
        const v = source.layout.starts[f];
        const rv = raw[m.rows[source.layout.order[v]]][1];
        expect(d.X[v * d.p + j]).toBeCloseTo(((rv === '' ? med : Number(rv)) - mean) / sd, 12);
      }
    } finally {
      await source.close();
    }
    // the folds' medians differ: the state really is the fold's own
    expect(new Set(imputedAs).size).toBeGreaterThan(1);
  });

  it('CV AUC per C equals sklearn Pipeline + GridSearchCV on the same folds to 1e-6', () => {
    const r = must(cli(ws, ['train', '--features', 'churn', '--name', 'cv', '--tune', '--grid', 'C=0.01,0.1,1', '--folds', '5', '--tol', '1e-9', '--json']));
    const model = JSON.parse(readFileSync(join(ws, 'registry/models/cv/versions/1/model.json'), 'utf8'));
    expect(model.cv.preprocessing).toBe('per-fold');
    expect(r.json.cv.preprocessing).toBe('per-fold');
    const fb = resolveFeatureBuild(workspaceAt(ws), 'churn');
    return loadMatrix(fb.parquetPath, 'train').then((m) => {
      const sk = pythonJson(['-c', `
import json, sys, warnings
warnings.filterwarnings("ignore")
import numpy as np, pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
d = json.load(sys.stdin)
df = pd.read_csv(d["csv"], keep_default_na=False, na_values=[""]).iloc[d["rows"]]
y = (df["churn"] == "yes").astype(int).values
pre = ColumnTransformer([("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), d["num"]),
                         ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), d["cat"])])
pipe = Pipeline([("pre", pre), ("lr", LogisticRegression(solver="newton-cholesky", tol=1e-10, max_iter=1000))])
g = GridSearchCV(pipe, {"lr__C": [0.01, 0.1, 1]}, cv=PredefinedSplit(d["fold"]), scoring="roc_auc").fit(df, y)
print(json.dumps({"mean": g.cv_results_["mean_test_score"].tolist(), "splits": [[g.cv_results_[f"split{k}_test_score"][i] for k in range(5)] for i in range(3)]}))
`], { input: JSON.stringify({ csv, rows: Array.from(m.rows), fold: model.cv.foldOf, num: NUMERIC, cat: CATEGORICAL }) });
      model.cv.trials.forEach((t: { params: { C: number }; mean: number; foldScores: number[] }, i: number) => {
        expect(t.params.C).toBe([0.01, 0.1, 1][i]);
        expect(Math.abs(t.mean - sk.mean[i])).toBeLessThan(1e-6);
        t.foldScores.forEach((s, k) => expect(Math.abs(s - sk.splits[i][k])).toBeLessThan(1e-6));
      });
    });
  });
});

describe('rank deficiency through the CLI', () => {
  it('an unpenalised fit on every one-hot level plus the intercept says rank r of p and names the columns', () => {
    const r = cli(ws, ['train', '--features', 'churn', '--name', 'none', '--penalty', 'none']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Error \(DATA\): the training matrix has rank 70 of 74 \(73 features \+ intercept\): the intercept, state=AK, state=AL, .* are collinear/);
    expect(r.stderr).toMatch(/one-hot columns of state, area_code, international_plan, voice_mail_plan each sum to 1 like the intercept: add drop_last: true/);
    expect(r.stderr).not.toMatch(/non-finite/);
  });
});

describe('search progress', () => {
  it('prints fits done/total, the configuration, fold, elapsed and ETA on a non-terminal stderr; nothing with --json', () => {
    const r = must(cli(ws, ['train', '--features', 'churn', '--name', 'p', '--tune', '--grid', 'C=0.1,1', '--folds', '3'], { env: { DICTL_QUIET: '0' } }));
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('Cross-validating 2 configurations × 3 folds on '));
    // the last fit always gets its line; a plain line carries no terminal control characters
    expect(lines.some((l) => /: 6\/6 \(100%\) · C=1 penalty=l2, fold 3\/3 · \d+\.\d s elapsed$/.test(l))).toBe(true);
    expect(r.stderr).not.toMatch(/\x1b|\r/);
    expect(r.stdout).toMatch(/3-fold cross-validation \(auc, seed 42, feature state refitted per fold\)/);
    expect(r.stdout).toMatch(/time: load \d+\.\d s, search \d+\.\d s, fit \d+\.\d s, total \d+\.\d s/);
    const j = must(cli(ws, ['train', '--features', 'churn', '--name', 'p', '--tune', '--grid', 'C=0.1,1', '--folds', '3', '--json'], { env: { DICTL_QUIET: '0' } }));
    expect(j.stderr).not.toMatch(/Cross-validating|elapsed|ETA|Fitting|Loading/);
    expect(j.json.cv.trials.length).toBe(2);
  });
});
