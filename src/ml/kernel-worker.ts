/**
 * Solver worker thread (see parallel.ts): holds the bound row sessions (shared memory, no copies) and
 * computes the chunks of the passes it is woken for. It never returns to its event loop: messages are
 * drained synchronously, and it sleeps on the shared wake counter between passes.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { passWidth, runChunk, type PassKind } from './kernels.js';
import { H_INTS, H_NEXT, thetaOffset } from './parallel.js';

interface Session {
  X: Float64Array;
  p: number;
  y: Float64Array;
  sw?: Float64Array;
  K: number;
  chunks: Record<string, Int32Array>;
}

type Msg =
  | { type: 'bind'; id: number; X: Float64Array; p: number; y: Float64Array; sw?: Float64Array; K: number; chunks: Record<string, Int32Array> }
  | { type: 'unbind'; id: number }
  | { type: 'job'; id: number; kind: PassKind; chunkName: string; ctrl: SharedArrayBuffer; part: Float64Array; stride: number };

const { port, wake } = workerData as { port: MessagePort; wake: Int32Array };
const sessions = new Map<number, Session>();

function runJob(m: Extract<Msg, { type: 'job' }>): void {
  const s = sessions.get(m.id);
  if (!s) return;
  const chunks = s.chunks[m.chunkName];
  if (!chunks) return;
  const nChunks = chunks.length / 2;
  const hdr = new Int32Array(m.ctrl, 0, H_INTS + nChunks);
  const theta = new Float64Array(m.ctrl, thetaOffset(nChunks));
  const width = passWidth(m.kind, s.p, s.K);
  for (;;) {
    const c = Atomics.add(hdr, H_NEXT, 1);
    if (c >= nChunks) break;
    runChunk(m.kind, s.X, s.p, s.K, s.y, s.sw, theta, chunks[2 * c], chunks[2 * c + 1], m.stride, m.part, c * width);
    Atomics.store(hdr, H_INTS + c, 1);
  }
}

for (;;) {
  const seen = Atomics.load(wake, 0);
  let job: Extract<Msg, { type: 'job' }> | undefined;
  for (let r = receiveMessageOnPort(port); r; r = receiveMessageOnPort(port)) {
    const m = r.message as Msg;
    if (m.type === 'bind') sessions.set(m.id, { X: m.X, p: m.p, y: m.y, sw: m.sw, K: m.K, chunks: m.chunks });
    else if (m.type === 'unbind') sessions.delete(m.id);
    else job = m; // only the newest pass can still be running: the caller waits for each one
  }
  if (job) runJob(job);
  Atomics.wait(wake, 0, seen);
}
