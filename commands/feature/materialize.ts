import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { materializeFeatureSet } from '../../src/ops/feature-materialize.js';

export default class FeatureMaterialize extends DictlCommand {
  static override summary = "Write each entity's latest feature inputs (raw columns and point-in-time aggregates) to Redis hashes for the stream scorer.";
  static override description =
    'Needs entity: {key, time} in the feature set and a build of its current definition. Each entity gets one hash PREFIX+KEY holding the latest values of the pipeline inputs (missing values are left out); aggregates are computed as of --as-of (default: the latest time in the source and events data).';
  static override examples = [
    '<%= config.bin %> feature materialize payments --online-store redis://127.0.0.1:6379',
    '<%= config.bin %> feature materialize payments --online-store redis://127.0.0.1:6379 --prefix pay: --json',
    "<%= config.bin %> feature materialize payments --online-store redis://127.0.0.1:6380/2 --as-of '2024-06-30 23:59:59'",
  ];
  static override args = { name: Args.string({ description: 'feature set name (features/NAME.yaml)', required: true }) };
  static override flags = {
    ...writeFlags,
    'online-store': Flags.string({ description: 'Redis URL of the online store', required: true, aliases: ['online'] }),
    prefix: Flags.string({ description: 'key prefix of the entity hashes (default: NAME:)' }),
    'as-of': Flags.string({ description: 'time the aggregates are computed as of (default: latest time in the data)' }),
    'allow-unconsented': Flags.boolean({ description: 'use datasets whose consent is opt-out/unknown', default: false }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(FeatureMaterialize);
    const r = await materializeFeatureSet(this.workspace, args.name, {
      online: flags['online-store'],
      prefix: flags.prefix,
      asOf: flags['as-of'],
      allowUnconsented: flags['allow-unconsented'],
      wait: flags.wait,
      progress: this.progress,
    });
    return this.emit(r, (x) =>
      [
        `Materialized ${x.build}: ${x.entities} entities, ${x.fields} values → ${x.online} (keys ${x.prefix}<${x.entityKey}>)`,
        `  inputs: ${x.inputs.join(', ')}${x.asOf ? `\n  aggregates as of ${x.asOf}` : ''}`,
      ].join('\n'),
    );
  }
}
