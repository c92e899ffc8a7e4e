/**
 * Diagnostics for the MCP client: a logger that also sends each message to the connected client
 * as a `notifications/message`, which the client filters with `logging/setLevel`.
 *
 * @module
 */

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/server/mcp"
import type { McpServer } from "npm:@modelcontextprotocol/sdk@1.32.2/server/mcp.js";
import type { Logger } from "./log.ts";

const MCP_LEVELS = { error: "error", warn: "warning", info: "info", debug: "debug" } as const;

/** A logger whose messages also reach the MCP client that {@linkcode LogRelay.attach} names. */
export interface LogRelay {
  /** Logs to the base logger and, once attached, to the client. */
  log: Logger;
  /** Sends later messages to this server's client too (as `notifications/message`). */
  attach(server: McpServer): void;
}

/**
 * Tees diagnostics to stderr and to the MCP client, which filters them with `logging/setLevel`.
 * Messages are the server's own diagnostics and never carry secrets.
 */
export function createLogRelay(base: Logger): LogRelay {
  let target: McpServer | undefined;
  const send = (level: keyof typeof MCP_LEVELS, message: string) => {
    base[level](message);
    if (!target?.isConnected()) return;
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
  };
}
