// 2-4, 9, 10. The relay beside baselines: ours (dist/relay, every check on, join tokens and TURN
// credentials too), a bare `ws` relay
// (bench/bare-relay.mjs: parse and restringify only) and PeerServer (the `peer` package, driven
// through its own protocol). Each relay runs alone in a fresh process pinned to core 0; the load
// generator (bench/relay-client.mjs) runs pinned to core 1. Rounds alternate between the relays.
import { generateKeyPairSync } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { SignJWT } from 'jose';
import { row, start, kill, sleep, median, canPin, freePort } from './lib.mjs';

const NODE = process.execPath;
/** Ours with its defaults, except the per-connection rate limit, which 100 senders at full speed
 * would trip at once (50/s): it stays on (the token bucket runs for every frame) but does not bind. */
const OURS_FAST = { messagesPerSecond: 1e9, messageBurst: 1e9 };

/** Join tokens (HS256) and TURN credentials on, as an operator who uses both runs the relay. */
const TOKEN_SECRET = 'the bench signs its join tokens with this secret';
const OPERATOR = {
  tokenSecret: TOKEN_SECRET,
  turnSecret: 'the bench TURN secret',
  turnUrls: ['turn:127.0.0.1:3478?transport=udp'],
};

/** A token for any room, valid for the bench's run; every client of ours sends it. */
async function benchToken(key = new TextEncoder().encode(TOKEN_SECRET), alg = 'HS256') {
  return new SignJWT({ room: '*', exp: Math.floor(Date.now() / 1000) + 3600 }).setProtectedHeader({ alg }).sign(key);
}

async function startRelay(kind, options = {}, core = 0) {
  const child = start(NODE, ['--expose-gc', 'bench/relay-server.mjs', kind, JSON.stringify(options)], {
    core,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const info = await Promise.race([
    new Promise((resolve) => child.once('message', resolve)),
    new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`${kind} relay exited (${code})`)))),
  ]);
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(message);
    });
  return { child, info, ask, stop: () => kill(child) };
}

/** Runs the load generator; resolves with its JSON result. `during(client)` runs alongside. */
async function runClient(job, during) {
  const child = start(NODE, ['bench/relay-client.mjs', JSON.stringify(job)], {
    core: 1,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const side = during ? during(child, () => out) : undefined;
  const timeout = setTimeout(() => kill(child), 120_000);
  await exited;
  clearTimeout(timeout);
  const sideResult = await side;
  const lines = out.trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1] || '{"error":"no output"}');
  if (result.error) throw new Error(`load generator (${job.kind} ${job.mode}): ${result.error}`);
  return { ...result, ...sideResult };
}

/** CPU share of the relay's process over the measuring window (1.0 = its core fully busy). */
function cpuDuring(relay, fromMs, toMs) {
  return async () => {
    await sleep(fromMs);
    const a = await relay.ask('cpu');
    await sleep(toMs - fromMs);
    const b = await relay.ask('cpu');
    return { relayCpu: (b.cpu - a.cpu) / (b.at - a.at) };
  };
}

// `sse` is ours too, driven over SSE + POST instead of WebSocket (same relay, same options).
const OPTIONS = { ours: { ...OURS_FAST, ...OPERATOR }, sse: { ...OURS_FAST, ...OPERATOR }, bare: {}, peer: {} };
const NAMES = { ours: 'ours', sse: 'ours (SSE)', bare: 'bare ws', peer: 'PeerServer' };
const RELAY_OF = { ours: 'ours', sse: 'ours', bare: 'bare', peer: 'peer' };
const TOKEN = await benchToken();
const clientJob = (kind) => {
  if (kind === 'sse') return { kind: 'ours', transport: 'sse', token: TOKEN };
  return kind === 'ours' ? { kind, token: TOKEN } : { kind };
};

export async function throughput({ quick, log }) {
  const rounds = quick ? 1 : 4;
  const job = { mode: 'throughput', pairs: 100, window: 32, size: 300, warmup: 1000, duration: quick ? 2000 : 2500 };
  const runs = { ours: [], sse: [], bare: [], peer: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['ours', 'sse', 'bare', 'peer']) {
      const relay = await startRelay(RELAY_OF[kind], OPTIONS[kind]);
      try {
        // The window opens about 0.3-1 s after start (200 connections): measure the relay's CPU inside it.
        const result = await runClient({ ...job, ...clientJob(kind), ...relay.info }, () =>
          cpuDuring(relay, 1500 + 300, 1500 + job.duration - 200)(),
        );
        runs[kind].push(result);
        log(
          `round ${round + 1} ${NAMES[kind].padEnd(10)} ${Math.round(result.rate).toLocaleString('en-US').padStart(7)} msg/s  relay core busy ${(result.relayCpu * 100).toFixed(0)}%${result.errors ? `  (${result.errors} errors)` : ''}`,
        );
      } finally {
        relay.stop();
      }
    }
  }
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v.map((r) => r.rate))]));
  const cpu = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v.map((r) => r.relayCpu))]));
  // On a shared machine the relay's core is often taken by others: messages per second of the relay's
  // own CPU time (what one fully busy core would relay) is steadier than wall-clock throughput.
  const perCore = Object.fromEntries(
    Object.entries(runs).map(([k, v]) => [k, median(v.map((r) => r.rate / r.relayCpu))]),
  );
  const unit = 'msg/s';
  return {
    rows: [
      row('relay throughput', unit, m.ours, m.bare, 'bare ws', '>= 1.0x', m.ours >= m.bare),
      row('relay throughput', unit, m.ours, m.peer, 'PeerServer', '> 1.0x', m.ours > m.peer),
      row(
        'relay msg per CPU-second',
        unit,
        perCore.ours,
        perCore.bare,
        'bare ws',
        '>= 1.0x',
        perCore.ours >= perCore.bare,
      ),
      row(
        'relay msg per CPU-second',
        unit,
        perCore.ours,
        perCore.peer,
        'PeerServer',
        '> 1.0x',
        perCore.ours > perCore.peer,
      ),
      row('relay throughput, SSE + POST', unit, m.sse, m.ours, 'ours over WebSocket', 'report', null),
      row(
        'relay msg per CPU-second, SSE + POST',
        unit,
        perCore.sse,
        perCore.ours,
        'ours over WebSocket',
        '>= 0.5x',
        perCore.sse >= 0.5 * perCore.ours,
      ),
    ],
    details: { job, pinned: canPin, medians: m, relayCpu: cpu, perCpuSecond: perCore, runs },
  };
}

export async function latency({ quick, log }) {
  const rounds = quick ? 1 : 3;
  // Ours with its real defaults: 10 messages/s per connection is within the 50/s rate limit.
  const job = { mode: 'latency', pairs: 100, size: 300, rate: 2000, warmup: 1000, duration: quick ? 2000 : 3000 };
  const runs = { ours: [], sse: [], bare: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['ours', 'sse', 'bare']) {
      // Ours with its real defaults (and tokens and TURN on).
      const relay = await startRelay(RELAY_OF[kind], kind === 'bare' ? {} : OPERATOR);
      try {
        const result = await runClient({ ...job, ...clientJob(kind), ...relay.info });
        runs[kind].push(result);
        log(
          `round ${round + 1} ${NAMES[kind].padEnd(10)} p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  (${result.samples} round trips, ${Math.round(result.relayedPerSecond)} relayed/s)`,
        );
      } finally {
        relay.stop();
      }
    }
  }
  const p = (kind, key) => median(runs[kind].map((r) => r[key]));
  return {
    rows: [
      row('relay round trip p50 @2k/s', 'ms', p('ours', 'p50'), p('bare', 'p50'), 'bare ws', 'report', null),
      row('relay round trip p99 @2k/s', 'ms', p('ours', 'p99'), p('bare', 'p99'), 'bare ws', 'report', null),
      row(
        'relay round trip p50 @2k/s, SSE + POST',
        'ms',
        p('sse', 'p50'),
        p('ours', 'p50'),
        'ours over WebSocket',
        'report',
        null,
      ),
      row(
        'relay round trip p99 @2k/s, SSE + POST',
        'ms',
        p('sse', 'p99'),
        p('ours', 'p99'),
        'ours over WebSocket',
        '<= 2.0x',
        p('sse', 'p99') <= 2 * p('ours', 'p99'),
      ),
    ],
    details: { job, runs },
  };
}

export async function memory({ quick, log }) {
  const connections = quick ? 2000 : 5000;
  const runs = {};
  for (const kind of ['ours', 'sse', 'bare', 'peer']) {
    const relay = await startRelay(RELAY_OF[kind], kind === 'ours' || kind === 'sse' ? OPERATOR : {});
    try {
      await sleep(300);
      const empty = await relay.ask('mem');
      const job = { mode: 'idle', ...clientJob(kind), connections, roomSize: 10, ...relay.info };
      const result = await runClient(job, async (client, output) => {
        while (!output().includes('"ready"')) {
          if (client.exitCode !== null) return {};
          await sleep(100);
        }
        await sleep(500);
        const full = await relay.ask('mem');
        client.stdin.end();
        return { empty, full };
      });
      const perConnection = (result.full.rss - result.empty.rss) / connections;
      const heapPerConnection = (result.full.heapUsed - result.empty.heapUsed) / connections;
      runs[kind] = {
        connections,
        emptyRss: result.empty.rss,
        fullRss: result.full.rss,
        perConnection,
        heapPerConnection,
      };
      log(
        `${NAMES[kind].padEnd(10)} ${connections} idle joined connections: RSS ${(result.empty.rss / 2 ** 20).toFixed(1)} -> ${(result.full.rss / 2 ** 20).toFixed(1)} MiB, ${(perConnection / 1024).toFixed(2)} KiB each (JS heap ${(heapPerConnection / 1024).toFixed(2)} KiB)`,
      );
    } finally {
      relay.stop();
    }
  }
  const kb = (kind) => runs[kind].perConnection / 1024;
  return {
    rows: [
      row(
        `relay RSS per idle connection (${connections})`,
        'KiB',
        kb('ours'),
        kb('bare'),
        'bare ws',
        '<= 8 KiB',
        kb('ours') <= 8,
      ),
      row(
        `relay RSS per idle connection (${connections})`,
        'KiB',
        kb('ours'),
        kb('peer'),
        'PeerServer',
        'report',
        null,
      ),
      row(
        `relay RSS per idle SSE session (${connections})`,
        'KiB',
        kb('sse'),
        kb('ours'),
        'ours over WebSocket',
        'report',
        null,
      ),
    ],
    details: { runs },
  };
}

/**
 * What a join costs with a token checked: joins per CPU-second of the relay, ours without tokens
 * against ours with an HS256 secret and with an ES256 public key. 2,000 clients connect and join,
 * 100 at a time (rooms of 10); the relay's CPU time is read before and after.
 */
export async function joins({ quick, log }) {
  const rounds = quick ? 1 : 3;
  const connections = quick ? 1000 : 2000;
  const es256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const variants = {
    none: { options: {}, token: undefined },
    hs256: { options: { tokenSecret: TOKEN_SECRET }, token: TOKEN },
    es256: {
      options: { tokenPublicKey: es256.publicKey.export({ type: 'spki', format: 'pem' }) },
      token: await benchToken(es256.privateKey, 'ES256'),
    },
  };
  const runs = { none: [], hs256: [], es256: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, { options, token }] of Object.entries(variants)) {
      const relay = await startRelay('ours', options);
      try {
        const before = await relay.ask('cpu');
        const result = await runClient({ mode: 'joins', kind: 'ours', connections, token, ...relay.info });
        const after = await relay.ask('cpu');
        const perCpuSecond = result.joins / ((after.cpu - before.cpu) / 1000);
        runs[name].push({ ...result, perCpuSecond });
        log(
          `round ${round + 1} ${name.padEnd(6)} ${Math.round(result.rate).toLocaleString('en-US').padStart(6)} joins/s  ${Math.round(perCpuSecond).toLocaleString('en-US').padStart(6)} per CPU-second`,
        );
      } finally {
        relay.stop();
      }
    }
  }
  const m = (name) => median(runs[name].map((r) => r.perCpuSecond));
  const unit = 'joins/s';
  return {
    rows: [
      row(
        'relay joins per CPU-second, HS256 token',
        unit,
        m('hs256'),
        m('none'),
        'ours without tokens',
        'report',
        null,
      ),
      row(
        'relay joins per CPU-second, ES256 token',
        unit,
        m('es256'),
        m('none'),
        'ours without tokens',
        'report',
        null,
      ),
    ],
    details: { connections, runs },
  };
}

/** The CPU time (ms) the relays' processes used so far, together. */
async function cpuOf(relays) {
  let total = 0;
  for (const relay of relays) total += (await relay.ask('cpu')).cpu;
  return total;
}

/** A redis-server of our own on a free port (nothing saved), with its CPU time for the cost per message. */
async function startRedisServer() {
  const { findRedisServer } = await import('../scripts/redis.mjs');
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server is not installed (Debian: apt-get install redis-server)');
  const port = await freePort();
  const child = start(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let tries = 0; ; tries++) {
    const open = await new Promise((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    if (tries === 200) throw new Error('redis-server did not start');
    await sleep(25);
  }
  const { Redis } = await import('ioredis');
  const client = new Redis(`redis://127.0.0.1:${port}`);
  /** Redis's CPU seconds so far (user + system). */
  const cpu = async () => {
    const info = await client.info('cpu');
    const read = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return read('used_cpu_user') + read('used_cpu_sys');
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    cpu,
    stop: () => {
      client.disconnect();
      kill(child);
    },
  };
}

/**
 * 10. Relay instances sharing rooms through Redis: the round trip a signal adds when it crosses
 * instances (at 2,000 relayed messages per second, against peers on one instance of the same
 * deployment), and relayed messages per second with two instances against one.
 */
export async function scaling({ quick, log }) {
  const rounds = quick ? 1 : 3;
  const redis = await startRedisServer();
  const latencyJob = {
    mode: 'latency',
    pairs: 100,
    size: 300,
    rate: 2000,
    warmup: 1000,
    duration: quick ? 2000 : 3000,
  };
  const throughputJob = { mode: 'throughput', pairs: 100, window: 32, size: 300, warmup: 1000, duration: 2500 };
  const runs = { same: [], across: [], one: [], spread: [], split: [] };
  let deployment = 0;
  /** Two fresh instances sharing rooms (their own key prefix), on the two cores. */
  const twoInstances = async (options) => {
    deployment += 1;
    const shared = { ...options, redis: { url: redis.url, prefix: `bench${deployment}:` } };
    return Promise.all([startRelay('ours', shared, 0), startRelay('ours', shared, 1)]);
  };
  try {
    for (let round = 0; round < rounds; round++) {
      const instances = await twoInstances({});
      try {
        const [a, b] = instances.map((instance) => instance.info);
        const same = await runClient({ ...latencyJob, kind: 'ours', path: a.path, ports: [a.port] });
        const across = await runClient({
          ...latencyJob,
          kind: 'ours',
          path: a.path,
          ports: [a.port, b.port],
          spread: 'split',
        });
        runs.same.push(same);
        runs.across.push(across);
        log(
          `round ${round + 1} latency  same instance p50 ${same.p50.toFixed(2)} p99 ${same.p99.toFixed(2)} ms; across instances p50 ${across.p50.toFixed(2)} p99 ${across.p99.toFixed(2)} ms`,
        );
      } finally {
        for (const instance of instances) instance.stop();
      }

      const one = await startRelay('ours', OURS_FAST, 0);
      try {
        const cpuBefore = await cpuOf([one]);
        const result = await runClient({ ...throughputJob, kind: 'ours', ...one.info });
        runs.one.push({ ...result, relayCpu: (await cpuOf([one])) - cpuBefore });
      } finally {
        one.stop();
      }
      for (const spread of ['rooms', 'split']) {
        const pair = await twoInstances(OURS_FAST);
        try {
          const ports = pair.map((instance) => instance.info.port);
          const [redisBefore, relaysBefore] = [await redis.cpu(), await cpuOf(pair)];
          const result = await runClient({ ...throughputJob, kind: 'ours', path: '/signal', ports, spread });
          const redisCpu = (await redis.cpu()) - redisBefore;
          const relayCpu = (await cpuOf(pair)) - relaysBefore;
          runs[spread === 'rooms' ? 'spread' : 'split'].push({ ...result, redisCpu, relayCpu });
        } finally {
          for (const instance of pair) instance.stop();
        }
      }
      log(
        `round ${round + 1} throughput  one instance ${Math.round(runs.one.at(-1).rate)} msg/s; two, rooms spread ${Math.round(runs.spread.at(-1).rate)}; two, every signal across ${Math.round(runs.split.at(-1).rate)} msg/s`,
      );
    }
  } finally {
    redis.stop();
  }
  const p = (kind, key) => median(runs[kind].map((r) => r[key]));
  const rate = (kind) => median(runs[kind].map((r) => r.rate));
  // Same and across are measured back to back in each round: the median of each round's difference.
  const added = (key) => median(runs.across.map((r, round) => r[key] - runs.same[round][key]));
  const addedP50 = added('p50');
  const addedP99 = added('p99');
  // CPU per relayed message over the whole run (warm-up included): steadier than rates on a shared
  // machine. The relays' own, and Redis's for the messages that crossed instances.
  const relayMicroseconds = (kind) => median(runs[kind].map((r) => (r.relayCpu * 1e3) / r.relayed));
  const redisMicroseconds = median(runs.split.map((r) => (r.redisCpu * 1e6) / r.relayed));
  return {
    rows: [
      row(
        'round trip added across instances, p50 @2k/s',
        'ms',
        addedP50,
        p('same', 'p50'),
        'same instance p50',
        'report',
        null,
      ),
      row(
        'round trip added across instances, p99 @2k/s',
        'ms',
        addedP99,
        p('same', 'p99'),
        'same instance p99',
        '<= 2 ms',
        addedP99 <= 2,
      ),
      row(
        'relay throughput, 2 instances, rooms spread',
        'msg/s',
        rate('spread'),
        rate('one'),
        'one instance',
        'report',
        null,
      ),
      row(
        'relay throughput, 2 instances, all across',
        'msg/s',
        rate('split'),
        rate('one'),
        'one instance',
        'report',
        null,
      ),
      row(
        'relays CPU per message, all across',
        'µs',
        relayMicroseconds('split'),
        relayMicroseconds('one'),
        'one instance',
        'report',
        null,
      ),
      row('Redis CPU per message across instances', 'µs', redisMicroseconds, null, '-', 'report', null),
    ],
    details: { latencyJob, throughputJob, pinned: canPin, runs },
  };
}
