import { Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { usageError } from '../../src/errors.js';
import { runDrift } from '../../src/ops/monitor-drift.js';
import { renderTable, fmtNum } from '../../src/ui/table.js';
import { fmtP } from '../../src/ui/format.js';

export default class MonitorDrift extends DictlCommand {
  static override summary = 'Compare live input distributions with the training profile (PSI and KS for numbers, chi-square and Jensen–Shannon for categories); exit 1 on drift.';
  static override examples = [
    '<%= config.bin %> monitor drift --package ./scorer --input events.ndjson',
    '<%= config.bin %> monitor drift --package ./scorer --input events.ndjson --psi-limit 0.1 --json',
    '<%= config.bin %> monitor drift --package ./scorer --redis redis://127.0.0.1:6390 --stream churn:events --count 5000',
  ];
  static override flags = {
    package: Flags.string({ description: 'scorer package folder (from dictl package)', required: true }),
    input: Flags.string({ description: 'live events, one JSON object per line' }),
    redis: Flags.string({ description: 'Redis URL for --stream', default: 'redis://127.0.0.1:6379' }),
    stream: Flags.string({ description: 'Redis stream key: compare its last --count entries' }),
    count: Flags.integer({ description: 'window size for --stream', default: 10000, min: 1 }),
    'psi-limit': Flags.string({ description: 'PSI at or above this is drift', default: '0.2' }),
    'ks-limit': Flags.string({ description: 'KS distance at or above this (with p < alpha) is drift', default: '0.1' }),
    'js-limit': Flags.string({ description: 'Jensen–Shannon divergence at or above this is drift', default: '0.1' }),
    alpha: Flags.string({ description: 'significance level of the KS and chi-square tests', default: '0.01' }),
    'save-profile': Flags.boolean({ description: 'write the computed training profile into the package (drift-profile.json)', default: false }),
  };

  async run() {
    const { flags } = await this.parseCommand(MonitorDrift);
    const num = (k: string, v: string) => {
      const x = Number(v);
      if (!(x > 0 && x <= 1)) throw usageError(`--${k} must be a number in (0, 1], got "${v}"`);
      return x;
    };
    const limits = { psi: Number(flags['psi-limit']), ks: num('ks-limit', flags['ks-limit']), js: num('js-limit', flags['js-limit']), alpha: num('alpha', flags.alpha) };
    if (!(limits.psi > 0)) throw usageError(`--psi-limit must be a positive number, got "${flags['psi-limit']}"`);
    let ws;
    try {
      ws = this.workspace;
    } catch {
      ws = undefined;
    }
    const r = await runDrift(flags.package, { ws, input: flags.input, redis: flags.redis, stream: flags.stream, count: flags.count, limits, saveProfile: flags['save-profile'], progress: this.progress });
    return this.emitVerdict(r, r.ok, `drift in ${r.drifted.length} column(s): ${r.drifted.join(', ')}`, (x) =>
      [
        `Drift of ${x.rows} live events (${x.input}) against ${x.trainingRows} training rows of ${x.model} (profile from ${x.profileSource})`,
        renderTable(
          ['column', 'type', 'PSI', 'KS', 'KS p', 'JS', 'chi²', 'chi² p', 'missing', 'status', 'why'],
          x.columns.map((c) => [c.name, c.type, c.psi, c.ks, c.ksP === undefined ? '' : fmtP(c.ksP), c.js, c.chi2, c.chi2P === undefined ? '' : fmtP(c.chi2P), `${fmtNum((100 * c.nulls) / Math.max(1, c.n), 1)}%`, c.status.toUpperCase(), c.reasons.join('; ')]),
        ),
        x.ok ? 'No drift beyond the limits.' : `DRIFT: ${x.drifted.join(', ')}`,
      ].join('\n'),
    );
  }
}
