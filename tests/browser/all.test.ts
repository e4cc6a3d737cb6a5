import { expect } from '@open-wc/testing';

// The built bundle (npm test builds it first), as a page that loads it from a relay would.
const bundle = '/dist/rtc-elements.js';

describe('the bundle', () => {
  it('registers every element, and loading it twice (or next to another copy) does not throw', async () => {
    const errors: unknown[] = [];
    const onError = (event: ErrorEvent) => errors.push(event.error);
    window.addEventListener('error', onError);
    try {
      // Two module instances (different URLs) model two copies of the bundle on one page.
      await import(/* @vite-ignore */ `${bundle}?copy=1`);
      const first = customElements.get('rtc-datachannel');
      await import(/* @vite-ignore */ `${bundle}?copy=2`);
      expect(errors).to.deep.equal([]);
      for (const tag of ['rtc-call', 'rtc-camera', 'rtc-chat', 'rtc-datachannel'])
        expect(customElements.get(tag), tag).to.be.a('function');
      expect(customElements.get('rtc-datachannel')).to.equal(first);
    } finally {
      window.removeEventListener('error', onError);
    }
  });

  it('every attribute an element observes is one custom-elements.json documents (dash-case, as define() names them)', async () => {
    await import(/* @vite-ignore */ bundle);
    const manifest = await (await fetch('/custom-elements.json')).json();
    const declarations = manifest.modules.flatMap(
      (module: { declarations?: unknown[] }) => module.declarations ?? [],
    ) as { tagName?: string; attributes?: { name: string }[] }[];
    for (const tag of ['rtc-call', 'rtc-camera', 'rtc-chat', 'rtc-datachannel']) {
      const documented = declarations
        .find((declaration) => declaration.tagName === tag)!
        .attributes!.map((attribute) => attribute.name);
      const observed = (customElements.get(tag) as unknown as { observedAttributes: string[] }).observedAttributes;
      expect(
        observed.filter((name) => !documented.includes(name)),
        tag,
      ).to.deep.equal([]);
      expect(observed, tag).to.include.members(
        tag === 'rtc-datachannel' ? ['max-message-size', 'ice-servers'] : ['strings'],
      );
    }
    expect(
      (customElements.get('rtc-camera') as unknown as { observedAttributes: string[] }).observedAttributes,
    ).to.include.members(['camera-id', 'camera-off', 'snapshot-quality']);
  });
});
