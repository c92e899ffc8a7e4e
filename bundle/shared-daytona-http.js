// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/_json.ts
function jsonExcess(text, bounds) {
  const containers = bounds.containers ?? Infinity;
  let depth = 0;
  let opened = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > bounds.depth) {
        return `it nests arrays and objects more than ${bounds.depth} deep`;
      }
      if (++opened > containers) return `it holds more than ${containers} arrays and objects`;
    } else if (c === 93 || c === 125) depth--;
  }
  return void 0;
}
__name(jsonExcess, "jsonExcess");
function parseBoundedJson(text, bounds) {
  const excess = jsonExcess(text, bounds);
  if (excess !== void 0) throw new SyntaxError(`Cannot parse it as JSON: ${excess}`);
  return JSON.parse(text);
}
__name(parseBoundedJson, "parseBoundedJson");

export {
  jsonExcess,
  parseBoundedJson
};
