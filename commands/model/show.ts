import { describeLabel } from '../../src/labels.js';
import { Args } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { showModel } from '../../src/registry/models.js';
import { segmentTable } from '../../src/eval/segments.js';
import { fmtParams, metricKey } from '../../src/ui/format.js';
import { fmtNum, renderTable } from '../../src/ui/table.js';

export default class ModelShow extends DictlCommand {
  static override summary = 'Show one model version: aliases, lineage, parameters, training and holdout metrics.';
  static override examples = ['<%= config.bin %> model show churn-model@champion', '<%= config.bin %> model show churn-model@3 --json', '<%= config.bin %> model show churn-model'];
  static override args = { model: Args.string({ description: 'model reference: NAME, NAME@3, NAME@latest, NAME@ALIAS', required: true }) };

  async run() {
    const { args } = await this.parseCommand(ModelShow);
    const r = showModel(this.workspace, args.model);
    return this.emit(r, (x) => {
      const m = x.model;
      const lines = [
        `${x.summary.ref}${x.summary.aliases.length ? ` (${x.summary.aliases.map((a) => '@' + a).join(', ')})` : ''}${x.summary.archived ? ' [archived]' : ''}`,
        `  ${m.algorithm} ${m.task}, ${m.label ? `label ${describeLabel(m.label)}` : 'no label'}, ${m.featureNames.length} features, threshold ${m.threshold}`,
        `  dataset ${m.lineage.dataset}, features ${x.summary.featureSet}, ${m.lineage.holdout ? `holdout ${m.lineage.holdout.slice(0, 12)}` : 'no holdout (all rows)'}`,
        `  params ${fmtParams(m.params)}; seed ${m.seed}; ${m.convergence.solver} ${m.convergence.iterations} it${m.convergence.converged ? '' : ' (NOT converged)'}`,
      ];
      const fam = x.family;
      lines.push(`  ${fam.headline}`);
      if (fam.importance?.length) lines.push(`  importance (total gain): ${fam.importance.slice(0, 10).map((f) => `${f.feature} ${(100 * f.share).toFixed(1)}%`).join(', ')}`);
      if (fam.segments?.length) {
        lines.push(segmentTable(fam.segments));
      }
      if (x.run?.registeredAt) lines.push(`  registered ${x.run.registeredAt} by ${x.run.actor ?? '?'}`);
      // one row per metric: training metrics are keyed prAuc, evaluations pr_auc
      const canon = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [metricKey(k), v]));
      const train = canon((m.trainMetrics ?? {}) as Record<string, number>);
      const hold = canon((x.evaluation?.metrics ?? {}) as Record<string, number>);
      const keys = [...new Set([...Object.keys(train), ...Object.keys(hold)])].sort();
      if (keys.length) lines.push(renderTable(['metric', 'train', 'holdout'], keys.map((k) => [k, train[k] !== undefined ? fmtNum(train[k]) : '', hold[k] !== undefined ? fmtNum(hold[k]) : ''])));
      if (!x.evaluation && m.task !== 'segmentation') lines.push(`Not evaluated yet. Try: dictl evaluate ${x.summary.ref} --holdout`);
      return lines.join('\n');
    });
  }
}
