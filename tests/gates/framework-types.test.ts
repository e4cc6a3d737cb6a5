/**
 * Gate on the JSX and Vue types that `npm run build` generates from custom-elements.json
 * (dist/types/, exported as `rtc-elements/jsx` and `rtc-elements/vue`): the type tests in tests/types
 * use them the way the README says, in React 19, Preact and Vue, and must type-check. Their
 * `@ts-expect-error` lines are the mistakes that must not (a misspelt attribute, a wrong value, a
 * detail field that does not exist), and tests/types/events.ts holds every event's type to the one
 * the element dispatches.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

test('the shipped JSX and Vue types accept correct uses and refuse mistakes in React, Preact and Vue', () => {
  for (const file of ['dist/types/jsx.d.ts', 'dist/types/vue.d.ts'])
    assert.ok(existsSync(file), `${file} is missing: run \`npm run build\` first`);
  const check = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tests/types/tsconfig.json', '--pretty', 'false'],
    { encoding: 'utf8' },
  );
  assert.equal(check.status, 0, `tsc -p tests/types found errors:\n${check.stdout}${check.stderr}`);
});
