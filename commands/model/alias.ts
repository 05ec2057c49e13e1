import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { usageError } from '../../src/errors.js';
import { removeAlias, setAlias } from '../../src/ops/model-alias.js';
import { parseRef } from '../../src/util/names.js';

export default class ModelAlias extends DictlCommand {
  static override summary = 'Point an alias (challenger, staging, any name) at a model version, or remove it.';
  static override description =
    'The alias is a small file holding the version number, replaced atomically; every change is in the audit log. The champion alias is normally moved by `dictl model promote`, which applies the gate.';
  static override examples = [
    '<%= config.bin %> model alias churn-model@4 challenger',
    '<%= config.bin %> model alias churn-model@latest staging --reason "nightly build"',
    '<%= config.bin %> model alias churn-model --remove challenger --json',
  ];
  static override args = {
    model: Args.string({ description: 'model reference (NAME@3, NAME@latest); with --remove just NAME', required: true }),
    alias: Args.string({ description: 'alias name', required: false }),
  };
  static override flags = {
    ...writeFlags,
    remove: Flags.string({ description: 'remove this alias instead of setting one' }),
    reason: Flags.string({ description: 'why (kept in the audit log)' }),
    actor: Flags.string({ description: 'who is doing this (default: the OS user)' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(ModelAlias);
    const opts = { wait: flags.wait, actor: flags.actor, reason: flags.reason };
    let r;
    if (flags.remove) {
      if (args.alias) throw usageError('give either an alias to set or --remove ALIAS, not both');
      r = await removeAlias(this.workspace, parseRef('model', args.model).name, flags.remove, opts);
    } else {
      if (!args.alias) throw usageError('missing alias name', 'e.g. dictl model alias churn-model@4 challenger');
      r = await setAlias(this.workspace, args.model, args.alias, opts);
    }
    return this.emit(r, (x) =>
      x.version === null
        ? `Removed ${x.model}@${x.alias} (was version ${x.previous})`
        : `${x.model}@${x.alias} → version ${x.version}${x.previous !== null && x.previous !== x.version ? ` (was ${x.previous})` : ''}`,
    );
  }
}
