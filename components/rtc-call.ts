import { html, nothing, type PropertyValues } from 'lit';
import { define } from './internal/ui/define.js';
import { RtcElement, button, errorBox } from './internal/ui/element.js';
import { mediaErrorText, showStream, stopStream } from './internal/media/media.js';
import type { PeerLink } from './internal/mesh/peer-link.js';
import type { Room } from './internal/mesh/room.js';
import { RoomController, roomProperties } from './internal/controllers/room-controller.js';
import './rtc-camera.js';
import type { RtcCamera, RtcCameraStrings } from './rtc-camera.js';
import { styles } from './rtc-call.styles.js';

/**
 * Every text the element shows. Replace any of them with the `strings` attribute (JSON) or property;
 * the same object reaches the inner `<rtc-camera>`, so its keys (`start`, the error texts) work too.
 */
export const rtcCallStrings = {
  join: 'Join',
  /** The name field's accessible name and placeholder. */
  name: 'Your name',
  you: 'You',
  guest: 'Guest',
  mute: 'Mute',
  cameraOff: 'Camera off',
  share: 'Share screen',
  hangUp: 'Leave',
  /** Shown when the browser blocked the remote audio. */
  enableAudio: 'Enable audio',
  /** A tile's muted badge. */
  muted: 'Muted',
  /** The accessible name of a tile's connection-quality meter. */
  quality: 'Connection',
  /** Announced; `{name}` is replaced. */
  joined: '{name} joined',
  left: '{name} left',
  'room-full': 'The call is full.',
  'room-full-hint': 'Try again later.',
};
export type RtcCallStrings = typeof rtcCallStrings;

/** What a call sends its peers on the data channel labelled `rtc-call` (JSON). */
export interface RtcCallStatus {
  muted: boolean;
  cameraOff: boolean;
}

export interface RtcCallErrorDetail {
  /** `room-full`, a camera code (`permission-denied`...), `ice-failed`, or a signaling code. */
  code: string;
  message: string;
  hint: string;
}
export interface RtcTrackDetail {
  peer: string;
  track: MediaStreamTrack;
  streams: readonly MediaStream[];
}
export interface RtcConnectionStateDetail {
  peer: string;
  state: RTCPeerConnectionState;
}

/** A remote participant. */
interface Tile extends Partial<RtcCallStatus> {
  /** Unset until the peer's `rtc-peer-join` (a replayed track may come first). */
  name?: string;
  stream?: MediaStream;
  speaking?: boolean;
  /** 3 good, 2 fair, 1 poor (from getStats). */
  quality?: number;
  self?: boolean;
  /** Its connection, once it may carry tracks (the Room's `link` event). */
  link?: PeerLink;
}

/**
 * A group video call for a handful of people (a mesh: one peer connection per pair), on the Room
 * core: `<rtc-call room="standup"></rtc-call>`. A join screen comes first (a preview with device
 * choice, a name field, a join button); nothing is captured or connected before joining, unless
 * `autojoin`. The call joins the room first and captures only once it knows there is a seat.
 *
 * `max-peers` is checked against the relay's `welcome`, which lists who is in the room in the
 * order the relay admitted them, so two people joining at once are ordered by the relay. One turned
 * away was in the room for a moment; someone joining in that moment may be turned away too.
 *
 * Mute and camera-off are `track.enabled = false` (silence, black frames) and are sent to the
 * others as `RtcCallStatus` JSON on the data channel labelled `rtc-call`.
 *
 * @summary A drop-in group video call.
 *
 * @attr room - The room to join.
 * @attr signaling - The relay's signaling URL. Default: `/signal` on the origin the script came from.
 * @attr name - Your name, shown to the others (the join screen's field sets it).
 * @attr {boolean} autojoin - Join at once, without the join screen.
 * @attr {boolean} audio-only - No video.
 * @attr {boolean|string} video - The inner camera's `video`: `true` (default) or an ideal size such as `640x360`.
 * @attr camera - The id of an `<rtc-camera>` of the page to send instead of the inner one (an `<rtc-camera>` child works too).
 * @attr {number} max-peers - The most people in the call, you included (default 6).
 * @attr {boolean} muted - The microphone is muted (reflected).
 * @attr {boolean} camera-off - The camera is off (reflected).
 * @attr strings - JSON object replacing any text (see `rtcCallStrings`).
 * @attr {'idle'|'joining'|'live'|'full'} state - Read-only, reflected.
 *
 * @slot - An `<rtc-camera>` to use for your own tile.
 *
 * @csspart grid - The tiles.
 * @csspart tile - Each participant's tile; yours also has the part `self`.
 * @csspart name - A tile's name.
 * @csspart muted - A tile's muted badge.
 * @csspart quality - A tile's connection `<meter>` (3 good, 1 poor).
 * @csspart join - The join form; `input` its name field.
 * @csspart error - Why the last join failed (`role="alert"`); contains `error-message` and `error-hint`.
 * @csspart error-message - What went wrong.
 * @csspart error-hint - What to do about it.
 * @csspart controls - The call's toolbar.
 * @csspart button - Every button; also `join-button`, `mute-button`, `camera-button`, `share-button`, `leave-button`, `audio-button`.
 *
 * @cssproperty --rtc-call-tile - The smallest tile width (default `16rem`).
 * @cssproperty --rtc-call-accent - Primary buttons, focus and the speaking ring (default `#2563eb`).
 * @cssproperty --rtc-call-danger - Pressed toggles and leave (default `#dc2626`).
 *
 * @fires rtc-call-join - You are in the call, sending. detail: `{ id }`.
 * @fires rtc-call-leave - You left (hang up, or removed from the page).
 * @fires rtc-peer-join - {id, name} Someone is in the room.
 * @fires rtc-peer-leave - {id} Someone left.
 * @fires rtc-track - {peer, track, streams} A remote track arrived.
 * @fires rtc-connection-state - {peer, state} A peer connection's state changed.
 * @fires rtc-call-error - {code, message, hint} `room-full`, a camera error, `ice-failed`, a signaling error.
 *
 * @tagname rtc-call
 */
export class RtcCall extends RtcElement<RtcCallStrings> {
  static override styles = styles;

  // One table instead of a decorator per property (as <rtc-camera>): fewer bytes shipped.
  static override properties = {
    ...roomProperties,
    autojoin: { type: Boolean },
    audioOnly: { type: Boolean },
    video: {},
    camera: {},
    maxPeers: { type: Number },
    muted: { type: Boolean, reflect: true },
    cameraOff: { type: Boolean, reflect: true },
    state: { reflect: true },
  };

  room = '';
  signaling = '';
  name = '';
  autojoin = false;
  audioOnly = false;
  video: boolean | string = true;
  camera = '';
  maxPeers = 6;
  muted = false;
  cameraOff = false;
  /** `idle` (join screen), `joining`, `live`, `full` (turned away by `max-peers`). */
  state: 'idle' | 'joining' | 'live' | 'full' = 'idle';
  /** The last join's error, shown on the join screen. */
  error: RtcCallErrorDetail | null = null;

  protected override readonly defaults = rtcCallStrings;
  /** The browser refused to play remote audio without a gesture. */
  #blocked?: boolean;
  /** The stream sent (the camera's), once live. */
  #stream?: MediaStream | null;
  /** The screen-share track sent instead of the camera's video. */
  #screen?: MediaStreamTrack | null;
  /** The others, by peer id. */
  #tiles = new Map<string, Tile>();
  /** The Room whose `link` and `track` events we follow. */
  #room?: Room | null;
  /**
   * The options of our listeners on #room and its links (addEventListener reads its `signal`):
   * aborted when we stop following #room (a hang up), which removes them all.
   */
  #follow?: AbortController;
  #announcement?: string;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The camera this join started (#cam at the time). */
  #started?: RtcCamera | null;
  /** Counts joins and leaves: a capture that resolves after a leave is dropped. */
  #run = 0;

  #ctl = new RoomController(this, () => ({
    room: this.#active ? this.room : '',
    signaling: this.signaling,
    name: this.name,
    label: 'rtc-call',
  }));

  constructor() {
    super();
    for (const type of ['peer-join', 'peer-leave', 'open', 'message', 'peer-error', 'signaling-error']) {
      this.addEventListener(`rtc-${type}`, this.#onEvent);
    }
  }

  /** Joins the room, then captures (unless `max-peers` turns us away). */
  join(): void {
    if (this.#active) return;
    this.error = null;
    this.state = 'joining';
  }

  /** Leaves: every track stopped (the camera's and a screen share), every connection closed. */
  hangUp(): void {
    if (!this.#active) return;
    this.#end();
    this.emit('rtc-call-leave', {});
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autojoin) this.join();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A move within the page keeps the call (as the Room does); a removal ends it.
    queueMicrotask(() => this.isConnected || this.hangUp());
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Follow the Room the controller holds: its links carry our tracks, its tracks make tiles.
    const room = this.#ctl.room;
    if (room !== this.#room) {
      this.#follow?.abort();
      this.#follow = new AbortController();
      for (const type of ['link', 'track']) room?.addEventListener(type, this.#onEvent, this.#follow);
      this.#room = room;
      // A Room another element holds (a chat's) may have links up and tracks in already.
      room?.replay(this.#onEvent);
    }
    if (this.state === 'joining' && this.#ctl.state === 'joined') void this.#admit(room!);
    // The others' videos, in the order of their tiles (your own is in an <rtc-camera>). A call that
    // ended in this update (#admit: room-full) has no tiles left, only videos until the next render.
    // A paused one is played (a new stream pauses it), unless the browser wants a gesture first.
    const others = [...this.#tiles.values()];
    this.renderRoot.querySelectorAll('video').forEach((video, i) => {
      showStream(video, others[i]?.stream);
      if (video.paused && !this.#blocked) {
        // NotAllowedError: no user gesture yet (an AbortError only means a newer stream came first).
        video.play().catch((error: Error) => {
          if (error.name === 'NotAllowedError') {
            this.#blocked = true;
            this.requestUpdate();
          }
        });
      }
    });
    if (changed.has('muted') || changed.has('cameraOff')) {
      const status: RtcCallStatus = { muted: this.muted, cameraOff: this.cameraOff };
      const cam = this.#cam;
      if (cam) Object.assign(cam, status);
      this.#ctl.channel?.sendJSON(status);
    }
  }

  protected override render() {
    const t = this.t;
    const live = this.#active;
    // Your tile first, then the others'.
    const tiles: Tile[] = [{ name: this.name || t.you, muted: this.muted, self: true }, ...this.#tiles.values()];
    return html`<div part="grid">${tiles.map((tile) => {
      const name = tile.name || t.guest;
      return html`<div part="tile${tile.self ? ' self' : ''}" role="group" aria-label=${tile.muted ? `${name}, ${t.muted}` : name} ?speaking=${tile.speaking} ?camera-off=${tile.cameraOff}>${
        tile.self
          ? // The inner camera, unless the page gives one (by id, or as a child: then slotted here).
            html`<slot>${
              this.camera || this.querySelector('rtc-camera')
                ? nothing
                : html`<rtc-camera controls=${live ? 'devices' : 'start devices'} .video=${!this.audioOnly && this.video} .strings=${this.strings as Partial<RtcCameraStrings>}></rtc-camera>`
            }</slot>`
          : html`<video playsinline></video>`
      }<div class="badges"><span part="name">${name}</span>${tile.muted ? html`<span part="muted">${t.muted}</span>` : nothing}${
        tile.quality
          ? html`<meter part="quality" max="3" low="2" optimum="3" value=${tile.quality} aria-label=${t.quality}></meter>`
          : nothing
      }</div></div>`;
    })}</div>
${
  live
    ? html`<div part="controls">${[
        button('mute', t.mute, () => (this.muted = !this.muted), { pressed: this.muted }),
        this.audioOnly
          ? nothing
          : [
              button('camera', t.cameraOff, () => (this.cameraOff = !this.cameraOff), { pressed: this.cameraOff }),
              button('share', t.share, this.#share, { pressed: !!this.#screen }),
            ],
        this.#blocked ? button('audio', t.enableAudio, this.#unblock) : nothing,
        button('leave', t.hangUp, this.hangUp, { kind: 'danger' }),
      ]}</div>`
    : // Enter in the name field submits the form (its only text field); a dialog method submits nowhere.
      html`<form part="join" method="dialog" @submit=${this.join}>${errorBox(this.error)}<input part="input" aria-label=${t.name} placeholder=${t.name} .value=${this.name} @input=${(e: Event) => (this.name = (e.target as HTMLInputElement).value)}>${button('join', t.join, this.join, { kind: 'primary' })}</form>`
}
<div class="sr" role="status">${this.#announcement}</div>`;
  }

  /** The camera sent: the `camera` id's, a child `<rtc-camera>`, or the inner one. */
  get #cam(): RtcCamera | null {
    return this.camera
      ? ((this.getRootNode() as Document).getElementById?.(this.camera) as RtcCamera | null)
      : (this.querySelector('rtc-camera') ?? this.renderRoot.querySelector('rtc-camera'));
  }

  /** Joining or in the call: the Room is held. */
  get #active(): boolean {
    return this.state === 'joining' || this.state === 'live';
  }

  /** Adds our tracks to `link`: the camera's, with the screen share instead of its video. */
  #send(link: PeerLink): void {
    const stream = this.#stream;
    for (const track of stream?.getTracks() ?? [])
      link.pc.addTrack((track.kind === 'video' && this.#screen) || track, stream!);
  }

  /** On the relay's welcome: turned away by `max-peers`, or capture and send. */
  async #admit(room: Room): Promise<void> {
    // Everyone in `welcome` is in the room already; we would be one more.
    if (room.signaling.peers.length >= this.maxPeers) {
      return this.#end({ code: 'room-full' });
    }
    this.state = 'live';
    const run = this.#run;
    // Kept for #end: once we leave the page, a camera="id" can no longer be looked up from here.
    const cam = (this.#started = this.#cam);
    const stream = await cam?.start();
    if (run !== this.#run) return;
    // The camera's error (its code, text and hint), or no-device (with a camera's texts for it) when
    // `camera` names no element.
    if (!stream)
      return this.#end(
        cam?.error ?? {
          code: 'no-device',
          message: mediaErrorText['no-device'],
          hint: mediaErrorText['no-device-hint'],
        },
      );
    this.#stream = stream;
    // On the camera itself: one given by id elsewhere in the page does not bubble through us.
    // The camera switched devices: its stream holds the new track.
    cam!.addEventListener('rtc-camera-track', this.#resend);
    for (const { link } of this.#tiles.values()) if (link) this.#send(link);
    this.#timer = setInterval(this.#poll, 1000);
    this.emit('rtc-call-join', { id: room.id });
  }

  /**
   * Stops every track and lets the Room go (the controller releases it on the next update); with
   * an `error`, shows it and fires `rtc-call-error`. A `room-full` (ours or the relay's) is `full`.
   */
  #end(error: { code: string; message?: string; hint?: string } | null = null): void {
    this.#run++;
    clearInterval(this.#timer);
    this.#screen?.stop();
    this.#screen = this.#stream = null;
    (this.#started ?? this.#cam)?.stop();
    this.#started = null;
    // The others stop receiving us, also on connections a chat keeps up (a closed Room has no links).
    this.#room?.links.forEach(({ pc }) => pc.getSenders().forEach((sender) => pc.removeTrack(sender)));
    this.#tiles.clear();
    this.state = error?.code === 'room-full' ? 'full' : 'idle';
    // The texts `strings` has for this code (`room-full` has defaults), else the error's own.
    this.error = error && this.errorText(error.code, error);
    if (error) this.emit('rtc-call-error', this.error);
  }

  /** Speaking, round-trip time and packet loss of every link, from getStats(). */
  #poll = async (): Promise<void> => {
    for (const tile of this.#tiles.values()) {
      const link = tile.link;
      if (!link) continue;
      // Chromium reports all of these; a missing one compares as false below.
      let rtt = 0;
      let lost = 0;
      let received = 0;
      let level = 0;
      (await link.pc.getStats()).forEach((s) => {
        // Only a candidate pair has `nominated`.
        if (s.nominated) rtt = s.currentRoundTripTime;
        if (s.type === 'inbound-rtp') {
          lost += s.packetsLost;
          received += s.packetsReceived;
          if (s.kind === 'audio') level = s.audioLevel;
        }
      });
      const loss = lost / (lost + received || 1);
      tile.speaking = level > 0.03;
      tile.quality = rtt > 0.4 || loss > 0.05 ? 1 : rtt > 0.15 || loss > 0.02 ? 2 : 3;
    }
    this.requestUpdate();
  };

  /**
   * Sends a screen's video instead of the camera's, or while sharing, the camera's again (the screen
   * stopped). Called with the element as `this` (a button's click, Lit's `host` option).
   */
  async #share(): Promise<void> {
    const run = this.#run;
    // Sharing: none, back to the camera. Else a screen's video (what getDisplayMedia() asks for by
    // default), or none when refused.
    const screen = this.#screen ? null : await navigator.mediaDevices.getDisplayMedia().catch(() => null);
    if (run !== this.#run) return stopStream(screen);
    const track = screen?.getVideoTracks()[0];
    // The browser's own "Stop sharing" ends the track: back to the camera.
    track?.addEventListener('ended', () => {
      if (this.#screen === track) void this.#share();
    });
    this.#screen?.stop();
    this.#screen = track;
    this.#resend();
    this.requestUpdate();
  }

  /**
   * Sends what we send now on every link with replaceTrack (no renegotiation): the camera's track
   * of each kind (its current device), or the screen share instead of its video.
   */
  #resend = (): void => {
    this.#room?.links.forEach(({ pc }) =>
      pc.getSenders().forEach((sender) => {
        // Only ours have a track: senders of an earlier join (before a hang up) send nothing and stay so.
        const kind = sender.track?.kind;
        if (kind)
          void sender.replaceTrack(
            (kind === 'video' && this.#screen) || this.#stream!.getTracks().find((track) => track.kind === kind)!,
          );
      }),
    );
  };

  #unblock(): void {
    // Within the gesture: updated() plays the videos.
    this.#blocked = false;
    this.requestUpdate();
  }

  /**
   * What the RoomController dispatches on this element (not what bubbles up from children), and
   * the Room's `link` and `track`.
   */
  #onEvent = (event: Event): void => {
    const { type, target, detail: d } = event as CustomEvent;
    if (target !== this && target !== this.#room) return;
    const t = this.t;
    const id: string = d.id ?? d.from ?? d.peer;
    const tile = this.#tiles.get(id);
    if (type === 'link') {
      const link: PeerLink = d.link;
      this.#tiles.set(id, { ...tile, link });
      // Until we stop following the Room: the replay of a rejoin adds it again, once.
      link.addEventListener(
        'state',
        () => this.emit('rtc-connection-state', { peer: id, state: link.state }),
        this.#follow,
      );
      // Media sections first, so that we and the peer never both add new ones at once (PeerLink says why).
      link.reserveMedia();
      this.#send(link);
    } else if (type === 'track') {
      // Our peers send every track with their stream (#send()). A replayed track may come before
      // the controller's replayed peer-join: the tile is made here, named there.
      this.#tiles.set(id, { ...tile, stream: d.streams[0] });
      this.emit('rtc-track', d);
    } else if (type === 'rtc-peer-join') {
      this.#tiles.set(id, { ...tile, name: d.name });
      this.#announcement = t.joined.replace('{name}', d.name || t.guest);
    } else if (type === 'rtc-peer-leave') {
      // Its link is closed (and goes with its tile): no more stats or replaceTrack on it.
      if (tile) {
        this.#tiles.delete(id);
        this.#announcement = t.left.replace('{name}', tile.name || t.guest);
      }
    } else if (type === 'rtc-open')
      this.#ctl.channel?.sendJSON({ muted: this.muted, cameraOff: this.cameraOff }, { to: id });
    else if (type === 'rtc-message') {
      if (tile) {
        tile.muted = d.data?.muted === true;
        tile.cameraOff = d.data?.cameraOff === true;
      }
    } else {
      // rtc-peer-error, rtc-signaling-error: those after which the client gave up (`fatal`) end the call.
      if (d.fatal) this.#end(d);
      else this.emit('rtc-call-error', d);
    }
    this.requestUpdate();
  };
}

define('rtc-call', RtcCall);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call': RtcCall;
  }
  interface GlobalEventHandlersEventMap {
    'rtc-call-join': CustomEvent<{ id: string }>;
    'rtc-call-leave': CustomEvent<Record<string, never>>;
    'rtc-call-error': CustomEvent<RtcCallErrorDetail>;
    'rtc-track': CustomEvent<RtcTrackDetail>;
    'rtc-connection-state': CustomEvent<RtcConnectionStateDetail>;
  }
}
