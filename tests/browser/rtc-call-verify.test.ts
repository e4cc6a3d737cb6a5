// <rtc-call> and verified peers: the tiles' safety codes, the verified badge, and a passphrase that
// keeps a peer's media out until it is proved (verified-peers.test.ts covers the core, with a relay
// in the middle). Real peers in one page, each with its own signaling URL.
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/rtc-call.js';
import type { RtcCall, RtcCallErrorDetail } from '../../components/rtc-call.js';
import { freshRoom, until } from './helpers.js';
import { button, lowContrastTexts, remoteVideos, tiles } from './call-harness.js';
import { violations } from './axe.js';

afterEach(() => {
  document.documentElement.style.colorScheme = '';
});

/** What a call reported. */
interface Seen {
  tracks: string[];
  errors: RtcCallErrorDetail[];
}

/** Two calls (`Ada`, then `Bob`) in one room, joined, with the passphrases given. */
async function twoCalls(passphrases: [string, string]): Promise<{ els: [RtcCall, RtcCall]; seen: [Seen, Seen] }> {
  const { url, room } = await freshRoom();
  const host = await fixture<HTMLDivElement>(html`<div></div>`);
  const make = (name: string, passphrase: string) => {
    const el = document.createElement('rtc-call');
    Object.assign(el, { room, name, passphrase, signaling: `${url}?peer=${name}`, video: '320x240' });
    el.style.setProperty('--rtc-call-height', '360px');
    const seen: Seen = { tracks: [], errors: [] };
    el.addEventListener('rtc-track', ({ detail }) => seen.tracks.push(detail.track.kind));
    el.addEventListener('rtc-call-error', ({ detail }) => seen.errors.push(detail));
    host.append(el);
    el.join();
    return { el, seen };
  };
  const ada = make('Ada', passphrases[0]);
  await until(() => ada.el.state === 'live', 'Ada in the call', 20_000);
  const bob = make('Bob', passphrases[1]);
  await until(() => bob.el.state === 'live', 'Bob in the call', 20_000);
  return { els: [ada.el, bob.el], seen: [ada.seen, bob.seen] };
}

/** The other participant's tile in `el`. */
const otherTile = (el: RtcCall) => tiles(el).find((tile) => tile.dataset['peer'])!;

describe('<rtc-call> safety codes', () => {
  it('with the same passphrase each tile shows the verified badge, and its Safety code button the same 8 emoji on both sides', async function () {
    this.timeout(60_000);
    const {
      els: [ada, bob],
    } = await twoCalls(['a passphrase for the call', 'a passphrase for the call']);
    await until(
      () => [ada, bob].every((el) => remoteVideos(el).some((video) => video.videoWidth > 0)),
      'video both ways, once verified',
      25_000,
    );
    for (const el of [ada, bob]) {
      await until(() => otherTile(el)?.querySelector('[part=verified]'), 'the verified badge');
      expect(otherTile(el).querySelector('[part=verified]')!.textContent).to.include('Verified with the passphrase');
    }

    const codes: string[] = [];
    for (const [el, other] of [
      [ada, 'Bob'],
      [bob, 'Ada'],
    ] as const) {
      const verify = otherTile(el).querySelector<HTMLButtonElement>('[part~=verify-button]')!;
      expect(verify.textContent!.trim()).to.equal(`Safety code with ${other}`);
      verify.click();
      await el.updateComplete;
      const panel = otherTile(el).querySelector<HTMLElement>('[part=safety-code]')!;
      expect(panel.getAttribute('aria-label')).to.equal(`Safety code with ${other}`);
      expect(panel.textContent).to.include(`${other} should see the same emoji.`);
      expect(panel.textContent).to.include('Verified with the passphrase');
      const emoji = [...panel.querySelectorAll('[part=code] span')].map((span) => span.textContent);
      expect(emoji).to.have.length(8);
      codes.push(emoji.join(' '));
      expect(el.safetyCodes.map(({ code, verified }) => ({ code, verified }))).to.deep.equal([
        { code: emoji.join(' '), verified: true },
      ]);
    }
    expect(codes[0]).to.equal(codes[1]);

    // Accessible, and readable in the dark.
    expect(await violations(ada), 'the safety code open').to.deep.equal([]);
    // A dark page (what a page declaring `light dark` is under a dark system theme): emulating the
    // system theme needs CDP, which Firefox (driven over WebDriver BiDi) does not have.
    document.documentElement.style.colorScheme = 'dark';
    expect(lowContrastTexts(ada.shadowRoot!)).to.deep.equal([]);

    // From the keyboard: opening it puts the focus on Close; Escape closes it and gives the focus back.
    // (Elements are compared, not passed to expect: a failure would print the whole element.)
    const panel = () => otherTile(ada).querySelector<HTMLElement>('[part=safety-code]');
    const verify = otherTile(ada).querySelector<HTMLButtonElement>('[part~=verify-button]')!;
    panel()!.querySelector<HTMLButtonElement>('[part~=close-button]')!.click();
    await until(() => !panel() && ada.shadowRoot!.activeElement === verify, 'closed, the focus on its button');
    await sendKeys({ press: 'Enter' });
    await until(() => panel(), 'opened from the keyboard');
    await until(
      () => ada.shadowRoot!.activeElement === panel()!.querySelector('[part~=close-button]'),
      'the focus on Close',
    );
    await sendKeys({ press: 'Escape' });
    await until(() => !panel() && ada.shadowRoot!.activeElement === verify, 'closed by Escape, the focus back');
  });

  it('with different passphrases no track of the other is shown: both get a peer-unverified banner and the tile goes', async function () {
    this.timeout(60_000);
    const { els, seen } = await twoCalls(['Ada’s passphrase', 'Bob’s passphrase']);
    for (const [index, el] of els.entries()) {
      await until(() => seen[index]!.errors.length, 'the error', 25_000);
      expect(seen[index]!.errors.map(({ code }) => code)).to.deep.equal(['peer-unverified']);
      await el.updateComplete;
      const banner = el.shadowRoot!.querySelector('[part~=error-banner]')!;
      expect(banner.textContent).to.include('Someone could not prove the passphrase and was cut off.');
      await until(() => tiles(el).length === 0, 'the other’s tile gone');
      expect(seen[index]!.tracks).to.deep.equal([]);
      expect(button(el, 'verify')).to.equal(null);
    }
  });
});
