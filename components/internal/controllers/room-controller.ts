/**
 * Connects an element to a shared Room and one labelled channel in it (a Lit ReactiveController).
 *
 * It acquires the Room when the host is connected, swaps it when the host's room, endpoint, name,
 * label or channel options change, and releases it when the host leaves the page. Everything the
 * Room and the channel report is dispatched on the host as the public `rtc-*` events of
 * room-events.ts; elements listen to their own events to render (a chat list, a progress bar).
 *
 * Used by <rtc-datachannel>, <rtc-chat> and <rtc-call>:
 * `new RoomController(this, () => ({...}), {channel: RoomChannel})`. The channel's class is the
 * element's to give (a RoomChannel, or the call's CallChannel), so a page loads only the one it uses.
 *
 * Names are per element: the host's `name` is not part of what identifies the Room, so a change
 * (or a second element naming itself in a Room another holds) renames us for the others instead of
 * reconnecting. A call follows the Room's media through `media` listeners and `links`, and never
 * touches the RTCPeerConnections itself.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  Room,
  type LinkChannel,
  type LinkChannelClass,
  type RoomOptions,
  type SafetyCodeDetail,
} from '../mesh/room.js';
import type { ChannelOptions } from '../mesh/limits.js';
import type { PeerLink } from '../mesh/peer-link.js';
import type { RtcError } from '../mesh/room-errors.js';
import type { SignalingState, TransportChoice } from '../signaling/signaling-client.js';

/**
 * The attributes every room element has (`room`, `signaling`, `transport`, `name`, `token`,
 * `token-url`, `ice-transport-policy`, `passphrase`, `verify-timeout`): spread into its `properties`.
 */
export const roomProperties = {
  room: {},
  signaling: {},
  transport: {},
  name: {},
  token: {},
  tokenUrl: {},
  iceTransportPolicy: {},
  passphrase: {},
  verifyTimeout: { type: Number },
} as const;

export interface RoomControllerConfig extends RoomOptions {
  /** Room name; empty: not connected. */
  room: string;
  /** The channel's label: elements with the same label in the same room share it. */
  label: string;
  /** The data channel's options and the limits on what it accepts (the first element's apply). */
  channel?: ChannelOptions;
}

/** An element's room attributes, as the element holds them (declared with `roomProperties`). */
export interface RoomAttributes {
  room: string;
  signaling: string;
  transport: TransportChoice;
  name: string;
  token: string;
  tokenUrl: string;
  iceTransportPolicy: RTCIceTransportPolicy;
  passphrase: string;
  verifyTimeout: number | undefined;
}

/** The config every room element gives its RoomController: its room attributes and its channel's label. */
export function roomConfig(host: RoomAttributes, label: string): RoomControllerConfig {
  const { room, signaling, transport, name, token, tokenUrl, iceTransportPolicy, passphrase, verifyTimeout } = host;
  return { room, signaling, transport, name, token, tokenUrl, iceTransportPolicy, passphrase, verifyTimeout, label };
}

/** What a remote track came with (the Room's `track` event). */
export interface RoomTrack {
  peer: string;
  track: MediaStreamTrack;
  streams: readonly MediaStream[];
}

/** What a RoomController is made with besides its config. */
export interface RoomControllerOptions<C extends LinkChannel> {
  /** The class of the channel with the config's `label`. */
  channel: LinkChannelClass<C>;
  /** The Room's media, for a call. */
  media?: RoomMediaListeners;
}

/** Listeners for the Room's media: links that may carry tracks, and the tracks that arrive. */
export interface RoomMediaListeners {
  /** A link is up and may carry tracks (also each link that was up before the host came). */
  onLink(peer: string, link: PeerLink): void;
  /** A remote track arrived (also each one that arrived before the host came). */
  onTrack(detail: RoomTrack): void;
}

export class RoomController<C extends LinkChannel> implements ReactiveController {
  /** The Room held, if any. */
  room?: Room;
  /** Its channel with `label`, held with it. */
  channel?: C;
  #host: ReactiveControllerHost & HTMLElement;
  #config: () => RoomControllerConfig;
  #Channel: LinkChannelClass<C>;
  #media: RoomMediaListeners | undefined;
  /** The name last given to the Room. */
  #name = '';
  /** The config of the Room held, as JSON (unset: none). */
  #key?: string;
  /** The `iceServers` and `iceTransportPolicy` last applied, as JSON. */
  #ice?: string;
  /** The `token` and `tokenUrl` last applied, as JSON. */
  #token?: string;
  #stop: AbortController | undefined;

  constructor(
    host: ReactiveControllerHost & HTMLElement,
    config: () => RoomControllerConfig,
    options: RoomControllerOptions<C>,
  ) {
    this.#host = host;
    this.#config = config;
    this.#Channel = options.channel;
    this.#media = options.media;
    host.addController(this);
  }

  /** The links to the other peers, by peer id (empty while no Room is held). */
  get links(): ReadonlyMap<string, PeerLink> {
    return this.room?.links ?? new Map();
  }

  /** Our id in the room, once joined. */
  get id(): string | null {
    return this.room?.id ?? null;
  }

  /** The others in the room (as the relay listed them: a peer may be here before its link). */
  get peers(): readonly { id: string; name: string }[] {
    return this.room?.signaling.peers ?? [];
  }

  /** The safety codes of the links known so far (empty while no Room is held). */
  get safetyCodes(): SafetyCodeDetail[] {
    return this.room?.safetyCodes ?? [];
  }

  /** The signaling state: `idle` while no room is set. */
  get state(): SignalingState {
    return this.room?.state ?? 'idle';
  }

  hostConnected(): void {
    this.hostUpdate();
  }

  /** Follows the host's current configuration (cheap when nothing changed). */
  hostUpdate(): void {
    if (!this.#host.isConnected) return;
    const config = this.#config();
    // What changes without a new Room: the name (a rename), ICE settings (later gathering), tokens
    // (later joins). The verify timeout is not part of it either: the Room reads it once, when made.
    const { iceServers, iceTransportPolicy, token, tokenUrl, name = '', verifyTimeout: _readOnce, ...rest } = config;
    const key = config.room ? JSON.stringify(rest) : undefined;
    const ice = JSON.stringify([iceServers, iceTransportPolicy]);
    const tokens = JSON.stringify([token, tokenUrl]);
    if (key !== this.#key) {
      this.hostDisconnected();
      this.#key = key;
      // Room.acquire() applies these itself.
      this.#ice = ice;
      this.#token = tokens;
      if (key) this.#attach(config);
    }
    if (ice !== this.#ice) {
      this.room?.setIceConfiguration(iceServers, iceTransportPolicy ?? 'all');
    }
    this.#ice = ice;
    if (name !== this.#name) this.room?.setName(name);
    this.#name = name;
    if (tokens !== this.#token) this.room?.setToken(token, tokenUrl);
    this.#token = tokens;
  }

  hostDisconnected(): void {
    this.#stop?.abort();
    // The Room and its channel come and go together.
    this.room?.releaseChannel(this.channel!);
    this.room?.release();
    this.room = undefined;
    this.channel = undefined;
    this.#key = undefined;
  }

  #attach(config: RoomControllerConfig): void {
    let room: Room | undefined;
    let channel: C;
    try {
      room = Room.acquire(config);
      channel = room.channel(config.label, this.#Channel, config.channel);
    } catch (error) {
      // Report it and stay out of the Room: from channel(), a label whose channel id is another
      // label's in this Room; from acquire(), a `signaling` URL that is not ws:, wss:, http: or
      // https: (or that the browser refuses, one with a fragment, say).
      room?.release();
      const { code, message, hint } = error as RtcError;
      queueMicrotask(() => {
        if (room) {
          this.#dispatch('peer-error', { peer: '', code, message, hint });
        } else {
          const detail = { code: 'connection-failed', message, hint: 'Check the signaling URL.', fatal: true };
          this.#dispatch('signaling-error', detail);
        }
      });
      return;
    }
    this.room = room;
    this.channel = channel;
    // A Room another element acquired first carries that element's name: ours is said now.
    room.setName(config.name ?? '');
    this.#stop = new AbortController();
    const { signal } = this.#stop;
    const forward = (target: EventTarget, types: string[]) => {
      for (const type of types)
        target.addEventListener(type, (event) => this.#dispatch(type, (event as CustomEvent).detail), { signal });
    };
    forward(room, ['peer-join', 'peer-leave', 'peer-rename', 'peer-error', 'safety-code']);
    const media = this.#media;
    if (media) {
      const onMedia = (event: Event) => {
        const detail = (event as CustomEvent).detail as RoomTrack & { link: PeerLink };
        if (event.type === 'link') media.onLink(detail.peer, detail.link);
        else media.onTrack(detail);
      };
      room.addEventListener('link', onMedia, { signal });
      room.addEventListener('track', onMedia, { signal });
      // In the same task as the listeners: nothing missed, nothing seen twice.
      room.replay(onMedia);
    }
    forward(channel, [
      'open',
      'close',
      'message',
      'file',
      'transfer-progress',
      'transfer-error',
      'message-error',
      'peer-error',
    ]);
    room.signaling.addEventListener('error', ({ detail }) => this.#dispatch('signaling-error', detail), { signal });
    room.signaling.addEventListener('state', () => this.#host.requestUpdate(), { signal });
    // A Room or channel shared with other elements may be up already: tell this one what it missed.
    queueMicrotask(() => {
      if (this.room !== room) return;
      for (const peer of room.peers) this.#dispatch('peer-join', peer);
      for (const detail of room.safetyCodes) this.#dispatch('safety-code', detail);
      for (const peer of channel.openPeers) this.#dispatch('open', { peer });
    });
    this.#host.requestUpdate();
  }

  #dispatch(type: string, detail: unknown): void {
    this.#host.dispatchEvent(new CustomEvent(`rtc-${type}`, { detail, bubbles: true, composed: true }));
  }
}
