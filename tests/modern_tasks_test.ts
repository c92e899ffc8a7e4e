// Long calls as tasks for 2026-07-28 clients: the tasks extension (io.modelcontextprotocol/tasks),
// spoken as raw JSON-RPC over HTTP and stdio (the v2 client 2.4.0 does not accept
// `resultType: "task"`).
// The server decides: a call of a task tool from a client that declares the extension becomes a
// task once it outlasts `immediateMs`; the client polls tasks/get until the result is inlined.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/client@2.4.0";
import { serveHttp } from "../src/http.ts";
import { silentLogger } from "../src/log.ts";
import { createModernHttp, createModernServer, SANDBOX_META_KEY } from "../src/modern.ts";
import { LocalProvider } from "../src/providers/local/mod.ts";
import { createServer } from "../src/server.ts";
import { SandboxSession } from "../src/session.ts";
import { TaskRegistry } from "../src/tasks.ts";
import {
  hasBwrap,
  modernRpc as rpc,
  ROOT,
  startHttpServer,
  TASKS_EXTENSION as TASKS,
} from "./_helpers.ts";

const opts = { ignore: !hasBwrap };
const log = silentLogger();
const LIMITS = { maxOutputBytes: 100_000, defaultTimeout: 300, maxImageBytes: 400_000 };

function serve() {
  const provider = new LocalProvider({ log });
  const registry = new TaskRegistry({ pollIntervalMs: 300 });
  const newSession = () => new SandboxSession(provider, log);
  const http = serveHttp({ port: 0, log, token: "alpha" }, () => {
    const session = newSession();
    return {
      session,
      // As the server runs it: one registry for both revisions' tasks.
      server: createServer({ session, log, instructions: "t", limits: LIMITS, tasks: registry }),
    };
  }, {
    session: newSession,
    load: () =>
      Promise.resolve((session) => {
        const owner = crypto.randomUUID();
        return createModernHttp(
          () =>
            createModernServer({
              session,
              withoutId: "new",
              log,
              instructions: "t",
              limits: LIMITS,
              tasks: { registry, owner, immediateMs: 500 },
            }),
          () => {},
        );
      }),
  });
  return {
    http,
    async [Symbol.asyncDispose]() {
      registry.close();
      await http.close();
      await provider.close();
    },
  };
}

async function shell(url: string, args: Record<string, unknown>, options = {}) {
  return await rpc(url, "tools/call", { name: "shell_exec", arguments: args }, options);
}

async function poll(
  url: string,
  taskId: string,
  until: (task: Record<string, unknown>) => boolean,
) {
  for (;;) {
    const { result, error } = await rpc(url, "tasks/get", { taskId });
    assert(result, JSON.stringify(error));
    if (until(result)) return result;
    await new Promise((resolve) => setTimeout(resolve, result.pollIntervalMs as number));
  }
}

Deno.test(
  "a 2026-07-28 shell_exec of 10 s becomes a task and completes while the client polls",
  opts,
  async () => {
    await using served = serve();
    const url = served.http.url;
    const discovered = await rpc(url, "server/discover", {});
    assertEquals((discovered.result?.capabilities as Record<string, unknown>).extensions, {
      [TASKS]: {},
    });
    const started = performance.now();
    const created = await shell(url, {
      command: "for i in 1 2 3 4 5; do echo step $i; sleep 2; done; echo done",
    });
    const task = created.result!;
    // The handle comes while the command still runs (it takes 10 s; see the end).
    assertEquals([task.resultType, task.status], ["task", "working"]);
    assertMatch(task.taskId as string, /^[0-9a-f-]{36}$/);
    assertEquals([task.ttlMs, typeof task.pollIntervalMs, "ttl" in task], [null, "number", false]);

    const seen = new Set<string>();
    const ended = await poll(url, task.taskId as string, (current) => {
      assertEquals(current.resultType, "complete");
      if (current.statusMessage) seen.add(current.statusMessage as string);
      return current.status !== "working";
    });
    assertEquals(ended.status, "completed");
    assert(seen.size >= 3, `the status follows the output: ${[...seen]}`);
    assert((ended.ttlMs as number) >= 3_600_000, "the result is kept for an hour after it ends");
    const result = ended.result as { structuredContent: { stdout: string }; _meta: object };
    assert(result.structuredContent.stdout.endsWith("step 5\ndone\n"));
    assert(SANDBOX_META_KEY in result._meta, "the result names its sandbox");
    assert(performance.now() - started >= 10_000);

    // The extension's methods are for clients that declare it; others' tasks do not exist.
    const undeclared = await rpc(url, "tasks/get", { taskId: task.taskId }, { tasks: false });
    assertEquals([undeclared.status, undeclared.error?.code], [400, -32021]);
    const unknown = await rpc(url, "tasks/get", { taskId: "no-such-task" });
    assertEquals(unknown.error?.code, -32602);
    const update = await rpc(url, "tasks/update", { taskId: task.taskId, inputResponses: {} });
    assertEquals(update.result?.resultType, "complete");
    assertEquals((await rpc(url, "tasks/list", {})).error?.code, -32601);
  },
);

Deno.test("a 2026-07-28 tasks/cancel kills the task's process", opts, async () => {
  await using served = serve();
  const url = served.http.url;
  const first = await shell(url, { command: "true" });
  assertEquals(first.result?.resultType, "complete"); // a quick call answers plainly
  const sandboxId = (first.result!._meta as Record<string, string>)[SANDBOX_META_KEY];
  const marker = `${3000 + Math.floor(Math.random() * 1000)}.77`;
  const created = await shell(url, { command: `sleep ${marker}`, sandbox_id: sandboxId });
  const taskId = created.result?.taskId as string;
  assert(taskId, JSON.stringify(created));
  const pgrep = async () => {
    const found = await shell(url, {
      command: `pgrep -f 'slee[p] ${marker}' || true`,
      sandbox_id: sandboxId,
    });
    return (found.result!.structuredContent as { stdout: string }).stdout.trim();
  };
  assert((await pgrep()) !== "", "the command runs");
  // Without the server's token nobody reaches it.
  const stranger = await fetch(url, {
    method: "POST",
    headers: { authorization: "Bearer beta", "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tasks/cancel", params: { taskId } }),
  });
  assertEquals([stranger.status, await stranger.text()], [
    401,
    "Unauthorized: a valid bearer token is required",
  ]);
  const cancelled = await rpc(url, "tasks/cancel", { taskId });
  assertEquals(cancelled.result?.resultType, "complete");
  assert(!("status" in cancelled.result!), "the ack carries no task");
  const ended = await poll(url, taskId, (task) => task.status !== "working");
  assertEquals(ended.status, "cancelled");
  for (let i = 0; i < 50 && (await pgrep()) !== ""; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assertEquals(await pgrep(), "");
  // Cancelling an ended task is acknowledged the same way, and changes nothing.
  assertEquals((await rpc(url, "tasks/cancel", { taskId })).result?.resultType, "complete");
});

Deno.test(
  "a 2026-07-28 client without the extension gets plain results, however long the call",
  opts,
  async () => {
    await using served = serve();
    const client = new Client({ name: "plain", version: "1" }, {
      versionNegotiation: { mode: { pin: "2026-07-28" } },
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(served.http.url), {
        requestInit: { headers: { Authorization: "Bearer alpha" } },
      }),
    );
    try {
      const result = await client.callTool({
        name: "shell_exec",
        arguments: { command: "sleep 1.5; echo plain" },
      });
      assertEquals((result.structuredContent as { stdout: string }).stdout, "plain\n");
    } finally {
      await client.close();
    }
  },
);

Deno.test(
  "a 2026-07-28 python_exec becomes a task over stdio (deno task start)",
  opts,
  async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "start"],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const writer = child.stdin.getWriter();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    let id = 0;
    const request = async (method: string, params: Record<string, unknown>) => {
      const sent = ++id;
      await writer.write(new TextEncoder().encode(
        JSON.stringify({
          jsonrpc: "2.0",
          id: sent,
          method,
          params: {
            ...params,
            _meta: {
              "io.modelcontextprotocol/protocolVersion": "2026-07-28",
              "io.modelcontextprotocol/clientCapabilities": { extensions: { [TASKS]: {} } },
              "io.modelcontextprotocol/clientInfo": { name: "tasks-test", version: "1" },
            },
          },
        }) + "\n",
      ));
      for (;;) {
        const end = buffered.indexOf("\n");
        if (end >= 0) {
          const message = JSON.parse(buffered.slice(0, end));
          buffered = buffered.slice(end + 1);
          if (message.id === sent) return message.result as Record<string, unknown>;
          continue;
        }
        const { value, done } = await reader.read();
        assert(!done, "the server answers");
        buffered += value;
      }
    };
    try {
      const created = await request("tools/call", {
        name: "python_exec",
        arguments: {
          code: "import time\nfor i in range(3):\n    print(i, flush=True)\n    time.sleep(1)\n42",
        },
      });
      assertEquals(created.resultType, "task");
      let task = created;
      while (task.status === "working") {
        await new Promise((resolve) => setTimeout(resolve, 300));
        task = await request("tasks/get", { taskId: created.taskId });
      }
      assertEquals(task.status, "completed");
      const { structuredContent } = task.result as { structuredContent: Record<string, unknown> };
      assertEquals([structuredContent.stdout, structuredContent.result], ["0\n1\n2\n", "42"]);
    } finally {
      await writer.close();
      await reader.cancel();
      await child.status;
    }
  },
);

Deno.test(
  "a 2025-era session can neither read nor cancel a 2026-07-28 client's task",
  opts,
  async () => {
    await using served = serve();
    const url = served.http.url;
    const started = await shell(url, { command: "sleep 2; echo the-result-of-a" });
    assertEquals(started.result?.resultType, "task", JSON.stringify(started));
    const taskId = started.result!.taskId as string;
    // Another client opens a 2025-era session (the server's one token) and asks for the task by id.
    const post = async (body: Record<string, unknown>, session?: string) => {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: "Bearer alpha",
          ...session && { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
        },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      const data = text.split("\n").filter((l) => l.startsWith("data:")).at(-1)?.slice(5) ?? text;
      return { session: response.headers.get("mcp-session-id") ?? undefined, body: data };
    };
    const { session } = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: { tasks: {} },
        clientInfo: { name: "other", version: "1" },
      },
    });
    assert(session);
    await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session);
    for (const method of ["tasks/get", "tasks/result", "tasks/cancel"]) {
      const { body } = await post({ jsonrpc: "2.0", id: 2, method, params: { taskId } }, session);
      const answer = JSON.parse(body);
      assert(answer.error, `${method} answered ${body}`);
      assert(!body.includes("the-result-of-a"), body);
    }
    // The owner's task went on, uncancelled.
    const done = await poll(url, taskId, (task) => task.status !== "working");
    assertEquals(done.status, "completed", JSON.stringify(done));
    assertMatch(JSON.stringify(done.result), /the-result-of-a/);
  },
);

Deno.test(
  "a 2026-07-28 task's result is there for its token after its sandboxes idled out",
  opts,
  async () => {
    // The real server: each time a token came back after its sandboxes idled out, it got a new
    // random owner, and its tasks' results (promised for an hour) were found by none.
    await using server = await startHttpServer(
      ["--auth-token", "alpha", "--idle-minutes", "0.02"],
      { MCP_LOG_LEVEL: "info" },
    );
    const url = server.url;
    const started = await shell(url, { command: "sleep 2; echo kept-for-its-token" });
    assertEquals(started.result?.resultType, "task", JSON.stringify(started));
    const taskId = started.result!.taskId as string;
    await poll(url, taskId, (task) => task.status !== "working");
    await server.until(/2026-07-28 sandboxes of a token ended \(idle\)/);
    const { result, error } = await rpc(url, "tasks/get", { taskId });
    assertEquals(result?.status, "completed", JSON.stringify(error));
    assertMatch(JSON.stringify(result?.result), /kept-for-its-token/);
  },
);
