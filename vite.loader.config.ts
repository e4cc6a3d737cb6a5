import { defineConfig } from 'vite';
import { BROWSER_DIR, LOADER, elementFiles } from './scripts/pages.mjs';

// The loader (`rtc-elements.js`), the second of `npm run build`'s two vite builds (scripts/build.mjs):
// one small module with no imports, which carries the first build's tag -> files map (read from its
// manifest) as `ELEMENT_FILES` (components/loader.ts).
export default defineConfig({
  define: { ELEMENT_FILES: JSON.stringify(elementFiles()) },
  build: {
    outDir: BROWSER_DIR,
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    lib: { entry: 'components/loader.ts', formats: ['es'], fileName: () => LOADER },
    rolldownOptions: {
      output: { minify: true, comments: { annotation: false, legal: false, jsdoc: false } },
    },
  },
});
