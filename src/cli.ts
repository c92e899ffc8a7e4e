/**
 * The command-line entry: parses the configuration, serves MCP over stdio, and on stdin end,
 * SIGINT or SIGTERM closes the sandbox (killing its processes, deleting its files) and exits.
 *
 * @module
 */

import process from "node:process";
// @ts-types="@modelcontextprotocol/sdk/server/stdio"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { type Config, parseCommand, usage } from "./config.ts";
import { createLogger } from "./log.ts";
import { LocalProvider } from "./providers/local.ts";
import { SANDBOX_HOME } from "./providers/_bwrap.ts";
import { createServer } from "./server.ts";
import { SandboxSession } from "./session.ts";
import { VERSION } from "./version.ts";

/** Reads an environment variable, treating one Deno may not read as unset. */
function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** What the model is told about the sandbox when it connects. */
export function instructions(config: Config): string {
  const { local, limits } = config;
  const where = local.dangerouslyRunUnisolated
    ? "directly on the server's machine WITHOUT isolation, in a private working directory"
    : `in an isolated Linux sandbox (bubblewrap) whose home and working directory is ${SANDBOX_HOME}; only that directory and /tmp are writable, the rest of the system is read-only, and you run as the unprivileged user 'sandbox'`;
  return [
    `Commands and Python run ${where}. The sandbox is private to this session and deleted, with everything in it, when the session ends.`,
    "python_exec keeps state between calls like a notebook (variables, imports, functions); end a cell with an expression to see its value, and matplotlib figures left open come back as images. Call it with reset: true to start over.",
    "shell_exec runs /bin/sh -c; end a command with `&` to leave a server running in the background, then web_preview gives its URL.",
    "file_upload and file_download move files in and out (file_download has options for large files: download_partial, convert_to_text, compress_file); file_list shows directories; git_clone clones repositories.",
    local.network === "none"
      ? "The sandbox has no network access."
      : "The sandbox shares the machine's network; pip or apt may still be unavailable if the machine is offline.",
    `Calls stop after ${limits.defaultTimeout} s unless given a timeout; stdout and stderr are each capped at ${limits.maxOutputBytes} bytes (head and tail kept), so redirect big outputs to files.`,
  ].join("\n");
}

/**
 * Runs the server until the client goes away or a signal arrives. Returns the exit code for
 * `--help`, `--version` and bad configuration; otherwise exits the process itself after cleanup.
 */
export async function main(args: string[]): Promise<number> {
  let config: Config;
  try {
    const command = parseCommand(args, readEnv);
    if (command.kind === "help") {
      console.log(usage());
      return 0;
    }
    if (command.kind === "version") {
      console.log(`daytona-mcp-interpreter ${VERSION}`);
      return 0;
    }
    config = command.config;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  const log = createLogger(config.logLevel);
  const provider = new LocalProvider({ ...config.local, log });
  try {
    await provider.check();
  } catch (error) {
    log.error((error as Error).message);
    return 1;
  }
  const session = new SandboxSession(provider, log);
  const server = createServer({
    session,
    limits: config.limits,
    instructions: instructions(config),
    log,
    credentials: config.credentials,
  });

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`shutting down: ${reason}`);
    // Exit even if a sandbox refuses to die quickly; bwrap's --die-with-parent finishes the job.
    const force = setTimeout(() => Deno.exit(0), 5000);
    try {
      await session.close();
      await provider.close();
      await server.close();
    } catch (error) {
      log.error(`cleanup failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(force);
      Deno.exit(0);
    }
  };
  // The SDK's stdio transport does not notice the end of stdin; without this, live child
  // processes would keep the server running after the client left.
  process.stdin.on("end", () => shutdown("stdin closed"));
  process.stdin.on("close", () => shutdown("stdin closed"));
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));

  await server.connect(new StdioServerTransport());
  log.info(`daytona-mcp-interpreter ${VERSION} ready on stdio (provider: ${config.provider})`);
  return await new Promise<number>(() => {}); // runs until shutdown() exits the process
}
