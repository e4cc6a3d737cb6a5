/**
 * A peer that is not a browser: Node, werift for WebRTC, written from docs/protocol.md and
 * docs/datachannel.md alone (it imports nothing of components/ or relay/). It joins a room, links to
 * every peer, opens one labelled channel, says Hello, and then exchanges text, JSON, binary messages
 * and files with the elements, checking each file's SHA-256.
 *
 * The signaling transport is a parameter (SignalingTransport): WebSocket, or SSE + POST (protocol.md's
 * "SSE + POST": a stream of events for the relay's messages, POSTs of one message a line for ours).
 */
import { createHash, randomInt } from 'node:crypto';
import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';

// ---- signaling (docs/protocol.md) -----------------------------------------------------------

/** One connection to the relay: JSON messages both ways. */
export interface SignalingTransport {
  send(message: object): void;
  close(): void;
}

export type TransportName = 'websocket' | 'sse';

type RelayMessage = {
  type: string;
  id?: string;
  from?: string;
  peers?: { id: string; name: string }[];
  iceServers?: { urls: string | string[]; username?: string; credential?: string }[];
  data?: Signal;
};

/** Opens `url` with `transport`; `onMessage` gets every relay message. */
export function openTransport(
  transport: TransportName,
  url: string,
  onMessage: (message: RelayMessage) => void,
): Promise<SignalingTransport> {
  switch (transport) {
    case 'websocket':
      return openWebSocket(url, onMessage);
    case 'sse':
      return openEventStream(url, onMessage);
  }
}

function openWebSocket(url: string, onMessage: (message: RelayMessage) => void): Promise<SignalingTransport> {
  const socket = new WebSocket(url);
  socket.on('message', (data) => onMessage(JSON.parse(String(data)) as RelayMessage));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        send: (message) => socket.send(JSON.stringify(message)),
        close: () => socket.close(1000),
      }),
    );
  });
}

/**
 * SSE + POST: `GET url` as an event stream (the `eventsource` package: Node 20 has no EventSource),
 * whose first event, `session`, hands out the secret that authorizes the POSTs; then every relay
 * message is an unnamed event. Ours go as `POST url?session=<secret>`, text/plain, one JSON message
 * a line, one POST at a time (overlapping POSTs may arrive in any order): what is written while one
 * is under way goes in the next.
 */
function openEventStream(url: string, onMessage: (message: RelayMessage) => void): Promise<SignalingTransport> {
  const streamUrl = new URL(url.replace(/^ws/, 'http'));
  const source = new EventSource(streamUrl);
  source.onmessage = ({ data }) => onMessage(JSON.parse(data) as RelayMessage);
  const postUrl = new URL(streamUrl);
  let waiting: string[] = [];
  let posting = false;
  const flush = async (): Promise<void> => {
    if (posting || waiting.length === 0) return;
    posting = true;
    const body = waiting.join('\n');
    waiting = [];
    try {
      await fetch(postUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    } finally {
      posting = false;
    }
    await flush();
  };
  const send = (message: object) => {
    waiting.push(JSON.stringify(message));
    void flush();
  };
  return new Promise((resolve, reject) => {
    source.onerror = (error) => {
      // Before the session: the relay could not be reached. After it, the stream is this peer's
      // last word from the relay (a test closes it with `leave`).
      if (!postUrl.searchParams.has('session')) reject(new Error(`no event stream at ${streamUrl}: ${error.message}`));
      source.close();
    };
    source.addEventListener('session', ({ data }) => {
      postUrl.searchParams.set('session', (JSON.parse(data) as { session: string }).session);
      resolve({
        send,
        close: () => {
          send({ type: 'leave' });
          source.close();
        },
      });
    });
  });
}

// ---- frames (docs/datachannel.md, section 4) ------------------------------------------------

const Kind = { Hello: 1, Message: 2, FileStart: 3, FileData: 4, FileEnd: 5, Cancel: 6 } as const;
const VERSION = 2;
const HEADER = 16;
const MAX_FRAME = 64 * 1024;
const MessageType = { string: 0, binary: 1, blob: 2, json: 3 } as const;

interface Frame {
  kind: number;
  type: number;
  id: number;
  offset: number;
  total: number;
  payload: Buffer;
}

function encode(kind: number, type: number, id: number, offset: number, total: number, payload: Buffer): Buffer {
  const frame = Buffer.alloc(HEADER + payload.byteLength);
  frame.writeUInt8(kind, 0);
  frame.writeUInt8(type, 1);
  frame.writeUInt8(VERSION, 2);
  frame.writeUInt32BE(id, 4);
  frame.writeUInt32BE(offset, 8);
  frame.writeUInt32BE(total, 12);
  payload.copy(frame, HEADER);
  return frame;
}

function decode(data: Buffer): Frame | undefined {
  if (data.byteLength < HEADER || data.readUInt8(2) !== VERSION) return undefined;
  return {
    kind: data.readUInt8(0),
    type: data.readUInt8(1),
    id: data.readUInt32BE(4),
    offset: data.readUInt32BE(8),
    total: data.readUInt32BE(12),
    payload: data.subarray(HEADER),
  };
}

/** The channel id of a label (docs/datachannel.md, section 2). */
export function channelId(label: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(label, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % 1024;
}

// ---- the peer -------------------------------------------------------------------------------

type Signal = {
  description?: { type: 'offer' | 'answer'; sdp: string };
  candidate?: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null; usernameFragment?: string };
};

/** What the peer received from one element, decoded. */
export interface Received {
  messages: { type: string; data: unknown }[];
  files: { id: string; name: string; type: string; size: number; sha256: string; intact: boolean }[];
  errors: string[];
}

/** One connection to one member of the room, and its channel. */
class Link {
  readonly pc: RTCPeerConnection;
  dc!: RTCDataChannel;
  readonly received: Received = { messages: [], files: [], errors: [] };
  readonly ready: Promise<void>;
  #markReady!: () => void;
  #heldCandidates: NonNullable<Signal['candidate']>[] = [];
  /** The signals being handled, one after the other. */
  #signals: Promise<void> = Promise.resolve();
  /** Our candidates wait until the description they belong to has gone out (section 1, "Order"). */
  #ourCandidates: NonNullable<Signal['candidate']>[] | undefined = [];
  #nextMessageId = 0;
  /** Messages being received: their chunks so far. */
  #partial = new Map<number, { type: number; total: number; chunks: Buffer[]; loaded: number }>();
  #files = new Map<number, { name: string; type: string; total: number; chunks: Buffer[]; loaded: number }>();

  constructor(
    readonly peer: string,
    readonly label: string,
    iceServers: RelayMessage['iceServers'],
    private readonly signal: (data: Signal) => void,
    offer: boolean,
  ) {
    // Loopback is left out of host candidates unless asked for: the tests run on loopback only.
    this.pc = new RTCPeerConnection({ iceServers: iceServers ?? [], iceAdditionalHostAddresses: ['127.0.0.1'] });
    this.pc.onicecandidate = ({ candidate }) => {
      if (!candidate) return;
      const { sdpMid, sdpMLineIndex } = candidate;
      const init = { candidate: candidate.candidate, sdpMid, sdpMLineIndex };
      if (this.#ourCandidates) this.#ourCandidates.push(init);
      else signal({ candidate: init });
    };
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#createChannel();
    if (offer) void this.#offer();
  }

  /**
   * A signal from this peer, handled after the ones before it (each awaits the connection): a
   * failure is recorded in `received.errors`, which the tests check, instead of escaping into the
   * test runner.
   */
  receive(signal: Signal): void {
    this.#signals = this.#signals
      .then(() => this.#handle(signal))
      .catch((error: unknown) => {
        this.received.errors.push(`signal: ${(error as Error).message}`);
      });
  }

  /** Descriptions first; candidates held until there is one. */
  async #handle({ description, candidate }: Signal): Promise<void> {
    if (description) {
      await this.pc.setRemoteDescription(description);
      if (description.type === 'offer') {
        await this.pc.setLocalDescription(await this.pc.createAnswer());
        this.#sendDescription('answer');
      }
      for (const held of this.#heldCandidates.splice(0)) await this.pc.addIceCandidate(held);
    } else if (candidate) {
      if (this.pc.remoteDescription) await this.pc.addIceCandidate(candidate);
      else this.#heldCandidates.push(candidate);
    }
  }

  sendText(text: string): void {
    this.#sendMessage(MessageType.string, Buffer.from(text, 'utf8'));
  }

  sendJSON(value: unknown): void {
    this.#sendMessage(MessageType.json, Buffer.from(JSON.stringify(value), 'utf8'));
  }

  sendBinary(bytes: Buffer): void {
    this.#sendMessage(MessageType.binary, bytes);
  }

  /** Sends a file: FileStart, the data in order, FileEnd with its SHA-256 (section 6); its transfer id. */
  async sendFile(name: string, type: string, bytes: Buffer): Promise<string> {
    const id = randomInt(2 ** 32 - 1);
    const meta = { name, type, lastModified: Date.now() };
    this.dc.send(encode(Kind.FileStart, 0, id, 0, bytes.byteLength, Buffer.from(JSON.stringify(meta))));
    for (let offset = 0; offset < bytes.byteLength; offset += MAX_FRAME - HEADER) {
      await this.#drain();
      const chunk = bytes.subarray(offset, offset + MAX_FRAME - HEADER);
      this.dc.send(encode(Kind.FileData, 0, id, offset, bytes.byteLength, chunk));
    }
    const digest = createHash('sha256').update(bytes).digest();
    this.dc.send(encode(Kind.FileEnd, 0, id, 0, bytes.byteLength, digest));
    return id.toString(16).padStart(8, '0');
  }

  close(): void {
    void this.pc.close();
  }

  async #offer(): Promise<void> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    this.#sendDescription('offer');
  }

  /** Sends our description, then the candidates found while it was being made. */
  #sendDescription(type: 'offer' | 'answer'): void {
    this.signal({ description: { type, sdp: this.pc.localDescription!.sdp } });
    const held = this.#ourCandidates ?? [];
    this.#ourCandidates = undefined;
    for (const candidate of held) this.signal({ candidate });
  }

  /** The negotiated channel for the label; made again when the other side closes it (section 3). */
  #createChannel(): void {
    const dc = this.pc.createDataChannel(this.label, { negotiated: true, id: channelId(this.label) });
    this.dc = dc;
    dc.onopen = () => dc.send(encode(Kind.Hello, 0, 0, 0, 0, Buffer.from(this.label)));
    dc.onmessage = ({ data }) => {
      if (typeof data !== 'string') this.#receive(data);
    };
    dc.onclose = () => {
      // The other side's element left: be ready for it to come back.
      if (this.pc.connectionState === 'connected') this.#createChannel();
    };
  }

  #receive(data: Buffer): void {
    const frame = decode(data);
    if (!frame) return;
    switch (frame.kind) {
      case Kind.Hello:
        if (frame.payload.toString('utf8') !== this.label) return this.#error('a Hello for another label');
        if (frame.type === 0) this.dc.send(encode(Kind.Hello, 1, 0, 0, 0, Buffer.from(this.label)));
        return this.#markReady();
      case Kind.Message:
        return this.#onMessage(frame);
      case Kind.FileStart:
        return this.#onFileStart(frame);
      case Kind.FileData:
        return this.#onFileData(frame);
      case Kind.FileEnd:
        return this.#onFileEnd(frame);
      case Kind.Cancel:
        return this.#error(`Cancel ${frame.type} ${frame.id}: ${frame.payload.toString('utf8')}`);
    }
  }

  #onMessage({ type, id, offset, total, payload }: Frame): void {
    let message = this.#partial.get(id);
    if (!message) {
      message = { type, total, chunks: [], loaded: 0 };
      this.#partial.set(id, message);
    }
    if (offset !== message.loaded) return this.#error(`message ${id}: a chunk at ${offset}, ${message.loaded} due`);
    message.chunks.push(Buffer.from(payload));
    message.loaded += payload.byteLength;
    if (message.loaded < total) return;
    this.#partial.delete(id);
    const bytes = Buffer.concat(message.chunks);
    const text = () => bytes.toString('utf8');
    if (type === MessageType.string) this.received.messages.push({ type: 'string', data: text() });
    else if (type === MessageType.json) this.received.messages.push({ type: 'json', data: JSON.parse(text()) });
    else this.received.messages.push({ type: type === MessageType.blob ? 'blob' : 'binary', data: [...bytes] });
  }

  #onFileStart({ id, total, payload }: Frame): void {
    const { name, type } = JSON.parse(payload.toString('utf8')) as { name: string; type: string };
    this.#files.set(id, { name, type, total, chunks: [], loaded: 0 });
  }

  #onFileData({ id, offset, payload }: Frame): void {
    const file = this.#files.get(id);
    if (!file) return;
    if (offset !== file.loaded) return this.#error(`file ${id}: a chunk at ${offset}, ${file.loaded} due`);
    file.chunks.push(Buffer.from(payload));
    file.loaded += payload.byteLength;
  }

  #onFileEnd({ id, payload }: Frame): void {
    const file = this.#files.get(id);
    if (!file) return;
    this.#files.delete(id);
    const digest = createHash('sha256').update(Buffer.concat(file.chunks)).digest();
    this.received.files.push({
      id: id.toString(16).padStart(8, '0'),
      name: file.name,
      type: file.type,
      size: file.loaded,
      sha256: digest.toString('hex'),
      intact: file.loaded === file.total && digest.equals(payload),
    });
  }

  #sendMessage(type: number, bytes: Buffer): void {
    this.#nextMessageId += 1;
    const id = this.#nextMessageId;
    // One frame each here: the tests send small messages (section 5 cuts larger ones into chunks).
    this.dc.send(encode(Kind.Message, type, id, 0, bytes.byteLength, bytes));
  }

  /** Waits while more than 1 MiB is queued on the channel. */
  async #drain(): Promise<void> {
    while (this.dc.bufferedAmount > 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  #error(what: string): void {
    this.received.errors.push(what);
  }
}

/** A member of a room that links to everyone in it, on one label. */
export class WeriftPeer {
  id = '';
  readonly links = new Map<string, Link>();
  #transport!: SignalingTransport;
  #iceServers: RelayMessage['iceServers'] = [];

  private constructor(readonly label: string) {}

  /**
   * Joins `room` at `url` over `transport`; resolves once welcomed. `stun`: the STUN server to use
   * when the relay hands out none (werift would otherwise ask a public one).
   */
  static async join(options: {
    url: string;
    room: string;
    label: string;
    name: string;
    transport: TransportName;
    stun: { urls: string };
  }): Promise<WeriftPeer> {
    const peer = new WeriftPeer(options.label);
    let welcomed!: () => void;
    const welcome = new Promise<void>((resolve) => (welcomed = resolve));
    peer.#transport = await openTransport(options.transport, options.url, (message) => {
      if (message.type === 'welcome') {
        peer.id = message.id!;
        const iceServers = message.iceServers ?? [];
        const hasStun = iceServers.some(({ urls }) => [urls].flat().some((url) => url.startsWith('stun:')));
        peer.#iceServers = hasStun ? iceServers : [...iceServers, options.stun];
        // The newcomer offers to everyone already there (section 1).
        for (const { id } of message.peers!) peer.#link(id, true);
        welcomed();
      } else if (message.type === 'signal') {
        peer.#link(message.from!, false).receive(message.data!);
      } else if (message.type === 'peer-left') {
        peer.links.get(message.id!)?.close();
        peer.links.delete(message.id!);
      }
    });
    peer.#transport.send({ type: 'join', room: options.room, name: options.name });
    await welcome;
    return peer;
  }

  /** The link to `id`, once its channel is ready. */
  async ready(id: string, timeout = 20_000): Promise<Link> {
    const deadline = Date.now() + timeout;
    while (!this.links.has(id)) {
      if (Date.now() > deadline) throw new Error(`no link to ${id}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const link = this.links.get(id)!;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the channel to ${id} never became ready`)), deadline - Date.now());
    });
    await Promise.race([link.ready, expired]).finally(() => clearTimeout(timer));
    return link;
  }

  close(): void {
    for (const link of this.links.values()) link.close();
    this.#transport.close();
  }

  #link(id: string, offer: boolean): Link {
    let link = this.links.get(id);
    if (!link) {
      const signal = (data: Signal) => this.#transport.send({ type: 'signal', to: id, data });
      link = new Link(id, this.label, this.#iceServers, signal, offer);
      this.links.set(id, link);
    }
    return link;
  }
}
