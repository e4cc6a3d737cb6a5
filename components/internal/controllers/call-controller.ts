/**
 * CallController: one person's side of a group call (a Lit ReactiveController, as the camera's
 * MediaController). It owns the call's life (join, admit, live, end), the tracks sent and replaced,
 * the screen share, the others' stats and everyone's speaking level, raise hand and reactions.
 *
 * It talks to the Room only through its RoomController (links, tracks, peers, the `rtc-call`
 * channel) and to each link through mesh/link-media.ts: never through an RTCPeerConnection of its own.
 * It never touches the DOM: the element renders `participants`, `state`, `error` and `notice`,
 * and fires the public events from the `events` callbacks.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { RoomController, roomConfig, type RoomTrack } from './room-controller.js';
import { MediaController, type MediaHost } from './media-controller.js';
import type * as Levels from '../media/audio-level.js';
import { importOnce } from '../import-once.js';
import {
  canShareScreen,
  hasAudio,
  mediaErrorCode,
  stopStream,
  trackConstraint,
  type MediaErrorCode,
} from '../media/media.js';
import { CallChannel } from '../mesh/call-channel.js';
import type { PeerLink } from '../mesh/peer-link.js';
import { linkStats, replaceTrack, reserveMedia, sendTracks, stopSending } from '../mesh/link-media.js';
import type { TransportChoice } from '../signaling/transport.js';
import type { RtcCamera } from '../../rtc-camera.js';

export type CallState =
  /** The join screen: nothing captured (unless previewing), no Room held. */
  | 'idle'
  /** Connecting to the relay, waiting for its welcome. */
  | 'joining'
  /** In the call: capturing and sending. */
  | 'live'
  /** Turned away by `max-peers`. */
  | 'full';

export interface CallError {
  code: string;
  message?: string;
  hint?: string;
}

/** What a call tells the others about itself on the `rtc-call` data channel (JSON). */
export interface CallStatus {
  muted: boolean;
  cameraOff: boolean;
  /** A raised hand. */
  hand: boolean;
}

/** A reaction shown on the sender's tile for a moment (JSON on the same channel). */
export interface CallReaction {
  reaction: string;
}

/** The reactions a call sends and accepts: anything else from a peer is dropped. */
export const REACTIONS = ['👍', '👏', '😂', '❤️', '🎉', '😮'] as const;

/** Connection quality from the stats: 3 good, 2 fair, 1 poor; 0 not measured yet. */
export type Quality = 0 | 1 | 2 | 3;

/** Everyone in the call as the element shows them, you first. */
export interface Participant extends CallStatus {
  /** The peer id (yours once joined; `''` before). */
  id: string;
  /** As they named themselves (`''`: no name). */
  name: string;
  self: boolean;
  /** What to show: their received stream, or your own. */
  stream: MediaStream | null;
  /** The audio level, 0 to 1. */
  level: number;
  speaking: boolean;
  quality: Quality;
  /** A reaction being shown now. */
  reaction: string;
  /** The safety code of your link to them (8 emoji), once known; `''` before (and for you). */
  safetyCode: string;
  /** They proved the room's passphrase over that link. */
  verified: boolean;
}

/** What the element is told, to fire its events. */
export interface CallEvents {
  /** You are in the call and sending. */
  onJoin(id: string): void;
  /** The call ended: left (`error` null) or failed. */
  onEnd(error: CallError | null): void;
  /** Something failed that the call survives (a refused screen share, a peer's connection). */
  onError(error: CallError): void;
  onTrack(detail: RoomTrack): void;
  onConnectionState(peer: string, state: RTCPeerConnectionState): void;
  onHand(peer: string, raised: boolean): void;
  onReaction(peer: string, reaction: string): void;
}

/** The element's settings the controller reads (its properties, read when needed). */
export interface CallHost extends ReactiveControllerHost, HTMLElement {
  readonly room: string;
  readonly signaling: string;
  readonly transport: TransportChoice;
  readonly name: string;
  readonly token: string;
  readonly tokenUrl: string;
  readonly iceTransportPolicy: RTCIceTransportPolicy;
  readonly passphrase: string;
  readonly verifyTimeout: number | undefined;
  readonly maxPeers: number;
  readonly audioOnly: boolean;
  /** The camera's `video`: `true` or an ideal size `WIDTHxHEIGHT`. */
  readonly video: boolean | string;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  /** The page's own `<rtc-camera>` to send (undefined: the call captures itself; null: none found). */
  externalCamera(): RtcCamera | null | undefined;
}

export interface CallOptions {
  /** How often the others' stats and everyone's levels are read, in ms. Default 500. */
  statsInterval?: number;
  /** How long a reaction shows, in ms. Default 4000. */
  reactionTime?: number;
}

/** The channel label a call's status and reactions travel on. */
const CHANNEL = 'rtc-call';
/** How often the join screen's microphone meter moves, in ms. */
const METER_INTERVAL = 100;
/** Louder than this (RMS, 0 to 1) is speaking. */
const SPEAKING_LEVEL = 0.03;
/** Round-trip times (s) and loss above these make a connection fair, then poor. */
const FAIR_RTT = 0.15;
const POOR_RTT = 0.4;
const FAIR_LOSS = 0.02;
const POOR_LOSS = 0.05;
/** The errors of a start after which joining without the camera may still work. */
const CAMERA_FAILURES: readonly string[] = [
  'permission-denied',
  'no-device',
  'device-busy',
  'overconstrained',
  'timeout',
];

/** A remote participant and the link its media comes on. */
interface Peer extends Participant {
  link?: PeerLink;
}

const quiet = (id: string, name: string, self: boolean): Peer => ({
  id,
  name,
  self,
  stream: null,
  muted: false,
  cameraOff: false,
  hand: false,
  level: 0,
  speaking: false,
  quality: 0,
  reaction: '',
  safetyCode: '',
  verified: false,
});

/** The microphone meter's code, imported on the first stream with audio. */
const loadLevels = importOnce<typeof Levels>(() => import('../media/audio-level.js'));

export class CallController implements ReactiveController {
  state: CallState = 'idle';
  /** Why the last join ended, shown on the join screen. */
  error: CallError | null = null;
  /** A problem the call survives, shown in a banner until dismissed or replaced. */
  notice: CallError | null = null;
  /** Joining without the camera (after it failed, or by choice): the microphone only, or nothing. */
  withoutCamera = false;
  /** The devices chosen on the join screen (empty: the browser's default). */
  cameraId = '';
  microphoneId = '';
  /** The screen being shared instead of the camera's video. */
  screen: MediaStreamTrack | null = null;
  /** Your raised hand. */
  hand = false;
  /** Who spoke loudest last (the speaker layout follows them). */
  activeSpeaker = '';
  /** Your microphone's level on the join screen while previewing, 0 to 1 (read every 100 ms). */
  previewLevel = 0;

  readonly room: RoomController<CallChannel>;
  /** The call's own camera and microphone (when the page gives no `<rtc-camera>`); also the preview. */
  readonly media: MediaController;

  readonly #host: CallHost;
  readonly #events: CallEvents;
  readonly #statsInterval: number;
  readonly #reactionTime: number;
  #peers = new Map<string, Peer>();
  /** The stream sent, once live. */
  #stream: MediaStream | null = null;
  /** The page's camera this join started (kept: a removed call can no longer look it up). */
  #camera: RtcCamera | null = null;
  /** The code of the inner camera's last failed start. */
  #lastMediaError: MediaErrorCode | undefined;
  #level: Levels.AudioLevel | null = null;
  /** Counts #measure() calls: a meter whose code arrives after a newer call is not made. */
  #measuring = 0;
  #selfLevel = 0;
  #selfReaction = '';
  /** Reads the stats and levels while live. */
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Reads the preview's level for the join screen's meter. */
  #meter: ReturnType<typeof setInterval> | undefined;
  /** Counts joins and ends: a capture or share that settles after an end is dropped. */
  #run = 0;
  /**
   * Aborted at each end: removes the listeners this join added to its links and to a page's
   * camera (it is passed as addEventListener's options, which read its `signal`).
   */
  #follow = new AbortController();

  constructor(host: CallHost, events: CallEvents, options: CallOptions = {}) {
    this.#host = host;
    this.#events = events;
    this.#statsInterval = options.statsInterval ?? 500;
    this.#reactionTime = options.reactionTime ?? 4000;
    this.room = new RoomController(
      host,
      // The call joins when the user presses Join (`active`), not when the element has a room.
      () => ({ ...roomConfig(host, CHANNEL), room: this.active ? host.room : '' }),
      {
        channel: CallChannel,
        media: { onLink: (peer, link) => this.#onLink(peer, link), onTrack: (detail) => this.#onTrack(detail) },
      },
    );
    this.media = new MediaController(this.#mediaHost(), {
      constraints: () => ({
        video: !this.#host.audioOnly && !this.withoutCamera && trackConstraint(this.#host.video, this.cameraId),
        audio: trackConstraint(true, this.microphoneId),
      }),
      onStart: () => {
        this.#measure(this.media.stream);
        if (this.state === 'idle') this.#meter = setInterval(() => this.#readPreviewLevel(), METER_INTERVAL);
      },
      onStop: () => {
        clearInterval(this.#meter);
        this.#measure(null);
      },
      onError: (code) => {
        this.#lastMediaError = code;
        // A preview that failed says why on the join screen; a join's failure is reported by #admit.
        if (this.state === 'idle') this.error = { code };
      },
      onTrack: (track) => this.#replace(track),
    });
    host.addController(this);
  }

  /** Joining or in the call: the Room is held. */
  get active(): boolean {
    return this.state === 'joining' || this.state === 'live';
  }

  /** The relay connection was lost and is being restored (the peer connections may well live on). */
  get reconnecting(): boolean {
    return this.room.state === 'reconnecting';
  }

  /** Whether Share screen can work: a browser that can capture a screen, and a video track to replace. */
  get canShare(): boolean {
    return canShareScreen() && !!this.#stream?.getVideoTracks().length;
  }

  /** The camera's start failed in a way that joining without it may get around. */
  get cameraFailed(): boolean {
    return !!this.error && CAMERA_FAILURES.includes(this.error.code);
  }

  /** You, then the others in the order they came. */
  get participants(): Participant[] {
    const host = this.#host;
    const self: Participant = {
      ...quiet(this.room.id ?? '', host.name, true),
      stream: this.#stream ?? this.media.stream,
      muted: host.muted || !hasAudio(this.#stream ?? this.media.stream),
      cameraOff: host.cameraOff || !(this.#stream ?? this.media.stream)?.getVideoTracks().length,
      hand: this.hand,
      level: this.#selfLevel,
      speaking: !host.muted && this.#selfLevel > SPEAKING_LEVEL,
      reaction: this.#selfReaction,
    };
    return [self, ...this.#peers.values()];
  }

  hostUpdated(): void {
    if (this.state === 'joining' && this.room.state === 'joined') void this.#admit();
  }

  hostDisconnected(): void {
    clearInterval(this.#meter);
    // A move within the page keeps the call (as the Room does); a removal ends it.
    queueMicrotask(() => this.#host.isConnected || this.leave());
  }

  /** Starts the join screen's preview of the inner camera and microphone (nothing is sent). */
  preview(): Promise<MediaStream | null> {
    this.error = null;
    return this.media.start();
  }

  /** Chooses the camera or microphone (`kind`) by device id: switched in place while capturing. */
  async chooseDevice(kind: 'video' | 'audio', deviceId: string): Promise<void> {
    if (kind === 'video') this.cameraId = deviceId;
    else this.microphoneId = deviceId;
    await this.media.switchDevice(kind, deviceId);
  }

  /** Joins the room; capture starts once the relay has a seat for us. */
  join(withoutCamera = false): void {
    if (this.active) return;
    if (withoutCamera !== this.withoutCamera) {
      this.withoutCamera = withoutCamera;
      // A preview with the camera is not what this join sends.
      this.media.stop();
    }
    this.error = this.notice = null;
    this.state = 'joining';
    this.#host.requestUpdate();
  }

  /** Leaves (or stops joining): every track stopped, the Room given back. */
  leave(): void {
    if (!this.active) {
      this.media.stop();
      return;
    }
    this.#end(null);
  }

  /** Shares a screen instead of the camera's video, or stops sharing (back to the camera). */
  async toggleScreen(): Promise<void> {
    if (this.screen) return this.#stopScreen();
    const run = this.#run;
    let screen: MediaStream;
    try {
      screen = await navigator.mediaDevices.getDisplayMedia();
    } catch (error) {
      if (run === this.#run) this.#warn(mediaErrorCode(error, 'screen'));
      return;
    }
    const track = screen.getVideoTracks()[0];
    if (run !== this.#run || !track) return stopStream(screen);
    // The browser's own "Stop sharing" ends the track: back to the camera.
    track.addEventListener('ended', () => {
      if (this.screen === track) void this.#stopScreen();
    });
    this.screen = track;
    this.#replace(track);
    this.#host.requestUpdate();
  }

  /** Raises or lowers your hand, for everyone. */
  toggleHand(): void {
    this.hand = !this.hand;
    this.sendStatus();
    this.#host.requestUpdate();
  }

  /** Shows `reaction` on your tile, for everyone. */
  react(reaction: (typeof REACTIONS)[number]): void {
    this.room.channel?.sendJSON({ reaction } satisfies CallReaction);
    this.#selfReaction = reaction;
    this.#expireReaction(() => (this.#selfReaction = ''), reaction);
    this.#host.requestUpdate();
  }

  /** Tells the others our status (all of them, or `to` one that just opened the channel). */
  sendStatus(to?: string): void {
    const { muted, cameraOff } = this.#host;
    const status: CallStatus = { muted, cameraOff, hand: this.hand };
    this.room.channel?.sendJSON(status, to === undefined ? undefined : { to });
  }

  /** Hides the banner. */
  dismiss(): void {
    this.notice = null;
    this.#host.requestUpdate();
  }

  // ---- what the Room reports (the element forwards its own events here) ----------------------

  peerJoined(id: string, name: string): void {
    const peer = this.#peer(id);
    peer.name = name;
    this.#host.requestUpdate();
  }

  peerRenamed(id: string, name: string): void {
    this.peerJoined(id, name);
  }

  /** A peer left: its tile goes. Returns the name it had, or undefined when it had no tile. */
  peerLeft(id: string): string | undefined {
    const peer = this.#peers.get(id);
    this.#peers.delete(id);
    if (this.activeSpeaker === id) this.activeSpeaker = '';
    this.#host.requestUpdate();
    return peer?.name;
  }

  /** The safety code of the link to `id` is known (with a passphrase: the peer proved it). */
  safetyCodeKnown(id: string, code: string, verified: boolean): void {
    const peer = this.#peers.get(id);
    if (!peer) return;
    peer.safetyCode = code;
    peer.verified = verified;
    this.#host.requestUpdate();
  }

  /** A message on the `rtc-call` channel: a status or a reaction, checked field by field. */
  received(from: string, data: unknown): void {
    const peer = this.#peers.get(from);
    if (!peer || typeof data !== 'object' || data === null) return;
    const message = data as Partial<CallStatus & CallReaction>;
    if (typeof message.reaction === 'string') {
      const reaction = REACTIONS.find((known) => known === message.reaction);
      if (!reaction) return;
      peer.reaction = reaction;
      this.#expireReaction(() => (peer.reaction = ''), reaction, peer);
      this.#events.onReaction(from, reaction);
    } else {
      const hand = message.hand === true;
      peer.muted = message.muted === true;
      peer.cameraOff = message.cameraOff === true;
      if (hand !== peer.hand) {
        peer.hand = hand;
        this.#events.onHand(from, hand);
      }
    }
    this.#host.requestUpdate();
  }

  /**
   * An error the Room or the relay reported: one after which the client gave up (`fatal`) ends
   * the call; any other is shown in a banner.
   */
  failed(error: CallError & { fatal?: boolean }): void {
    if (error.fatal) this.#end(error);
    else this.#warn(error.code, error);
  }

  // ---- the call's life ---------------------------------------------------------------------

  /** On the relay's welcome: turned away by `max-peers`, or capture and send. */
  async #admit(): Promise<void> {
    // Everyone in `welcome` is in the room already; we would be one more.
    if (this.room.peers.length >= this.#host.maxPeers) return this.#end({ code: 'room-full' });
    this.state = 'live';
    clearInterval(this.#meter);
    const run = this.#run;
    const stream = await this.#capture();
    if (run !== this.#run) return;
    if (!stream && !this.withoutCamera) return this.#end(this.#captureError());
    this.#stream = stream;
    this.#measure(stream);
    for (const [id, peer] of this.#peers) if (peer.link) this.#send(peer.link, id);
    this.#timer = setInterval(() => void this.#poll(), this.#statsInterval);
    this.#events.onJoin(this.room.id ?? '');
    this.#host.requestUpdate();
  }

  /** The stream to send: the page's camera's, or ours (without the camera: the microphone, or nothing). */
  async #capture(): Promise<MediaStream | null> {
    const camera = this.#host.externalCamera();
    // Without the camera, a microphone that fails too still lets us in, to listen (see #admit).
    if (camera === undefined) return this.media.start();
    if (!camera) return null;
    // The page's <rtc-camera> upgrades when its module loads (the loader fetches it for the tag;
    // a bundler page imports it): not imported here, so a call without one never downloads it.
    await customElements.whenDefined('rtc-camera');
    this.#camera = camera;
    const stream = await camera.start();
    // The camera switched devices: its stream holds the new track. (On the camera itself: one given
    // by id elsewhere in the page does not bubble through us.)
    camera.addEventListener('rtc-camera-track', ({ detail }) => this.#replace(detail.track), this.#follow);
    return stream;
  }

  /** Why the capture gave no stream: the camera's error, or no-device for a `camera` naming nothing. */
  #captureError(): CallError {
    const camera = this.#camera;
    if (camera) return camera.error ?? { code: 'no-device' };
    if (this.#host.externalCamera() === null) return { code: 'no-device' };
    return { code: this.#lastMediaError ?? 'device-busy' };
  }

  /**
   * Stops every track and lets the Room go (the RoomController releases it on the next update).
   * With an `error`, the element shows it; a `room-full` (ours or the relay's) is `full`.
   */
  #end(error: CallError | null): void {
    this.#run++;
    this.#follow.abort();
    this.#follow = new AbortController();
    clearInterval(this.#timer);
    this.screen?.stop();
    this.screen = null;
    this.#stream = null;
    this.#measure(null);
    this.media.stop();
    this.#camera?.stop();
    this.#camera = null;
    // The others stop receiving us, also on links a chat keeps up.
    for (const link of this.room.links.values()) stopSending(link);
    this.#peers.clear();
    this.hand = false;
    this.activeSpeaker = '';
    this.notice = null;
    this.state = error?.code === 'room-full' ? 'full' : 'idle';
    this.error = error;
    this.#events.onEnd(error);
    this.#host.requestUpdate();
  }

  #onLink(peer: string, link: PeerLink): void {
    this.#peer(peer).link = link;
    link.addEventListener('state', () => this.#events.onConnectionState(peer, link.state), this.#follow);
    // Media sections first, so that we and the peer never both add new ones at once (link-media.ts says why).
    reserveMedia(link);
    if (this.#stream) this.#send(link, peer);
    this.#host.requestUpdate();
  }

  #onTrack(detail: RoomTrack): void {
    // Our peers send every track with their stream; a replayed track may come before the peer's
    // replayed join: the tile is made here, named there.
    this.#peer(detail.peer).stream = detail.streams[0] ?? null;
    this.#events.onTrack(detail);
    this.#host.requestUpdate();
  }

  /** Adds what we send to `link`: the camera's tracks, the screen instead of its video. */
  #send(link: PeerLink, peer: string): void {
    const stream = this.#stream;
    if (!stream || !this.#peers.has(peer)) return;
    const tracks = stream.getTracks().map((track) => (track.kind === 'video' && this.screen) || track);
    sendTracks(link, tracks, stream);
  }

  /** Sends `track` on every link instead of the one of its kind (no renegotiation). */
  #replace(track: MediaStreamTrack): void {
    if (!this.#stream) return;
    for (const link of this.room.links.values()) void replaceTrack(link, track);
  }

  #stopScreen(): void {
    this.screen?.stop();
    this.screen = null;
    const video = this.#stream?.getVideoTracks()[0];
    if (video) this.#replace(video);
    this.#host.requestUpdate();
  }

  /** Shows a problem the call survives and reports it. */
  #warn(code: string, error: Partial<CallError> = {}): void {
    this.notice = { ...error, code };
    this.#events.onError(this.notice);
    this.#host.requestUpdate();
  }

  /** Speaking levels (yours from the microphone, theirs from getStats) and each link's quality. */
  async #poll(): Promise<void> {
    const run = this.#run;
    this.#selfLevel = this.#level?.read() ?? 0;
    let loudest = SPEAKING_LEVEL;
    for (const [id, peer] of this.#peers) {
      if (!peer.link) continue;
      const { rtt, loss, audioLevel } = await linkStats(peer.link);
      if (run !== this.#run) return;
      peer.level = audioLevel;
      peer.speaking = !peer.muted && audioLevel > SPEAKING_LEVEL;
      peer.quality = rtt > POOR_RTT || loss > POOR_LOSS ? 1 : rtt > FAIR_RTT || loss > FAIR_LOSS ? 2 : 3;
      if (audioLevel > loudest) {
        loudest = audioLevel;
        this.activeSpeaker = id;
      }
    }
    this.#host.requestUpdate();
  }

  /**
   * Measures the level of `stream` for your tile and the join screen's meter (null: stop). The
   * meter's code is imported on the first stream with audio; until it is in, the level reads 0.
   */
  #measure(stream: MediaStream | null): void {
    const measuring = ++this.#measuring;
    this.#level?.close();
    this.#level = null;
    this.#selfLevel = 0;
    if (!hasAudio(stream)) return;
    loadLevels().then(
      ({ AudioLevel }) => {
        if (measuring === this.#measuring) this.#level = new AudioLevel(stream);
      },
      // Without its code there is no meter and no speaking ring of your own: the call goes on.
      () => undefined,
    );
  }

  #readPreviewLevel(): void {
    this.#selfLevel = this.#level?.read() ?? 0;
    this.previewLevel = this.#selfLevel;
    this.#host.requestUpdate();
  }

  #expireReaction(clear: () => void, reaction: string, peer?: Peer): void {
    setTimeout(() => {
      // A newer reaction replaced it meanwhile (then it expires by itself).
      if ((peer ? peer.reaction : this.#selfReaction) !== reaction) return;
      clear();
      this.#host.requestUpdate();
    }, this.#reactionTime);
  }

  #peer(id: string): Peer {
    let peer = this.#peers.get(id);
    if (!peer) this.#peers.set(id, (peer = quiet(id, '', false)));
    return peer;
  }

  /** The MediaController's view of the call: a camera source with the call's mute and camera-off. */
  #mediaHost(): MediaHost {
    const host = this.#host;
    return {
      addController: (controller) => host.addController(controller),
      removeController: (controller) => host.removeController(controller),
      requestUpdate: () => host.requestUpdate(),
      get updateComplete() {
        return host.updateComplete;
      },
      get isConnected() {
        return host.isConnected;
      },
      source: 'camera',
      timeout: 20_000,
      get muted() {
        return host.muted;
      },
      get cameraOff() {
        return host.cameraOff;
      },
    };
  }
}
