// Streamable HTTP: real SDK clients against serveHttp, each session with its own sandbox.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { CallToolResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { type HttpServer, serveHttp } from "../src/http.ts";
import { silentLogger } from "../src/log.ts";
import { LocalProvider } from "../src/providers/local.ts";
import { createServer } from "../src/server.ts";
import { SandboxSession } from "../src/session.ts";
import { eventually, hasBwrap, initializeRequest } from "./_helpers.ts";

const opts = { ignore: !hasBwrap };
const log = silentLogger();

interface Served extends AsyncDisposable {
  http: HttpServer;
  provider: LocalProvider;
  client(headers?: Record<string, string>): Promise<Client>;
}

function serve(options: { token?: string; idleMinutes?: number } = {}): Served {
  const provider = new LocalProvider({ log });
  const http = serveHttp({ port: 0, log, ...options }, () => {
    const session = new SandboxSession(provider, log);
    const server = createServer({
      session,
      log,
      instructions: "test",
      limits: { maxOutputBytes: 100_000, defaultTimeout: 300, maxImageBytes: 400_000 },
    });
    return { session, server };
  });
  const clients: Client[] = [];
  return {
    http,
    provider,
    async client(headers = {}) {
      const transport = new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers },
      });
      const client = new Client({ name: "http-test", version: "1" });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async [Symbol.asyncDispose]() {
      for (const client of clients) await client.close().catch(() => {});
      await http.close();
      await provider.close();
    },
  };
}

async function shell(client: Client, command: string, signal?: AbortSignal) {
  const result = await client.callTool({ name: "shell_exec", arguments: { command } }, undefined, {
    signal,
  }) as CallToolResult;
  return result.structuredContent as { stdout: string; exit_code: number };
}

Deno.test("two HTTP clients at once get separate sandboxes", opts, async () => {
  await using served = serve();
  const [a, b] = await Promise.all([served.client(), served.client()]);
  await Promise.all([shell(a, "echo mine > note.txt"), shell(b, "echo other > note.txt")]);
  assertEquals((await shell(a, "cat note.txt")).stdout, "mine\n");
  assertEquals((await shell(b, "cat note.txt")).stdout, "other\n");
  await shell(a, "echo only-a > /tmp/a-only");
  assertEquals(
    (await shell(b, "cat /tmp/a-only 2>&1 || echo absent")).stdout.trim().split("\n").at(-1),
    "absent",
  );
  assertEquals(served.http.sessions, 2);
  assertEquals((await served.provider.list()).length, 2);
});

Deno.test(
  "a 20-second command with a progress token reports progress over HTTP",
  opts,
  async () => {
    await using served = serve();
    const client = await served.client();
    const updates: { progress: number; message?: string }[] = [];
    const result = await client.callTool(
      {
        name: "shell_exec",
        arguments: { command: "for i in $(seq 20); do echo tick $i; sleep 1; done" },
      },
      undefined,
      { onprogress: (update) => updates.push(update), timeout: 60_000 },
    ) as CallToolResult;
    assertEquals(result.isError, false);
    assert(updates.length >= 5, `${updates.length} progress notifications`);
    for (let i = 1; i < updates.length; i++) assert(updates[i].progress > updates[i - 1].progress);
    assertMatch(updates.at(-1)?.message ?? "", /^tick \d+$/);
  },
);

Deno.test(
  "cancelling an HTTP call kills sleep 600 and the next call answers at once",
  opts,
  async () => {
    await using served = serve();
    const client = await served.client();
    const controller = new AbortController();
    const call = shell(client, "sleep 600", controller.signal);
    await eventually(async () => (await shell(client, "ps -eo args")).stdout.includes("sleep 600"));
    controller.abort();
    await call.then(() => assert(false, "a cancelled call does not resolve"), () => {});
    await eventually(async () =>
      !(await shell(client, "ps -eo args")).stdout.includes("sleep 600")
    );
    assertEquals((await shell(client, "echo next")).stdout, "next\n");
  },
);

Deno.test("a client that disconnects mid-call stops the call's processes", opts, async () => {
  await using served = serve();
  const client = await served.client();
  const sessionId = (client as unknown as { _transport: { sessionId: string } })._transport
    .sessionId;
  const controller = new AbortController();
  const response = await fetch(served.http.url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 99,
      method: "tools/call",
      params: { name: "shell_exec", arguments: { command: "sleep 601" } },
    }),
    signal: controller.signal,
  });
  assertEquals(response.status, 200);
  await eventually(async () => (await shell(client, "ps -eo args")).stdout.includes("sleep 601"));
  controller.abort();
  await response.body?.cancel().catch(() => {});
  await eventually(async () => !(await shell(client, "ps -eo args")).stdout.includes("sleep 601"));
});

Deno.test("a forged Host or Origin gets 403; a non-initialize request without a session 400", async () => {
  await using served = serve();
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(served.http.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        ...headers,
      },
      body: JSON.stringify(body),
    }).then(async (response) => {
      await response.body?.cancel();
      return response.status;
    });
  const init = initializeRequest(1);
  assertEquals(await post({ Origin: "https://evil.example" }, init), 403);
  assertEquals(
    await post({ Origin: "http://localhost:3000" }, init),
    200,
    "a local origin is fine",
  );
  assertEquals(await rawStatus(served.http.url, "evil.example"), 403, "DNS rebinding");
  assertEquals(await rawStatus(served.http.url, new URL(served.http.url).host), 200);
  assertEquals(await post({}, { jsonrpc: "2.0", id: 2, method: "tools/list" }), 400);
  assertEquals(
    await post({ "mcp-session-id": "unknown" }, { jsonrpc: "2.0", id: 3, method: "tools/list" }),
    404,
  );
  const big = await fetch(served.http.url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ...init, pad: "x".repeat(5 * 1024 * 1024) }),
  });
  await big.body?.cancel();
  assertEquals(big.status, 413);
  const other = await fetch(served.http.url.replace("/mcp", "/other"));
  await other.body?.cancel();
  assertEquals(other.status, 404);
});

Deno.test(
  "with a token set, a wrong or missing token gets 401 and the right one works",
  opts,
  async () => {
    await using served = serve({ token: "s3cret-token" });
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Bearer wrong" },
      { Authorization: "s3cret-token" },
    ];
    for (const headers of attempts) {
      const response = await fetch(served.http.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: "{}",
      });
      await response.body?.cancel();
      assertEquals(response.status, 401, JSON.stringify(headers));
      assertEquals(response.headers.get("www-authenticate"), 'Bearer realm="mcp"');
    }
    const client = await served.client({ Authorization: "Bearer s3cret-token" });
    assertEquals((await shell(client, "echo authorised")).stdout, "authorised\n");
  },
);

Deno.test("session DELETE and the idle timeout remove the session's sandbox", opts, async () => {
  await using served = serve({ idleMinutes: 0.02 });
  const client = await served.client();
  await shell(client, "true");
  assertEquals((await served.provider.list()).length, 1);
  await (client as unknown as { _transport: StreamableHTTPClientTransport })._transport
    .terminateSession();
  await eventually(async () => (await served.provider.list()).length === 0);
  assertEquals(served.http.sessions, 0);
  const idle = await served.client();
  await shell(idle, "true");
  assertEquals(served.http.sessions, 1);
  await eventually(() => Promise.resolve(served.http.sessions === 0), 10_000);
  assertEquals((await served.provider.list()).length, 0, "the idle session's sandbox is gone");
});

Deno.test("listening beyond loopback requires a token", () => {
  assertThrows(() =>
    serveHttp({ hostname: "0.0.0.0", port: 0, log }, () => {
      throw new Error("not reached");
    }), /Cannot listen on 0\.0\.0\.0 without a token.*MCP_AUTH_TOKEN/);
});

/** POSTs an initialize request with a chosen Host header (fetch will not forge one). */
async function rawStatus(url: string, host: string): Promise<number> {
  const { port } = new URL(url);
  const body = JSON.stringify(initializeRequest(1));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
  try {
    await conn.write(new TextEncoder().encode(
      `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    ));
    const buffer = new Uint8Array(64);
    const read = await conn.read(buffer);
    return Number(new TextDecoder().decode(buffer.subarray(0, read ?? 0)).split(" ")[1]);
  } finally {
    conn.close();
  }
}
