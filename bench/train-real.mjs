// Benchmark: tuning on real data through the CLI against scikit-learn in the same run.
//   node bench/train-real.mjs              (churn.csv repeated 100 times: 500,000 rows, 73 model columns)
//   BENCH_SCALE=0.1 node bench/train-real.mjs   (repeated 10 times, for a quick check)
// dictl: `feature build churn` (the repo's features/churn.yaml: median impute + standardize, mode
// impute + one-hot) + `train --tune --grid "C=0.01,0.1,1,10,100" --folds 5` (feature state refitted
// per fold, then the best C refitted on all training rows), timed as whole commands.
// Peer: /usr/bin/python3 GridSearchCV(Pipeline(ColumnTransformer(SimpleImputer(median)+StandardScaler,
// SimpleImputer(most_frequent)+OneHotEncoder(handle_unknown=ignore)), LogisticRegression(max_iter=1000)),
// StratifiedKFold(5, shuffle, seed 42), roc_auc, n_jobs=2) on the same raw training rows (refit=True),
// fit time only. Goals: ratio ≤ 1.0 (aim 0.5); CV AUC per C within 0.002 of sklearn's (the fold
// assignments differ, which alone moves it ~0.001).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMatrix, resolveFeatureBuild } from '../dist/src/features/builds.js';
import { workspaceAt } from '../dist/src/workspace.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const REPEAT = Math.max(1, Math.round(100 * SCALE));
const CS = [0.01, 0.1, 1, 10, 100];
const PY = '/usr/bin/python3';
const SHARED = process.env.DICTL_SHARED ?? resolve(ROOT, '../shared');
const dir = mkdtempSync(join(tmpdir(), 'dictl-bench-train-real-'));
const ws = join(dir, 'ws');

// CPU seconds (user + system) of a child process, from GNU time when it is there
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
function timed(cmd, args, opts) {
  const t = performance.now();
  const r = TIME ? spawnSync(TIME, ['-f', '__cpu %U %S', cmd, ...args], opts) : spawnSync(cmd, args, opts);
  const s = (performance.now() - t) / 1000;
  const m = /__cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { r, s, cpu: m ? Number(m[1]) + Number(m[2]) : NaN };
}

function dictl(args) {
  const { r, s, cpu } = timed(process.execPath, [join(ROOT, 'bin/run.js'), ...args], { cwd: ws, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, DICTL_QUIET: '1' } });
  if (r.status !== 0) throw new Error(`dictl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { s, cpu, json: args.includes('--json') ? JSON.parse(r.stdout) : undefined };
}

try {
  console.log(`bench/train-real: churn.csv × ${REPEAT}, ${availableParallelism()} cores, node ${process.version}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'init', ws, '-q']);
  const lines = readFileSync(join(SHARED, 'datasets/churn.csv'), 'utf8').trimEnd().split('\n');
  const csv = join(dir, 'churn-x.csv');
  writeFileSync(csv, [lines[0], ...Array.from({ length: REPEAT }, () => lines.slice(1)).flat()].join('\n') + '\n');
  copyFileSync(join(ROOT, 'features/churn.yaml'), join(ws, 'features/churn.yaml'));
  dictl(['dataset', 'register', 'churn', '--file', csv, '--steward', 'bench@example.com', '--consent', 'not-required', '--json']);
  dictl(['holdout', 'create', 'churn@1', '--fraction', '0.2', '--stratify', 'churn', '--seed', '42', '--json']);

  const build = dictl(['feature', 'build', 'churn', '--json']);
  const train = dictl(['train', '--features', 'churn', '--name', 'churn-tuned', '--tune', '--grid', `C=${CS.join(',')}`, '--folds', '5', '--json']);
  const ours = build.s + train.s;
  const tr = train.json;
  console.log(`dictl: feature build ${build.s.toFixed(2)} s + train --tune ${train.s.toFixed(2)} s (load ${(tr.timings.loadMs / 1000).toFixed(2)} s, search ${(tr.timings.cvMs / 1000).toFixed(2)} s, refit ${(tr.timings.fitMs / 1000).toFixed(2)} s) = ${ours.toFixed(2)} s; ${tr.rows.train} rows × ${tr.rows.features} features, CV preprocessing ${tr.cv.preprocessing}, best C=${tr.cv.best.C}`);

  // the same raw training rows for sklearn
  const fb = resolveFeatureBuild(workspaceAt(ws), 'churn');
  const m = await loadMatrix(fb.parquetPath, 'train');
  writeFileSync(join(dir, 'rows.json'), JSON.stringify(Array.from(m.rows)));
  const { r, cpu: skCpu } = timed(PY, ['-c', `
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
df = pd.read_csv(sys.argv[1], keep_default_na=False, na_values=[""]).iloc[json.load(open(sys.argv[2]))]
y = (df["churn"] == "yes").astype(int).values
cat = ["state", "area_code", "international_plan", "voice_mail_plan"]
num = [c for c in df.columns if c not in cat + ["churn"]]
pre = ColumnTransformer([("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
                         ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), cat)])
g = GridSearchCV(Pipeline([("pre", pre), ("lr", LogisticRegression(max_iter=1000))]), {"lr__C": ${JSON.stringify(CS)}},
                 cv=StratifiedKFold(5, shuffle=True, random_state=42), scoring="roc_auc", n_jobs=2)
t = time.perf_counter(); g.fit(df, y); s = time.perf_counter() - t
print(json.dumps({"fit": s, "mean": g.cv_results_["mean_test_score"].tolist(), "best": g.best_params_["lr__C"]}))
`, csv, join(dir, 'rows.json')], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const ourCpu = build.cpu + train.cpu;
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  const sk = JSON.parse(r.stdout.trim().split('\n').pop());
  console.log(`sklearn GridSearchCV(n_jobs=2) fit: ${sk.fit.toFixed(2)} s, best C=${sk.best}`);
  console.log(`CPU time (user + system, all threads and processes): dictl build + train ${ourCpu.toFixed(1)} s; sklearn's python process incl. reading the CSV ${skCpu.toFixed(1)} s`);
  let worst = 0;
  CS.forEach((C, i) => {
    const t = tr.cv.trials.find((x) => x.params.C === C);
    const d = Math.abs(t.mean - sk.mean[i]);
    worst = Math.max(worst, d);
    console.log(`  C=${C}: CV AUC dictl ${t.mean.toFixed(6)}, sklearn ${sk.mean[i].toFixed(6)}, |Δ| ${d.toFixed(6)}`);
  });
  console.log(`CV AUC max |Δ| per C: ${worst.toFixed(6)} (goal ≤ 0.002)`);
  console.log(`ratio dictl (feature build + train --tune) / sklearn fit: ${(ours / sk.fit).toFixed(2)}x (goal ≤ 1.0, aim 0.5); load after ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
