import { readdirSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import { transform } from 'esbuild';
import MagicString from 'magic-string';
import { defineConfig, type Plugin } from 'vite';
import { BROWSER_DIR } from './scripts/pages.mjs';

// The elements' browser build, the first of `npm run build`'s two vite builds (scripts/build.mjs; the
// loader, vite.loader.config.ts, is the second). Every element is an entry of its own
// (`components/rtc-camera.ts` -> `rtc-camera.js`), and `components/index.ts` is `all.js` (every
// element at once); what they share is split into content-hashed chunks under `chunks/`. The files are
// self-contained, minified ES modules (Lit included, no bare imports) for `<script type="module">` or
// the loader's `import()`; vite's manifest of them (`.vite/manifest.json`) is the graph the loader, the
// budgets and `npm run size` read (scripts/pages.mjs).

/** One element per file: `components/rtc-*.ts`, not the `.styles.ts` beside them. */
const elements = readdirSync('components')
  .filter((file) => /^rtc-[a-z-]+\.ts$/.test(file))
  .map((file) => file.slice(0, -'.ts'.length));

export default defineConfig({
  plugins: [withoutLitHooks(), minifiedStyles(), scriptFolder()],
  build: {
    outDir: BROWSER_DIR,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    manifest: true,
    lib: {
      entry: {
        ...Object.fromEntries(elements.map((tag) => [tag, `components/${tag}.ts`])),
        all: 'components/index.ts',
      },
      formats: ['es'],
      fileName: (_format, entryName) => `${entryName}.js`,
    },
    rolldownOptions: {
      // `all.js` imports every element's module. With the default ('strict') an entry must export
      // exactly its module's exports, so each element's code went to a chunk of its own and its
      // entry file only re-exported it: one more file (and request) on every page. Here the entry
      // file holds the code and may export more (what `all.js` needs).
      preserveEntrySignatures: 'allow-extension',
      output: {
        chunkFileNames: 'chunks/[name]-[hash].js',
        // Minify, and drop the /* @__PURE__ */ and JSDoc comments the minifier would otherwise keep.
        minify: true,
        comments: { annotation: false, legal: false, jsdoc: false },
        codeSplitting: { groups: chunkGroups() },
      },
    },
  },
});

/**
 * The chunks, cut along what pages share, so that a page loads no code it does not run: a camera page
 * gets no Room core (signaling, peer connections, channels), a data channel page no media code and no
 * UI helpers. A few larger chunks also gzip better than many small ones (gzip finds no repeats across
 * files). A group takes what its test matches and what that imports, unless a group of higher
 * priority took it first.
 * - `reactive-element`: Lit's reactive base class, and `define()`, through which every element
 *   registers: all a headless element (`<rtc-datachannel>`) needs of Lit.
 * - `lit`: Lit's templates (lit-html) and LitElement, and what the elements that render share (their
 *   base class, styles, texts by language): every page that loads one loads the other, so one file
 *   saves the second file's header and import names (about 250 B on each of those pages).
 * - `lit-directives`: the Lit directives an element uses (`repeat`), shared by the elements that use
 *   them and not downloaded by the others.
 * - `files`: sending and receiving files (OPFS storage, the streaming SHA-256), imported on a page's
 *   first file: a chat that only talks never downloads it.
 * - `sse`: the SSE + POST transport, imported only when a page needs it (WebSocket did not get through,
 *   or `transport="sse"`): most pages never download it.
 * - `join-token`: what fetches join tokens from a site's `token-url`, imported only by a page that has
 *   one.
 * - `verification`: safety codes and the passphrase proof (WebCrypto), imported when a Room makes its
 *   first link (or at once, with a passphrase): a page alone in its room never downloads it.
 * - `room`: the Room core, which every element in a room needs and `<rtc-camera>` does not: the
 *   signaling client, the Room, PeerLink, the RoomController, the frame format, and the Room's side
 *   of verified peers (room-verification.ts: it loads the `verification` chunk).
 * - `channels`: RoomChannel and PeerChannel, messages of any size and the limits on what a peer
 *   sends, for `<rtc-datachannel>` and `<rtc-chat>`. A call's status and reactions go over its own
 *   small CallChannel (in the call's file), so a call page does not download them.
 * - `media`: capture (the MediaController, devices, errors), shared by
 *   `<rtc-camera>` and `<rtc-call>` (which captures itself: a call page does not download the camera
 *   element). Named module by module: what only the camera uses (recording) stays in its file.
 * What no group takes (an element's module, its styles and what only it uses) stays in the element's
 * entry file (`rtc-call.js`), which also exports what `all.js` imports from it (below).
 */
function chunkGroups() {
  return [
    {
      name: 'reactive-element',
      test: /\/node_modules\/@lit\/reactive-element\/(reactive-element|css-tag)\.js$|\/components\/internal\/ui\/define\.ts$/,
      priority: 7,
    },
    {
      name: 'lit',
      test: /\/node_modules\/(lit\/index|lit-html\/lit-html|lit-element\/lit-element)\.js$|\/components\/internal\/ui\/(element|styles|locale)\.ts$/,
      priority: 6,
    },
    { name: 'lit-directives', test: /\/node_modules\/(lit|lit-html)\/(directives\/|directive)/, priority: 5 },
    {
      name: 'room',
      test: /\/components\/internal\/(signaling\/(?!sse-transport|join-token)|mesh\/(room|peer-link|room-errors|room-verification|framing)\.ts$|controllers\/room-|import-once\.ts$)|\/protocol\//,
      priority: 3,
    },
    {
      name: 'channels',
      test: /\/components\/internal\/mesh\/(room-channel|peer-channel|limits|message-body|transfers|channel-events)\.ts$/,
      priority: 3,
    },
    {
      name: 'files',
      test: /\/components\/internal\/mesh\/(files|file-store|sha256)\.ts$|\/node_modules\/hash-wasm\//,
      priority: 2,
    },
    { name: 'sse', test: /\/components\/internal\/signaling\/sse-transport\.ts$/, priority: 3 },
    { name: 'join-token', test: /\/components\/internal\/signaling\/join-token\.ts$/, priority: 3 },
    { name: 'verification', test: /\/components\/internal\/mesh\/(link-verifier|verification)\.ts$/, priority: 3 },
    {
      name: 'media',
      test: /\/components\/internal\/(media\/media\.ts|controllers\/media-controller\.ts)$/,
      priority: 2,
    },
  ];
}

/**
 * The elements' styles are `css` tagged templates, which the JavaScript minifier ships as written:
 * comments, indentation, a rule a line. Each template's text is minified as CSS here (esbuild, which
 * the build already has), so the source stays readable and the page gets compact CSS. A template
 * with `${}` in it is left as it is (its pieces are not CSS on their own); none of ours has one.
 */
function minifiedStyles(): Plugin {
  const template = /\bcss`([^`$\\]*)`/g;
  return {
    name: 'rtc-elements-minified-styles',
    async transform(code, id) {
      if (!/\/components\/.*\.ts$/.test(id) || !code.includes('css`')) return null;
      const output = new MagicString(code);
      for (const match of code.matchAll(template)) {
        const { code: minified } = await transform(match[1], { loader: 'css', minify: true });
        const start = match.index + 'css`'.length;
        output.overwrite(start, start + match[1].length, minified.trim());
      }
      return { code: output.toString(), map: output.generateMap({ hires: true }) };
    },
  };
}

/**
 * Built code finds the folder of the page's script from its own chunk's URL
 * (components/internal/script-folder.ts): in each chunk, `import.meta.rtcScriptFolder` becomes the
 * way from that chunk up to the build's root (`chunks/x.js`: `../`; `all.js`: `./`).
 */
function scriptFolder(): Plugin {
  const marker = 'import.meta.rtcScriptFolder';
  return {
    name: 'rtc-elements-script-folder',
    renderChunk(code, chunk) {
      if (!code.includes(marker)) return null;
      const up = posix.relative(dirname(chunk.fileName), '.');
      const folder = JSON.stringify(up === '' ? './' : `${up}/`);
      const output = new MagicString(code);
      output.replaceAll(marker, `new URL(${folder}, import.meta.url).href`);
      return { code: output.toString(), map: output.generateMap({ hires: true }) };
    },
  };
}

/**
 * Lit's three modules end with hooks for other environments than this build's, which the minifier
 * cannot drop because they read globals:
 * - `litHtmlPolyfillSupport`, `reactiveElementPolyfillSupport`, `litElementPolyfillSupport`: set by
 *   `lit/polyfill-support.js` for browsers without native shadow DOM (the webcomponentsjs polyfills).
 *   The build targets ES2022 browsers with WebRTC, which all have it.
 * - `litElementHydrateSupport`: set by `@lit-labs/ssr-client` to hydrate server-rendered elements.
 *   These elements are not server-rendered (their content depends on devices and peers).
 * - `(globalThis.litHtmlVersions ??= []).push(version)` (one per module): a list of the Lit copies on
 *   a page, which only Lit's development build reads, to warn about several copies.
 * Each is replaced by `undefined`, so the minifier removes the calls. Lit is pinned (package.json); if
 * an upgrade changes these lines, the build fails here instead of shipping them.
 */
function withoutLitHooks(): Plugin {
  const hooks =
    /\b\w+\.(?:litHtml|reactiveElement|litElement)(?:PolyfillSupport|HydrateSupport)\b|\(\w+\.(?:litHtml|reactiveElement|litElement)Versions\?\?=\[\]\)\.push\("[\d.]+"\)/g;
  const expected = 7; // 3 polyfill hooks, 1 hydrate hook, 3 version lists
  let found = 0;
  return {
    name: 'rtc-elements-without-lit-hooks',
    buildStart() {
      found = 0;
    },
    transform(code, id) {
      if (
        !/node_modules\/(?:lit-html|lit-element|@lit\/reactive-element)\/(?:lit-html|lit-element|reactive-element)\.js$/.test(
          id,
        )
      )
        return;
      // Padded to the hook's length: every other character keeps its column, so the source map
      // stays true without a new one (`map: null`).
      const replaced = code.replace(hooks, (hook) => {
        found++;
        return 'undefined'.padEnd(hook.length);
      });
      return { code: replaced, map: null };
    },
    buildEnd(error) {
      // After another plugin's error the count means nothing (Lit's modules may not have been read).
      if (!error && found !== expected)
        this.error(
          `withoutLitHooks: found ${found} of Lit's ${expected} environment hooks; check vite.config.ts against the Lit version installed`,
        );
    },
  };
}
