// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/tasks.ts
var TaskRegistry = class {
  static {
    __name(this, "TaskRegistry");
  }
  keepMs;
  maxTasks;
  pollIntervalMs;
  #tasks = /* @__PURE__ */ new Map();
  /** A registry keeping results `options.keepMs` after their task ends. */
  constructor(options = {}) {
    this.keepMs = options.keepMs ?? 36e5;
    this.maxTasks = options.maxTasks ?? 256;
    this.pollIntervalMs = options.pollIntervalMs ?? 1e3;
  }
  /** Creates a working task. Throws a RangeError when `maxTasks` tasks are running. */
  createTask(_params, _requestId, _request, sessionId) {
    this.#sweep();
    if (this.#tasks.size >= this.maxTasks) {
      return Promise.reject(new RangeError(`Cannot start a task: ${this.maxTasks} tasks are running; wait for one to end or cancel one`));
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
      controller: new AbortController()
    });
    return Promise.resolve({
      ...task
    });
  }
  /** The task with this id, whichever session asks (the id is the handle), or null. */
  getTask(taskId, _sessionId) {
    this.#sweep();
    const entry = this.#tasks.get(taskId);
    return Promise.resolve(entry ? {
      ...entry.task
    } : null);
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
    if (!entry || entry.session !== owner) return null;
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
    this.#tasks.delete(taskId);
  }
  /** Records the result of a task that ended; ignored once the task was cancelled. */
  storeTaskResult(taskId, status, result, _sessionId) {
    const entry = this.#tasks.get(taskId);
    if (entry && !isTerminal(entry.task.status)) {
      entry.result = result;
      this.#end(entry, status, void 0);
    }
    return Promise.resolve();
  }
  /** The result of an ended task. Throws when there is none. */
  getTaskResult(taskId, _sessionId) {
    const entry = this.#tasks.get(taskId);
    if (!entry?.result) {
      return Promise.reject(new Error(`Cannot get the result of task ${taskId}: it has none`));
    }
    return Promise.resolve(entry.result);
  }
  /** Sets a task's status; `cancelled` aborts what the task runs. */
  updateTaskStatus(taskId, status, statusMessage, _sessionId) {
    const entry = this.#tasks.get(taskId);
    if (!entry || isTerminal(entry.task.status)) return Promise.resolve();
    if (isTerminal(status)) {
      this.#end(entry, status, statusMessage);
      if (status === "cancelled") entry.controller.abort(new Error("The task was cancelled"));
    } else {
      entry.task.status = status;
      entry.task.statusMessage = statusMessage;
      entry.task.lastUpdatedAt = (/* @__PURE__ */ new Date()).toISOString();
    }
    return Promise.resolve();
  }
  /** The session's tasks, newest first. */
  listTasks(_cursor, sessionId) {
    this.#sweep();
    const tasks = [
      ...this.#tasks.values()
    ].filter((entry) => entry.session === sessionId).map((entry) => ({
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
  }
  /** Drops results kept long enough. */
  #sweep() {
    const now = Date.now();
    for (const [id, entry] of this.#tasks) {
      if (entry.endedAt !== void 0 && now - entry.endedAt > this.keepMs) this.#tasks.delete(id);
    }
  }
};
function isTerminal(status) {
  return status === "completed" || status === "failed" || status === "cancelled";
}
__name(isTerminal, "isTerminal");
export {
  TaskRegistry
};
