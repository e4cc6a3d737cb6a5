// Types for scripts/screenshot-kit.mjs (imported by scripts/screenshots-doctor.ts).
import type { Browser, Page } from 'puppeteer-core';

export const OUT: string;
export const SIZES: { width: number; height: number }[];
export const SCHEMES: ('light' | 'dark')[];
export function runOnLoopbackOnly(): void;
export function launchChromium(args?: string[]): Promise<Browser>;
export function wait(ms: number): Promise<void>;
export function until(
  page: Page,
  predicate: string | ((...args: never[]) => unknown),
  ...args: unknown[]
): Promise<unknown>;
