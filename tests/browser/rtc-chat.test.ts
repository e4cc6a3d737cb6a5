// <rtc-chat> with a real relay and two real peers. Elements in one page with the same (signaling,
// room) share one Room by design, so each chat here gets its own endpoint URL (`?peer=a`,
// `?peer=b`: the same relay) and with it its own socket and RTCPeerConnection.
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/rtc-chat.js';
import type { RtcChat } from '../../components/rtc-chat.js';
import { Room } from '../../components/internal/mesh/room.js';
import { RoomChannel } from '../../components/internal/mesh/room-channel.js';
import { nextEvent, startRelay, uniqueName, until } from './helpers.js';
import { frame, Kind, RawPeer, type RawLink } from './raw-peer.js';

/** The relay and room of the last pair(). */
let last = { url: '', room: '' };

/** Chats `a` (Ada) and `b` (Bob) in one room of a fresh relay, linked by their `rtc-chat` channel. */
async function pair(attrs: { strings?: string; name?: string } = {}): Promise<[RtcChat, RtcChat]> {
  const url = await startRelay(uniqueName('relay'));
  const room = uniqueName('room');
  last = { url, room };
  const host = await fixture<HTMLDivElement>(html`<div>
    <button id="before">before</button>
    <rtc-chat room=${room} name=${attrs.name ?? 'Ada'} signaling=${`${url}?peer=a`} strings=${attrs.strings ?? '{}'}></rtc-chat>
    <rtc-chat room=${room} name="Bob" signaling=${`${url}?peer=b`}></rtc-chat>
  </div>`);
  const [a, b] = [...host.querySelectorAll('rtc-chat')] as [RtcChat, RtcChat];
  // Both ends of the channel are open once each side has had an rtc-open.
  await Promise.all([a, b].map((el) => nextEvent(el, 'rtc-open', 'the chat channel')));
  return [a, b];
}

const $ = <E extends Element = HTMLElement>(el: RtcChat, selector: string) =>
  el.shadowRoot!.querySelector<E>(selector)!;
/** The messages of the list (not the lines about peers joining and leaving). */
const items = (el: RtcChat) => [...el.shadowRoot!.querySelectorAll<HTMLElement>('li[part~=message]')];
const notices = (el: RtcChat) => [...el.shadowRoot!.querySelectorAll('li[part=notice]')].map((li) => li.textContent);
const textarea = (el: RtcChat) => $<HTMLTextAreaElement>(el, 'textarea');
/** An item's text (or file name): what follows the name and time line. */
const body = (li: HTMLElement) => li.textContent!.slice(li.textContent!.indexOf('\n') + 1);
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** The Room a chat of pair() holds. */
function roomOf(el: RtcChat): Room {
  return [...Room.open.values()].find((room) => room.key === `${new URL(el.signaling).href} ${el.room}`)!;
}

/**
 * Sends `values` as JSON on the chat channel of `el`'s Room as they are, past `send()`'s checks
 * (as a peer with another client could): the channel labelled `rtc-chat`, shared through the Room.
 */
function sendRaw(el: RtcChat, ...values: unknown[]): void {
  const room = roomOf(el);
  const channel = room.channel('rtc-chat', RoomChannel);
  for (const value of values) channel.sendJSON(value);
  room.releaseChannel(channel);
}

/** Types into `el`'s text field with real key presses. */
async function type(el: RtcChat, text: string): Promise<void> {
  textarea(el).focus();
  await sendKeys({ type: text });
}

describe('<rtc-chat>', () => {
  it('two peers exchange messages with names and times; Enter sends, Shift+Enter makes a new line', async () => {
    const [a, b] = await pair();
    await type(a, 'first line');
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ type: 'second line' });
    expect(textarea(a).value).to.equal('first line\nsecond line');
    const sentAt = Date.now();
    await sendKeys({ press: 'Enter' });
    expect(textarea(a).value).to.equal('');

    await until(() => items(b).length === 1, 'the message at Bob');
    const got = items(b)[0]!;
    expect(got.querySelector('[part=name]')!.textContent).to.equal('Ada');
    expect(body(got)).to.equal('first line\nsecond line');
    // Ada's clock when she sent it, in the reader's locale (a minute may turn meanwhile).
    expect(got.querySelector('time')!.textContent).to.be.oneOf([clock.format(sentAt), clock.format(Date.now())]);
    expect(got.getAttribute('part')).to.equal('message');

    // Ada sees her own message, labelled as hers.
    expect(items(a)[0]!.getAttribute('part')).to.equal('message mine');
    expect(items(a)[0]!.querySelector('[part=name]')!.textContent).to.equal('You');

    await type(b, 'hi Ada');
    await sendKeys({ press: 'Enter' });
    await until(() => items(a).length === 2, 'the answer at Ada');
    expect(items(a)[1]!.querySelector('[part=name]')!.textContent).to.equal('Bob');
    expect(body(items(a)[1]!)).to.equal('hi Ada');
  });

  it('a message containing <img src=x onerror=...> shows as text and runs nothing', async () => {
    const [a, b] = await pair({ name: '<b onmouseover="window.pwned=3">Eve</b>' });
    const w = window as unknown as { pwned?: number };
    delete w.pwned;
    const evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    expect(a.send(evil)).to.equal(true);
    await until(() => items(b).length === 1, 'the message');
    const li = items(b)[0]!;
    expect(body(li)).to.equal(evil);
    expect(li.querySelector('[part=name]')!.textContent).to.equal('<b onmouseover="window.pwned=3">Eve</b>');
    expect(b.shadowRoot!.querySelector('img, script, [part=name] b')).to.equal(null);
    // An <img src=x> would have failed to load and run its handler by the time a round trip is done.
    b.send('pong');
    await until(() => items(a).length === 2, 'a round trip');
    expect(w.pwned).to.equal(undefined);
  });

  it('an attached file arrives as a download link, progress reaching 100% on both sides; links are revoked when the element leaves', async () => {
    const [a, b] = await pair();
    const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
    const file = new File([bytes], 'notes.bin', { type: 'application/octet-stream' });
    const progress = { send: 0, receive: 0 };
    for (const el of [a, b]) {
      el.addEventListener(
        'rtc-transfer-progress',
        ({ detail }) => (progress[detail.direction] = detail.loaded / detail.total),
      );
    }
    const arrived = nextEvent(b, 'rtc-file', 'the file');

    // Through the real button and file picker.
    const picker = $<HTMLInputElement>(a, 'input[type=file]');
    const opened = nextEvent(picker, 'click', 'the file picker');
    $(a, '[part~=attach-button]').click();
    await opened;
    const transfer = new DataTransfer();
    transfer.items.add(file);
    picker.files = transfer.files;
    picker.dispatchEvent(new Event('change'));
    await arrived;
    await b.updateComplete;
    await a.updateComplete;

    expect(progress).to.deep.equal({ send: 1, receive: 1 });
    for (const el of [a, b]) {
      expect($<HTMLProgressElement>(el, '[part=progress]').position).to.equal(1);
      expect($(el, '[part=progress]').getAttribute('aria-label')).to.equal('notes.bin');
    }
    const link = $<HTMLAnchorElement>(b, 'a[part=file]');
    expect(link.textContent).to.equal('notes.bin');
    expect(link.download).to.equal('notes.bin');
    expect(link.href).to.match(/^blob:/);
    expect(items(b)[0]!.querySelector('[part=name]')!.textContent).to.equal('Ada');
    const received = new Uint8Array(await (await fetch(link.href)).arrayBuffer());
    expect(received.length).to.equal(bytes.length);
    expect(received.every((byte, i) => byte === bytes[i])).to.equal(true);
    // The picker is cleared, so the same file can be attached again.
    expect(picker.value).to.equal('');

    const href = link.href;
    b.remove();
    let error: unknown;
    await fetch(href).catch((e: unknown) => (error = e));
    expect(error, 'the revoked URL fails').to.be.instanceOf(TypeError);
    expect($(b, 'a[part=file]').hasAttribute('href')).to.equal(false);
  });

  it('the message list is a live region that gets the new message text', async () => {
    const [a, b] = await pair();
    const log = $(b, '[role=log]');
    expect(log.getAttribute('aria-label')).to.equal('Messages');
    a.send('can you hear me?');
    await until(() => log.textContent!.includes('can you hear me?'), 'the text in the live region');
    expect(log.textContent).to.contain('Ada');
  });

  it('labels replaced through the strings attribute and property show up', async () => {
    const strings = JSON.stringify({
      send: 'Senden',
      attach: 'Datei anhängen',
      input: 'Nachricht',
      messages: 'Nachrichten',
      you: 'Du',
      limit: 'Höchstens {max} Zeichen.',
    });
    const [a] = await pair({ strings });
    expect($(a, '[part~=send-button]').textContent).to.equal('Senden');
    expect($(a, '[part~=attach-button]').textContent).to.equal('Datei anhängen');
    expect(textarea(a).placeholder).to.equal('Nachricht');
    expect(textarea(a).getAttribute('aria-label')).to.equal('Nachricht');
    expect($(a, 'ol').getAttribute('aria-label')).to.equal('Nachrichten');
    a.send('hallo');
    await a.updateComplete;
    expect(items(a)[0]!.querySelector('[part=name]')!.textContent).to.equal('Du');

    a.strings = { ...a.strings, send: 'Envoyer', you: 'Vous' };
    await a.updateComplete;
    expect($(a, '[part~=send-button]').textContent).to.equal('Envoyer');
    expect(items(a)[0]!.querySelector('[part=name]')!.textContent).to.equal('Vous');
  });

  it('is operable from the keyboard: Tab reaches the list, the field and both buttons, which work with Enter and Space', async () => {
    const [a, b] = await pair();
    a.parentElement!.querySelector<HTMLButtonElement>('#before')!.focus();
    const order: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      await sendKeys({ press: 'Tab' });
      order.push(a.shadowRoot!.activeElement?.getAttribute('part') ?? 'outside');
    }
    expect(order).to.deep.equal(['messages', 'input', 'button attach-button', 'button send-button']);

    // The send button, pressed with Space and with Enter.
    textarea(a).value = 'by space';
    textarea(a).dispatchEvent(new InputEvent('input'));
    $(a, '[part~=send-button]').focus();
    await sendKeys({ press: ' ' }); // the key value: WebDriver BiDi (Firefox) knows no key named Space
    textarea(a).value = 'by enter';
    textarea(a).dispatchEvent(new InputEvent('input'));
    await sendKeys({ press: 'Enter' });
    await until(() => items(b).length === 2, 'both messages');
    expect(items(b).map(body)).to.deep.equal(['by space', 'by enter']);

    // The attach button opens the file picker from the keyboard.
    const picker = $<HTMLInputElement>(a, 'input[type=file]');
    const opened = nextEvent(picker, 'click', 'the file picker');
    $(a, '[part~=attach-button]').focus();
    await sendKeys({ press: 'Enter' });
    await opened;
  });

  it('empty and blank messages are not sent', async () => {
    const [a, b] = await pair();
    const sent: unknown[] = [];
    b.addEventListener('rtc-message', (event) => sent.push(event.detail.data));
    await type(a, '   ');
    await sendKeys({ press: 'Enter' });
    $(a, '[part~=send-button]').click();
    expect(a.send('\n\t ')).to.equal(false);
    expect(items(a)).to.have.length(0);
    // Something real goes through, and nothing blank went before it.
    a.send('real');
    await until(() => sent.length === 1, 'the real message');
    expect((sent[0] as { text: string }).text).to.equal('real');
    expect(items(b)).to.have.length(1);
  });

  it('very long messages are capped at max-length with a hint, on both sides', async () => {
    const [a, b] = await pair();
    expect(a.maxLength).to.equal(4000);
    expect(textarea(a).maxLength).to.equal(4000);
    a.maxLength = 10;
    await a.updateComplete;
    expect($(a, '[part=hint]').textContent).to.equal('');
    await type(a, 'abcdefghijklmnop');
    await a.updateComplete;
    expect(textarea(a).value).to.equal('abcdefghij');
    expect($(a, '[part=hint]').textContent).to.equal('At most 10 characters.');
    expect($(a, '[part=hint]').getAttribute('aria-live')).to.equal('polite');
    await sendKeys({ press: 'Enter' });
    await a.updateComplete;
    expect($(a, '[part=hint]').textContent).to.equal('');

    // A peer's longer text is cut on arrival too (Bob's limit is 4000; Ada sends 5000 by hand).
    const long = 'x'.repeat(5000);
    sendRaw(a, { t: 'msg', text: long, name: 'Ada', ts: Date.now() });
    await until(() => items(b).length === 2, 'both messages');
    expect(body(items(b)[0]!)).to.equal('abcdefghij');
    expect(body(items(b)[1]!)).to.equal('x'.repeat(4000));
  });

  it("shows the sender's time, but never one ahead of the reader's clock", async () => {
    const [a, b] = await pair();
    const past = new Date(2020, 0, 2, 9, 5).getTime();
    const sentAt = Date.now();
    sendRaw(
      a,
      { t: 'msg', text: 'from the past', name: 'Ada', ts: past },
      { t: 'msg', text: 'from the future', name: 'Ada', ts: sentAt + 3 * 3600_000 },
      { t: 'msg', text: 'no time', name: 'Ada' },
    );
    await until(() => items(b).length === 3, 'three messages');
    // Arrival time: the reader's clock between sending and now (a minute may turn meanwhile).
    const arrival = [clock.format(sentAt), clock.format(Date.now())];
    const times = items(b).map((li) => li.querySelector('time')!.textContent);
    expect(times[0]).to.equal(clock.format(past));
    expect(times[1]).to.be.oneOf(arrival);
    expect(times[2]).to.be.oneOf(arrival);
  });

  it('keeps the newest message in view while the reader is at the bottom, and stays put while they read back', async () => {
    const [a, b] = await pair();
    b.style.setProperty('--rtc-chat-height', '8rem');
    const log = $(b, '[role=log]');
    const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight <= 2;
    /** The last item is fully in view. */
    const lastVisible = () => {
      const last = items(b).at(-1)!.getBoundingClientRect();
      return last.bottom <= log.getBoundingClientRect().bottom + 1;
    };
    for (let index = 1; index <= 8; index++) {
      // Several lines each: taller than any slack a follow check might allow.
      a.send(`message ${index}\nsecond line\nthird line`);
      await until(() => items(b).length === index, `message ${index}`);
      await b.updateComplete;
      expect(atBottom(), `at the bottom after message ${index}`).to.equal(true);
      expect(lastVisible(), `message ${index} in view`).to.equal(true);
    }
    // Reading back: new messages do not pull the list away.
    log.scrollTop = 0;
    a.send('while reading');
    await until(() => items(b).length === 9, 'the ninth message');
    await b.updateComplete;
    expect(log.scrollTop).to.equal(0);
    // Back at the bottom: it follows again.
    log.scrollTop = log.scrollHeight;
    a.send('back');
    await until(() => items(b).length === 10, 'the tenth message');
    await b.updateComplete;
    expect(atBottom()).to.equal(true);
    expect(lastVisible()).to.equal(true);
  });

  it('shows a line when a peer joins and when it leaves, in texts the strings can replace', async () => {
    const [a, b] = await pair();
    await until(() => notices(b).includes('Ada joined'), 'the line for Ada joining');
    expect(notices(a)).to.include('Bob joined');
    b.strings = { left: '{name} ist gegangen' };
    a.remove();
    await until(() => notices(b).includes('Ada ist gegangen'), 'the line for Ada leaving');
  });

  it('keeps at most max-messages items, dropping the oldest', async () => {
    const [a, b] = await pair();
    b.maxMessages = 5;
    for (let index = 1; index <= 8; index++) a.send(`message ${index}`);
    await until(() => items(b).at(-1)?.textContent?.endsWith('message 8'), 'the last message');
    await b.updateComplete;
    expect(b.shadowRoot!.querySelectorAll('li')).to.have.length(5);
    expect(items(b).map(body)).to.deep.equal(['message 4', 'message 5', 'message 6', 'message 7', 'message 8']);
  });

  it('max-rate 0 shows no message from peers, and one line counts them', async () => {
    const [a, b] = await pair();
    b.maxRate = 0;
    for (let index = 1; index <= 3; index++) a.send(`message ${index}`);
    await until(() => notices(b).includes('Ada is sending too fast: 3 messages not shown'), 'the line counting three');
    expect(items(b)).to.have.length(0);
    expect(notices(b).filter((text) => text?.includes('too fast'))).to.have.length(1);
  });

  /** A RawPeer named Mallory linked to `target` on the chat's channel. */
  async function mallory(target: RtcChat): Promise<{ raw: RawPeer; link: RawLink }> {
    const raw = await RawPeer.join(`${last.url}?peer=flood`, last.room, 'rtc-chat', 'Mallory');
    return { raw, link: await raw.ready(roomOf(target).id!) };
  }

  /** Sends `count` chat messages on `link`, a hundred per task. */
  async function flood(link: RawLink, count: number): Promise<void> {
    const encoder = new TextEncoder();
    for (let index = 0; index < count; index++) {
      const json = encoder.encode(
        JSON.stringify({ t: 'msg', text: `flood ${index}`, name: 'Mallory', ts: Date.now() }),
      );
      link.send(frame({ kind: Kind.Message, type: 3, id: index + 1, offset: 0, total: json.byteLength }, json));
      if (index % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * The message items the list gains and loses while `run` runs (a MutationObserver on its `ol`).
   * A flood keeps the page responsive when each update touches only what changed: one item in for
   * each message shown, one out for each that falls off max-messages, none rendered again. (How long
   * the page's tasks last is measured by `npm run bench -- --only chatflood`, not asserted here: a
   * loaded machine stretches every task.)
   */
  async function listChanges(chat: RtcChat, run: () => Promise<void>): Promise<{ added: number; removed: number }> {
    const changes = { added: 0, removed: 0 };
    const count = (nodes: NodeList) => [...nodes].filter((node) => node instanceof HTMLLIElement).length;
    const observer = new MutationObserver((records) => {
      for (const record of records) {
        changes.added += count(record.addedNodes);
        changes.removed += count(record.removedNodes);
      }
    });
    observer.observe(chat.shadowRoot!.querySelector('ol')!, { childList: true });
    try {
      await run();
      await chat.updateComplete;
    } finally {
      for (const record of observer.takeRecords()) {
        changes.added += count(record.addedNodes);
        changes.removed += count(record.removedNodes);
      }
      observer.disconnect();
    }
    return changes;
  }

  it('2,000 messages in a flood from one peer: max-rate of them are shown, each rendered once, the rest dropped with one line', async function () {
    this.timeout(60_000);
    const [a, b] = await pair();
    const { raw, link } = await mallory(b);
    const changes = await listChanges(b, async () => {
      await flood(link, 2000);
      // Every message of the flood is either shown or counted in the line.
      await until(
        () => {
          const shown = items(b).filter((li) => li.textContent!.includes('flood')).length;
          const note = notices(b).find((text) => text?.startsWith('Mallory is sending too fast'));
          return shown + Number(/(\d+) messages/.exec(note ?? '')?.[1] ?? 0) === 2000;
        },
        'the whole flood handled',
        30_000,
      );
    });
    try {
      const shown = items(b).filter((li) => li.textContent!.includes('flood')).length;
      // The burst (4 s of max-rate 5), then 5 a second while the flood lasts.
      expect(shown, 'messages shown').to.be.within(20, 20 + 5 * 10);
      expect(notices(b).filter((text) => text?.startsWith('Mallory is sending too fast'))).to.have.length(1);
      // Each shown message and the one line went in once; nothing was rendered again or taken out.
      expect(changes).to.deep.equal({ added: shown + 1, removed: 0 });
      // The honest peer is heard as before.
      a.send('still here');
      await until(() => items(b).at(-1)?.textContent?.endsWith('still here'), "Ada's message");
    } finally {
      raw.close();
    }
  });

  it('with no rate limit, 2,000 messages keep max-messages items: each goes in once, and out once it is too old', async function () {
    this.timeout(60_000);
    const [, b] = await pair();
    b.maxRate = 1e6;
    const { raw, link } = await mallory(b);
    const before = b.shadowRoot!.querySelectorAll('li').length;
    const changes = await listChanges(b, async () => {
      await flood(link, 2000);
      await until(() => items(b).at(-1)?.textContent?.endsWith('flood 1999'), 'the last message', 30_000);
    });
    try {
      expect(b.shadowRoot!.querySelectorAll('li')).to.have.length(500);
      // Lit renders the newest items of a batch only: some of the 2,000 never reach the page, none twice.
      expect(changes.added - changes.removed, 'items kept').to.equal(500 - before);
      expect(changes.added, 'items rendered').to.be.within(500, 2000);
    } finally {
      raw.close();
    }
  });
});
