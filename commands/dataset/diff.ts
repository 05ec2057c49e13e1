import { Args } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { diffVersions } from '../../src/datasets/diff.js';
import { resolveDataset } from '../../src/datasets/store.js';
import { fmtNum, renderTable } from '../../src/ui/table.js';

export default class DatasetDiff extends DictlCommand {
  static override summary = 'Compare two dataset versions: schema changes, metadata changes and per-column profile shifts.';
  static override examples = [
    '<%= config.bin %> dataset diff churn@1 churn@2',
    '<%= config.bin %> dataset diff churn@1 churn        # against the latest',
    '<%= config.bin %> dataset diff credit@1 credit-clean@1 --json',
  ];
  static override args = {
    from: Args.string({ description: 'older version, NAME@VERSION', required: true }),
    to: Args.string({ description: 'newer version, NAME@VERSION (NAME alone: latest)', required: true }),
  };

  async run() {
    const { args } = await this.parseCommand(DatasetDiff);
    const ws = this.workspace;
    const r = diffVersions(resolveDataset(ws, args.from), resolveDataset(ws, args.to));
    return this.emit(r, (x) => {
      const out = [`${x.from} → ${x.to}: rows ${x.rows[0]} → ${x.rows[1]}${x.sameData ? ' (identical data)' : ''}`];
      for (const c of x.schema.added) out.push(`  + column ${c.name} (${c.type})`);
      for (const c of x.schema.removed) out.push(`  - column ${c.name} (${c.type})`);
      for (const c of x.schema.typeChanged) out.push(`  ~ column ${c.name}: ${c.from} → ${c.to}`);
      for (const c of x.schema.nullableChanged) out.push(`  ~ column ${c.name}: ${c.from ? 'nullable' : 'not null'} → ${c.to ? 'nullable' : 'not null'}`);
      for (const m of x.metadata) out.push(`  ~ ${m.field}: ${JSON.stringify(m.from)} → ${JSON.stringify(m.to)}`);
      if (!x.schema.added.length && !x.schema.removed.length && !x.schema.typeChanged.length && !x.schema.nullableChanged.length) out.push('  schema: unchanged');
      out.push(
        renderTable(
          ['column', 'type', 'missing', 'distinct', 'mean', 'shift', 'flag'],
          x.columns.map((c) => [
            c.name,
            c.type,
            `${fmtNum(100 * c.missingRate[0], 1)}% → ${fmtNum(100 * c.missingRate[1], 1)}%`,
            `${c.distinct[0]} → ${c.distinct[1]}`,
            c.mean ? `${c.mean[0] === null ? '-' : fmtNum(c.mean[0])} → ${c.mean[1] === null ? '-' : fmtNum(c.mean[1])}` : '',
            c.smd !== undefined && c.smd !== null ? `${fmtNum(c.smd, 2)} sd` : c.tvd !== undefined ? `TVD ${fmtNum(c.tvd, 2)}` : '',
            c.flagged ? '⚠ ' + c.reasons.join('; ') : '',
          ]),
        ),
      );
      out.push(x.flagged.length ? `${x.flagged.length} column(s) shifted: ${x.flagged.join(', ')}` : 'No column shifted beyond the thresholds.');
      return out.join('\n');
    });
  }
}
