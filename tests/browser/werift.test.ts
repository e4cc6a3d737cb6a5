// A peer that is not a browser, written from docs/protocol.md and docs/datachannel.md alone (a Node
// peer on werift, tests/browser/werift-peer.ts, run by werift-plugin.ts in the test server), talks to
// <rtc-datachannel> in Chromium: text, JSON, binary and a file each way, in both join orders.
// The werift peer's signaling goes over either transport (its openTransport()); the element uses
// its default (`auto`, WebSocket here).
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../../components/rtc-datachannel.js';
import type { FileDetail, MessageDetail } from '../../components/rtc-datachannel.js';
import { freshRoom, nextEvent, relayStats, until } from './helpers.js';

const TRANSPORTS = ['websocket', 'sse'] as const;
const ORDERS = ['the element joins first', 'the werift peer joins first'] as const;

interface Received {
  messages: { type: string; data: unknown }[];
  files: { id: string; name: string; type: string; size: number; sha256: string; intact: boolean }[];
  errors: string[];
}

const command = <T>(name: string, payload: object) => executeServerCommand(name, payload) as Promise<T>;

async function sha256(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

for (const transport of TRANSPORTS) {
  for (const order of ORDERS) {
    describe(`a werift peer over ${transport}, when ${order}`, () => {
      let weriftId = '';
      afterEach(async () => {
        if (weriftId) await command('werift-close', { peer: weriftId });
        weriftId = '';
      });

      it('exchanges text, JSON, binary and a file (SHA-256 checked) with <rtc-datachannel>, both ways', async function () {
        this.timeout(90_000);
        const { relay, url, room } = await freshRoom();
        const host = await fixture<HTMLDivElement>(html`<div></div>`);
        const element = document.createElement('rtc-datachannel');
        Object.assign(element, { room, signaling: url, name: 'browser' });
        const join = async () => {
          weriftId = (await command<{ id: string }>('werift-join', { url, room, transport, name: 'werift' })).id;
        };
        if (order === 'the element joins first') {
          host.append(element);
          await until(() => element.state === 'joined', 'the element joined');
          await join();
        } else {
          await join();
          host.append(element);
        }
        await until(() => element.openPeers.includes(weriftId), "the element's channel to the werift peer", 30_000);
        await command('werift-ready', { peer: weriftId, to: element.peerId });
        expect(element.peers.find((peer) => peer.id === weriftId)?.name).to.equal('werift');
        // The werift peer's connection is the one over `transport` (the element's is over WebSocket).
        const { transports } = (await relayStats(relay))!;
        expect(transports[transport]).to.equal(transport === 'sse' ? 1 : 2);

        // The element to the werift peer.
        const to = weriftId;
        element.send('héllo 👋', { to });
        element.sendJSON({ list: [1, 'two', null], nested: { ok: true } }, { to });
        element.send(new Uint8Array([0, 1, 254, 255]), { to });
        const bytes = new Uint8Array(300_000).map((_, index) => (index * 7) % 256);
        const file = new File([bytes], 'from-the-browser.bin', { type: 'application/octet-stream' });
        const sentId = element.sendFile(file, { to });
        const received = await until(async () => {
          const got = await command<Received | null>('werift-received', { peer: weriftId, from: element.peerId });
          return got && got.messages.length === 3 && got.files.length === 1 ? got : undefined;
        }, 'everything at the werift peer');
        expect(received.errors).to.deep.equal([]);
        expect(received.messages).to.deep.equal([
          { type: 'string', data: 'héllo 👋' },
          { type: 'json', data: { list: [1, 'two', null], nested: { ok: true } } },
          { type: 'binary', data: [0, 1, 254, 255] },
        ]);
        expect(received.files[0]).to.deep.include({
          id: sentId,
          name: 'from-the-browser.bin',
          type: 'application/octet-stream',
          size: 300_000,
          sha256: await sha256(file),
          intact: true,
        });

        // The werift peer to the element.
        const messages: MessageDetail[] = [];
        element.addEventListener('rtc-message', ({ detail }) => messages.push(detail));
        const fileArrived = nextEvent<CustomEvent<FileDetail>>(element, 'rtc-file', 'the werift file', 60_000);
        const send = (kind: string, value: unknown) =>
          command('werift-send', { peer: weriftId, to: element.peerId, kind, value });
        await send('text', 'hello from node');
        await send('json', { n: 42, ok: [true] });
        await send('binary', [9, 8, 7]);
        const sent = await command<{ id: string; sha256: string }>('werift-send', {
          peer: weriftId,
          to: element.peerId,
          kind: 'file',
          value: { name: 'from-node.bin', type: 'application/x-test', size: 200_000 },
        });
        const { detail } = await fileArrived;
        expect(detail).to.include({ id: sent.id, from: weriftId });
        expect([detail.file.name, detail.file.type, detail.file.size]).to.deep.equal([
          'from-node.bin',
          'application/x-test',
          200_000,
        ]);
        expect(await sha256(detail.file)).to.equal(sent.sha256);
        await until(() => messages.length === 3, 'three messages from the werift peer');
        expect(messages.map(({ type }) => type)).to.deep.equal(['string', 'json', 'binary']);
        expect(messages[0]!.data).to.equal('hello from node');
        expect(messages[1]!.data).to.deep.equal({ n: 42, ok: [true] });
        expect([...new Uint8Array(messages[2]!.data as ArrayBuffer)]).to.deep.equal([9, 8, 7]);
        expect(messages.every((message) => message.from === weriftId)).to.equal(true);
      });
    });
  }
}
