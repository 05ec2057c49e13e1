/**
 * A schema-specialised scanner for flat NDJSON events (the pipe path's fast lane).
 *
 * The package's inputs are a flat, known record (input.avsc: double / string, optionally nullable),
 * so a line like {"id":7,"x0":49.2,"state":"s12",...} can be read straight from its UTF-8 bytes into
 * the column arrays the ONNX scorer takes, without JSON.parse building an object per event.
 *
 * The scanner accepts a line only when it fully understands it AND the exact path (JSON.parse +
 * Scorer.validate) would accept it with the same values: a flat object of known keys (each at most
 * once) and unknown keys with scalar values, numbers in strict JSON grammar, strings without escapes
 * or control characters, JSON whitespace. Everything else — escapes, nested values, duplicate known
 * keys, invalid JSON, wrong types, nulls where not allowed, missing fields, categorical values the
 * package's error/skip policy rejects — returns false and the caller takes the exact path, which
 * produces the dead-letter reason. So the fast lane never scores an event the validator would reject,
 * and never rejects one: it only declines.
 *
 * Numbers: up to 15 significant digits with at most 22 decimals and no exponent are computed as
 * mantissa / 10^k — exact integer mantissa and exact power of ten, one correctly rounded division,
 * the same double as JSON.parse. Any other valid number is converted with Number() of its text
 * (the same string-to-double conversion JSON.parse uses).
 */

/** A value check of one input: null when the value passes, else the reason it is refused. */
export type Check = (v: unknown) => string | null;

export interface ScanInput {
  name: string;
  kind: 'number' | 'string';
  /** an explicit null is valid (the Avro type is a union with null) */
  nullOK: boolean;
  /** an absent field is valid (manifest nullable and nullOK) */
  missingOK: boolean;
  /** categorical policies (error/skip) that reject a value */
  checks: Check[];
}

/** Row-major destination of one batch: columns per input (by input index) and the id's JSON text. */
export interface ScanColumns {
  num: (Float64Array | null)[];
  str: (string[] | null)[];
  /** JSON text of the event's `id` member (as JSON.stringify(event.id) gives it), undefined when absent */
  ids: (string | undefined)[];
}

const QUOTE = 34;
const BSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const COLON = 58;
const COMMA = 44;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const D0 = 48;
const D9 = 57;
const LE = 101;
const UE = 69;

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

type Bytes = Buffer;

export class FlatScanner {
  /** known keys: the inputs, then "id" if it is not an input */
  private readonly keys: Uint8Array[];
  /** per key: input index, or -1 for the id-only key */
  private readonly keyInput: Int32Array;
  /** key index of "id" */
  private readonly idKey: number;
  private readonly seen: Int32Array;
  private stamp = 0;
  private lastKey = -1;
  // results of the token readers (positions returned, values here)
  private num = 0;
  /** the number's text was a plain integer String(num) reproduces */
  private plainInt = false;
  private strAscii = true;
  private litKind = 0; // 1 true, 2 false, 3 null
  // the current line's id member
  private idKind = 0; // 0 absent, 1 number, 2 string, 3 literal
  private idS = 0;
  private idE = 0;
  private idNum = 0;
  private idAscii = true;
  private idLit = 0;
  // values per input for the current line (written to the columns only on success)
  private readonly vKind: Int8Array; // 0 absent, 1 number, 2 string, 3 null
  private readonly vS: Int32Array;
  private readonly vE: Int32Array;
  private readonly vAscii: Uint8Array;
  /** per string input: the strings already made from byte sequences (categories repeat) */
  private readonly interned: (Intern | null)[];
  private readonly isNum: Uint8Array;
  /** the destination of the current batch, per input (dummies where the kind differs): monomorphic stores */
  private target: ScanColumns | null = null;
  private numCol: Float64Array[] = [];
  private strCol: string[][] = [];

  constructor(readonly inputs: ScanInput[]) {
    const names = inputs.map((i) => i.name);
    const keys = names.map((n) => Buffer.from(n, 'utf8'));
    let idKey = names.indexOf('id');
    const keyInput = names.map((_, i) => i);
    if (idKey < 0) {
      idKey = keys.length;
      keys.push(Buffer.from('id', 'utf8'));
      keyInput.push(-1);
    }
    this.keys = keys;
    this.keyInput = Int32Array.from(keyInput);
    this.idKey = idKey;
    this.seen = new Int32Array(keys.length).fill(-1);
    const n = inputs.length;
    this.vKind = new Int8Array(n);
    this.vS = new Int32Array(n);
    this.vE = new Int32Array(n);
    this.vAscii = new Uint8Array(n);
    this.isNum = Uint8Array.from(inputs, (i) => (i.kind === 'number' ? 1 : 0));
    this.interned = inputs.map((i) => (i.kind === 'string' ? new Intern() : null));
  }

  /** The scanner for a package's inputs, or null when some input is outside what it handles. */
  static for(inputs: ScanInput[]): FlatScanner | null {
    const names = new Set<string>();
    for (const i of inputs) {
      // inherited Object.prototype members (toString, constructor, __proto__…) make a missing field
      // look present to the exact validator: leave such packages to it
      // a name JSON must escape (quote, backslash, control characters) never appears raw in a key
      if (i.name in Object.prototype || names.has(i.name) || /["\\\x00-\x1f]/.test(i.name)) return null;
      names.add(i.name);
    }
    return new FlatScanner(inputs);
  }

  /**
   * Reads bytes [s, e) (one line without its newline) into row r of `out`. Returns false — having
   * written nothing the caller must keep — when the exact path has to decide.
   */
  scan(b: Bytes, s: number, e: number, r: number, out: ScanColumns): boolean {
    const stamp = ++this.stamp;
    if (stamp === 0x7fffffff) {
      this.stamp = 0;
      this.seen.fill(-1);
    }
    this.idKind = 0;
    if (out !== this.target) this.retarget(out);
    const numCol = this.numCol;
    const keys = this.keys;
    let p = ws(b, s, e);
    if (p >= e || b[p] !== LBRACE) return false;
    p = ws(b, p + 1, e);
    if (p >= e) return false;
    if (b[p] === RBRACE) p++;
    else
      for (;;) {
        if (b[p] !== QUOTE) return false;
        p++;
        // keys usually come in the same order on every line: try the one after the last first
        let k = this.lastKey + 1 === keys.length ? 0 : this.lastKey + 1;
        const kb = keys[k];
        const kl = kb.length;
        if (p + kl < e && b[p + kl] === QUOTE && same(kb, b, p, p + kl)) p += kl + 1;
        else {
          const ks = p;
          p = this.str(b, ks, e);
          if (p < 0) return false;
          k = this.findKey(b, ks, p - 1);
        }
        if (k >= 0) this.lastKey = k;
        p = ws(b, p, e);
        if (p >= e || b[p] !== COLON) return false;
        p = ws(b, p + 1, e);
        if (p >= e) return false;
        if (k >= 0) {
          if (this.seen[k] === stamp) return false; // duplicate: JSON.parse keeps the last; leave it to it
          this.seen[k] = stamp;
        }
        const c = b[p];
        const vs = p;
        let kind: number;
        if (c === QUOTE) {
          p = this.str(b, p + 1, e);
          kind = 2;
        } else if (c === MINUS || (c >= D0 && c <= D9)) {
          p = this.number(b, p, e);
          kind = 1;
        } else {
          p = this.literal(b, p, e);
          kind = 3;
        }
        if (p < 0) return false;
        if (k >= 0) {
          const i = this.keyInput[k];
          if (i >= 0) {
            if (kind === 3 && this.litKind !== 3) return false; // true/false: wrong type for every input
            this.vKind[i] = kind;
            // written at once: a line declined later leaves row r to be overwritten
            if (kind === 1) {
              if (this.isNum[i] === 1) numCol[i][r] = this.num;
            } else if (kind === 2) {
              this.vS[i] = vs + 1;
              this.vE[i] = p - 1;
              this.vAscii[i] = this.strAscii ? 1 : 0;
            }
          }
          if (k === this.idKey) {
            this.idKind = kind;
            if (kind === 1) {
              this.idNum = this.num;
              this.idS = this.plainInt ? vs : -1;
              this.idE = p;
            } else if (kind === 2) {
              this.idS = vs + 1;
              this.idE = p - 1;
              this.idAscii = this.strAscii;
            } else this.idLit = this.litKind;
          }
        }
        p = ws(b, p, e);
        if (p >= e) return false;
        if (b[p] === COMMA) {
          p = ws(b, p + 1, e);
          if (p >= e) return false;
          continue;
        }
        if (b[p] !== RBRACE) return false;
        p++;
        break;
      }
    if (ws(b, p, e) !== e) return false;
    // every input: present with the right type, or absent/null where allowed, and passing its checks
    const inputs = this.inputs;
    for (let i = 0; i < inputs.length; i++) {
      const inp = inputs[i];
      let kind = this.seen[i] === stamp ? this.vKind[i] : 0;
      if (kind === 0) {
        if (!inp.missingOK) return false;
        kind = 3;
      } else if (kind === 3) {
        if (!inp.nullOK) return false;
      } else if ((kind === 1) !== (this.isNum[i] === 1)) return false;
      if (this.isNum[i] === 0) {
        const v = kind === 2 ? this.interned[i]!.get(b, this.vS[i], this.vE[i], this.vAscii[i] === 1) : '';
        this.strCol[i][r] = v;
        const checks = inp.checks;
        for (let c = 0; c < checks.length; c++) if (checks[c](kind === 2 ? v : null) !== null) return false;
      } else {
        if (kind !== 1) numCol[i][r] = NaN;
        const checks = inp.checks;
        for (let c = 0; c < checks.length; c++) if (checks[c](kind === 1 ? numCol[i][r] : null) !== null) return false;
      }
    }
    out.ids[r] = this.idKind === 0 ? undefined : this.idText(b);
    return true;
  }

  private retarget(out: ScanColumns) {
    const none = new Float64Array(0);
    const noStr: string[] = [];
    this.numCol = out.num.map((c) => c ?? none);
    this.strCol = out.str.map((c) => c ?? noStr);
    this.target = out;
  }

  /** JSON.stringify(event.id) for the id member just scanned */
  private idText(b: Bytes): string {
    switch (this.idKind) {
      case 1:
        if (this.idS >= 0) return b.latin1Slice(this.idS, this.idE);
        return Number.isFinite(this.idNum) ? String(this.idNum) : 'null';
      case 2:
        // no escapes, quotes or control characters inside: JSON.stringify only adds the quotes
        return '"' + this.text(b, this.idS, this.idE, this.idAscii) + '"';
      default:
        return this.idLit === 1 ? 'true' : this.idLit === 2 ? 'false' : 'null';
    }
  }

  private text(b: Bytes, s: number, e: number, ascii: boolean): string {
    return ascii ? b.latin1Slice(s, e) : b.utf8Slice(s, e);
  }

  private findKey(b: Bytes, s: number, e: number): number {
    const keys = this.keys;
    for (let k = 0; k < keys.length; k++) if (same(keys[k], b, s, e)) return k;
    return -1;
  }

  /** p just after the opening quote; returns the position after the closing quote, or -1 */
  private str(b: Bytes, p: number, e: number): number {
    let ascii = true;
    for (; p < e; p++) {
      const c = b[p];
      if (c === QUOTE) {
        this.strAscii = ascii;
        return p + 1;
      }
      if (c === BSLASH || c < 0x20) return -1;
      if (c >= 0x80) ascii = false;
    }
    return -1;
  }

  /** strict JSON number grammar; the value in this.num; returns the end position or -1 */
  private number(b: Bytes, p: number, e: number): number {
    const s = p;
    let neg = false;
    if (b[p] === MINUS) {
      neg = true;
      p++;
      if (p >= e) return -1;
    }
    let c = b[p];
    let m = 0;
    let digits = 0;
    if (c === D0) {
      p++;
      if (p < e && b[p] >= D0 && b[p] <= D9) return -1; // leading zero
    } else if (c > D0 && c <= D9) {
      for (; p < e; p++) {
        c = b[p];
        if (c < D0 || c > D9) break;
        m = m * 10 + (c - D0);
        digits++;
      }
    } else return -1;
    let frac = 0;
    if (p < e && b[p] === DOT) {
      p++;
      const f0 = p;
      for (; p < e; p++) {
        c = b[p];
        if (c < D0 || c > D9) break;
        m = m * 10 + (c - D0);
      }
      frac = p - f0;
      if (frac === 0) return -1;
      digits += frac;
    }
    let exp = false;
    if (p < e && (b[p] === LE || b[p] === UE)) {
      exp = true;
      p++;
      if (p < e && (b[p] === PLUS || b[p] === MINUS)) p++;
      const e0 = p;
      while (p < e && b[p] >= D0 && b[p] <= D9) p++;
      if (p === e0) return -1;
    }
    // leading zeros of the fraction ("0.001") count as digits here: a safe over-estimate
    if (!exp && digits <= 15 && frac <= 22) {
      const v = frac ? m / POW10[frac] : m;
      this.num = neg ? -v : v;
      this.plainInt = frac === 0 && !(neg && m === 0);
    } else {
      this.num = Number(b.latin1Slice(s, p));
      this.plainInt = false;
      if (!Number.isFinite(this.num)) return -1; // 1e400: validate() refuses it with its reason
    }
    return p;
  }

  private literal(b: Bytes, p: number, e: number): number {
    const c = b[p];
    if (c === 116 /* t */ && p + 4 <= e && b[p + 1] === 114 && b[p + 2] === 117 && b[p + 3] === 101) {
      this.litKind = 1;
      return p + 4;
    }
    if (c === 102 /* f */ && p + 5 <= e && b[p + 1] === 97 && b[p + 2] === 108 && b[p + 3] === 115 && b[p + 4] === 101) {
      this.litKind = 2;
      return p + 5;
    }
    if (c === 110 /* n */ && p + 4 <= e && b[p + 1] === 117 && b[p + 2] === 108 && b[p + 3] === 108) {
      this.litKind = 3;
      return p + 4;
    }
    return -1; // objects, arrays, anything else: the exact path
  }
}

/**
 * Strings by their UTF-8 bytes, so a categorical value seen before costs no new string: an
 * open-addressing table of up to 2048 entries (later new values are made, not kept).
 */
class Intern {
  private readonly size = 4096;
  private readonly hashes = new Int32Array(this.size);
  private readonly bytes: (Uint8Array | undefined)[] = new Array(this.size);
  private readonly strs: string[] = new Array(this.size);
  private count = 0;

  get(b: Bytes, s: number, e: number, ascii: boolean): string {
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 16777619);
    const mask = this.size - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = this.bytes[slot];
      if (k === undefined) {
        const str = ascii ? b.latin1Slice(s, e) : b.utf8Slice(s, e);
        if (this.count < this.size / 2 && ascii) {
          // only ASCII values are kept: a UTF-8 sequence cut by a bad byte decodes context-free anyway,
          // but keeping the table to the common case keeps it simple
          this.bytes[slot] = Uint8Array.prototype.slice.call(b, s, e);
          this.hashes[slot] = h;
          this.strs[slot] = str;
          this.count++;
        }
        return str;
      }
      if (this.hashes[slot] === h && same(k, b, s, e)) return this.strs[slot];
    }
  }
}

/** skips JSON whitespace (space, tab, CR; a line holds no LF) */
function ws(b: Bytes, p: number, e: number): number {
  while (p < e) {
    const c = b[p];
    if (c !== 32 && c !== 9 && c !== 13) break;
    p++;
  }
  return p;
}

function same(key: Uint8Array, b: Bytes, s: number, e: number): boolean {
  const n = key.length;
  if (e - s !== n) return false;
  for (let i = 0; i < n; i++) if (key[i] !== b[s + i]) return false;
  return true;
}

declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    utf8Slice(start: number, end: number): string;
    utf8Write(text: string, offset: number): number;
  }
}
