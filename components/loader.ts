/**
 * The one script tag: `<script type="module" src="https://relay.example.org/rtc-elements.js">`.
 *
 * It registers each rtc- element the first time the page uses it. It finds undefined rtc- tags in the
 * document, those added later, and those inside our own elements' shadow roots (`<rtc-call>` renders
 * others), and imports that element's module from beside this file: any origin, any path, no
 * setting. With the import it adds a `modulepreload` link for every chunk the module imports, so the
 * browser fetches them all at once instead of one level of imports at a time.
 *
 * Tags the build does not know are left alone. A second copy of the loader on a page is harmless: an
 * element defined already is not loaded again, and the elements' own definitions are guarded.
 *
 * @packageDocumentation
 */

/**
 * Each element's files, relative to this file: first its module (what defines it), then every chunk
 * that module imports, at any depth. The build writes it from its chunk graph (vite.loader.config.ts).
 */
declare const ELEMENT_FILES: Readonly<Record<string, readonly string[]>>;
const elementFiles = ELEMENT_FILES;

/** The detail of `rtc-load-error`, fired on the elements whose module could not be loaded. */
export interface RtcLoadErrorDetail {
  /** The element's tag, e.g. `rtc-call`. */
  tag: string;
  /** The module that failed. */
  url: string;
  /** What the import was rejected with. */
  error: unknown;
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-load-error': CustomEvent<RtcLoadErrorDetail>;
  }
}

const ourTags = Object.keys(elementFiles).join(',');

/** The elements found while their tag's module loads (told if it fails), by tag. */
const loading = new Map<string, Set<Element>>();
/** Tags whose module loaded or failed: never imported again by this copy. */
const settled = new Set<string>();
const preloaded = new Set<string>();
const observed = new WeakSet<Node>();

const observer = new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType === Node.ELEMENT_NODE) scan(node as Element);
    }
  }
});

/**
 * Registers the rtc- elements in `root` and those added to it later. The loader does this for the
 * document and for our own elements' shadow roots; call it for a shadow root of your own that holds
 * rtc- elements (a custom element of yours that renders `<rtc-call>`, say).
 */
export function discover(root: Document | DocumentFragment | Element): void {
  if (!observed.has(root)) {
    observed.add(root);
    observer.observe(root, { childList: true, subtree: true });
  }
  scan(root);
}

/** Every rtc- element in `root` (and `root` itself): loads those undefined, looks inside those defined. */
function scan(root: ParentNode): void {
  const elements = [...root.querySelectorAll(ourTags)];
  if (root instanceof Element && root.matches(ourTags)) elements.unshift(root);
  for (const element of elements) {
    const tag = element.localName;
    if (!customElements.get(tag)) load(tag, element);
    else if (element.shadowRoot) discover(element.shadowRoot);
  }
}

function load(tag: string, element: Element): void {
  if (settled.has(tag)) return;
  const waiting = loading.get(tag);
  if (waiting) {
    waiting.add(element);
    return;
  }
  loading.set(tag, new Set([element]));
  const [module, ...chunks] = elementFiles[tag].map((file) => new URL(file, import.meta.url).href);
  for (const chunk of chunks) preload(chunk);
  import(/* @vite-ignore */ module).then(
    () => {
      // The elements just upgraded have shadow roots now, which may hold more of ours.
      for (const upgraded of settle(tag)) {
        if (upgraded.shadowRoot) discover(upgraded.shadowRoot);
      }
    },
    (error: unknown) => reportFailure(tag, module, error, settle(tag)),
  );
}

/** Ends the loading of `tag`; returns the elements that were waiting for it. */
function settle(tag: string): Set<Element> {
  const waiting = loading.get(tag) ?? new Set();
  loading.delete(tag);
  settled.add(tag);
  return waiting;
}

function preload(url: string): void {
  if (preloaded.has(url)) return;
  preloaded.add(url);
  const link = document.createElement('link');
  link.rel = 'modulepreload';
  link.href = url;
  document.head.append(link);
}

function reportFailure(tag: string, url: string, error: unknown, elements: Set<Element>): void {
  console.error(`rtc-elements: <${tag}> could not be loaded from ${url}`, error);
  const detail: RtcLoadErrorDetail = { tag, url, error };
  for (const element of elements) {
    element.dispatchEvent(new CustomEvent('rtc-load-error', { detail, bubbles: true, composed: true }));
  }
}

discover(document);
