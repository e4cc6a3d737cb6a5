// <rtc-chat> with a real relay and two real peers. Elements in one page with the same (signaling,
// room) share one Room by design, so each chat here gets its own endpoint URL (`?peer=a`,
// `?peer=b`: the same relay) and with it its own socket and RTCPeerConnection.
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/rtc-chat.js';
import type { RtcChat } from '../../components/rtc-chat.js';
import { Room } from '../../components/internal/mesh/room.js';
import { nextEvent, startRelay, uniqueName, until } from './helpers.js';

/** Chats `a` (Ada) and `b` (Bob) in one room of a fresh relay, linked by their `rtc-chat` channel. */
async function pair(attrs: { strings?: string; name?: string } = {}): Promise<[RtcChat, RtcChat]> {
  const url = await startRelay(uniqueName('relay'));
  const room = uniqueName('room');
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
const items = (el: RtcChat) => [...el.shadowRoot!.querySelectorAll('li')];
const textarea = (el: RtcChat) => $<HTMLTextAreaElement>(el, 'textarea');
/** An item's text (or file name): what follows the name and time line. */
const body = (li: HTMLElement) => li.textContent!.slice(li.textContent!.indexOf('\n') + 1);
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/**
 * Sends `values` as JSON on the chat channel of `el`'s Room as they are, past `send()`'s checks
 * (as a peer with another client could): the channel labelled `rtc-chat`, shared through the Room.
 */
function sendRaw(el: RtcChat, ...values: unknown[]): void {
  const room = [...Room.open.values()].find((room) => room.key === `${new URL(el.signaling).href} ${el.room}`)!;
  const channel = room.channel('rtc-chat');
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
});
