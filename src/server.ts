/**
 * The MCP server: a thin adapter that registers every row of the tool table and runs each call
 * against the session's sandbox.
 *
 * @module
 */

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/server/mcp"
import { McpServer, ResourceTemplate } from "npm:@modelcontextprotocol/sdk@1.32.2/server/mcp.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
export { JSONRPCMessageSchema } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { readSandboxResource, SANDBOX_URI_TEMPLATE } from "./resources.ts";
import type { Logger } from "./log.ts";
import { z } from "npm:zod@4.6.7";
import {
  type AnySessionToolDefinition,
  type AnyToolDefinition,
  sessionTools,
  type ToolCredentials,
  type ToolLimits,
  type ToolRunOptions,
  tools as allTools,
} from "./registry.ts";
import type { SandboxSession } from "./session.ts";
import type { SharedDirectory } from "./shares.ts";
import { VERSION } from "./version.ts";

/** How often a long call with a progress token reports, even when it prints nothing. */
const HEARTBEAT_MS = 2000;

/** Every sandbox tool also takes the sandbox to work in. */
const SANDBOX_ID = z.string({ error: "sandbox_id must be a string" }).min(1).optional().describe(
  "Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.",
);

/** Options for {@linkcode createServer}. */
export interface ServerOptions {
  /** Gives each call its sandbox. */
  session: SandboxSession;
  /** Limits applied to every call. */
  limits: ToolLimits;
  /** Told to the model at initialization: what the sandbox is and its limits. */
  instructions: string;
  /** Where diagnostics go. */
  log: Logger;
  /** Secrets tools may pass into the sandbox (git tokens); never logged or returned. */
  credentials?: ToolCredentials;
  /** Directories of this machine the file tools' `host_path` may name (`--share`). */
  shares?: readonly SharedDirectory[];
  /** The tools to offer. @default the whole table */
  tools?: readonly AnyToolDefinition[];
  /** The sandbox-managing tools to offer. @default all of them */
  sessionTools?: readonly AnySessionToolDefinition[];
}

/**
 * Creates an MCP server offering the tools of the table. Connect it to a transport with
 * `server.connect(transport)`; the session's default sandbox is created on the first tool call
 * unless the session was warmed before.
 */
export function createServer(options: ServerOptions): McpServer {
  const { session, limits, log } = options;
  const server = new McpServer(
    { name: "daytona-mcp-interpreter", title: "Daytona MCP Interpreter", version: VERSION },
    {
      capabilities: { tools: {}, resources: {}, logging: {} },
      instructions: options.instructions,
    },
  );
  server.registerResource(
    "sandbox-file",
    new ResourceTemplate(SANDBOX_URI_TEMPLATE, { list: undefined }),
    {
      title: "File in the sandbox",
      description:
        "A file of this session's sandbox, e.g. one that file_download returned as a resource link.",
    },
    async (uri, variables, extra) => {
      const sandbox = await session.sandbox({
        id: String(variables.sandbox),
        signal: extra.signal,
      });
      return await readSandboxResource(sandbox, uri.href, String(variables.path), extra.signal);
    },
  );
  const register = (
    tool: AnyToolDefinition | AnySessionToolDefinition,
    inputSchema: z.ZodRawShape,
    call: (input: Record<string, unknown>, run: ToolRunOptions) => Promise<unknown>,
  ) => {
    server.registerTool(tool.name, {
      title: tool.title,
      description: tool.description,
      inputSchema,
      outputSchema: tool.outputSchema,
      annotations: tool.annotations,
    }, async (input, extra) => {
      const started = performance.now();
      const done = session.begin();
      const progressToken = extra._meta?.progressToken;
      let progress = 0;
      let latest = `${tool.name} is running`;
      const report = (message: string) => {
        extra.sendNotification({
          method: "notifications/progress",
          params: { progressToken: progressToken!, progress: ++progress, message },
        }).catch(() => {});
      };
      const onProgress = progressToken === undefined ? undefined : (message: string) => {
        latest = message;
        report(message);
      };
      // Some clients reset their timeout only on progress: keep it coming while output is quiet.
      const heartbeat = progressToken === undefined
        ? undefined
        : setInterval(() => report(latest), HEARTBEAT_MS);
      try {
        const output = await call(input, {
          ...limits,
          ...options.credentials,
          shares: options.shares,
          signal: extra.signal,
          onProgress,
        });
        const result = tool.present(output);
        log.debug(
          `${tool.name}: ${result.isError ? "failed" : "ok"} in ${
            Math.round(performance.now() - started)
          } ms`,
        );
        return result;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.warn(`${tool.name}: ${message}`);
        return { content: [{ type: "text", text: message }], isError: true };
      } finally {
        clearInterval(heartbeat);
        done();
      }
    });
  };
  for (const tool of options.tools ?? allTools) {
    register(
      tool,
      { ...tool.inputSchema, sandbox_id: SANDBOX_ID },
      async ({ sandbox_id, ...input }, run) => {
        const sandbox = await session.sandbox({
          id: sandbox_id as string | undefined,
          signal: run.signal,
        });
        return await tool.run(sandbox, input, run);
      },
    );
  }
  for (const tool of options.sessionTools ?? sessionTools) {
    register(tool, tool.inputSchema, (input, run) => tool.run(session, input, run));
  }
  return server;
}
