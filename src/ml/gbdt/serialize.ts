/** model.json form of a fitted model, validated on load. */
import type { GbdtModel } from './index.js';

export function gbdtToJSON(model: GbdtModel): object {
  return model;
}

export function gbdtFromJSON(o: unknown): GbdtModel {
  void o;
  throw new Error('gbdtFromJSON: not implemented yet');
}
