// Received files in bounded memory: written to the Origin Private File System as they arrive,
// delivered as a File backed by it, removed when the page lets go of them (or, left by a page that
// is gone, at the next page's first file). Two real peers in one page, each with its own Room.
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { sha256 } from '@noble/hashes/sha2.js';
import '../../components/rtc-datachannel.js';
import type { RtcDatachannel } from '../../components/rtc-datachannel.js';
import type { MessageDetail } from '../../components/rtc-datachannel.js';
import { freshRoom, holdFileStorage, nextEvent, until } from './helpers.js';
import { frame, Kind, RawPeer, type RawFrame } from './raw-peer.js';
import { folder, pair, storedNames, transfer } from './files-harness.js';

const MiB = 1024 * 1024;
const gc = (window as { gc?: () => void }).gc;

/** The next file `el` receives; rejects on a transfer error or after `timeout` ms. */
function arrival(el: RtcDatachannel, timeout: number): Promise<File> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for the file')), timeout);
    el.addEventListener(
      'rtc-file',
      ({ detail }) => {
        clearTimeout(timer);
        resolve(detail.file);
      },
      { once: true },
    );
    el.addEventListener(
      'rtc-transfer-error',
      ({ detail }) => {
        clearTimeout(timer);
        reject(new Error(`the transfer failed: ${detail.code}: ${detail.message}`));
      },
      { once: true },
    );
  });
}

/** The resident memory of the page's renderer after a full GC, or null where it cannot be read. */
async function rendererMemory(): Promise<number | null> {
  gc?.();
  const result = (await executeServerCommand('renderer-memory')) as { rss: number } | null;
  return result?.rss ?? null;
}

/**
 * A `mib` MiB File of noise made one MiB at a time (each becomes a Blob at once, so the page never
 * holds more than a MiB of it), and its SHA-256.
 */
function noiseFile(mib: number, name: string): { file: File; digest: string } {
  const hash = sha256.create();
  const parts: Blob[] = [];
  const base = new Uint8Array(MiB);
  for (let offset = 0; offset < MiB; offset += 65536) crypto.getRandomValues(base.subarray(offset, offset + 65536));
  for (let index = 0; index < mib; index++) {
    const part = base.slice();
    new DataView(part.buffer).setUint32(0, index); // no two MiB alike
    hash.update(part);
    parts.push(new Blob([part]));
  }
  return { file: new File(parts, name, { type: 'application/octet-stream' }), digest: hex(hash.digest()) };
}

/** The SHA-256 of a Blob, read as a stream (never whole in memory). */
async function streamedDigest(blob: Blob): Promise<string> {
  const hash = sha256.create();
  const reader = blob.stream().getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return hex(hash.digest());
    hash.update(value);
  }
}

/** A receiving element and a RawPeer (frames written by hand, docs/datachannel.md) linked to it. */
async function receiverAndRawPeer() {
  const { url, room } = await freshRoom();
  const host = await fixture<HTMLDivElement>(
    html`<div><rtc-datachannel room=${room} signaling=${`${url}?peer=receiver`}></rtc-datachannel></div>`,
  );
  const receiver = host.querySelector('rtc-datachannel')!;
  await until(() => receiver.peerId, 'the receiver in the room');
  const raw = await RawPeer.join(`${url}?peer=raw`, room);
  rawPeers.push(raw);
  const link = await raw.ready(receiver.peerId!);
  await until(() => receiver.openPeers.includes(raw.id), "the receiver's channel to the raw peer");
  return { receiver, link };
}

const rawPeers: RawPeer[] = [];
afterEach(() => {
  for (const raw of rawPeers.splice(0)) raw.close();
});

/** Matches a Flow frame of `type` (0 pause, 1 resume) for transfer `id`. */
const flow = (id: number, type: number) => (raw: RawFrame) =>
  raw.kind === Kind.Flow && raw.type === type && raw.id === id;

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

describe('<rtc-datachannel> files in bounded memory', () => {
  // First in this file: the page has not received a file yet, so its first one sweeps the folder.
  it("a page's first received file removes the files of pages that are gone, and keeps those of live pages", async () => {
    const directory = await folder();
    await (await directory.getFileHandle('0123456789abcdef-1', { create: true }))
      .createWritable()
      .then((w) => w.close());
    await (await directory.getFileHandle('fedcba9876543210-1', { create: true }))
      .createWritable()
      .then((w) => w.close());
    // A live page of this origin holds the lock named after it (docs/datachannel.md, "Files").
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      void navigator.locks.request('rtc-elements-received:fedcba9876543210', () => {
        resolve();
        return new Promise<void>((done) => (release = done));
      });
    });
    await held;
    try {
      const [a, b] = await pair();
      const file = await transfer(a, b, new Uint8Array(1000).fill(7), 'first.bin');
      // The sweep runs in the background, after the first file's store is open.
      await until(async () => !(await storedNames()).includes('0123456789abcdef-1'), 'the stale file removed');
      expect(await storedNames()).to.include('fedcba9876543210-1');
      expect(new Uint8Array(await file.arrayBuffer())).to.deep.equal(new Uint8Array(1000).fill(7));
    } finally {
      release();
    }
  });

  it('a received file is a File backed by the private file system, removed once the page lets go of it', async function () {
    if (!gc) this.skip(); // needs --js-flags=--expose-gc (Chromium) to let go of it on demand
    const [a, b] = await pair();
    const before = await storedNames();
    // Kept only inside this function: once it returns, nothing refers to the File.
    const receive = async () => {
      const file = await transfer(a, b, new Uint8Array(300_000).fill(9), 'kept.bin');
      expect(file.name).to.equal('kept.bin');
      expect(file.size).to.equal(300_000);
      const added = (await storedNames()).filter((name) => !before.includes(name));
      expect(added, 'one stored file').to.have.length(1);
      return added[0]!;
    };
    const stored = await receive();
    await until(
      async () => {
        gc!();
        await new Promise((resolve) => setTimeout(resolve, 50));
        return !(await storedNames()).includes(stored);
      },
      'the stored file removed',
      20_000,
    );
  });

  it('a 256 MiB file arrives intact while the page grows by less than 64 MiB (sender and receiver both in it)', async function () {
    this.timeout(180_000);
    const [a, b] = await pair();
    const { file, digest } = noiseFile(256, 'big.bin');
    const before = await rendererMemory();
    if (before === null) this.skip(); // the browser's processes cannot be read here
    let peak = before!;
    let done = false;
    const arrived = arrival(b, 150_000).finally(() => (done = true));
    a.sendFile(file);
    while (!done) {
      const now = await rendererMemory();
      if (now !== null && now > peak) peak = now;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const received = await arrived;
    expect(peak - before!, `peak renderer growth ${((peak - before!) / MiB).toFixed(1)} MiB`).to.be.below(64 * MiB);
    expect(received.size).to.equal(256 * MiB);
    expect(await streamedDigest(received)).to.equal(digest);
  });

  it('a receiver whose storage falls behind pauses the sender (messages still flow) and resumes it once caught up: the file arrives intact', async function () {
    this.timeout(90_000);
    const [a, b] = await pair();
    const { file, digest } = noiseFile(24, 'paced.bin');
    const errors: string[] = [];
    for (const el of [a, b]) el.addEventListener('rtc-transfer-error', ({ detail }) => errors.push(detail.code));
    const received = arrival(b, 80_000);
    const release = holdFileStorage();
    try {
      const id = a.sendFile(file);
      const loaded = () => b.transfers.find((transfer) => transfer.id === id)?.loaded ?? 0;
      // Past 8 MiB waiting for storage, b asks a to pause (docs/datachannel.md, "Pause and resume").
      await until(() => loaded() > 8 * MiB, 'more than 8 MiB waiting for storage');
      // b's pause went before this message on the same ordered channel: once a has it, a has paused.
      const heard = nextEvent<CustomEvent<MessageDetail>>(a, 'rtc-message', "b's message");
      b.send('paused?');
      await heard;
      // A message from a comes after every file frame a sent before it: between two of them, none.
      const loadedAfterMessage = async (text: string) => {
        const arrived = nextEvent<CustomEvent<MessageDetail>>(b, 'rtc-message', `a's message "${text}"`);
        a.send(text);
        expect((await arrived).detail.data).to.equal(text);
        return loaded();
      };
      const first = await loadedAfterMessage('one');
      const second = await loadedAfterMessage('two');
      expect(second, 'file bytes that came between two messages while paused').to.equal(first);
      expect(first).to.be.below(file.size);
    } finally {
      release();
    }
    const arrived = await received;
    expect(errors).to.deep.equal([]);
    expect(arrived.size).to.equal(file.size);
    expect(await streamedDigest(arrived)).to.equal(digest);
  });

  it('a sender writing raw frames is asked to pause (Flow 0) and to resume (Flow 1) by a receiver whose storage is held, and its file arrives intact', async function () {
    this.timeout(90_000);
    const { receiver, link } = await receiverAndRawPeer();
    const bytes = new Uint8Array(20 * MiB);
    for (let offset = 0; offset < bytes.byteLength; offset += 65536)
      crypto.getRandomValues(bytes.subarray(offset, offset + 65536));
    const id = 0x0badf00d;
    const total = bytes.byteLength;
    const received = arrival(receiver, 80_000);
    link.dc.bufferedAmountLowThreshold = 256 * 1024;
    let offset = 0;
    /** Sends the file's data in order until `stop()`, a macrotask at a time so that frames come in. */
    const sendUntil = async (stop: () => boolean) => {
      while (offset < total && !stop()) {
        if (link.dc.bufferedAmount > MiB)
          await new Promise((resolve) => link.dc.addEventListener('bufferedamountlow', resolve, { once: true }));
        else await new Promise((resolve) => setTimeout(resolve, 0));
        const end = Math.min(offset + 60_000, total);
        link.send(frame({ kind: Kind.FileData, id, offset, total }, bytes.subarray(offset, end)));
        offset = end;
      }
    };
    const release = holdFileStorage();
    try {
      link.send(
        frame({ kind: Kind.FileStart, id, total }, JSON.stringify({ name: 'raw.bin', type: '', lastModified: 1 })),
      );
      await sendUntil(() => link.frames.some(flow(id, 0)));
      const pause = link.frames.find(flow(id, 0));
      expect(pause, 'a Flow pause').to.not.equal(undefined);
      expect([pause!.offset, pause!.total, pause!.payload.byteLength]).to.deep.equal([0, 0, 0]);
      expect(offset, 'bytes sent when the pause came')
        .to.be.above(8 * MiB)
        .and.below(total);
      expect(link.frames.filter((raw) => raw.kind === Kind.Cancel)).to.deep.equal([]);
    } finally {
      release();
    }
    await link.nextFrame(flow(id, 1), 'a Flow resume', 30_000);
    await sendUntil(() => false);
    link.send(frame({ kind: Kind.FileEnd, id, total }, sha256(bytes)));
    const file = await received;
    expect(file.size).to.equal(total);
    expect(await streamedDigest(file)).to.equal(hex(sha256(bytes)));
  });

  it('where Blob streams have no BYOB reader (Safari before 26.4) a file is read in slices and arrives intact', async () => {
    const [a, b] = await pair();
    // 3 MiB and a bit: the last frame is a short one.
    const sent = new Blob([noiseFile(3, 'sliced.bin').file, new Uint8Array(1000).fill(3)]);
    const expected = await streamedDigest(sent);
    const getReader = ReadableStream.prototype.getReader;
    let refused = 0;
    ReadableStream.prototype.getReader = function (this: ReadableStream, options?: { mode?: 'byob' }) {
      if (options?.mode === 'byob') {
        refused++;
        throw new TypeError('ReadableStreamBYOBReader needs a readable byte stream');
      }
      return getReader.call(this);
    } as typeof getReader;
    try {
      const received = await transfer(a, b, sent, 'sliced.bin');
      expect(refused, 'a BYOB reader was asked for').to.be.above(0);
      expect(received.size).to.equal(sent.size);
      expect(await streamedDigest(received)).to.equal(expected);
    } finally {
      ReadableStream.prototype.getReader = getReader;
    }
  });
});
