/** Boosting loop: losses, binning, subsampling, early stopping; trees grown by grow.ts. */
import type { FitOptions, GbdtData, GbdtModel, GbdtParams } from './index.js';

export async function fitGbdt(data: GbdtData, params: GbdtParams, opts: FitOptions): Promise<GbdtModel> {
  void data; void params; void opts;
  throw new Error('fitGbdt: not implemented yet');
}
