// Types of scripts/pages.mjs, for the TypeScript that imports it (the gates, the vite configs).

export declare const BROWSER_DIR: string;
export declare const LOADER: string;
export declare const BUDGETS: Readonly<
  Record<'loader' | 'rtc-camera' | 'rtc-datachannel' | 'rtc-chat' | 'rtc-call', number>
>;

/** One entry of vite's manifest (https://vite.dev/guide/backend-integration). */
export interface ManifestChunk {
  file: string;
  name?: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}
export type Manifest = Record<string, ManifestChunk>;

export interface PageFile {
  file: string;
  bytes: number;
  gzip: number;
}
export interface Page {
  /** `loader`, or the element's tag. */
  name: string;
  files: PageFile[];
  gzip: number;
  /** undefined for an element that has no budget yet. */
  budget: number | undefined;
}

export declare function gzipSize(bytes: Uint8Array | string): number;
export declare function readManifest(dir?: string): Manifest;
export declare function elementFiles(manifest?: Manifest): Record<string, string[]>;
export declare function pages(dir?: string): Page[];
