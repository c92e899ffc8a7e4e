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
import {
  ErrorCode,
  McpError,
  RELATED_TASK_META_KEY,
  SetLevelRequestSchema,
} from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
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
import { type CallSetup, runCall, SANDBOX_ID } from "./_call.ts";
import type { TaskRegistry } from "./tasks.ts";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type {
  CallToolRequestParams,
  CallToolResult,
  LoggingLevel,
} from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";

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
  /**
   * Where tasks live, shared by every session of the server; without it no tool runs as a task.
   */
  tasks?: TaskRegistry;
  /**
   * Called with the level a client sets with `logging/setLevel`, in place of the SDK's own
   * handler: whoever sends the log messages filters them (see `createLogRelay`).
   */
  onLogLevel?: (level: LoggingLevel) => void;
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
      capabilities: {
        tools: {},
        resources: {},
        logging: {},
        ...options.tasks &&
          { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
      },
      instructions: options.instructions,
      // deno-lint-ignore no-explicit-any
      taskStore: options.tasks as any,
    },
  );
  if (options.onLogLevel) {
    const onLogLevel = options.onLogLevel;
    server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
      onLogLevel(request.params.level);
      return {};
    });
  }
  server.registerResource(
    "sandbox-file",
    new ResourceTemplate(SANDBOX_URI_TEMPLATE, { list: undefined }),
    {
      title: "File in the sandbox",
      description:
        "A file of this session's sandbox, e.g. one that file_download returned as a resource link.",
    },
    (uri, variables, extra) => readSandboxResource(session, uri.href, variables, extra.signal),
  );
  const setup: CallSetup = {
    session,
    limits,
    credentials: options.credentials,
    shares: options.shares,
    log,
  };
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
    }, (input, extra) =>
      runCall(tool, setup, {
        signal: extra.signal,
        progressToken: extra._meta?.progressToken,
        sendProgress: (params) => {
          extra.sendNotification({ method: "notifications/progress", params }).catch(() => {});
        },
      }, (run) => call(input, run)) as Promise<CallToolResult>);
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
  if (options.tasks) {
    const sandboxTools = options.tools ?? allTools;
    acceptTasks(server, options.tasks, sandboxTools.filter((tool) => tool.task), setup);
  }
  return server;
}

/** The SDK's request handlers, by method (a private field of its protocol layer). */
type Handlers = Map<string, (request: unknown, extra: unknown) => Promise<Record<string, unknown>>>;

/**
 * Lets clients run `taskTools` as tasks. SDK 1.x runs a `tools/call` with `task` through the tool's
 * own handler and expects it to create the task itself; its `McpServer` ties that to tools written
 * for tasks only (their plain calls then poll). Here plain calls keep their own path: a `tools/call`
 * with `task` for one of these tools starts the call in the background and answers with the task,
 * and `tools/list` marks them `taskSupport: "optional"`; everything else goes to the SDK's handlers.
 */
function acceptTasks(
  server: McpServer,
  tasks: TaskRegistry,
  taskTools: readonly AnyToolDefinition[],
  setup: CallSetup,
): void {
  const names = new Set(taskTools.map((tool) => tool.name));
  const handlers = (server.server as unknown as { _requestHandlers: Handlers })._requestHandlers;
  const list = handlers.get("tools/list")!;
  const call = handlers.get("tools/call")!;
  handlers.set("tools/list", async (request, extra) => {
    const result = await list(request, extra) as { tools: Record<string, unknown>[] };
    for (const tool of result.tools) {
      if (names.has(tool.name as string)) tool.execution = { taskSupport: "optional" };
    }
    return result;
  });
  handlers.set("tools/call", async (request, extra) => {
    const params = (request as { params: CallToolRequestParams }).params;
    const tool = taskTools.find((tool) => tool.name === params.name);
    if (!params.task || !tool) return await call(request, extra);
    const { sessionId } = extra as { sessionId?: string };
    const task = await tasks.createTask(params.task, undefined, undefined, sessionId);
    const progressToken = params._meta?.progressToken;
    const input = params.arguments ?? {};
    const signal = tasks.signal(task.taskId);
    runCall(tool, setup, {
      signal,
      progressToken,
      onStatus: (message) => {
        tasks.updateTaskStatus(task.taskId, "working", message).catch(() => {});
      },
      sendProgress: (progress) => {
        server.server.notification({ method: "notifications/progress", params: progress })
          .catch(() => {});
      },
    }, async (run) => {
      const parsed = z.object({ ...tool.inputSchema, sandbox_id: SANDBOX_ID }).safeParse(input);
      if (!parsed.success) {
        throw new TypeError(`Invalid arguments for tool ${tool.name}: ${parsed.error.message}`);
      }
      const { sandbox_id, ...args } = parsed.data;
      const sandbox = await setup.session.sandbox({ id: sandbox_id, signal: run.signal });
      return await tool.run(sandbox, args, run);
    }).then(
      (result) => tasks.storeTaskResult(task.taskId, "completed", result),
      (error) =>
        tasks.storeTaskResult(task.taskId, "completed", {
          content: [{ type: "text", text: String(error?.message ?? error) }],
          isError: true,
        }),
    );
    return { task };
  });
  // SDK 1.32's own tasks/result looks the task up at every poll interval and awaits itself again,
  // each time with one more frame and abort listener that live as long as the call: 20 000 calls
  // waiting for one sleeping task took the server to 2 GB in a minute. This one waits for the
  // task's end, and for one task only a few calls wait (each gets the whole result when it ends).
  handlers.set("tasks/result", async (request, extra) => {
    const taskId = (request as { params?: { taskId?: unknown } }).params?.taskId;
    if (typeof taskId !== "string") {
      throw new McpError(ErrorCode.InvalidParams, "tasks/result needs params.taskId, a string");
    }
    const { signal, sessionId } = extra as { signal: AbortSignal; sessionId?: string };
    try {
      await tasks.untilEnded(taskId, signal);
    } catch (error) {
      if (error instanceof RangeError) throw new McpError(ErrorCode.InvalidRequest, error.message);
      throw new McpError(ErrorCode.InvalidRequest, "Request cancelled");
    }
    if (!(await tasks.getTask(taskId, sessionId))) {
      throw new McpError(ErrorCode.InvalidParams, `Task not found: ${taskId}`);
    }
    const result = await tasks.getTaskResult(taskId, sessionId);
    const meta = result._meta as Record<string, unknown> | undefined;
    return { ...result, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId } } };
  });
}
