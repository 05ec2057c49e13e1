/**
 * `dictl train --model gbdt` and selection across model families, through the real CLI on churn with
 * the reference split: defaults against the reference AUC, --tune across logistic and trees, the
 * packaged ONNX graph against the in-process model on every holdout row and on rows sitting exactly
 * on the trees' thresholds, model show / evaluate / the HTML report, determinism, and bad input
 * (usage and data errors that write nothing).
 */
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumScreenshot, churnWorkspace, cli, cliJson, must, ROOT, SHARED, snapshot } from '../../helpers/workspace.js';
import { loadSplitRows } from '../../../src/decide/data.js';
import { predictModel } from '../../../src/ml/families/index.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { resolveModel } from '../../../src/registry/models.js';
import type { TreeModelVersion } from '../../../src/types.js';
import type { Workspace } from '../../../src/workspace.js';
import { python, requirePython } from '../../helpers/python.js';

const REF = JSON.parse(readFileSync(join(SHARED, 'reference', 'gbdt_reference.json'), 'utf8')).results;
requirePython({ onnx: 'python3-onnx' });

let ws: Workspace;
let dir: string;

beforeAll(() => {
  ws = churnWorkspace();
  dir = ws.root;
  copyFileSync(join(ROOT, 'features/churn-trees.yaml'), join(dir, 'features/churn-trees.yaml'));
  must(cliJson(dir, ['feature', 'build', 'churn-trees']));
}, 300_000);

describe('dictl train --model gbdt on churn (reference split)', () => {
  let model: TreeModelVersion;

  it('the defaults reach the better reference AUC (sklearn HGB, xgboost) within 0.005; the record is family-tagged', () => {
    const t = must(cliJson(dir, ['train', '--features', 'churn-trees', '--name', 'churn-gbdt', '--model', 'gbdt'])).json;
    expect(t.algorithm).toBe('gbdt');
    expect(t.summary.rounds).toBeGreaterThan(0);
    const ev = must(cliJson(dir, ['evaluate', 'churn-gbdt@1', '--holdout'])).json;
    const best = Math.max(REF.churn.sklearn_hgb.auc, REF.churn.xgboost_hist.auc);
    expect(ev.evaluation.n).toBe(1000);
    expect(ev.evaluation.metrics.auc).toBeGreaterThanOrEqual(best - 0.005);
    model = resolveModel(ws, 'churn-gbdt@1').model as TreeModelVersion;
    expect(model.algorithm).toBe('gbdt');
    expect((model as unknown as Record<string, unknown>).coef).toBeUndefined();
    expect(model.trees.categorical).toEqual(['state', 'area_code', 'international_plan', 'voice_mail_plan']);
    expect((model.trees.model as { nFeatures: number }).nFeatures).toBe(model.featureNames.length);
    // evaluate reports the trees' importance; it sums to the total gain
    expect(ev.family.importance).toHaveLength(19);
    expect(ev.family.importance.reduce((s: number, x: { share: number }) => s + x.share, 0)).toBeCloseTo(1, 9);
  }, 240_000);

  it('same inputs and seed → the same model.json apart from the version number', () => {
    must(cliJson(dir, ['train', '--features', 'churn-trees', '--name', 'churn-gbdt', '--model', 'gbdt']));
    const a = readFileSync(join(dir, 'registry/models/churn-gbdt/versions/1/model.json'), 'utf8');
    const b = readFileSync(join(dir, 'registry/models/churn-gbdt/versions/2/model.json'), 'utf8');
    expect(b.replace('"version": 2', '"version": 1')).toBe(a);
  }, 240_000);

  it('model show and the HTML report show rounds kept, importance and the loss per round (rendered by headless Chromium)', () => {
    must(cliJson(dir, ['train', '--features', 'churn-trees', '--name', 'churn-es', '--model', 'gbdt', '--param', 'early_stopping=on', '--param', 'max_iter=300']));
    const show = must(cliJson(dir, ['model', 'show', 'churn-es@1'])).json;
    const es = show.model.trees.model.earlyStopping;
    expect(es.enabled).toBe(true);
    expect(show.family.rounds).toBe(show.model.trees.model.nIter);
    expect(show.family.rounds).toBeLessThan(300);
    expect(show.family.curve.validation.length).toBe(show.family.curve.train.length);
    const human = cli(dir, ['model', 'show', 'churn-es@1']).stdout;
    expect(human).toMatch(/rounds kept \(early stopping, best round \d+ of \d+\)/);
    expect(human).toMatch(/importance \(total gain\): total_day_minutes/);
    const report = join(dir, 'gbdt-report.html');
    must(cliJson(dir, ['evaluate', 'churn-es@1', '--holdout', '--compare', 'churn-gbdt@1', '--report', report]));
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/Loss per round \(log_loss\)/);
    expect(html).toMatch(/validation rows \(early stopping\)/);
    expect(html).toMatch(/Feature importance \(total split gain\)/);
    const svg = html.slice(html.indexOf('<svg', html.indexOf('Boosting')));
    expect(svg.slice(0, svg.indexOf('</svg>'))).toMatch(/<path d="M[0-9.]+,[0-9.]+L/);
    const png = chromiumScreenshot(report, dir, '1200,3600');
    expect(existsSync(png)).toBe(true);
    expect(statSync(png).size).toBeGreaterThan(20_000);
  }, 240_000);

  it('the package (one graph: pipeline + trees) passes onnx full_check and scores every holdout row and every threshold row as the in-CLI model (≤ 1e-6)', async () => {
    must(cliJson(dir, ['package', 'churn-gbdt@1', '--out', join(dir, 'pkg-gbdt')]));
    const onnxPath = join(dir, 'pkg-gbdt', 'model.onnx');
    const rows = (await loadSplitRows(ws, model, 'test')).rows;
    const inputs = model.pipeline.inputs.map((i) => i.name);
    const events: Record<string, unknown>[] = rows.map((r) => Object.fromEntries(inputs.map((k) => [k, r[k]])));
    // rows exactly on split thresholds: a holdout row with one raw input set to a threshold of a
    // numeric split on it, and to the neighbouring doubles (which round to the same float32)
    const trees = (model.trees.model as { trees: { feature: number[]; threshold: number[]; categories?: (number[] | null)[] }[] }).trees;
    let onThreshold = 0;
    for (const [ti, t] of trees.entries()) {
      if (ti % 3) continue;
      t.feature.forEach((f, node) => {
        if (f < 0 || t.categories?.[node]) return;
        const name = model.featureNames[f];
        if (!inputs.includes(name)) return;
        const thr = t.threshold[node];
        const buf = new Float64Array([thr]);
        const bits = new BigInt64Array(buf.buffer);
        for (const d of [0n, 1n, -1n]) {
          const b = new BigInt64Array([bits[0] + d]);
          const v = new Float64Array(b.buffer)[0];
          events.push({ ...events[(ti + node) % 1000], [name]: v });
          onThreshold++;
        }
      });
    }
    expect(onThreshold).toBeGreaterThan(100);
    const file = join(dir, 'gbdt-events.ndjson');
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    must(cli(dir, ['score', '--package', join(dir, 'pkg-gbdt'), '--input', file, '--output', join(dir, 'gbdt-scored.ndjson')]));
    const scored = readFileSync(join(dir, 'gbdt-scored.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(scored).toHaveLength(events.length);
    const { X, n, p } = applyPipeline(model.pipeline, events);
    const pred = predictModel(model, X, n, p);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(scored[i].score - pred[i]));
    expect(worst).toBeLessThanOrEqual(1e-6);
    // the threshold rows do route differently from their source rows somewhere (the check is not vacuous)
    expect(scored.slice(1000).some((s, k) => s.score !== scored[(k % 1000)].score)).toBe(true);
    const chk = python(['-c', `import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(sorted({n.op_type for n in m.graph.node if n.domain=='ai.onnx.ml'}), [o.name for o in m.graph.output])`, onnxPath]);
    expect(chk.status, chk.stderr).toBe(0);
    expect(chk.stdout).toMatch(/TreeEnsembleRegressor/);
    expect(chk.stdout).not.toMatch(/ZipMap/);
    expect(chk.stdout).toMatch(/\['probabilities', 'label'\]/);
  }, 240_000);
});

describe('selection across families', () => {
  it('--tune --grid "model=logistic,gbdt" picks trees on churn and reports both families\' CV scores', () => {
    const t = must(cliJson(dir, ['train', '--features', 'churn', '--name', 'churn-sel', '--tune', '--grid', 'model=logistic,gbdt;logistic.C=0.1,1;gbdt.max_leaf_nodes=15,31', '--folds', '3'])).json;
    expect(t.cv.trials.map((x: { params: { model: string } }) => x.params.model)).toEqual(['logistic', 'logistic', 'gbdt', 'gbdt']);
    for (const tr of t.cv.trials) expect(Number.isFinite(tr.mean)).toBe(true);
    const best = Math.max(...t.cv.trials.map((x: { mean: number }) => x.mean));
    expect(t.cv.best.model).toBe('gbdt');
    expect(t.algorithm).toBe('gbdt');
    const trees = t.cv.trials.filter((x: { params: { model: string } }) => x.params.model === 'gbdt');
    const lin = t.cv.trials.filter((x: { params: { model: string } }) => x.params.model === 'logistic');
    expect(Math.max(...trees.map((x: { mean: number }) => x.mean))).toBe(best);
    expect(Math.max(...lin.map((x: { mean: number }) => x.mean))).toBeLessThan(best - 0.03);
    const m = resolveModel(ws, 'churn-sel@1').model as TreeModelVersion;
    expect(m.algorithm).toBe('gbdt');
    expect(m.params).toMatchObject({ tuned: true, metric: 'auc', early_stopping: 'on', max_leaf_nodes: t.cv.best.max_leaf_nodes });
    expect(m.cv!.trials).toHaveLength(4);
    // the human table names each trial's family
    const human = cli(dir, ['train', '--features', 'churn', '--name', 'churn-sel', '--tune', '--grid', 'model=logistic,gbdt;gbdt.max_leaf_nodes=7', '--folds', '2']).stdout;
    expect(human).toMatch(/│ model\s+│/);
    expect(human).toMatch(/│ logistic │/);
    expect(human).toMatch(/│ gbdt\s+│/);
  }, 400_000);

  it('--trials samples the same space across families, seeded', () => {
    const a = must(cliJson(dir, ['train', '--features', 'churn', '--name', 'churn-rand', '--tune', '--grid', 'model=logistic,gbdt;logistic.C=0.1,1,10;gbdt.learning_rate=0.05,0.1', '--trials', '3', '--folds', '2'])).json;
    expect(a.cv.trials).toHaveLength(3);
    const fams = new Set(a.cv.trials.map((x: { params: { model: string } }) => x.params.model));
    for (const f of fams) expect(['logistic', 'gbdt']).toContain(f);
  }, 400_000);
});

describe('bad input: usage and data errors, nothing written', () => {
  const refuse = (args: string[], code: number, msg: RegExp) => {
    const before = snapshot(dir);
    const r = cli(dir, ['train', '--name', 'bad', ...args, '--json']);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(snapshot(dir)).toEqual(before);
  };

  it('out-of-range hyper-parameters name the key; an unknown family lists the families', () => {
    refuse(['--features', 'churn-trees', '--model', 'gbdt', '--param', 'learning_rate=2'], 2, /learning_rate must be within \(0, 1\], got 2/);
    refuse(['--features', 'churn-trees', '--model', 'gbdt', '--param', 'max_bins=300'], 2, /max_bins must be an integer in \[2, 255\], got 300/);
    refuse(['--features', 'churn-trees', '--model', 'gbdt', '--param', 'min_samples_leaf=0'], 2, /min_samples_leaf/);
    refuse(['--features', 'churn-trees', '--model', 'gbdt', '--param', 'bogus=1'], 2, /unknown gbdt parameter bogus/);
    refuse(['--features', 'churn-trees', '--model', 'forest'], 2, /unknown model family "forest" \(families: logistic, linear, gbdt, kmeans\)/);
    refuse(['--features', 'churn', '--tune', '--grid', 'model=logistic,forest'], 2, /unknown model family "forest" \(families: logistic, linear, gbdt, kmeans\)/);
    refuse(['--features', 'churn', '--tune', '--grid', 'model=logistic,gbdt;gbdt.learning_rate=0,0.1'], 2, /gbdt\.learning_rate must be within/);
    refuse(['--features', 'churn', '--tune', '--grid', 'model=logistic,gbdt;gbdt.C=1'], 2, /gbdt has no parameter C/);
    refuse(['--features', 'churn', '--tune', '--grid', 'model=logistic,gbdt;alpha=1'], 2, /"alpha" is not a parameter of logistic or gbdt/);
    refuse(['--features', 'churn', '--model', 'linear'], 2, /--model linear does not fit a binary label/);
    refuse(['--features', 'churn', '--model', 'logistic', '--param', 'learning_rate=0.1'], 2, /unknown linear-model parameter learning_rate/);
    refuse(['--features', 'churn', '--tune', '--grid', 'model=logistic,gbdt', '--param', 'alpha=1'], 2, /--param alpha is not a parameter of any model family/);
  }, 120_000);

  it('one-class label, ±Inf in a feature → data errors naming them; constant and all-missing columns are warnings', () => {
    writeFileSync(
      join(dir, 'features/odd.yaml'),
      `source: churn@1\nlabel:\n  column: churn\n  positive: "yes"\nfeatures:\n  - columns: [total_day_minutes, number_customer_service_calls]\n  - name: zero\n    expr: total_day_calls * 0\n  - name: nothing\n    expr: nullif(total_day_calls, total_day_calls)\n`,
    );
    must(cliJson(dir, ['feature', 'build', 'odd']));
    const t = cli(dir, ['train', '--features', 'odd', '--name', 'odd', '--model', 'gbdt', '--json']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.json.warnings.join('\n')).toMatch(/missing on every training row \(never split on\): nothing/);
    expect(t.json.warnings.join('\n')).toMatch(/constant feature on the training rows \(no information, never split on\): zero/);
    // the same columns refuse a linear fit (missing values would reach the solver)
    refuse(['--features', 'odd', '--model', 'logistic'], 3, /feature nothing \(all \d+ values missing\)/);

    writeFileSync(join(dir, 'features/inf.yaml'), `source: churn@1\nlabel:\n  column: churn\n  positive: "yes"\nfeatures:\n  - columns: [total_day_minutes]\n  - name: boom\n    expr: exp(total_day_minutes * 3)\n`);
    must(cliJson(dir, ['feature', 'build', 'inf']));
    refuse(['--features', 'inf', '--model', 'gbdt'], 3, /feature boom holds \d+ infinite values/);

    const yaml = readFileSync(join(dir, 'features/churn-trees.yaml'), 'utf8').replace('positive: "yes"', 'positive: "maybe"');
    writeFileSync(join(dir, 'features/onecls.yaml'), yaml);
    const b = cli(dir, ['feature', 'build', 'onecls', '--json']);
    if (b.code === 0) refuse(['--features', 'onecls', '--model', 'gbdt'], 3, /the label churn has one class/);
    else expect(b.code).toBe(3);
  }, 240_000);
});

describe('multiclass and regression trees: the package equals the in-CLI model', () => {
  const cases: [string, string, string][] = [
    ['multi', 'area_code', '  column: area_code\n  classes: [area_code_408, area_code_415, area_code_510]'],
    ['reg', 'account_length', '  column: account_length\n  task: regression'],
    ['two', 'international_plan', '  column: international_plan\n  classes: ["no", "yes"]'],
  ];
  for (const [tag, labelCol, label] of cases) {
    it(`${tag}: ${labelCol}`, async () => {
      const yaml = readFileSync(join(dir, 'features/churn-trees.yaml'), 'utf8')
        .replace(/label:\n  column: churn\n  positive: "yes"/, `label:\n${label}`)
        .replace(`      - ${labelCol}\n`, '')
        .replace(`[state, area_code, international_plan, `, `[state, ${labelCol === 'area_code' ? '' : 'area_code, '}${labelCol === 'international_plan' ? '' : 'international_plan, '}`);
      writeFileSync(join(dir, `features/trees-${tag}.yaml`), yaml);
      must(cliJson(dir, ['feature', 'build', `trees-${tag}`]));
      const t = must(cliJson(dir, ['train', '--features', `trees-${tag}`, '--name', `trees-${tag}`, '--model', 'gbdt', '--param', 'max_iter=40'])).json;
      expect(t.algorithm).toBe('gbdt');
      const m = resolveModel(ws, `trees-${tag}@1`).model as TreeModelVersion;
      expect(m.featureNames).not.toContain(labelCol);
      must(cliJson(dir, ['package', `trees-${tag}@1`, '--out', join(dir, `pkg-${tag}`)]));
      const rows = (await loadSplitRows(ws, m, 'test')).rows;
      const inputs = m.pipeline.inputs.map((i) => i.name);
      const file = join(dir, `${tag}.ndjson`);
      writeFileSync(file, rows.map((r) => JSON.stringify(Object.fromEntries(inputs.map((k) => [k, r[k]])))).join('\n') + '\n');
      must(cli(dir, ['score', '--package', join(dir, `pkg-${tag}`), '--input', file, '--output', join(dir, `${tag}-out.ndjson`)]));
      const scored = readFileSync(join(dir, `${tag}-out.ndjson`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const { X, n, p } = applyPipeline(m.pipeline, rows);
      const pred = predictModel(m, X, n, p);
      let worst = 0;
      if (tag !== 'reg') {
        const K = tag === 'multi' ? 3 : 2;
        for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) worst = Math.max(worst, Math.abs(scored[i].probabilities[k] - pred[i * K + k]));
        if (tag === 'multi') expect(new Set(scored.map((s) => s.label)).size).toBeGreaterThan(1);
      } else for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(scored[i].prediction - pred[i]));
      expect(worst).toBeLessThanOrEqual(1e-6);
      const chk = python(['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', join(dir, `pkg-${tag}`, 'model.onnx')]);
      expect(chk.status, chk.stderr).toBe(0);
    }, 240_000);
  }
});

describe('dictl doctor reads tree models through their family', () => {
  it('is consistent on this workspace; a tree model.json whose trees do not fit its features is an error', () => {
    must(cliJson(dir, ['train', '--features', 'churn-trees', '--name', 'churn-doc', '--model', 'gbdt', '--param', 'max_iter=5']));
    const d = cli(dir, ['doctor', '--json']);
    expect(d.code, d.stdout).toBe(0);
    expect(d.json.consistent).toBe(true);
    const p = join(dir, 'registry/models/churn-doc/versions/1/model.json');
    const m = JSON.parse(readFileSync(p, 'utf8'));
    m.featureNames = m.featureNames.slice(1);
    writeFileSync(p, JSON.stringify(m));
    const bad = cli(dir, ['doctor', '--json']);
    expect(bad.json.consistent).toBe(false);
    expect(bad.json.issues).toContainEqual(expect.objectContaining({ code: 'model-family', message: expect.stringMatching(/trees over 19 features for 18 feature names/) }));
  }, 120_000);
});
