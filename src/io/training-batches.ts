/**
 * The training rows of a feature build's features.parquet streamed in fixed batches (the out-of-core
 * trainers' one reader): fixed batch sizes keep the order of partial sums independent of DuckDB's chunking.
 */
import { DictlError } from '../errors.js';
import { readDoubleVector, type Duck } from './duck.js';
import { sqlIdent, sqlString } from '../util/sql-quote.js';

/** Rows per batch of a pass: fixed, so the order of the partial sums never depends on DuckDB's chunking. */
export const BATCH_ROWS = 16_384;

export interface MatrixShape {
  parquetPath: string;
  n: number;
  p: number;
  names: string[];
}

/** The training rows' count and feature columns of a build's features.parquet. */
export async function shapeOf(duck: Duck, parquetPath: string): Promise<MatrixShape> {
  const src = `read_parquet(${sqlString(parquetPath)})`;
  const cols = await duck.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${src})`);
  const names = cols.map((c) => c.column_name).filter((c) => !c.startsWith('__'));
  const n = Number((await duck.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${src} WHERE __split = 'train'`))[0].n);
  return { parquetPath, n, p: names.length, names };
}

/**
 * Streams the training rows in batches of BATCH_ROWS (the last one shorter): X row-major m × p, y.
 * `onRows(done)` after each batch.
 */
export async function forEachBatch(duck: Duck, s: MatrixShape, onBatch: (X: Float64Array, y: Float64Array, m: number, first: number) => void | Promise<void>, onRows?: (done: number) => void, opts: { labelsOnly?: boolean } = {}): Promise<void> {
  const p = opts.labelsOnly ? 0 : s.p;
  const X = new Float64Array(BATCH_ROWS * p);
  const y = new Float64Array(BATCH_ROWS);
  const cx = new Float64Array(2048 * p);
  const cy = new Float64Array(2048);
  const result = await duck.conn.stream(`SELECT __label::DOUBLE${s.names.slice(0, p).map((c) => `, ${sqlIdent(c)}::DOUBLE`).join('')} FROM read_parquet(${sqlString(s.parquetPath)}) WHERE __split = 'train'`);
  let fill = 0;
  let done = 0;
  const flush = async () => {
    await onBatch(X, y, fill, done);
    done += fill;
    fill = 0;
    onRows?.(done);
  };
  let next = result.fetchChunk();
  for (;;) {
    const chunk = await next;
    if (!chunk || chunk.rowCount === 0) break;
    const m = chunk.rowCount;
    let big = cx;
    let bigY = cy;
    if (m > cy.length) {
      big = new Float64Array(m * p);
      bigY = new Float64Array(m);
    }
    readDoubleVector(chunk.getColumnVector(0), m, bigY, 0, 1);
    for (let j = 0; j < p; j++) readDoubleVector(chunk.getColumnVector(j + 1), m, big, j, p);
    // DuckDB fetches the next chunk while this one is summed
    next = result.fetchChunk();
    for (let i = 0; i < m; ) {
      const take = Math.min(m - i, BATCH_ROWS - fill);
      X.set(big.subarray(i * p, (i + take) * p), fill * p);
      y.set(bigY.subarray(i, i + take), fill);
      fill += take;
      i += take;
      if (fill === BATCH_ROWS) await flush();
    }
  }
  if (fill > 0) await flush();
  if (done !== s.n) throw new DictlError('internal', `read ${done} training rows from ${s.parquetPath}, expected ${s.n}`);
}
