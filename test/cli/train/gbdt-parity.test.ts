/**
 * Parity through the CLI: on each of the four shared sets with the reference split (`holdout create
 * --rows`), a feature set for trees (numbers raw, strings as category codes) and `dictl train --model
 * gbdt` with its defaults reach a holdout AUC within 0.005 of the better of scikit-learn's
 * HistGradientBoosting and xgboost in ../shared/reference/gbdt_reference.json, or higher.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, must, SHARED } from '../../helpers/workspace.js';

const REF = JSON.parse(readFileSync(join(SHARED, 'reference', 'gbdt_reference.json'), 'utf8')).results;

describe('train --model gbdt defaults vs the reference AUC (CLI, reference split)', () => {
  for (const name of ['churn', 'credit', 'breast_cancer', 'pima']) {
    it(name, () => {
      const ref = REF[name];
      const dir = mkdtempSync(join(tmpdir(), 'dictl-gbdt-parity-'));
      must(cli(tmpdir(), ['init', dir]));
      const ok = (args: string[]) => must(cli(dir, [...args, '--json'])).json;
      const ds = ok(['dataset', 'register', name, '--file', join(SHARED, 'datasets', `${name}.csv`), '--steward', 'ml@example.com', '--consent', 'not-required']);
      ok(['holdout', 'create', `${name}@1`, '--rows', join(SHARED, 'reference', 'splits', `${name}.test_rows.txt`)]);
      const cols = (ds.columns as { name: string; type: string }[]).filter((c) => c.name !== ref.target);
      const nums = cols.filter((c) => c.type === 'number' || c.type === 'integer').map((c) => JSON.stringify(c.name));
      const strs = cols.filter((c) => c.type === 'string').map((c) => JSON.stringify(c.name));
      const yaml = [
        `source: ${name}@1`,
        'label:',
        `  column: ${JSON.stringify(ref.target)}`,
        `  positive: ${JSON.stringify(ref.positive_label)}`,
        'features:',
        `  - columns: [${nums.join(', ')}]`,
        ...(strs.length ? [`  - columns: [${strs.join(', ')}]`, '    transforms:', '      - string_index: { order: alphabet, handle_invalid: keep }'] : []),
        '',
      ].join('\n');
      writeFileSync(join(dir, 'features', `${name}-trees.yaml`), yaml);
      ok(['feature', 'build', `${name}-trees`]);
      const t = ok(['train', '--features', `${name}-trees`, '--name', `${name}-gbdt`, '--model', 'gbdt']);
      expect(t.algorithm).toBe('gbdt');
      const ev = ok(['evaluate', `${name}-gbdt@1`, '--holdout']);
      const best = Math.max(ref.sklearn_hgb.auc, ref.xgboost_hist.auc);
      console.log(`${name}: dictl gbdt AUC ${ev.evaluation.metrics.auc.toFixed(4)}; sklearn HGB ${ref.sklearn_hgb.auc.toFixed(4)}, xgboost ${ref.xgboost_hist.auc.toFixed(4)}`);
      expect(ev.evaluation.metrics.auc).toBeGreaterThanOrEqual(best - 0.005);
    }, 240_000);
  }
});
