// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/log.ts
var LEVELS = [
  "error",
  "warn",
  "info",
  "debug"
];
function isLogLevel(value) {
  return LEVELS.includes(value);
}
__name(isLogLevel, "isLogLevel");
function createLogger(level = "info") {
  const limit = LEVELS.indexOf(level);
  const encoder = new TextEncoder();
  let broken = false;
  const write = /* @__PURE__ */ __name((at, message) => {
    if (LEVELS.indexOf(at) > limit || broken) return;
    const line = encoder.encode(`[daytona-mcp] ${at}: ${logSafe(message)}
`);
    try {
      for (let done = 0; done < line.length; ) done += Deno.stderr.writeSync(line.subarray(done));
    } catch {
      broken = true;
    }
  }, "write");
  return {
    error: /* @__PURE__ */ __name((message) => write("error", message), "error"),
    warn: /* @__PURE__ */ __name((message) => write("warn", message), "warn"),
    info: /* @__PURE__ */ __name((message) => write("info", message), "info"),
    debug: /* @__PURE__ */ __name((message) => write("debug", message), "debug")
  };
}
__name(createLogger, "createLogger");
var MAX_MESSAGE = 8192;
function logSafe(message) {
  const shown = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}\u2026 (${message.length - MAX_MESSAGE} more characters)` : message;
  return shown.replace(/\r?\n/g, "\n    ").replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
__name(logSafe, "logSafe");
var CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
function silentLogger() {
  const drop = /* @__PURE__ */ __name(() => {
  }, "drop");
  return {
    error: drop,
    warn: drop,
    info: drop,
    debug: drop
  };
}
__name(silentLogger, "silentLogger");

export {
  isLogLevel,
  createLogger,
  silentLogger
};
