// 2-4, 7, 9, 10. The relay beside baselines: ours (dist/relay, with join tokens, TURN credentials,
// metrics, logs and every limit on), a bare `ws` relay (bench/bare-relay.mjs: parse and restringify
// only), the same bare relay given ours' cork (the fair baseline) and PeerServer (the `peer` package,
// driven through its own protocol); and ours in two instances sharing rooms through Redis. Each relay
// runs alone in a fresh process pinned to core 0 (the second instance on core 1); the load generator
// (bench/relay-client.mjs) runs pinned to core 1. Rounds alternate between the relays.
import { generateKeyPairSync } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { SignJWT } from 'jose';
import { row, start, kill, sleep, median, canPin, freePort } from './lib.mjs';

const NODE = process.execPath;
/**
 * The V8 flag docs/relay.md tells operators to run ours with: it caps V8's young generation, which
 * grows to 16 MiB per semi-space during a rush of connections and holds RSS up long after
 * (docs/performance.md, memory). Ours always runs with it here, so what is measured is what runs.
 */
export const OURS_NODE_FLAGS = ['--max-semi-space-size=8'];
/** Join tokens (HS256) and TURN credentials on, as an operator who uses both runs the relay. */
const TOKEN_SECRET = 'the bench signs its join tokens with this secret';

/** A token for any room, valid for the bench's run; every client of ours sends it. */
async function benchToken(key = new TextEncoder().encode(TOKEN_SECRET), alg = 'HS256') {
  return new SignJWT({ room: '*', exp: Math.floor(Date.now() / 1000) + 3600 }).setProtectedHeader({ alg }).sign(key);
}
const TOKEN = await benchToken();

/**
 * Every client of the bench connects from 127.0.0.1: the per-address caps (100 connections, 120 joins
 * a minute) stay on (counted for every connection and join) but do not bind.
 */
const ONE_ADDRESS_FOR_ALL = { maxConnectionsPerIp: 1e6, joinsPerMinutePerIp: 1e6 };
/**
 * Ours as an operator runs it with everything on: join tokens and TURN credentials, /metrics (scraped
 * once a second), JSON logs at info (into /dev/null), X-Forwarded-For read from a trusted proxy, and
 * every limit at its default except those that 100 pairs at full speed from one address would trip
 * at once: the per-address caps and, for throughput, the message rate (50/s per connection).
 */
const OURS = {
  tokenSecret: TOKEN_SECRET,
  turnSecret: 'the bench TURN secret',
  turnUrls: ['turn:127.0.0.1:3478?transport=udp'],
  metrics: true,
  log: true,
  trustProxy: ['loopback'],
  ...ONE_ADDRESS_FOR_ALL,
};
const OURS_FAST = { ...OURS, messagesPerSecond: 1e9, messageBurst: 1e9 };

/** Starts a relay process of `kind` on `core`, node run with `nodeFlags`. */
async function startRelay(kind, options = {}, { core = 0, nodeFlags = [] } = {}) {
  const args = [...nodeFlags, '--expose-gc', 'bench/relay-server.mjs', kind, JSON.stringify(options)];
  const child = start(NODE, args, {
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

// `sse` is ours too, driven over SSE + POST instead of WebSocket (same relay, same options);
// `corked` is the bare relay with ours' cork.
const NAMES = { ours: 'ours', sse: 'ours (SSE)', bare: 'bare ws', corked: 'bare corked', peer: 'PeerServer' };
const RELAY_OF = { ours: 'ours', sse: 'ours', bare: 'bare', corked: 'bare-corked', peer: 'peer' };
/** Which protocol the load generator speaks to each (the corked bare relay speaks the bare one). */
const CLIENT_OF = { ours: 'ours', sse: 'ours', bare: 'bare', corked: 'bare', peer: 'peer' };

function clientJob(kind) {
  if (CLIENT_OF[kind] !== 'ours') return { kind: CLIENT_OF[kind] };
  const job = { kind: 'ours', token: TOKEN };
  return kind === 'sse' ? { ...job, transport: 'sse' } : job;
}

/** Starts the relay of `kind`: ours (with its V8 flag) with `options`. */
function startKind(kind, options) {
  if (RELAY_OF[kind] !== 'ours') return startRelay(RELAY_OF[kind]);
  return startRelay('ours', options, { nodeFlags: OURS_NODE_FLAGS });
}

export async function throughput({ quick, log }) {
  const rounds = quick ? 1 : 4;
  const job = { mode: 'throughput', pairs: 100, window: 32, size: 300, warmup: 1000, duration: quick ? 2000 : 2500 };
  const kinds = ['ours', 'sse', 'corked', 'bare', 'peer'];
  const runs = Object.fromEntries(kinds.map((kind) => [kind, []]));
  for (let round = 0; round < rounds; round++) {
    for (const kind of kinds) {
      const relay = await startKind(kind, OURS_FAST);
      try {
        // The window opens about 0.3-1 s after start (200 connections): measure the relay's CPU inside it.
        const result = await runClient({ ...job, ...clientJob(kind), ...relay.info }, () =>
          cpuDuring(relay, 1500 + 300, 1500 + job.duration - 200)(),
        );
        runs[kind].push(result);
        log(
          `round ${round + 1} ${NAMES[kind].padEnd(11)} ${Math.round(result.rate).toLocaleString('en-US').padStart(7)} msg/s  relay core busy ${(result.relayCpu * 100).toFixed(0)}%${result.errors ? `  (${result.errors} errors)` : ''}`,
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
  const against = (figure, values, baseline, baselineName, goal, met) =>
    row(figure, unit, values.ours, values[baseline], baselineName, goal, met(values.ours, values[baseline]));
  const atLeast = (ours, baseline) => ours >= baseline;
  const above = (ours, baseline) => ours > baseline;
  return {
    rows: [
      against('relay throughput', m, 'corked', 'bare ws, same cork', '>= 1.0x', atLeast),
      against('relay throughput', m, 'bare', 'bare ws', '>= 1.0x', atLeast),
      against('relay throughput', m, 'peer', 'PeerServer', '> 1.0x', above),
      against('relay msg per CPU-second', perCore, 'corked', 'bare ws, same cork', '>= 1.0x', atLeast),
      against('relay msg per CPU-second', perCore, 'bare', 'bare ws', '>= 1.0x', atLeast),
      against('relay msg per CPU-second', perCore, 'peer', 'PeerServer', '> 1.0x', above),
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
    details: {
      job,
      pinned: canPin,
      nodeFlags: OURS_NODE_FLAGS,
      oursOptions: OURS_FAST,
      medians: m,
      relayCpu: cpu,
      perCpuSecond: perCore,
      runs,
    },
  };
}

export async function latency({ quick, log }) {
  const rounds = quick ? 1 : 3;
  // Ours with its real message rate: 10 messages/s per connection is within it.
  const job = { mode: 'latency', pairs: 100, size: 300, rate: 2000, warmup: 1000, duration: quick ? 2000 : 3000 };
  const kinds = ['ours', 'sse', 'corked', 'bare'];
  const runs = Object.fromEntries(kinds.map((kind) => [kind, []]));
  for (let round = 0; round < rounds; round++) {
    for (const kind of kinds) {
      const relay = await startKind(kind, OURS);
      try {
        const result = await runClient({ ...job, ...clientJob(kind), ...relay.info });
        runs[kind].push(result);
        log(
          `round ${round + 1} ${NAMES[kind].padEnd(11)} p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  (${result.samples} round trips, ${Math.round(result.relayedPerSecond)} relayed/s)`,
        );
      } finally {
        relay.stop();
      }
    }
  }
  const p = (kind, key) => median(runs[kind].map((r) => r[key]));
  const corked = 'bare ws, same cork';
  return {
    rows: [
      row('relay round trip p50 @2k/s', 'ms', p('ours', 'p50'), p('corked', 'p50'), corked, 'report', null),
      row(
        'relay round trip p99 @2k/s',
        'ms',
        p('ours', 'p99'),
        p('corked', 'p99'),
        corked,
        '<= 1.0x',
        p('ours', 'p99') <= p('corked', 'p99'),
      ),
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
    details: { job, nodeFlags: OURS_NODE_FLAGS, oursOptions: OURS, runs },
  };
}

export async function memory({ quick, log }) {
  const connections = quick ? 2000 : 5000;
  const runs = {};
  // Ours and bare ws are each also measured the other way (ours without the V8 flag, bare ws with
  // it), so every figure has a baseline run the same way.
  const variants = [
    { name: 'ours', kind: 'ours', start: () => startKind('ours', OURS) },
    { name: 'ours, no V8 flag', kind: 'ours', start: () => startRelay('ours', OURS) },
    { name: 'ours (SSE)', kind: 'sse', start: () => startKind('sse', OURS) },
    { name: 'bare ws', kind: 'bare', start: () => startRelay('bare') },
    { name: 'bare ws, V8 flag', kind: 'bare', start: () => startRelay('bare', {}, { nodeFlags: OURS_NODE_FLAGS }) },
    { name: 'PeerServer', kind: 'peer', start: () => startRelay('peer') },
  ];
  for (const variant of variants) {
    const relay = await variant.start();
    try {
      await sleep(300);
      const empty = await relay.ask('mem');
      const job = { mode: 'idle', ...clientJob(variant.kind), connections, roomSize: 10, ...relay.info };
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
      runs[variant.name] = {
        connections,
        emptyRss: result.empty.rss,
        fullRss: result.full.rss,
        perConnection,
        heapPerConnection,
      };
      log(
        `${variant.name.padEnd(16)} ${connections} idle joined connections: RSS ${(result.empty.rss / 2 ** 20).toFixed(1)} -> ${(result.full.rss / 2 ** 20).toFixed(1)} MiB, ${(perConnection / 1024).toFixed(2)} KiB each (JS heap ${(heapPerConnection / 1024).toFixed(2)} KiB)`,
      );
    } finally {
      relay.stop();
    }
  }
  const kb = (name) => runs[name].perConnection / 1024;
  const figure = `relay RSS per idle connection (${connections})`;
  return {
    rows: [
      row(figure, 'KiB', kb('ours'), kb('bare ws, V8 flag'), 'bare ws, same V8 flag', '<= 8 KiB', kb('ours') <= 8),
      row(figure, 'KiB', kb('ours'), kb('bare ws'), 'bare ws', 'report', null),
      row(figure, 'KiB', kb('ours'), kb('PeerServer'), 'PeerServer', 'report', null),
      row(`${figure}, no V8 flag`, 'KiB', kb('ours, no V8 flag'), kb('bare ws'), 'bare ws', 'report', null),
      row(
        `relay RSS per idle SSE session (${connections})`,
        'KiB',
        kb('ours (SSE)'),
        kb('ours'),
        'ours over WebSocket',
        'report',
        null,
      ),
    ],
    details: { nodeFlags: OURS_NODE_FLAGS, oursOptions: OURS, runs },
  };
}

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
      const relay = await startRelay('ours', { ...ONE_ADDRESS_FOR_ALL, ...options }, { nodeFlags: OURS_NODE_FLAGS });
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
  /** Scripts Redis has run so far (EVALSHA and EVAL: the relays' scripts, and only those). */
  const scriptCalls = async () => {
    const info = await client.info('commandstats');
    const calls = (command) => Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    return calls('evalsha') + calls('eval');
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    cpu,
    scriptCalls,
    stop: () => {
      client.disconnect();
      kill(child);
    },
  };
}

/**
 * 10. Relay instances sharing rooms through Redis: the round trip a signal adds when it crosses
 * instances (at 2,000 relayed messages per second, against peers on one instance of the same
 * deployment), relayed messages per second with two instances against one, and what a new client
 * (a connection that joins) costs: Redis scripts per client (the admit script that counts the
 * connection for its address, and the join script; the release script runs later, as it closes),
 * Redis's CPU, and the relays' CPU per join against one instance without Redis.
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
  // The clients stay connected while Redis and the relays are read: what their closing costs
  // (release and leave scripts) is not counted.
  const joinsJob = { mode: 'joins', connections: quick ? 1000 : 2000, hold: true };
  const joinsDone = async (child, output) => {
    while (!output().includes('\n') && child.exitCode === null) await sleep(10);
  };
  const runs = { same: [], across: [], one: [], spread: [], split: [], joinsAlone: [], joinsShared: [] };
  let deployment = 0;
  /** Two fresh instances of ours sharing rooms (their own key prefix), on the two cores. */
  const twoInstances = async (options) => {
    deployment += 1;
    const shared = { ...options, redis: { url: redis.url, prefix: `bench${deployment}:` } };
    const nodeFlags = OURS_NODE_FLAGS;
    return Promise.all([
      startRelay('ours', shared, { core: 0, nodeFlags }),
      startRelay('ours', shared, { core: 1, nodeFlags }),
    ]);
  };
  const client = clientJob('ours');
  try {
    for (let round = 0; round < rounds; round++) {
      const instances = await twoInstances(OURS);
      try {
        const [a, b] = instances.map((instance) => instance.info);
        const same = await runClient({ ...latencyJob, ...client, path: a.path, ports: [a.port] });
        const across = await runClient({
          ...latencyJob,
          ...client,
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

      const one = await startKind('ours', OURS_FAST);
      try {
        const cpuBefore = await cpuOf([one]);
        const result = await runClient({ ...throughputJob, ...client, ...one.info });
        runs.one.push({ ...result, relayCpu: (await cpuOf([one])) - cpuBefore });
      } finally {
        one.stop();
      }
      for (const spread of ['rooms', 'split']) {
        const pair = await twoInstances(OURS_FAST);
        try {
          const ports = pair.map((instance) => instance.info.port);
          const [redisBefore, relaysBefore] = [await redis.cpu(), await cpuOf(pair)];
          const result = await runClient({ ...throughputJob, ...client, path: '/signal', ports, spread });
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

      // Every client from 127.0.0.1: the per-address caps (1e6 here) are counted in Redis but never bind.
      const alone = await startKind('ours', OURS);
      try {
        const relayBefore = await cpuOf([alone]);
        const result = await runClient({ ...joinsJob, ...client, ...alone.info }, async (child, output) => {
          await joinsDone(child, output);
          const relayCpu = (await cpuOf([alone])) - relayBefore;
          child.stdin.end();
          return { relayCpu };
        });
        runs.joinsAlone.push(result);
      } finally {
        alone.stop();
      }
      const shared = await twoInstances(OURS);
      try {
        const ports = shared.map((instance) => instance.info.port);
        const callsBefore = await redis.scriptCalls();
        const redisBefore = await redis.cpu();
        const relaysBefore = await cpuOf(shared);
        const job = { ...joinsJob, ...client, path: '/signal', ports };
        const result = await runClient(job, async (child, output) => {
          await joinsDone(child, output);
          const redisCalls = (await redis.scriptCalls()) - callsBefore;
          const redisCpu = (await redis.cpu()) - redisBefore;
          const relayCpu = (await cpuOf(shared)) - relaysBefore;
          child.stdin.end();
          return { redisCalls, redisCpu, relayCpu };
        });
        runs.joinsShared.push(result);
      } finally {
        for (const instance of shared) instance.stop();
      }
      const joined = runs.joinsShared.at(-1);
      log(
        `round ${round + 1} joins  one instance ${Math.round(runs.joinsAlone.at(-1).rate)} joins/s; two through Redis ${Math.round(joined.rate)} joins/s, ${(joined.redisCalls / joined.joins).toFixed(2)} Redis scripts per client`,
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
  // Per client that connected and joined; the sweeps of the window (one a second per instance) are
  // counted in too: a few scripts over thousands of clients.
  const perJoin = (kind, key, scale) => median(runs[kind].map((r) => (r[key] * scale) / r.joins));
  const scriptsPerClient = perJoin('joinsShared', 'redisCalls', 1);
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
      row(
        'relays CPU per client (connect + join), 2 instances',
        'µs',
        perJoin('joinsShared', 'relayCpu', 1e3),
        perJoin('joinsAlone', 'relayCpu', 1e3),
        'one instance, no Redis',
        'report',
        null,
      ),
      row(
        'Redis scripts per client (admit + join)',
        'scripts',
        scriptsPerClient,
        null,
        '-',
        '2',
        // The sweeps in the window add a few hundredths.
        Math.round(scriptsPerClient) <= 2,
      ),
      row(
        'Redis CPU per client (connect + join)',
        'µs',
        perJoin('joinsShared', 'redisCpu', 1e6),
        null,
        '-',
        'report',
        null,
      ),
    ],
    details: {
      latencyJob,
      throughputJob,
      joinsJob,
      pinned: canPin,
      nodeFlags: OURS_NODE_FLAGS,
      oursOptions: OURS,
      runs,
    },
  };
}
