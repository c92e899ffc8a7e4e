// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/tasks.ts
var MAX_WAITING_PER_TASK = 4;
var TaskRegistry = class {
  static {
    __name(this, "TaskRegistry");
  }
  keepMs;
  maxTasks;
  maxTasksPerOwner;
  pollIntervalMs;
  maxResultSize;
  #tasks = /* @__PURE__ */ new Map();
  #resultSize = 0;
  /** A registry keeping results `options.keepMs` after their task ends. */
  constructor(options = {}) {
    this.keepMs = options.keepMs ?? 36e5;
    this.maxTasks = options.maxTasks ?? 256;
    this.maxTasksPerOwner = options.maxTasksPerOwner ?? 64;
    this.pollIntervalMs = options.pollIntervalMs ?? 1e3;
    this.maxResultSize = options.maxResultSize ?? 256 * 1024 * 1024;
  }
  /**
   * Creates a working task of a 2025-era session (SDK 1.x's task store). Throws a RangeError when
   * `maxTasks` tasks are running.
   */
  createTask(_params, _requestId, _request, sessionId) {
    return this.#create(sessionId, false);
  }
  /**
   * Creates a working 2026-07-28 task of `owner`, which only {@linkcode TaskRegistry.find} with
   * that owner finds. Throws a RangeError when `maxTasks` tasks are running.
   */
  createOwnedTask(owner) {
    return this.#create(owner, true);
  }
  #create(sessionId, owned) {
    this.#sweep();
    let held = [
      ...this.#tasks.values()
    ].filter((entry) => entry.session === sessionId).length;
    while (held >= this.maxTasksPerOwner && this.#evictOwn(sessionId)) held--;
    if (held >= this.maxTasksPerOwner) {
      return Promise.reject(new RangeError(`Cannot start a task: this session has ${this.maxTasksPerOwner} tasks running, the most one may; wait for one to end or cancel one`));
    }
    while (this.#tasks.size >= this.maxTasks && (this.#evictOwn(sessionId) || this.#evictOrphan())) {
    }
    if (this.#tasks.size >= this.maxTasks) {
      return Promise.reject(new RangeError(`Cannot start a task: the server keeps ${this.maxTasks} tasks, running or with results kept for ${this.keepMs / 6e4} minutes; wait for one to end, or call without a task`));
    }
    const now = (/* @__PURE__ */ new Date()).toISOString();
    const task = {
      taskId: crypto.randomUUID(),
      status: "working",
      createdAt: now,
      lastUpdatedAt: now,
      ttl: null,
      pollInterval: this.pollIntervalMs
    };
    this.#tasks.set(task.taskId, {
      task,
      session: sessionId,
      owned,
      controller: new AbortController(),
      waiting: 0
    });
    return Promise.resolve({
      ...task
    });
  }
  /** A 2025-era task by id (2026-07-28 tasks are not one). */
  #shared(taskId) {
    const entry = this.#tasks.get(taskId);
    return entry && !entry.owned ? entry : void 0;
  }
  /** The 2025-era task with this id, whichever session asks (the id is the handle), or null. */
  getTask(taskId, _sessionId) {
    this.#sweep();
    const entry = this.#shared(taskId);
    return Promise.resolve(entry ? {
      ...entry.task
    } : null);
  }
  /**
   * Resolves once the 2025-era task `taskId` has ended or is forgotten (at once if there is no
   * such task); rejects when `signal` aborts, and with a RangeError when
   * {@linkcode MAX_WAITING_PER_TASK} calls wait for it already. Nothing polls meanwhile.
   */
  async untilEnded(taskId, signal) {
    const entry = this.#shared(taskId);
    if (!entry || entry.endedAt !== void 0) return;
    signal.throwIfAborted();
    if (entry.waiting >= MAX_WAITING_PER_TASK) {
      throw new RangeError(`Cannot wait for the result: ${MAX_WAITING_PER_TASK} calls wait for task ${taskId} already; use the first one's answer, or follow the task with tasks/get`);
    }
    entry.ended ??= Promise.withResolvers();
    const aborted = Promise.withResolvers();
    const onAbort = /* @__PURE__ */ __name(() => aborted.reject(signal.reason), "onAbort");
    signal.addEventListener("abort", onAbort, {
      once: true
    });
    entry.waiting++;
    try {
      await Promise.race([
        entry.ended.promise,
        aborted.promise
      ]);
    } finally {
      entry.waiting--;
      signal.removeEventListener("abort", onAbort);
    }
  }
  /** Aborts when the task is cancelled. */
  signal(taskId) {
    return this.#tasks.get(taskId)?.controller.signal ?? AbortSignal.abort();
  }
  /**
   * The task with this id and what it ended with (a result, or for a failed task the JSON-RPC
   * error), or null when there is none or `owner` did not create it.
   */
  find(taskId, owner) {
    this.#sweep();
    const entry = this.#tasks.get(taskId);
    if (!entry?.owned || entry.session !== owner) return null;
    return {
      task: {
        ...entry.task
      },
      result: entry.result,
      sandboxId: entry.sandboxId
    };
  }
  /** Notes that the sandbox `sandboxId` keeps the task's record too. */
  keptIn(taskId, sandboxId) {
    const entry = this.#tasks.get(taskId);
    if (entry) entry.sandboxId = sandboxId;
  }
  /** Forgets a task, e.g. one whose result was returned without ever showing the task. */
  delete(taskId) {
    this.#delete(taskId);
  }
  /** Records the result of a 2025-era task that ended; ignored once the task was cancelled. */
  storeTaskResult(taskId, status, result, _sessionId) {
    this.#store(this.#shared(taskId), status, result);
    return Promise.resolve();
  }
  /** Records the result of a 2026-07-28 task that ended; ignored once it was cancelled. */
  storeOwnedResult(taskId, status, result) {
    const entry = this.#tasks.get(taskId);
    this.#store(entry?.owned ? entry : void 0, status, result);
  }
  #store(entry, status, result) {
    if (entry && !isTerminal(entry.task.status)) {
      const size = JSON.stringify(result).length;
      while (this.#resultSize + size > this.maxResultSize && this.#evictOwn(entry.session, entry)) {
      }
      if (this.#resultSize + size > this.maxResultSize) {
        const message = `The task's result (${size} characters) was not kept: the server keeps ${this.maxResultSize} characters of task results at most, and holds ${this.#resultSize} now`;
        status = "failed";
        result = entry.owned ? {
          code: -32603,
          message
        } : {
          content: [
            {
              type: "text",
              text: message
            }
          ],
          isError: true
        };
      }
      entry.result = result;
      entry.resultSize = JSON.stringify(result).length;
      this.#resultSize += entry.resultSize;
      this.#end(entry, status, void 0);
    }
  }
  /** Forgets the oldest ended task of `session` (but `spare`); false when it has none. */
  #evictOwn(session, spare) {
    return this.#evictFirst((entry) => entry.session === session && entry !== spare);
  }
  /** Forgets the oldest ended task of a session that has ended; false when there is none. */
  #evictOrphan() {
    return this.#evictFirst((entry) => entry.orphaned === true);
  }
  /** Forgets the oldest ended task `which` takes; false when there is none. */
  #evictFirst(which) {
    for (const [id, entry] of this.#tasks) {
      if (entry.endedAt === void 0 || !which(entry)) continue;
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
  sessionEnded(sessionId) {
    for (const entry of this.#tasks.values()) {
      if (!entry.owned && entry.session === sessionId) entry.orphaned = true;
    }
  }
  /** Forgets a task and what its result held. */
  #delete(taskId) {
    const entry = this.#tasks.get(taskId);
    this.#resultSize -= entry?.resultSize ?? 0;
    entry?.ended?.resolve();
    this.#tasks.delete(taskId);
  }
  /** The result of an ended 2025-era task. Throws when there is none. */
  getTaskResult(taskId, _sessionId) {
    const entry = this.#shared(taskId);
    if (!entry?.result) {
      return Promise.reject(new Error(`Cannot get the result of task ${taskId}: it has none`));
    }
    return Promise.resolve(entry.result);
  }
  /** Sets a 2025-era task's status; `cancelled` aborts what the task runs. */
  updateTaskStatus(taskId, status, statusMessage, _sessionId) {
    this.#update(this.#shared(taskId), status, statusMessage);
    return Promise.resolve();
  }
  /** Sets a 2026-07-28 task's status; `cancelled` aborts what the task runs. */
  updateOwnedStatus(taskId, status, statusMessage) {
    const entry = this.#tasks.get(taskId);
    this.#update(entry?.owned ? entry : void 0, status, statusMessage);
  }
  #update(entry, status, statusMessage) {
    if (!entry || isTerminal(entry.task.status)) return;
    if (isTerminal(status)) {
      this.#end(entry, status, statusMessage);
      if (status === "cancelled") entry.controller.abort(new Error("The task was cancelled"));
    } else {
      entry.task.status = status;
      entry.task.statusMessage = statusMessage;
      entry.task.lastUpdatedAt = (/* @__PURE__ */ new Date()).toISOString();
    }
  }
  /** The session's tasks, newest first. */
  listTasks(_cursor, sessionId) {
    this.#sweep();
    const tasks = [
      ...this.#tasks.values()
    ].filter((entry) => !entry.owned && entry.session === sessionId).map((entry) => ({
      ...entry.task
    })).reverse();
    return Promise.resolve({
      tasks
    });
  }
  /** Cancels every running task (the server is stopping). */
  close() {
    for (const entry of this.#tasks.values()) {
      if (!isTerminal(entry.task.status)) entry.controller.abort(new Error("The server stopped"));
    }
  }
  #end(entry, status, statusMessage) {
    const now = Date.now();
    entry.endedAt = now;
    entry.task.status = status;
    if (statusMessage !== void 0) entry.task.statusMessage = statusMessage;
    entry.task.lastUpdatedAt = new Date(now).toISOString();
    entry.task.ttl = now - Date.parse(entry.task.createdAt) + this.keepMs;
    entry.ended?.resolve();
  }
  /** Drops results kept long enough. */
  #sweep() {
    const now = Date.now();
    for (const [id, entry] of this.#tasks) {
      if (entry.endedAt !== void 0 && now - entry.endedAt > this.keepMs) this.#delete(id);
    }
  }
};
function isTerminal(status) {
  return status === "completed" || status === "failed" || status === "cancelled";
}
__name(isTerminal, "isTerminal");
export {
  MAX_WAITING_PER_TASK,
  TaskRegistry
};
