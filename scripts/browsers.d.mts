// Types for scripts/browsers.mjs (imported by the TypeScript tests in tests/cross).
import type { LaunchOptions } from 'puppeteer-core';

export const chromiumCandidates: string[];
export const firefoxCandidates: string[];
export function findChromium(): string | undefined;
export function findFirefox(): string | undefined;
export const chromiumArgs: string[];
export const firefoxPrefs: Record<string, boolean | number | string>;
export const firefoxMockAudioOutput: Record<string, boolean>;
export function chromiumLaunchOptions(): LaunchOptions | undefined;
export function firefoxLaunchOptions(): LaunchOptions | undefined;
