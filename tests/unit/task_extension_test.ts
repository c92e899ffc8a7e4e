// How a task kept in its sandbox reads to a client (src/_task_extension.ts): the record is written
// by the agent, which the sandbox's own code can reach, so what it holds is checked first.

import { deepStrictEqual as assertEquals, match as assertMatch, rejects } from "node:assert/strict";
import { SANDBOX_META_KEY } from "../../src/_call.ts";
import { fromRecord } from "../../src/_task_extension.ts";
import type { TaskRecord } from "../../src/sandbox.ts";
import { TaskRegistry } from "../../src/tasks.ts";

const registry = new TaskRegistry({ keepMs: 3_600_000, pollIntervalMs: 1000 });
const base: TaskRecord = {
  status: "working",
  createdAt: "2026-11-28T00:00:00.000Z",
  updatedAt: "2026-11-28T00:00:05.000Z",
  abandoned: false,
};

Deno.test("a working record reads as working, with its latest line and no ttl yet", () => {
  const { task, result } = fromRecord("t@s1", { ...base, statusMessage: "step-3" }, "s1", registry);
  assertEquals(
    [task.taskId, task.status, task.statusMessage, task.ttl, task.pollInterval, result],
    ["t@s1", "working", "step-3", null, 1000, undefined],
  );
});

Deno.test("a completed record gives its tool result, naming the sandbox of the task id", () => {
  const stored = {
    content: [{ type: "text", text: "done" }],
    structuredContent: { stdout: "done\n" },
    // Rewritten by code in the sandbox to send the client to another sandbox.
    _meta: { [SANDBOX_META_KEY]: "someone-elses", other: 1 },
  };
  const { task, result } = fromRecord(
    "t@s1",
    { ...base, status: "completed", result: stored },
    "s1",
    registry,
  );
  assertEquals(task.status, "completed");
  assertEquals(task.ttl, 5000 + 3_600_000);
  assertEquals(result, { ...stored, _meta: { [SANDBOX_META_KEY]: "s1", other: 1 } });
});

Deno.test("a completed record that holds no tool result reads as failed", () => {
  for (
    const forged of [{ text: "no content" }, { content: "x" }, { content: [{ text: "untyped" }] }]
  ) {
    const { task, result } = fromRecord(
      "t@s1",
      { ...base, status: "completed", result: forged },
      "s1",
      registry,
    );
    assertEquals([task.status, result?.message], [
      "failed",
      "Task t@s1: its record in the sandbox holds no tool result",
    ]);
  }
});

Deno.test("an abandoned record reads as failed with why; a failed one with its error", () => {
  const abandoned = fromRecord(
    "t@s1",
    {
      ...base,
      status: "failed",
      abandoned: true,
      statusMessage: "The server that ran this task stopped before it ended",
    },
    "s1",
    registry,
  );
  assertEquals(
    [abandoned.task.status, abandoned.result],
    ["failed", {
      code: -32603,
      message: "The server that ran this task stopped before it ended",
    }],
  );
  const failed = fromRecord(
    "t@s1",
    {
      ...base,
      status: "failed",
      result: { code: -32603, message: "Cannot reach the sandbox" },
    },
    "s1",
    registry,
  );
  assertEquals(failed.result, { code: -32603, message: "Cannot reach the sandbox" });
  const cancelled = fromRecord("t@s1", { ...base, status: "cancelled" }, "s1", registry);
  assertEquals([cancelled.task.status, cancelled.result], ["cancelled", undefined]);
});

Deno.test("a record that is not one (an agent replaced by code in the sandbox) reads as failed", () => {
  for (
    const forged of [
      { ...base, status: "done" },
      { ...base, status: "completed", createdAt: "yesterday" },
    ] as unknown as TaskRecord[]
  ) {
    const { task, result } = fromRecord("t@s1", forged, "s1", registry);
    assertEquals([task.status, result?.message], [
      "failed",
      "Task t@s1: its record in the sandbox is damaged",
    ]);
  }
});

Deno.test("a full registry makes room by dropping its oldest ended tasks, never running ones", async () => {
  const tasks = new TaskRegistry({ maxTasks: 3 });
  const made = [];
  for (let i = 0; i < 3; i++) made.push(await tasks.createTask({}, undefined, undefined, "s"));
  await tasks.storeTaskResult(made[0].taskId, "completed", { content: [] });
  await tasks.storeTaskResult(made[1].taskId, "completed", { content: [] });
  // Full: the oldest ended one goes, the others stay.
  const fourth = await tasks.createTask({}, undefined, undefined, "s");
  assertEquals(await tasks.getTask(made[0].taskId), null);
  assertEquals((await tasks.getTask(made[1].taskId))?.status, "completed");
  await tasks.createTask({}, undefined, undefined, "s"); // and then the next oldest
  assertEquals(await tasks.getTask(made[1].taskId), null);
  // Three running: no room.
  await rejects(
    tasks.createOwnedTask("token:a"),
    /Cannot start a task: the server keeps 3 tasks, running or with results kept for 60 minutes/,
  );
  assertEquals((await tasks.getTask(fourth.taskId))?.status, "working");
  tasks.close();
});

Deno.test("a 2026-07-28 task is its owner's only: SDK 1.x's task methods never see it", async () => {
  const tasks = new TaskRegistry();
  const owned = await tasks.createOwnedTask("token:a");
  assertEquals(tasks.find(owned.taskId, "token:a")?.task.status, "working");
  assertEquals(tasks.find(owned.taskId, "token:b"), null);
  // What a 2025-era session's tasks/get, tasks/result, tasks/list and tasks/cancel call.
  assertEquals(await tasks.getTask(owned.taskId, "session-1"), null);
  await rejects(tasks.getTaskResult(owned.taskId, "session-1"), /has none/);
  assertEquals((await tasks.listTasks(undefined, "token:a")).tasks, []);
  await tasks.updateTaskStatus(owned.taskId, "cancelled", "from a 2025 session", "session-1");
  assertEquals(tasks.find(owned.taskId, "token:a")?.task.status, "working");
  assertEquals(tasks.signal(owned.taskId).aborted, false);
  // Nor does a 2025-era task pass for one.
  const shared = await tasks.createTask({}, undefined, undefined, "token:a");
  assertEquals(tasks.find(shared.taskId, "token:a"), null);
  tasks.close();
});

Deno.test("kept results are capped in size together: the oldest ended tasks make room", async () => {
  // Each task's result is kept for an hour; without a cap, a client's tasks that each return a
  // large result held all of them (about 115 MiB more per 120 MB cell, found by a probe).
  const tasks = new TaskRegistry({ maxResultSize: 2_500_000 });
  const big = { content: [{ type: "text", text: "x".repeat(1_000_000) }] };
  const made = [];
  for (let i = 0; i < 4; i++) {
    made.push(await tasks.createTask({}, undefined, undefined, "s"));
    await tasks.storeTaskResult(made[i].taskId, "completed", big);
  }
  const running = await tasks.createTask({}, undefined, undefined, "s");
  // Two results fit: the two oldest went, the newest two and the running task stay.
  assertEquals(await tasks.getTask(made[0].taskId), null);
  assertEquals(await tasks.getTask(made[1].taskId), null);
  assertEquals((await tasks.getTask(made[2].taskId))?.status, "completed");
  assertEquals(await tasks.getTaskResult(made[3].taskId), big);
  assertEquals((await tasks.getTask(running.taskId))?.status, "working");
});

Deno.test("one session's tasks neither take every place nor push out another session's results", async () => {
  // Tasks are the server's, across its sessions: one HTTP client started 256 long cells (every
  // other client then got "256 tasks are running"), and 400 quick ones deleted other clients'
  // kept results, promised for an hour.
  const tasks = new TaskRegistry({ maxTasks: 8, maxTasksPerOwner: 3 });
  const kept = await tasks.createTask({}, undefined, undefined, "b");
  await tasks.storeTaskResult(kept.taskId, "completed", { content: [] });
  const hog = [];
  for (let i = 0; i < 3; i++) hog.push(await tasks.createTask({}, undefined, undefined, "a"));
  await rejects(
    tasks.createTask({}, undefined, undefined, "a"),
    /this session has 3 tasks running, the most one may/,
  );
  assertEquals((await tasks.createTask({}, undefined, undefined, "c")).status, "working");
  // Ended, a session's tasks make room for its own next ones first...
  for (const task of hog) await tasks.storeTaskResult(task.taskId, "completed", { content: [] });
  for (let i = 0; i < 10; i++) {
    const next = await tasks.createTask({}, undefined, undefined, "a");
    await tasks.storeTaskResult(next.taskId, "completed", { content: [] });
  }
  assertEquals(await tasks.getTask(hog[0].taskId), null);
  // ...and when the registry is full, a session with no ended task of its own is refused: one
  // quick task from each of many sessions pushed out session b's result (the one that kept the
  // most gave room, and spread thin, that was b).
  for (const owner of ["d", "e", "f"]) {
    const task = await tasks.createTask({}, undefined, undefined, owner);
    await tasks.storeTaskResult(task.taskId, "completed", { content: [] });
  }
  for (const owner of ["g", "h", "i"]) {
    await rejects(
      tasks.createTask({}, undefined, undefined, owner),
      /Cannot start a task: the server keeps 8 tasks/,
    );
  }
  assertEquals((await tasks.getTask(kept.taskId))?.status, "completed");
  // A session with ended tasks of its own still starts one, in their place.
  assertEquals((await tasks.createTask({}, undefined, undefined, "d")).status, "working");
  tasks.close();
});

Deno.test("a result over the size cap makes room from its own session only, or is not kept", async () => {
  const tasks = new TaskRegistry({ maxResultSize: 2_500_000 });
  const small = await tasks.createTask({}, undefined, undefined, "b");
  await tasks.storeTaskResult(small.taskId, "completed", {
    content: [{ type: "text", text: "b" }],
  });
  const big = { content: [{ type: "text", text: "x".repeat(1_000_000) }] };
  // Sessions a0..a4, one large result each: two fit; the others are not kept, and say so.
  const made = [];
  for (let i = 0; i < 5; i++) {
    made.push(await tasks.createTask({}, undefined, undefined, `a${i}`));
    await tasks.storeTaskResult(made[i].taskId, "completed", big);
  }
  assertEquals((await tasks.getTask(small.taskId))?.status, "completed");
  assertEquals(await tasks.getTaskResult(made[1].taskId), big);
  for (const task of made.slice(2)) {
    assertEquals((await tasks.getTask(task.taskId))?.status, "failed");
    const result = await tasks.getTaskResult(task.taskId) as {
      content: { text: string }[];
      isError: boolean;
    };
    assertEquals(result.isError, true);
    assertMatch(result.content[0].text, /^The task's result \(\d+ characters\) was not kept/);
  }
  // A session's own older result makes room for its next.
  const again = await tasks.createTask({}, undefined, undefined, "a0");
  await tasks.storeTaskResult(again.taskId, "completed", big);
  assertEquals(await tasks.getTask(made[0].taskId), null);
  assertEquals(await tasks.getTaskResult(again.taskId), big);
  tasks.close();
});
