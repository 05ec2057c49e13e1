import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../src/base.js';
import { usageError } from '../src/errors.js';
import { evaluateModel } from '../src/ops/evaluate.js';
import { bar, fmtNum, renderTable } from '../src/ui/table.js';
import { resolveModel } from '../src/registry/models.js';
import { evaluateSegments, segmentTable } from '../src/eval/segments.js';

export default class Evaluate extends DictlCommand {
  static override summary = 'Score a model on its persisted holdout: AUC, PR AUC, log loss, Brier, F1, confusion, calibration, lift; store the result with the version.';
  static override description =
    'Uses the test split of the feature build the model was trained on (the persisted holdout). --by repeats the metrics per value of a raw dataset column; --compare scores another model on the same holdout side by side; --html writes a self-contained HTML report with ROC, PR, calibration and lift charts. A segmentation (kmeans) needs no --holdout: it is described by its segments (rows, share, most distinctive columns), and --html charts the sizes and the centre profile.';
  static override examples = [
    '<%= config.bin %> evaluate segments@1 --html segments.html',
    '<%= config.bin %> evaluate churn-model@latest --holdout',
    '<%= config.bin %> evaluate churn-model@3 --holdout --by plan',
    '<%= config.bin %> evaluate churn-model@latest --holdout --compare churn-model@champion --html report.html',
    '<%= config.bin %> evaluate churn-model@champion --holdout --json',
  ];
  static override args = { model: Args.string({ description: 'model reference: NAME, NAME@3, NAME@latest, NAME@ALIAS', required: true }) };
  static override flags = {
    ...writeFlags,
    holdout: Flags.boolean({ description: 'score the persisted holdout the model was trained against (the default, and the only mode)', default: true }),
    by: Flags.string({ description: 'repeat the metrics per value of this raw dataset column' }),
    compare: Flags.string({ description: 'another model to score on the same holdout, e.g. churn-model@champion' }),
    html: Flags.string({ description: 'write a self-contained HTML report to this file', aliases: ['report'] }),
    scores: Flags.string({ description: 'write the per-row scores (row, label, score, prediction) to this .csv or .parquet file' }),
    actor: Flags.string({ description: 'who is doing this (default: the OS user)' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(Evaluate);
    this.checkOutputs([['--html', flags.html], ['--scores', flags.scores]]);
    if (resolveModel(this.workspace, args.model).model.task === 'segmentation') {
      if (flags.by || flags.compare) throw usageError(`--by and --compare score a label on the holdout; ${args.model} is a segmentation`, `see the segments per value instead: dictl dataset derive NAME --from DATASET --segments ${args.model}, then dictl explore NAME --by segment --target COLUMN`);
      const s = evaluateSegments(this.workspace, args.model, { report: flags.html });
      return this.emit(s, (x) => [`${x.model}: ${x.headline}`, segmentTable(x.segments), ...(x.report ? [`Report: ${x.report}`] : [])].join('\n'));
    }
    const r = await evaluateModel(this.workspace, args.model, { by: flags.by, compare: flags.compare, report: flags.html, scores: flags.scores, wait: flags.wait, actor: flags.actor, progress: this.progress });
    return this.emit(r, (x) => {
      const e = x.evaluation;
      const out: string[] = [`${e.model} on holdout ${e.holdout.slice(0, 12)} (${e.n} rows${e.positives !== undefined ? `, ${e.positives} positive` : ''}, feature build ${e.featureBuild})`];
      if (x.family.importance) {
        out.push(`${x.family.headline}`);
        out.push('Feature importance (total split gain)\n' + renderTable(['feature', 'gain', 'share', ''], x.family.importance.slice(0, 10).map((f) => [f.feature, f.gain, `${(100 * f.share).toFixed(1)}%`, bar(f.share, 20)])));
      }
      if (x.compare) {
        out.push(renderTable(['metric', e.model, x.compare.baseline.model, 'difference', ''], x.compare.diffs.map((d) => [d.metric, d.candidate, d.baseline, d.diff === null ? '' : (d.diff >= 0 ? '+' : '') + d.diff.toFixed(4), d.better === null ? '' : d.better ? 'better' : 'worse'])));
      } else out.push(renderTable(['metric', 'holdout'], Object.entries(e.metrics).map(([k, v]) => [k, v])));
      if (e.confusion) {
        const c = e.confusion;
        out.push(`Confusion at threshold ${e.threshold}: TP ${c.tp}  FP ${c.fp}  TN ${c.tn}  FN ${c.fn}`);
      }
      if (e.calibration)
        out.push(
          'Calibration (10 bins)\n' +
            renderTable(['bin', 'rows', 'mean predicted', 'observed', ''], e.calibration.filter((b) => b.count > 0).map((b) => [`${b.lo.toFixed(1)}–${b.hi.toFixed(1)}`, b.count, b.meanPredicted, b.observedRate, bar(b.observedRate ?? 0)])),
        );
      if (e.lift)
        out.push('Lift by decile\n' + renderTable(['decile', 'rows', 'positives', 'lift', 'cum. gain'], e.lift.slice(0, 10).map((r) => [r.decile, r.count, r.positives, r.lift, `${fmtNum(r.cumGain)} ${bar(r.cumGain, 10)}`])));
      if (e.segments) {
        const keys = Object.keys(e.segments.groups[0]?.metrics ?? {});
        out.push(`By ${e.segments.column}\n` + renderTable(['segment', 'rows', ...keys], e.segments.groups.map((g) => [g.value, g.n, ...keys.map((k) => g.metrics[k])])));
      }
      out.push(x.stored ? `Stored: ${x.stored}` : 'Not stored: the registry is read-only');
      if (x.report) out.push(`Report: ${x.report}`);
      if (x.scores) out.push(`Scores: ${x.scores}`);
      return out.join('\n');
    });
  }
}
