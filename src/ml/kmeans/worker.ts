/**
 * k-means worker thread: shares the fit's state (SharedArrayBuffer) and, for each command the main
 * thread publishes by bumping the generation word, pulls blocks until none are left, then counts
 * itself done. A stop command ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { KState } from './kernels.js';
import { CMD, CMD_STOP, DONE, drainBlocks, ERR, GEN } from './pool.js';

const { S, ctrl } = workerData as { S: KState; ctrl: Int32Array };
let gen = 0;
for (;;) {
  Atomics.wait(ctrl, GEN, gen);
  gen = Atomics.load(ctrl, GEN);
  const cmd = Atomics.load(ctrl, CMD);
  if (cmd === CMD_STOP) break;
  try {
    drainBlocks(S, ctrl, cmd);
  } catch (e) {
    Atomics.store(ctrl, ERR, 1);
    parentPort!.postMessage(e instanceof Error ? e.message : String(e));
  }
  Atomics.add(ctrl, DONE, 1);
  Atomics.notify(ctrl, DONE);
}
