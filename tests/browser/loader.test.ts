// The loader and the built files, as a page on another origin uses them: each test page is an iframe
// of this origin (localhost) holding exactly the HTML the test writes, and loads the script from a
// relay serving the build on 127.0.0.1 (tests/browser/build-server-plugin.ts), which logs every
// request. Each test starts its own server, so nothing comes from the HTTP cache of another.
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { nextEvent, uniqueName, until } from './helpers.js';

type Page = Window & typeof globalThis;

const frames: HTMLIFrameElement[] = [];
const origins: string[] = [];

afterEach(async () => {
  for (const frame of frames.splice(0)) frame.remove();
  for (const origin of origins.splice(0)) await executeServerCommand('build-server-stop', { origin });
});

/** A fresh relay serving the build; returns its origin (`http://127.0.0.1:PORT`). */
async function buildServer(fail: string[] = []): Promise<string> {
  const { origin } = (await executeServerCommand('build-server-start', { fail })) as { origin: string };
  origins.push(origin);
  return origin;
}

/** The paths the server at `origin` was asked for so far. */
async function requests(origin: string): Promise<string[]> {
  return (await executeServerCommand('build-server-requests', { origin })) as string[];
}

/** Each element's files in the build, relative to the loader (scripts/pages.mjs). */
async function buildFiles(): Promise<Record<string, string[]>> {
  return (await executeServerCommand('build-files')) as Record<string, string[]>;
}

/** A page whose HTML is exactly `html`, loaded (its module scripts have run). */
async function openPage(html: string): Promise<Page> {
  const frame = document.createElement('iframe');
  frame.src = `/__page.html?html=${encodeURIComponent(html)}`;
  const loaded = nextEvent(frame, 'load', 'the page to load');
  document.body.append(frame);
  frames.push(frame);
  await loaded;
  return frame.contentWindow as Page;
}

const scriptTag = (src: string) => `<script type="module" src="${src}"></script>`;

function remoteVideosPlaying(call: Element): number {
  if (!call.shadowRoot) return 0; // not upgraded yet
  return [...call.shadowRoot.querySelectorAll<HTMLVideoElement>('[part=tile] video')].filter(
    (video) => video.videoWidth > 0,
  ).length;
}

describe('the loader (dist/browser/rtc-elements.js)', () => {
  it("a plain page on another origin with only the script tag and <rtc-camera> fetches the loader and the camera's files only, preloaded, and the camera works", async () => {
    const origin = await buildServer();
    const page = await openPage(
      `${scriptTag(`${origin}/rtc-elements.js`)}<rtc-camera autostart video="320x240"></rtc-camera>`,
    );
    expect(page.location.origin).not.to.equal(origin);

    const camera = page.document.querySelector('rtc-camera')!;
    await until(() => camera.getAttribute('state') === 'live', 'the camera live');
    const preview = camera.shadowRoot!.querySelector('video')!;
    await until(() => preview.videoWidth > 0, 'the preview playing');

    const files = (await buildFiles())['rtc-camera']!;
    const fetched = await requests(origin);
    expect([...fetched].sort()).to.deep.equal(['/rtc-elements.js', ...files.map((file) => `/${file}`)].sort());
    // The module is imported; every chunk under it was preloaded at once.
    const preloads = [...page.document.querySelectorAll<HTMLLinkElement>('link[rel=modulepreload]')];
    expect(preloads.map((link) => link.href)).to.deep.equal(files.slice(1).map((file) => `${origin}/${file}`));
    // The page's own record agrees with the server's.
    const timed = page.performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname);
    expect([...new Set(timed)].sort()).to.deep.equal([...new Set(fetched)].sort());

    // What a camera page does not run, it does not download: no peer connections, no signaling, no
    // microphone meter (the call's and the doctor's).
    for (const path of fetched) {
      const code = await (await fetch(`${origin}${path}`)).text();
      for (const core of ['RTCPeerConnection', 'WebSocket', 'createDataChannel', 'createAnalyser'])
        expect(code, `${path} holds ${core} code`).not.to.include(core);
    }
  });

  it('an <rtc-call> added later by script upgrades and works: two pages call each other through the relay beside the script', async () => {
    const origin = await buildServer();
    const room = uniqueName('room');
    const pages = await Promise.all(
      ['a', 'b'].map(() => openPage(`${scriptTag(`${origin}/rtc-elements.js`)}<p>Nothing to load yet.</p>`)),
    );
    expect(await requests(origin)).not.to.include('/rtc-call.js');

    const calls = pages.map((page, index) => {
      const call = page.document.createElement('rtc-call');
      // No `signaling`: the relay is found beside the script, on its origin.
      for (const [name, value] of Object.entries({ room, name: `peer ${index}`, autojoin: '', video: '320x240' }))
        call.setAttribute(name, value);
      page.document.body.append(call);
      return call;
    });
    await until(
      () => calls.every((call) => remoteVideosPlaying(call) === 1),
      "each page playing the other's video",
      25_000,
    );
    expect(await executeServerCommand('build-server-peers', { origin, prefix: '/' })).to.equal(2);
    // The call's page downloads the call's files (the camera's with them), and no other element's.
    const fetched = new Set(await requests(origin));
    const files = await buildFiles();
    for (const file of files['rtc-call']!) expect(fetched).to.include(`/${file}`);
    for (const other of ['/rtc-chat.js', '/rtc-datachannel.js']) expect(fetched).not.to.include(other);
  });

  it('properties a script set before the loader defined the element are acted on: autostart starts the camera, autojoin joins the call', async () => {
    const origin = await buildServer();
    const page = await openPage(`${scriptTag(`${origin}/rtc-elements.js`)}<p>Nothing to load yet.</p>`);
    // Plain properties on elements not defined yet (Lit applies them at the first update).
    const camera = Object.assign(page.document.createElement('rtc-camera'), { autostart: true, video: '320x240' });
    const call = Object.assign(page.document.createElement('rtc-call'), {
      room: uniqueName('room'),
      autojoin: true,
      video: '320x240',
    });
    page.document.body.append(camera, call);
    await until(() => camera.getAttribute('state') === 'live', 'the camera live');
    await until(() => call.getAttribute('state') === 'live', 'the call live');
  });

  it("an rtc- element inside one of our elements' shadow roots upgrades", async () => {
    const origin = await buildServer();
    const page = await openPage(`${scriptTag(`${origin}/rtc-elements.js`)}<rtc-call></rtc-call>`);
    const call = page.document.querySelector('rtc-call')!;
    await until(() => call.shadowRoot?.firstElementChild, 'the call rendering');
    expect(page.customElements.get('rtc-datachannel')).to.equal(undefined);

    // An element of ours that the call's module does not import, added inside its shadow root.
    const channel = page.document.createElement('rtc-datachannel');
    call.shadowRoot!.append(channel);
    await until(() => channel.matches(':defined'), 'the <rtc-datachannel> in the shadow root to upgrade');
    expect(channel).to.be.an.instanceOf(page.customElements.get('rtc-datachannel')!);
    expect(await requests(origin)).to.include('/rtc-datachannel.js');
  });

  it('two copies of the script tag, and a second copy of the kit from another path, do not throw; an unknown rtc- tag is left alone', async () => {
    const origin = await buildServer();
    const page = await openPage(
      `<script>window.errors = []; addEventListener('error', (e) => errors.push(e.message)); addEventListener('unhandledrejection', (e) => errors.push(String(e.reason))); const log = console.error; console.error = (...args) => { errors.push(args.join(' ')); log(...args); };</script>` +
        scriptTag(`${origin}/rtc-elements.js`) +
        scriptTag(`${origin}/rtc-elements.js`) +
        scriptTag(`${origin}/copy/rtc-elements.js`) +
        `<rtc-chat></rtc-chat><rtc-unknown></rtc-unknown>`,
    );
    const chat = page.document.querySelector('rtc-chat')!;
    await until(() => chat.shadowRoot?.querySelector('[part=input]'), 'the chat rendered');
    // Both copies loaded the chat, each from its own files (whichever defined it second was left
    // alone); the same script twice is one module, and loaded it once.
    const chatFiles = (await buildFiles())['rtc-chat']!;
    await until(async () => {
      const fetched = await requests(origin);
      return chatFiles.every((file) => fetched.includes(`/${file}`) && fetched.includes(`/copy/${file}`));
    }, "both copies' chat files fetched");
    // Wait for both to be evaluated (an import of a module the page has resolves once it has run, and
    // rejects if it threw): two classes, and the tag defined by one of them.
    const [first, second] = (await Promise.all(
      [`${origin}/rtc-chat.js`, `${origin}/copy/rtc-chat.js`].map((url) =>
        new page.Function('url', 'return import(url)')(url),
      ),
    )) as { RtcChat: CustomElementConstructor }[];
    expect(first!.RtcChat).not.to.equal(second!.RtcChat);
    expect(page.customElements.get('rtc-chat')).to.be.oneOf([first!.RtcChat, second!.RtcChat]);
    const fetched = await requests(origin);
    expect(fetched.filter((path) => path === '/rtc-elements.js')).to.have.length(1);
    expect(fetched.filter((path) => path === '/rtc-chat.js')).to.have.length(1);
    expect(fetched.filter((path) => path.includes('unknown'))).to.deep.equal([]);
    expect(page.document.querySelector('rtc-unknown')!.matches(':defined')).to.equal(false);
    expect((page as Page & { errors: string[] }).errors).to.deep.equal([]);
  });

  it('a module that fails to load is reported: rtc-load-error on the element, naming the tag and the URL, and a console error', async () => {
    const files = await buildFiles();
    const chat = files['rtc-chat']!;
    // A chunk the chat needs and the camera does not is gone (a stale page after a deploy, say).
    const gone = chat.find((file) => file.startsWith('chunks/') && !files['rtc-camera']!.includes(file))!;
    const origin = await buildServer([`/${gone}`]);
    const page = await openPage(
      `<script>window.errors = []; const log = console.error; console.error = (...args) => { errors.push(args.map(String).join(' ')); log(...args); }; window.failures = []; document.addEventListener('rtc-load-error', (event) => failures.push({ target: event.target.localName, ...event.detail, error: String(event.detail.error) }));</script>` +
        scriptTag(`${origin}/rtc-elements.js`) +
        `<rtc-chat></rtc-chat><rtc-camera></rtc-camera>`,
    );
    const state = page as Page & { errors: string[]; failures: { target: string; tag: string; url: string }[] };
    await until(() => state.failures.length > 0, 'rtc-load-error');
    expect(state.failures).to.have.length(1);
    expect(state.failures[0]).to.include({ target: 'rtc-chat', tag: 'rtc-chat', url: `${origin}/${chat[0]}` });
    expect(state.errors.some((line) => line.includes('<rtc-chat>') && line.includes(`${origin}/${chat[0]}`))).to.equal(
      true,
    );
    // The other element of the page is not held up by it.
    await until(() => page.document.querySelector('rtc-camera')!.matches(':defined'), 'the camera defined');
    expect(page.document.querySelector('rtc-chat')!.matches(':defined')).to.equal(false);
  });

  it('under a path prefix (/rtc/), the loader finds its files and its elements find the relay at /rtc/signal, with no setting', async () => {
    const origin = await buildServer();
    const page = await openPage(
      `${scriptTag(`${origin}/rtc/rtc-elements.js`)}<rtc-datachannel room="${uniqueName('room')}"></rtc-datachannel>`,
    );
    const channel = page.document.querySelector('rtc-datachannel')!;
    await until(() => channel.getAttribute('state') === 'joined', 'the data channel joined');
    expect(await executeServerCommand('build-server-peers', { origin, prefix: '/rtc/' })).to.equal(1);
    expect(await executeServerCommand('build-server-peers', { origin, prefix: '/' })).to.equal(0);
    const fetched = await requests(origin);
    expect(fetched.filter((path) => !path.startsWith('/rtc/'))).to.deep.equal([]);
    expect(fetched).to.include('/rtc/rtc-datachannel.js');
  });
});
