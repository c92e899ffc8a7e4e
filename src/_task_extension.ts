// Long tool calls as tasks for 2026-07-28 clients: the tasks extension (`io.modelcontextprotocol/
// tasks`, SEP-2663), which the v2 SDK 2.4.0 does not implement on the server side. Task creation is
// the server's choice: when a request's `_meta` client capabilities declare the extension, a call
// of a task tool (shell_exec, python_exec, git_clone) that is still running after `immediateMs`
// answers with `resultType: "task"`, and the client polls `tasks/get` until the result is inlined
// there; `tasks/cancel` kills what the call started; `tasks/update` is acknowledged (no task of
// ours ever asks for input). There is no `tasks/list` or `tasks/result` in this extension. Tasks
// live in the same TaskRegistry as 2025-era ones (results kept an hour after the task ends) and
// belong to their owner: the bearer token over HTTP, the process over stdio.
//
// In a deployment (`inSandbox`) each task's record is also kept in the sandbox its call works in,
// by the agent there (agent_tasks.py), and the task id names that sandbox: `<id>@<sandbox id>`.
// A request for the task that reaches another server finds the sandbox (among the owner's only)
// and reports or cancels the task from its record, so a plain round-robin balancer serves tasks
// too. The server running the call renews the record while it runs, and ends it with the call's
// result; a record nobody renews (that server died) reads as failed after `abandonAfterS`.

import {
  CLIENT_CAPABILITIES_META_KEY,
  type McpServer,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
} from "npm:@modelcontextprotocol/server@2.4.0";
import { z } from "npm:zod@4.6.7";
import { type CallContext, type CallResult, SANDBOX_META_KEY } from "./_call.ts";
import { runForTask } from "./_task_context.ts";
import type { Sandbox, SandboxTasks, TaskRecord } from "./sandbox.ts";
import type { SandboxSession } from "./session.ts";
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
  /**
   * Keep each task's record in its sandbox as well, so that every server of a deployment can
   * report and cancel it (`--deployment`): the task id then names the sandbox. Without it a task
   * is known to the server running it only.
   */
  inSandbox?: boolean;
  /**
   * How long a task kept in a sandbox may go without its server renewing its record before it is
   * reported failed (that server died), in seconds; renewed every quarter of it. @default 120
   */
  abandonAfterS?: number;
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
 * `session` finds the sandboxes of tasks kept in them (`inSandbox`).
 */
export function acceptTaskExtension(
  server: McpServer,
  tasks: ModernTasks,
  taskTools: readonly TaskTool[],
  session?: SandboxSession,
): void {
  const { registry, owner } = tasks;
  const immediateMs = tasks.immediateMs ?? 1000;
  const inSandbox = tasks.inSandbox === true && session !== undefined;
  const abandonAfterS = tasks.abandonAfterS ?? 120;
  const inner = server.server;
  inner.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } });

  const notFound = (taskId: string) =>
    new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `Failed to retrieve task: task ${taskId} not found (or its result has expired)`,
    );
  /** The records of the sandbox a task id names, found among the owner's sandboxes only. */
  const recordsOf = async (sandboxId: string, signal: AbortSignal): Promise<SandboxTasks> => {
    let sandbox: Sandbox;
    try {
      sandbox = await session!.sandbox({ id: sandboxId, signal });
    } catch {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, "not found");
    }
    if (!sandbox.tasks) throw new ProtocolError(ProtocolErrorCode.InvalidParams, "not found");
    return sandbox.tasks;
  };
  /** The task `taskId` names, from memory or from its sandbox's record. */
  const found = async (taskId: string, ctx: RequestContext): Promise<Found> => {
    requireExtension(ctx);
    const { local, sandboxId } = parseTaskId(taskId);
    const here = registry.find(local, owner);
    // Another owner's task is as unknown as one that never was. While a task kept in a sandbox
    // works, its record there is the truth (another server may have cancelled it); once it has
    // ended here, it ended there the same way first.
    if (here && here.sandboxId === sandboxId && (!sandboxId || here.task.status !== "working")) {
      return { task: { ...here.task, taskId }, result: here.result, local, sandboxId };
    }
    if (!inSandbox || sandboxId === undefined) throw notFound(taskId);
    let record: TaskRecord | null;
    let records: SandboxTasks;
    try {
      records = await recordsOf(sandboxId, ctx.mcpReq.signal);
      record = await records.get(local, { signal: ctx.mcpReq.signal });
    } catch (error) {
      if (error instanceof ProtocolError) throw notFound(taskId);
      throw new ProtocolError(
        ProtocolErrorCode.InternalError,
        `Cannot read task ${taskId} in its sandbox: ${(error as Error)?.message ?? error}`,
      );
    }
    if (!record) throw notFound(taskId);
    return { ...fromRecord(taskId, record, sandboxId, registry), local, sandboxId, records };
  };
  inner.setRequestHandler("tasks/get", { params: TaskIdParams }, async (params, ctx) => {
    const { task, result } = await found(params.taskId, ctx as unknown as RequestContext);
    return detailed(task, result);
  });
  inner.setRequestHandler(
    "tasks/update",
    // The SDK takes `inputResponses` out of the params (it is the multi-round-trip field); no task
    // of ours asks for input, so there is never an outstanding request they could answer.
    { params: TaskIdParams },
    async (params, ctx) => {
      await found(params.taskId, ctx as unknown as RequestContext);
      return {};
    },
  );
  inner.setRequestHandler("tasks/cancel", { params: TaskIdParams }, async (params, ctx) => {
    const context = ctx as unknown as RequestContext;
    const { task, local, records } = await found(params.taskId, context);
    // Ended tasks stay as they ended; the ack is the same (cancellation is idempotent).
    if (records && task.status === "working") {
      // The record first: it stops the task's calls wherever they run, and the server running
      // them ends the task as its record says.
      try {
        await records.cancel(local, { signal: context.mcpReq.signal });
      } catch (error) {
        throw new ProtocolError(
          ProtocolErrorCode.InternalError,
          `Cannot cancel task ${params.taskId} in its sandbox: ${
            (error as Error)?.message ?? error
          }`,
        );
      }
    }
    registry.updateOwnedStatus(local, "cancelled", "Cancelled by the client");
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
      task = await registry.createOwnedTask(owner);
    } catch {
      return await call(request, ctx); // too many tasks: run it as a plain call
    }
    const id = task.taskId;
    let sandbox: Sandbox | undefined;
    let onSandbox = () => {};
    const sandboxKnown = new Promise<void>((resolve) => onSandbox = resolve);
    // The sandbox's records, once the task's record is there (inSandbox).
    let kept: Promise<SandboxTasks | undefined> | undefined;
    const end = async (status: "completed" | "failed", result: Record<string, unknown>) => {
      const records = await kept;
      const record = await records?.end(id, status, result).catch(() => null);
      // Cancelled meanwhile through another server: the task ends as its record says.
      if (record?.status === "cancelled") {
        registry.updateOwnedStatus(id, "cancelled", record.statusMessage);
      } else {
        registry.storeOwnedResult(id, status, result);
      }
    };
    const running = runForTask(id, () =>
      entry.invoke(parsed.data, {
        signal: registry.signal(id),
        sendProgress: () => {}, // progress notifications are not part of tasks; the status is
        onStatus: (message) => {
          registry.updateOwnedStatus(id, "working", message);
        },
        onSandbox: (chosen) => {
          sandbox = chosen;
          onSandbox();
        },
      })).then(
        (result) => end("completed", result).then(() => result),
        (error) =>
          end("failed", {
            code: ProtocolErrorCode.InternalError,
            message: String(error?.message ?? error),
          }).then(() => undefined),
      );
    const outcome = running.then((result) => ({ result }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let soon = await Promise.race([
      outcome,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, immediateMs);
      }),
    ]);
    clearTimeout(timer);
    // A task other servers can find names its sandbox: wait until the call has one.
    if (!soon && inSandbox) soon = await Promise.race([outcome, sandboxKnown]);
    // A client that went away before it got the handle cannot follow the task: end it, as a plain
    // call ends when its client leaves.
    if (!soon && context.mcpReq.signal.aborted) {
      registry.updateOwnedStatus(id, "cancelled", "The client left");
    }
    if (soon?.result) {
      registry.delete(id);
      return soon.result;
    }
    let taskId = id;
    const records = inSandbox ? sandbox?.tasks : undefined;
    const working = () => registry.find(id, owner)?.task.status === "working";
    if (!soon && sandbox && records && working()) {
      const at = sandbox.id;
      kept = records.begin(id, task.createdAt, abandonAfterS).then(() => records, () => undefined);
      if (await kept) {
        registry.keptIn(id, at);
        taskId = `${id}@${at}`;
        // Renewed while it runs: a record not renewed for abandonAfterS is its server's death.
        const renewal = setInterval(() => {
          records.begin(id, task.createdAt, abandonAfterS).catch(() => {});
        }, abandonAfterS * 250);
        running.finally(() => clearInterval(renewal));
        // A call that ended while the record was being opened: close it now (idempotent).
        const ended = registry.find(id, owner);
        if (ended?.task.status === "cancelled") {
          await records.cancel(id).catch(() => {});
        } else if (ended?.result && ended.task.status !== "working") {
          await records.end(id, ended.task.status as "completed" | "failed", ended.result)
            .catch(() => {});
        }
      }
    }
    const current = registry.find(id, owner)?.task ?? task;
    return { resultType: "task", ...wire({ ...current, taskId }) };
  });
}

/** A task a request named, and where it is kept. */
interface Found {
  task: TaskInfo;
  result?: Record<string, unknown>;
  /** Its id in the registry and in its sandbox's records. */
  local: string;
  /** The sandbox that keeps its record, for a task kept in one. */
  sandboxId?: string;
  /** That sandbox's records, when they were read. */
  records?: SandboxTasks;
}

/** A task id's parts: `<id>` for a task only in memory, `<id>@<sandbox id>` for one kept there. */
function parseTaskId(taskId: string): { local: string; sandboxId?: string } {
  const at = taskId.indexOf("@");
  return at < 0
    ? { local: taskId }
    : { local: taskId.slice(0, at), sandboxId: taskId.slice(at + 1) };
}

/**
 * A task as its sandbox's record has it. The sandbox's own code could rewrite the record: the
 * result must still look like a tool result, and names the sandbox the id does.
 */
export function fromRecord(
  taskId: string,
  record: TaskRecord,
  sandboxId: string,
  registry: TaskRegistry,
): { task: TaskInfo; result?: Record<string, unknown> } {
  if (!STATUSES.has(record.status) || Number.isNaN(Date.parse(record.createdAt))) {
    // Not a record the agent wrote.
    return {
      task: {
        taskId,
        status: "failed",
        createdAt: new Date(0).toISOString(),
        lastUpdatedAt: new Date().toISOString(),
        ttl: 0,
      },
      result: {
        code: ProtocolErrorCode.InternalError,
        message: `Task ${taskId}: its record in the sandbox is damaged`,
      },
    };
  }
  const status = record.abandoned ? "failed" : record.status;
  const ended = status !== "working";
  const task: TaskInfo = {
    taskId,
    status,
    ...record.statusMessage !== undefined && { statusMessage: String(record.statusMessage) },
    createdAt: record.createdAt,
    lastUpdatedAt: record.updatedAt,
    ttl: ended
      ? Math.max(0, Date.parse(record.updatedAt) - Date.parse(record.createdAt)) + registry.keepMs
      : null,
    pollInterval: registry.pollIntervalMs,
  };
  if (status === "completed") {
    const result = record.result;
    if (!isToolResult(result)) {
      return {
        task: { ...task, status: "failed" },
        result: {
          code: ProtocolErrorCode.InternalError,
          message: `Task ${taskId}: its record in the sandbox holds no tool result`,
        },
      };
    }
    return {
      task,
      result: { ...result, _meta: { ...result._meta as object, [SANDBOX_META_KEY]: sandboxId } },
    };
  }
  if (status === "failed") {
    const message = record.abandoned || typeof record.result?.message !== "string"
      ? String(record.statusMessage ?? "The task failed")
      : record.result.message;
    return { task, result: { code: ProtocolErrorCode.InternalError, message } };
  }
  return { task };
}

const STATUSES: ReadonlySet<string> = new Set(["working", "completed", "failed", "cancelled"]);

/** Whether `value` has a tool result's shape: content blocks with a type each. */
function isToolResult(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const { content, _meta } = value as Record<string, unknown>;
  return Array.isArray(content) &&
    content.every((block) =>
      typeof block === "object" && block !== null &&
      typeof (block as { type?: unknown }).type === "string"
    ) &&
    (_meta === undefined || (typeof _meta === "object" && _meta !== null));
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
