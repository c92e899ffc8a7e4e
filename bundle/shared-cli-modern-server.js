// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
// src/version.ts
var VERSION = "0.1.0";

export {
  VERSION
};
