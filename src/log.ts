/**
 * Diagnostics for people running the server. They go to stderr: with the stdio transport, stdout
 * carries the protocol.
 *
 * @module
 */

/**
 * How much the server says, from quietest to loudest.
 *
 * @example Choose a level from a flag
 * ```ts
 * import { createLogger, type LogLevel } from "../mod.ts";
 * const level: LogLevel = Deno.args.includes("--verbose") ? "debug" : "warn";
 * const log = createLogger(level);
 * log.info("printed only with --verbose");
 * ```
 */
export type LogLevel = "error" | "warn" | "info" | "debug";

const LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];

/**
 * Where diagnostics go.
 *
 * @example Collect a provider's warnings and errors
 * ```ts
 * import { LocalProvider, type Logger } from "../mod.ts";
 * const lines: string[] = [];
 * const keep = (message: string) => void lines.push(message);
 * const log: Logger = { error: keep, warn: keep, info: () => {}, debug: () => {} };
 * await using provider = new LocalProvider({ log });
 * ```
 */
export interface Logger {
  /** Something failed. */
  error(message: string): void;
  /** Something went wrong but the server carries on. */
  warn(message: string): void;
  /** Lifecycle: sandboxes created and closed, sessions, start-up. */
  info(message: string): void;
  /** Every call and its duration. */
  debug(message: string): void;
}

/** Whether `value` names a {@linkcode LogLevel}. */
export function isLogLevel(value: string): value is LogLevel {
  return (LEVELS as readonly string[]).includes(value);
}

/**
 * A logger that writes lines like `[daytona-mcp] warn: message` to stderr, dropping messages
 * louder than `level`.
 *
 * @example Log warnings and errors only
 * ```ts
 * import { createLogger } from "./log.ts";
 * const log = createLogger("warn");
 * log.debug("not shown");
 * ```
 */
export function createLogger(level: LogLevel = "info"): Logger {
  const limit = LEVELS.indexOf(level);
  const encoder = new TextEncoder();
  let broken = false;
  const write = (at: LogLevel, message: string) => {
    if (LEVELS.indexOf(at) > limit || broken) return;
    const line = encoder.encode(`[daytona-mcp] ${at}: ${logSafe(message)}\n`);
    try {
      for (let done = 0; done < line.length;) done += Deno.stderr.writeSync(line.subarray(done));
    } catch {
      // Nobody reads stderr any more (a client that went away closed it): logging must not stop
      // what logs, shutting down and cleaning up above all.
      broken = true;
    }
  };
  return {
    error: (message) => write("error", message),
    warn: (message) => write("warn", message),
    info: (message) => write("info", message),
    debug: (message) => write("debug", message),
  };
}

/** The longest message a log line shows; the rest is counted. */
const MAX_MESSAGE = 8192;

/**
 * A message as a log entry shows it. Messages quote what clients and sandboxes send (ids, paths,
 * output), so nothing in them may pass for another entry or reach the terminal as a control:
 * continuation lines are indented, other control characters escaped, and the length is capped.
 */
function logSafe(message: string): string {
  const shown = message.length > MAX_MESSAGE
    ? `${message.slice(0, MAX_MESSAGE)}… (${message.length - MAX_MESSAGE} more characters)`
    : message;
  return shown.replace(/\r?\n/g, "\n    ").replace(
    CONTROL,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** Control characters but tab and newline, C1 included. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * A logger that drops everything, for library use and tests.
 *
 * @example Quiet a provider
 * ```ts
 * import { silentLogger } from "./log.ts";
 * const log = silentLogger();
 * log.error("nobody hears this");
 * ```
 */
export function silentLogger(): Logger {
  const drop = () => {};
  return { error: drop, warn: drop, info: drop, debug: drop };
}
