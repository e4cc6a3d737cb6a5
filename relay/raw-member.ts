/**
 * The exact JSON text of one member of a JSON object, cut from the text it arrived in.
 *
 * The relay forwards `signal.data` as the client wrote it (docs/protocol.md): re-serialising the
 * parsed value would cost time and stack for every level of nesting (JSON.stringify recurses), and
 * would change what it says (`1e400` parses to Infinity, which serialises as `null`). The frame is
 * validated by JSON.parse first; this scanner only finds where the member's value starts and ends.
 * It walks the text once, in a plain loop with a depth counter (no recursion, so nesting depth
 * costs nothing), and jumps from quote to quote inside strings.
 */

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const COMMA = 0x2c; // ,
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]

/**
 * The text of the value of member `name` of the object that `json` holds, without the whitespace
 * around it; undefined when it has no such member. With duplicate names the last one counts, as in
 * JSON.parse. `json` must be a JSON object that JSON.parse accepted: the scanner does not validate.
 */
export function rawMemberText(json: string, name: string): string | undefined {
  let index = skipWhitespace(json, 0) + 1; // past the object's `{`
  let found: string | undefined;
  for (;;) {
    index = skipWhitespace(json, index);
    // The end of the text can only be reached here if it was not a valid object after all.
    if (index >= json.length || json.charCodeAt(index) === CLOSE_BRACE) return found;
    const keyEnd = endOfString(json, index);
    const isName = keyMatches(json, index, keyEnd, name);
    index = skipWhitespace(json, keyEnd) + 1; // past the `:`
    const valueStart = skipWhitespace(json, index);
    const valueEnd = endOfValue(json, valueStart);
    if (isName) found = json.slice(valueStart, valueEnd);
    index = skipWhitespace(json, valueEnd);
    if (json.charCodeAt(index) === COMMA) index++;
  }
}

/** Whether the key from `start` to `end` (quotes included) is `name`; escapes in it are decoded. */
function keyMatches(json: string, start: number, end: number, name: string): boolean {
  if (end - start === name.length + 2 && json.startsWith(name, start + 1)) return true;
  // `"d\u0061ta"` is `data` too.
  for (let index = start + 1; index < end - 1; index++) {
    if (json.charCodeAt(index) === BACKSLASH) return JSON.parse(json.slice(start, end)) === name;
  }
  return false;
}

/** The index just past the value that starts at `start`. */
function endOfValue(json: string, start: number): number {
  const first = json.charCodeAt(start);
  if (first === QUOTE) return endOfString(json, start);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return endOfScalar(json, start);
  let depth = 0;
  let index = start;
  while (index < json.length) {
    const code = json.charCodeAt(index);
    if (code === QUOTE) {
      index = endOfString(json, index);
      continue;
    }
    if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return index + 1;
    }
    index++;
  }
  return index;
}

/** The index just past the string whose opening quote is at `start`. */
function endOfString(json: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = json.indexOf('"', from);
    if (quote === -1) return json.length;
    // A quote preceded by an odd number of backslashes is escaped and does not end the string.
    let backslashes = 0;
    while (json.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index just past a number, `true`, `false` or `null`. */
function endOfScalar(json: string, start: number): number {
  let index = start;
  while (index < json.length && !endsScalar(json.charCodeAt(index))) index++;
  return index;
}

/** What may follow a scalar: the next member or item, the end of its container, or whitespace. */
function endsScalar(code: number): boolean {
  return code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isWhitespace(code);
}

function skipWhitespace(json: string, start: number): number {
  let index = start;
  while (isWhitespace(json.charCodeAt(index))) index++;
  return index;
}

/** JSON's four whitespace characters (RFC 8259 section 2): space, tab, line feed, carriage return. */
function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
