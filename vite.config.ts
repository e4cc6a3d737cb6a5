import { defineConfig, type Plugin } from 'vite';

// The browser bundle: one self-contained, minified ES module (Lit included, no bare imports)
// that registers every element. `npm run build` runs this, then tsc for the relay and the .d.ts.
export default defineConfig({
  plugins: [withoutLitHooks()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    lib: {
      entry: 'components/index.ts',
      formats: ['es'],
      fileName: () => 'rtc-elements.js',
    },
    rolldownOptions: {
      // Minify, and drop the /* @__PURE__ */ and JSDoc comments the minifier would otherwise keep.
      // One file until the build is split per element: the file code that mesh/peer-channel.ts
      // imports on a page's first file (mesh/files.ts) is inlined, since the relay serves the bundle alone.
      output: {
        minify: true,
        comments: { annotation: false, legal: false, jsdoc: false },
        codeSplitting: false,
      },
    },
  },
});

/**
 * Lit's three modules end with hooks for other environments than this bundle's, which the minifier
 * cannot drop because they read globals:
 * - `litHtmlPolyfillSupport`, `reactiveElementPolyfillSupport`, `litElementPolyfillSupport`: set by
 *   `lit/polyfill-support.js` for browsers without native shadow DOM (the webcomponentsjs polyfills).
 *   The bundle targets ES2022 browsers with WebRTC, which all have it.
 * - `litElementHydrateSupport`: set by `@lit-labs/ssr-client` to hydrate server-rendered elements.
 *   These elements are not server-rendered (their content depends on devices and peers).
 * - `(globalThis.litHtmlVersions ??= []).push(version)` (one per module): a list of the Lit copies on
 *   a page, which only Lit's development build reads, to warn about several copies.
 * Each is replaced by `undefined`, so the minifier removes the calls: about 125 B gzip. Lit is pinned
 * (package.json); if an upgrade changes these lines, the build fails here instead of shipping them.
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
    buildEnd() {
      if (found !== expected)
        this.error(
          `withoutLitHooks: found ${found} of Lit's ${expected} environment hooks; check vite.config.ts against the Lit version installed`,
        );
    },
  };
}
