/**
 * A peer written from docs/protocol.md and docs/datachannel.md alone (it imports nothing of
 * components/), on a plain RTCPeerConnection: it joins a room over WebSocket, links to every peer
 * of the room, opens the labelled channel, answers Hello, and then writes whatever frames a test
 * gives it, well-formed or hostile. What it receives is decoded and kept per peer.
 */

export const Kind = { Hello: 1, Message: 2, FileStart: 3, FileData: 4, FileEnd: 5, Cancel: 6, Flow: 7 } as const;
export const VERSION = 2;

export interface RawFrame {
  kind: number;
  type: number;
  id: number;
  offset: number;
  total: number;
  payload: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A frame as docs/datachannel.md lays it out: 16 bytes of header (big-endian), then the payload. */
export function frame(
  { kind, type = 0, id = 0, offset = 0, total = 0 }: Partial<RawFrame> & { kind: number },
  payload: Uint8Array | string = new Uint8Array(0),
): Uint8Array<ArrayBuffer> {
  const body = typeof payload === 'string' ? encoder.encode(payload) : payload;
  const bytes = new Uint8Array(16 + body.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, kind);
  view.setUint8(1, type);
  view.setUint8(2, VERSION);
  view.setUint32(4, id);
  view.setUint32(8, offset);
  view.setUint32(12, total);
  bytes.set(body, 16);
  return bytes;
}

export function parseFrame(data: ArrayBuffer): RawFrame {
  const view = new DataView(data);
  return {
    kind: view.getUint8(0),
    type: view.getUint8(1),
    id: view.getUint32(4),
    offset: view.getUint32(8),
    total: view.getUint32(12),
    payload: new Uint8Array(data, 16),
  };
}

/** The channel id of a label: 32-bit FNV-1a over its UTF-8 bytes, modulo 1024. */
export function channelId(label: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(label)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % 1024;
}

/** The text of a frame's payload (a Hello's label, a Cancel's code). */
export const text = (raw: RawFrame): string => decoder.decode(raw.payload);

/** One peer connection and its channel, to one member of the room. */
export class RawLink {
  readonly pc = new RTCPeerConnection();
  readonly dc: RTCDataChannel;
  /** Every frame this peer sent us, in order. */
  readonly frames: RawFrame[] = [];
  /** Resolves once the other side answered our Hello (or asked with its own): frames may flow. */
  readonly ready: Promise<void>;
  #heldCandidates: RTCIceCandidateInit[] = [];
  #listeners = new Set<() => void>();

  constructor(
    readonly peer: string,
    readonly label: string,
    private readonly signal: (data: unknown) => void,
    offer: boolean,
  ) {
    this.pc.onicecandidate = ({ candidate }) => {
      if (candidate) signal({ candidate });
    };
    if (offer) {
      this.pc.onnegotiationneeded = async () => {
        await this.pc.setLocalDescription();
        signal({ description: this.pc.localDescription });
      };
    }
    this.dc = this.pc.createDataChannel(label, { negotiated: true, id: channelId(label) });
    this.dc.binaryType = 'arraybuffer';
    let markReady: () => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    this.dc.onopen = () => this.send(frame({ kind: Kind.Hello, type: 0 }, label));
    this.dc.onmessage = ({ data }: MessageEvent<ArrayBuffer>) => {
      const raw = parseFrame(data);
      if (raw.kind === Kind.Hello) {
        if (raw.type === 0) this.send(frame({ kind: Kind.Hello, type: 1 }, label));
        markReady();
      }
      this.frames.push(raw);
      for (const listener of this.#listeners) listener();
    };
  }

  send(bytes: Uint8Array<ArrayBuffer>): void {
    this.dc.send(bytes);
  }

  /** Resolves with the first frame (already received or to come) that `matches`. */
  nextFrame(matches: (raw: RawFrame) => boolean, what = 'a frame', timeout = 15_000): Promise<RawFrame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.frames.find(matches);
        if (!found) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeout);
      this.#listeners.add(check);
      check();
    });
  }

  /** A signal from this peer: descriptions first, candidates held until there is one. */
  async handle(data: { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit }): Promise<void> {
    if (data.description) {
      await this.pc.setRemoteDescription(data.description);
      if (data.description.type === 'offer') {
        await this.pc.setLocalDescription();
        this.signal({ description: this.pc.localDescription });
      }
      for (const candidate of this.#heldCandidates.splice(0)) await this.pc.addIceCandidate(candidate);
    } else if (data.candidate) {
      if (this.pc.remoteDescription) await this.pc.addIceCandidate(data.candidate);
      else this.#heldCandidates.push(data.candidate);
    }
  }

  close(): void {
    this.pc.close();
  }
}

/** A member of a room that links to everyone in it on one label. */
export class RawPeer {
  id = '';
  readonly links = new Map<string, RawLink>();
  readonly #ws: WebSocket;
  readonly #label: string;

  private constructor(ws: WebSocket, label: string) {
    this.#ws = ws;
    this.#label = label;
  }

  /** Joins `room` at the relay `signaling` (a ws: URL) as `name`; resolves once welcomed. */
  static join(signaling: string, room: string, label = 'data', name = 'raw'): Promise<RawPeer> {
    const ws = new WebSocket(signaling);
    const peer = new RawPeer(ws, label);
    return new Promise((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify({ type: 'join', room, name }));
      ws.onerror = () => reject(new Error('the relay cannot be reached'));
      ws.onmessage = ({ data }: MessageEvent<string>) => {
        const message = JSON.parse(data) as {
          type: string;
          id?: string;
          from?: string;
          peers?: { id: string }[];
          data?: Parameters<RawLink['handle']>[0];
        };
        if (message.type === 'welcome') {
          peer.id = message.id!;
          // The newcomer offers to everyone already there.
          for (const { id } of message.peers!) peer.#link(id, true);
          resolve(peer);
        } else if (message.type === 'signal') {
          void peer.#link(message.from!, false).handle(message.data!);
        }
      };
    });
  }

  /** The link to `id`, once its channel is ready. */
  async ready(id: string): Promise<RawLink> {
    const link = this.links.get(id);
    if (!link) throw new Error(`no link to ${id}`);
    await link.ready;
    return link;
  }

  close(): void {
    for (const link of this.links.values()) link.close();
    this.#ws.close(1000);
  }

  #link(id: string, offer: boolean): RawLink {
    let link = this.links.get(id);
    if (!link) {
      const signal = (data: unknown) => this.#ws.send(JSON.stringify({ type: 'signal', to: id, data }));
      link = new RawLink(id, this.#label, signal, offer);
      this.links.set(id, link);
    }
    return link;
  }
}
