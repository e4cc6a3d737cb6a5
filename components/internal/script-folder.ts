/**
 * The folder of the script the page loaded: where `rtc-elements.js` (the loader), `all.js` and the
 * elements' own files are, with the chunks below it. Built code finds it from its own chunk: the build
 * writes each chunk's way up to that folder in place of `import.meta.rtcScriptFolder`
 * (vite.config.ts, `scriptFolder()`). Unbuilt code (the tests' sources, an application's bundle of
 * the package) has no such folder: undefined.
 */
export const scriptFolder: string | undefined = import.meta.rtcScriptFolder;

declare global {
  interface ImportMeta {
    /** Set by the browser build only; see `scriptFolder`. */
    readonly rtcScriptFolder?: string;
  }
}
