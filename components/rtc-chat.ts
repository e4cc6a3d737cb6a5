import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { define } from './internal/ui/define.js';
import { RtcElement, button } from './internal/ui/element.js';
import type { TransportChoice } from './internal/signaling/transport.js';
import { RoomController, roomConfig, roomProperties } from './internal/controllers/room-controller.js';
import { RoomChannel } from './internal/mesh/room-channel.js';
import type {
  RtcFileEvent,
  RtcMessageEvent,
  RtcPeerJoinEvent,
  RtcPeerLeaveEvent,
  RtcTransferErrorEvent,
  SafetyCodeDetail,
  TransferInfo,
} from './internal/controllers/room-events.js';
import { styles } from './rtc-chat.styles.js';

// The detail types of the events below (as <rtc-datachannel> exports them).
export type * from './internal/controllers/room-events.js';

/** Every text the element shows. Replace any of them with the `strings` attribute (JSON) or property. */
export const rtcChatStrings = {
  /** The accessible name of the message list. */
  messages: 'Messages',
  /** The text field's accessible name and placeholder. */
  input: 'Message',
  send: 'Send',
  attach: 'Attach file',
  /** Shown instead of your own name on your messages. */
  you: 'You',
  /** A peer that gave no name. */
  guest: 'Guest',
  /** Shown when the text reaches `max-length`; `{max}` is replaced by it. */
  limit: 'At most {max} characters.',
  /** Replaces the progress bar of a file that did not arrive (at one peer at least, for yours). */
  failed: 'Failed',
  /** A line in the list when a peer joins; `{name}` is replaced by theirs. */
  joined: '{name} joined',
  /** A line in the list when a peer leaves. */
  left: '{name} left',
  /** A line in the list while a peer sends more than `max-rate` allows; `{count}` messages were not shown. */
  dropped: '{name} is sending too fast: {count} messages not shown',
};
export type RtcChatStrings = typeof rtcChatStrings;

/** What a chat message is on the wire (JSON on the channel labelled `rtc-chat`). */
export interface RtcChatMessage {
  t: 'msg';
  /** The message, or the name of the file announced. */
  text: string;
  /** A file's transfer id: the message announces the file sent with it. */
  id?: string;
  /** The sender's `name`, possibly `''`. */
  name: string;
  /** When it was sent, in ms since the epoch, by the sender's clock. */
  ts: number;
}

/** A message of the list, or a file when `id` (the transfer id) is set. */
interface MessageEntry {
  kind: 'message';
  /** Keys the list: an item keeps its DOM while others come and go. */
  key: number;
  /** The sender's peer id; `''` for ours. */
  from: string;
  name: string;
  /** When it was sent, formatted once. */
  time: string;
  /** The message, or the file's name. */
  text: string;
  /** A file's transfer id. */
  id?: string | undefined;
  /** The download link of a file, while the element is in the page, and the File it keeps alive. */
  url?: string;
  file?: File;
  failed?: boolean;
}

/** A line about the room: a peer joined or left, or sends too fast. */
interface NoticeEntry {
  kind: 'notice';
  key: number;
  notice: 'joined' | 'left' | 'dropped';
  /** The peer's name (`''`: a guest). */
  name: string;
  /** For `dropped`: how many messages were not shown. */
  count: number;
}

type Entry = MessageEntry | NoticeEntry;

/** How many messages one peer may send at once (a burst), and then per second (`max-rate`). */
interface Allowance {
  tokens: number;
  /** When `tokens` was last topped up (performance.now()). */
  at: number;
  /** The `dropped` line of the burst being cut, while it lasts. */
  note?: NoticeEntry | undefined;
}

const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
/** A list scrolled to within this many pixels of its end is at the end (scroll offsets are fractional). */
const END_SLACK = 4;
/** A peer's burst may hold this many seconds of `max-rate`. */
const BURST = 4;
const DEFAULT_MAX_RATE = 5;

/**
 * A chat box for everyone in a room: names and times, a list that scrolls, Enter to send
 * (Shift+Enter for a new line), files with progress bars on both sides. Messages travel peer to
 * peer as JSON on the channel labelled `rtc-chat` (see `RtcChatMessage`); a file is sent with the
 * channel's transfers and announced by a message carrying its transfer id. What peers send (names,
 * texts, file names) is only ever rendered as text.
 *
 * The time shown is the sender's clock when they sent it (capped at the moment it arrived, so a
 * clock running ahead shows no future), formatted in the reader's locale and time zone.
 *
 * The list is a live region (`role="log"`): screen readers announce each new item. It holds the
 * newest `max-messages` items (older ones are dropped) and renders only what changed, so a flood
 * cannot freeze the page; a peer that sends more than `max-rate` messages a second has the excess
 * dropped, with a line saying so. It follows new messages while it is scrolled to the end (and
 * always for your own), and stays put while you read back. Peers joining and leaving get a line.
 * Received files are links to object URLs, revoked when the element leaves the page.
 *
 * @summary A peer-to-peer chat box with file attachments.
 *
 * @attr room - The room to join. Nothing happens while it is empty.
 * @attr signaling - The relay's signaling URL. Empty: `signal` beside the script the page loaded (`rtc-elements.js` on its relay).
 * @attr transport - How to reach the relay: `auto` (default: WebSocket, and SSE + POST at once when a
 *   proxy or network breaks WebSocket), `websocket` or `sse`; any other value is `auto`.
 * @attr name - Your name, sent with each message and shown to the others (a peer without one shows as
 *   "Guest"). Changing it re-joins the room.
 * @attr token - A signed join token, for a relay that requires one (docs/security.md). A new value
 *   is used from the next join (a rejoin after a relay restart).
 * @attr token-url - A URL of your site that answers with a fresh join token (as text, or JSON
 *   `{"token": "..."}`), fetched before every join, so a session outlives its token. Wins over `token`.
 * @attr ice-transport-policy - `relay` connects through TURN servers only (the peers never learn each
 *   other's addresses); `all` (default) uses any route.
 * @attr passphrase - A secret the people in the room share (agreed in person, or over another
 *   channel than this page). Each peer must prove over its own connection that it knows it before
 *   anything of that connection is used, which a relay that puts itself in the middle cannot do
 *   (docs/security.md); a peer that does not is reported (`rtc-peer-error`, `peer-unverified`) and
 *   cut off. Set the property from a field the person types into rather than the attribute, which
 *   is in the page's source. Elements share a connection only when they name the same passphrase.
 * @attr verify-timeout - How long a connected peer has to prove the passphrase, in ms (default 10000).
 * @attr max-length - The longest message, in characters. The field stops there and a hint says so
 *   (`part="hint"`, announced politely); a peer's longer message is cut to this length on arrival.
 * @attr max-messages - The most items the list keeps (default 500); the oldest go first.
 * @attr max-rate - Messages a second one peer may send (default 5, in bursts of up to 4 times that);
 *   the rest are dropped, with one line in the list saying so.
 * @attr strings - Replacement texts as JSON: any keys of `rtcChatStrings`.
 *
 * @csspart messages - The scrolling list (`<ol role="log">`).
 * @csspart message - Each item (name, time, then the text or the file); yours also have the part `mine`.
 * @csspart name - The sender's name.
 * @csspart time - The `<time>` it was sent.
 * @csspart file - A file's name, a download link once it is here.
 * @csspart progress - A file's `<progress>` bar.
 * @csspart input - The `<textarea>`.
 * @csspart button - Both buttons; also `attach-button` and `send-button`.
 * @csspart hint - The length limit hint.
 * @csspart notice - A line about the room: a peer joined, left, or sends too fast.
 *
 * @cssproperty [--rtc-chat-height=20rem] - Height of the message list.
 * @cssproperty [--rtc-chat-accent=#2563eb] - The send button and the focus ring.
 *
 * @fires {MessageDetail} rtc-message - A message arrived on the chat's channel: `data` is an
 *   `RtcChatMessage` when it is a chat message (anything else is not listed).
 * @fires {FileDetail} rtc-file - A file arrived whole and its SHA-256 matched.
 * @fires {TransferProgressDetail} rtc-transfer-progress - A file transfer moved on, in either `direction`.
 * @fires {TransferErrorDetail} rtc-transfer-error - A file did not arrive (the bar shows "Failed").
 * @fires {MessageErrorDetail} rtc-message-error - A message was dropped as `too-large`.
 * @fires {PeerJoinDetail} rtc-peer-join - A peer is in the room (also, once, for each peer already there).
 * @fires {PeerLeaveDetail} rtc-peer-leave - A peer left the room.
 * @fires {PeerDetail} rtc-open - The chat's channel to a peer is open.
 * @fires {PeerDetail} rtc-close - The chat's channel to a peer closed.
 * @fires {PeerErrorDetail} rtc-peer-error - A peer cannot be reached (`ice-failed`), negotiation failed
 *   (`negotiation-failed`), the browser refuses the ICE servers (`ice-servers-refused`), or the peer
 *   did not prove the passphrase (`peer-unverified`: it was cut off).
 * @fires {SafetyCodeDetail} rtc-safety-code - A link's safety code is known: once the connection is
 *   up, or, with a passphrase, once the peer proved it (`verified`).
 * @fires {SignalingErrorDetail} rtc-signaling-error - The relay refused us or cannot be reached.
 *
 * @tagname rtc-chat
 */
export class RtcChat extends RtcElement<RtcChatStrings> {
  static override styles = styles;

  // One table instead of a decorator per property (as <rtc-camera>).
  static override properties = {
    ...roomProperties,
    maxLength: { type: Number },
    maxMessages: { type: Number },
    maxRate: { type: Number },
    draft: { state: true },
  };

  room = '';
  signaling = '';
  transport: TransportChoice = 'auto';
  name = '';
  token = '';
  tokenUrl = '';
  iceTransportPolicy: RTCIceTransportPolicy = 'all';
  passphrase = '';
  /** How long a connected peer has to prove the passphrase, in ms; unset: 10000. */
  verifyTimeout: number | undefined;
  maxLength = 4000;
  /** The most items the list keeps; the oldest go first. */
  maxMessages = 500;
  /** Messages a second one peer may send (in bursts of up to BURST times that); 0 shows none. */
  maxRate = DEFAULT_MAX_RATE;

  protected override readonly defaults = rtcChatStrings;
  private draft = '';
  #entries: Entry[] = [];
  #nextKey = 0;
  /** The names of the peers in the room, by id, for the lines about them. */
  readonly #names = new Map<string, string>();
  readonly #allowances = new Map<string, Allowance>();
  /** Whether the next update scrolls the list to its end (see willUpdate). */
  #follow = true;
  /** Set when our own message goes in: the list shows it whatever the reader was doing. */
  #showOwn = false;

  readonly #room = new RoomController(this, () => roomConfig(this, 'rtc-chat'), { channel: RoomChannel });

  constructor() {
    super();
    this.addEventListener('rtc-message', this.#onMessage);
    this.addEventListener('rtc-file', this.#onFile);
    this.addEventListener('rtc-transfer-progress', this.#onTransferProgress);
    this.addEventListener('rtc-transfer-error', this.#onTransferError);
    this.addEventListener('rtc-peer-join', this.#onPeerJoin);
    this.addEventListener('rtc-peer-leave', this.#onPeerLeave);
  }

  /**
   * The safety code of each link that is up: 8 emoji, the same on both sides when nobody is in
   * between. People compare them to check that no one listens in; with a passphrase, `verified`
   * says the peer proved it knows it.
   */
  get safetyCodes(): SafetyCodeDetail[] {
    return this.#room.safetyCodes;
  }

  /** Sends a message to everyone in the room (trimmed, cut at `max-length`); false when empty or not in a room. */
  send(text: string): boolean {
    const message = text.trim().slice(0, this.maxLength);
    if (!message || !this.#room.channel) return false;
    this.#post(message);
    return true;
  }

  /** Sends a file to everyone in the room and lists it with a progress bar; returns the transfer id (undefined when not in a room). */
  sendFile(file: File): string | undefined {
    const id = this.#room.channel?.sendFile(file);
    // Announced by a message right behind it, which arrives before the file's data does.
    if (id) this.#post(file.name, id).url = URL.createObjectURL(file);
    return id;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // The download links end with the element: the files are freed with it.
    for (const entry of this.#entries) forgetFile(entry);
    this.requestUpdate();
  }

  /** Notes, before the list changes, whether it is scrolled to its end: then it follows. */
  protected override willUpdate(): void {
    const list = this.#list;
    this.#follow = this.#showOwn || !list || list.scrollHeight - list.scrollTop - list.clientHeight <= END_SLACK;
    this.#showOwn = false;
  }

  protected override updated(): void {
    const list = this.#list;
    if (this.#follow && list) list.scrollTop = list.scrollHeight;
  }

  protected override render() {
    const texts = this.t;
    const transfers = this.#room.channel?.transfers ?? [];
    return html`<ol part="messages" role="log" tabindex="0" aria-label=${texts.messages}>${repeat(
      this.#entries,
      (entry) => entry.key,
      (entry) => (entry.kind === 'notice' ? this.#renderNotice(entry) : this.#renderMessage(entry, transfers)),
    )}</ol>${this.#renderComposer()}`;
  }

  get #list(): HTMLOListElement | null {
    return this.renderRoot.querySelector('ol');
  }

  /** One message of the list: who, when, then the text or the file. */
  #renderMessage(entry: MessageEntry, transfers: TransferInfo[]) {
    const texts = this.t;
    const mine = entry.from === '';
    const sender = mine ? texts.you : entry.name || texts.guest;
    return html`<li part=${mine ? 'message mine' : 'message'}><b part="name">${sender}</b> <time part="time">${entry.time}</time>
${entry.id ? this.#renderFile(entry, transfers) : entry.text}</li>`;
  }

  /** A line about the room, in the texts of `strings`. */
  #renderNotice({ notice, name, count }: NoticeEntry) {
    const text = this.t[notice].replace('{name}', name || this.t.guest).replace('{count}', String(count));
    return html`<li part="notice">${text}</li>`;
  }

  /**
   * A file: its name (a download link once it is here), then its progress bar, or "Failed". The
   * bar shows the slowest of its transfers under way (to each peer); none left: done.
   */
  #renderFile(entry: MessageEntry, transfers: TransferInfo[]) {
    const fractions = transfers
      .filter((transfer) => transfer.id === entry.id)
      .map((transfer) => transfer.loaded / transfer.total);
    // Without a URL (before it arrived, or once the element left) the name is no link.
    const link = html`<a part="file" href=${entry.url || nothing} download=${entry.text}>${entry.text}</a>`;
    if (entry.failed) return html`${link} ${this.t.failed}`;
    return html`${link} <progress part="progress" aria-label=${entry.text} value=${Math.min(1, ...fractions)}></progress>`;
  }

  /** The text field, the two buttons, the hidden file picker and the length hint. */
  #renderComposer() {
    const texts = this.t;
    const max = this.maxLength;
    const hint = this.draft.length < max ? '' : texts.limit.replace('{max}', String(max));
    return html`<textarea part="input" maxlength=${max} aria-label=${texts.input} placeholder=${texts.input} .value=${this.draft} @input=${this.#onInput} @keydown=${this.#onKeydown}></textarea>${button(
      'attach',
      texts.attach,
      this.#openPicker,
    )}<input type="file" multiple hidden @change=${this.#onPick}>${button('send', texts.send, this.#submit, {
      kind: 'primary',
    })}<p part="hint" aria-live="polite">${hint}</p>`;
  }

  /** Sends a message (a file's announcement with its transfer `id`) and lists it as ours. */
  #post(text: string, id?: string): MessageEntry {
    const message: RtcChatMessage = { t: 'msg', text, name: this.name, ts: Date.now(), id };
    this.#room.channel!.sendJSON(message);
    this.#showOwn = true;
    const entry: MessageEntry = {
      kind: 'message',
      key: 0,
      from: '',
      name: this.name,
      time: clock.format(message.ts),
      text,
      id,
    };
    return this.#add(entry);
  }

  // Event handlers are arrow functions: Lit calls template listeners with the element as `this`
  // (its `host` option) and addEventListener with the target, which is the element here too.

  #submit = (): void => {
    if (this.send(this.draft)) this.draft = '';
  };

  #onInput = (event: Event): void => {
    this.draft = (event.target as HTMLTextAreaElement).value;
  };

  #onKeydown = (event: KeyboardEvent): void => {
    // Enter sends, Shift+Enter is a new line; an IME's Enter confirms its composition instead.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.#submit();
    }
  };

  #openPicker = (): void => {
    this.renderRoot.querySelector('input')!.click();
  };

  #onPick = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    for (const file of input.files!) this.sendFile(file);
    input.value = '';
  };

  /** Appends an item, and drops the oldest ones past `max-messages`. */
  #add<E extends Entry>(entry: E): E {
    entry.key = this.#nextKey++;
    this.#entries.push(entry);
    const excess = this.#entries.length - Math.max(1, this.maxMessages);
    if (excess > 0) for (const dropped of this.#entries.splice(0, excess)) forgetFile(dropped);
    this.requestUpdate();
    return entry;
  }

  /**
   * Whether `peer` may post now: each peer has an allowance of BURST times `max-rate` messages,
   * topped up at `max-rate` a second. Past it, messages are dropped and one line counts them, until
   * the peer has kept quiet long enough for its allowance to fill up again.
   */
  #allowed(peer: string): boolean {
    const now = performance.now();
    // A value that is not a number of messages (NaN from the attribute) counts as the default.
    const rate = Number.isFinite(this.maxRate) ? Math.max(this.maxRate, 0) : DEFAULT_MAX_RATE;
    const burst = rate * BURST;
    let allowance = this.#allowances.get(peer);
    if (!allowance) {
      allowance = { tokens: burst, at: now };
      this.#allowances.set(peer, allowance);
    }
    allowance.tokens = Math.min(burst, allowance.tokens + ((now - allowance.at) / 1000) * rate);
    allowance.at = now;
    // A flood that was cut is over once the allowance is full again (with max-rate 0, never).
    if (allowance.tokens >= Math.max(burst, 1)) allowance.note = undefined;
    if (allowance.tokens >= 1) {
      allowance.tokens -= 1;
      return true;
    }
    if (allowance.note && this.#entries.includes(allowance.note)) {
      allowance.note.count += 1;
      this.requestUpdate();
    } else {
      const name = this.#names.get(peer) ?? '';
      allowance.note = this.#add<NoticeEntry>({ kind: 'notice', key: 0, notice: 'dropped', name, count: 1 });
    }
    return false;
  }

  /** The item of a transfer: ours, or the one its sender announced. */
  #entryOf(id: string, peer: string): MessageEntry | undefined {
    for (const entry of this.#entries) {
      if (entry.kind === 'message' && entry.id === id && (entry.from === '' || entry.from === peer)) return entry;
    }
    return undefined;
  }

  #onMessage = ({ detail }: RtcMessageEvent): void => {
    const message = detail.data as Partial<RtcChatMessage> | null;
    if (message?.t !== 'msg' || typeof message.text !== 'string') return;
    if (!this.#allowed(detail.from)) return;
    // The time is the sender's clock, but never ahead of ours (nor missing).
    const sent = typeof message.ts === 'number' && message.ts > 0 ? message.ts : Infinity;
    this.#add<MessageEntry>({
      kind: 'message',
      key: 0,
      from: detail.from,
      name: String(message.name ?? '').slice(0, this.maxLength),
      time: clock.format(Math.min(sent, Date.now())),
      text: message.text.slice(0, this.maxLength),
      id: typeof message.id === 'string' ? message.id : undefined,
    });
  };

  #onFile = ({ detail }: RtcFileEvent): void => {
    const entry = this.#entryOf(detail.id, detail.from);
    if (entry) {
      // The URL needs the File kept: a stored file goes once nothing refers to its File.
      entry.file = detail.file;
      entry.url = URL.createObjectURL(detail.file);
    }
    this.requestUpdate();
  };

  /** Progress needs a render only: the bars read the channel's transfers. */
  #onTransferProgress = (): void => {
    this.requestUpdate();
  };

  #onTransferError = ({ detail }: RtcTransferErrorEvent): void => {
    const entry = this.#entryOf(detail.id, detail.peer);
    if (entry) entry.failed = true;
    this.requestUpdate();
  };

  #onPeerJoin = ({ detail }: RtcPeerJoinEvent): void => {
    this.#names.set(detail.id, detail.name);
    this.#add<NoticeEntry>({ kind: 'notice', key: 0, notice: 'joined', name: detail.name, count: 0 });
  };

  #onPeerLeave = ({ detail }: RtcPeerLeaveEvent): void => {
    const name = this.#names.get(detail.id) ?? '';
    this.#names.delete(detail.id);
    this.#allowances.delete(detail.id);
    this.#add<NoticeEntry>({ kind: 'notice', key: 0, notice: 'left', name, count: 0 });
  };
}

/** Revokes an item's download link and lets go of its File. */
function forgetFile(entry: Entry): void {
  if (entry.kind !== 'message' || !entry.url) return;
  URL.revokeObjectURL(entry.url);
  entry.url = '';
  entry.file = undefined;
}

define('rtc-chat', RtcChat);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-chat': RtcChat;
  }
}
