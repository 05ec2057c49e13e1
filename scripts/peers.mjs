// The real peers the tests run against, each with how to check it and the Debian package that provides it.
// Read by scripts/test.js (install or fail at once before running anything) and by test/peers.ts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

/** name → { apt, check(): boolean }. Python modules are checked in one interpreter start. */
export const PEERS = [
  { name: 'redis-server', apt: 'redis-server', kind: 'bin', what: 'redis-server' },
  { name: 'scikit-learn', apt: 'python3-sklearn', kind: 'py', what: 'sklearn' },
  { name: 'pandas', apt: 'python3-pandas', kind: 'py', what: 'pandas' },
  { name: 'onnx', apt: 'python3-onnx', kind: 'py', what: 'onnx' },
  { name: 'xgboost', apt: 'python3-xgboost', kind: 'py', what: 'xgboost' },
  { name: 'sqlglot', apt: 'python3-sqlglot', kind: 'py', what: 'sqlglot' },
  { name: 'chromium', apt: 'chromium', kind: 'file', what: '/usr/bin/chromium' },
  { name: 'clang', apt: 'clang', kind: 'bin', what: 'clang' },
  { name: 'wasm-ld', apt: 'lld', kind: 'bin', what: 'wasm-ld' },
];

function onPath(bin) {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(`${d}/${bin}`));
}

/** The peers that are not there, in PEERS order. */
export function missingPeers() {
  const py = PEERS.filter((p) => p.kind === 'py');
  let pyMissing = new Set(py.map((p) => p.what));
  if (existsSync(PYTHON)) {
    const code = `import importlib.util as u\nfor m in ${JSON.stringify(py.map((p) => p.what))}:\n    print(m if u.find_spec(m) is None else '')`;
    const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
    if (r.status === 0) pyMissing = new Set(r.stdout.split('\n').map((s) => s.trim()).filter(Boolean));
  }
  return PEERS.filter((p) => (p.kind === 'bin' ? !onPath(p.what) : p.kind === 'file' ? !existsSync(p.what) : pyMissing.has(p.what)));
}

/** One line naming what is missing and the command that installs it. */
export function missingLine(missing) {
  const pkgs = [...new Set(missing.map((p) => p.apt))].join(' ');
  return `missing test peers: ${missing.map((p) => p.name).join(', ')} — install them with: sudo apt-get install -y ${pkgs}`;
}
