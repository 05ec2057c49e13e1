import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { usageError } from '../../src/errors.js';
import { shadowReportFor } from '../../src/ops/decide-shadow.js';
import { renderShadow } from '../../src/decide/render.js';

export default class DecideShadow extends DictlCommand {
  static override summary = 'Champion vs challenger on the shadow log: action agreement (Wilson interval), confusion of actions, score differences, agreement with human labels.';
  static override description = [
    'The shadow log is written by `dictl score --package CHAMPION --challenger CHALLENGER` (registry/shadow/MODEL/log.ndjson; MODEL is the champion\'s name).',
    'Human labels come from resolved review cases of the champion (matched by case id) and from --labels FILE (NDJSON events with the model inputs and a yes/no label, matched by the inputs).',
    'With --redis the entries the scorer queued on the stream shadow:MODEL are first copied into the log (once).',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> decide shadow churn-model',
    '<%= config.bin %> decide shadow churn-model --challenger churn-model@4 --labels labelled.ndjson --label-column churn --json',
    '<%= config.bin %> decide shadow churn-model --redis redis://127.0.0.1:6379',
  ];
  static override args = { model: Args.string({ description: 'champion model name (whose shadow log to read)', required: true }) };
  static override flags = {
    ...writeFlags,
    challenger: Flags.string({ description: 'only events scored by this challenger (NAME or NAME@VERSION)' }),
    labels: Flags.string({ description: 'NDJSON file of labelled events (model inputs + label column) to match by inputs' }),
    'label-column': Flags.string({ description: 'label column of --labels, holding yes/no, true/false or 1/0 (default: label)' }),
    confidence: Flags.string({ description: 'confidence level of the Wilson intervals', default: '0.95' }),
    redis: Flags.string({ description: 'Redis URL the scorer logged on (stream shadow:MODEL): copied into the workspace log first' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DecideShadow);
    const confidence = Number(flags.confidence);
    if (!(confidence > 0 && confidence < 1)) throw usageError(`--confidence must be between 0 and 1, got "${flags.confidence}"`);
    const r = await shadowReportFor(this.workspace, args.model, { challenger: flags.challenger, labels: flags.labels, labelColumn: flags['label-column'], confidence, redis: flags.redis, wait: flags.wait });
    return this.emit(r, renderShadow);
  }
}
