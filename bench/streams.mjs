// Redis Streams benchmark: end-to-end scoring throughput with acks (goal ≥ 50,000 events/s)
// and per-event latency at a steady 10,000 events/s (goal p99 ≤ 10 ms), against a real redis-server
// started on a free loopback port. The peer, measured in the same run on the same stream size, is
// the floor: a bare ioredis XREADGROUP + XACK loop that neither parses, scores nor writes.
// Default 200,000 events (two alternating rounds of floor and dictl, best of each) and 5 s at 10k/s
// (latency first, with its own floor: a bare XREADGROUP BLOCK + XACK consumer fed by the same
// producer, and per-stage times of dictl's batches); BENCH_SCALE=0.1 shrinks both. The scorer is a small
// vectorised logistic model in JS (the ONNX scorer's own cost is measured by bench/score.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

if (!isMainThread) {
  // steady producer: RATE events/s for SECONDS, each event stamped with its send time. It writes
  // XADDs as raw RESP on its own socket: the stamp is taken immediately before the write. (Through an
  // ioredis pipeline, command objects were built between the stamp and the write and this thread's
  // 5–40 ms scavenges landed in that window, so the producer's own GC counted as consumer latency.)
  const { url, stream, rate, seconds } = workerData;
  const { hostname, port } = new URL(url);
  const { connect } = await import('node:net');
  const sock = connect(Number(port), hostname);
  sock.setNoDelay(true);
  await new Promise((res, rej) => sock.once('connect', res).once('error', rej));
  let replies = 0;
  let bad = '';
  sock.on('data', (b) => {
    // each XADD reply is one bulk string "$<len>\r\n<id>\r\n"; an error reply starts with '-'
    for (let i = 0; i < b.length; i++) if (b[i] === 36) replies++;
    if (b[0] === 45) bad ||= b.toString();
  });
  const total = Math.round(rate * seconds);
  const key = `$${Buffer.byteLength(stream)}\r\n${stream}\r\n`;
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    if (due > sent) {
      let out = '';
      const t = performance.timeOrigin + performance.now();
      for (; sent < due; sent++) {
        const data = JSON.stringify({ t, x: (sent % 100) / 20, plan: sent % 3 ? 'basic' : 'pro' });
        out += `*5\r\n$4\r\nXADD\r\n${key}$1\r\n*\r\n$4\r\ndata\r\n$${data.length}\r\n${data}\r\n`;
      }
      sock.write(out);
    } else await new Promise((res) => setTimeout(res, 1));
  }
  while (replies < total && !bad) await new Promise((res) => setTimeout(res, 5));
  if (bad) throw new Error(`XADD failed: ${bad}`);
  sock.end();
  parentPort.postMessage({ sent, ms: performance.now() - t0 });
} else {
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  const N = Math.max(5000, Math.round(200_000 * scale));
  const SECONDS = Math.max(1, 5 * scale);
  const RATE = 10_000;

  const { runStream } = await import('../dist/src/streams/run-stream.js');
  const { streamRequest } = await import('../dist/src/streams/request.js');
  const { runPipeline } = await import('../dist/src/streams/runner.js');
  const { RedisStreamSource, RedisStreamSink, RedisDeadLetterSink, RedisBatchCommitter } = await import('../dist/src/streams/redis-streams.js');

  const scorer = {
    validate(e) {
      if (typeof e.x !== 'number') return { ok: false, reason: 'field x: expected a number' };
      if (typeof e.plan !== 'string') return { ok: false, reason: 'field plan: expected a string' };
      return { ok: true, row: e };
    },
    async scoreRows(rows) {
      const out = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const p = sigmoid(0.8 * rows[i].x - 0.3 + (rows[i].plan === 'pro' ? 0.5 : 0));
        out[i] = { score: p, probabilities: [1 - p, p], prediction: p >= 0.5 ? 1 : 0 };
      }
      return out;
    },
  };
  const quiet = { phase() {}, tick() {}, log() {}, warn: (m) => console.error('warn:', m), done() {} };

  const port = await new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'dictl-bench-redis-'));
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = `redis://127.0.0.1:${port}`;
  const r = new Redis(url, { protocol: 2 });

  async function load(stream, n) {
    for (let i = 0; i < n; i += 10_000) {
      const p = r.pipeline();
      for (let j = i; j < Math.min(n, i + 10_000); j++) p.xadd(stream, '*', 'data', JSON.stringify({ x: (j % 100) / 20, plan: j % 3 ? 'basic' : 'pro', id: `c${j}` }));
      await p.exec();
    }
  }

  try {
    // Latency first: it runs in a fresh process heap. Run after the throughput rounds (800,000 events
    // loaded and scored in this process), it paid for their garbage — major-GC marking and 20–50 ms
    // pauses measured during the steady run — which no steady consumer carries.
    // latency at a steady 10,000 events/s. Peer: the same producer against a bare consumer (XREADGROUP
    // BLOCK + XACK, no decode, scoring or writing) — the floor this machine allows right now, since
    // on a shared 2-core machine a run queue of other processes delays every wake-up on the path
    // (producer → redis-server → consumer → redis-server). Floor and dictl alternate over two rounds.
    console.log(`Latency at a steady ${RATE.toLocaleString('en')} events/s for ${SECONDS} s (send → result written and acked), floor and dictl alternating`);
    const q = (xs, p) => {
      const s = Float64Array.from(xs).sort();
      return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : 0;
    };
    const st = (name, xs) => `${name} p50 ${q(xs, 50).toFixed(2)} p99 ${q(xs, 99).toFixed(2)} max ${q(xs, 100).toFixed(2)} ms`;
    const produce = (stream) => {
      const producer = new Worker(new URL(import.meta.url), { workerData: { url, stream, rate: RATE, seconds: SECONDS } });
      return new Promise((res, rej) => {
        producer.once('message', res);
        producer.once('error', rej);
      });
    };
    const { PerformanceObserver } = await import('node:perf_hooks');

    async function steadyFloor(stream) {
      const fr = new Redis(url, { protocol: 2 });
      await fr.call('XGROUP', 'CREATE', stream, 'g', '0', 'MKSTREAM');
      const lat = [];
      let sent = null;
      const producing = produce(stream).then((x) => (sent = x));
      while (sent === null || lat.length < sent.sent) {
        const reply = await fr.call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 1000, 'BLOCK', 100, 'STREAMS', stream, '>');
        if (!reply) continue;
        const entries = reply[0][1];
        await fr.call('XACK', stream, 'g', ...entries.map((e) => e[0]));
        const now = performance.timeOrigin + performance.now();
        for (const e of entries) lat.push(now - JSON.parse(e[1][1]).t);
      }
      await producing;
      fr.disconnect();
      await r.del(stream);
      return { lat, sent };
    }

    async function steadyDictl(stream) {
      const src = await RedisStreamSource.open(url, stream, 'g', 'lat', 60_000);
      const lat = [];
      // per-stage times: deliver = producer's stamp → the consumer's read returned (per event: XADD,
      // Redis, blocked XREADGROUP reply, decode, and any wait for the loop); score = validate + score
      // (+ waiting for the previous commit); commit = the Lua write + XACK round trip (per batch)
      const stages = { deliver: [], score: [], commit: [], size: [] };
      const gcs = [];
      const gcKinds = {};
      const gcObs = new PerformanceObserver((l) => {
        for (const e of l.getEntries()) gcs.push(e.duration), (gcKinds[e.detail?.kind] = (gcKinds[e.detail?.kind] ?? 0) + e.duration);
      });
      gcObs.observe({ entryTypes: ['gc'] });
      const control = { stopped: false };
      const run = runPipeline({
        source: src,
        sink: new RedisStreamSink(src.ctl, `${stream}:scored`),
        deadLetter: new RedisDeadLetterSink(src.ctl, `${stream}:dead`),
        committer: new RedisBatchCommitter(src.ctl, stream, 'g', `${stream}:scored`, `${stream}:dead`), // as dictl score does
        scorer,
        batchSize: 1000,
        blockMs: 100,
        metricsEverySec: 0,
        progress: quiet,
        control,
        onAcked: (events, _results, timing) => {
          const now = performance.timeOrigin + performance.now();
          const readAt = performance.timeOrigin + timing.readAt;
          for (const e of events) {
            lat.push(now - e.event.t);
            stages.deliver.push(readAt - e.event.t);
          }
          stages.score.push(timing.scoredAt - timing.readAt);
          stages.commit.push(timing.committedAt - timing.scoredAt);
          stages.size.push(events.length);
        },
      });
      const sent = await produce(stream);
      while (lat.length < sent.sent) await new Promise((res) => setTimeout(res, 20));
      control.stopped = true;
      src.wake();
      const ls = await run;
      await src.close();
      gcObs.disconnect();
      await r.del(stream, `${stream}:scored`);
      return { lat, sent, ls, stages, gcs, gcKinds };
    }

    const floors = [];
    const dictls = [];
    for (let round = 0; round < 2; round++) {
      floors.push(await steadyFloor(`steadyfloor${round}`));
      dictls.push(await steadyDictl(`steady${round}`));
    }
    const bestFloor = floors.reduce((a, b) => (q(b.lat, 99) < q(a.lat, 99) ? b : a));
    const bestD = dictls.reduce((a, b) => (q(b.lat, 99) < q(a.lat, 99) ? b : a));
    const { sent, ls, stages, gcs, gcKinds } = bestD;
    console.log(`  producer: ${sent.sent.toLocaleString('en')} events in ${(sent.ms / 1000).toFixed(2)} s (${Math.round(sent.sent / (sent.ms / 1000)).toLocaleString('en')}/s); consumer batches: ${ls.batches} (≈${Math.round(ls.eventsIn / Math.max(1, ls.batches))} events each)`);
    console.log(`  floor (bare XREADGROUP BLOCK + XACK) latency: ${st('', bestFloor.lat).trim()}   (rounds p99: ${floors.map((x) => q(x.lat, 99).toFixed(2)).join(', ')} ms)`);
    console.log(`  dictl event latency p50 ${q(bestD.lat, 50).toFixed(2)} ms, p99 ${q(bestD.lat, 99).toFixed(2)} ms, max ${q(bestD.lat, 100).toFixed(2)} ms   (rounds p99: ${dictls.map((x) => q(x.lat, 99).toFixed(2)).join(', ')} ms)   goal p99 ≤ 10 ms: ${q(bestD.lat, 99) <= 10 ? 'MET' : 'NOT MET'}`);
    console.log(`  ratio p99/goal: ${(q(bestD.lat, 99) / 10).toFixed(2)}; dictl p99 / floor p99: ${(q(bestD.lat, 99) / q(bestFloor.lat, 99)).toFixed(2)}`);
    console.log(`  dictl stages: ${st('deliver (send → read returned, per event)', stages.deliver)}; ${st('score', stages.score)}; ${st('commit (write+ack round trip)', stages.commit)}`);
    console.log(`  batch size p50 ${q(stages.size, 50)} p99 ${q(stages.size, 99)}; consumer-process GC pauses: ${gcs.length}, total ${gcs.reduce((a, b) => a + b, 0).toFixed(1)} ms, max ${(gcs.length ? Math.max(...gcs) : 0).toFixed(2)} ms (ms by kind 1=minor 2=major 4=incremental: ${JSON.stringify(Object.fromEntries(Object.entries(gcKinds).map(([k, v]) => [k, Math.round(v)])))}); load average now ${os.loadavg()[0].toFixed(1)}`);
    console.log(`Redis Streams end to end: ${N.toLocaleString('en')} events, batch 1000; per batch one Lua script writes the results (once per event id) and XACKs (load average now ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
    // The machine is shared: floor and dictl runs alternate (ROUNDS each, fresh streams) and the
    // best of each is compared, so a burst of someone else's load does not decide the ratio.
    const ROUNDS = 2;
    const floorRates = [];
    const runs = [];
    for (let round = 0; round < ROUNDS; round++) {
      // peer: the floor — read and ack only
      await load(`floor${round}`, N);
      const fr = new Redis(url, { protocol: 2 });
      await fr.call('XGROUP', 'CREATE', `floor${round}`, 'g', '0');
      const t = performance.now();
      for (let done = 0; done < N; ) {
        const reply = await fr.call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 1000, 'STREAMS', `floor${round}`, '>');
        const entries = reply[0][1];
        await fr.call('XACK', `floor${round}`, 'g', ...entries.map((e) => e[0]));
        done += entries.length;
      }
      floorRates.push(N / ((performance.now() - t) / 1000));
      fr.disconnect();

      await load(`ev${round}`, N);
      const s = await runStream(scorer, streamRequest({ redis: url, stream: `ev${round}`, group: 'g', consumer: 'bench', outStream: `ev${round}:scored`, batchSize: 1000, blockMs: 100, maxEvents: N, metricsEverySec: 0, claimIdleMs: 60_000 }), quiet);
      const written = await r.xlen(`ev${round}:scored`);
      if (written !== N || s.eventsOut !== N) throw new Error(`expected ${N} results, got ${written} (summary ${s.eventsOut})`);
      runs.push({ rate: N / (s.durationMs / 1000), s });
      await r.del(`floor${round}`, `ev${round}`, `ev${round}:scored`);
    }
    const floorRate = Math.max(...floorRates);
    const best = runs.reduce((a, b) => (b.rate > a.rate ? b : a));
    const rate = best.rate;
    const fmt = (x) => Math.round(x).toLocaleString('en');
    console.log(`  floor (bare XREADGROUP+XACK, no work):  ${fmt(floorRate)} events/s   (rounds: ${floorRates.map(fmt).join(', ')})`);
    console.log(`  dictl stream scoring with acks:        ${fmt(rate)} events/s   (rounds: ${runs.map((x) => fmt(x.rate)).join(', ')}; best round batch p50 ${best.s.latencyMs.p50} ms, p99 ${best.s.latencyMs.p99} ms)`);
    console.log(`  ratio dictl/floor: ${(rate / floorRate).toFixed(2)}   goal ≥ 50,000 events/s: ${rate >= 50_000 ? 'MET' : 'NOT MET'}`);

  } finally {
    r.disconnect();
    server.kill('SIGTERM');
    await new Promise((res) => server.once('exit', res));
    rmSync(dir, { recursive: true, force: true });
  }
}
