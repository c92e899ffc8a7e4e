/**
 * MCP revision 2026-07-28, served by the official v2 SDK (`@modelcontextprotocol/server`): no
 * `initialize` and no session; each request carries the protocol version and the client's
 * capabilities in its `_meta`, and `server/discover` describes the server. This module is loaded
 * only when such a request arrives, so 2025-era clients (served by SDK 1.x in server.ts) never pay
 * for it.
 *
 * State that spans calls lives in handles the client holds: the sandbox id. Over HTTP a call
 * without `sandbox_id` gets a new sandbox and the result names it (in its `_meta` and a closing
 * text block); passing it as `sandbox_id` continues there. Sandboxes belong to the bearer token
 * they were made with, and an id is found only among that token's sandboxes. Over stdio the
 * process serves one client, so a call without `sandbox_id` uses the process's default sandbox,
 * as a 2025-era session does.
 *
 * Long calls become tasks for clients that declare the tasks extension (`_task_extension.ts`).
 *
 * @module
 */

import type { SharedDirectory } from "./shares.ts";
import {
  createMcpHandler,
  type McpHttpHandler,
  McpServer,
  ResourceTemplate,
} from "npm:@modelcontextprotocol/server@2.4.0";
import { serveStdio } from "npm:@modelcontextprotocol/server@2.4.0/stdio";
import type { z } from "npm:zod@4.6.7";
import {
  type CallContext,
  type CallResult,
  runCall,
  SANDBOX_ID,
  SANDBOX_META_KEY,
} from "./_call.ts";
import { acceptTaskExtension, type ModernTasks, type TaskTool } from "./_task_extension.ts";
import type { Logger } from "./log.ts";
import {
  type AnySessionToolDefinition,
  type AnyToolDefinition,
  sessionTools,
  type ToolCredentials,
  type ToolLimits,
  type ToolRunOptions,
  tools as allTools,
} from "./registry.ts";
import { readSandboxResource, SANDBOX_URI_TEMPLATE } from "./resources.ts";
import type { SandboxSession } from "./session.ts";
import { VERSION } from "./version.ts";

/** The revisions this module serves. */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = ["2026-07-28"];

export { SANDBOX_META_KEY };

/** A zod shape as the v2 SDK's types name it. */
// deno-lint-ignore no-explicit-any
type ClassicShape = Record<string, any>;

/** The sandbox a call ran in, as the call found out. */
interface Ran {
  sandboxId?: string;
  created?: boolean;
  /** The call context's onSandbox. */
  onSandbox?: CallContext["onSandbox"];
}

/** Options for {@linkcode createModernServer}. */
export interface ModernServerOptions {
  /** Where the client's sandboxes live: the process's session (stdio) or the token's (HTTP). */
  session: SandboxSession;
  /**
   * What a call without `sandbox_id` works in: `"default"`, the session's default sandbox (stdio:
   * one client per process), or `"new"`, a new sandbox whose id the result returns (HTTP, where
   * nothing ties two requests together but the handles the client passes).
   */
  withoutId: "default" | "new";
  /** Limits applied to every call. */
  limits: ToolLimits;
  /** What `server/discover` tells the model. */
  instructions: string;
  /** Where diagnostics go. */
  log: Logger;
  /** Secrets tools may pass into the sandbox (git tokens); never logged or returned. */
  credentials?: ToolCredentials;
  /** Directories of this machine the file tools' `host_path` may name (`--share`). */
  shares?: readonly SharedDirectory[];
  /**
   * Where long calls become tasks (the `io.modelcontextprotocol/tasks` extension, for clients that
   * declare it); without it every call answers with its result.
   */
  tasks?: ModernTasks;
}

export type { ModernTasks };

/** A 2026-07-28 server offering the tool table; one per request over HTTP, one per process on stdio. */
export function createModernServer(options: ModernServerOptions): McpServer {
  const { session, log } = options;
  const server = new McpServer(
    { name: "daytona-mcp-interpreter", title: "Daytona MCP Interpreter", version: VERSION },
    {
      // The tool list never changes while the server runs.
      capabilities: { tools: { listChanged: false }, resources: {} },
      instructions: options.instructions,
    },
  );
  server.registerResource(
    "sandbox-file",
    new ResourceTemplate(SANDBOX_URI_TEMPLATE, { list: undefined }),
    {
      title: "File in the sandbox",
      description:
        "A file of one of your sandboxes, e.g. one that file_download returned as a link.",
    },
    (uri, variables, ctx) => readSandboxResource(session, uri.href, variables, ctx.mcpReq.signal),
  );
  const setup = {
    session,
    limits: options.limits,
    credentials: options.credentials,
    shares: options.shares,
    log,
  };
  const taskTools: TaskTool[] = [];
  const register = (
    tool: AnyToolDefinition | AnySessionToolDefinition,
    inputSchema: z.ZodRawShape,
    call: (input: Record<string, unknown>, run: ToolRunOptions, ran: Ran) => Promise<unknown>,
  ) => {
    const invoke = async (input: Record<string, unknown>, context: CallContext) => {
      const ran: Ran = { onSandbox: context.onSandbox };
      const result = await runCall(tool, setup, context, (run) => call(input, run, ran));
      return ran.sandboxId === undefined
        ? result
        : withSandbox(result, ran.sandboxId, ran.created ?? false);
    };
    if ("task" in tool && tool.task) taskTools.push({ name: tool.name, inputSchema, invoke });
    server.registerTool(tool.name, {
      title: tool.title,
      description: tool.description,
      // The SDK names zod's classic types where the tools use zod's core ones; the same objects.
      inputSchema: inputSchema as ClassicShape,
      outputSchema: tool.outputSchema as ClassicShape,
      annotations: tool.annotations,
    }, async (input: Record<string, unknown>, ctx) => {
      const shown = await invoke(input, {
        signal: ctx.mcpReq.signal,
        progressToken: ctx.mcpReq._meta?.progressToken as string | number | undefined,
        sendProgress: (params) => {
          ctx.mcpReq.notify({ method: "notifications/progress", params }).catch(() => {});
        },
      });
      // The SDK's result type is a union it narrows by its own schemas; ours is checked by present().
      // deno-lint-ignore no-explicit-any
      return shown as any;
    });
  };
  for (const tool of allTools) {
    register(
      tool,
      { ...tool.inputSchema, sandbox_id: SANDBOX_ID },
      async ({ sandbox_id, ...input }, run, ran) => {
        const id = sandbox_id as string | undefined;
        let sandbox;
        if (id !== undefined || options.withoutId === "default") {
          sandbox = await session.sandbox({ id, signal: run.signal });
        } else {
          sandbox = await session.create({ signal: run.signal });
          ran.created = true;
        }
        ran.sandboxId = sandbox.id;
        ran.onSandbox?.(sandbox);
        return await tool.run(sandbox, input, run);
      },
    );
  }
  for (const tool of sessionTools) {
    register(tool, tool.inputSchema, (input, run) => tool.run(session, input, run));
  }
  if (options.tasks) acceptTaskExtension(server, options.tasks, taskTools, session);
  return server;
}

/**
 * Adds the sandbox a call ran in to its result: always in `_meta`, and for a sandbox made for the
 * call, as a closing text block the model reads.
 */
export function withSandbox(
  result: CallResult,
  sandboxId: string,
  created: boolean,
): CallResult {
  const note = created
    ? [{
      type: "text",
      text:
        `This call ran in a new sandbox, ${sandboxId}. Pass sandbox_id="${sandboxId}" to keep working in it (files, processes and Python state stay there); without sandbox_id each call gets a new sandbox.`,
    }]
    : [];
  return {
    ...result,
    content: [...result.content, ...note],
    _meta: { ...result._meta, [SANDBOX_META_KEY]: sandboxId },
  };
}

/**
 * Serves 2026-07-28 over stdio on `transport` (the process's own, which has already read the
 * client's first request).
 */
export function serveModernStdio(
  // deno-lint-ignore no-explicit-any
  transport: any,
  factory: () => McpServer,
): { close(): Promise<void> } {
  return serveStdio(factory, { transport, legacy: "reject" });
}

/** An HTTP handler for 2026-07-28 requests; each request gets a server from `factory`. */
export function createModernHttp(
  factory: (request: Request) => McpServer,
  onerror: (error: Error) => void,
): McpHttpHandler {
  return createMcpHandler(({ requestInfo }) => factory(requestInfo as Request), {
    legacy: "reject",
    onerror,
  });
}
