/**
 * A batch of validated model inputs as the stages after the model see it (reasons, decisions, the
 * shadow log): the columns when the batch was scored column-wise (numbers as Float64Array with
 * NaN = missing, strings as string[] with '' = missing), else the row objects; row(i) builds one row
 * on demand either way. Pure.
 */
export interface BatchInputs {
  n: number;
  /** row i as an object (built on demand from the columns: NaN and '' become null) */
  row(i: number): Record<string, unknown>;
  cols?: Record<string, Float64Array | string[]>;
  rows?: Record<string, unknown>[];
  /** per row: what identifies the event (see Scorer.scoreRows) */
  keys?: (string | undefined)[];
}

/** The batch inputs of columns (numbers NaN = missing, strings '' = missing). */
export function columnInputs(inputs: { name: string }[], cols: Record<string, Float64Array | string[]>, n: number, keys?: (string | undefined)[]): BatchInputs {
  return {
    n,
    cols,
    keys,
    row(i) {
      const o: Record<string, unknown> = {};
      for (const inp of inputs) {
        const c = cols[inp.name];
        const v = c ? c[i] : undefined;
        o[inp.name] = v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v)) ? null : v;
      }
      return o;
    },
  };
}

/** The batch inputs of row objects. */
export function rowInputs(rows: Record<string, unknown>[], keys?: (string | undefined)[]): BatchInputs {
  return { n: rows.length, rows, keys, row: (i) => rows[i] };
}

