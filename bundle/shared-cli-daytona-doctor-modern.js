// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/_task_context.ts
import { AsyncLocalStorage } from "node:async_hooks";
var taskContext = new AsyncLocalStorage();
function runForTask(task, fn) {
  return taskContext.run(task, fn);
}
__name(runForTask, "runForTask");
function currentTask() {
  return taskContext.getStore();
}
__name(currentTask, "currentTask");

export {
  runForTask,
  currentTask
};
