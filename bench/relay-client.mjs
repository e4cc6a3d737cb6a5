// Load generator for the relay benches, in its own process (pinned to the other core).
//   node bench/relay-client.mjs '<job as JSON>'   ->  prints one JSON line with the result.
// Jobs: {mode: 'throughput'|'latency'|'idle'|'joins', kind: 'ours'|'bare'|'peer', transport?: 'sse',
// token?: a join token for ours, port, path, hold?: keep the clients until stdin ends, ...}.
// Relay instances sharing rooms (bench `scaling`): `ports` instead of `port`, and `spread`: 'split'
// (every sender on the first, every receiver on the second: each signal crosses instances) or
// 'rooms' (pair i on instance i mod n: each room on one instance).
// Clients are bench/raw-ws.mjs: cheap enough per message that the relay, not the load generator, is
// the bottleneck; with `transport: 'sse'` (ours only), bench/raw-sse.mjs.
import { RawWebSocket, encodeText } from './raw-ws.mjs';
import { RawSse } from './raw-sse.mjs';

const job = JSON.parse(process.argv[2]);
const sockets = new Set();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A frame of exactly `size` bytes sending `data` (with a padded candidate string) to `to`. */
function frameFor(kind, to, size, extra = {}) {
  const make = (pad) => {
    const data = {
      candidate: `candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host ${'x'.repeat(pad)}`,
      sdpMid: '0',
      sdpMLineIndex: 0,
      ...extra,
    };
    return kind === 'peer'
      ? JSON.stringify({ type: 'CANDIDATE', dst: to, payload: data })
      : JSON.stringify({ type: 'signal', to, data });
  };
  const pad = Math.max(0, size - make(0).length);
  return make(pad);
}

const ports = job.ports ?? [job.port];
const PEER_NEWS = Buffer.from('{"type":"peer-');

/** The port of the instance that pair `pair`'s `role` ('sender' or 'receiver') connects to. */
function portFor(pair, role) {
  if (job.spread === 'split') return ports[role === 'sender' ? 0 : 1];
  return ports[pair % ports.length];
}

/** Opens one client and brings it into `room`; resolves with {ws, id}; `ws.onFrame` is replaceable. */
function connect(kind, index, room, port = ports[0]) {
  return new Promise((resolve, reject) => {
    const ownId = `p${index}-${room}`;
    const path =
      kind === 'ours'
        ? job.path
        : kind === 'bare'
          ? `${job.path}?id=${ownId}&room=${room}`
          : `${job.path}?key=peerjs&id=${ownId}&token=t${index}`;
    const timer = setTimeout(() => reject(new Error(`${kind}: client ${index} did not get in within 20 s`)), 20_000);
    let ws;
    const done = (id) => {
      clearTimeout(timer);
      ws.onFrame = () => {};
      resolve({ ws, id });
    };
    const onFrame = (payload) => {
      const message = JSON.parse(payload.toString());
      if (kind === 'ours' && message.type === 'welcome') done(message.id);
      else if (kind === 'peer' && message.type === 'OPEN') done(ownId);
      else if (message.type === 'error' || message.type === 'ERROR') reject(new Error(`${kind}: ${payload}`));
    };
    const Client = job.transport === 'sse' ? RawSse : RawWebSocket;
    Client.open(port, path).then((client) => {
      ws = client;
      ws.onFrame = onFrame;
      sockets.add(ws);
      if (kind === 'ours') ws.send(JSON.stringify({ type: 'join', room, token: job.token }));
      if (kind === 'bare') done(ownId);
    }, reject);
  });
}

/** `pairs` sender/receiver pairs, each pair alone in its room. */
async function openPairs(kind, pairs, room = (i) => `r${i}`) {
  const result = [];
  for (let start = 0; start < pairs; start += 50) {
    const batch = [];
    for (let i = start; i < Math.min(pairs, start + 50); i++) {
      batch.push(
        Promise.all([
          connect(kind, 2 * i, room(i), portFor(i, 'sender')),
          connect(kind, 2 * i + 1, room(i), portFor(i, 'receiver')),
        ]),
      );
    }
    for (const [sender, receiver] of await Promise.all(batch)) result.push({ sender, receiver });
  }
  return result;
}

async function throughput() {
  const { kind, pairs = 100, window = 32, size = 300, warmup = 1000, duration = 3000 } = job;
  const links = await openPairs(kind, pairs);
  let received = 0;
  let errors = 0;
  // Refills are batched: every sender with room in its window writes its frames corked (one write
  // per socket per turn), so the load generator spends little per message and the relay is the
  // bottleneck (the parent checks that the relay's core is busy).
  const dirty = new Set();
  let flushing = false;
  const flush = () => {
    flushing = false;
    for (const link of dirty) link.fill();
    dirty.clear();
  };
  for (const link of links) {
    const text = frameFor(kind, link.receiver.id, size);
    // Prebuilt: n frames in one write over WebSocket; over SSE, n messages the client batches itself.
    const batches =
      job.transport === 'sse'
        ? Array.from({ length: window + 1 }, (_, n) => Array(n).fill(text))
        : Array.from({ length: window + 1 }, (_, n) => Buffer.concat(Array(n).fill(encodeText(text))));
    const sendBatch =
      job.transport === 'sse'
        ? (n) => {
            for (const message of batches[n]) link.sender.ws.send(message);
          }
        : (n) => link.sender.ws.send(batches[n]);
    let inFlight = 0;
    link.fill = () => {
      if (inFlight < window) sendBatch(window - inFlight);
      inFlight = window;
    };
    link.receiver.ws.onFrame = (payload) => {
      // Across instances a peer may hear of the other (peer-joined) after the pair was set up.
      if (job.ports && payload.subarray(0, PEER_NEWS.length).equals(PEER_NEWS)) return;
      received += 1;
      inFlight -= 1;
      dirty.add(link);
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    };
    link.sender.ws.onFrame = (payload) => {
      if (job.ports && payload.subarray(0, PEER_NEWS.length).equals(PEER_NEWS)) return;
      errors += 1;
    };
  }
  errors = 0;
  for (const link of links) link.fill();
  await sleep(warmup);
  const r0 = received;
  const t0 = performance.now();
  await sleep(duration);
  const rate = ((received - r0) * 1000) / (performance.now() - t0);
  return { rate, errors, frameBytes: Buffer.byteLength(frameFor(kind, links[0].receiver.id, size)), relayed: received };
}

async function latency() {
  // Round trips: a sender's signal is echoed by its receiver; `rate` relayed messages per second in
  // all (so rate / 2 round trips per second), spread evenly over the pairs.
  const { kind, pairs = 100, size = 300, rate = 2000, warmup = 1000, duration = 4000 } = job;
  const links = await openPairs(kind, pairs);
  const samples = [];
  let recording = false;
  const sent = new Map();
  let seq = 0;
  for (const link of links) {
    link.receiver.ws.onFrame = (data) => {
      const message = JSON.parse(data.toString());
      const body = message.data ?? message.payload;
      // Not a signal (an error about an echo, say): counted as lost, not echoed.
      if (body?.seq === undefined) return;
      link.receiver.ws.send(frameFor(kind, link.sender.id, size, { seq: body.seq, echo: true }));
    };
    link.sender.ws.onFrame = (data) => {
      const message = JSON.parse(data.toString());
      const body = message.data ?? message.payload;
      const at = sent.get(body?.seq);
      if (at === undefined) return;
      sent.delete(body.seq);
      if (recording) samples.push(performance.now() - at);
    };
  }
  const roundTripsPerSecond = rate / 2;
  const tick = 5; // ms
  let credit = 0;
  let next = 0;
  const started = performance.now();
  const timer = setInterval(() => {
    // Catch up to the schedule (timers are coarse), one pair after the other.
    credit = ((performance.now() - started) * roundTripsPerSecond) / 1000 - seq;
    for (let n = 0; n < credit; n++) {
      const link = links[next];
      next = (next + 1) % links.length;
      seq += 1;
      const frame = frameFor(kind, link.receiver.id, size, { seq });
      sent.set(seq, performance.now());
      link.sender.ws.send(frame);
    }
  }, tick);
  await sleep(warmup);
  recording = true;
  const s0 = seq;
  const t0 = performance.now();
  await sleep(duration);
  recording = false;
  const achieved = ((seq - s0) * 2 * 1000) / (performance.now() - t0);
  clearInterval(timer);
  await sleep(200);
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  return { p50: q(0.5), p99: q(0.99), samples: samples.length, lost: sent.size, relayedPerSecond: achieved };
}

async function idle() {
  // `connections` joined clients that then stay silent; the parent reads the relay's RSS meanwhile.
  const { kind, connections = 5000, roomSize = 10 } = job;
  const pairs = connections / 2;
  await openPairs(kind, pairs, (i) => `r${Math.floor((2 * i) / roomSize)}`);
  process.stdout.write(`${JSON.stringify({ ready: true, connections: sockets.size })}\n`);
  await new Promise((resolve) => process.stdin.once('data', resolve).once('end', resolve));
  return { connections: sockets.size };
}

async function joins() {
  // `connections` clients connect and join (rooms of `roomSize`), `batch` at a time; the parent reads
  // the relay's CPU time around the run.
  const { kind, connections = 2000, roomSize = 10 } = job;
  const t0 = performance.now();
  await openPairs(kind, connections / 2, (i) => `r${Math.floor((2 * i) / roomSize)}`);
  const seconds = (performance.now() - t0) / 1000;
  return { joins: sockets.size, rate: sockets.size / seconds };
}

let status = 0;
try {
  const result = await { throughput, latency, idle, joins }[job.mode]();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // `hold`: the clients stay connected until the parent, which measures them meanwhile, ends our stdin.
  if (job.hold) await new Promise((resolve) => process.stdin.once('end', resolve).resume());
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: String(error?.stack ?? error) })}\n`);
  status = 1;
} finally {
  for (const ws of sockets) ws.close();
  process.exit(status);
}
