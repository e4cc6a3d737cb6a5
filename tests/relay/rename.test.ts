// The `name` message: a member changes the name the others see, and they get `peer-renamed`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientsOf, startRelay, TRANSPORTS } from './helpers.js';

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    const { connect, joined } = clientsOf(transport);

    test('a rename reaches the others as peer-renamed, not the renamer, and later joiners see the new name', async (t) => {
      const { url } = await startRelay(t);
      const alice = await joined(t, url, 'standup', { name: 'Guest' });
      const bob = await joined(t, url, 'standup', { name: 'Bob' });
      await alice.client.next(); // peer-joined Bob

      alice.client.send({ type: 'name', name: 'Ada Lovelace' });
      assert.deepEqual(await bob.client.next(), { type: 'peer-renamed', id: alice.id, name: 'Ada Lovelace' });
      // Alice hears nothing of her own rename: the next thing she gets is Bob's signal, sent after it.
      bob.client.send({ type: 'signal', to: alice.id, data: 'after' });
      assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'after' });

      const carol = await joined(t, url, 'standup');
      assert.deepEqual(carol.welcome.peers, [
        { id: alice.id, name: 'Ada Lovelace' },
        { id: bob.id, name: 'Bob' },
      ]);
    });

    test('a rename is validated as join.name: too long, not a string or missing is bad-message and changes nothing', async (t) => {
      const { url } = await startRelay(t, { maxNameLength: 8 });
      const alice = await joined(t, url, 'r', { name: 'Alice' });
      const bob = await joined(t, url, 'r');
      await alice.client.next(); // peer-joined

      for (const hostile of [{ name: 'x'.repeat(9) }, { name: 42 }, { name: null }, {}, { name: ['Eve'] }]) {
        alice.client.send({ type: 'name', ...hostile });
        const error = await alice.client.nextError('bad-message');
        assert.match(error.message, /at most 8 characters/);
      }
      const carol = await joined(t, url, 'r');
      assert.equal(carol.welcome.peers.find((peer) => peer.id === alice.id)?.name, 'Alice');
      // Bob was told nothing: his next message is Carol's arrival.
      assert.deepEqual(await bob.client.next(), { type: 'peer-joined', id: carol.id, name: '' });
    });

    test('a rename before join is not-joined, and the connection stays open', async (t) => {
      const { url } = await startRelay(t);
      const client = await connect(t, url);
      client.send({ type: 'name', name: 'Early' });
      await client.nextError('not-joined');
      const welcome = await client.join('r', { name: 'Later' });
      assert.equal(welcome.room, 'r');
    });
  });
}
