import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { canonicalize } from './json.js';

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** sha256 of a value's canonical JSON form: the identity of a definition or a result. */
export const hashValue = (value: unknown): string => sha256(JSON.stringify(canonicalize(value)));

export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}
