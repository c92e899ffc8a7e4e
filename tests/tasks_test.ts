// Long calls as tasks (MCP 2025-11-25): a handle at once, polling, the result later, cancellation
// that kills the process, and a result a reconnecting HTTP client can still fetch.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import {
  CallToolResultSchema,
  CancelTaskResultSchema,
  CreateTaskResultSchema,
  GetTaskResultSchema,
} from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { serveHttp } from "../src/http.ts";
import { silentLogger } from "../src/log.ts";
import { LocalProvider } from "../src/providers/local/mod.ts";
import { createServer } from "../src/server.ts";
import { SandboxSession } from "../src/session.ts";
import { TaskRegistry } from "../src/tasks.ts";
import { hasBwrap } from "./_helpers.ts";

const opts = { ignore: !hasBwrap };
const log = silentLogger();
const LIMITS = { maxOutputBytes: 100_000, defaultTimeout: 300, maxImageBytes: 400_000 };

function serve(tasks = new TaskRegistry({ pollIntervalMs: 500 })) {
  const provider = new LocalProvider({ log });
  // As the server does: a 2025-era session that ends lets its tasks' results make room.
  const http = serveHttp({ port: 0, log, onSessionEnd: (id) => tasks.sessionEnded(id) }, () => {
    const session = new SandboxSession(provider, log);
    return {
      session,
      server: createServer({ session, log, instructions: "t", limits: LIMITS, tasks }),
    };
  });
  return {
    http,
    async client() {
      const client = new Client({ name: "tasks-test", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
      return client;
    },
    async [Symbol.asyncDispose]() {
      tasks.close();
      await http.close();
      await provider.close();
    },
  };
}

function startTask(client: Client, name: string, args: Record<string, unknown>) {
  return client.request(
    { method: "tools/call", params: { name, arguments: args, task: { ttl: 60_000 } } },
    CreateTaskResultSchema,
  );
}

async function waitFor(client: Client, taskId: string, statuses: string[]) {
  for (;;) {
    const task = await client.request(
      { method: "tasks/get", params: { taskId } },
      GetTaskResultSchema,
    );
    if (statuses.includes(task.status)) return task;
    await new Promise((resolve) => setTimeout(resolve, task.pollInterval ?? 500));
  }
}

/** A registry that counts how often the task of a tasks/result call is looked up. */
class CountingRegistry extends TaskRegistry {
  lookups = 0;
  override getTask(taskId: string, sessionId?: string) {
    this.lookups++;
    return super.getTask(taskId, sessionId);
  }
}

Deno.test(
  "tasks/result waits for the task's end without polling, and at most 4 calls wait for one task",
  opts,
  async () => {
    // SDK 1.32 answered tasks/result by looking the task up at every poll interval and awaiting
    // itself again, each time with one more frame and abort listener that lived as long as the
    // call: 20 000 calls waiting for one sleeping task took the server to 2 GB in a minute, and
    // the kernel killed it with every client's sandboxes.
    const tasks = new CountingRegistry({ pollIntervalMs: 10 });
    await using served = serve(tasks);
    const client = await served.client();
    const { task } = await startTask(client, "shell_exec", { command: "sleep 1; echo done" });
    const before = tasks.lookups;
    const fetch = () =>
      client.request(
        { method: "tasks/result", params: { taskId: task.taskId } },
        CallToolResultSchema,
      );
    const waiting = [fetch(), fetch(), fetch(), fetch()];
    await new Promise((resolve) => setTimeout(resolve, 200)); // the four are waiting
    const fifth = await fetch().then(() => "answered", (error) => String(error));
    assert(/4 calls wait for task .* already/.test(fifth), fifth);
    for (const result of await Promise.all(waiting)) {
      assertEquals((result.structuredContent as { stdout: string }).stdout, "done\n");
    }
    // A lookup when each call comes and one when it answers: none while it waits (polling every
    // 10 ms for a second made hundreds).
    assert(tasks.lookups - before <= 12, `${tasks.lookups - before} lookups`);
    // Once it has ended, as many calls as a client makes are answered.
    const later = await Promise.all([fetch(), fetch(), fetch(), fetch(), fetch(), fetch()]);
    assertEquals(later.length, 6);
    await client.close();
  },
);

Deno.test("long tools are listed as task-capable, the others not", opts, async () => {
  await using served = serve();
  const client = await served.client();
  const { tools } = await client.listTools();
  const capable = tools.filter((t) => t.execution?.taskSupport === "optional").map((t) => t.name);
  assertEquals(capable, ["shell_exec", "python_exec", "git_clone"]);
  await client.close();
});

Deno.test(
  "a task-augmented shell_exec answers at once and completes while the client polls",
  opts,
  async () => {
    await using served = serve();
    const client = await served.client();
    const { task } = await startTask(client, "shell_exec", {
      command: "for i in 1 2 3 4 5 6; do echo step $i; sleep 2; done; echo done",
    });
    assertEquals(task.status, "working", "the handle comes while the command still runs");
    const working = await waitFor(client, task.taskId, ["working"]);
    assertEquals(working.status, "working");
    const ended = await waitFor(client, task.taskId, ["completed", "failed", "cancelled"]);
    assertEquals(ended.status, "completed");
    assert(ended.ttl! >= 3_600_000, "the result is kept for an hour after it ends");
    const result = await client.request(
      { method: "tasks/result", params: { taskId: task.taskId } },
      CallToolResultSchema,
    );
    assertEquals(result.isError, false);
    assert(String(result.structuredContent?.stdout).endsWith("step 6\ndone\n"));
    // A plain call still answers in one step.
    const plain = await client.callTool({
      name: "shell_exec",
      arguments: { command: "echo plain" },
    });
    assertEquals((plain.structuredContent as { stdout: string }).stdout, "plain\n");
    await client.close();
  },
);

// A long job, as long as MCP_TASK_SOAK_MINUTES says (issue 19 asks for 10): run by hand, since
// CI has no ten minutes to spare; every client request in it is a short poll.
const soakMinutes = Number(Deno.env.get("MCP_TASK_SOAK_MINUTES") ?? 0);
Deno.test({
  name: `a task-augmented shell_exec of ${
    soakMinutes || "N"
  } minutes completes while the client polls`,
  ignore: !hasBwrap || !(soakMinutes > 0),
  fn: async () => {
    await using served = serve();
    const client = await served.client();
    const seconds = Math.round(soakMinutes * 60);
    const { task } = await startTask(client, "shell_exec", {
      command: `i=0; while [ $i -lt ${seconds} ]; do sleep 1; i=$((i+1)); echo $i; done; echo done`,
      timeout: seconds + 120,
    });
    let polls = 0;
    for (;;) {
      const now = await client.request(
        { method: "tasks/get", params: { taskId: task.taskId } },
        GetTaskResultSchema,
      );
      polls++;
      if (now.status !== "working") {
        assertEquals(now.status, "completed");
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    const result = await client.request(
      { method: "tasks/result", params: { taskId: task.taskId } },
      CallToolResultSchema,
    );
    assertEquals(result.isError, false);
    assert(String(result.structuredContent?.stdout).endsWith(`${seconds}\ndone\n`));
    assert(polls >= seconds / 10, `polled ${polls} times`);
    await client.close();
  },
});

Deno.test("tasks/cancel kills the task's process", opts, async () => {
  await using served = serve();
  const client = await served.client();
  const marker = `${3000 + Math.floor(Math.random() * 1000)}.77`;
  const { task } = await startTask(client, "shell_exec", { command: `sleep ${marker}` });
  const pgrep = async () =>
    ((await client.callTool({
      name: "shell_exec",
      arguments: { command: `pgrep -f 'slee[p] ${marker}' || true` },
    }))
      .structuredContent as { stdout: string }).stdout.trim();
  for (let i = 0; i < 50 && (await pgrep()) === ""; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert((await pgrep()) !== "", "the command runs");
  await client.request(
    { method: "tasks/cancel", params: { taskId: task.taskId } },
    CancelTaskResultSchema,
  );
  const ended = await waitFor(client, task.taskId, ["completed", "failed", "cancelled"]);
  assertEquals(ended.status, "cancelled");
  for (let i = 0; i < 50 && (await pgrep()) !== ""; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assertEquals(await pgrep(), "");
  await client.close();
});

Deno.test(
  "a task's result is still there when the client comes back in a new HTTP session",
  opts,
  async () => {
    await using served = serve();
    const first = await served.client();
    const { task } = await startTask(first, "python_exec", {
      code: "import time\ntime.sleep(3)\n6 * 7",
    });
    await first.close(); // gone without ending its session, as a client that crashed
    const second = await served.client();
    const ended = await waitFor(second, task.taskId, ["completed", "failed", "cancelled"]);
    assertEquals(ended.status, "completed");
    const result = await second.request(
      { method: "tasks/result", params: { taskId: task.taskId } },
      CallToolResultSchema,
    );
    assertEquals(result.structuredContent?.result, "42");
    await second.close();
  },
);

Deno.test(
  "the results of sessions that ended make room for another session's tasks",
  opts,
  async () => {
    // Room was made only from a session's own ended tasks: 256 tasks of four sessions, which
    // then ended, locked every other client out of tasks for the hour their results were kept.
    await using served = serve(new TaskRegistry({ maxTasks: 4, maxTasksPerOwner: 2 }));
    const ended: string[] = [];
    for (let i = 0; i < 2; i++) {
      const client = await served.client();
      for (let j = 0; j < 2; j++) {
        const { task } = await startTask(client, "shell_exec", { command: "true" });
        await waitFor(client, task.taskId, ["completed", "failed"]);
        ended.push(task.taskId);
      }
      await (client.transport as StreamableHTTPClientTransport).terminateSession();
      await client.close();
    }
    const other = await served.client();
    const { task } = await startTask(other, "shell_exec", { command: "echo mine" });
    assertEquals((await waitFor(other, task.taskId, ["completed", "failed"])).status, "completed");
    // The oldest of the ended sessions' results made room; the others are still found by id.
    const kept = await Promise.all(
      ended.map((taskId) =>
        other.request({ method: "tasks/get", params: { taskId } }, GetTaskResultSchema)
          .then(() => true, () => false)
      ),
    );
    assertEquals(kept, [false, true, true, true]);
    await other.close();
  },
);
