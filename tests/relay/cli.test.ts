import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { packageRoot } from '../../relay/http.js';
import { SignJWT } from 'jose';
import { startRedis } from '../redis.js';
import { clientsOf, joined, PATIENCE, WsTestClient } from './helpers.js';

const ROOT = packageRoot();
const SOURCE_CLI = ['--import', 'tsx', join(ROOT, 'relay', 'cli.ts')];
const BUILT_CLI = join(ROOT, 'dist', 'relay', 'cli.js');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `exited` resolves with what it printed. The process is killed after the test. */
function run(
  t: TestContext,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '',
      HOST: '',
      ICE_SERVERS: '',
      ALLOWED_ORIGINS: '',
      TRUST_PROXY: '',
      METRICS_TOKEN: '',
      LOG_LEVEL: '',
      TOKEN_SECRET: '',
      TOKEN_SECRET_PREVIOUS: '',
      TOKEN_PUBLIC_KEY: '',
      TURN_SECRET: '',
      TURN_URLS: '',
      TURN_TTL: '',
      REDIS_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal, stdout, stderr }) as Exit);
  return { child, exited };
}

/** One line of the CLI's log (pino's JSON). */
interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

/** Every line of `stdout` as JSON; fails the test on a line that is not. */
function logLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const parsed = JSON.parse(line) as LogLine;
      assert.equal(typeof parsed.level, 'number', line);
      assert.equal(typeof parsed.time, 'number', line);
      assert.equal(typeof parsed.msg, 'string', line);
      return parsed;
    });
}

/** Starts the CLI and waits for its `listening` log line; returns the http origin it names. */
async function start(t: TestContext, args: string[], env?: NodeJS.ProcessEnv) {
  const { child, exited } = run(t, args, env);
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line within ${PATIENCE * 3} ms: ${output}`)),
      PATIENCE * 3,
    );
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      if (!output.endsWith('\n')) return;
      const listening = logLines(output).find((line) => line.msg === 'listening');
      if (typeof listening?.url === 'string') {
        clearTimeout(timer);
        resolve(listening.url);
      }
    });
    void exited.then((exit) => reject(new Error(`the CLI exited early: ${JSON.stringify(exit)}`)));
  });
  return { child, exited, origin, signalUrl: `${origin.replace(/^http/, 'ws')}/signal` };
}

test('rtc-relay --help prints the usage and exits 0', async (t) => {
  const exit = await run(t, [...SOURCE_CLI, '--help']).exited;
  assert.equal(exit.code, 0);
  assert.match(exit.stdout, /^Usage: rtc-relay/);
  assert.match(exit.stdout, /--ice-servers/);
});

test('rtc-relay refuses bad flags with a clear message and exit code 2', async (t) => {
  const cases: Array<[args: string[], message: RegExp]> = [
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', 'eighty'], /--port must be a whole number/],
    [['--max-peers', '0'], /maxPeersPerRoom must be a positive integer/],
    [['--ice-servers', '{not json'], /--ice-servers must be JSON/],
    [['--token-secret', 'too short'], /tokenSecret must be a string of at least 32 characters/],
    [
      ['--token-public-key', '/nonexistent/key.pem'],
      /--token-public-key: cannot read \/nonexistent\/key.pem \(ENOENT\)/,
    ],
    [['--turn-secret', 's'], /turnSecret and turnUrls go together/],
    [['--turn-secret', 's', '--turn-urls', 'turn:x', '--turn-ttl', 'a day'], /--turn-ttl must be a whole number/],
    [['--redis', 'localhost:6379'], /redis url must be a redis:\/\/ or rediss:\/\/ URL/],
  ];
  for (const [args, message] of cases) {
    const exit = await run(t, [...SOURCE_CLI, ...args]).exited;
    assert.equal(exit.code, 2, args.join(' '));
    assert.match(exit.stderr, message);
    assert.match(exit.stderr, /--help/);
  }
});

test('on SIGTERM the CLI closes its clients of both transports with 1012 and exits 0; they come back with their ids', async (t) => {
  const args = [...SOURCE_CLI, '--port', '0', '--host', '127.0.0.1', '--drain-window', '0'];
  const { child, exited, signalUrl } = await start(t, args);
  const alice = await joined(t, signalUrl, 'room');
  const bob = await clientsOf('sse').joined(t, signalUrl, 'room');
  child.kill('SIGTERM');
  assert.equal(await alice.client.closeCode(), 1012);
  assert.equal(await bob.client.closeCode(), 1012);
  assert.equal((await exited).code, 0);

  const again = await start(t, args);
  const aliceBack = await joined(t, again.signalUrl, 'room', { resume: alice.welcome.resume });
  const bobBack = await clientsOf('sse').joined(t, again.signalUrl, 'room', { resume: bob.welcome.resume });
  assert.equal(aliceBack.id, alice.id);
  assert.equal(bobBack.id, bob.id);
  assert.deepEqual(bobBack.welcome.peers, [{ id: alice.id, name: '' }]);
});

test('the CLI requires join tokens with TOKEN_SECRET and hands out TURN credentials with --turn-secret', async (t) => {
  const secret = 'a token secret of at least 32 characters';
  const { signalUrl } = await start(
    t,
    [
      ...SOURCE_CLI,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--turn-secret',
      'coturn',
      '--turn-urls',
      'turn:127.0.0.1:3478',
    ],
    { TOKEN_SECRET: secret, TURN_TTL: '60' },
  );
  const refused = await WsTestClient.connect(t, signalUrl);
  refused.send({ type: 'join', room: 'room' });
  await refused.nextError('token-required');

  const token = await new SignJWT({ room: 'room', exp: Math.floor(Date.now() / 1000) + 60 })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
  const alice = await joined(t, signalUrl, 'room', { token });
  const [turn] = alice.welcome.iceServers;
  assert.deepEqual(turn?.urls, ['turn:127.0.0.1:3478']);
  assert.match(String(turn?.username), new RegExp(`^\\d+:${alice.id}$`));
});

test('the CLI reads --token-public-key from a PEM file', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const dir = mkdtempSync(join(tmpdir(), 'rtc-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tokens.pub.pem');
  writeFileSync(file, publicKey.export({ type: 'spki', format: 'pem' }));
  const { signalUrl } = await start(t, [
    ...SOURCE_CLI,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--token-public-key',
    file,
  ]);
  const token = await new SignJWT({ room: 'room', exp: Math.floor(Date.now() / 1000) + 60 })
    .setProtectedHeader({ alg: 'ES256' })
    .sign(privateKey);
  const alice = await joined(t, signalUrl, 'room', { token });
  assert.equal(alice.welcome.room, 'room');
});

test('two CLI instances given one Redis, by --redis and by REDIS_URL, share rooms and are ready', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const first = await start(t, [...SOURCE_CLI, '--port', '0', '--host', '127.0.0.1', '--redis', redis.url]);
  const second = await start(t, [...SOURCE_CLI, '--port', '0', '--host', '127.0.0.1'], { REDIS_URL: redis.url });
  for (const { origin } of [first, second]) {
    let report: unknown;
    for (let tries = 0; tries < 100; tries++) {
      const response = await fetch(`${origin}/readyz`);
      report = await response.json();
      if (response.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(report, { status: 'ready', checks: { accepting: 'ok', redis: 'ok' } });
  }
  const alice = await joined(t, first.signalUrl, 'room', { name: 'Alice' });
  const bob = await joined(t, second.signalUrl, 'room', { name: 'Bob' });
  assert.deepEqual(bob.welcome.peers, [{ id: alice.id, name: 'Alice' }]);
});

test('the CLI reads PORT, HOST and ICE_SERVERS from the environment, and SIGINT also exits 0', async (t) => {
  const iceServers = [{ urls: 'stun:stun.example.org:3478' }];
  const { child, exited, origin, signalUrl } = await start(t, SOURCE_CLI, {
    PORT: '0',
    HOST: '127.0.0.1',
    ICE_SERVERS: JSON.stringify(iceServers),
  });
  assert.match(origin, /^http:\/\/127\.0\.0\.1:\d+$/);
  const alice = await joined(t, signalUrl, 'room');
  assert.deepEqual(alice.welcome.iceServers, iceServers);
  child.kill('SIGINT');
  assert.equal(await alice.client.closeCode(), 1012);
  assert.equal((await exited).code, 0);
});

test('the built rtc-relay serves the demo, the loader, /healthz and /signal on one port', async (t) => {
  assert.ok(existsSync(BUILT_CLI), `${BUILT_CLI} is missing: run npm run build first`);
  const { origin, signalUrl } = await start(t, [BUILT_CLI, '--port', '0', '--host', '127.0.0.1']);

  const page = await fetch(`${origin}/`);
  assert.equal(page.status, 200, 'GET / serves demo/index.html');
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  await page.body?.cancel();

  const loader = await fetch(`${origin}/rtc-elements.js`);
  assert.equal(loader.status, 200);
  assert.match(loader.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.equal(loader.headers.get('access-control-allow-origin'), '*');
  assert.match(loader.headers.get('cache-control') ?? '', /max-age=\d+/);
  assert.match(await loader.text(), /modulepreload/);

  const health = (await (await fetch(`${origin}/healthz`)).json()) as Record<string, unknown>;
  assert.equal(health.status, 'ok');
  assert.equal(health.protocol, 1);

  const alice = await joined(t, signalUrl, 'room');
  assert.equal(alice.welcome.protocol, 1);
});

test('on SIGTERM the CLI drains: /readyz turns 503 and new clients are refused while the old ones go on; a second signal closes them with 1012', async (t) => {
  const args = [...SOURCE_CLI, '--port', '0', '--host', '127.0.0.1', '--drain-window', '600000'];
  const { child, exited, origin, signalUrl } = await start(t, args);
  const alice = await joined(t, signalUrl, 'room');
  const bob = await joined(t, signalUrl, 'room');
  await alice.client.next(); // peer-joined
  assert.equal((await fetch(`${origin}/readyz`)).status, 200);

  child.kill('SIGTERM');
  // The relay drains as soon as it has the signal; ask until it answers so.
  let readyz = await fetch(`${origin}/readyz`);
  while (readyz.status === 200) readyz = await fetch(`${origin}/readyz`);
  assert.equal(readyz.status, 503);
  await assert.rejects(WsTestClient.connect(t, signalUrl), /Unexpected server response: 503/);
  alice.client.send({ type: 'signal', to: bob.id, data: 'still on' });
  assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'still on' });

  child.kill('SIGTERM');
  assert.equal(await alice.client.closeCode(), 1012);
  assert.equal(await bob.client.closeCode(), 1012);
  const exit = await exited;
  assert.equal(exit.code, 0);
  const messages = logLines(exit.stdout).map((line) => line.msg);
  assert.deepEqual(messages.slice(messages.indexOf('draining')), [
    'draining',
    'draining: refusing new clients',
    'closing',
    'session end',
    'session end',
    'closed',
  ]);
});

test("the CLI logs JSON lines, one per session start and end, and a client's bad input gets no stack trace", async (t) => {
  const { child, exited, signalUrl } = await start(t, [...SOURCE_CLI, '--port', '0', '--host', '127.0.0.1']);
  const alice = await joined(t, signalUrl, 'room', { name: 'Alice' });
  const bob = await joined(t, signalUrl, 'room');
  await alice.client.next(); // peer-joined
  // What used to end in a stack trace (JSON.stringify of 5,000 levels), and plain garbage.
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  alice.client.send(`{"type":"signal","to":"${bob.id}","data":${deep}}`);
  await bob.client.next();
  alice.client.send('{"type":');
  await alice.client.nextError('bad-message');
  alice.client.leave();
  assert.deepEqual(await bob.client.next(), { type: 'peer-left', id: alice.id });

  child.kill('SIGINT');
  const exit = await exited;
  assert.equal(exit.code, 0);
  assert.equal(exit.stderr, '');
  const lines = logLines(exit.stdout);
  const about = (msg: string, peer: string) => lines.filter((line) => line.msg === msg && line.peer === peer);
  const [begun] = about('session start', alice.id);
  assert.equal(about('session start', alice.id).length, 1);
  assert.deepEqual(
    { transport: begun?.transport, address: begun?.address, room: begun?.room, resumed: begun?.resumed },
    { transport: 'websocket', address: '127.0.0.1', room: 'room', resumed: false },
  );
  const [end] = about('session end', alice.id);
  assert.equal(about('session end', alice.id).length, 1);
  assert.deepEqual({ code: end?.code, ending: end?.ending }, { code: 1000, ending: 'left' });
  assert.equal(about('session start', bob.id).length, 1);
  assert.equal(about('session end', bob.id).length, 1, 'closed by SIGINT');
  assert.ok(
    lines.every((line) => line.err === undefined && line.level < 40),
    'no error, warning or stack trace for a client',
  );
});
