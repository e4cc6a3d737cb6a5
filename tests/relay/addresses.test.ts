import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRelay } from '../../relay/index.js';
import { addressKey } from '../../relay/addresses.js';
import { clientsOf, startRelay, TRANSPORTS, waitUntil } from './helpers.js';

// Every address of 127.0.0.0/8 is this machine's loopback on Linux: a client that binds
// 127.0.0.2 is another address to the relay, and its packets never leave the machine.
const ANOTHER_ADDRESS = '127.0.0.2';

for (const transport of TRANSPORTS) {
  describe(`per-address limits over ${transport}`, () => {
    const { connect, joined } = clientsOf(transport);

    test('past maxConnectionsPerIp one address gets too-many-connections and 1013, and another still gets in', async (t) => {
      const { url, relay } = await startRelay(t, { maxConnectionsPerIp: 2 });
      await joined(t, url, 'room');
      await joined(t, url, 'room');
      const third = await connect(t, url);
      assert.match((await third.nextError('too-many-connections')).hint!, /one address \(2\)/);
      assert.equal(await third.closeCode(), 1013);

      const neighbour = await connect(t, url, { localAddress: ANOTHER_ADDRESS });
      assert.equal((await neighbour.join('room')).room, 'room');
      assert.equal(relay.stats().connections, 3);
    });

    test('a connection that ends gives its place back to its address', async (t) => {
      const { url, relay } = await startRelay(t, { maxConnectionsPerIp: 1 });
      const first = await joined(t, url, 'room');
      first.client.leave();
      await waitUntil(() => relay.stats().connections === 0);
      assert.equal((await joined(t, url, 'room')).welcome.room, 'room');
    });

    test('past joinsPerMinutePerIp an address gets too-many-joins and 1013, and another still joins', async (t) => {
      const { url } = await startRelay(t, { joinsPerMinutePerIp: 2 });
      await joined(t, url, 'room');
      await joined(t, url, 'room');
      const third = await connect(t, url);
      third.send({ type: 'join', room: 'room' });
      assert.match((await third.nextError('too-many-joins')).hint!, /\(2 a minute\)/);
      assert.equal(await third.closeCode(), 1013);

      const neighbour = await joined(t, url, 'room', {}, { localAddress: ANOTHER_ADDRESS });
      assert.equal(neighbour.welcome.room, 'room');
    });

    test('X-Forwarded-For counts only from a trusted proxy, and then names the address that is limited', async (t) => {
      const behindProxy = await startRelay(t, { maxConnectionsPerIp: 1, trustProxy: ['loopback'] });
      const forwarded = (address: string) => ({ headers: { 'x-forwarded-for': `198.51.100.7, ${address}` } });
      await joined(t, behindProxy.url, 'room', {}, forwarded('203.0.113.1'));
      // Through the same proxy, another client is another address.
      await joined(t, behindProxy.url, 'room', {}, forwarded('203.0.113.2'));
      const again = await connect(t, behindProxy.url, forwarded('203.0.113.1'));
      await again.nextError('too-many-connections');

      // Without trustProxy, the header is anyone's to write and changes nothing.
      const direct = await startRelay(t, { maxConnectionsPerIp: 1 });
      await joined(t, direct.url, 'room', {}, forwarded('203.0.113.1'));
      const spoofing = await connect(t, direct.url, forwarded('203.0.113.2'));
      await spoofing.nextError('too-many-connections');
    });
  });
}

test('limits count IPv4 as it is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
  assert.equal(addressKey('203.0.113.9'), '203.0.113.9');
  assert.equal(addressKey('::ffff:203.0.113.9'), '203.0.113.9');
  assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8:1:2::ffff'), '2001:db8:1:2::/64');
  assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
});

test('a trustProxy entry that is no address, block or range name is a TypeError naming it', () => {
  assert.throws(
    () => createRelay({ noServer: true, trustProxy: ['10.0.0.0/8', 'proxy.example.org'] }),
    (error: Error) => error instanceof TypeError && /^trustProxy has "proxy.example.org" is not/.test(error.message),
  );
  const relay = createRelay({ noServer: true, trustProxy: ['loopback', '10.0.0.0/8', '2001:db8::1'] });
  void relay.close();
});
