/**
 * A deterministic ustar writer for package archives: files in the given order, mode 0644, uid/gid 0,
 * mtime 0, no user names — the same files give the same bytes. Pure: no I/O.
 */
function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, type: '0' | '5'): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, off: number) => {
    const b = Buffer.from(s, 'utf8');
    h.set(b, off);
  };
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name too long: ${name}`);
  put(name, 0);
  put(octal(type === '5' ? 0o755 : 0o644, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(0, 12), 136);
  put('        ', 148);
  put(type, 156);
  put('ustar\0', 257);
  put('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** files: [path inside the archive, bytes]; a folder entry `dir/` is written first when dir is given. */
export function makeTar(files: [string, Uint8Array][], dir?: string): Uint8Array {
  const parts: Uint8Array[] = [];
  if (dir) parts.push(header(dir.endsWith('/') ? dir : dir + '/', 0, '5'));
  for (const [name, data] of files) {
    parts.push(header(dir ? `${dir.replace(/\/$/, '')}/${name}` : name, data.length, '0'));
    parts.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
}
