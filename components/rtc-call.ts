import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { define } from './internal/ui/define.js';
import { RtcElement, errorBox } from './internal/ui/element.js';
import { icon, type IconName } from './internal/ui/icons.js';
import { languageOf } from './internal/ui/locale.js';
import { fitGrid, ResizeController } from './internal/ui/tile-layout.js';
import { mediaErrorText, showStream } from './internal/media/media.js';
import { roomProperties } from './internal/controllers/room-controller.js';
import type {
  RtcMessageEvent,
  RtcOpenEvent,
  RtcPeerErrorEvent,
  RtcPeerJoinEvent,
  RtcPeerLeaveEvent,
  RtcPeerRenameEvent,
  RtcSafetyCodeEvent,
  RtcSignalingErrorEvent,
  SafetyCodeDetail,
} from './internal/controllers/room-events.js';
import {
  CallController,
  REACTIONS,
  type CallError,
  type CallState,
  type Participant,
} from './internal/controllers/call-controller.js';
import type { RtcCamera } from './rtc-camera.js';
import type { TransportChoice } from './internal/signaling/transport.js';
import { styles } from './rtc-call.styles.js';

export { REACTIONS, type CallStatus as RtcCallStatus } from './internal/controllers/call-controller.js';
export type {
  PeerErrorDetail,
  PeerJoinDetail,
  PeerLeaveDetail,
  PeerRenameDetail,
  SafetyCodeDetail,
} from './internal/controllers/room-events.js';

/**
 * Every text the element shows, in English. The `lang` attribute (or the document's) picks built-in
 * texts in de, fr, es, pt, it, nl, pl, ja or zh; the `strings` attribute (JSON) or property replaces
 * any of them. The capture errors are keyed by code (`"no-device"`, `"no-device-hint"`).
 */
export const rtcCallStrings = {
  ...mediaErrorText,
  /** The join screen's heading. */
  ready: 'Ready to join?',
  join: 'Join',
  joinWithoutCamera: 'Join without camera',
  joining: 'Joining…',
  cancel: 'Cancel',
  /** The name field's label. */
  name: 'Your name',
  /** Starts the join screen's preview. */
  preview: 'Check camera and microphone',
  /** Starts the join screen's preview of an audio-only call. */
  previewAudio: 'Check microphone',
  /** The join screen's microphone meter. */
  level: 'Microphone level',
  camera: 'Camera',
  microphone: 'Microphone',
  you: 'You',
  guest: 'Guest',
  mute: 'Mute',
  unmute: 'Unmute',
  cameraOff: 'Stop camera',
  cameraOn: 'Start camera',
  share: 'Share screen',
  stopShare: 'Stop sharing',
  raiseHand: 'Raise hand',
  lowerHand: 'Lower hand',
  react: 'React',
  /** The reactions menu's accessible name. */
  reactions: 'Reactions',
  chat: 'Chat',
  closeChat: 'Close chat',
  gridView: 'Grid view',
  speakerView: 'Speaker view',
  /** A tile's buttons; `{name}` is replaced. */
  pin: 'Pin {name}',
  unpin: 'Unpin {name}',
  /** Opens the safety code of your connection to them. */
  verify: 'Safety code with {name}',
  /** The safety code panel's heading. */
  safetyCode: 'Safety code',
  safetyCodeHint: '{name} should see the same emoji. If not, someone may be listening in between you.',
  /** A tile's badge (and a line of the safety code panel) when they proved the room's passphrase. */
  verified: 'Verified with the passphrase',
  close: 'Close',
  fullscreen: 'Full screen',
  pictureInPicture: 'Picture in picture',
  hangUp: 'Leave',
  /** The toolbar's accessible name. */
  controls: 'Call controls',
  /** Shown when the browser blocked the remote audio. */
  enableAudio: 'Enable audio',
  audioBlocked: 'Your browser paused the sound of the call.',
  /** A tile's muted badge. */
  muted: 'Muted',
  /** A tile's raised-hand badge. */
  handRaised: 'Hand raised',
  /** A tile's connection indicator and its levels. */
  quality: 'Connection',
  good: 'good',
  fair: 'fair',
  poor: 'poor',
  waiting: 'Waiting for others to join',
  waitingHint: 'Share this page’s address to invite them.',
  reconnecting: 'Reconnecting…',
  sharing: 'You are sharing your screen',
  dismiss: 'Dismiss',
  /** Announced; `{name}` is replaced. */
  joined: '{name} joined',
  left: '{name} left',
  raised: '{name} raised a hand',
  'room-full': 'The call is full.',
  'room-full-hint': 'Try again later.',
  'peer-unverified': 'Someone could not prove the passphrase and was cut off.',
  'peer-unverified-hint':
    'Check that everyone has the same passphrase. If they do, someone between you may be listening in.',
  /** Joins again after an error; shares again after a screen error. */
  retry: 'Try again',
};
export type RtcCallStrings = typeof rtcCallStrings;

export interface RtcCallJoinDetail {
  /** Your peer id in the room. */
  id: string;
}
/** `rtc-call-leave` carries nothing. */
export type RtcCallLeaveDetail = Record<string, never>;
export interface RtcCallErrorDetail {
  /**
   * `room-full`, a camera code (`permission-denied`...), a screen code (`screen-denied`...), a peer's
   * code (`ice-failed`, `negotiation-failed`, `ice-servers-refused`), or a signaling code.
   */
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
export interface RtcCallHandDetail {
  peer: string;
  raised: boolean;
}
export interface RtcCallReactionDetail {
  peer: string;
  reaction: string;
}

/**
 * A group video call for a handful of people (a mesh: one peer connection per pair), on the Room
 * core: `<rtc-call room="standup"></rtc-call>`. A join screen comes first (your name, an optional
 * preview with device choice and a microphone meter); nothing is captured or connected before it,
 * unless `autojoin`. The call joins the room first and captures only once it knows there is a seat.
 *
 * Give the element a size (it fills its box: the grid fits the tiles into it, the control bar stays
 * at the bottom); by default it is as tall as the screen, up to 48rem.
 *
 * `max-peers` is checked against the relay's `welcome`, which lists who is in the room in the
 * order the relay admitted them, so two people joining at once are ordered by the relay.
 *
 * Mute and camera-off are `track.enabled = false` (silence, black frames); they, a raised hand and
 * reactions are sent to the others as JSON on the data channel labelled `rtc-call`.
 *
 * @summary A drop-in group video call.
 *
 * @attr room - The room to join.
 * @attr signaling - The relay's signaling URL. Default: `signal` beside the script the page loaded (`rtc-elements.js` on its relay).
 * @attr transport - How to reach the relay: `auto` (default: WebSocket, and SSE + POST at once when a
 *   proxy or network breaks WebSocket), `websocket` or `sse`; any other value is `auto`.
 * @attr name - Your name, shown to the others (the join screen's field sets it; a change while in the call renames you).
 * @attr token - A signed join token, for a relay that requires one (docs/security.md). A new value
 *   is used from the next join (a rejoin after a relay restart).
 * @attr token-url - A URL of your site that answers with a fresh join token (as text, or JSON
 *   `{"token": "..."}`), fetched before every join, so a session outlives its token. Wins over `token`.
 * @attr ice-transport-policy - `relay` connects through TURN servers only (the peers never learn each
 *   other's addresses); `all` (default) uses any route.
 * @attr passphrase - A secret the people in the call share (agreed in person, or over another
 *   channel than this page). Each participant must prove over their own connection that they know
 *   it before any of their sound, video or messages is used, which a relay that puts itself in the
 *   middle cannot do (docs/security.md); one who does not is cut off with `peer-unverified`. Set the
 *   property from a field the person types into rather than the attribute, which is in the page's
 *   source.
 * @attr verify-timeout - How long a connected participant has to prove the passphrase, in ms (default 10000).
 * @attr {boolean} autojoin - Join at once, without the join screen.
 * @attr {boolean} audio-only - No video: no camera or share buttons.
 * @attr {boolean|string} video - `true` (default) or the camera's ideal size, such as `640x360`.
 * @attr camera - The id of an `<rtc-camera>` of the page to send instead of capturing (an `<rtc-camera>` child works too).
 *   The page loads `<rtc-camera>` (the loader does for the tag; a bundler page imports it).
 * @attr {number} max-peers - The most people in the call, you included (default 6).
 * @attr {boolean} muted - The microphone is muted: its track sends silence (reflected).
 * @attr {boolean} camera-off - The camera is off: black frames, and your initials on your tile and theirs (reflected).
 * @attr {boolean} chat - A Chat button and side panel (an `<rtc-chat>` on the same room, loaded when first needed).
 * @attr {'grid'|'speaker'} layout - `grid` (default): everyone the same size; `speaker`: one large tile (the pinned one, else whoever speaks) and a strip.
 * @attr lang - The language of the texts (default: the nearest `lang` of the page).
 * @attr strings - JSON object replacing any text (see `rtcCallStrings`).
 * @attr {'idle'|'joining'|'live'|'full'} state - Read-only, reflected.
 *
 * @slot - An `<rtc-camera>` to send (it is not shown: your tile shows its stream).
 *
 * @csspart lobby - The join screen; `preview` its preview tile, `join` its form, `input` the name field, `select` the device pickers, `level` the microphone meter.
 * @csspart stage - The area of the tiles; `grid` holds them in the grid layout, `spotlight` and `filmstrip` in the speaker layout.
 * @csspart tile - Each participant's tile; yours also has the part `self`.
 * @csspart avatar - A tile's initials, shown while its camera is off.
 * @csspart name - A tile's name.
 * @csspart muted - A tile's muted badge.
 * @csspart hand - A tile's raised-hand badge.
 * @csspart reaction - A reaction shown on a tile.
 * @csspart quality - A tile's connection indicator (`role="meter"`, 3 good, 1 poor).
 * @csspart verified - A tile's badge when they proved the room's passphrase.
 * @csspart safety-code - A tile's safety code panel (the tile's Safety code button opens it); `code` holds its emoji.
 * @csspart banner - A message over the tiles: also `waiting-banner`, `reconnecting-banner`, `error-banner`, `audio-banner`, `sharing-banner`.
 * @csspart error - Why the last join failed (`role="alert"`); contains `error-message` and `error-hint`.
 * @csspart error-message - What went wrong.
 * @csspart error-hint - What to do about it.
 * @csspart controls - The call's toolbar.
 * @csspart reactions - The reactions menu.
 * @csspart chat-panel - The chat side panel.
 * @csspart button - Every button; also `join-button`, `join-without-camera-button`, `retry-button`, `cancel-button`, `preview-button`, `mute-button`, `camera-button`, `share-button`, `hand-button`, `react-button`, `chat-button`, `layout-button`, `leave-button`, `audio-button`, `dismiss-button`, `pin-button`, `fullscreen-button`, `pip-button`, `verify-button`, `close-button`.
 *
 * @cssproperty --rtc-call-height - The element's height (default `min(100dvh, 48rem)`).
 * @cssproperty --rtc-call-background - Behind the tiles (default: light grey, or near-black in dark mode).
 * @cssproperty --rtc-call-tile-background - A tile without video (default: a dark slate).
 * @cssproperty --rtc-call-accent - The join button, focus, active toggles and the speaking ring (default `#2563eb`).
 * @cssproperty --rtc-call-danger - Leave, and a muted microphone or stopped camera (default `#dc2626`).
 * @cssproperty --rtc-call-radius - The tiles' corner radius (default `0.75rem`).
 *
 * @fires {RtcCallJoinDetail} rtc-call-join - You are in the call and sending (`id`: your peer id).
 * @fires {RtcCallLeaveDetail} rtc-call-leave - You left: hang up, or the element was removed.
 * @fires {RtcCallErrorDetail} rtc-call-error - `room-full`; a camera error (`permission-denied`,
 *   `no-device`...; `no-device` too when `camera` names no element), after which the call is left;
 *   a screen error (`screen-denied`, `screen-unsupported`, `screen-failed`), after which the call
 *   goes on; `ice-failed` (a TURN server is needed), `negotiation-failed`; a signaling error
 *   (`connection-failed` while the client retries; those the client gives up on end the call);
 *   `peer-unverified` (someone did not prove the passphrase and was cut off).
 * @fires {RtcCallHandDetail} rtc-call-hand - Someone raised or lowered a hand.
 * @fires {RtcCallReactionDetail} rtc-call-reaction - Someone sent a reaction.
 * @fires {PeerJoinDetail} rtc-peer-join - Someone is in the room.
 * @fires {PeerLeaveDetail} rtc-peer-leave - Someone left.
 * @fires {PeerRenameDetail} rtc-peer-rename - Someone changed their name.
 * @fires {RtcTrackDetail} rtc-track - A remote track arrived.
 * @fires {RtcConnectionStateDetail} rtc-connection-state - A peer connection's `connectionState`
 *   changed (while joining or in the call).
 * @fires {SafetyCodeDetail} rtc-safety-code - The safety code of your connection to someone is known:
 *   once it is up, or, with a passphrase, once they proved it (`verified`).
 * @fires {PeerErrorDetail} rtc-peer-error - `peer-unverified`: someone did not prove the passphrase and
 *   was cut off (also shown in a banner).
 *
 * @tagname rtc-call
 */
export class RtcCall extends RtcElement<RtcCallStrings> {
  static override styles = styles;
  protected static override localized = true;

  static override properties = {
    ...roomProperties,
    autojoin: { type: Boolean },
    audioOnly: { type: Boolean },
    video: {},
    camera: {},
    maxPeers: { type: Number },
    muted: { type: Boolean, reflect: true },
    cameraOff: { type: Boolean, reflect: true },
    chat: { type: Boolean },
    layout: { reflect: true },
    state: { reflect: true },
  };

  room = '';
  signaling = '';
  transport: TransportChoice = 'auto';
  name = '';
  token = '';
  tokenUrl = '';
  iceTransportPolicy: RTCIceTransportPolicy = 'all';
  passphrase = '';
  /** How long a connected participant has to prove the passphrase, in ms; unset: 10000. */
  verifyTimeout: number | undefined;
  autojoin = false;
  audioOnly = false;
  video: boolean | string = true;
  camera = '';
  maxPeers = 6;
  muted = false;
  cameraOff = false;
  chat = false;
  layout: 'grid' | 'speaker' = 'grid';
  /** `idle` (join screen), `joining`, `live`, `full` (turned away by `max-peers`). Read-only. */
  state: CallState = 'idle';

  protected override readonly defaults = rtcCallStrings;
  protected override readonly localeSections = ['media', 'call'] as const;

  readonly #call = new CallController(this, {
    onJoin: (id) => this.emit('rtc-call-join', { id }),
    onEnd: (error) => {
      this.#pinned = '';
      this.#codeOpen = '';
      this.#chatOpen = false;
      this.#reactionsOpen = false;
      if (error) this.emit('rtc-call-error', this.#errorText(error));
      else this.emit('rtc-call-leave', {});
    },
    onError: (error) => this.emit('rtc-call-error', this.#errorText(error)),
    onTrack: (detail) => this.emit('rtc-track', detail),
    onConnectionState: (peer, state) => this.emit('rtc-connection-state', { peer, state }),
    onHand: (peer, raised) => {
      this.emit('rtc-call-hand', { peer, raised });
      if (raised) this.#announce('raised', peer);
    },
    onReaction: (peer, reaction) => this.emit('rtc-call-reaction', { peer, reaction }),
  });
  readonly #stage = new ResizeController(this, '[part=stage]');

  /** The browser refused to play remote audio without a gesture. */
  #blocked = false;
  #announcement = '';
  /** The tile shown large (speaker layout), by peer id. */
  #pinned = '';
  #chatOpen = false;
  /** The chat panel was asked for once: its module is loading or here. */
  #chatLoaded = false;
  #unread = 0;
  #reactionsOpen = false;
  /** The peer whose safety code panel is open, by id. */
  #codeOpen = '';

  constructor() {
    super();
    this.addEventListener('rtc-peer-join', this.#onPeerJoin);
    this.addEventListener('rtc-peer-leave', this.#onPeerLeave);
    this.addEventListener('rtc-peer-rename', this.#onPeerRename);
    this.addEventListener('rtc-open', this.#onOpen);
    this.addEventListener('rtc-message', this.#onMessage);
    this.addEventListener('rtc-peer-error', this.#onError);
    this.addEventListener('rtc-signaling-error', this.#onError);
    this.addEventListener('rtc-safety-code', this.#onSafetyCode);
  }

  /** The last join's error (with its texts), shown on the join screen; null when none. */
  get error(): RtcCallErrorDetail | null {
    const error = this.#call.error;
    return error && this.#errorText(error);
  }

  /** Joins the room, then captures (unless `max-peers` turns us away). */
  join(): void {
    this.#call.join();
  }

  /** Joins with the microphone only (or, if that fails too, to listen). */
  joinWithoutCamera(): void {
    this.#call.join(true);
  }

  /** Leaves: every track stopped (the camera's and a screen share), the Room given back. */
  hangUp(): void {
    this.#call.leave();
  }

  /** Sends a reaction (one of `REACTIONS`) to everyone; it shows on your tile too. */
  react(reaction: (typeof REACTIONS)[number]): void {
    this.#call.react(reaction);
  }

  /**
   * The safety code of your connection to each participant, once it is up: 8 emoji, the same on
   * both sides when nobody is in between (each tile's Safety code button shows it too).
   */
  get safetyCodes(): SafetyCodeDetail[] {
    return this.#call.room.safetyCodes;
  }

  /** Your hand is raised (set it to raise or lower it for everyone). */
  get handRaised(): boolean {
    return this.#call.hand;
  }
  set handRaised(raised: boolean) {
    if (raised !== this.#call.hand) this.#call.toggleHand();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // After the update this connection asks for: a property the page set before the element was
    // defined (the loader defines it when its module arrives) is applied in that update, not before.
    void this.updateComplete.then(() => {
      if (this.autojoin && this.isConnected) this.join();
    });
  }

  /**
   * The camera the page gives (by id, or as a child), null for an id naming nothing, else
   * undefined. For the CallController.
   * @internal
   */
  externalCamera(): RtcCamera | null | undefined {
    if (this.camera)
      return ((this.getRootNode() as Document).getElementById?.(this.camera) as RtcCamera | null) ?? null;
    return this.querySelector('rtc-camera') ?? undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    this.state = this.#call.state;
    if (changed.has('muted') || changed.has('cameraOff')) {
      const camera = this.externalCamera();
      if (camera) Object.assign(camera, { muted: this.muted, cameraOff: this.cameraOff });
    }
    // The chat panel's module loads only when a live call with `chat` asks for it.
    if (this.chat && this.state === 'live' && !this.#chatLoaded) {
      this.#chatLoaded = true;
      void import('./rtc-chat.js');
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if ((changed.has('muted') || changed.has('cameraOff')) && this.state === 'live') this.#call.sendStatus();
    this.#showVideos();
  }

  protected override render() {
    return html`<div class="sr" role="status">${this.#announcement}</div>
${this.state === 'live' ? this.#renderCall() : this.#renderLobby()}`;
  }

  // ---- the join screen -----------------------------------------------------------------------

  #renderLobby(): TemplateResult {
    const t = this.t;
    const call = this.#call;
    const joining = this.state === 'joining';
    const previewing = !!call.media.stream;
    const own = this.externalCamera() === undefined;
    const self = call.participants[0]!;
    return html`<div part="lobby">
  ${own ? html`<div part="preview">${this.#tile(self)}${previewing || joining ? nothing : this.#previewButton()}</div>` : nothing}
  <form part="join" method="dialog" @submit=${this.#submit}>
    <h2 part="heading">${t.ready}</h2>
    ${errorBox(this.error)}
    ${call.notice ? this.#alert(call.notice) : nothing}
    <label class="field">${t.name}<input part="input" name="name" autocomplete="name" .value=${this.name} ?disabled=${joining} @input=${this.#onNameInput}></label>
    ${previewing ? this.#devicePickers() : nothing}
    <div class="actions">${
      joining
        ? [
            html`<span class="joining" role="status"><span class="spinner"></span>${t.joining}</span>`,
            // The client retries by itself; this skips the rest of its wait.
            call.notice ? this.#button('retry', t.retry, this.#rejoin) : nothing,
            this.#button('cancel', t.cancel, this.hangUp),
          ]
        : [
            this.#button('join', this.error ? t.retry : t.join, this.join, { kind: 'primary', submit: true }),
            call.cameraFailed && own
              ? this.#button('join-without-camera', t.joinWithoutCamera, this.joinWithoutCamera)
              : nothing,
          ]
    }</div>
  </form>
</div>`;
  }

  #previewButton(): TemplateResult {
    const t = this.t;
    return html`<button part="button preview-button" type="button" @click=${this.#preview}>${icon(this.audioOnly ? 'mic' : 'camera')}<span>${this.audioOnly ? t.previewAudio : t.preview}</span></button>`;
  }

  #devicePickers(): TemplateResult {
    const t = this.t;
    const media = this.#call.media;
    const picker = (kind: 'video' | 'audio', label: string) => {
      const devices = media.devices.filter((device) => device.kind === `${kind}input`);
      const current = media.deviceId(kind);
      if (!current || !devices.length) return nothing;
      return html`<label class="field">${label}<select part="select ${kind === 'video' ? 'camera' : 'microphone'}-select" @change=${(event: Event) => void this.#call.chooseDevice(kind, (event.target as HTMLSelectElement).value)}>${devices.map(
        (device) =>
          html`<option value=${device.deviceId} ?selected=${device.deviceId === current}>${device.label}</option>`,
      )}</select></label>`;
    };
    // Speech is quiet next to full scale: four times the level fills the meter.
    const level = Math.min(1, this.#call.previewLevel * 4);
    return html`${picker('video', t.camera)}${picker('audio', t.microphone)}
<div class="field">${t.level}<div part="level" role="meter" aria-label=${t.level} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(level * 100)}><span style="inline-size: ${level * 100}%"></span></div></div>`;
  }

  // ---- the call ------------------------------------------------------------------------------

  #renderCall(): TemplateResult {
    const t = this.t;
    const chatOpen = this.#chatOpen;
    return html`<div class="call" ?chat-open=${chatOpen}>
  <div class="main">
    ${this.#banners()}
    <div part="stage">${this.layout === 'speaker' ? this.#speaker() : this.#grid()}</div>
    ${this.#controls()}
  </div>
  ${
    this.chat && this.#chatLoaded
      ? html`<aside part="chat-panel" aria-label=${t.chat} ?hidden=${!chatOpen} @rtc-message=${this.#onChatMessage} @rtc-open=${stopPropagation} @rtc-close=${stopPropagation} @rtc-peer-join=${stopPropagation} @rtc-peer-leave=${stopPropagation} @rtc-peer-rename=${stopPropagation} @rtc-peer-error=${stopPropagation} @rtc-signaling-error=${stopPropagation} @rtc-safety-code=${stopPropagation}>
    <header><h2>${t.chat}</h2>${this.#button('close-chat', t.closeChat, this.#toggleChat, { iconName: 'close', iconOnly: true })}</header>
    <rtc-chat room=${this.room} signaling=${this.signaling} transport=${this.transport} name=${this.name} token=${this.token} token-url=${this.tokenUrl} ice-transport-policy=${this.iceTransportPolicy} .passphrase=${this.passphrase} .verifyTimeout=${this.verifyTimeout} lang=${languageOf(this) || nothing}></rtc-chat>
  </aside>`
      : nothing
  }
</div>`;
  }

  #grid(): TemplateResult {
    const participants = this.#call.participants;
    const stage = this.#stage;
    // Before the first measurement: one column of full-width tiles.
    const fit = stage.width ? fitGrid(participants.length, stage.width, stage.height, GAP) : null;
    const style = fit ? `--tile-width: ${fit.tileWidth}px; --tile-height: ${fit.tileHeight}px` : '';
    return html`<div part="grid" style=${style}>${repeat(
      participants,
      (participant) => participant.id || 'self',
      (participant) => this.#tile(participant),
    )}</div>`;
  }

  #speaker(): TemplateResult {
    const participants = this.#call.participants;
    const others = participants.slice(1);
    const mainId =
      (this.#pinned && participants.some((each) => each.id === this.#pinned) && this.#pinned) ||
      this.#call.activeSpeaker ||
      others[0]?.id ||
      participants[0]!.id;
    const main = participants.find((each) => each.id === mainId) ?? participants[0]!;
    const strip = participants.filter((each) => each !== main);
    return html`<div part="spotlight">${this.#tile(main)}</div>${
      strip.length
        ? html`<div part="filmstrip">${repeat(
            strip,
            (participant) => participant.id || 'self',
            (participant) => this.#tile(participant),
          )}</div>`
        : nothing
    }`;
  }

  /** One participant's tile: video (or initials), name, badges, quality, and its own buttons. */
  #tile(participant: Participant): TemplateResult {
    const t = this.t;
    const { self, muted, cameraOff, hand, speaking, reaction } = participant;
    const name = participant.name || (self ? t.you : t.guest);
    const label = muted ? `${name}, ${t.muted}` : name;
    const live = this.state === 'live';
    const video = !cameraOff && !!participant.stream?.getVideoTracks().length;
    const codeOpen = live && this.#codeOpen === participant.id && !!participant.safetyCode;
    return html`<div part=${self ? 'tile self' : 'tile'} role="group" aria-label=${label} data-peer=${participant.id} ?speaking=${speaking} ?camera-off=${!video} ?hand=${hand} ?code-open=${codeOpen}>
  <video playsinline .muted=${self} class=${self && !this.#call.screen ? 'mirrored' : ''}></video>
  ${video ? nothing : html`<div part="avatar" aria-hidden="true">${participant.name ? initials(name) : icon('person')}</div>`}
  ${reaction ? html`<div part="reaction" aria-hidden="true">${reaction}</div>` : nothing}
  ${live && !self ? this.#tileActions(participant, name, video) : nothing}
  ${codeOpen ? this.#safetyCode(participant, name) : nothing}
  <div class="label">
    ${participant.verified ? html`<span part="verified" title=${t.verified}>${icon('shieldCheck')}<span class="sr">${t.verified}</span></span>` : nothing}
    ${hand ? html`<span part="hand" title=${t.handRaised}>${icon('hand')}<span class="sr">${t.handRaised}</span></span>` : nothing}
    ${muted && (live || participant.stream) ? html`<span part="muted" title=${t.muted}>${icon('micOff')}<span class="sr">${t.muted}</span></span>` : nothing}
    <span part="name">${self && participant.name ? `${name} (${t.you})` : name}</span>
    ${participant.quality ? this.#quality(participant.quality) : nothing}
  </div>
</div>`;
  }

  #tileActions(participant: Participant, name: string, video: boolean): TemplateResult {
    const t = this.t;
    const pinned = this.#pinned === participant.id;
    const pin = () => {
      this.#pinned = pinned ? '' : participant.id;
      if (!pinned) this.layout = 'speaker';
      this.requestUpdate();
    };
    const tile = (event: Event) => (event.currentTarget as HTMLElement).closest<HTMLElement>('[part~=tile]')!;
    const codeOpen = this.#codeOpen === participant.id;
    return html`<div class="tile-actions">
  ${
    participant.safetyCode
      ? this.#button('verify', t.verify.replace('{name}', name), () => this.#toggleSafetyCode(participant.id), {
          iconName: participant.verified ? 'shieldCheck' : 'shield',
          iconOnly: true,
          active: codeOpen,
          expanded: codeOpen,
        })
      : nothing
  }
  ${this.#button('pin', (pinned ? t.unpin : t.pin).replace('{name}', name), pin, { iconName: 'pin', iconOnly: true, active: pinned })}
  ${this.#button('fullscreen', t.fullscreen, (event: Event) => void tile(event).requestFullscreen?.(), { iconName: 'fullscreen', iconOnly: true })}
  ${
    video && document.pictureInPictureEnabled
      ? this.#button(
          'pip',
          t.pictureInPicture,
          (event: Event) => void tile(event).querySelector('video')!.requestPictureInPicture(),
          { iconName: 'pip', iconOnly: true },
        )
      : nothing
  }
</div>`;
  }

  /**
   * A tile's safety code panel: the 8 emoji (in two rows of four, each read out by its name), what
   * to do with them, and whether the passphrase was proved. Escape or Close closes it.
   */
  #safetyCode(participant: Participant, name: string): TemplateResult {
    const t = this.t;
    const close = () => this.#toggleSafetyCode(participant.id);
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') close();
    };
    return html`<div part="safety-code" role="group" aria-label=${t.verify.replace('{name}', name)} @keydown=${onKey}>
  <div class="safety-head"><strong>${t.safetyCode}</strong>${this.#button('close', t.close, close, { iconName: 'close', iconOnly: true })}</div>
  <p part="code">${participant.safetyCode.split(' ').map((emoji) => html`<span>${emoji}</span>`)}</p>
  <p>${t.safetyCodeHint.replace('{name}', name)}</p>
  ${participant.verified ? html`<p class="verified">${icon('shieldCheck')}${t.verified}</p>` : nothing}
</div>`;
  }

  #quality(quality: number): TemplateResult {
    const t = this.t;
    const text = quality === 3 ? t.good : quality === 2 ? t.fair : t.poor;
    return html`<span part="quality" role="meter" aria-label=${t.quality} aria-valuemin="0" aria-valuemax="3" aria-valuenow=${quality} aria-valuetext=${text} title=${`${t.quality}: ${text}`} data-level=${quality}><i></i><i></i><i></i></span>`;
  }

  #banners(): TemplateResult {
    const t = this.t;
    const call = this.#call;
    const alone = call.participants.length === 1;
    return html`<div class="banners">
  ${call.reconnecting ? html`<div part="banner reconnecting-banner" role="status"><span class="spinner"></span>${t.reconnecting}</div>` : nothing}
  ${call.notice ? this.#alert(call.notice, true) : nothing}
  ${
    this.#blocked
      ? html`<div part="banner audio-banner">${t.audioBlocked} ${this.#button('audio', t.enableAudio, this.#unblock, { kind: 'primary' })}</div>`
      : nothing
  }
  ${call.screen ? html`<div part="banner sharing-banner" role="status">${icon('screen')}${t.sharing}</div>` : nothing}
  ${
    alone && !call.reconnecting
      ? html`<div part="banner waiting-banner" role="status"><strong>${t.waiting}</strong> <span>${t.waitingHint}</span></div>`
      : nothing
  }
</div>`;
  }

  /** An error the call survives: its message, its hint, and (in a banner) a dismiss button. */
  #alert(notice: CallError, dismissable = false): TemplateResult {
    const { message, hint } = this.#errorText(notice);
    // A screen that was refused or failed can be asked for again (one the browser cannot share, not).
    const retry = dismissable && notice.code.startsWith('screen-') && notice.code !== 'screen-unsupported';
    return html`<div part="banner error-banner" role="alert"><div><strong>${message}</strong> <span>${hint}</span></div>${
      retry ? this.#button('retry', this.t.retry, this.#shareAgain) : nothing
    }${
      dismissable
        ? this.#button('dismiss', this.t.dismiss, () => this.#call.dismiss(), { iconName: 'close', iconOnly: true })
        : nothing
    }</div>`;
  }

  #controls(): TemplateResult {
    const t = this.t;
    const call = this.#call;
    const sendsVideo = !this.audioOnly && !call.withoutCamera;
    const speaker = this.layout === 'speaker';
    return html`<div part="controls" role="toolbar" aria-label=${t.controls}>
  ${this.#button('mute', this.muted ? t.unmute : t.mute, this.#toggleMute, { iconName: this.muted ? 'micOff' : 'mic', off: this.muted })}
  ${
    sendsVideo
      ? this.#button('camera', this.cameraOff ? t.cameraOn : t.cameraOff, this.#toggleCamera, {
          iconName: this.cameraOff ? 'cameraOff' : 'camera',
          off: this.cameraOff,
        })
      : nothing
  }
  ${
    call.canShare
      ? this.#button('share', call.screen ? t.stopShare : t.share, () => void call.toggleScreen(), {
          iconName: 'screen',
          active: !!call.screen,
        })
      : nothing
  }
  ${this.#button('hand', call.hand ? t.lowerHand : t.raiseHand, () => call.toggleHand(), { iconName: 'hand', active: call.hand })}
  <div class="menu" @keydown=${this.#onMenuKey}>
    ${this.#button('react', t.react, this.#toggleReactions, { iconName: 'smile', expanded: this.#reactionsOpen })}
    ${
      this.#reactionsOpen
        ? html`<div part="reactions" role="group" aria-label=${t.reactions}>${REACTIONS.map(
            (reaction) =>
              html`<button part="button reaction-button" type="button" @click=${() => this.#sendReaction(reaction)}>${reaction}</button>`,
          )}</div>`
        : nothing
    }
  </div>
  ${
    this.chat
      ? this.#button('chat', t.chat, this.#toggleChat, {
          iconName: 'chat',
          active: this.#chatOpen,
          badge: this.#unread,
        })
      : nothing
  }
  ${this.#button('layout', speaker ? t.gridView : t.speakerView, this.#toggleLayout, { iconName: speaker ? 'grid' : 'speaker' })}
  ${this.#button('leave', t.hangUp, this.hangUp, { iconName: 'leave', kind: 'danger' })}
</div>`;
  }

  /** A button with `part="button NAME-button"`, an optional icon, and its label as its accessible name. */
  #button(name: string, label: string, onClick: (event: Event) => void, options: ButtonOptions = {}): TemplateResult {
    const { kind, iconName, iconOnly, off, active, expanded, badge, submit } = options;
    const classes = [kind, iconName && !iconOnly ? 'tool' : '', iconOnly ? 'icon-only' : ''].filter(Boolean).join(' ');
    return html`<button part="button ${name}-button" class=${classes || nothing} type=${submit ? 'submit' : 'button'} title=${iconOnly || iconName ? label : nothing} ?off=${off} ?active=${active} aria-expanded=${expanded ?? nothing} @click=${submit ? nothing : onClick}>${iconName ? icon(iconName) : nothing}<span class=${iconOnly ? 'sr' : 'text'}>${label}</span>${badge ? html`<span class="badge">${badge}</span>` : nothing}</button>`;
  }

  // ---- what the user does ------------------------------------------------------------------

  #submit(): void {
    this.join();
  }

  #onNameInput(event: Event): void {
    this.name = (event.target as HTMLInputElement).value;
  }

  async #preview(): Promise<void> {
    await this.#call.preview();
  }

  #rejoin(): void {
    this.hangUp();
    this.join();
  }

  #shareAgain(): void {
    this.#call.dismiss();
    void this.#call.toggleScreen();
  }

  #toggleMute(): void {
    this.muted = !this.muted;
  }

  #toggleCamera(): void {
    this.cameraOff = !this.cameraOff;
  }

  #toggleLayout(): void {
    this.layout = this.layout === 'speaker' ? 'grid' : 'speaker';
    if (this.layout === 'grid') this.#pinned = '';
  }

  #toggleSafetyCode(peer: string): void {
    const opening = this.#codeOpen !== peer;
    this.#codeOpen = opening ? peer : '';
    this.requestUpdate();
    // The panel's Close button takes the focus; closing gives it back to the tile's button.
    void this.updateComplete.then(() => {
      const tile = this.renderRoot.querySelector(`[data-peer="${CSS.escape(peer)}"]`);
      tile?.querySelector<HTMLElement>(opening ? '[part~=close-button]' : '[part~=verify-button]')?.focus();
    });
  }

  #toggleReactions(): void {
    this.#reactionsOpen = !this.#reactionsOpen;
    this.requestUpdate();
  }

  /** Escape closes the reactions menu and gives the focus back to its button. */
  #onMenuKey(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || !this.#reactionsOpen) return;
    this.#reactionsOpen = false;
    this.requestUpdate();
    this.renderRoot.querySelector<HTMLElement>('[part~=react-button]')?.focus();
  }

  #sendReaction(reaction: (typeof REACTIONS)[number]): void {
    this.#reactionsOpen = false;
    this.react(reaction);
  }

  #toggleChat(): void {
    this.#chatOpen = !this.#chatOpen;
    if (this.#chatOpen) this.#unread = 0;
    this.requestUpdate();
  }

  #unblock(): void {
    // Within the gesture: updated() plays the videos.
    this.#blocked = false;
    this.requestUpdate();
  }

  /** Every video shows its participant's stream; a paused one is played, unless the browser wants a gesture first. */
  #showVideos(): void {
    const participants = new Map(this.#call.participants.map((each) => [each.id, each]));
    for (const video of this.renderRoot.querySelectorAll<HTMLVideoElement>('[data-peer] video')) {
      const tile = video.parentElement!;
      showStream(video, participants.get(tile.dataset['peer']!)?.stream);
      if (video.srcObject && video.paused && !this.#blocked) {
        // NotAllowedError: no user gesture yet (an AbortError only means a newer stream came first).
        // Only sound needs the gesture: your own tile is muted, and a refusal there blocks nothing.
        video.play().catch((error: Error) => {
          if (error.name === 'NotAllowedError' && !video.muted) {
            this.#blocked = true;
            this.requestUpdate();
          }
        });
      }
    }
  }

  // ---- what the Room reports: one typed handler per event, for the events of this element only --

  #onPeerJoin = (event: RtcPeerJoinEvent): void => {
    if (!this.#own(event)) return;
    this.#call.peerJoined(event.detail.id, event.detail.name);
    this.#announce('joined', event.detail.id);
  };

  #onPeerRename = (event: RtcPeerRenameEvent): void => {
    if (this.#own(event)) this.#call.peerRenamed(event.detail.id, event.detail.name);
  };

  #onPeerLeave = (event: RtcPeerLeaveEvent): void => {
    if (!this.#own(event)) return;
    const name = this.#call.peerLeft(event.detail.id);
    if (name !== undefined) this.#say('left', name);
  };

  #onOpen = (event: RtcOpenEvent): void => {
    if (this.#own(event) && this.state === 'live') this.#call.sendStatus(event.detail.peer);
  };

  #onMessage = (event: RtcMessageEvent): void => {
    if (this.#own(event)) this.#call.received(event.detail.from, event.detail.data);
  };

  #onError = (event: RtcPeerErrorEvent | RtcSignalingErrorEvent): void => {
    if (this.#own(event)) this.#call.failed(event.detail);
  };

  #onSafetyCode = (event: RtcSafetyCodeEvent): void => {
    const { peer, code, verified } = event.detail;
    if (this.#own(event)) this.#call.safetyCodeKnown(peer, code, verified);
  };

  /** A message of the inner chat while its panel is closed counts as unread. */
  #onChatMessage(event: Event): void {
    event.stopPropagation();
    if (this.#chatOpen) return;
    this.#unread++;
    this.requestUpdate();
  }

  /** Whether `event` is our RoomController's, not one that bubbled up from an element inside us. */
  #own(event: Event): boolean {
    return event.composedPath()[0] === this;
  }

  #announce(key: 'joined' | 'raised', peer: string): void {
    const name = this.#call.participants.find((each) => each.id === peer)?.name ?? '';
    this.#say(key, name);
  }

  #say(key: 'joined' | 'left' | 'raised', name: string): void {
    const t = this.t;
    this.#announcement = t[key].replace('{name}', name || t.guest);
    this.requestUpdate();
  }

  /** The texts `strings` or the language has for `error`'s code, else the error's own. */
  #errorText(error: CallError): RtcCallErrorDetail {
    return this.errorText(error.code, error);
  }
}

/** The gap between tiles, in px (the grid's CSS uses the same). */
const GAP = 8;

interface ButtonOptions {
  /** `primary` (filled with the accent) or `danger` (filled with the danger colour). */
  kind?: 'primary' | 'danger';
  iconName?: IconName;
  /** The label is for assistive technology (and the tooltip) only. */
  iconOnly?: boolean;
  /** A microphone or camera that is off: shown in the danger colour, unlike Leave's fill. */
  off?: boolean;
  /** A toggle that is on (sharing, a raised hand, the chat open): shown in the accent colour. */
  active?: boolean;
  /** For a button that opens a menu. */
  expanded?: boolean;
  /** A count shown on the button (unread messages). */
  badge?: number;
  /** Submits its form (Enter in the name field presses it). */
  submit?: boolean;
}

/** Up to two initials of a name: `Ada Lovelace` -> `AL`. */
function initials(name: string): string {
  const words = name.trim().split(/\s+/);
  const first = [...(words[0] ?? '')][0] ?? '';
  const last = words.length > 1 ? ([...words[words.length - 1]!][0] ?? '') : '';
  return (first + last).toUpperCase();
}

/** Stops the inner chat's room events at its panel: the page hears the call's own, once. */
const stopPropagation = (event: Event) => event.stopPropagation();

define('rtc-call', RtcCall);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call': RtcCall;
  }
  interface GlobalEventHandlersEventMap {
    'rtc-call-join': CustomEvent<RtcCallJoinDetail>;
    'rtc-call-leave': CustomEvent<RtcCallLeaveDetail>;
    'rtc-call-error': CustomEvent<RtcCallErrorDetail>;
    'rtc-call-hand': CustomEvent<RtcCallHandDetail>;
    'rtc-call-reaction': CustomEvent<RtcCallReactionDetail>;
    'rtc-track': CustomEvent<RtcTrackDetail>;
    'rtc-connection-state': CustomEvent<RtcConnectionStateDetail>;
  }
}
