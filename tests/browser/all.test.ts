import { expect } from '@open-wc/testing';

// The built all.js (npm test builds it first), as a page that must not load lazily imports it.
const all = '/dist/browser/all.js';

describe('all.js', () => {
  it('registers every element at once, and exports their classes', async () => {
    const module = (await import(/* @vite-ignore */ all)) as Record<string, unknown>;
    for (const tag of ['rtc-call', 'rtc-camera', 'rtc-chat', 'rtc-datachannel', 'rtc-doctor'])
      expect(customElements.get(tag), tag).to.be.a('function');
    expect(customElements.get('rtc-call')).to.equal(module.RtcCall);
    expect(customElements.get('rtc-datachannel')).to.equal(module.RtcDatachannel);
    expect(customElements.get('rtc-doctor')).to.equal(module.RtcDoctor);
    expect(module.SignalingClient).to.be.a('function');
  });

  it('every attribute an element observes is one custom-elements.json documents (dash-case, as define() names them)', async () => {
    await import(/* @vite-ignore */ all);
    const manifest = await (await fetch('/custom-elements.json')).json();
    const declarations = manifest.modules.flatMap(
      (module: { declarations?: unknown[] }) => module.declarations ?? [],
    ) as { tagName?: string; attributes?: { name: string }[] }[];
    for (const tag of ['rtc-call', 'rtc-camera', 'rtc-chat', 'rtc-datachannel', 'rtc-doctor']) {
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
