// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/inMemory"
import { InMemoryTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/inMemory.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import { LoggingMessageNotificationSchema } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { sessionTools, tools } from "../src/registry.ts";
import { silentLogger } from "../src/log.ts";
import { LocalProvider } from "../src/providers/local/mod.ts";
import { createServer } from "../src/server.ts";
import { createLogRelay } from "../src/log_relay.ts";
import { SandboxSession } from "../src/session.ts";
import { connect, eventually, hasBwrap, sandboxAgents, text } from "./_helpers.ts";
import { renderHandshake } from "../scripts/gen_handshake.ts";

Deno.test("tools/list offers exactly the registry's tools, with schemas and explicit annotations", async () => {
  await using mcp = await connect();
  const listed = (await mcp.client.listTools()).tools;
  const rows = [...tools, ...sessionTools];
  assertEquals(listed.map((t) => t.name), rows.map((t) => t.name));
  for (const tool of listed) {
    const row = rows.find((t) => t.name === tool.name)!;
    assertEquals(tool.title, row.title);
    assertEquals(tool.description, row.description);
    assertEquals(tool.inputSchema.type, "object");
    const extra = tools.includes(row as typeof tools[number]) ? ["sandbox_id"] : [];
    assertEquals(
      Object.keys(tool.inputSchema.properties ?? {}),
      [...Object.keys(row.inputSchema), ...extra],
    );
    assert(tool.outputSchema, `${tool.name} declares an output schema`);
    assertEquals(Object.keys(tool.outputSchema.properties ?? {}), Object.keys(row.outputSchema));
    for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"]) {
      assertEquals(
        typeof (tool.annotations as Record<string, unknown>)[hint],
        "boolean",
        `${tool.name}.${hint} is set`,
      );
    }
  }
});

Deno.test(
  "tools/list does not create a sandbox; the first call does, once",
  { ignore: !hasBwrap },
  async () => {
    let created = 0;
    await using mcp = await connect();
    const create = mcp.provider.create.bind(mcp.provider);
    mcp.provider.create = (options) => {
      created++;
      return create(options);
    };
    await mcp.client.listTools();
    assertEquals(created, 0);
    await Promise.all([
      mcp.call("shell_exec", { command: "true" }),
      mcp.call("python_exec", { code: "1" }),
      mcp.call("shell_exec", { command: "true" }),
    ]);
    assertEquals(created, 1, "concurrent first calls share one sandbox");
  },
);

Deno.test("a sandbox that died is replaced on the next call", { ignore: !hasBwrap }, async () => {
  await using mcp = await connect();
  await mcp.call("shell_exec", { command: "echo data > file" });
  const first = await mcp.session.sandbox();
  const [agent] = await sandboxAgents();
  // The supervisor dies (killed from the host, as the OOM killer would) during a call.
  const during = mcp.call("shell_exec", { command: "sleep 5" });
  await new Promise((resolve) => setTimeout(resolve, 300));
  Deno.kill(agent, "SIGKILL");
  const killed = await during;
  assertEquals(killed.isError, true);
  assertMatch(text(killed), /sandbox stopped unexpectedly.*next call starts a new sandbox/);
  const after = await mcp.call("shell_exec", { command: "cat file 2>&1; echo next" });
  assertEquals(after.isError, false);
  const second = await mcp.session.sandbox();
  assert(first !== second, "a new sandbox replaced the dead one");
  assertEquals(first.closed, true);
});

Deno.test("a call with a progress token gets the latest output line as progress", {
  ignore: !hasBwrap,
}, async () => {
  await using mcp = await connect();
  const updates: { progress: number; message?: string }[] = [];
  const result = await mcp.client.callTool(
    {
      name: "shell_exec",
      arguments: { command: "for i in 1 2 3 4; do echo step-$i; sleep 0.4; done" },
    },
    undefined,
    { onprogress: (update) => updates.push(update) },
  );
  assertEquals(result.isError, false);
  assert(updates.length >= 2, `${updates.length} progress notifications`);
  for (let i = 1; i < updates.length; i++) {
    assert(updates[i].progress > updates[i - 1].progress, "progress increases");
  }
  assert(updates.every((u) => /^step-\d$/.test(u.message ?? "")), JSON.stringify(updates));
});

Deno.test(
  "cancelling a call kills its process and the sandbox stays usable",
  { ignore: !hasBwrap },
  async () => {
    await using mcp = await connect();
    await mcp.call("python_exec", { code: "survivor = 'still here'" });
    for (
      const [name, args] of [
        ["shell_exec", { command: "sleep 601" }],
        ["python_exec", { code: "import time\ntime.sleep(602)" }],
      ] as const
    ) {
      const controller = new AbortController();
      const call = mcp.client.callTool({ name, arguments: args }, undefined, {
        signal: controller.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      await call.then(() => assert(false, "a cancelled call does not resolve"), () => {});
    }
    const ps = await mcp.call("shell_exec", { command: "ps -eo args" });
    assert(!text(ps).includes("sleep 60"), text(ps));
    const py = await mcp.call("python_exec", { code: "survivor" });
    assertMatch(text(py), /still here/);
  },
);

Deno.test("a quiet long call still sends increasing progress now and then", {
  ignore: !hasBwrap,
}, async () => {
  await using mcp = await connect();
  const updates: { progress: number; message?: string }[] = [];
  await mcp.client.callTool(
    { name: "shell_exec", arguments: { command: "echo warming up; sleep 5" } },
    undefined,
    { onprogress: (update) => updates.push(update) },
  );
  assert(updates.length >= 2, `${updates.length} progress notifications`);
  for (let i = 1; i < updates.length; i++) {
    assert(updates[i].progress > updates[i - 1].progress, "progress increases");
  }
  assertEquals(updates.at(-1)?.message, "warming up", "the latest output line is repeated");
});

Deno.test("server diagnostics reach the client as MCP log messages: info and above, then what setLevel asks", async () => {
  const relay = createLogRelay(silentLogger());
  await using provider = new LocalProvider({ log: relay.log });
  await using session = new SandboxSession(provider, relay.log);
  const server = createServer({
    session,
    log: relay.log,
    instructions: "test",
    limits: { maxOutputBytes: 1000, defaultTimeout: 10, maxImageBytes: 1000 },
    onLogLevel: relay.setLevel,
  });
  relay.attach(server);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "logs", version: "1" });
  const messages: { level: string; data: unknown }[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    messages.push(n.params);
  });
  await client.connect(clientSide);
  try {
    await client.callTool({ name: "file_list", arguments: { path: "/no/such/dir" } });
    await eventually(() => Promise.resolve(messages.some((m) => m.level === "warning")));
    assertMatch(
      String(messages.find((m) => m.level === "warning")?.data),
      /file_list: Cannot list/,
    );
    // A notification goes out before the reply it belongs with: once the call returns, it is in.
    await client.callTool({ name: "file_list", arguments: { path: "." } });
    assert(!messages.some((m) => m.level === "debug"), "no debug lines before the client asks");
    await client.setLoggingLevel("debug");
    await client.callTool({ name: "file_list", arguments: { path: "." } });
    await eventually(() =>
      Promise.resolve(
        messages.some((m) => m.level === "debug" && /file_list: ok/.test(`${m.data}`)),
      )
    );
    await client.setLoggingLevel("error");
    const before = messages.length;
    await client.callTool({ name: "file_list", arguments: { path: "/no/such/dir" } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assertEquals(messages.length, before, "warnings are filtered out at level error");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("_handshake.ts holds the server's own answers to initialize and tools/list (run `deno task gen`)", async () => {
  const committed = await Deno.readTextFile(new URL("../src/_handshake.ts", import.meta.url));
  assert(
    committed === await renderHandshake(),
    "src/_handshake.ts is stale (the tools or the MCP SDK changed): run `deno task gen` and commit it",
  );
});
