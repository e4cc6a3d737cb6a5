/** See renderer-memory.mjs: the summed RSS of the renderer processes under browser process `root`. */
export function rendererMemory(root: number | undefined): number | null;
