import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../src/base.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { explore, type Every } from '../src/explore/explore.js';
import { renderExploreHtml, renderExploreText } from '../src/explore/render.js';

export default class Explore extends DictlCommand {
  static override summary = 'Tell the data story: target rate by category, numeric quantile bin and time period, with confidence intervals, ranked by departure from the overall rate.';
  static override examples = [
    '<%= config.bin %> explore churn@1 --target churn --positive yes',
    '<%= config.bin %> explore churn --target churn --by state --by international_plan     # do some regions churn more?',
    '<%= config.bin %> explore churn --target churn --by total_day_charge --bins 10         # does cost influence retention?',
    '<%= config.bin %> explore orders --target returned --time order_date --every month     # at certain times of year?',
    '<%= config.bin %> explore credit --target Status --positive bad --html credit-story.html',
  ];
  static override args = { ref: Args.string({ description: 'dataset NAME or NAME@VERSION', required: true }) };
  static override flags = {
    target: Flags.string({ char: 't', description: 'binary target column', required: true }),
    positive: Flags.string({ description: 'the target value counted as positive (default: yes/true/1/pos, else the rarer class)' }),
    by: Flags.string({ description: 'segment by this column (repeatable; default: every usable column)', multiple: true }),
    bins: Flags.integer({ description: 'quantile bins for numeric columns', default: 5, min: 2, max: 100 }),
    time: Flags.string({ description: 'date/timestamp column to segment by period' }),
    every: Flags.string({ description: 'period for --time', options: ['day', 'week', 'month', 'quarter', 'year'], default: 'month' }),
    'max-categories': Flags.integer({ description: 'skip text columns with more distinct values than this (unless named in --by)', default: 30, min: 2 }),
    top: Flags.integer({ description: 'segments in the overall ranking', default: 10, min: 1 }),
    html: Flags.string({ description: 'also write an HTML page with charts to this file' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(Explore);
    this.checkOutputs([['--html', flags.html]]);
    const r = await explore(
      this.workspace,
      {
        ref: args.ref,
        target: flags.target,
        positive: flags.positive,
        by: flags.by,
        bins: flags.bins,
        time: flags.time,
        every: flags.every as Every,
        maxCategories: flags['max-categories'],
        top: flags.top,
      },
      this.progress,
    );
    if (flags.html) {
      writeFileAtomic(flags.html, renderExploreHtml(r));
      this.progress.log(`Wrote ${flags.html}`);
    }
    return this.emit(r, renderExploreText);
  }
}
