/**
 * A @web/test-runner plugin that runs WeriftPeers (werift-peer.ts: a Node peer written from the docs)
 * in the test server's process, so a browser test can have one join its room and exchange messages
 * and files with an element. Browser tests drive it with `executeServerCommand`:
 *
 *   werift-join     {url, room, label?, name?, transport?} -> {id}   join (url: the relay's ws: URL)
 *   werift-ready    {peer, to}                              waits until the channel to `to` is ready
 *   werift-send     {peer, to, kind, value}                 kind: text | json | binary (value: bytes as
 *                                                           numbers) | file (value: {name, type, size}:
 *                                                           returns {id, sha256} of the bytes sent)
 *   werift-received {peer, from} -> Received                what it got from `from`, decoded
 *   werift-close    {peer}
 */
import { createHash } from 'node:crypto';
import { loopbackStun, stopLoopbackStun } from '../loopback-stun.js';
import { WeriftPeer, type TransportName } from './werift-peer.js';

type Payload = Record<string, unknown>;

/** `size` bytes that differ from one file to the next (a byte pattern from `seed`). */
function pattern(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 31 + seed + (index >> 10)) & 255;
  return bytes;
}

export function weriftPlugin() {
  const peers = new Map<string, WeriftPeer>();
  let seed = 0;

  const peerOf = (payload: Payload) => {
    const peer = peers.get(String(payload.peer));
    if (!peer) throw new Error(`no werift peer ${String(payload.peer)}`);
    return peer;
  };

  async function execute(command: string, payload: Payload): Promise<unknown> {
    switch (command) {
      case 'werift-join': {
        const peer = await WeriftPeer.join({
          url: String(payload.url),
          room: String(payload.room),
          label: String(payload.label ?? 'data'),
          name: String(payload.name ?? 'werift'),
          transport: (payload.transport ?? 'websocket') as TransportName,
          stun: await loopbackStun(),
        });
        peers.set(peer.id, peer);
        return { id: peer.id };
      }
      case 'werift-ready':
        await peerOf(payload).ready(String(payload.to));
        return true;
      case 'werift-send': {
        const link = await peerOf(payload).ready(String(payload.to));
        const value = payload.value;
        if (payload.kind === 'text') link.sendText(String(value));
        else if (payload.kind === 'json') link.sendJSON(value);
        else if (payload.kind === 'binary') link.sendBinary(Buffer.from(value as number[]));
        else if (payload.kind === 'file') {
          const { name, type, size } = value as { name: string; type: string; size: number };
          seed += 1;
          const bytes = pattern(size, seed);
          const id = await link.sendFile(name, type, bytes);
          return { id, sha256: createHash('sha256').update(bytes).digest('hex') };
        }
        return true;
      }
      case 'werift-received':
        return peerOf(payload).links.get(String(payload.from))?.received ?? null;
      case 'werift-close':
        peers.get(String(payload.peer))?.close();
        peers.delete(String(payload.peer));
        return true;
      default:
        return undefined; // not ours
    }
  }

  return {
    name: 'rtc-werift',
    executeCommand({ command, payload }: { command: string; payload?: unknown }) {
      if (!command.startsWith('werift-')) return undefined;
      return execute(command, (payload ?? {}) as Payload);
    },
    async serverStop() {
      for (const peer of peers.values()) peer.close();
      peers.clear();
      await stopLoopbackStun();
    },
  };
}
