// Protocol revision 2026-07-28 (stateless: no initialize, no session), spoken by the official v2
// client (@modelcontextprotocol/client) over stdio and HTTP, against the same tool table the
// 2025-era tests run. Handles: over HTTP a call without sandbox_id gets a new sandbox, named in
// the result, and sandboxes belong to the bearer token.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { Client } from "npm:@modelcontextprotocol/client@2.4.0";
import { StdioClientTransport } from "npm:@modelcontextprotocol/client@2.4.0/stdio";
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/client@2.4.0";
import { serveHttp } from "../src/http.ts";
import type { ConnectionLimits } from "../src/_conn_guard.ts";
import { silentLogger } from "../src/log.ts";
import { createModernHttp, createModernServer, SANDBOX_META_KEY } from "../src/modern.ts";
import { LocalProvider } from "../src/providers/local/mod.ts";
import { sessionTools, tools as registry } from "../src/registry.ts";
import { createServer } from "../src/server.ts";
import { SandboxCounter, SandboxSession } from "../src/session.ts";
import { hasBwrap, ROOT } from "./_helpers.ts";

const opts = { ignore: !hasBwrap };
const log = silentLogger();
const LIMITS = { maxOutputBytes: 100_000, defaultTimeout: 300, maxImageBytes: 400_000 };
const MODERN = { versionNegotiation: { mode: { pin: "2026-07-28" } } } as const;

interface Result {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Result> {
  return await client.callTool({ name, arguments: args }) as unknown as Result;
}

/**
 * The tool table, as a 2026-07-28 client uses it: every call after the first names its sandbox.
 * Returns the sandbox id the first call reported.
 */
async function runToolTable(client: Client, { stdio }: { stdio: boolean }): Promise<string> {
  assertEquals(client.getNegotiatedProtocolVersion(), "2026-07-28");
  const { tools } = await client.listTools();
  assertEquals(
    tools.map((tool) => tool.name),
    [...registry, ...sessionTools].map((tool) => tool.name),
  );
  const first = await call(client, "python_exec", { code: "x = 6 * 7\nx" });
  assertEquals(first.isError, false);
  assertEquals(first.structuredContent?.result, "42");
  const id = first._meta?.[SANDBOX_META_KEY] as string;
  assertMatch(id, /^local-/);
  // Over HTTP nothing ties calls together but the handle, and the model is told so.
  assertEquals(first.content.some((c) => c.text?.includes(`sandbox_id="${id}"`)), !stdio);
  const again = await call(client, "python_exec", { code: "x + 1", sandbox_id: id });
  assertEquals(again.structuredContent?.result, "43");
  assertEquals(again._meta?.[SANDBOX_META_KEY], id);

  const shell = await call(client, "shell_exec", {
    command: "echo hi; echo err >&2",
    sandbox_id: id,
  });
  assertEquals([shell.structuredContent?.stdout, shell.structuredContent?.stderr], [
    "hi\n",
    "err\n",
  ]);
  const failed = await call(client, "shell_exec", { command: "exit 3", sandbox_id: id });
  assertEquals([failed.isError, failed.structuredContent?.exit_code], [true, 3]);
  const upload = await call(client, "file_upload", {
    file_path: "notes/a.txt",
    content: "hello\n",
    sandbox_id: id,
  });
  assertEquals(upload.structuredContent?.size, 6);
  const download = await call(client, "file_download", {
    file_path: "notes/a.txt",
    sandbox_id: id,
  });
  assertEquals(download.content[1], { type: "text", text: "hello\n" });
  const list = await call(client, "file_list", { path: "notes", sandbox_id: id });
  assertMatch(JSON.stringify(list.structuredContent), /a\.txt/);
  const bad = await call(client, "shell_exec", { command: 5, sandbox_id: id });
  assertEquals(bad.isError, true);
  assertMatch(bad.content[0].text!, /command/);

  const created = await call(client, "sandbox_create", {});
  const other = created.structuredContent?.sandbox_id as string;
  const listed = await call(client, "sandbox_list", {});
  const ids = (listed.structuredContent?.sandboxes as { sandbox_id: string }[]).map((s) =>
    s.sandbox_id
  );
  assert(ids.includes(id) && ids.includes(other), JSON.stringify(ids));
  const deleted = await call(client, "sandbox_delete", { sandbox_id: other });
  assertEquals(deleted.isError, false);
  const gone = await call(client, "shell_exec", { command: "true", sandbox_id: other });
  assertEquals(gone.isError, true);
  return id;
}

Deno.test(
  "a 2026-07-28 client runs the tool table over stdio (deno task start)",
  opts,
  async () => {
    const client = new Client({ name: "modern-stdio", version: "1" }, MODERN);
    await client.connect(
      new StdioClientTransport({
        command: Deno.execPath(),
        args: ["task", "--quiet", "start"],
        cwd: ROOT,
        env: { ...Deno.env.toObject(), NO_COLOR: "1" },
        stderr: "ignore",
      }),
    );
    try {
      const id = await runToolTable(client, { stdio: true });
      // Over stdio the process is the client's: a call without sandbox_id uses its default sandbox.
      const plain = await call(client, "python_exec", { code: "x" });
      assertEquals([plain.structuredContent?.result, plain._meta?.[SANDBOX_META_KEY]], ["42", id]);
    } finally {
      await client.close();
    }
  },
);

function serve(
  token?: string,
  maxSessions?: number,
  connections?: ConnectionLimits,
  evictIdleAfterMs?: number,
) {
  const provider = new LocalProvider({ log });
  const counter = new SandboxCounter(16);
  const newSession = () => new SandboxSession(provider, log, { counter, maxSandboxes: 4 });
  const http = serveHttp(
    { port: 0, log, token, maxSessions, connections, evictIdleAfterMs },
    () => {
      const session = newSession();
      return {
        session,
        server: createServer({ session, log, instructions: "test", limits: LIMITS }),
      };
    },
    {
      session: newSession,
      load: () =>
        Promise.resolve((session) =>
          createModernHttp(
            () =>
              createModernServer({
                session,
                withoutId: "new",
                log,
                instructions: "t",
                limits: LIMITS,
              }),
            () => {},
          )
        ),
    },
  );
  return {
    http,
    async client(headers: Record<string, string> = {}) {
      const client = new Client({ name: "modern-http", version: "1" }, MODERN);
      await client.connect(
        new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers } }),
      );
      return client;
    },
    async [Symbol.asyncDispose]() {
      await http.close();
      await provider.close();
    },
  };
}

Deno.test("a 2026-07-28 client runs the tool table over HTTP, with no session", opts, async () => {
  await using served = serve();
  const client = await served.client();
  try {
    await runToolTable(client, { stdio: false });
    assertEquals(served.http.sessions, 0);
  } finally {
    await client.close();
  }
});

Deno.test(
  "over HTTP, 2026-07-28 sandboxes belong to their token and are found by handle",
  opts,
  async () => {
    await using served = serve("alpha-token");
    const alice = await served.client({ Authorization: "Bearer alpha-token" });
    const first = await call(alice, "shell_exec", { command: "echo 1 > /tmp/mark" });
    const id = first._meta?.[SANDBOX_META_KEY] as string;
    // A call without sandbox_id starts elsewhere; with the handle it finds the file.
    const fresh = await call(alice, "shell_exec", { command: "cat /tmp/mark" });
    assert(fresh.isError && fresh._meta?.[SANDBOX_META_KEY] !== id);
    const same = await call(alice, "shell_exec", { command: "cat /tmp/mark", sandbox_id: id });
    assertEquals(same.structuredContent?.stdout, "1\n");
    // A 2025-era session with the same token does not see them: sessions stay apart.
    await alice.close();
  },
);

Deno.test(
  "at the cap, a new bearer value takes the place of the idlest one without a sandbox; 503 when every one has one",
  opts,
  async () => {
    // Without a token, 1024 made-up bearer values locked every 2026-07-28 client out for 30
    // minutes: each got a place on its first request, even one that made no sandbox.
    await using served = serve(undefined, 2, undefined, 500);
    const alice = await served.client({ Authorization: "Bearer alice" });
    const made = await call(alice, "shell_exec", { command: "echo a > /tmp/mark" });
    const id = made._meta?.[SANDBOX_META_KEY] as string;
    const bob = await served.client({ Authorization: "Bearer bob" });
    await bob.listTools();
    await new Promise((resolve) => setTimeout(resolve, 600)); // bob idle long enough
    const carol = await served.client({ Authorization: "Bearer carol" }); // bob's place
    await call(carol, "shell_exec", { command: "true" });
    const same = await call(alice, "shell_exec", { command: "cat /tmp/mark", sandbox_id: id });
    assertEquals(same.structuredContent?.stdout, "a\n");
    const refused = await fetch(served.http.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        authorization: "Bearer dave",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    assertEquals(refused.status, 503);
    assertMatch(JSON.stringify(await refused.json()), /2 bearer tokens with sandboxes/);
    for (const client of [alice, bob, carol]) await client.close().catch(() => {});
  },
);

Deno.test(
  "a 2026-07-28 call that outlasts the connection idle timeout is answered over a stream that keeps it alive",
  opts,
  async () => {
    // The v2 SDK answers a call that sends nothing before its result with one JSON body at its
    // end; a connection that carried nothing for the idle timeout was closed, and the call lost.
    // (Idle for 1.5 s: the answer turns into a stream at 1 s, and 1 s raced it under load.)
    await using served = serve(undefined, undefined, { idleTimeoutMs: 1500 });
    const client = await served.client();
    try {
      const result = await call(client, "shell_exec", { command: "sleep 3; echo done" });
      assertEquals(result.structuredContent?.stdout, "done\n", JSON.stringify(result));
    } finally {
      await client.close();
    }
  },
);
