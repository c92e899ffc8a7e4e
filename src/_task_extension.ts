// Long tool calls as tasks for 2026-07-28 clients: the tasks extension (`io.modelcontextprotocol/
// tasks`, SEP-2663), which the v2 SDK 2.4.0 does not implement on the server side. Task creation is
// the server's choice: when a request's `_meta` client capabilities declare the extension, a call
// of a task tool (shell_exec, python_exec, git_clone) that is still running after `immediateMs`
// answers with `resultType: "task"`, and the client polls `tasks/get` until the result is inlined
// there; `tasks/cancel` kills what the call started; `tasks/update` is acknowledged (no task of
// ours ever asks for input). There is no `tasks/list` or `tasks/result` in this extension. Tasks
// live in the same TaskRegistry as 2025-era ones (results kept an hour after the task ends) and
// belong to their owner: the bearer token over HTTP, the process over stdio.

import {
  CLIENT_CAPABILITIES_META_KEY,
  type McpServer,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
} from "npm:@modelcontextprotocol/server@2.4.0";
import { z } from "npm:zod@4.6.7";
import type { CallContext, CallResult } from "./_call.ts";
import type { TaskInfo, TaskRegistry } from "./tasks.ts";

/** The extension's identifier, in capabilities and the client's per-request `_meta`. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** How a 2026-07-28 server runs long calls as tasks. */
export interface ModernTasks {
  /** Where tasks live; the 2025-era server's registry, so both see the same limits. */
  registry: TaskRegistry;
  /** Whose tasks these are: the bearer token's over HTTP, the process's over stdio. */
  owner: string;
  /**
   * How long a call runs before it becomes a task, in ms: a call that ends sooner answers with its
   * result, as without the extension. @default 1000
   */
  immediateMs?: number;
}

/** A task tool as the 2026-07-28 server runs it: its definition and its whole call. */
export interface TaskTool {
  /** The tool's name. */
  name: string;
  /** The input schema the server registered (the tool's, plus `sandbox_id`). */
  inputSchema: z.ZodRawShape;
  /** Runs the call to its presented result (never rejects: failures are tool errors). */
  invoke(input: Record<string, unknown>, context: CallContext): Promise<CallResult>;
}

/** The SDK's request handlers, by method (a field of its protocol layer). */
type Handlers = Map<string, (request: unknown, ctx: unknown) => Promise<Record<string, unknown>>>;

interface RequestContext {
  mcpReq: { signal: AbortSignal; envelope?: Record<string, unknown> };
}

const TaskIdParams = z.object({ taskId: z.string() }).passthrough();

/**
 * Adds the tasks extension to `server`: advertised in `server/discover`, `tasks/get`,
 * `tasks/update` and `tasks/cancel` answered, and `tools/call` of `taskTools` turned into a task
 * when the client declares the extension and the call outlasts `immediateMs`. Everything else
 * goes to the SDK's own handlers, so a client without the extension sees no difference.
 */
export function acceptTaskExtension(
  server: McpServer,
  tasks: ModernTasks,
  taskTools: readonly TaskTool[],
): void {
  const { registry, owner } = tasks;
  const immediateMs = tasks.immediateMs ?? 1000;
  const inner = server.server;
  inner.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } });

  const found = (taskId: string, ctx: RequestContext) => {
    requireExtension(ctx);
    const task = registry.find(taskId, owner);
    // Another owner's task is as unknown as one that never was.
    if (!task) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Failed to retrieve task: task ${taskId} not found (or its result has expired)`,
      );
    }
    return task;
  };
  inner.setRequestHandler("tasks/get", { params: TaskIdParams }, (params, ctx) => {
    const { task, result } = found(params.taskId, ctx as unknown as RequestContext);
    return detailed(task, result);
  });
  inner.setRequestHandler(
    "tasks/update",
    // The SDK takes `inputResponses` out of the params (it is the multi-round-trip field); no task
    // of ours asks for input, so there is never an outstanding request they could answer.
    { params: TaskIdParams },
    (params, ctx) => {
      found(params.taskId, ctx as unknown as RequestContext);
      return {};
    },
  );
  inner.setRequestHandler("tasks/cancel", { params: TaskIdParams }, async (params, ctx) => {
    const { task } = found(params.taskId, ctx as unknown as RequestContext);
    // Ended tasks stay as they ended; the ack is the same (cancellation is idempotent).
    await registry.updateTaskStatus(task.taskId, "cancelled", "Cancelled by the client");
    return {};
  });

  const byName = new Map(taskTools.map((entry) => [entry.name, entry]));
  const handlers = (inner as unknown as { _requestHandlers: Handlers })._requestHandlers;
  const call = handlers.get("tools/call")!;
  handlers.set("tools/call", async (request, ctx) => {
    const params = (request as { params: { name: string; arguments?: Record<string, unknown> } })
      .params;
    const entry = byName.get(params.name);
    const context = ctx as RequestContext;
    if (!entry || !declaresExtension(context)) return await call(request, ctx);
    // Invalid arguments get the SDK's usual answer, as without the extension.
    const parsed = z.object(entry.inputSchema).safeParse(params.arguments ?? {});
    if (!parsed.success) return await call(request, ctx);
    let task: TaskInfo;
    try {
      task = await registry.createTask({}, undefined, undefined, owner);
    } catch {
      return await call(request, ctx); // too many tasks: run it as a plain call
    }
    const signal = registry.signal(task.taskId);
    const running = entry.invoke(parsed.data, {
      signal,
      sendProgress: () => {}, // progress notifications are not part of tasks; the status is
      onStatus: (message) => {
        registry.updateTaskStatus(task.taskId, "working", message).catch(() => {});
      },
    }).then(
      (result) => registry.storeTaskResult(task.taskId, "completed", result).then(() => result),
      (error) =>
        registry.storeTaskResult(task.taskId, "failed", {
          code: ProtocolErrorCode.InternalError,
          message: String(error?.message ?? error),
        }).then(() => undefined),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = await Promise.race([
      running.then((result) => ({ result })),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, immediateMs);
      }),
    ]);
    clearTimeout(timer);
    // A client that went away before it got the handle cannot follow the task: end it, as a plain
    // call ends when its client leaves.
    if (!soon && context.mcpReq.signal.aborted) {
      await registry.updateTaskStatus(task.taskId, "cancelled", "The client left");
    }
    if (soon?.result) {
      registry.delete(task.taskId);
      return soon.result;
    }
    const current = registry.find(task.taskId, owner)?.task ?? task;
    return { resultType: "task", ...wire(current) };
  });
}

/** Whether the request's client capabilities declare the extension. */
function declaresExtension(ctx: RequestContext): boolean {
  const capabilities = ctx.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY] as
    | { extensions?: Record<string, unknown> }
    | undefined;
  return capabilities?.extensions?.[TASKS_EXTENSION] !== undefined;
}

/** The extension's methods are for clients that declare it (-32021 otherwise). */
function requireExtension(ctx: RequestContext): void {
  if (!declaresExtension(ctx)) {
    throw new MissingRequiredClientCapabilityError({
      requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
    });
  }
}

/** A task in the extension's field names. */
function wire(task: TaskInfo): Record<string, unknown> {
  return {
    taskId: task.taskId,
    status: task.status,
    ...task.statusMessage !== undefined && { statusMessage: task.statusMessage },
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt,
    ttlMs: task.ttl,
    ...task.pollInterval !== undefined && { pollIntervalMs: task.pollInterval },
  };
}

/** A task as `tasks/get` reports it: with its result inlined once completed, its error once failed. */
function detailed(task: TaskInfo, ended: Record<string, unknown> | undefined) {
  return {
    ...wire(task),
    ...task.status === "completed" && ended && { result: ended },
    ...task.status === "failed" && ended && { error: ended },
  };
}
