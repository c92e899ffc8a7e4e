// JSON from the other side of a trust boundary (a client's request body, a Daytona toolbox's
// answer, which code in the sandbox can write) is measured before it is parsed. V8 makes an
// object for every array and object it opens: 20 MB of `[[[…]]]` took 1.16 GB and held the event
// loop 3 s, and 20 MB of `[],[],…` 286 MB, where the same bytes in one string take 20 MB.

/** How complex a JSON text may be: arrays and objects inside one another, and in all. */
export interface JsonBounds {
  /** The most arrays and objects open inside one another. */
  depth: number;
  /** The most arrays and objects in all. @default Infinity */
  containers?: number;
}

/**
 * Why `text` is not to be parsed: it opens arrays and objects more than `depth` inside one
 * another, or more than `containers` in all; undefined when it does neither. One pass over the
 * text, strings skipped, stopping at the first excess; the text need not be valid JSON.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { jsonExcess } from "./_json.ts";
 * equal(jsonExcess('{"result": "[[[["}', { depth: 1 }), undefined);
 * equal(jsonExcess("[[[]]]", { depth: 2 }), "it nests arrays and objects more than 2 deep");
 * equal(jsonExcess("[[],[],[]]", { depth: 8, containers: 3 }), "it holds more than 3 arrays and objects");
 * ```
 */
export function jsonExcess(text: string, bounds: JsonBounds): string | undefined {
  const containers = bounds.containers ?? Infinity;
  let depth = 0;
  let opened = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > bounds.depth) {
        return `it nests arrays and objects more than ${bounds.depth} deep`;
      }
      if (++opened > containers) return `it holds more than ${containers} arrays and objects`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/**
 * `JSON.parse(text)` if `text` is within `bounds`; otherwise a SyntaxError that says why, before
 * anything is parsed.
 */
export function parseBoundedJson(text: string, bounds: JsonBounds): unknown {
  const excess = jsonExcess(text, bounds);
  if (excess !== undefined) throw new SyntaxError(`Cannot parse it as JSON: ${excess}`);
  return JSON.parse(text);
}
