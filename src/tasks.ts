/**
 * Long tool calls as tasks (MCP 2025-11-25, where tasks are an experimental part of the core): a
 * client that adds `task` to a `tools/call` of `shell_exec`, `python_exec` or `git_clone` gets a
 * task id at once, follows it with `tasks/get` (the status message is the latest line of output),
 * and fetches the result with `tasks/result`; `tasks/cancel` kills what the call started. Results
 * are kept for an hour after the task ends, so a client that reconnects (a new HTTP session) can
 * still fetch them: the task id, random and unguessable, is the handle. `tasks/list` shows a
 * session only its own tasks.
 *
 * The same registry holds the tasks of 2026-07-28 clients (the `io.modelcontextprotocol/tasks`
 * extension, served in `_task_extension.ts`), which belong to an owner (the bearer token over
 * HTTP, the process over stdio) and are found only by it.
 *
 * @module
 */

/** A task's status, as MCP names it. */
export type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/** A task as `tasks/get` reports it. */
export interface TaskInfo {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  /** Milliseconds from creation the task is kept; null while it runs (kept until it ends). */
  ttl: number | null;
  pollInterval?: number;
}

interface Entry {
  task: TaskInfo;
  /** The 2025-era session that started it, or the owner of a 2026-07-28 task. */
  session?: string;
  /** A 2026-07-28 task: found by its owner only, never through SDK 1.x's task methods. */
  owned: boolean;
  controller: AbortController;
  result?: Record<string, unknown>;
  /** The result's size as JSON (characters). */
  resultSize?: number;
  endedAt?: number;
  /** The sandbox that keeps the task's record too, for the other servers of a deployment. */
  sandboxId?: string;
  /** Settles when the task ends or is forgotten, for the calls waiting for that. */
  ended?: PromiseWithResolvers<void>;
  /** Calls waiting for it to end. */
  waiting: number;
  /** Its 2025-era session has ended: its result may make room for another session's task. */
  orphaned?: boolean;
}

/** How many `tasks/result` calls may wait for one task at once. */
export const MAX_WAITING_PER_TASK = 4;

/** Options for {@linkcode TaskRegistry}. */
export interface TaskRegistryOptions {
  /** How long a result is kept after its task ends, in ms. @default 3_600_000 (1 h) */
  keepMs?: number;
  /**
   * The most tasks kept at once, running or ended; a session's own oldest ended tasks make room for
   * its next, and no other's. @default 256
   */
  maxTasks?: number;
  /**
   * The most tasks one session (or 2026-07-28 owner) keeps at once, running or ended; its own
   * oldest ended ones make room for its next. @default 64
   */
  maxTasksPerOwner?: number;
  /** How often clients are asked to poll, in ms. @default 1000 */
  pollIntervalMs?: number;
  /**
   * The most the kept results may hold together, as JSON characters; beyond it the session's own
   * oldest ended tasks go first, and a result that still does not fit is not kept (its task fails
   * and says so). @default 268_435_456 (256 Mi)
   */
  maxResultSize?: number;
}

/**
 * The server's tasks, across its sessions; the task store SDK 1.x's protocol layer answers
 * `tasks/get`, `tasks/result`, `tasks/list` and `tasks/cancel` from.
 */
export class TaskRegistry {
  readonly keepMs: number;
  readonly maxTasks: number;
  readonly maxTasksPerOwner: number;
  readonly pollIntervalMs: number;
  readonly maxResultSize: number;
  #tasks = new Map<string, Entry>();
  #resultSize = 0;

  /** A registry keeping results `options.keepMs` after their task ends. */
  constructor(options: TaskRegistryOptions = {}) {
    this.keepMs = options.keepMs ?? 3_600_000;
    this.maxTasks = options.maxTasks ?? 256;
    this.maxTasksPerOwner = options.maxTasksPerOwner ?? 64;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxResultSize = options.maxResultSize ?? 256 * 1024 * 1024;
  }

  /**
   * Creates a working task of a 2025-era session (SDK 1.x's task store). Throws a RangeError when
   * `maxTasks` tasks are running.
   */
  createTask(
    _params: { ttl?: number | null; pollInterval?: number },
    _requestId?: unknown,
    _request?: unknown,
    sessionId?: string,
  ): Promise<TaskInfo> {
    return this.#create(sessionId, false);
  }

  /**
   * Creates a working 2026-07-28 task of `owner`, which only {@linkcode TaskRegistry.find} with
   * that owner finds. Throws a RangeError when `maxTasks` tasks are running.
   */
  createOwnedTask(owner: string): Promise<TaskInfo> {
    return this.#create(owner, true);
  }

  #create(sessionId: string | undefined, owned: boolean): Promise<TaskInfo> {
    this.#sweep();
    // Its own share first: one client's tasks, running or kept, took every place (other clients
    // could start none) and pushed out other clients' results.
    let held = [...this.#tasks.values()].filter((entry) => entry.session === sessionId).length;
    while (held >= this.maxTasksPerOwner && this.#evictOwn(sessionId)) held--;
    if (held >= this.maxTasksPerOwner) {
      return Promise.reject(
        new RangeError(
          `Cannot start a task: this session has ${this.maxTasksPerOwner} tasks running, the most one may; wait for one to end or cancel one`,
        ),
      );
    }
    // Then the registry's, from its own ended tasks, then those of sessions that have ended:
    // others' results are promised for their hour (spread over 260 sessions of one task each, a
    // client pushed out another's at will), but a session that has ended asks for its own no more
    // (256 tasks of four sessions, deleted in 4 s, locked every client out of tasks for an hour).
    while (
      this.#tasks.size >= this.maxTasks && (this.#evictOwn(sessionId) || this.#evictOrphan())
    ) { /* made room */ }
    if (this.#tasks.size >= this.maxTasks) {
      return Promise.reject(
        new RangeError(
          `Cannot start a task: the server keeps ${this.maxTasks} tasks, running or with results kept for ${
            this.keepMs / 60_000
          } minutes; wait for one to end, or call without a task`,
        ),
      );
    }
    const now = new Date().toISOString();
    const task: TaskInfo = {
      taskId: crypto.randomUUID(),
      status: "working",
      createdAt: now,
      lastUpdatedAt: now,
      ttl: null,
      pollInterval: this.pollIntervalMs,
    };
    this.#tasks.set(task.taskId, {
      task,
      session: sessionId,
      owned,
      controller: new AbortController(),
      waiting: 0,
    });
    return Promise.resolve({ ...task });
  }

  /** A 2025-era task by id (2026-07-28 tasks are not one). */
  #shared(taskId: string): Entry | undefined {
    const entry = this.#tasks.get(taskId);
    return entry && !entry.owned ? entry : undefined;
  }

  /** The 2025-era task with this id, whichever session asks (the id is the handle), or null. */
  getTask(taskId: string, _sessionId?: string): Promise<TaskInfo | null> {
    this.#sweep();
    const entry = this.#shared(taskId);
    return Promise.resolve(entry ? { ...entry.task } : null);
  }

  /**
   * Resolves once the 2025-era task `taskId` has ended or is forgotten (at once if there is no
   * such task); rejects when `signal` aborts, and with a RangeError when
   * {@linkcode MAX_WAITING_PER_TASK} calls wait for it already. Nothing polls meanwhile.
   */
  async untilEnded(taskId: string, signal: AbortSignal): Promise<void> {
    const entry = this.#shared(taskId);
    if (!entry || entry.endedAt !== undefined) return;
    signal.throwIfAborted();
    if (entry.waiting >= MAX_WAITING_PER_TASK) {
      throw new RangeError(
        `Cannot wait for the result: ${MAX_WAITING_PER_TASK} calls wait for task ${taskId} already; use the first one's answer, or follow the task with tasks/get`,
      );
    }
    entry.ended ??= Promise.withResolvers<void>();
    const aborted = Promise.withResolvers<never>();
    const onAbort = () => aborted.reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    entry.waiting++;
    try {
      await Promise.race([entry.ended.promise, aborted.promise]);
    } finally {
      entry.waiting--;
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Aborts when the task is cancelled. */
  signal(taskId: string): AbortSignal {
    return this.#tasks.get(taskId)?.controller.signal ?? AbortSignal.abort();
  }

  /**
   * The task with this id and what it ended with (a result, or for a failed task the JSON-RPC
   * error), or null when there is none or `owner` did not create it.
   */
  find(
    taskId: string,
    owner: string,
  ): { task: TaskInfo; result?: Record<string, unknown>; sandboxId?: string } | null {
    this.#sweep();
    const entry = this.#tasks.get(taskId);
    if (!entry?.owned || entry.session !== owner) return null;
    return { task: { ...entry.task }, result: entry.result, sandboxId: entry.sandboxId };
  }

  /** Notes that the sandbox `sandboxId` keeps the task's record too. */
  keptIn(taskId: string, sandboxId: string): void {
    const entry = this.#tasks.get(taskId);
    if (entry) entry.sandboxId = sandboxId;
  }

  /** Forgets a task, e.g. one whose result was returned without ever showing the task. */
  delete(taskId: string): void {
    this.#delete(taskId);
  }

  /** Records the result of a 2025-era task that ended; ignored once the task was cancelled. */
  storeTaskResult(
    taskId: string,
    status: "completed" | "failed",
    result: Record<string, unknown>,
    _sessionId?: string,
  ): Promise<void> {
    this.#store(this.#shared(taskId), status, result);
    return Promise.resolve();
  }

  /** Records the result of a 2026-07-28 task that ended; ignored once it was cancelled. */
  storeOwnedResult(
    taskId: string,
    status: "completed" | "failed",
    result: Record<string, unknown>,
  ): void {
    const entry = this.#tasks.get(taskId);
    this.#store(entry?.owned ? entry : undefined, status, result);
  }

  #store(
    entry: Entry | undefined,
    status: "completed" | "failed",
    result: Record<string, unknown>,
  ): void {
    if (entry && !isTerminal(entry.task.status)) {
      // Results are kept in memory: past the cap, the session's own older ones make room, and
      // one that still does not fit is not kept.
      const size = JSON.stringify(result).length;
      while (
        this.#resultSize + size > this.maxResultSize && this.#evictOwn(entry.session, entry)
      ) { /* made room */ }
      if (this.#resultSize + size > this.maxResultSize) {
        const message =
          `The task's result (${size} characters) was not kept: the server keeps ${this.maxResultSize} characters of task results at most, and holds ${this.#resultSize} now`;
        status = "failed";
        result = entry.owned
          ? { code: -32603, message }
          : { content: [{ type: "text", text: message }], isError: true };
      }
      entry.result = result;
      entry.resultSize = JSON.stringify(result).length;
      this.#resultSize += entry.resultSize;
      this.#end(entry, status, undefined);
    }
  }

  /** Forgets the oldest ended task of `session` (but `spare`); false when it has none. */
  #evictOwn(session: string | undefined, spare?: Entry): boolean {
    return this.#evictFirst((entry) => entry.session === session && entry !== spare);
  }

  /** Forgets the oldest ended task of a session that has ended; false when there is none. */
  #evictOrphan(): boolean {
    return this.#evictFirst((entry) => entry.orphaned === true);
  }

  /** Forgets the oldest ended task `which` takes; false when there is none. */
  #evictFirst(which: (entry: Entry) => boolean): boolean {
    for (const [id, entry] of this.#tasks) {
      if (entry.endedAt === undefined || !which(entry)) continue;
      this.#delete(id);
      return true;
    }
    return false;
  }

  /**
   * Marks the 2025-era tasks of `sessionId`, whose session has ended, as ones whose kept results
   * may make room for other sessions' tasks. Their results are still found by id until then (a
   * client that reconnects asks with a new session).
   */
  sessionEnded(sessionId: string): void {
    for (const entry of this.#tasks.values()) {
      if (!entry.owned && entry.session === sessionId) entry.orphaned = true;
    }
  }

  /** Forgets a task and what its result held. */
  #delete(taskId: string): void {
    const entry = this.#tasks.get(taskId);
    this.#resultSize -= entry?.resultSize ?? 0;
    entry?.ended?.resolve();
    this.#tasks.delete(taskId);
  }

  /** The result of an ended 2025-era task. Throws when there is none. */
  getTaskResult(taskId: string, _sessionId?: string): Promise<Record<string, unknown>> {
    const entry = this.#shared(taskId);
    if (!entry?.result) {
      return Promise.reject(new Error(`Cannot get the result of task ${taskId}: it has none`));
    }
    return Promise.resolve(entry.result);
  }

  /** Sets a 2025-era task's status; `cancelled` aborts what the task runs. */
  updateTaskStatus(
    taskId: string,
    status: TaskStatus,
    statusMessage?: string,
    _sessionId?: string,
  ): Promise<void> {
    this.#update(this.#shared(taskId), status, statusMessage);
    return Promise.resolve();
  }

  /** Sets a 2026-07-28 task's status; `cancelled` aborts what the task runs. */
  updateOwnedStatus(taskId: string, status: TaskStatus, statusMessage?: string): void {
    const entry = this.#tasks.get(taskId);
    this.#update(entry?.owned ? entry : undefined, status, statusMessage);
  }

  #update(entry: Entry | undefined, status: TaskStatus, statusMessage: string | undefined): void {
    if (!entry || isTerminal(entry.task.status)) return;
    if (isTerminal(status)) {
      this.#end(entry, status, statusMessage);
      if (status === "cancelled") entry.controller.abort(new Error("The task was cancelled"));
    } else {
      entry.task.status = status;
      entry.task.statusMessage = statusMessage;
      entry.task.lastUpdatedAt = new Date().toISOString();
    }
  }

  /** The session's tasks, newest first. */
  listTasks(
    _cursor?: string,
    sessionId?: string,
  ): Promise<{ tasks: TaskInfo[]; nextCursor?: string }> {
    this.#sweep();
    const tasks = [...this.#tasks.values()]
      .filter((entry) => !entry.owned && entry.session === sessionId)
      .map((entry) => ({ ...entry.task })).reverse();
    return Promise.resolve({ tasks });
  }

  /** Cancels every running task (the server is stopping). */
  close(): void {
    for (const entry of this.#tasks.values()) {
      if (!isTerminal(entry.task.status)) entry.controller.abort(new Error("The server stopped"));
    }
  }

  #end(entry: Entry, status: TaskStatus, statusMessage: string | undefined): void {
    const now = Date.now();
    entry.endedAt = now;
    entry.task.status = status;
    if (statusMessage !== undefined) entry.task.statusMessage = statusMessage;
    entry.task.lastUpdatedAt = new Date(now).toISOString();
    entry.task.ttl = now - Date.parse(entry.task.createdAt) + this.keepMs;
    entry.ended?.resolve();
  }

  /** Drops results kept long enough. */
  #sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.#tasks) {
      if (entry.endedAt !== undefined && now - entry.endedAt > this.keepMs) this.#delete(id);
    }
  }
}

function isTerminal(status: TaskStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}
