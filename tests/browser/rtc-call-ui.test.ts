// The call's UI with real peers: languages, raise hand and reactions, tiles, layouts, the chat
// panel (this file imports no <rtc-chat>: the panel must load it), banners, renames, joining
// without the camera, and accessibility (axe-core and contrast) in each state.
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/rtc-call.js';
import '../../components/rtc-camera.js';
import { rtcCallStrings, type RtcCall } from '../../components/rtc-call.js';
import { rtcCameraStrings, type RtcCamera } from '../../components/rtc-camera.js';
import { mediaErrorText } from '../../components/internal/media/media.js';
import { builtInLanguages } from '../../components/internal/ui/locale.js';
import { fitGrid } from '../../components/internal/ui/tile-layout.js';
import { CallChannel } from '../../components/internal/mesh/call-channel.js';
import { nextEvent, startRelay, stopRelay, uniqueName, until } from './helpers.js';
import { frame, Kind, RawPeer, text } from './raw-peer.js';
import { button, call, lowContrastTexts, media, roomOf, tiles, userMediaCount } from './call-harness.js';
import { violations } from './axe.js';

function part(el: Element, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
}

const realGetDisplayMedia = media.getDisplayMedia;
afterEach(async () => {
  media.getDisplayMedia = realGetDisplayMedia;
  document.documentElement.lang = 'en';
  document.documentElement.style.colorScheme = '';
});

describe('<rtc-call> languages', () => {
  it('lang="de" shows the German texts once their module loaded; strings still override one', async () => {
    const el = await fixture<RtcCall>(html`<rtc-call lang="de" .strings=${{ cancel: 'Lieber nicht' }}></rtc-call>`);
    await until(() => button(el, 'join').textContent!.includes('Beitreten'), 'the German join button');
    expect(part(el, 'heading')!.textContent).to.equal('Bereit zum Beitreten?');
    el.strings = { join: 'Los' };
    await el.updateComplete;
    expect(button(el, 'join').textContent!.trim()).to.equal('Los');
  });

  it('without its own lang the element speaks the document’s; a region speaks its language; an unknown one English', async () => {
    document.documentElement.lang = 'pt-BR';
    const el = await fixture<RtcCall>(html`<rtc-call></rtc-call>`);
    await until(() => button(el, 'join').textContent!.includes('Entrar'), 'the Portuguese join button');
    el.setAttribute('lang', 'ja');
    await until(() => button(el, 'join').textContent!.includes('参加'), 'Japanese after lang changed');
    el.setAttribute('lang', 'xx');
    await el.updateComplete;
    expect(button(el, 'join').textContent!.trim()).to.equal('Join');
  });

  it('<rtc-camera> speaks the page’s language too', async () => {
    const el = await fixture<RtcCamera>(html`<div lang="fr"><rtc-camera></rtc-camera></div>`);
    const camera = el.querySelector('rtc-camera')!;
    await until(() => part(camera, 'start-button')?.textContent?.includes('Démarrer la caméra'), 'French start');
  });

  it('every built-in language has every text of the call, the camera and the capture errors, with the same placeholders', async () => {
    const own = (strings: object) => Object.keys(strings).filter((key) => !(key in mediaErrorText));
    const placeholders = (text: string) => text.match(/\{\w+\}/g) ?? [];
    expect(builtInLanguages).to.have.members(['de', 'fr', 'es', 'pt', 'it', 'nl', 'pl', 'ja', 'zh']);
    for (const language of builtInLanguages) {
      const texts = (
        (await import(`../../components/locales/${language}.ts`)) as {
          default: Record<string, Record<string, string>>;
        }
      ).default;
      expect(Object.keys(texts.media!), `${language} media`).to.have.members(Object.keys(mediaErrorText));
      expect(Object.keys(texts.camera!), `${language} camera`).to.have.members(own(rtcCameraStrings));
      expect(Object.keys(texts.call!), `${language} call`).to.have.members(own(rtcCallStrings));
      for (const [key, english] of Object.entries(rtcCallStrings)) {
        const translated = texts.call![key] ?? texts.media![key]!;
        expect(translated, `${language} ${key}`).to.be.a('string').and.not.equal('');
        expect(placeholders(translated), `${language} ${key}`).to.deep.equal(placeholders(english));
      }
    }
  });
});

describe('<rtc-call> tile layout', () => {
  it('fits the tiles into the box: 16:9 in a landscape box, taller (down to 3:4) in a portrait one', () => {
    // A desktop stage: three people in two rows of 16:9 tiles.
    expect(fitGrid(3, 1264, 712, 8)).to.deep.equal({ columns: 2, tileWidth: 625, tileHeight: 351 });
    // A phone held upright: one person fills it at 3:4, three stack in one column.
    expect(fitGrid(1, 374, 720, 8)).to.deep.equal({ columns: 1, tileWidth: 374, tileHeight: 498 });
    const three = fitGrid(3, 374, 720, 8);
    expect(three.columns).to.equal(1);
    expect(three.tileHeight * 3 + 16).to.be.at.most(720);
    // Never wider than the box, whatever the count.
    for (let count = 1; count <= 8; count++) {
      const fit = fitGrid(count, 374, 720, 8);
      expect(fit.tileWidth * fit.columns + 8 * (fit.columns - 1), `${count}`).to.be.at.most(374);
    }
  });
});

describe('<rtc-call> join screen', () => {
  it('the preview shows your camera, device pickers and a moving microphone meter; joining sends that same capture', async () => {
    const url = await startRelay(uniqueName('relay'));
    const el = await fixture<RtcCall>(
      html`<rtc-call room=${uniqueName('room')} name="Ada" video="320x240" signaling=${url}></rtc-call>`,
    );
    expect(part(el, 'preview')!.querySelector('[part=avatar]')!.textContent).to.equal('A');
    const before = userMediaCount();
    button(el, 'preview').click();
    await until(() => part(el, 'camera-select') && part(el, 'microphone-select'), 'the device pickers');
    const video = part(el, 'preview')!.querySelector('video')!;
    await until(() => video.videoWidth > 0, 'the preview playing');
    await until(() => Number(part(el, 'level')!.getAttribute('aria-valuenow')) > 0, 'the meter moving');
    const previewed = video.srcObject as MediaStream;
    el.join();
    await until(() => el.state === 'live', 'live');
    expect(userMediaCount() - before, 'getUserMedia calls').to.equal(1);
    expect(previewed.getTracks().every((track) => track.readyState === 'live')).to.equal(true);
    el.hangUp();
    expect(previewed.getTracks().map((track) => track.readyState)).to.deep.equal(['ended', 'ended']);
  });
});

describe('<rtc-call> in the call', () => {
  it('a raised hand and a reaction reach the others: events, a badge, the reaction on the tile', async () => {
    const {
      els: [a, b],
    } = await call(['Ada Lovelace', 'Bob']);
    const hand = nextEvent<CustomEvent<{ peer: string; raised: boolean }>>(b!, 'rtc-call-hand');
    button(a!, 'hand').click();
    expect((await hand).detail).to.deep.equal({ peer: roomOf(a!).id, raised: true });
    await b!.updateComplete;
    const tile = tiles(b!)[0]!;
    expect(tile.hasAttribute('hand')).to.equal(true);
    expect(tile.querySelector('[part=hand]')!.textContent).to.equal('Hand raised');
    expect(button(a!, 'hand').textContent).to.contain('Lower hand');
    expect(b!.shadowRoot!.querySelector('[role=status]')!.textContent).to.equal('Ada Lovelace raised a hand');

    // The menu opens from its button and Escape closes it, the focus back on the button.
    button(a!, 'react').click();
    await a!.updateComplete;
    expect(button(a!, 'react').getAttribute('aria-expanded')).to.equal('true');
    part(a!, 'reactions')!.querySelector('button')!.focus();
    await sendKeys({ press: 'Escape' });
    await a!.updateComplete;
    expect([!!part(a!, 'reactions'), a!.shadowRoot!.activeElement === button(a!, 'react')]).to.deep.equal([
      false,
      true,
    ]);

    const reaction = nextEvent<CustomEvent<{ peer: string; reaction: string }>>(b!, 'rtc-call-reaction');
    button(a!, 'react').click();
    await a!.updateComplete;
    part(a!, 'reactions')!.querySelector('button')!.click();
    expect((await reaction).detail).to.deep.equal({ peer: roomOf(a!).id, reaction: '👍' });
    await b!.updateComplete;
    expect(tile.querySelector('[part=reaction]')!.textContent).to.equal('👍');
    expect(a!.shadowRoot!.querySelector('[part~=self] [part=reaction]')!.textContent).to.equal('👍');
  });

  it('hostile call messages change nothing: unknown reactions and non-boolean statuses are dropped', async () => {
    const {
      els: [a, b],
    } = await call(['a', 'b']);
    const reactions: string[] = [];
    b!.addEventListener('rtc-call-reaction', (event) => reactions.push(event.detail.reaction));
    const channel = roomOf(a!).channel('rtc-call', CallChannel);
    try {
      for (const hostile of [
        { reaction: '<img src=x onerror=alert(1)>' },
        { reaction: 42 },
        { muted: 'yes', cameraOff: 1, hand: 'true' },
        'a string',
        null,
        [1, 2],
      ])
        channel.sendJSON(hostile);
      // Then a real one: once it shows, the ones before it have been handled.
      channel.sendJSON({ muted: true, cameraOff: false, hand: false });
      const tile = tiles(b!)[0]!;
      await until(() => tile.getAttribute('aria-label') === 'a, Muted', 'the real status');
      expect(reactions).to.deep.equal([]);
      expect(tile.hasAttribute('hand')).to.equal(false);
      expect(tile.querySelector('[part=reaction]')).to.equal(null);
    } finally {
      roomOf(a!).releaseChannel(channel);
    }
  });

  it("a client of the data-channel contract talks to a call's channel; what a call never sends is dropped", async () => {
    const {
      url,
      room,
      els: [a],
    } = await call(['a']);
    const raw = await RawPeer.join(`${url}?peer=raw`, room, 'rtc-call', 'raw');
    try {
      const link = await raw.ready(roomOf(a!).id!);
      const hands: boolean[] = [];
      a!.addEventListener('rtc-call-hand', (event) => hands.push(event.detail.raised));
      const json = 3; // messageTypes.indexOf('json') in docs/datachannel.md
      const raised = JSON.stringify({ muted: false, cameraOff: false, hand: true });
      const bytes = new TextEncoder().encode(raised);
      // Each of these would raise the raw peer's hand if it were taken.
      link.send(frame({ kind: Kind.Message, type: json, id: 1, offset: 0, total: bytes.length * 2 }, bytes));
      link.send(frame({ kind: Kind.Message, type: 0, id: 2, offset: 0, total: bytes.length }, bytes));
      const padded = new TextEncoder().encode(JSON.stringify({ hand: true, pad: 'x'.repeat(5000) }));
      link.send(frame({ kind: Kind.Message, type: json, id: 3, offset: 0, total: padded.length }, padded));
      link.send(frame({ kind: Kind.FileStart, id: 4, total: 10 }, '{"name":"x"}'));
      link.send(frame({ kind: Kind.Message, type: json, id: 5, offset: 0, total: 9 }, 'not json!'));
      // Then a real status, whole in one frame: once it shows, the ones before it have been handled.
      const muted = JSON.stringify({ muted: true, cameraOff: false, hand: false });
      link.send(frame({ kind: Kind.Message, type: json, id: 6, offset: 0, total: muted.length }, muted));
      const tile = tiles(a!).find((each) => each.getAttribute('aria-label')?.startsWith('raw'))!;
      await until(() => tile.getAttribute('aria-label') === 'raw, Muted', "the raw peer's status");
      expect(hands).to.deep.equal([]);
      expect(tile.hasAttribute('hand')).to.equal(false);
      // And the call's own status reaches the raw peer as one json Message frame.
      const status = await link.nextFrame((each) => each.kind === Kind.Message && each.type === json, 'a status');
      expect(JSON.parse(text(status))).to.deep.equal({ muted: false, cameraOff: false, hand: false });
    } finally {
      raw.close();
    }
  });

  it('a camera that is off shows initials, at the others and on your own tile, and the speaking ring follows the level', async () => {
    const {
      els: [a, b],
    } = await call(['Ada Lovelace', 'Bob']);
    a!.cameraOff = true;
    const tile = tiles(b!)[0]!;
    await until(() => tile.querySelector('[part=avatar]'), 'initials at b');
    expect(tile.querySelector('[part=avatar]')!.textContent).to.equal('AL');
    await a!.updateComplete;
    expect(a!.shadowRoot!.querySelector('[part~=self] [part=avatar]')!.textContent).to.equal('AL');
    // The fake microphone beeps: the ring comes on at b for a, and on a's own tile.
    await until(() => tile.hasAttribute('speaking'), 'the speaking ring at b');
    await until(() => a!.shadowRoot!.querySelector('[part~=self]')!.hasAttribute('speaking'), 'your own ring');
    a!.muted = true;
    await until(() => !a!.shadowRoot!.querySelector('[part~=self]')!.hasAttribute('speaking'), 'no ring muted');
  });

  it('pin puts a tile in the speaker layout’s spotlight; the grid view button goes back', async () => {
    const {
      els: [a],
    } = await call(['a', 'b', 'c']);
    const pin = tiles(a!)[1]!.querySelector<HTMLButtonElement>('[part~=pin-button]')!;
    expect(pin.textContent).to.contain('Pin c');
    pin.click();
    await a!.updateComplete;
    expect(a!.layout).to.equal('speaker');
    expect(part(a!, 'spotlight')!.querySelector('[part~=tile]')!.getAttribute('aria-label')).to.equal('c');
    expect(part(a!, 'filmstrip')!.querySelectorAll('[part~=tile]')).to.have.length(2);
    button(a!, 'layout').click();
    await a!.updateComplete;
    expect([a!.layout, !!part(a!, 'grid')]).to.deep.equal(['grid', true]);
  });

  it('alone, "Waiting for others" shows until someone comes; a rename while live reaches the others', async () => {
    const url = await startRelay(uniqueName('relay'));
    const room = uniqueName('room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-call autojoin video="320x240" room=${room} name="a" signaling=${`${url}?peer=a`}></rtc-call>
    </div>`);
    const a = host.querySelector('rtc-call')!;
    await until(() => part(a, 'waiting-banner'), 'the waiting banner');
    expect(part(a, 'waiting-banner')!.textContent).to.contain('Waiting for others to join');
    const b = Object.assign(document.createElement('rtc-call'), {
      autojoin: true,
      video: '320x240',
      room,
      name: 'b',
      signaling: `${url}?peer=b`,
    });
    host.append(b);
    await until(() => !part(a, 'waiting-banner') && tiles(a).length === 1, 'b at a, no banner');
    const renamed = nextEvent<CustomEvent<{ id: string; name: string }>>(b, 'rtc-peer-rename');
    a.name = 'Ada';
    expect((await renamed).detail).to.deep.equal({ id: roomOf(a).id, name: 'Ada' });
    await until(() => tiles(b)[0]?.getAttribute('aria-label') === 'Ada', 'the new name on b’s tile');
  });

  it('a relay that goes away shows "Reconnecting…" until it is back', async () => {
    const {
      relay,
      els: [a],
    } = await call(['a', 'b']);
    await stopRelay(relay);
    await until(() => part(a!, 'reconnecting-banner'), 'the reconnecting banner', 20_000);
    expect(part(a!, 'reconnecting-banner')!.textContent).to.contain('Reconnecting…');
    await startRelay(relay);
    await until(() => !part(a!, 'reconnecting-banner'), 'the banner gone', 25_000);
  });

  it('a blocked camera offers "Join without camera", which joins with the microphone only', async () => {
    const url = await startRelay(uniqueName('relay'));
    const room = uniqueName('room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-call room=${room} name="a" signaling=${`${url}?peer=a`}></rtc-call>
      <rtc-call autojoin video="320x240" room=${room} name="b" signaling=${`${url}?peer=b`}></rtc-call>
    </div>`);
    const [a, b] = host.querySelectorAll('rtc-call');
    await until(() => b!.state === 'live', 'b in the call');
    const realGetUserMedia = media.getUserMedia;
    media.getUserMedia = (constraints?: MediaStreamConstraints) =>
      constraints?.video
        ? Promise.reject(new DOMException('blocked', 'NotAllowedError'))
        : realGetUserMedia.call(media, constraints);
    try {
      button(a!, 'join').click();
      await until(() => button(a!, 'join-without-camera'), 'Join without camera');
      expect(part(a!, 'error-message')!.textContent).to.equal('Camera access was blocked.');
      button(a!, 'join-without-camera').click();
      await until(() => a!.state === 'live' && tiles(b!).length === 1, 'a in the call');
      await until(() => tiles(b!)[0]!.querySelector('[part=avatar]'), 'a’s tile without video at b');
      const pc = [...roomOf(a!).links.values()][0]!.pc;
      // Every link has an audio and a video transceiver from the start (reserveMedia(), link-media.ts):
      // a sender without a track sends nothing.
      const sending = await until(() => {
        const withTrack = pc.getSenders().filter((sender) => sender.track);
        return withTrack.length > 0 ? withTrack : null;
      }, 'a sending');
      expect(sending.map((sender) => sender.track!.kind)).to.deep.equal(['audio']);
      expect(!!button(a!, 'camera'), 'a camera button').to.equal(false);
    } finally {
      media.getUserMedia = realGetUserMedia;
    }
  });
});

describe('<rtc-call> chat panel', () => {
  it('loads <rtc-chat> only for a live call with `chat`; its messages count as unread until it opens', async () => {
    const {
      els: [a, b],
    } = await call(['a', 'b']);
    expect(customElements.get('rtc-chat'), 'rtc-chat without the chat attribute').to.equal(undefined);
    expect(!!button(a!, 'chat')).to.equal(false);
    for (const el of [a!, b!]) el.chat = true;
    await until(() => customElements.get('rtc-chat'), 'rtc-chat loaded');
    await until(() => button(b!, 'chat'), 'the chat button');
    button(b!, 'chat').click();
    const chatB = await until(() => b!.shadowRoot!.querySelector('rtc-chat'), 'b’s chat');
    await until(() => a!.shadowRoot!.querySelector('rtc-chat')?.shadowRoot, 'a’s chat, closed');
    await until(() => chatB.send('hello from b'), 'b’s chat sends');
    await until(() => button(a!, 'chat').querySelector('.badge')?.textContent === '1', 'one unread at a');
    button(a!, 'chat').click();
    await a!.updateComplete;
    expect(part(a!, 'chat-panel')!.hidden).to.equal(false);
    expect(a!.shadowRoot!.querySelector('rtc-chat')!.shadowRoot!.textContent).to.contain('hello from b');
    expect(button(a!, 'chat').querySelector('.badge')).to.equal(null);
  });
});

describe('<rtc-call> accessibility', () => {
  it('axe finds no serious or critical violation: idle, joining, error, live with three, camera off', async () => {
    const idle = await fixture<RtcCall>(html`<rtc-call room="r" name="Ada"></rtc-call>`);
    expect(await violations(idle), 'idle').to.deep.equal([]);

    const lost = await fixture<RtcCall>(
      html`<rtc-call room="r" signaling=${new URL('/relays/nowhere/signal', location.href).href}></rtc-call>`,
    );
    const error = nextEvent(lost, 'rtc-call-error');
    lost.join();
    await lost.updateComplete;
    expect(await violations(lost), 'joining').to.deep.equal([]);
    await error;
    await lost.updateComplete;
    expect(await violations(lost), 'joining with an error').to.deep.equal([]);
    lost.hangUp();

    const {
      els: [a, b],
    } = await call(['a', 'b', 'c']);
    expect(await violations(a!), 'live with three').to.deep.equal([]);
    b!.cameraOff = true;
    b!.muted = true;
    await until(() => tiles(a!).some((tile) => tile.querySelector('[part=avatar]')), 'b’s camera off at a');
    expect(await violations(a!), 'camera off').to.deep.equal([]);
  });

  it('in dark mode every text has a contrast of at least 4.5:1: live with three, camera off, banners, a camera, the error box', async () => {
    // A dark page (what a page declaring `light dark` is under a dark system theme). Emulating the
    // system theme needs CDP, which Firefox (driven over WebDriver BiDi) does not have.
    document.documentElement.style.colorScheme = 'dark';
    const {
      els: [a, b],
    } = await call(['Ada Lovelace', 'Bob', 'Cy']);
    b!.cameraOff = true;
    b!.handRaised = true;
    await until(() => tiles(a!).some((tile) => tile.hasAttribute('hand')), 'b’s hand at a');
    media.getDisplayMedia = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
    button(a!, 'share').click();
    await until(() => part(a!, 'error-banner'), 'the error banner');
    expect(lowContrastTexts(a!.shadowRoot!)).to.deep.equal([]);

    const camera = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    expect(lowContrastTexts(camera.shadowRoot!), 'a camera').to.deep.equal([]);

    const failed = await fixture<RtcCall>(html`<rtc-call room="r" camera="nothing-here"></rtc-call>`);
    failed.join();
    await until(() => part(failed, 'error'), 'the error box');
    expect(lowContrastTexts(failed.shadowRoot!)).to.deep.equal([]);
  });
});
