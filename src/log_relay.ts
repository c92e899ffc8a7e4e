/**
 * Diagnostics for the MCP client: a logger that also sends each message to the connected client
 * as a `notifications/message`, at the level the client chose with `logging/setLevel` and above;
 * until it chooses, at `info` and above (the per-call `debug` lines would be one more message for
 * every call that nobody asked for).
 *
 * @module
 */

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/server/mcp"
import type { McpServer } from "npm:@modelcontextprotocol/sdk@1.32.2/server/mcp.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { LoggingLevel } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import type { Logger } from "./log.ts";

const MCP_LEVELS = { error: "error", warn: "warning", info: "info", debug: "debug" } as const;
// RFC 5424's order, as MCP uses it: a client that chose a level gets it and the more severe ones.
const SEVERITY: Record<LoggingLevel, number> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7,
};

/** A logger whose messages also reach the MCP client that {@linkcode LogRelay.attach} names. */
export interface LogRelay {
  /** Logs to the base logger and, once attached, to the client. */
  log: Logger;
  /** Sends later messages to this server's client too (as `notifications/message`). */
  attach(server: McpServer): void;
  /** The level the client chose with `logging/setLevel` (see `createServer`'s `onLogLevel`). */
  setLevel(level: LoggingLevel): void;
}

/**
 * Tees diagnostics to stderr and to the MCP client, at the level the client set (`info` until it
 * sets one).
 * Messages are the server's own diagnostics and never carry secrets.
 */
export function createLogRelay(base: Logger): LogRelay {
  let target: McpServer | undefined;
  let chosen: LoggingLevel = "info";
  const send = (level: keyof typeof MCP_LEVELS, message: string) => {
    base[level](message);
    if (!target?.isConnected() || SEVERITY[MCP_LEVELS[level]] < SEVERITY[chosen]) return;
    target.server.sendLoggingMessage({
      level: MCP_LEVELS[level],
      logger: "daytona-mcp",
      data: message,
    }).catch(() => {});
  };
  return {
    log: {
      error: (message) => send("error", message),
      warn: (message) => send("warn", message),
      info: (message) => send("info", message),
      debug: (message) => send("debug", message),
    },
    attach(server) {
      target = server;
    },
    setLevel(level) {
      chosen = level;
    },
  };
}
