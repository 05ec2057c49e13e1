/**
 * Results as NDJSON text: the members of row j of a scored batch ("score", "label", "probabilities",
 * "prediction", "segment", then the decision and reasons members), and for binary models a whole
 * block of lines built byte by byte in one buffer. Pure.
 */
import type { ScoredBatch } from './engine.js';
import { decisionMembers } from '../decide/stage.js';
import { explainMembers, writeBatchMembers } from '../explain/render.js';

/**
 * String(x) for finite numbers, null otherwise: exactly JSON.stringify's number serialisation (ToString
 * of a finite number), which V8 runs about twice as fast as String(x) (no number-string cache insert).
 */
const jnum = (x: number): string => JSON.stringify(x);

/** JSON text of result j (without braces' prefix fields): "score":..,"label":..,"probabilities":[..] */
export function resultFields(r: ScoredBatch, j: number): string {
  const score = jnum(r.score[j]);
  let out = `"score":${score}`;
  if (r.label) out += `,"label":${JSON.stringify(r.label[j])}`;
  if (r.probabilities) {
    const K = r.K;
    if (K === 2 && (r.binary ?? true))
      // binary: the score is P(positive), already formatted
      out += `,"probabilities":[${jnum(r.probabilities[j * 2])},${score}]`;
    else {
      out += ',"probabilities":[';
      for (let k = 0; k < K; k++) out += (k ? ',' : '') + jnum(r.probabilities[j * K + k]);
      out += ']';
    }
  }
  if (r.prediction) out += `,"prediction":${jnum(r.prediction[j])}`;
  if (r.segment) out += `,"segment":${r.segment[j]}`;
  return out + decisionMembers(r, j) + explainMembers(r, j);
}

/** the binary result shape binaryBlock writes (what resultFields gives for a binary model) */
export function binaryBytes(r: ScoredBatch): boolean {
  return r.K === 2 && (r.binary ?? true) && r.label !== undefined && r.probabilities !== undefined && r.prediction === undefined;
}

const enc = (s: string) => Uint8Array.from(Buffer.from(s, 'utf8'));
const B_ID = enc('{"id":');
const B_SCORE_ID = enc(',"score":');
const B_SCORE = enc('{"score":');
const B_LABEL = enc(',"label":');
const B_PROBS = enc(',"probabilities":[');
const labelBytes = new Map<string, Uint8Array>();

/**
 * The NDJSON lines `{"id":..,"score":..,"label":..,"probabilities":[..]}` + decision members of rows
 * [0, n) of a binary result, byte for byte what resultFields gives, built in one buffer (no per-row
 * strings to join and encode again).
 */
export function binaryBlock(r: ScoredBatch, n: number, ids: (string | undefined)[]): Buffer {
  // reasons take about 90 bytes each
  let buf = Buffer.allocUnsafe(n * (112 + (r.explanations ? 90 * r.explanations.k : 0)) + 256);
  let o = 0;
  const room = (k: number) => {
    if (o + k <= buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(buf.length * 2, o + k));
    buf.copy(b, 0, 0, o);
    buf = b;
  };
  /** room for the reasons' writer: k more bytes at offset at */
  const grow = (at: number, k: number) => {
    o = at;
    room(k);
    return buf;
  };
  const bytes = (a: Uint8Array) => {
    for (let i = 0; i < a.length; i++) buf[o++] = a[i];
  };
  /** ASCII text char by char; anything else through the UTF-8 encoder */
  const text = (s: string) => {
    room(s.length * 3);
    const o0 = o;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        o = o0 + buf.utf8Write(s, o0);
        return;
      }
      buf[o++] = c;
    }
  };
  const labels = r.label!;
  const probs = r.probabilities!;
  const decided = r.decisions !== undefined;
  const explained = r.explanations !== undefined;
  for (let j = 0; j < n; j++) {
    room(64);
    const id = ids[j];
    if (id === undefined) bytes(B_SCORE);
    else {
      bytes(B_ID);
      text(id);
      room(64);
      bytes(B_SCORE_ID);
    }
    const score = jnum(r.score[j]);
    text(score);
    room(40);
    bytes(B_LABEL);
    const label = labels[j];
    let lb = labelBytes.get(label);
    if (lb === undefined) {
      lb = enc(JSON.stringify(label));
      if (labelBytes.size < 64) labelBytes.set(label, lb);
    }
    room(lb.length + 24);
    bytes(lb);
    bytes(B_PROBS);
    text(jnum(probs[j * 2]));
    room(score.length + 8);
    buf[o++] = 44; // ,
    text(score);
    buf[o++] = 93; // ]
    const dm = decided ? decisionMembers(r, j) : '';
    if (dm) text(dm);
    if (explained) o = writeBatchMembers(r.explanations!, j, buf, o, grow);
    room(2);
    buf[o++] = 125; // }
    buf[o++] = 10;
  }
  return buf.subarray(0, o);
}

