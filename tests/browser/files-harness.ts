// What the tests of <rtc-datachannel>'s files share: two linked peers, a file sent from one to the
// other, and the folder where received files are stored (docs/datachannel.md, "Files").
import { fixture, html } from '@open-wc/testing';
import '../../components/rtc-datachannel.js';
import type { FileDetail, RtcDatachannel } from '../../components/rtc-datachannel.js';
import { freshRoom, nextEvent, until } from './helpers.js';

/** The folder of the origin's private file system where received files are stored. */
export const FOLDER = 'rtc-elements-received';

export async function folder(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(FOLDER, { create: true });
}

/** The names in that folder, sorted. */
export async function storedNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const name of (await folder()).keys()) names.push(name);
  return names.sort();
}

/** Two peers of a fresh room, linked. */
export async function pair(): Promise<[RtcDatachannel, RtcDatachannel]> {
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
export async function transfer(
  a: RtcDatachannel,
  b: RtcDatachannel,
  bytes: Uint8Array<ArrayBuffer> | Blob,
  name: string,
): Promise<File> {
  const arrived = nextEvent<CustomEvent<FileDetail>>(b, 'rtc-file', name, 30_000);
  a.sendFile(new File([bytes], name));
  return (await arrived).detail.file;
}
