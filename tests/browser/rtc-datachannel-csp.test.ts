// Files under a strict Content-Security-Policy: no worker from a Blob URL (the private file system
// is written from the page instead) and no WebAssembly (the SHA-256 falls back to plain
// JavaScript). The policy is set before the page's first file, and stays with this test file's page.
import { expect, fixture, html } from '@open-wc/testing';
import '../../components/rtc-datachannel.js';
import type { FileDetail, RtcDatachannel } from '../../components/rtc-datachannel.js';
import { freshRoom, nextEvent, until } from './helpers.js';

/** The smallest WebAssembly module: the magic number and version 1. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

describe('<rtc-datachannel> files under a strict Content-Security-Policy', () => {
  it('with no blob: worker and no WebAssembly allowed, files still arrive intact and are stored', async () => {
    const policy = document.createElement('meta');
    policy.httpEquiv = 'Content-Security-Policy';
    policy.content = "script-src * 'unsafe-inline'; worker-src 'none'";
    document.head.append(policy);
    let compiled = true;
    await WebAssembly.compile(EMPTY_MODULE).catch(() => (compiled = false));
    expect(compiled, 'WebAssembly is refused').to.equal(false);

    const { url, room } = await freshRoom();
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} signaling=${`${url}?peer=a`}></rtc-datachannel>
      <rtc-datachannel room=${room} signaling=${`${url}?peer=b`}></rtc-datachannel>
    </div>`);
    const [a, b] = [...host.querySelectorAll('rtc-datachannel')] as [RtcDatachannel, RtcDatachannel];
    await until(() => a.openPeers.length === 1 && b.openPeers.length === 1, 'the channel open');
    const root = await navigator.storage.getDirectory();
    const folder = await root.getDirectoryHandle('rtc-elements-received', { create: true });
    const names = async () => {
      const found: string[] = [];
      for await (const name of folder.keys()) found.push(name);
      return found;
    };
    const before = await names();
    const bytes = new Uint8Array(3 * 1024 * 1024 + 5).map((_, index) => index % 253);
    const arrived = nextEvent<CustomEvent<FileDetail>>(b, 'rtc-file', 'the file', 30_000);
    a.sendFile(new File([bytes], 'strict.bin'));
    const file = (await arrived).detail.file;
    expect(new Uint8Array(await file.arrayBuffer())).to.deep.equal(bytes);
    const added = (await names()).filter((name) => !before.includes(name));
    expect(added, 'stored in the private file system').to.have.length(1);
  });

  it('where the page cannot write to the private file system either (Safari has no createWritable()), a file arrives intact, held in memory', async () => {
    const policy = document.createElement('meta');
    policy.httpEquiv = 'Content-Security-Policy';
    policy.content = "script-src * 'unsafe-inline'; worker-src 'none'";
    document.head.append(policy);
    const handles = FileSystemFileHandle.prototype as { createWritable?: unknown };
    const createWritable = Object.getOwnPropertyDescriptor(handles, 'createWritable')!;
    delete handles.createWritable;
    try {
      const { url, room } = await freshRoom();
      const host = await fixture<HTMLDivElement>(html`<div>
        <rtc-datachannel room=${room} signaling=${`${url}?peer=a`}></rtc-datachannel>
        <rtc-datachannel room=${room} signaling=${`${url}?peer=b`}></rtc-datachannel>
      </div>`);
      const [a, b] = [...host.querySelectorAll('rtc-datachannel')] as [RtcDatachannel, RtcDatachannel];
      await until(() => a.openPeers.length === 1 && b.openPeers.length === 1, 'the channel open');
      const names = await storedNames();
      const bytes = new Uint8Array(1024 * 1024 + 3).map((_, index) => index % 251);
      const arrived = nextEvent<CustomEvent<FileDetail>>(b, 'rtc-file', 'the file', 30_000);
      const failed: unknown[] = [];
      b.addEventListener('rtc-transfer-error', ({ detail }) => failed.push(detail));
      a.sendFile(new File([bytes], 'in-memory.bin'));
      const file = (await arrived).detail.file;
      expect(new Uint8Array(await file.arrayBuffer())).to.deep.equal(bytes);
      expect(failed).to.deep.equal([]);
      expect(await storedNames(), 'nothing left in the private file system').to.deep.equal(names);
    } finally {
      Object.defineProperty(handles, 'createWritable', createWritable);
    }
  });
});

/** The names in the folder where received files are stored. */
async function storedNames(): Promise<string[]> {
  const root = await navigator.storage.getDirectory();
  const folder = await root.getDirectoryHandle('rtc-elements-received', { create: true });
  const found: string[] = [];
  for await (const name of folder.keys()) found.push(name);
  return found.sort();
}
