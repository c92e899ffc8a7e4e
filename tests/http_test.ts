// Streamable HTTP: real SDK clients against serveHttp, each session with its own sandboxes and
// nobody else's, within the caps; and sandbox code that cannot drive its own server.

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
import { DaytonaProvider } from "../src/providers/daytona/mod.ts";
import type { ConnectionLimits } from "../src/_conn_guard.ts";
import { LocalProvider } from "../src/providers/local/mod.ts";
import type { SandboxProvider } from "../src/sandbox.ts";
import { createServer } from "../src/server.ts";
import { SandboxCounter, SandboxSession } from "../src/session.ts";
import type { SandboxCreateOutput } from "../src/tools/sandbox_create.ts";
import type { SandboxListOutput } from "../src/tools/sandbox_list.ts";
import { startFakeDaytona } from "./daytona/fake_server.ts";
import {
  eventually,
  hasBwrap,
  initializeRequest,
  openDescriptors,
  sandboxAgents,
  startHttpServer,
  text,
} from "./_helpers.ts";

const opts = { ignore: !hasBwrap };
const log = silentLogger();

interface Served extends AsyncDisposable {
  http: HttpServer;
  provider: SandboxProvider;
  client(headers?: Record<string, string>): Promise<Client>;
}

interface ServeOptions {
  token?: string;
  idleMinutes?: number;
  /** Closed with the server. @default a local provider */
  provider?: SandboxProvider;
  /** Caps, as the server's flags set them. @default 16 and 4, the flags' defaults */
  maxSandboxes?: number;
  maxSandboxesPerSession?: number;
  connections?: ConnectionLimits;
  maxSessions?: number;
  bodyBudgetBytes?: number;
  bodyTimeoutMs?: number;
  answerBudgetBytes?: number;
  evictIdleAfterMs?: number;
}

function serve(options: ServeOptions = {}): Served {
  const provider = options.provider ?? new LocalProvider({ log });
  const counter = new SandboxCounter(options.maxSandboxes ?? 16);
  const { token, idleMinutes } = options;
  const http = serveHttp(
    {
      port: 0,
      log,
      token,
      idleMinutes,
      connections: options.connections,
      maxSessions: options.maxSessions,
      bodyBudgetBytes: options.bodyBudgetBytes,
      bodyTimeoutMs: options.bodyTimeoutMs,
      answerBudgetBytes: options.answerBudgetBytes,
      evictIdleAfterMs: options.evictIdleAfterMs,
    },
    () => {
      const session = new SandboxSession(provider, log, {
        counter,
        maxSandboxes: options.maxSandboxesPerSession ?? 4,
      });
      const server = createServer({
        session,
        log,
        instructions: "test",
        limits: { maxOutputBytes: 100_000, defaultTimeout: 300, maxImageBytes: 400_000 },
      });
      return { session, server };
    },
  );
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

/**
 * A shell_exec call POSTed by hand in `client`'s session, for what the SDK's client hides (the
 * answer's form) or cannot do (leave mid-call): the fetch as it comes.
 */
function postShell(
  url: string,
  client: Client,
  id: number,
  command: string,
  options: { meta?: Record<string, unknown>; signal?: AbortSignal } = {},
): Promise<Response> {
  const { sessionId } = (client as unknown as { _transport: { sessionId: string } })._transport;
  return fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: {
        name: "shell_exec",
        arguments: { command },
        ...(options.meta ? { _meta: options.meta } : {}),
      },
    }),
    signal: options.signal,
  });
}

/** Whether a process of `command` runs in the sandbox of `client`'s session. */
async function runs(client: Client, command: string): Promise<boolean> {
  return (await shell(client, "ps -eo args")).stdout.includes(command);
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  return await client.callTool({ name, arguments: args }) as CallToolResult;
}

async function listed(client: Client): Promise<string[]> {
  const result = await call(client, "sandbox_list");
  return (result.structuredContent as unknown as SandboxListOutput).sandboxes.map((s) =>
    s.sandbox_id
  );
}

async function created(client: Client): Promise<string> {
  const result = await call(client, "sandbox_create");
  assertEquals(result.isError, false, text(result));
  return (result.structuredContent as unknown as SandboxCreateOutput).sandbox_id;
}

/** Both providers, the Daytona one against the fake API (its sandboxes are local ones). */
const providers: [string, () => Promise<SandboxProvider & { stop?: () => Promise<void> }>][] = [
  ["local", () => Promise.resolve(new LocalProvider({ log }))],
  ["daytona", async () => {
    const fake = await startFakeDaytona();
    const daytona = new DaytonaProvider({
      apiKey: fake.apiKey,
      apiUrl: fake.apiUrl,
      target: "us",
      log,
    });
    // Closing the provider deletes its sandboxes through the fake, then the fake stops.
    const close = daytona.close.bind(daytona);
    return Object.assign(daytona, {
      close: async () => {
        try {
          await close();
        } finally {
          await fake.close();
        }
      },
    });
  }],
];

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
    await eventually(() => runs(client, "sleep 600"));
    controller.abort();
    await call.then(() => assert(false, "a cancelled call does not resolve"), () => {});
    await eventually(async () => !await runs(client, "sleep 600"));
    assertEquals((await shell(client, "echo next")).stdout, "next\n");
  },
);

Deno.test("a client that disconnects mid-call stops the call's processes", opts, async () => {
  await using served = serve();
  const client = await served.client();
  const controller = new AbortController();
  const { signal } = controller;
  const response = await postShell(served.http.url, client, 99, "sleep 601", { signal });
  assertEquals(response.status, 200);
  await eventually(() => runs(client, "sleep 601"));
  controller.abort();
  await response.body?.cancel().catch(() => {});
  await eventually(async () => !await runs(client, "sleep 601"));
});

Deno.test(
  "a call whose session is deleted while it runs gets an answer saying so",
  opts,
  async () => {
    // Its answer, awaited from a transport that had closed, never came: the stream sent only
    // keep-alive comments for as long as the client held it, and kept the session's objects.
    await using served = serve();
    const client = await served.client();
    const { sessionId } = (client as unknown as { _transport: { sessionId: string } })._transport;
    const response = await postShell(served.http.url, client, 96, "sleep 30");
    assertEquals(response.headers.get("content-type"), "text/event-stream");
    const deleted = await fetch(served.http.url, {
      method: "DELETE",
      headers: { "mcp-session-id": sessionId },
    });
    await deleted.body?.cancel();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const text = await Promise.race([
      response.text(),
      new Promise<string>((resolve) => timer = setTimeout(resolve, 20_000, "no answer in 20 s")),
    ]).finally(() => clearTimeout(timer));
    assertMatch(
      text,
      /"id":96,"error":\{"code":-32000,"message":"The session ended before the call answered"\}/,
    );
  },
);

Deno.test(
  "a client that disconnects mid-call with a progress token (an event stream) stops the call's processes",
  opts,
  async () => {
    await using served = serve();
    const client = await served.client();
    const controller = new AbortController();
    const response = await postShell(served.http.url, client, 97, "sleep 603", {
      meta: { progressToken: 97 },
      signal: controller.signal,
    });
    assertEquals(response.headers.get("content-type"), "text/event-stream");
    await eventually(() => runs(client, "sleep 603"));
    controller.abort();
    await response.body?.cancel().catch(() => {});
    await eventually(async () => !await runs(client, "sleep 603"));
  },
);

Deno.test(
  "a client that disconnects before its call's answer turns into a stream stops the call's processes",
  opts,
  async () => {
    await using served = serve();
    const client = await served.client();
    const controller = new AbortController();
    // The answer's headers come only after a second (or with the answer): leave before.
    const response = postShell(served.http.url, client, 98, "sleep 602", {
      signal: controller.signal,
    }).catch(() => undefined);
    await eventually(() => runs(client, "sleep 602"));
    controller.abort();
    assertEquals(await response, undefined, "the client left before any answer");
    await eventually(async () => !await runs(client, "sleep 602"));
  },
);

Deno.test(
  "a quick call is answered in JSON, a long one and one with a progress token by an event stream",
  opts,
  async () => {
    await using served = serve();
    const client = await served.client();
    let id = 100;
    const call = async (command: string, meta?: Record<string, unknown>) => {
      const response = await postShell(served.http.url, client, ++id, command, { meta });
      const body = await response.text();
      return { type: response.headers.get("content-type"), body };
    };
    const quick = await call("echo quick");
    assertEquals(quick.type, "application/json");
    assertEquals(JSON.parse(quick.body).result.structuredContent.stdout, "quick\n");
    const long = await call("sleep 1.5; echo long");
    assertEquals(long.type, "text/event-stream");
    assert(long.body.includes(String.raw`"stdout":"long\n"`), long.body);
    const tracked = await call("echo tracked", { progressToken: 1 });
    assertEquals(tracked.type, "text/event-stream");
    assert(tracked.body.includes(String.raw`"stdout":"tracked\n"`), tracked.body);
  },
);

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
  // Host values that make no URL: refused the same way, not a 500 with a stack trace in the log.
  for (const host of ["a b", "%", "127.0.0.1:99999", `${new URL(served.http.url).host}.`]) {
    assertEquals(await rawStatus(served.http.url, host), 403, host);
  }
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

for (const [name, makeProvider] of providers) {
  Deno.test(
    `${name}: session B cannot list, use or delete session A's sandboxes; their ids are "not found" like made-up ones`,
    opts,
    async () => {
      await using served = serve({ provider: await makeProvider() });
      const [a, b] = await Promise.all([served.client(), served.client()]);
      await shell(a, "echo secret-of-a > mine.txt");
      const aExtra = await created(a);
      const aIds = await listed(a);
      assertEquals(aIds.length, 2);
      assert(aIds.includes(aExtra));
      const aDefault = aIds.find((id) => id !== aExtra)!;

      assertEquals(await listed(b), [], "B has no sandbox yet and sees none of A's");
      await shell(b, "true");
      const bIds = await listed(b);
      assertEquals(bIds.length, 1);
      assert(!aIds.includes(bIds[0]));
      assertEquals((await listed(a)).sort(), [...aIds].sort(), "A does not see B's either");

      // What B gets back for an id, with the id itself blanked out.
      const answers = async (id: string) => {
        const blank = (result: CallToolResult) => ({
          isError: result.isError,
          text: text(result).replaceAll(id, "<id>"),
          structured: result.structuredContent,
        });
        const read = await b.readResource({ uri: `sandbox://${id}/home/sandbox/mine.txt` })
          .then(() => "read", (error) => String(error.message).replaceAll(id, "<id>"));
        return {
          shell: blank(await call(b, "shell_exec", { command: "cat mine.txt", sandbox_id: id })),
          python: blank(await call(b, "python_exec", { code: "1", sandbox_id: id })),
          files: blank(await call(b, "file_list", { sandbox_id: id })),
          delete: blank(await call(b, "sandbox_delete", { sandbox_id: id })),
          read,
        };
      };
      // Made up with the same shape as a real id.
      const madeUp = aDefault.slice(0, -4) + (aDefault.endsWith("0000") ? "1111" : "0000");
      const never = await answers(madeUp);
      assertEquals(never.shell.isError, true);
      assertMatch(never.shell.text, /^Cannot find sandbox <id>: this session did not create it/);
      assertEquals(never.delete.isError, true);
      assert(never.read !== "read", "a resource of an unknown sandbox is not read");
      for (const id of [aDefault, aExtra]) {
        assertEquals(await answers(id), never, `B's answers for A's ${id}`);
      }

      assertEquals((await shell(a, "cat mine.txt")).stdout, "secret-of-a\n", "A's sandbox lives");
      const extra = await call(a, "shell_exec", { command: "echo extra", sandbox_id: aExtra });
      assertEquals((extra.structuredContent as { stdout: string }).stdout, "extra\n");
      assertEquals((await listed(a)).sort(), [...aIds].sort());
    },
  );

  Deno.test(
    `${name}: the per-session and per-server caps give a clear error, and a deleted sandbox frees its place`,
    opts,
    async () => {
      await using served = serve({
        provider: await makeProvider(),
        maxSandboxes: 3,
        maxSandboxesPerSession: 2,
      });
      const [a, b] = await Promise.all([served.client(), served.client()]);
      await shell(a, "true"); // A's default: 1 of A's 2, 1 of the server's 3
      const aExtra = await created(a);
      const perSession = await call(a, "sandbox_create");
      assertEquals(perSession.isError, true);
      assertMatch(
        text(perSession),
        /^Cannot create a sandbox: this session already has 2 sandboxes \(its default one included\).*--max-sandboxes-per-session.*sandbox_delete.*MCP_MAX_SANDBOXES_PER_SESSION/,
      );
      await shell(b, "true"); // the server's third
      const perServer = await call(b, "sandbox_create");
      assertEquals(perServer.isError, true);
      assertMatch(
        text(perServer),
        /^Cannot create a sandbox: the server already has 3 sandboxes across its sessions.*--max-sandboxes\).*sandbox_delete.*MCP_MAX_SANDBOXES\)/,
      );
      assertEquals((await served.provider.list()).length, 3, "no sandbox was made past a cap");

      assertEquals((await call(a, "sandbox_delete", { sandbox_id: aExtra })).isError, false);
      const bExtra = await created(b); // the place A freed
      assertEquals((await call(a, "sandbox_create")).isError, true, "the server is full again");

      // A sandbox that dies (closed behind the session's back) frees its place too.
      await (await served.provider.get(bExtra)).close();
      await created(a);
      assertEquals((await served.provider.list()).length, 3);
    },
  );
}

Deno.test("concurrent sandbox_create calls never exceed the server's cap", opts, async () => {
  await using served = serve({ maxSandboxes: 3, maxSandboxesPerSession: 0 });
  const client = await served.client();
  const results = await Promise.all(
    Array.from({ length: 6 }, () => call(client, "sandbox_create")),
  );
  assertEquals(results.filter((r) => !r.isError).length, 3);
  for (const refused of results.filter((r) => r.isError)) {
    assertMatch(text(refused), /the server already has 3 sandboxes/);
  }
  assertEquals((await served.provider.list()).length, 3);
});

/** Python that POSTs an initialize request to `url` and prints what came back. */
function driveServer(url: string): string {
  return `
import json, urllib.request, urllib.error
body = json.dumps(${JSON.stringify(initializeRequest(1))}).encode()
request = urllib.request.Request(${JSON.stringify(url)}, data=body, headers={
    "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        print("status", response.status, response.headers.get("mcp-session-id"))
except urllib.error.HTTPError as error:
    print("status", error.code)
except Exception as error:
    print("unreachable", type(error).__name__, error)
`;
}

Deno.test(
  "code in a local sandbox cannot open an MCP session on its own HTTP server; with a token and the host network it gets 401",
  opts,
  async () => {
    const attempt = async (url: string, headers: Record<string, string>) => {
      const client = new Client({ name: "http-test", version: "1" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers },
        }),
      );
      try {
        const result = await call(client, "python_exec", { code: driveServer(url) });
        return (result.structuredContent as { stdout: string }).stdout;
      } finally {
        await client.close();
      }
    };
    {
      // The default network (internet) is the sandbox's own: the server's port is not on it.
      await using open = await startHttpServer([]);
      const got = await attempt(open.url, {});
      assertMatch(got, /^unreachable /, `the sandbox reached its server: ${got}`);
    }
    {
      const token = "sandbox-cannot-know-this";
      await using guarded = await startHttpServer(["--network", "host"], {
        MCP_AUTH_TOKEN: token,
      });
      const got = await attempt(guarded.url, { Authorization: `Bearer ${token}` });
      assertEquals(got, "status 401\n", "the port is reachable, the server refuses");
    }
  },
);

/** Python for python_exec: takes every inotify instance and pipe buffer page its uid may have. */
const HOG_QUOTAS = `
import ctypes, fcntl, os
libc = ctypes.CDLL(None, use_errno=True)
inotify = []
while len(inotify) < 4096 and (fd := libc.inotify_init1(0)) >= 0:
    inotify.append(fd)
pipes = []
try:
    while len(pipes) < 1000:
        pipes.append(os.pipe())
        fcntl.fcntl(pipes[-1][1], 1031, 1 << 20)  # F_SETPIPE_SZ: 256 pages each
except OSError:  # EPERM: the uid's soft limit (16384 pages by default) is reached
    pipes += [os.pipe() for _ in range(300)]
print(len(inotify), len(pipes))
`;

/** Python: whether an inotify instance can be had, and the size a new pipe gets. */
const PROBE_QUOTAS = `
import ctypes, fcntl, os
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
r, w = os.pipe()
print("inotify", "ok" if fd >= 0 else os.strerror(ctypes.get_errno()), "pipe", fcntl.fcntl(w, 1032))
`;

Deno.test(
  "one HTTP client's sandbox cannot use up the per-user kernel quotas of another's (a root server)",
  { ignore: !hasBwrap || Deno.uid() !== 0 },
  async () => {
    // The kernel counts inotify instances and pipe buffer pages per host uid. With every
    // sandbox running as nobody, one client's code took them all and another client's
    // sandbox got EMFILE from inotify_init and 8 KiB pipes instead of 64 KiB.
    await using server = await startHttpServer([]);
    const connect = async () => {
      const client = new Client({ name: "http-test", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      return client;
    };
    const [a, b] = [await connect(), await connect()];
    try {
      const python = async (client: Client, code: string) => {
        const result = await call(client, "python_exec", { code });
        assertEquals(result.isError, false, text(result));
        return (result.structuredContent as { stdout: string }).stdout.trim();
      };
      for (const client of [a, b]) {
        assertEquals(await python(client, PROBE_QUOTAS), "inotify ok pipe 65536");
      }
      // Each client's sandbox runs as a host uid of its own: neither root nor nobody.
      const agents = await sandboxAgents();
      assertEquals(agents.length, 2);
      const uids = await Promise.all(agents.map(async (pid) => {
        const ps = await new Deno.Command("ps", { args: ["-o", "uid=", "-p", String(pid)] })
          .output();
        return Number(new TextDecoder().decode(ps.stdout).trim());
      }));
      assert(uids[0] !== uids[1], `both clients' sandboxes run as host uid ${uids[0]}`);
      for (const uid of uids) assert(uid !== 0 && uid !== 65534, `a sandbox runs as uid ${uid}`);
      const [instances, pipes] = (await python(a, HOG_QUOTAS)).split(" ").map(Number);
      // A sandbox gets a quarter of its uid's inotify instances (escape_test); pipe buffer pages
      // are counted for the uid alone, so there the hog takes everything its uid may have.
      assert(instances >= 1 && pipes >= 60, `the hog took ${instances} and ${pipes} only`);
      assertEquals(await python(a, PROBE_QUOTAS), "inotify Too many open files pipe 8192");
      assertEquals(await python(b, PROBE_QUOTAS), "inotify ok pipe 65536");
    } finally {
      await a.close();
      await b.close();
    }
  },
);

Deno.test(
  "idle and slow connections are capped and cut off, and the server keeps answering",
  opts,
  async () => {
    await using served = serve({
      connections: { maxConnections: 64, maxPerAddress: 40, headerTimeoutMs: 1000 },
    });
    const port = Number(new URL(served.http.url).port);
    const before = await openDescriptors();
    // Connections that send nothing: beyond the cap they are closed at once.
    const idle = await Promise.all(
      Array.from({ length: 200 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const held = (await openDescriptors()) - before - idle.length; // the server's side only
    assert(held <= 40 + 5, `the server holds ${held} descriptors for 200 idle connections`);
    // A request header sent a byte at a time is cut off after the header timeout.
    const slow = await Deno.connect({ hostname: "127.0.0.1", port });
    const header = new TextEncoder().encode("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    let cut = false;
    for (let i = 0; i < header.length && !cut; i++) {
      try {
        await slow.write(header.subarray(i, i + 1));
      } catch {
        cut = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert(cut, "a header trickling in for over 3 s was let through");
    slow.close();
    // The idle ones are gone after the timeout too, and the server serves a client meanwhile.
    for (const conn of idle) {
      const n = await conn.read(new Uint8Array(16)).catch(() => null);
      assertEquals(n, null);
      conn.close();
    }
    const client = await served.client();
    assert((await client.listTools()).tools.some((tool) => tool.name === "shell_exec"));
  },
);

Deno.test(
  "a server out of descriptors keeps running and serves again once they come back",
  opts,
  async () => {
    // Deno.serve's accept loop dies when it runs out of descriptors, and with it the process:
    // the guard in front of it waits instead.
    await using server = await startHttpServer([], {}, { fileLimit: 300 });
    const port = Number(new URL(server.url).port);
    const idle: Deno.Conn[] = [];
    for (let i = 0; i < 400; i++) {
      try {
        idle.push(await Deno.connect({ hostname: "127.0.0.1", port }));
      } catch {
        break;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const conn of idle) conn.close();
    let status = 0;
    await eventually(async () => {
      status = await rawStatus(server.url, new URL(server.url).host).catch(() => 0);
      return status !== 0;
    }, 20_000);
    assertEquals(status, 200); // an initialize, answered
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert(!server.exited, "the server exited");
  },
);

Deno.test(
  "at the session cap a new session takes the place of the idlest one without a sandbox; 503 when every one has one",
  opts,
  async () => {
    // One client opened 1024 empty sessions in 3 s and every other client got 503 for 30 minutes.
    await using served = serve({
      maxSessions: 2,
      evictIdleAfterMs: 1000,
      provider: new LocalProvider({ log }),
    });
    const initialize = (id: number) =>
      fetch(served.http.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify(initializeRequest(id)),
      });
    const a = await served.client();
    assertEquals((await shell(a, "echo a > mine; cat mine")).stdout, "a\n");
    const empty = await initialize(1);
    await empty.body?.cancel();
    const emptyId = empty.headers.get("mcp-session-id")!;
    assert(emptyId);
    // Full: an empty session idle under a second keeps its place (a flood of new sessions
    // evicted a client's between its handshake and its first call)...
    const early = await initialize(2);
    assertEquals(early.status, 503);
    await early.body?.cancel();
    // ...and gives it once idle longer; the one with a sandbox keeps its own.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const c = await served.client();
    const gone = await fetch(served.http.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": emptyId,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    });
    await gone.body?.cancel();
    assertEquals(gone.status, 404);
    assertEquals((await shell(a, "cat mine")).stdout, "a\n");
    // Every session holds a sandbox: no place for another.
    await shell(c, "true");
    const refused = await initialize(3);
    assertEquals(refused.status, 503);
    assertMatch(
      (await refused.json()).error.message,
      /Cannot open a session: the server has 2 sessions/,
    );
  },
);

/** A raw connection to `url`'s port that sends `head` (and `body`), and reads what comes back. */
async function rawConnection(url: string, head: string, body: Uint8Array = new Uint8Array()) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(url).port) });
  await conn.write(new TextEncoder().encode(head));
  for (let at = 0; at < body.length;) at += await conn.write(body.subarray(at));
  let received = "";
  const buffer = new Uint8Array(65536);
  return {
    conn,
    /**
     * What arrived until `until` matches it, or null when the connection ended first; throws
     * after 20 s.
     */
    async read(until: RegExp): Promise<string | null> {
      const timer = setTimeout(() => late.resolve(), 20_000);
      const late = Promise.withResolvers<void>();
      try {
        while (!until.test(received)) {
          const n = await Promise.race([conn.read(buffer).catch(() => null), late.promise]);
          if (n === undefined) throw new Error(`no answer in 20 s: ${received.slice(0, 200)}`);
          if (n === null) return null;
          received += new TextDecoder().decode(buffer.subarray(0, n));
        }
        return received;
      } finally {
        clearTimeout(timer);
      }
    },
    /** Whether the server closes the connection within 20 s (reading to its end). */
    async closed(): Promise<boolean> {
      try {
        await this.read(/(?!)/);
        return true;
      } catch {
        return false;
      }
    },
  };
}

const initializeHead = (url: string, length: number, extra = "") =>
  `POST /mcp HTTP/1.1\r\nHost: ${new URL(url).host}\r\nContent-Type: application/json\r\n` +
  `Accept: application/json, text/event-stream\r\nContent-Length: ${length}\r\n${extra}\r\n`;

Deno.test(
  "request bodies held back take at most the server's body budget, and time out",
  opts,
  async () => {
    // Bodies sent but for their last byte were kept, 12.5 MB of memory each, for good: 110 of them
    // got the server killed by the kernel.
    await using served = serve({
      bodyBudgetBytes: 8 * 1024 * 1024,
      bodyTimeoutMs: 1000,
      // What still waits for a body's last byte is closed once idle (the server answered).
      connections: { idleTimeoutMs: 2000 },
    });
    const size = 4 * 1024 * 1024;
    const held = await Promise.all(
      Array.from({ length: 6 }, () =>
        rawConnection(
          served.http.url,
          initializeHead(served.http.url, size),
          new Uint8Array(size - 1).fill(0x20),
        )),
    );
    const answers = await Promise.all(held.map((c) => c.read(/\r\n\r\n[^]*\}/)));
    const statuses = answers.map((answer) => Number(answer?.split(" ")[1])).sort();
    // Two fit the 8 MiB budget and wait for their last byte until the deadline; four are refused.
    assertEquals(statuses, [408, 408, 503, 503, 503, 503]);
    assert(answers.some((a) => /too many request bodies are arriving/.test(a!)));
    assert(answers.some((a) => /the body did not arrive within 1 s/.test(a!)));
    for (const c of held) {
      assert(await c.closed(), "a refused body's connection stays open");
      c.conn.close();
    }
    // The budget is free again.
    const client = await served.client();
    assert((await client.listTools()).tools.length > 0);
  },
);

Deno.test(
  "a keep-alive connection that carries nothing is closed; refusals close theirs; HTTP/2 is not served",
  opts,
  async () => {
    // 512 connections left open after one request each (Deno.serve keeps them for good) locked
    // every other client out, and unauthenticated ones could do it too.
    await using served = serve({
      token: "secret-token",
      connections: { maxConnections: 12, maxPerAddress: 12, idleTimeoutMs: 1000 },
    });
    const url = served.http.url;
    const body = JSON.stringify(initializeRequest(1));
    const auth = "Authorization: Bearer secret-token\r\n";
    // The cap counts each client connection once (it counted the server's side too: half).
    const kept = await Promise.all(
      Array.from(
        { length: 10 },
        () => rawConnection(url, initializeHead(url, body.length, auth) + body),
      ),
    );
    for (const c of kept) assertMatch((await c.read(/\r\n\r\n/))!, /^HTTP\/1\.1 200 /);
    // Idle past the timeout: closed.
    for (const c of kept) {
      assert(await c.closed());
      c.conn.close();
    }
    // Without the token: 401, and the connection closes.
    const stranger = await rawConnection(url, initializeHead(url, body.length) + body);
    assertMatch((await stranger.read(/\r\n\r\n/))!, /^HTTP\/1\.1 401 /);
    assert(await stranger.closed());
    stranger.conn.close();
    // HTTP/2 with prior knowledge: closed without an answer.
    const h2 = await rawConnection(url, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assertEquals(await h2.read(/./), null);
    h2.conn.close();
  },
);

Deno.test("a request nesting arrays 200 deep is refused before it is parsed", opts, async () => {
  await using served = serve();
  const body = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":' + "[".repeat(200) +
    "]".repeat(200) + "}}";
  const c = await rawConnection(
    served.http.url,
    initializeHead(served.http.url, body.length) + body,
  );
  const answer = (await c.read(/\}\}$|\}$/))!;
  assertMatch(answer, /^HTTP\/1\.1 400 /);
  assertMatch(answer, /nests arrays and objects more than 128 deep/);
  c.conn.close();
});

Deno.test(
  "request bodies count against the budget as they arrive, not as declared",
  opts,
  async () => {
    // The budget counted a declared length before any of it came: bodies that never came (17 of
    // 4 MiB, 3 KB of headers every 25 s) made every other POST a 503.
    await using served = serve({ bodyBudgetBytes: 8 * 1024 * 1024 });
    const url = served.http.url;
    const declared = [];
    for (let i = 0; i < 4; i++) {
      declared.push(await rawConnection(url, initializeHead(url, 4 * 1024 * 1024)));
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // their heads are read
    const body = JSON.stringify(initializeRequest(1));
    const victim = await rawConnection(url, initializeHead(url, body.length) + body);
    assertMatch((await victim.read(/\r\n\r\n/))!, /^HTTP\/1\.1 200 /);
    for (const c of [victim, ...declared]) c.conn.close();
  },
);

Deno.test(
  "a connection that trickles a later request's head is closed as idle",
  opts,
  async () => {
    // Only the first head has a deadline: a second one sent a byte every 100 s kept 1024
    // connections, and every other client out.
    await using served = serve({ connections: { idleTimeoutMs: 1000 } });
    const url = served.http.url;
    const client = await served.client();
    const { sessionId } = (client as unknown as { _transport: { sessionId: string } })._transport;
    // A request answered in JSON, after which the connection stays open.
    const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const c = await rawConnection(
      url,
      initializeHead(
        url,
        list.length,
        `mcp-session-id: ${sessionId}\r\nmcp-protocol-version: 2025-06-18\r\n`,
      ) + list,
    );
    assertMatch((await c.read(/"id":2\}$/))!, /^HTTP\/1\.1 200 /);
    await c.conn.write(new TextEncoder().encode("GET /mcp HTTP/1.1\r\nX-Slow: "));
    let cut = false;
    for (let i = 0; i < 20 && !cut; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      cut = await c.conn.write(new TextEncoder().encode("a")).then(() => false, () => true);
    }
    assert(cut, "a head trickled for 5 s kept its connection");
    c.conn.close();
  },
);

Deno.test(
  "answers a client has read are not kept: large reads and slow calls fit a small heap",
  opts,
  async () => {
    // The SDK kept every JSON answer for the session's life (40 reads of a 7 MB file held 370 MB),
    // and a call answered after a second was kept by the promise it raced against the session's
    // end. A server whose heap may hold 160 MB dies of either within the calls below.
    await using server = await startHttpServer(["--max-output", "4000000"], {
      DENO_V8_FLAGS: "--max-old-space-size=160",
    });
    const client = new Client({ name: "http-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    try {
      const id = (await call(client, "sandbox_create")).structuredContent!.sandbox_id as string;
      const made = await call(client, "shell_exec", {
        sandbox_id: id,
        command: "head -c 7000000 /dev/urandom > big.bin",
      });
      assertEquals(made.isError, false, text(made));
      for (let i = 0; i < 30; i++) {
        const read = await client.readResource({ uri: `sandbox://${id}/home/sandbox/big.bin` });
        assertEquals((read.contents[0] as { blob: string }).blob.length, 9_333_336);
      }
      // Slow enough to be answered as an event stream, four at a time.
      const slow = () =>
        call(client, "shell_exec", {
          sandbox_id: id,
          command: "sleep 1.2; head -c 3900000 /dev/zero | tr '\\0' a",
        });
      for (let round = 0; round < 8; round++) {
        for (const result of await Promise.all([slow(), slow(), slow(), slow()])) {
          assertEquals(result.isError, false, text(result));
          assertEquals((result.structuredContent as { stdout: string }).stdout.length, 3_900_000);
        }
      }
      assert(!server.exited, "the server died");
    } finally {
      await client.close();
    }
  },
);

/** A client of `served` with a 7 MB file (a 9.3 MB answer), and the raw request that reads it. */
async function bigFile(served: Served) {
  const client = await served.client();
  const id = (await call(client, "sandbox_create")).structuredContent!.sandbox_id as string;
  await call(client, "shell_exec", {
    sandbox_id: id,
    command: "head -c 7000000 /dev/urandom > big.bin",
  });
  const uri = `sandbox://${id}/home/sandbox/big.bin`;
  return {
    client,
    session: (client.transport as StreamableHTTPClientTransport).sessionId!,
    read: { jsonrpc: "2.0", id: 9, method: "resources/read", params: { uri } },
  };
}

/**
 * Python that asks `count` times for `body` (under ids of its own) on connections that read
 * nothing for `pauseSeconds`, then reads them, printing "asked" and then whether each answer came
 * whole.
 */
function stallReads(
  url: string,
  session: string,
  body: unknown,
  count: number,
  pauseSeconds = 5,
): string {
  return `
import json, re, socket, time
from urllib.parse import urlsplit
target = urlsplit(${JSON.stringify(url)})
request = json.loads(${JSON.stringify(JSON.stringify(body))})
head = lambda data: ("POST /mcp HTTP/1.1\\r\\nHost: %s\\r\\nContent-Type: application/json\\r\\n"
        "Accept: application/json, text/event-stream\\r\\nmcp-session-id: ${session}\\r\\n"
        "mcp-protocol-version: 2025-11-25\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n"
        % (target.netloc, len(data))).encode()
socks = []
for n in range(${count}):
    data = json.dumps(dict(request, id=1000 + n)).encode()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((target.hostname, target.port))
    s.sendall(head(data) + data)
    socks.append(s)
print("asked", flush=True)
time.sleep(${pauseSeconds})
for s in socks:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.settimeout(30)
    got = []
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got.append(chunk)
    except OSError:
        pass
    head, _, body = b"".join(got).partition(b"\\r\\n\\r\\n")
    length = re.search(rb"(?i)\\ncontent-length: *(\\d+)", head)
    # Whole: as long as it says, or (sent in chunks) ending with the last chunk's marker.
    whole = len(body) == int(length[1]) if length else body.endswith(b"\\r\\n0\\r\\n\\r\\n")
    print("whole" if whole else "cut", len(body))
`;
}

Deno.test(
  "answers their clients do not take are dropped past the server's budget, not held",
  opts,
  async () => {
    // Deno holds each answer until its client reads it: 40 reads of a 7 MB file whose answers
    // were never read killed a server in a 1.5 GiB cgroup.
    await using served = serve({ answerBudgetBytes: 16 * 1024 * 1024 });
    const { client, session, read } = await bigFile(served);
    const out = await new Deno.Command("python3", {
      args: ["-c", stallReads(served.http.url, session, read, 6)],
      stdout: "piped",
    }).output();
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n").slice(1);
    assertEquals(lines.length, 6, lines.join("; "));
    const cut = lines.filter((line) => line.startsWith("cut")).length;
    assert(cut >= 1 && cut < 6, `answers cut: ${lines.join("; ")}`);
    // A client that reads gets the file whole.
    const whole = await client.readResource(read.params);
    assertEquals((whole.contents[0] as { blob: string }).blob.length, 9_333_336);
  },
);

Deno.test(
  "a client reading at full speed gets its answer whole while stalled ones fill the budget",
  opts,
  async () => {
    // The answer with the most bytes waiting was dropped: a new one, whole, had the most, so once
    // stalled answers had filled the budget every large answer was lost, a reading client's too.
    await using served = serve({ answerBudgetBytes: 16 * 1024 * 1024 });
    const { client, session, read } = await bigFile(served);
    const stalled = new Deno.Command("python3", {
      args: ["-c", stallReads(served.http.url, session, read, 4, 8)],
      stdout: "piped",
    }).spawn();
    const out = stalled.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assertEquals((await out.read()).value?.trim(), "asked");
    // The stalled answers wait, the budget full.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    for (let i = 0; i < 3; i++) {
      const whole = await client.readResource(read.params);
      assertEquals((whole.contents[0] as { blob: string }).blob.length, 9_333_336);
    }
    let said = "";
    for (let chunk; !(chunk = await out.read()).done;) said += chunk.value;
    await stalled.status;
    assertMatch(said, /cut/);
  },
);

Deno.test(
  "a batch's answers come each as its own event, as they are made",
  opts,
  async () => {
    // In JSON the SDK kept a batch's answers and sent them as one array: 30 reads of a 7 MB file
    // made one answer of 280 MiB, past the budget and never delivered, built at a peak of 2.3
    // GB; 60 made it longer than a string may be, and it stayed in memory until the session ended.
    await using served = serve();
    const { session, read } = await bigFile(served);
    const batch = [1, 2, 3].map((id) => ({ ...read, id }));
    const response = await fetch(served.http.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": session,
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify(batch),
    });
    assertEquals(response.headers.get("content-type"), "text/event-stream");
    const events = (await response.text()).split("\n").filter((line) => line.startsWith("data: "))
      .map((line) => JSON.parse(line.slice(6)));
    assertEquals(events.map((event) => event.id).sort(), [1, 2, 3]);
    for (const event of events) assertEquals(event.result.contents[0].blob.length, 9_333_336);
  },
);

Deno.test("a call the client cancels ends its stream without an answer", opts, async () => {
  // The SDK's client cancels a call that times out but keeps reading its stream, which sent
  // keep-alive comments for good: 256 cancelled calls held every connection one address may open.
  await using served = serve();
  const client = await served.client();
  const id = (await call(client, "sandbox_create")).structuredContent!.sandbox_id as string;
  const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-session-id": (client.transport as StreamableHTTPClientTransport).sessionId!,
    "mcp-protocol-version": "2025-11-25",
  };
  const post = (body: unknown, signal?: AbortSignal) =>
    fetch(served.http.url, { method: "POST", headers, body: JSON.stringify(body), signal });
  const deadline = AbortSignal.timeout(30_000); // the stream never ended before
  const answer = await post({
    jsonrpc: "2.0",
    id: 77,
    method: "tools/call",
    params: { name: "shell_exec", arguments: { sandbox_id: id, command: "sleep 60" } },
  }, deadline);
  assertEquals(answer.headers.get("content-type"), "text/event-stream"); // a second passed
  const cancelled = await post({
    jsonrpc: "2.0",
    method: "notifications/cancelled",
    params: { requestId: 77, reason: "timed out" },
  });
  assertEquals(cancelled.status, 202);
  await cancelled.body?.cancel();
  const events = await answer.text();
  assert(!events.includes("data:"), events);
  const after = await call(client, "shell_exec", { sandbox_id: id, command: "echo ok" });
  assertEquals((after.structuredContent as { stdout: string }).stdout, "ok\n");
});

/**
 * Python: POSTs an initialize with `argv[3]` as the guard's mark to `argv[1]`, a unix socket's
 * path or `127.0.0.1:PORT`; prints the status line, or the error's name.
 */
const TO_SOCKET = `
import json, socket, sys
host, _, port = sys.argv[1].partition(":")
s = socket.socket(socket.AF_INET if port else socket.AF_UNIX)
s.settimeout(10)
try:
    s.connect((host, int(port)) if port else host)
except OSError as e:
    print(type(e).__name__)
    sys.exit(0)
body = json.dumps(json.loads(sys.argv[2])).encode()
s.sendall(b"POST /mcp HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Type: application/json\\r\\n"
          b"x-mcp-guard-connection: " + sys.argv[3].encode() + b"\\r\\n"
          b"Accept: application/json, text/event-stream\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
print(s.recv(4096).split(b"\\r\\n")[0].decode())
`;

Deno.test(
  "Deno.serve behind the guard is reachable only through it",
  async () => {
    // It listened on a port of 127.0.0.1 that any local process could reach: connections there
    // that sent nothing, which the guard never saw, used up the server's 20 000 descriptors (no
    // client could connect), and one from 127.0.0.2 with the port of another client's forwarded
    // connection passed for it, its answers counted against that connection until it was cut.
    await using server = await startHttpServer([]);
    const port = Number(new URL(server.url).port);
    const ss = async (...args: string[]) =>
      new TextDecoder().decode(
        (await new Deno.Command("ss", { args: ["-H", ...args], stdout: "piped" }).output())
          .stdout,
      );
    const tcp = [...(await ss("-ltnp")).matchAll(/:(\d+)\s.*pid=(\d+),/g)]
      .filter(([, , pid]) => Number(pid) === server.pid).map(([, listening]) => Number(listening));
    assertEquals(tcp, [port], "no TCP port but the public one");
    // A unix socket in a directory of the server's own instead.
    const sockets = [...(await ss("-lxp")).matchAll(/(\/\S+\.sock)\s.*pid=(\d+),/g)]
      .filter(([, , pid]) => Number(pid) === server.pid).map(([, path]) => path);
    assertEquals(sockets.length, 1, await ss("-lxp"));
    const socket = sockets[0];
    const dir = await Deno.stat(socket.slice(0, socket.lastIndexOf("/")));
    assertEquals(dir.mode! & 0o777, 0o700);
    const post = async (asUser: string[], mark: string) => {
      const out = await new Deno.Command(asUser.length ? asUser[0] : "/usr/bin/python3", {
        args: [
          ...asUser.slice(1),
          ...(asUser.length ? ["/usr/bin/python3"] : []),
          "-c",
          TO_SOCKET,
          socket,
          JSON.stringify(initializeRequest()),
          mark,
        ],
        stdout: "piped",
      }).output();
      return new TextDecoder().decode(out.stdout).trim();
    };
    if (Deno.uid() === 0) {
      // Another user of the machine cannot connect.
      const nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
      assertEquals(await post(nobody, "x"), "PermissionError");
    }
    // The server's own user gets nothing without a connection the guard forwards.
    const client = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      // Through the guard, a client's own mark is replaced by the guard's.
      const body = JSON.stringify(initializeRequest());
      await client.write(new TextEncoder().encode(
        `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-mcp-guard-connection: forged\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ));
      const buffer = new Uint8Array(4096);
      const n = await client.read(buffer);
      assertMatch(new TextDecoder().decode(buffer.subarray(0, n ?? 0)), /^HTTP\/1\.1 200/);
      assertEquals(await post([], "forged"), "HTTP/1.1 403 Forbidden");
    } finally {
      client.close();
    }
  },
);

Deno.test(
  "without the temporary directory, the listener behind the guard answers only what the guard marked",
  async () => {
    // `deno task start:daytona --http` may not write /tmp: Deno.serve listens on 127.0.0.1 there,
    // where a local process must not pass for a client the guard forwards.
    await using fake = await startFakeDaytona();
    await using server = await startHttpServer(["--provider", "daytona", "--log-level", "info"], {
      MCP_DAYTONA_API_KEY: fake.apiKey,
      MCP_DAYTONA_SERVER_URL: fake.apiUrl,
      MCP_DAYTONA_TARGET: "us",
    }, { permissions: ["--allow-net", "--allow-env"] });
    assertMatch(server.said, /inner listener is on 127\.0\.0\.1/);
    const port = Number(new URL(server.url).port);
    const listening = new TextDecoder().decode(
      (await new Deno.Command("ss", { args: ["-Hltnp"], stdout: "piped" }).output()).stdout,
    );
    const inner = [...listening.matchAll(/127\.0\.0\.1:(\d+)\s.*pid=(\d+),/g)]
      .filter(([, at, pid]) => Number(pid) === server.pid && Number(at) !== port)
      .map(([, at]) => at);
    assertEquals(inner.length, 1, listening);
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [
        "-c",
        TO_SOCKET,
        `127.0.0.1:${inner[0]}`,
        JSON.stringify(initializeRequest()),
        "forged",
      ],
      stdout: "piped",
    }).output();
    assertEquals(new TextDecoder().decode(out.stdout).trim(), "HTTP/1.1 403 Forbidden");
  },
);
