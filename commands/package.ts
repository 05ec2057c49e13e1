import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../src/base.js';
import { packageModel } from '../src/ops/package.js';

export default class Package extends DictlCommand {
  static override summary = 'Package a model as a standalone scorer: model.onnx, input.avsc, manifest.json, README.md, and a Spark job (spark_job.py, dictl_scoring.py, requirements.txt) and explain.json.';
  static override description =
    'Compiles the fitted pipeline and the model into one ONNX graph over the raw input columns. The package is byte-identical when rebuilt from the same model version. Records lineage in registry/packages/ and the audit log. explain.json carries what `score --explain` needs without the workspace: the fitted pipeline, the model parameters and the training means of the model inputs.';
  static override examples = [
    '<%= config.bin %> package churn-model@3 --out build/churn-scorer',
    '<%= config.bin %> package churn-model@champion --out build/champion --tar',
    '<%= config.bin %> package churn-model --out /srv/scorers/churn --json',
  ];
  static override args = { model: Args.string({ description: 'model reference: NAME@VERSION, NAME@ALIAS or NAME (= latest)', required: true }) };
  static override flags = {
    ...writeFlags,
    out: Flags.string({ char: 'o', description: 'package folder to write (created; an earlier package there is replaced)', required: true }),
    tar: Flags.boolean({ description: 'also write OUT.tar (deterministic archive of the folder)', default: false }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(Package);
    this.progress.phase(`Packaging ${args.model}`);
    const r = await packageModel(this.workspace, args.model, flags.out, { tar: flags.tar, wait: flags.wait });
    if (r.lineageRecord === null) this.progress.warn('the registry is read-only: the package was written, but no lineage record or audit entry');
    return this.emit(r, (x) =>
      [
        `Packaged ${x.model} → ${x.out} (${x.inputs} inputs, ${x.features} features)`,
        ...x.files.map((f) => `  ${f.name.padEnd(14)} ${String(f.bytes).padStart(8)} B  sha256 ${f.sha256.slice(0, 16)}…`),
        ...(x.tar ? [`  archive ${x.tar.path} (${x.tar.bytes} B)`] : []),
        ...x.warnings.map((w) => `Warning: ${w}`),
      ].join('\n'),
    );
  }
}
