import { describeLabel } from '../../src/labels.js';
import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { usageError } from '../../src/errors.js';
import { showFeatureSet } from '../../src/ops/feature-show.js';
import { renderTable } from '../../src/ui/table.js';
import type { DialectName } from '../../src/pipeline/dialect.js';

export default class FeatureShow extends DictlCommand {
  static override summary = 'Show a feature set: its features and transforms, the fitted state of a build and, with --sql, the compiled DuckDB (or, with --dialect spark, Spark) SQL.';
  static override examples = [
    '<%= config.bin %> feature show churn',
    '<%= config.bin %> feature show churn@2 --json',
    '<%= config.bin %> feature show churn --sql',
    '<%= config.bin %> feature show churn@2 --sql --dialect spark > churn_features.sql',
  ];
  static override args = { ref: Args.string({ description: 'feature set, optionally a build version: churn, churn@2, churn@latest', required: true }) };
  static override flags = {
    sql: Flags.boolean({ description: 'print the compiled SQL of the build (fitted values inlined)', default: false }),
    dialect: Flags.string({
      description:
        'SQL dialect of --sql: duckdb (the default: over the dataset\'s data.parquet) or spark (one SELECT over a table or view named source; entity aggregates read a table named after each events dataset)',
      options: ['duckdb', 'spark'],
    }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(FeatureShow);
    if (flags.dialect && !flags.sql) throw usageError('--dialect applies to --sql', `run: dictl feature show ${args.ref} --sql --dialect ${flags.dialect}`);
    const r = showFeatureSet(this.workspace, args.ref, { sql: flags.sql, dialect: flags.dialect as DialectName });
    return this.emit(r, (x) => {
      if (flags.sql) return x.sql!;
      const shownLabel = x.build ? x.build.label : x.label;
      const lines = [`Feature set ${x.name} (${x.file})`, `  source ${x.source}; ${shownLabel ? `label ${describeLabel(shownLabel)}` : 'no label (unsupervised: segments)'}`];
      lines.push(renderTable(['feature', 'from', 'kind', 'transforms', 'line'], x.features.map((f) => [f.name, f.from, f.kind, f.transforms.join(' → '), f.line])));
      if (x.build) {
        const b = x.build;
        lines.push(`Build ${b.name}@${b.version} of ${b.dataset}, ${b.holdout ? `holdout ${b.holdout.slice(0, 12)}` : 'all rows (no holdout)'}: ${b.rows.train} train / ${b.rows.test} test rows, ${b.pipeline.outputNames.length} outputs`);
        lines.push(
          renderTable(
            ['feature', 'fitted state'],
            b.pipeline.features.map((f) => [
              f.name,
              f.kind === 'numeric'
                ? f.steps.map((s) => (s.op === 'impute' ? `impute ${s.value}` : s.op === 'affine' ? `(x − ${+s.sub.toPrecision(6)}) / ${+s.div.toPrecision(6)}` : s.op === 'clip' ? `clip [${s.min ?? '-∞'}, ${s.max ?? '∞'}]` : s.op === 'bucketize' ? `bucketize ${s.splits.map((v) => +v.toPrecision(6)).join(' | ')}` : s.op)).join(' → ') || 'as is'
                : f.kind === 'onehot'
                  ? `${f.impute !== undefined ? `impute "${f.impute}" → ` : ''}one-hot ${f.categories.length} categories${f.folded.length ? `, ${f.folded.length} folded` : ''}${f.otherSlot ? ' + other' : ''}; unknown → ${f.unknown}`
                  : f.kind === 'index'
                    ? `${f.impute !== undefined ? `impute "${f.impute}" → ` : ''}index of ${f.vocabulary.length} values (${f.vocabulary.slice(0, 5).join(', ')}${f.vocabulary.length > 5 ? ', …' : ''}); invalid → ${f.unknown}`
                    : `${f.left} × ${f.right}`,
            ]),
          ),
        );
      } else lines.push(`Not built yet: dictl feature build ${x.name}`);
      return lines.join('\n');
    });
  }
}
