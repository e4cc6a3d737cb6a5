import { html, nothing } from 'lit';
import { define } from './internal/ui/define.js';
import { RtcElement, button } from './internal/ui/element.js';
import type { TransportChoice } from './internal/signaling/transport.js';
import { RoomController, roomProperties } from './internal/controllers/room-controller.js';
import type { FileDetail, MessageDetail, TransferErrorDetail } from './internal/controllers/room-events.js';
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

/** One item of the list: a message, or a file when `id` (the transfer id) is set. */
interface Entry {
  /** The sender's peer id; `''` for ours. */
  from: string;
  name: string;
  ts: number;
  /** The message, or the file's name. */
  text: string;
  /** A file's transfer id. */
  id?: string;
  /** The download link of a file, while the element is in the page. */
  url?: string;
  failed?: boolean;
}

const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

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
 * The list is a live region (`role="log"`): screen readers announce each new item. Received files
 * are links to object URLs, revoked when the element leaves the page.
 *
 * @summary A peer-to-peer chat box with file attachments.
 *
 * @attr room - The room to join. Nothing happens while it is empty.
 * @attr signaling - The relay's signaling URL. Empty: `signal` beside the script the page loaded (`rtc-elements.js` on its relay).
 * @attr transport - How to reach the relay: `auto` (default: WebSocket, and SSE + POST at once when a
 *   proxy or network breaks WebSocket), `websocket` or `sse`; any other value is `auto`.
 * @attr name - Your name, sent with each message and shown to the others (a peer without one shows as
 *   "Guest"). Changing it re-joins the room.
 * @attr max-length - The longest message, in characters. The field stops there and a hint says so
 *   (`part="hint"`, announced politely); a peer's longer message is cut to this length on arrival.
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
 *   (`negotiation-failed`), or the browser refuses the ICE servers (`ice-servers-refused`).
 * @fires {SignalingErrorDetail} rtc-signaling-error - The relay refused us or cannot be reached.
 *
 * @tagname rtc-chat
 */
export class RtcChat extends RtcElement<RtcChatStrings> {
  static override styles = styles;

  // One table instead of a decorator per property (as <rtc-camera>): no decorator code shipped.
  static override properties = {
    ...roomProperties,
    maxLength: { type: Number },
    draft: { state: true },
  };

  room = '';
  signaling = '';
  transport: TransportChoice = 'auto';
  name = '';
  maxLength = 4000;

  protected override readonly defaults = rtcChatStrings;
  private draft = '';
  #items: Entry[] = [];

  #ctl = new RoomController(this, () => ({
    room: this.room,
    signaling: this.signaling,
    transport: this.transport,
    name: this.name,
    label: 'rtc-chat',
  }));

  constructor() {
    super();
    for (const type of ['message', 'file', 'transfer-progress', 'transfer-error'])
      this.addEventListener(`rtc-${type}`, this.#onEvent);
  }

  /** Sends a message to everyone in the room (trimmed, cut at `max-length`); false when empty or not in a room. */
  send(text: string): boolean {
    text = text.trim().slice(0, this.maxLength);
    if (!text || !this.#ctl.channel) return false;
    this.#post(text);
    return true;
  }

  /** Sends a file to everyone in the room and lists it with a progress bar; returns the transfer id (undefined when not in a room). */
  sendFile(file: File): string | undefined {
    const id = this.#ctl.channel?.sendFile(file);
    // Announced by a message right behind it, which arrives before the file's data does.
    if (id) this.#post(file.name, id).url = URL.createObjectURL(file);
    return id;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // The download links end with the element: the files are freed with it.
    for (const entry of this.#items) {
      if (entry.url) URL.revokeObjectURL(entry.url);
      entry.url = '';
    }
    this.requestUpdate();
  }

  protected override render() {
    const t = this.t;
    const transfers = this.#ctl.channel?.transfers ?? [];
    const max = this.maxLength;
    // A file's bar shows the slowest of its transfers under way (to each peer); none left: done.
    return html`<ol part="messages" role="log" tabindex="0" aria-label=${t.messages}>${this.#items.map(
      (e) =>
        html`<li part="message${e.from ? '' : ' mine'}"><b part="name">${e.from ? e.name || t.guest : t.you}</b> <time part="time">${clock.format(e.ts)}</time>
${
  e.id
    ? // Without a URL (before it arrived, or once the element left) the name is no link.
      html`<a part="file" href=${e.url || nothing} download=${e.text}>${e.text}</a> ${
        e.failed
          ? t.failed
          : html`<progress part="progress" aria-label=${e.text} value=${Math.min(1, ...transfers.filter((x) => x.id === e.id).map((x) => x.loaded / x.total))}></progress>`
      }`
    : e.text
}</li>`,
    )}</ol><textarea part="input" maxlength=${max} aria-label=${t.input} placeholder=${t.input} .value=${this.draft} @input=${(ev: Event) => (this.draft = (ev.target as HTMLTextAreaElement).value)} @keydown=${(
      ev: KeyboardEvent,
    ) => {
      // Enter sends, Shift+Enter is a new line; an IME's Enter confirms its composition instead.
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.#submit();
      }
    }}></textarea>${button('attach', t.attach, () => this.renderRoot.querySelector('input')!.click())}<input type="file" multiple hidden @change=${(
      ev: Event,
    ) => {
      const input = ev.target as HTMLInputElement;
      for (const file of input.files!) this.sendFile(file);
      input.value = '';
    }}>${button('send', t.send, this.#submit, { kind: 'primary' })}<p part="hint" aria-live="polite">${this.draft.length < max ? '' : t.limit.replace('{max}', max as unknown as string)}</p>`;
  }

  /** Sends a message (a file's announcement with its transfer `id`) and lists it as ours. */
  #post(text: string, id?: string): Entry {
    const message: RtcChatMessage = { t: 'msg', text, name: this.name, ts: Date.now(), id };
    this.#ctl.channel!.sendJSON(message);
    return this.#add({ ...message, from: '' });
  }

  // Called with the element as `this` (the send button's click, Lit's `host` option), or from Enter.
  #submit(): void {
    if (this.send(this.draft)) this.draft = '';
  }

  /** Appends an item; keeps the list scrolled to the end if it was there (or the item is ours). */
  #add(e: Entry): Entry {
    const l = this.renderRoot.firstElementChild;
    if (l && (!e.from || l.scrollHeight - l.scrollTop - l.clientHeight < 40))
      this.updateComplete.then(() => (l.scrollTop = 1e9));
    this.#items.push(e);
    this.requestUpdate();
    return e;
  }

  /** What the controller dispatches on this element. */
  #onEvent = (event: Event): void => {
    const { type, detail: d } = event as CustomEvent<Partial<MessageDetail & FileDetail & TransferErrorDetail>>;
    const m = d.data as Partial<RtcChatMessage> | null;
    // A transfer's item: ours, or the one its sender announced.
    const e = this.#items.find((e) => e.id === d.id && (!e.from || e.from === (d.from ?? d.peer)));
    if (type === 'rtc-message') {
      // The time is the sender's clock, but never ahead of ours (nor missing).
      if (m?.t === 'msg' && typeof m.text === 'string') {
        this.#add({
          from: d.from!,
          name: String(m.name ?? ''),
          ts: Math.min(m.ts! > 0 ? m.ts! : Infinity, Date.now()),
          text: m.text.slice(0, this.maxLength),
          id: m.id,
        });
      }
    } else if (type === 'rtc-file' && e) e.url = URL.createObjectURL(d.file!);
    else if (type === 'rtc-transfer-error' && e) e.failed = true;
    // Progress needs a render only: the bars read the channel's transfers.
    this.requestUpdate();
  };
}

define('rtc-chat', RtcChat);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-chat': RtcChat;
  }
}
