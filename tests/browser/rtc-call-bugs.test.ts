// The bugs of issue 16 and issue 18's screen-capture item, each as a test that failed before its
// fix: a relay that cannot be reached, dark mode, names per element, Share screen where the browser
// cannot share, a refused share, and a phone's first screen.
import { expect, fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import '../../components/rtc-call.js';
import '../../components/rtc-chat.js';
import type { RtcCall } from '../../components/rtc-call.js';
import { nextEvent, uniqueName, until, freshRoom } from './helpers.js';
import { button, call, canvasScreen, lowContrastTexts, media, remoteVideos, tiles } from './call-harness.js';

const restore: Array<() => void> = [];
afterEach(async () => {
  for (const undo of restore.splice(0).reverse()) undo();
  document.documentElement.style.colorScheme = '';
  await setViewport({ width: 800, height: 600 });
});

/** Shadows `name` on `target` with `value` for one test (restored after it). */
function override(target: object, name: string, value: unknown): void {
  const own = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, { value, configurable: true, writable: true });
  restore.push(() =>
    own ? Object.defineProperty(target, name, own) : delete (target as Record<string, unknown>)[name],
  );
}

describe('<rtc-call> bugs', () => {
  it('a relay that cannot be reached shows its error while joining, with no live toolbar', async () => {
    const signaling = new URL('/relays/nowhere/signal', location.href).href.replace(/^http/, 'ws');
    const el = await fixture<RtcCall>(html`<rtc-call room=${uniqueName('room')} signaling=${signaling}></rtc-call>`);
    const error = nextEvent<CustomEvent<{ code: string }>>(el, 'rtc-call-error');
    button(el, 'join').click();
    expect((await error).detail.code).to.equal('connection-failed');
    await el.updateComplete;
    const alert = el.shadowRoot!.querySelector('[role=alert]');
    expect(alert?.textContent ?? '').to.contain('Could not join the room');
    expect(el.shadowRoot!.querySelector('[part=controls]'), 'the live toolbar').to.equal(null);
    expect(el.state).to.equal('joining');
    el.hangUp();
  });

  it('in dark mode every text of the join screen has a contrast of at least 4.5:1', async () => {
    // A dark page (what a page declaring `light dark` is under a dark system theme). Emulating the
    // system theme needs CDP, which Firefox (driven over WebDriver BiDi) does not have.
    document.documentElement.style.colorScheme = 'dark';
    const el = await fixture<RtcCall>(html`<rtc-call room="r" name="Ada"></rtc-call>`);
    await el.updateComplete;
    expect(lowContrastTexts(el.shadowRoot!)).to.deep.equal([]);
  });

  it('with a chat first in the Room, the name typed in the call reaches the others', async () => {
    const { url, room } = await freshRoom();
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-chat room=${room} signaling=${`${url}?peer=a`}></rtc-chat>
      <rtc-call autojoin video="320x240" room=${room} name="b" signaling=${`${url}?peer=b`}></rtc-call>
    </div>`);
    const chat = host.querySelector('rtc-chat')!;
    await nextEvent(chat, 'rtc-peer-join', 'the chat sees b');
    const a = Object.assign(document.createElement('rtc-call'), {
      room,
      name: 'Ada',
      video: '320x240',
      signaling: `${url}?peer=a`,
    });
    host.append(a);
    await a.updateComplete;
    button(a, 'join').click();
    const b = host.querySelector('rtc-call')!;
    await until(() => tiles(b).some((tile) => tile.getAttribute('aria-label') === 'Ada'), 'Ada at b', 20_000);
    expect(tiles(b).map((tile) => tile.getAttribute('aria-label'))).to.deep.equal(['Ada']);
    a.hangUp();
    b.hangUp();
  });

  it('Share screen is not offered where the browser cannot share a screen', async () => {
    override(media, 'getDisplayMedia', undefined);
    const {
      els: [a],
    } = await call(['a', 'b']);
    await a!.updateComplete;
    expect(!!button(a!, 'mute'), 'the toolbar').to.equal(true);
    expect(!!button(a!, 'share'), 'a share button').to.equal(false);
  });

  it('a refused screen share fires screen-denied and shows its own text with Try again; the call goes on', async () => {
    const {
      els: [a, b],
    } = await call(['a', 'b']);
    // A real refusal cannot be clicked in a headless browser: the picker's Cancel rejects so.
    override(media, 'getDisplayMedia', () => Promise.reject(new DOMException('Refused', 'NotAllowedError')));
    const error = nextEvent<CustomEvent<{ code: string; message: string }>>(a!, 'rtc-call-error');
    button(a!, 'share').click();
    const { detail } = await error;
    expect([detail.code, detail.message]).to.deep.equal(['screen-denied', 'Screen sharing was blocked.']);
    await a!.updateComplete;
    expect(a!.shadowRoot!.querySelector('[role=alert]')?.textContent ?? '').to.contain('Screen sharing was blocked.');
    expect(a!.state).to.equal('live');
    expect(remoteVideos(b!)[0]!.videoWidth).to.equal(320);
    // The banner's "Try again" asks for a screen again.
    override(media, 'getDisplayMedia', async () => canvasScreen());
    button(a!, 'retry').click();
    await until(() => button(a!, 'share').textContent!.includes('Stop sharing'), 'sharing after Try again');
    expect(a!.shadowRoot!.querySelector('[part~=error-banner]')).to.equal(null);
  });

  it('on a phone (390x844) with three people every control is within the first screen, and the tiles match', async () => {
    await setViewport({ width: 390, height: 844 });
    const { els } = await call(['a', 'b', 'c']);
    // The page holds the three calls one under the other; each must fit a phone's screen by itself.
    const [a] = els;
    for (const el of els.slice(1)) el.style.display = 'none';
    a!.scrollIntoView();
    await a!.updateComplete;
    const buttons = [...a!.shadowRoot!.querySelectorAll<HTMLElement>('[part~=controls] button')];
    expect(buttons.length).to.be.above(2);
    const outside = buttons
      .map((each) => [each.getAttribute('part'), each.getBoundingClientRect()] as const)
      .filter(([, box]) => box.bottom > 844 || box.top < 0 || box.right > 390 || box.left < 0)
      .map(([part]) => part);
    expect(outside).to.deep.equal([]);
    const self = a!.shadowRoot!.querySelector('[part~=self]')!.getBoundingClientRect();
    const other = tiles(a!)[0]!.getBoundingClientRect();
    expect([Math.round(self.width), Math.round(self.height)]).to.deep.equal([
      Math.round(other.width),
      Math.round(other.height),
    ]);
  });
});
