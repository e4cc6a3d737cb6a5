/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4), for the tests: it fails on
 * any line the format does not allow, so a test that reads /metrics through it also checks that
 * Prometheus could scrape it.
 */
import assert from 'node:assert/strict';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Each metric family's type, by name (`counter`, `gauge`, `histogram`, `summary`, `untyped`). */
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (\\S+)(?: -?\\d+)?$`);
const ONE_LABEL = new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`, 'g');
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** The suffixes a histogram's or summary's samples add to its family's name. */
const SUFFIXES = ['_bucket', '_sum', '_count'];

export function parsePrometheus(text: string): Exposition {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a line feed');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice('# TYPE '.length).split(' ');
      assert.match(name ?? '', new RegExp(`^${NAME}$`), line);
      assert.ok(TYPES.has(type ?? ''), `unknown type in ${line}`);
      assert.ok(!types.has(name as string), `a second TYPE line for ${name}`);
      types.set(name as string, type as string);
      continue;
    }
    if (line.startsWith('#')) continue; // HELP, or a comment
    const match = SAMPLE.exec(line);
    assert.ok(match, `not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText = '', valueText] = match;
    const value = parseValue(valueText as string);
    assert.ok(!Number.isNaN(value) || /^nan$/i.test(valueText as string), `not a value: ${line}`);
    const family = familyOf(name as string, types);
    assert.ok(family, `sample ${name} comes before its TYPE line`);
    const labels: Record<string, string> = {};
    for (const [, label, raw] of labelText.matchAll(ONE_LABEL)) {
      labels[label as string] = (raw as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: name as string, labels, value });
  }
  return { types, samples };
}

/** The one sample of `name` whose labels include `labels`; 0 when there is none (a counter not yet counted). */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  const matches = exposition.samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
  );
  assert.ok(matches.length <= 1, `${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value ?? 0;
}

/** A sample's value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case). */
function parseValue(text: string): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (!special) return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
  if ((special[2] as string).toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? -Infinity : Infinity;
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const suffix = SUFFIXES.find((candidate) => name.endsWith(candidate));
  return suffix && types.has(name.slice(0, -suffix.length)) ? name.slice(0, -suffix.length) : undefined;
}
