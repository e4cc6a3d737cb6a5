// Files under a strict Content-Security-Policy: no worker from a Blob URL (the private file system
// is written from the page instead) and no WebAssembly (the SHA-256 falls back to plain
// JavaScript). The policy is set before the page's first file, and stays with this test file's page.
import { expect } from '@open-wc/testing';
import { pair, storedNames, transfer } from './files-harness.js';

/** The smallest WebAssembly module: the magic number and version 1. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** No worker from a Blob URL, no WebAssembly: the page's policy from now on (adding it twice is harmless). */
function applyStrictPolicy(): void {
  const policy = document.createElement('meta');
  policy.httpEquiv = 'Content-Security-Policy';
  policy.content = "script-src * 'unsafe-inline'; worker-src 'none'";
  document.head.append(policy);
}

describe('<rtc-datachannel> files under a strict Content-Security-Policy', () => {
  it('with no blob: worker and no WebAssembly allowed, files still arrive intact and are stored', async () => {
    applyStrictPolicy();
    let compiled = true;
    await WebAssembly.compile(EMPTY_MODULE).catch(() => (compiled = false));
    expect(compiled, 'WebAssembly is refused').to.equal(false);

    const [a, b] = await pair();
    const before = await storedNames();
    const bytes = new Uint8Array(3 * 1024 * 1024 + 5).map((_, index) => index % 253);
    const file = await transfer(a, b, bytes, 'strict.bin');
    expect(new Uint8Array(await file.arrayBuffer())).to.deep.equal(bytes);
    const added = (await storedNames()).filter((name) => !before.includes(name));
    expect(added, 'stored in the private file system').to.have.length(1);
  });

  it('where the page cannot write to the private file system either (Safari has no createWritable()), a file arrives intact, held in memory', async () => {
    applyStrictPolicy();
    const handles = FileSystemFileHandle.prototype as { createWritable?: unknown };
    const createWritable = Object.getOwnPropertyDescriptor(handles, 'createWritable')!;
    delete handles.createWritable;
    try {
      const [a, b] = await pair();
      const names = await storedNames();
      const failed: unknown[] = [];
      b.addEventListener('rtc-transfer-error', ({ detail }) => failed.push(detail));
      const bytes = new Uint8Array(1024 * 1024 + 3).map((_, index) => index % 251);
      const file = await transfer(a, b, bytes, 'in-memory.bin');
      expect(new Uint8Array(await file.arrayBuffer())).to.deep.equal(bytes);
      expect(failed).to.deep.equal([]);
      expect(await storedNames(), 'nothing left in the private file system').to.deep.equal(names);
    } finally {
      Object.defineProperty(handles, 'createWritable', createWritable);
    }
  });
});
