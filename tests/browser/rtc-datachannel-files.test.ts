// Received files in bounded memory: written to the Origin Private File System as they arrive,
// delivered as a File backed by it, removed when the page lets go of them (or, left by a page that
// is gone, at the next page's first file). Two real peers in one page, each with its own Room.
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { sha256 } from '@noble/hashes/sha2.js';
import '../../components/rtc-datachannel.js';
import type { RtcDatachannel, FileDetail } from '../../components/rtc-datachannel.js';
import { freshRoom, nextEvent, until } from './helpers.js';

const MiB = 1024 * 1024;
const FOLDER = 'rtc-elements-received';
const gc = (window as { gc?: () => void }).gc;

async function folder(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(FOLDER, { create: true });
}

async function storedNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const name of (await folder()).keys()) names.push(name);
  return names.sort();
}

/** Two peers of a fresh room, linked. */
async function pair(): Promise<[RtcDatachannel, RtcDatachannel]> {
  const { url, room } = await freshRoom();
  const host = await fixture<HTMLDivElement>(html`<div>
    <rtc-datachannel room=${room} signaling=${`${url}?peer=a`}></rtc-datachannel>
    <rtc-datachannel room=${room} signaling=${`${url}?peer=b`}></rtc-datachannel>
  </div>`);
  const [a, b] = [...host.querySelectorAll('rtc-datachannel')] as [RtcDatachannel, RtcDatachannel];
  await until(() => a.openPeers.length === 1 && b.openPeers.length === 1, 'the channel open');
  return [a, b];
}

/** Sends `bytes` from a to b as a file; resolves with what b received. */
async function transfer(a: RtcDatachannel, b: RtcDatachannel, bytes: Uint8Array<ArrayBuffer> | Blob, name: string) {
  const arrived = nextEvent<CustomEvent<FileDetail>>(b, 'rtc-file', name, 30_000);
  a.sendFile(new File([bytes], name));
  return (await arrived).detail.file;
}

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
