/**
 * The package as an application's bundler sees it: every subpath of package.json `exports` points at
 * built files, with declarations, and an application's imports of them type-check
 * (tests/gates/package-user/app.ts, strict, against dist/*.d.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  // A types-only subpath (`./jsx`, `./vue`) has no `default`.
  exports: Record<string, { types: string; default?: string }>;
};

test('every subpath of the package exports a built module and its declarations', () => {
  const subpaths = Object.keys(pkg.exports);
  for (const expected of ['.', './all.js', './rtc-camera.js', './rtc-call.js', './rtc-chat.js', './relay'])
    assert.ok(subpaths.includes(expected), `package.json exports no ${expected}`);
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    for (const file of [target.types, target.default]) {
      if (file !== undefined) assert.ok(existsSync(file), `${subpath}: ${file} is missing (run \`npm run build\`)`);
    }
  }
});

test("an application's imports of the elements, all.js and the relay type-check against the built declarations", () => {
  const result = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tests/gates/package-user/tsconfig.json'],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, `tsc found errors:\n${result.stdout}${result.stderr}`);
});
