/**
 * TURN credentials in coturn's TURN REST scheme (relay/turn.ts): what `welcome` and `ice-servers`
 * carry, checked against the scheme computed here independently. A real coturn accepting and
 * refusing them is in tests/browser/turn.test.ts.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { createRelay, type IceServer, type RelayOptions } from '../../relay/index.js';
import { createTurnCredentials } from '../../relay/turn.js';
import { clientsOf, startRelay, TRANSPORTS } from './helpers.js';

const TURN = { turnSecret: 'coturn static-auth-secret', turnUrls: ['turn:127.0.0.1:3478?transport=udp'] };

/** Checks `server` is a TURN REST credential of `peerId` valid for about `ttl` s from now; returns its expiry. */
function assertCredential(server: IceServer | undefined, peerId: string, ttl: number): number {
  assert.ok(server, 'a TURN server is listed');
  assert.deepEqual(server.urls, TURN.turnUrls);
  const [expiry, id, ...rest] = String(server.username).split(':');
  assert.equal(id, peerId, 'the username names the peer');
  assert.deepEqual(rest, []);
  const now = Date.now() / 1000;
  // Bounds on a clock value, not on how long anything took.
  assert.ok(
    Number(expiry) > now + ttl - 60 && Number(expiry) <= now + ttl + 1,
    `expiry ${expiry} is about ${ttl} s from now`,
  );
  const expected = createHmac('sha1', TURN.turnSecret).update(String(server.username)).digest('base64');
  assert.equal(server.credential, expected, 'credential = base64(HMAC-SHA1(secret, username))');
  return Number(expiry);
}

test("TURN credentials follow coturn's TURN REST scheme, as docs/protocol.md specifies (its test vector)", () => {
  const turn = createTurnCredentials({
    turnSecret: 'north-wind',
    turnUrls: ['turn:turn.example.org:3478?transport=udp'],
  });
  const expiresAt = 1_765_000_000;
  const server = turn?.iceServerFor('vHG2M3bafs5KhU80', (expiresAt - 86_400) * 1000);
  assert.deepEqual(server, {
    urls: ['turn:turn.example.org:3478?transport=udp'],
    username: '1765000000:vHG2M3bafs5KhU80',
    credential: 'LsggB/WR8TtwlqWmZ0061R54OF4=',
  });
});

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    const { connect, joined } = clientsOf(transport);

    test('welcome carries the TURN server with credentials of the peer own, after the configured servers', async (t) => {
      const stun = { urls: 'stun:127.0.0.1:3478' };
      const { url } = await startRelay(t, { ...TURN, turnTtl: 600, iceServers: [stun] });
      const alice = await joined(t, url, 'standup');
      const bob = await joined(t, url, 'standup');
      assert.equal(alice.welcome.iceServers.length, 2);
      assert.deepEqual(alice.welcome.iceServers[0], stun);
      assertCredential(alice.welcome.iceServers[1], alice.id, 600);
      assertCredential(bob.welcome.iceServers[1], bob.id, 600);
    });

    test('ice-servers gets fresh credentials; a rejoin gets fresh ones too', async (t) => {
      const { url } = await startRelay(t, { ...TURN, resumeGrace: 60_000 });
      const alice = await joined(t, url, 'standup');
      const first = assertCredential(alice.welcome.iceServers[0], alice.id, 86_400);
      alice.client.send({ type: 'ice-servers' });
      const answer = await alice.client.next();
      assert.equal(answer.type, 'ice-servers');
      const renewed = assertCredential(
        answer.type === 'ice-servers' ? answer.iceServers[0] : undefined,
        alice.id,
        86_400,
      );
      assert.ok(renewed >= first);

      alice.client.drop();
      const back = await connect(t, url);
      const welcome = await back.join('standup', { resume: alice.welcome.resume });
      assertCredential(welcome.iceServers[0], alice.id, 86_400);
    });

    test('ice-servers before join gets not-joined and no credentials', async (t) => {
      const { url } = await startRelay(t, TURN);
      const client = await connect(t, url);
      client.send({ type: 'ice-servers' });
      await client.nextError('not-joined');
    });

    test('with tokens on, a peer refused by the token check gets no credentials', async (t) => {
      const tokenSecret = 'a token secret of at least 32 characters';
      const { url } = await startRelay(t, { ...TURN, tokenSecret });
      const mallory = await connect(t, url);
      mallory.sendBurst([{ type: 'join', room: 'standup' }, { type: 'ice-servers' }]);
      await mallory.nextError('token-required');
      assert.equal(await mallory.closeCode(), 1008);

      const token = await new SignJWT({ room: 'standup', exp: Math.floor(Date.now() / 1000) + 60 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(tokenSecret));
      const alice = await joined(t, url, 'standup', { token });
      assertCredential(alice.welcome.iceServers[0], alice.id, 86_400);
    });
  });
}

test('without a TURN secret, welcome and ice-servers carry the configured servers as they are', async (t) => {
  const iceServers = [{ urls: ['turn:turn.example.org:3478'], username: 'static', credential: 'password' }];
  const { url } = await startRelay(t, { iceServers });
  const { joined } = clientsOf('websocket');
  const alice = await joined(t, url, 'standup');
  assert.deepEqual(alice.welcome.iceServers, iceServers);
  alice.client.send({ type: 'ice-servers' });
  assert.deepEqual(await alice.client.next(), { type: 'ice-servers', iceServers });
});

test('TURN options are checked up front with a TypeError naming the option', () => {
  const cases: Array<[options: Partial<RelayOptions>, message: RegExp]> = [
    [{ turnSecret: '', turnUrls: TURN.turnUrls }, /^turnSecret must be a non-empty string$/],
    [{ turnSecret: 's', turnUrls: [] }, /^turnUrls must be a non-empty array of turn: or turns: URLs$/],
    [{ turnSecret: 's', turnUrls: ['stun:127.0.0.1'] }, /^turnUrls must be/],
    [{ turnSecret: 's', turnUrls: 'turn:127.0.0.1' as never }, /^turnUrls must be/],
    [{ ...TURN, turnTtl: 0 }, /^turnTtl must be a positive integer of seconds$/],
    [{ ...TURN, turnTtl: 1.5 }, /^turnTtl must be/],
    [{ turnSecret: 's' }, /^turnSecret and turnUrls go together/],
    [{ turnUrls: TURN.turnUrls }, /^turnSecret and turnUrls go together/],
    [{ turnTtl: 60 }, /^turnTtl needs turnSecret$/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => createRelay({ noServer: true, ...options }),
      { name: 'TypeError', message },
      JSON.stringify(options),
    );
  }
});
