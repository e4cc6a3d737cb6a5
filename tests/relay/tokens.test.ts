/**
 * Signed join tokens (relay/tokens.ts): every refusal over both transports with its code, hint and
 * close 1008; a valid token's name is the one the others see; rotation; public keys in PEM and a
 * JWKS served on loopback; and tokens an attacker would try.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { createRelay, type RelayOptions } from '../../relay/index.js';
import { clientsOf, startRelay, TRANSPORTS, waitUntil } from './helpers.js';

const SECRET = 'the current secret, 32 characters or more';
const PREVIOUS = 'the previous secret, also long enough to use';
const NOW = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

/** A token signed with `key` (an HS256 secret, or a private key with its algorithm). */
async function sign(
  claims: JWTPayload,
  key: string | KeyObject = SECRET,
  header: { alg: string; kid?: string } = { alg: 'HS256' },
): Promise<string> {
  const signingKey = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  return new SignJWT(claims).setProtectedHeader(header).sign(signingKey);
}

/** Claims valid for an hour in `room`, with anything in `extra`. */
function claimsFor(room: string, extra: JWTPayload = {}): JWTPayload {
  return { room, exp: NOW() + HOUR, ...extra };
}

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    const { connect, joined } = clientsOf(transport);

    /** Joins `room` with `token` and expects the relay to refuse it with `code` and close 1008. */
    async function refused(t: TestContext, url: string, token: string | undefined, code: string, room = 'standup') {
      const client = await connect(t, url);
      client.send({ type: 'join', room, token });
      const error = await client.nextError(code as never);
      assert.equal(await client.closeCode(), 1008);
      return error;
    }

    test('a join without a token is refused with token-required', async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET });
      await refused(t, url, undefined, 'token-required');
    });

    test('a token signed with another secret is refused with token-invalid', async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET });
      await refused(t, url, await sign(claimsFor('standup'), 'another secret that is just as long'), 'token-invalid');
    });

    test('an expired token is refused with token-expired', async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET });
      await refused(t, url, await sign(claimsFor('standup', { exp: NOW() - 60 })), 'token-expired');
    });

    test('a token that is not valid yet (nbf) is refused with token-invalid', async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET });
      const error = await refused(t, url, await sign(claimsFor('standup', { nbf: NOW() + 600 })), 'token-invalid');
      assert.match(error.message, /not valid yet/);
    });

    test('a token for another room is refused with token-room', async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET });
      await refused(t, url, await sign(claimsFor('other-room')), 'token-room');
      await refused(t, url, await sign(claimsFor('team-a-*')), 'token-room', 'team-b-standup');
    });

    test('a valid token joins, and the name in it is the one the others see', async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET });
      const alice = await joined(t, url, 'standup', { token: await sign(claimsFor('standup', { name: 'Alice' })) });
      const bob = await joined(t, url, 'standup', {
        name: 'Mallory',
        token: await sign(claimsFor('standup', { name: 'Bob' })),
      });
      assert.deepEqual(bob.welcome.peers, [{ id: alice.id, name: 'Alice' }]);
      assert.deepEqual(await alice.client.next(), { type: 'peer-joined', id: bob.id, name: 'Bob' });
    });

    test("a token's name cannot be changed by a name message (name-fixed); one without a name can", async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET });
      const alice = await joined(t, url, 'standup', { token: await sign(claimsFor('standup', { name: 'Alice' })) });
      const bob = await joined(t, url, 'standup', { token: await sign(claimsFor('standup')) });
      await alice.client.next(); // peer-joined Bob
      alice.client.send({ type: 'name', name: 'Mallory' });
      await alice.client.nextError('name-fixed');
      bob.client.send({ type: 'name', name: 'Bob' });
      // Bob's rename is the first thing Alice hears: hers told Bob nothing.
      assert.deepEqual(await alice.client.next(), { type: 'peer-renamed', id: bob.id, name: 'Bob' });
      const carol = await joined(t, url, 'standup', { token: await sign(claimsFor('standup')) });
      assert.deepEqual(
        carol.welcome.peers.map((peer) => peer.name),
        ['Alice', 'Bob'],
      );
    });

    test('a token without a name lets the join name the peer', async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET });
      const alice = await joined(t, url, 'standup', { token: await sign(claimsFor('standup')) });
      const bob = await joined(t, url, 'standup', { name: 'Bob', token: await sign(claimsFor('standup')) });
      assert.deepEqual(await alice.client.next(), { type: 'peer-joined', id: bob.id, name: 'Bob' });
    });

    test('a room claim ending in * admits every room with that prefix, and * alone any room', async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET });
      const team = await joined(t, url, 'team-a-standup', { token: await sign(claimsFor('team-a-*')) });
      assert.equal(team.welcome.room, 'team-a-standup');
      const any = await joined(t, url, 'lobby', { token: await sign(claimsFor('*')) });
      assert.equal(any.welcome.room, 'lobby');
    });

    test('during a rotation, tokens signed with the previous secret still join; others do not', async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET, tokenSecretPrevious: PREVIOUS });
      await joined(t, url, 'standup', { token: await sign(claimsFor('standup')) });
      await joined(t, url, 'standup', { token: await sign(claimsFor('standup'), PREVIOUS) });
      await refused(t, url, await sign(claimsFor('standup', { exp: NOW() - 60 }), PREVIOUS), 'token-expired');
      await refused(t, url, await sign(claimsFor('standup'), 'a third secret, retired long ago!!'), 'token-invalid');
    });

    test('a resume does not bypass the check: the returning peer needs a valid token too', async (t) => {
      const { url } = await startRelay(t, { tokenSecret: SECRET, resumeGrace: 60_000 });
      const alice = await joined(t, url, 'standup', { token: await sign(claimsFor('standup')) });
      const bob = await joined(t, url, 'standup', { token: await sign(claimsFor('standup')) });
      await alice.client.next(); // peer-joined bob

      alice.client.drop();
      for (const [token, code] of [
        [undefined, 'token-required'],
        [await sign(claimsFor('standup', { exp: NOW() - 60 })), 'token-expired'],
        [await sign(claimsFor('elsewhere')), 'token-room'],
      ] as const) {
        const thief = await connect(t, url);
        thief.send({ type: 'join', room: 'standup', resume: alice.welcome.resume, token });
        await thief.nextError(code);
        assert.equal(await thief.closeCode(), 1008);
      }
      // The refused attempts took nothing over: a signal to alice is held for her, not delivered.
      const back = await connect(t, url);
      const welcome = await back.join('standup', {
        resume: alice.welcome.resume,
        token: await sign(claimsFor('standup')),
      });
      assert.equal(welcome.id, alice.id);
      assert.equal(welcome.resumed, true);
      bob.client.send({ type: 'signal', to: alice.id, data: 'still there?' });
      assert.deepEqual(await back.next(), { type: 'signal', from: bob.id, data: 'still there?' });
    });

    test('messages sent behind a refused join are not handled', async (t) => {
      const { url, relay } = await startRelay(t, { tokenSecret: SECRET });
      const alice = await joined(t, url, 'standup', { token: await sign(claimsFor('standup')) });
      const mallory = await connect(t, url);
      mallory.sendBurst([
        {
          type: 'join',
          room: 'standup',
          token: await sign(claimsFor('standup'), 'not the relay secret, but long enough'),
        },
        { type: 'signal', to: alice.id, data: 'let me in' },
      ]);
      await mallory.nextError('token-invalid');
      assert.equal(await mallory.closeCode(), 1008);
      await waitUntil(() => relay.stats().connections === 1);
      // Had the signal been relayed, it would arrive before alice's own.
      alice.client.send({ type: 'signal', to: alice.id, data: 'sync' });
      assert.deepEqual(await alice.client.next(), { type: 'signal', from: alice.id, data: 'sync' });
    });
  });
}

describe('what a token carries', () => {
  test('capabilities listed in the token reach the peer and the others; unknown ones are dropped', async (t) => {
    const { url } = await startRelay(t, { tokenSecret: SECRET });
    const { joined } = clientsOf('websocket');
    const viewer = await joined(t, url, 'standup', { token: await sign(claimsFor('standup', { caps: ['data'] })) });
    const host = await joined(t, url, 'standup', {
      token: await sign(claimsFor('standup', { caps: ['publish', 'data', 'moderate', 'teleport'] })),
    });
    const open = await joined(t, url, 'standup', { token: await sign(claimsFor('standup')) });
    assert.deepEqual(viewer.welcome.caps, ['data']);
    assert.deepEqual(host.welcome.caps, ['publish', 'data', 'moderate']);
    assert.equal(open.welcome.caps, undefined, 'a token without caps sets no limits');
    assert.deepEqual(open.welcome.peers, [
      { id: viewer.id, name: '', caps: ['data'] },
      { id: host.id, name: '', caps: ['publish', 'data', 'moderate'] },
    ]);
    assert.deepEqual(await viewer.client.next(), {
      type: 'peer-joined',
      id: host.id,
      name: '',
      caps: ['publish', 'data', 'moderate'],
    });
    assert.deepEqual(await viewer.client.next(), { type: 'peer-joined', id: open.id, name: '' });
  });

  test('hostile tokens are refused with token-invalid and never crash the relay', async (t) => {
    const { url, relay } = await startRelay(t, { tokenSecret: SECRET });
    const { connect, joined } = clientsOf('websocket');
    const header = (object: object) => Buffer.from(JSON.stringify(object)).toString('base64url');
    const body = header(claimsFor('standup'));
    const hostile = [
      '',
      'not a token',
      'a.b.c',
      '....',
      // alg "none": an unsigned token.
      `${header({ alg: 'none' })}.${body}.`,
      // An algorithm this relay does not take, and a real HS512 signature with the right secret.
      await sign(claimsFor('standup'), SECRET, { alg: 'HS512' }),
      // Claims of the wrong form.
      await sign({ exp: NOW() + HOUR }),
      await sign(claimsFor('standup', { room: 42 })),
      await sign(claimsFor('standup', { name: 'x'.repeat(65) })),
      await sign(claimsFor('standup', { name: { first: 'Ada' } })),
      await sign(claimsFor('standup', { caps: 'publish' })),
      await sign({ room: 'standup' }), // no exp: a token that never expires is not taken
      await sign(claimsFor('standup', { exp: 'tomorrow' as unknown as number })),
      // A payload that is not JSON.
      `${header({ alg: 'HS256' })}.${Buffer.from('{"room":').toString('base64url')}.AAAA`,
    ];
    for (const token of hostile) {
      const client = await connect(t, url);
      client.send({ type: 'join', room: 'standup', token });
      await client.nextError('token-invalid');
      assert.equal(await client.closeCode(), 1008, token);
    }
    for (const token of [42, { alg: 'none' }, 'x'.repeat(4097)]) {
      const client = await connect(t, url);
      client.send({ type: 'join', room: 'standup', token });
      await client.nextError('bad-message');
    }
    await joined(t, url, 'standup', { token: await sign(claimsFor('standup')) });
    assert.equal(relay.stats().peers, 1);
  });

  test('a relay without a token key ignores tokens and admits everyone', async (t) => {
    const { url } = await startRelay(t);
    const { joined } = clientsOf('websocket');
    await joined(t, url, 'standup');
    const bob = await joined(t, url, 'standup', { name: 'Bob', token: 'anything' });
    assert.equal(bob.welcome.caps, undefined);
  });
});

describe('public keys', () => {
  for (const [alg, pair] of [
    ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ] as const) {
    test(`an ${alg} public key in PEM admits tokens signed with its private key, and only those`, async (t) => {
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const { url } = await startRelay(t, { tokenPublicKey: pem });
      const { connect, joined } = clientsOf('websocket');
      const alice = await joined(t, url, 'standup', {
        token: await sign(claimsFor('standup', { name: 'Alice' }), pair.privateKey, { alg }),
      });
      assert.equal(alice.welcome.room, 'standup');
      // The classic confusion: an HS256 token whose secret is the public key the relay holds.
      const forged = [
        await sign(claimsFor('standup'), pem),
        await sign(claimsFor('standup'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, {
          alg: 'ES256',
        }),
      ];
      for (const token of forged) {
        const client = await connect(t, url);
        client.send({ type: 'join', room: 'standup', token });
        await client.nextError('token-invalid');
      }
    });
  }

  test('a JWKS served on loopback admits tokens signed with its keys, by key id, and is fetched once', async (t) => {
    const first = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const second = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = async (key: KeyObject, kid: string, alg: string) => ({
      ...(await exportJWK(key)),
      kid,
      alg,
      use: 'sig',
    });
    const keys = [await jwk(first.publicKey, 'first', 'ES256'), await jwk(second.publicKey, 'second', 'RS256')];
    let fetches = 0;
    const jwks = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    jwks.listen(0, '127.0.0.1');
    await once(jwks, 'listening');
    t.after(() => new Promise((resolve) => jwks.close(resolve)));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;

    const { url } = await startRelay(t, { tokenPublicKey: jwksUrl });
    const { connect, joined } = clientsOf('websocket');
    await joined(t, url, 'standup', {
      token: await sign(claimsFor('standup'), first.privateKey, { alg: 'ES256', kid: 'first' }),
    });
    await joined(t, url, 'standup', {
      token: await sign(claimsFor('standup'), second.privateKey, { alg: 'RS256', kid: 'second' }),
    });
    assert.equal(fetches, 1, 'the key set is cached');

    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    for (const kid of ['first', 'unknown']) {
      const stranger = await connect(t, url);
      stranger.send({
        type: 'join',
        room: 'standup',
        token: await sign(claimsFor('standup'), other, { alg: 'ES256', kid }),
      });
      await stranger.nextError('token-invalid');
    }
  });

  test('when the JWKS cannot be fetched, joins are told token-unverifiable and to come back later (1013)', async (t) => {
    // A server that answers every request with 503, as a key service being redeployed might.
    const jwks = createServer((_req, res) => res.writeHead(503).end());
    jwks.listen(0, '127.0.0.1');
    await once(jwks, 'listening');
    t.after(() => new Promise((resolve) => jwks.close(resolve)));
    const warnings: Record<string, unknown>[] = [];
    const relay = createRelay({
      port: 0,
      tokenPublicKey: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
      logger: { info() {}, error() {}, warn: (fields: Record<string, unknown>) => warnings.push(fields) },
    });
    t.after(() => relay.close());
    await relay.ready;
    const { connect } = clientsOf('websocket');
    const client = await connect(t, `ws://127.0.0.1:${relay.port}/signal`);
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    client.send({
      type: 'join',
      room: 'standup',
      token: await sign(claimsFor('standup'), key, { alg: 'ES256', kid: 'k' }),
    });
    await client.nextError('token-unverifiable');
    assert.equal(await client.closeCode(), 1013);
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]?.reason), /cannot fetch its token keys/);
  });
});

test('token options are checked up front with a TypeError naming the option', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const shortRsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
  const cases: Array<[options: Partial<RelayOptions>, message: RegExp]> = [
    [{ tokenSecret: 'short' }, /^tokenSecret must be a string of at least 32 characters$/],
    [{ tokenSecret: SECRET, tokenSecretPrevious: 'short' }, /^tokenSecretPrevious must be a string of at least 32/],
    [{ tokenSecretPrevious: PREVIOUS }, /^tokenSecretPrevious needs tokenSecret/],
    [
      { tokenPublicKey: 'not a key' },
      /^tokenPublicKey must be an ES256 \(P-256\) or RS256 public key in PEM, or a JWKS URL/,
    ],
    [{ tokenPublicKey: ed }, /^tokenPublicKey must be an ES256/],
    [
      { tokenPublicKey: shortRsa },
      /^tokenPublicKey must be an ES256 .* \(a 1024-bit RSA key is shorter than 2048 bits\)$/,
    ],
    [
      { tokenPublicKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      /^tokenPublicKey must be a public key: this is a private key/,
    ],
    [
      { tokenSecret: SECRET, tokenPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      /^tokenSecret and tokenPublicKey cannot both be set/,
    ],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => createRelay({ noServer: true, ...options }),
      { name: 'TypeError', message },
      JSON.stringify(options),
    );
  }
});
