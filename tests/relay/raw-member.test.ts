import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawMemberText } from '../../relay/raw-member.js';

test('the raw text of a member is cut exactly as written, without the whitespace around it', () => {
  assert.equal(rawMemberText('{"type":"signal","to":"x","data":1e400}', 'data'), '1e400');
  assert.equal(rawMemberText('{ "data" :\t{"a" : [1, 2.50]} \n}', 'data'), '{"a" : [1, 2.50]}');
  assert.equal(rawMemberText('{"data":"\\u00e9\\"}]"}', 'data'), '"\\u00e9\\"}]"');
  assert.equal(rawMemberText('{"data":null}', 'data'), 'null');
  assert.equal(rawMemberText('{"data":-0.0e-7,"to":"x"}', 'data'), '-0.0e-7');
  assert.equal(rawMemberText('{"data":"ends with a backslash\\\\"}', 'data'), '"ends with a backslash\\\\"');
});

test('only a top-level member counts, and the last of duplicates wins, as in JSON.parse', () => {
  assert.equal(rawMemberText('{"x":{"data":1},"y":[{"data":2}]}', 'data'), undefined);
  assert.equal(rawMemberText('{"data":1,"to":"x","data":[2]}', 'data'), '[2]');
  assert.equal(rawMemberText('{"d\\u0061ta":true}', 'data'), 'true');
  assert.equal(rawMemberText('{"dat":1,"datas":2,"\\"data":3}', 'data'), undefined);
  assert.equal(rawMemberText('{}', 'data'), undefined);
});

test('nesting 30,000 deep costs no stack', () => {
  const depth = 30_000;
  const data = `${'{"a":['.repeat(depth)}0${']}'.repeat(depth)}`;
  assert.equal(rawMemberText(`{"type":"signal","data":${data},"to":"x"}`, 'data'), data);
});

test('for random JSON, the cut text parses to the value JSON.parse gives the member', () => {
  const random = seeded(15);
  for (let round = 0; round < 2000; round++) {
    const members: string[] = [];
    const count = Math.floor(random() * 5);
    for (let index = 0; index < count; index++) {
      members.push(
        `${space(random)}${key(random)}${space(random)}:${space(random)}${value(random, 0)}${space(random)}`,
      );
    }
    const json = `${space(random)}{${members.join(',')}}${space(random)}`;
    const parsed = JSON.parse(json) as Record<string, unknown>;
    const raw = rawMemberText(json, 'data');
    if (Object.hasOwn(parsed, 'data')) {
      assert.ok(raw !== undefined, json);
      assert.deepEqual(JSON.parse(raw), parsed.data, json);
      assert.equal(raw.trim(), raw, json);
    } else {
      assert.equal(raw, undefined, json);
    }
  }
});

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, choices: readonly T[]): T {
  return choices[Math.floor(random() * choices.length)] as T;
}

function space(random: () => number): string {
  return pick(random, ['', '', ' ', '\n', '\t ', '\r\n  ']);
}

function key(random: () => number): string {
  return pick(random, ['"data"', '"data"', '"d\\u0061ta"', '"to"', '"type"', '"dat"', '"data\\""', '"x"']);
}

function string(random: () => number): string {
  return pick(random, ['""', '"a"', '"\\""', '"\\\\"', '"}],"', '"\\u005c\\""', '"\\\\\\""', '"ü\\n"']);
}

function value(random: () => number, depth: number): string {
  const roll = random();
  if (depth > 4 || roll < 0.4) {
    return pick(random, ['0', '-1.5e+3', '1e400', 'true', 'false', 'null', string(random), string(random)]);
  }
  const length = Math.floor(random() * 4);
  const items: string[] = [];
  for (let index = 0; index < length; index++) {
    const item = value(random, depth + 1);
    items.push(roll < 0.7 ? `${space(random)}${item}${space(random)}` : `${key(random)}:${space(random)}${item}`);
  }
  return roll < 0.7 ? `[${items.join(',')}]` : `{${items.join(',')}}`;
}
