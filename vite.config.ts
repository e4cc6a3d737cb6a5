import { defineConfig } from 'vite';

// The browser bundle: one self-contained, minified ES module (Lit included, no bare imports)
// that registers every element. `npm run build` runs this, then tsc for the relay and the .d.ts.
export default defineConfig({
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
      output: { minify: true, comments: { annotation: false, legal: false, jsdoc: false } },
    },
  },
});
