// Which MCP task a call works for, carried along its async calls so that the agent's requests can
// say so (SandboxTasks in sandbox.ts) without every tool passing it down.

import { AsyncLocalStorage } from "node:async_hooks";

const taskContext = new AsyncLocalStorage<string>();

/**
 * Runs `fn` as the work of `task`: the calls it makes in a sandbox (commands, Python cells, copies)
 * are the task's, which SandboxTasks.cancel stops from any server.
 */
export function runForTask<T>(task: string, fn: () => T): T {
  return taskContext.run(task, fn);
}

/** The task the current call works for ({@linkcode runForTask}), if any. */
export function currentTask(): string | undefined {
  return taskContext.getStore();
}
