import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { validateFile } from '../../src/datasets/validate.js';
import { renderTable } from '../../src/ui/table.js';

export default class DatasetValidate extends DictlCommand {
  static override summary = 'Check a new file against a dataset version’s schema and --expect rules; report every failing row and rule (exit 1 if any).';
  static override examples = [
    '<%= config.bin %> dataset validate churn --file new_batch.csv',
    '<%= config.bin %> dataset validate credit@1 --file credit_june.csv --expect "Income not null" --expect "Age between 18 and 100" --expect "Home in (owner, rent, parents, priv, other, ignore)"',
    '<%= config.bin %> dataset validate pima --file pima_new.csv --expect "glucose > 0" --quarantine bad_rows.csv --json',
    '<%= config.bin %> dataset validate customers --file export.parquet --expect "customer_id unique"',
  ];
  static override args = { ref: Args.string({ description: 'dataset NAME (latest version) or NAME@VERSION', required: true }) };
  static override flags = {
    file: Flags.string({ char: 'f', description: 'CSV or Parquet file to check', required: true }),
    expect: Flags.string({ char: 'e', description: 'a rule: "COL not null", "COL unique", "COL between A and B", "COL >= A", "COL in (a, b)" (repeatable)', multiple: true }),
    quarantine: Flags.string({ description: 'write the failing rows (as read) to this CSV file' }),
    delimiter: Flags.string({ description: 'CSV delimiter (default: detected from the header)' }),
    na: Flags.string({ description: 'extra CSV text read as missing (repeatable)', multiple: true }),
    limit: Flags.integer({ description: 'list at most this many failures (all are counted)', min: 1 }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DatasetValidate);
    this.checkOutputs([['--quarantine', flags.quarantine]], [flags.file]);
    this.progress.phase('Validating');
    const r = await validateFile(this.workspace, {
      ref: args.ref,
      file: flags.file,
      expect: flags.expect,
      quarantine: flags.quarantine,
      delimiter: flags.delimiter,
      na: flags.na,
      maxFailures: flags.limit ?? (this.jsonMode ? undefined : 50),
    });
    const reason = `${r.file} fails ${r.dataset}: ${r.schemaErrors.length} schema problem(s), ${r.failingRows} failing row(s) of ${r.rows}`;
    return this.emitVerdict(r, r.ok, reason, (x) => {
      const out: string[] = [`${x.ok ? 'PASS' : 'FAIL'}  ${x.file} against ${x.dataset}: ${x.rows} rows, ${x.failingRows} failing`];
      for (const s of x.schemaErrors) out.push(`  schema: ${s}`);
      const failed = x.rules.filter((q) => q.failures > 0);
      if (failed.length) out.push(renderTable(['failing rule', 'rows'], failed.map((q) => [q.rule, q.failures])));
      out.push(`${x.rules.length - failed.length} of ${x.rules.length} rule(s) pass (schema types, schema not-null, --expect)`);
      if (x.failures.length) {
        out.push(renderTable(['line', 'row', 'column', 'value', 'rule'], x.failures.map((f) => [f.line ?? '', f.row, f.column, f.value === null ? '(missing)' : f.value, f.rule])));
        if (x.truncated) out.push(`… more failures not listed (use --limit N or --json for all)`);
      }
      if (x.quarantine) out.push(`Quarantined ${x.quarantine.rows} row(s) to ${x.quarantine.file}`);
      return out.join('\n');
    });
  }
}
