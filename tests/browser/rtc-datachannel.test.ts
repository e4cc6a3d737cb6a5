// <rtc-datachannel> with real relays and real peers. Elements in one page with the same
// (signaling, room) share one Room by design, so each peer here gets its own endpoint URL
// (`?peer=a`, `?peer=b`: the same relay) and with it its own socket and RTCPeerConnections.
import { expect, fixture, html } from '@open-wc/testing';
import '../../components/rtc-datachannel.js';
import type { RtcDatachannel } from '../../components/rtc-datachannel.js';
import type { MessageDetail, TransferProgressDetail } from '../../components/rtc-datachannel.js';
import { Room } from '../../components/internal/mesh/room.js';
import { channelIdOf } from '../../components/internal/mesh/framing.js';
import type { PeerErrorDetail } from '../../components/internal/controllers/room-events.js';
import { nextEvent, relayStats, startRelay, stopRelay, uniqueName, until, freshRoom } from './helpers.js';

interface Peers {
  relay: string;
  url: string;
  room: string;
  els: RtcDatachannel[];
}

/** Peers `names` in one room of a fresh relay, each with its own endpoint; waits until all are linked. */
async function peers(names: string[], label = 'data'): Promise<Peers> {
  const { relay, url, room } = await freshRoom();
  const host = await fixture<HTMLDivElement>(html`<div>
    ${names.map((name) => html`<rtc-datachannel room=${room} label=${label} name=${name} signaling=${`${url}?peer=${name}`}></rtc-datachannel>`)}
  </div>`);
  const els = [...host.querySelectorAll('rtc-datachannel')];
  await allOpen(els, names.length - 1);
  return { relay, url, room, els };
}

/** Waits until each element has an open channel to `count` peers; the error says where each stands. */
async function allOpen(els: RtcDatachannel[], count: number, timeout?: number): Promise<void> {
  try {
    await until(() => els.every((el) => el.openPeers.length === count), 'every channel open', timeout);
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${describeRooms()}`);
  }
}

/** Where every Room of the page stands: the message of a failed wait. */
function describeRooms(): string {
  return (
    [...Room.open.values()]
      .map((room) => {
        const links = [...room.links.values()].map((link) => {
          const { pc } = link;
          const count = (sdp = '') => sdp.split('a=candidate').length - 1;
          return `${link.remoteId.slice(0, 6)}${link.polite ? ' polite' : ''}: ${pc.signalingState}/${pc.iceGatheringState}/${pc.iceConnectionState}/${pc.connectionState} sctp=${pc.sctp?.state} candidates local=${count(pc.localDescription?.sdp)} remote=${count(pc.remoteDescription?.sdp)}`;
        });
        return `[${room.key.split('?')[1]} ${room.state} ${room.id?.slice(0, 6)} links: ${links.join('; ')}]`;
      })
      .join(' ') + ` errors: ${JSON.stringify(errors)}`
  );
}

const errors: unknown[] = [];
for (const type of ['rtc-peer-error', 'rtc-signaling-error'] as const) {
  document.addEventListener(type, (event) => errors.push({ type, ...event.detail }));
}

/** Every `rtc-message` detail `el` receives from now on. */
function messages(el: RtcDatachannel): MessageDetail[] {
  const got: MessageDetail[] = [];
  el.addEventListener('rtc-message', (event) => got.push(event.detail));
  return got;
}

async function sha256(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** `size` bytes of noise (getRandomValues fills at most 64 KiB per call). */
function noise(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65536) crypto.getRandomValues(bytes.subarray(offset, offset + 65536));
  return bytes;
}

/** A file of `mib` MiB built from 1 MiB of noise, each copy stamped so no two MiB are alike. */
function bigFile(mib: number, name: string): File {
  const base = noise(1024 * 1024);
  const parts = Array.from({ length: mib }, (_, i) => {
    const part = base.slice();
    new DataView(part.buffer).setUint32(0, i);
    return part;
  });
  return new File(parts, name, { type: 'application/octet-stream' });
}

describe('<rtc-datachannel>', () => {
  it('text, binary, Blob and JSON messages arrive intact, in order, typed as sent', async () => {
    const {
      els: [a, b],
    } = await peers(['a', 'b']);
    const got = messages(b!);
    a!.send('héllo 👋');
    a!.send(new Uint16Array([1, 2, 65535]));
    a!.send(new Blob(['a blob']));
    a!.sendJSON({ list: [1, 'two', null], nested: { ok: true } });
    await until(() => got.length === 4, 'four messages');
    expect(got.map((m) => m.type)).to.deep.equal(['string', 'binary', 'blob', 'json']);
    expect(got.every((m) => m.from === a!.peerId)).to.equal(true);
    expect(got[0]!.data).to.equal('héllo 👋');
    expect([...new Uint16Array(got[1]!.data as ArrayBuffer)]).to.deep.equal([1, 2, 65535]);
    expect(await (got[2]!.data as Blob).text()).to.equal('a blob');
    expect(got[3]!.data).to.deep.equal({ list: [1, 'two', null], nested: { ok: true } });
  });

  it('a message sent to one peer reaches that peer only; one sent to all reaches everyone', async () => {
    const {
      els: [a, b, c],
    } = await peers(['a', 'b', 'c']);
    const toB = messages(b!);
    const toC = messages(c!);
    a!.send('for b only', { to: b!.peerId! });
    a!.send('for all');
    await until(() => toB.length === 2 && toC.length === 1, 'the messages');
    expect(toB.map((m) => m.data)).to.deep.equal(['for b only', 'for all']);
    // Same channel, first in first out: had c been sent the first message it would have come first.
    expect(toC.map((m) => m.data)).to.deep.equal(['for all']);
    expect(() => a!.send('x', { to: 'nobody' })).to.throw(/nobody/);
  });

  it('2,000 small messages in a row all arrive, in the order sent', async () => {
    const {
      els: [a, b],
    } = await peers(['a', 'b']);
    const got = messages(b!);
    const count = 2000;
    for (let i = 0; i < count; i++) {
      if (i % 3 === 0) a!.send(`line ${i}`);
      else if (i % 3 === 1) a!.send(new Uint32Array([i]));
      else a!.sendJSON({ i });
    }
    await until(() => got.length === count, `${count} messages`, 20_000);
    const values = got.map(({ type, data }) =>
      type === 'string'
        ? Number((data as string).slice(5))
        : type === 'binary'
          ? new Uint32Array(data as ArrayBuffer)[0]
          : (data as { i: number }).i,
    );
    expect(values).to.deep.equal(Array.from({ length: count }, (_, i) => i));
  });

  it('a view on a SharedArrayBuffer is sent as a copy of its bytes', async () => {
    const {
      els: [a, b],
    } = await peers(['a', 'b']);
    const got = messages(b!);
    // Shared WebAssembly memory gives a SharedArrayBuffer even in a page that is not cross-origin isolated.
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer;
    expect(Object.prototype.toString.call(shared)).to.equal('[object SharedArrayBuffer]');
    const view = new Uint8Array(shared, 100, 5);
    view.set([1, 2, 3, 4, 5]);
    a!.send(view);
    view.fill(0); // the caller may reuse its buffer at once
    await until(() => got.length === 1, 'the message');
    expect(got[0]!.type).to.equal('binary');
    expect([...new Uint8Array(got[0]!.data as ArrayBuffer)]).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('a 4 MiB message (larger than the max message size) arrives whole', async () => {
    const {
      els: [a, b],
    } = await peers(['a', 'b']);
    const got = messages(b!);
    const big = noise(4 * 1024 * 1024);
    a!.send(big);
    await until(() => got.length === 1, 'the 4 MiB message', 20_000);
    const data = new Uint8Array(got[0]!.data as ArrayBuffer);
    expect(data.byteLength).to.equal(big.byteLength);
    expect(await sha256(new Blob([data as BlobPart]))).to.equal(await sha256(new Blob([big])));
  });

  it('a 32 MiB file arrives with the same SHA-256, progress rising to total on both sides, the channel never closed', async () => {
    const {
      els: [a, b],
    } = await peers(['a', 'b']);
    const file = bigFile(32, 'big.bin');
    const closes: unknown[] = [];
    for (const el of [a!, b!]) el.addEventListener('rtc-close', (event) => closes.push(event.detail));
    const progress: Record<string, TransferProgressDetail[]> = { send: [], receive: [] };
    a!.addEventListener('rtc-transfer-progress', (event) => progress[event.detail.direction]!.push(event.detail));
    b!.addEventListener('rtc-transfer-progress', (event) => progress[event.detail.direction]!.push(event.detail));
    const arrived = nextEvent<CustomEvent<{ id: string; from: string; file: File }>>(
      b!,
      'rtc-file',
      'the file',
      25_000,
    );
    const id = a!.sendFile(file);
    const { detail } = await arrived;
    expect(detail.id).to.equal(id);
    expect(detail.from).to.equal(a!.peerId);
    expect(detail.file.name).to.equal('big.bin');
    expect(detail.file.type).to.equal('application/octet-stream');
    expect(detail.file.size).to.equal(file.size);
    expect(await sha256(detail.file)).to.equal(await sha256(file));
    for (const direction of ['send', 'receive']) {
      const loaded = progress[direction]!.map((p) => p.loaded);
      expect(loaded.length, direction).to.be.greaterThan(10);
      expect(
        loaded.every((value, i) => i === 0 || value >= loaded[i - 1]!),
        `${direction} is monotonic`,
      ).to.equal(true);
      expect(loaded.at(-1), direction).to.equal(file.size);
      expect(progress[direction]!.every((p) => p.total === file.size && p.id === id)).to.equal(true);
    }
    expect(closes).to.deep.equal([]);
    expect(a!.transfers).to.deep.equal([]);
    expect(b!.transfers).to.deep.equal([]);
    // And the channel still carries messages.
    const after = nextEvent<CustomEvent<MessageDetail>>(b!, 'rtc-message');
    a!.send('still open');
    expect((await after).detail.data).to.equal('still open');
  });

  it('a peer that leaves mid-transfer gives the other side a peer-left error and frees the transfer', async () => {
    const {
      els: [a, b],
    } = await peers(['a', 'b']);
    const failed = nextEvent<
      CustomEvent<{ id: string; peer: string; code: string; direction: string; message: string }>
    >(b!, 'rtc-transfer-error');
    let files = 0;
    b!.addEventListener('rtc-file', () => files++);
    const id = a!.sendFile(bigFile(16, 'gone.bin'));
    await until(() => b!.transfers.some((t) => t.id === id && t.loaded > 0), 'the transfer under way');
    const aId = a!.peerId;
    a!.remove();
    const { detail } = await failed;
    expect(detail).to.include({ id, peer: aId, code: 'peer-left', direction: 'receive' });
    expect(detail.message).to.match(/left|closed/);
    expect(b!.transfers).to.deep.equal([]);
    expect(files).to.equal(0);
  });

  it('cancelTransfer on the receiving side stops the sender with `cancelled`', async () => {
    const {
      els: [a, b],
    } = await peers(['a', 'b']);
    const senderError = nextEvent<CustomEvent<{ id: string; code: string; direction: string }>>(
      a!,
      'rtc-transfer-error',
    );
    const id = a!.sendFile(bigFile(16, 'stop.bin'));
    await until(() => b!.transfers.some((t) => t.id === id && t.loaded > 0), 'the transfer under way');
    expect(b!.cancelTransfer(id)).to.equal(true);
    expect((await senderError).detail).to.include({ id, code: 'cancelled', direction: 'send' });
    await until(() => a!.transfers.length === 0 && b!.transfers.length === 0, 'both sides freed');
  });

  it('a relay restart keeps the channel, and a peer joining afterwards connects to both', async () => {
    const {
      relay,
      url,
      room,
      els: [a, b],
    } = await peers(['a', 'b']);
    const got = messages(b!);
    await stopRelay(relay);
    a!.send('while the relay is down');
    await until(() => got.length === 1, 'a message during the outage');
    await startRelay(relay);
    await until(() => a!.state === 'joined' && b!.state === 'joined', 'both rejoined', 25_000);
    const c = document.createElement('rtc-datachannel');
    Object.assign(c, { room, label: 'data', signaling: `${url}?peer=c` });
    a!.parentElement!.append(c);
    await allOpen([a!, b!, c], 2, 20_000);
    a!.send('after the restart');
    await until(() => got.length === 2, 'a message after the restart');
    expect(got.map((m) => m.data)).to.deep.equal(['while the relay is down', 'after the restart']);
    // The first two kept their ids: the third sees exactly them.
    expect(c.peers.map((p) => p.id).sort()).to.deep.equal([a!.peerId, b!.peerId].sort());
  });

  it('elements in one room share one socket and one connection per remote peer; labels keep their messages apart', async () => {
    const relay = uniqueName('relay');
    const url = await startRelay(relay);
    const room = uniqueName('room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel id="a1" room=${room} signaling=${`${url}?peer=a`}></rtc-datachannel>
      <rtc-datachannel id="a2" room=${room} label="chat" signaling=${`${url}?peer=a`}></rtc-datachannel>
      <rtc-datachannel id="b1" room=${room} signaling=${`${url}?peer=b`}></rtc-datachannel>
      <rtc-datachannel id="b2" room=${room} label="chat" signaling=${`${url}?peer=b`}></rtc-datachannel>
    </div>`);
    const [a1, a2, b1, b2] = ['a1', 'a2', 'b1', 'b2'].map((id) => host.querySelector<RtcDatachannel>(`#${id}`)!);
    await allOpen([a1!, a2!, b1!, b2!], 1);
    expect((await relayStats(relay))?.connections).to.equal(2);
    const roomA = Room.open.get(`${new URL(`${url}?peer=a`).href} ${room}`)!;
    expect(roomA.links.size).to.equal(1);
    const [link] = roomA.links.values();
    expect(link!.pc.connectionState).to.equal('connected');
    expect(a1!.peerId).to.equal(a2!.peerId);

    const data = messages(b1!);
    const chat = messages(b2!);
    a1!.send('on data');
    a2!.send('on chat');
    await until(() => data.length === 1 && chat.length === 1, 'one message each');
    expect(data[0]!.data).to.equal('on data');
    expect(chat[0]!.data).to.equal('on chat');

    // The Room lives while one element still uses it, and goes with the last one.
    a2!.remove();
    await until(() => b2!.openPeers.length === 0, "the chat channel's close reached b");
    expect(Room.open.get(roomA.key)).to.equal(roomA);
    expect(a1!.openPeers).to.have.length(1);
    a1!.remove();
    await until(() => !Room.open.has(roomA.key), 'the room released');
    expect(link!.pc.connectionState).to.equal('closed');
    await until(async () => (await relayStats(relay))?.connections === 1, 'one socket left on the relay');
  });

  it('an element that leaves and comes back with the same label reopens the channel; queued messages wait for it', async () => {
    const {
      url,
      room,
      els: [a, b],
    } = await peers(['a', 'b']);
    const bId = b!.peerId!;
    const parent = b!.parentElement!;
    // The Room stays (another element holds it), only the `data` channel goes.
    const holder = document.createElement('rtc-datachannel');
    Object.assign(holder, { room, label: 'holder', signaling: `${url}?peer=b` });
    parent.append(holder);
    b!.remove();
    await until(() => a!.openPeers.length === 0, 'the data channel closed on a');
    a!.send('sent while b had no element');
    const back = document.createElement('rtc-datachannel');
    Object.assign(back, { room, label: 'data', signaling: `${url}?peer=b` });
    const got = messages(back);
    parent.append(back);
    await until(() => got.length === 1, 'the queued message');
    expect(back.peerId).to.equal(bId);
    expect(got[0]!.data).to.equal('sent while b had no element');
    expect(a!.openPeers).to.deep.equal([bId]);
  });

  it('a label whose channel id collides with another in the same Room is refused with label-collision', async () => {
    const relay = uniqueName('relay');
    const url = await startRelay(relay);
    const room = uniqueName('room');
    // Find two labels with the same stream id (FNV-1a into 1024: a collision within a few dozen).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const label = `l${i}`;
      const id = channelIdOf(label);
      if (seen.has(id)) pair = [seen.get(id)!, label];
      else seen.set(id, label);
    }
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} label=${pair[0]} signaling=${url}></rtc-datachannel>
    </div>`);
    const second = document.createElement('rtc-datachannel');
    Object.assign(second, { room, label: pair[1], signaling: url });
    const refused = nextEvent<CustomEvent<{ peer: string; code: string; hint: string }>>(second, 'rtc-peer-error');
    host.append(second);
    const { detail } = await refused;
    expect(detail).to.include({ peer: '', code: 'label-collision' });
    expect(detail.hint).to.match(/rename/i);
    expect(() => second.send('x')).to.throw(/not in a room/);
  });

  it('an unreliable channel the other page never answers stops asking once its element leaves', async () => {
    const { url, room, els } = await peers(['a', 'b']);
    // Only a has the label "fast": its Hello is never answered, so it asks again every second.
    const fast = document.createElement('rtc-datachannel');
    Object.assign(fast, { room, label: 'fast', ordered: false, maxRetransmits: 0, signaling: `${url}?peer=a` });
    els[0]!.after(fast);
    const realSetTimeout = window.setTimeout;
    let retries = 0;
    window.setTimeout = ((handler: TimerHandler, delay?: number, ...rest: unknown[]) => {
      if (delay === 1000) retries++;
      return realSetTimeout(handler, delay, ...rest);
    }) as typeof window.setTimeout;
    try {
      await until(() => retries >= 2, 'Hello asked again');
      fast.remove();
      await new Promise((resolve) => realSetTimeout(resolve, 100));
      retries = 0;
      await new Promise((resolve) => realSetTimeout(resolve, 2500));
      expect(retries).to.equal(0);
    } finally {
      window.setTimeout = realSetTimeout;
    }
  });

  it('an unordered, unreliable channel carries messages (chunked ones too) and refuses files with unsuitable-channel', async () => {
    const url = await startRelay(uniqueName('relay'));
    const room = uniqueName('room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} label="fast" ordered="false" max-retransmits="0" signaling=${`${url}?peer=a`}></rtc-datachannel>
      <rtc-datachannel room=${room} label="fast" ordered="false" max-retransmits="0" signaling=${`${url}?peer=b`}></rtc-datachannel>
    </div>`);
    const [a, b] = [...host.querySelectorAll('rtc-datachannel')];
    expect(a!.ordered).to.equal(false);
    expect(a!.maxRetransmits).to.equal(0);
    await allOpen([a!, b!], 1);
    const got = messages(b!);
    const big = noise(200_000);
    a!.send('small');
    a!.send(big);
    // Loopback loses nothing, so both arrive (in either order).
    await until(() => got.length === 2, 'both messages');
    const binary = got.find((m) => m.type === 'binary')!;
    expect(new Uint8Array(binary.data as ArrayBuffer)).to.deep.equal(big);
    expect(got.find((m) => m.type === 'string')!.data).to.equal('small');
    let error: unknown;
    try {
      a!.sendFile(new Blob(['x']));
    } catch (caught) {
      error = caught;
    }
    expect(error).to.include({ code: 'unsuitable-channel' });
  });

  it('a message over max-message-size and a file over max-file-size are refused on both sides with too-large; the channel keeps working', async () => {
    const url = await startRelay(uniqueName('relay'));
    const room = uniqueName('room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} signaling=${`${url}?peer=a`}></rtc-datachannel>
      <rtc-datachannel room=${room} max-message-size="100000" max-file-size="250000" signaling=${`${url}?peer=b`}></rtc-datachannel>
    </div>`);
    const [a, b] = [...host.querySelectorAll('rtc-datachannel')];
    expect(b!.maxMessageSize).to.equal(100_000);
    await allOpen([a!, b!], 1);
    const got = messages(b!);
    const refusedHere = nextEvent<CustomEvent<{ peer: string; code: string; direction: string; hint: string }>>(
      b!,
      'rtc-message-error',
    );
    const refusedThere = nextEvent<CustomEvent<{ peer: string; code: string; direction: string; hint: string }>>(
      a!,
      'rtc-message-error',
    );
    a!.send(noise(300_000));
    expect((await refusedHere).detail).to.include({ peer: a!.peerId, code: 'too-large', direction: 'receive' });
    expect((await refusedThere).detail).to.include({ peer: b!.peerId, code: 'too-large', direction: 'send' });
    expect((await refusedHere).detail.hint).to.match(/max-message-size/);
    // Under the limit: delivered, after the refused one, which never arrives.
    const small = noise(90_000);
    a!.send(small);
    a!.send('after');
    await until(() => got.length === 2, 'the messages under the limit');
    expect(new Uint8Array(got[0]!.data as ArrayBuffer)).to.deep.equal(small);
    expect(got[1]!.data).to.equal('after');

    const fileHere = nextEvent<CustomEvent<{ id: string; code: string; direction: string; hint: string }>>(
      b!,
      'rtc-transfer-error',
    );
    const fileThere = nextEvent<CustomEvent<{ id: string; code: string; direction: string }>>(a!, 'rtc-transfer-error');
    let files = 0;
    b!.addEventListener('rtc-file', () => files++);
    const id = a!.sendFile(new File([noise(300_000)], 'big.bin'));
    expect((await fileHere).detail).to.include({ id, code: 'too-large', direction: 'receive' });
    expect((await fileHere).detail.hint).to.match(/max-file-size/);
    expect((await fileThere).detail).to.include({ id, code: 'too-large', direction: 'send' });
    await until(() => a!.transfers.length === 0 && b!.transfers.length === 0, 'both sides freed');
    // A file under the limit still arrives, and so do messages.
    const arrived = nextEvent<CustomEvent<{ file: File }>>(b!, 'rtc-file');
    a!.sendFile(new File([noise(200_000)], 'ok.bin'));
    expect((await arrived).detail.file.size).to.equal(200_000);
    a!.send('still open');
    await until(() => got.length === 3, 'a message after the refused file');
    expect(files).to.equal(1);
    expect(a!.openPeers).to.deep.equal([b!.peerId]);
  });

  it("uses the relay's ICE servers, and an ice-servers attribute overrides them", async () => {
    // Ports nothing listens on here, and that no browser blocks (Firefox refuses 7 and 9, for one).
    const relayIce = [{ urls: 'turn:127.0.0.1:3478', username: 'relay', credential: 'secret' }];
    const ownIce = [{ urls: 'turn:127.0.0.1:3479', username: 'own', credential: 'other' }];
    const url = await startRelay(uniqueName('relay'), { iceServers: relayIce });
    const room = uniqueName('room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} signaling=${`${url}?peer=a`}></rtc-datachannel>
      <rtc-datachannel room=${room} signaling=${`${url}?peer=b`} ice-servers=${JSON.stringify(ownIce)}></rtc-datachannel>
    </div>`);
    const [a, b] = [...host.querySelectorAll('rtc-datachannel')];
    await allOpen([a!, b!], 1);
    // The members set here (Firefox adds a `credentialType`), `urls` as a list.
    const configOf = (el: RtcDatachannel) => {
      const roomOf = [...Room.open.values()].find((r) => r.id === el.peerId)!;
      const { iceServers = [] } = [...roomOf.links.values()][0]!.pc.getConfiguration();
      return iceServers.map(({ urls, username, credential }) => ({ urls: [urls].flat(), username, credential }));
    };
    expect(configOf(a!)).to.deep.include.members(relayIce.map((s) => ({ ...s, urls: [s.urls] })));
    expect(configOf(b!)).to.deep.include.members(ownIce.map((s) => ({ ...s, urls: [s.urls] })));
  });

  it('ICE servers the browser refuses give one rtc-peer-error per peer (ice-servers-refused), not a silent missing link', async () => {
    // A turn: URL without credentials: every browser's RTCPeerConnection constructor throws on it.
    const refused = [{ urls: 'turn:127.0.0.1:3478' }];
    const { url, room } = await freshRoom();
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} signaling=${`${url}?peer=a`}></rtc-datachannel>
    </div>`);
    const a = host.querySelector('rtc-datachannel')!;
    await until(() => a.peerId, 'a in the room');
    const b = Object.assign(document.createElement('rtc-datachannel'), {
      room,
      signaling: `${url}?peer=b`,
      iceServers: refused,
    });
    const errors: PeerErrorDetail[] = [];
    b.addEventListener('rtc-peer-error', ({ detail }) => errors.push(detail));
    host.append(b);
    await until(() => errors.length > 0, 'rtc-peer-error at b');
    expect(errors[0]).to.include({ peer: a.peerId, code: 'ice-servers-refused' });
    expect(errors[0]!.hint).to.match(/ICE server/);
    // a's offer and candidates reach b meanwhile: still one error, and no link to a.
    const c = Object.assign(document.createElement('rtc-datachannel'), { room, signaling: `${url}?peer=c` });
    host.append(c);
    await allOpen([a, c], 1);
    await until(() => errors.length === 2, 'the error for c');
    expect(errors.map((error) => error.peer)).to.deep.equal([a.peerId, c.peerId]);
    expect(b.openPeers).to.deep.equal([]);
  });

  it('ICE servers refused while links are up give rtc-peer-error for each link, which stays up', async () => {
    const {
      els: [a, b],
    } = await peers(['a', 'b']);
    const errors: PeerErrorDetail[] = [];
    b!.addEventListener('rtc-peer-error', ({ detail }) => errors.push(detail));
    b!.iceServers = [{ urls: 'turn:127.0.0.1:3478' }];
    await until(() => errors.length > 0, 'rtc-peer-error at b');
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ peer: a!.peerId, code: 'ice-servers-refused' });
    const got = nextEvent<CustomEvent<MessageDetail>>(a!, 'rtc-message');
    b!.send('still linked');
    expect((await got).detail.data).to.equal('still linked');
  });

  it('a signaling URL that is not ws(s) or http(s) gives rtc-signaling-error, not an exception', async () => {
    const el = document.createElement('rtc-datachannel');
    Object.assign(el, { room: uniqueName('room'), signaling: 'ftp://example.invalid/signal' });
    const failed = nextEvent<CustomEvent<{ code: string; fatal: boolean; hint: string }>>(el, 'rtc-signaling-error');
    await fixture(html`<div></div>`).then((host) => host.append(el));
    const { detail } = await failed;
    expect(detail).to.include({ code: 'connection-failed', fatal: true });
    expect(detail.hint).to.match(/signaling/);
    expect(el.state).to.equal('idle');
  });
});
