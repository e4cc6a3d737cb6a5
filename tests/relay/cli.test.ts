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

/** Starts the CLI and waits for its listening line; returns the http origin it printed. */
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
      const match = /^rtc-relay listening on (http:\/\/\S+:\d+)$/m.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
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
  const args = [...SOURCE_CLI, '--port', '0', '--host', '127.0.0.1'];
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
