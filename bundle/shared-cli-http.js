// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/_era.ts
var PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion";
function isModern(body) {
  const messages = Array.isArray(body) ? body : [
    body
  ];
  return messages.some((message) => {
    const meta = message?.params?._meta;
    const version = meta?.[PROTOCOL_VERSION_META_KEY];
    return typeof version === "string";
  });
}
__name(isModern, "isModern");

export {
  isModern
};
