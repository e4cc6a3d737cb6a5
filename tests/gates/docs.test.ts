/**
 * Gate on docs/elements/*.md: their API tables are generated from custom-elements.json by
 * `npm run docs` (scripts/docs.mjs), so a JSDoc change without it fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

/** Element pages whose tables are still written by hand, with the reason. */
const HAND_WRITTEN: Record<string, string> = {};

test('the API tables of docs/elements/*.md are what `npm run docs` makes of custom-elements.json', () => {
  const check = spawnSync(process.execPath, ['scripts/docs.mjs', '--check'], { encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
});

test('every element has a page in docs/elements with generated API tables', () => {
  const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8')) as {
    modules: { declarations?: { tagName?: string }[] }[];
  };
  const pages = manifest.modules
    .flatMap((module) => module.declarations ?? [])
    .flatMap((declaration) => (declaration.tagName ? [`docs/elements/${declaration.tagName}.md`] : []));
  assert.ok(pages.length >= 4);
  const withoutTables = pages.filter(
    (page) => !(page in HAND_WRITTEN) && !(existsSync(page) && readFileSync(page, 'utf8').includes('<!-- api:')),
  );
  assert.deepEqual(withoutTables, []);
});
