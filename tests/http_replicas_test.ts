// Scaling out over HTTP: three servers of one Daytona deployment (`--deployment`) behind a plain
// round-robin balancer, no sticky sessions, serve one 2026-07-28 client. State lives in the
// sandbox (Python variables, files, a background server) and in the handle the client holds, so
// any replica serves any call; a replica killed mid-call loses that call only. The balancer is a
// few lines here: each request goes to the next replica, and one that refuses the connection is
// skipped (a passive health check, as nginx's or traefik's), which is safe to retry because the
// request never reached it. The sandboxes live in tests/daytona/fake_server.ts.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/client@2.4.0";
import { SANDBOX_META_KEY } from "../src/modern.ts";
import { DEPLOYMENT_LABEL, TENANT_LABEL } from "../src/providers/daytona/mod.ts";
import { type FakeDaytona, startFakeDaytona } from "./daytona/fake_server.ts";
import { eventually, hasBwrap, LOCK_FLAG, modernRpc, ROOT } from "./_helpers.ts";

const opts = { ignore: !hasBwrap };
const MODERN = { versionNegotiation: { mode: { pin: "2026-07-28" } } } as const;

interface Result {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** One server process of the deployment, on its own port. */
interface Replica {
  port: number;
  process: Deno.ChildProcess;
  /** Its stderr so far, for a failing test's message. */
  log(): string;
  alive: boolean;
}

async function startReplica(fake: FakeDaytona, deployment: string): Promise<Replica> {
  const port = freePort();
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      LOCK_FLAG,
      "--allow-net",
      "--allow-env",
      "mod.ts",
      "--http",
      "--port",
      String(port),
      "--deployment",
      deployment,
      "--log-level",
      "info",
    ],
    cwd: ROOT,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/root",
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
      NO_COLOR: "1",
      MCP_DAYTONA_API_KEY: fake.apiKey,
      MCP_DAYTONA_SERVER_URL: fake.apiUrl,
      MCP_DAYTONA_TARGET: "us",
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reading = process.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (text += chunk) }),
  ).catch(() => {});
  const replica: Replica = {
    port,
    process,
    log: () => text,
    alive: true,
  };
  process.status.then(() => replica.alive = false);
  // Keep the reader's promise alive with the process, so the test awaits both at the end.
  (replica as Replica & { reading: Promise<void> }).reading = reading;
  await eventually(async () => {
    if (!replica.alive) throw new Error(`replica on ${port} exited:\n${text}`);
    try {
      await (await fetch(`http://127.0.0.1:${port}/mcp`)).body?.cancel();
      return true;
    } catch {
      return false;
    }
  }, 60_000);
  return replica;
}

/** Ends a replica: SIGKILL (a crash) or SIGTERM (a rolling restart), and waits for it. */
async function stopReplica(replica: Replica, signal: Deno.Signal): Promise<void> {
  if (replica.alive) replica.process.kill(signal);
  await replica.process.status;
  await (replica as Replica & { reading: Promise<void> }).reading;
}

/** What the balancer did with one request. */
interface Routed {
  replica: number;
  method?: string;
  /** The tool a `tools/call` named. */
  tool?: string;
  /** Replicas tried before it that refused the connection. */
  skipped: number[];
  done: boolean;
}

/**
 * A round-robin balancer: each request goes to the next replica; one that refuses the
 * connection is skipped for this and every later request.
 */
function roundRobin(replicas: Replica[]) {
  let next = 0;
  const dead = new Set<number>();
  const routed: Routed[] = [];
  const abort = new AbortController();
  // No pooled connections: on a reused one that drops, fetch sends the request again on a new
  // one, and a refusal would then not prove that the replica never got it.
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: abort.signal,
    onListen: () => {},
  }, async (request) => {
    const body = request.method === "POST" ? await request.text() : undefined;
    let parsed: { method?: string; params?: { name?: string } } = {};
    try {
      parsed = JSON.parse(body ?? "{}");
    } catch { /* forwarded as it is */ }
    const headers = new Headers(request.headers);
    headers.delete("host");
    const entry: Routed = {
      replica: -1,
      method: parsed.method,
      tool: parsed.params?.name,
      skipped: [],
      done: false,
    };
    routed.push(entry);
    for (let tries = 0; tries < replicas.length; tries++) {
      const index = next++ % replicas.length;
      if (dead.has(index)) continue;
      entry.replica = index;
      try {
        const url = new URL(request.url);
        const response = await fetch(
          `http://127.0.0.1:${replicas[index].port}${url.pathname}${url.search}`,
          { method: request.method, headers, body, signal: request.signal, client },
        );
        const forwarded = new Response(response.body, response);
        // A JSON answer is read here, so that `done` means answered.
        const text = await forwarded.text();
        entry.done = true;
        return new Response(text, { status: response.status, headers: response.headers });
      } catch (error) {
        if (/refused/i.test(`${error} ${(error as Error).cause}`)) {
          dead.add(index);
          entry.skipped.push(index);
          continue;
        }
        entry.done = true;
        return new Response(`Bad gateway: ${error}`, { status: 502 });
      }
    }
    entry.done = true;
    return new Response("No replica is up", { status: 503 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/mcp`,
    routed,
    async [Symbol.asyncDispose]() {
      abort.abort();
      await server.finished;
      client.close();
    },
  };
}

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: "replicas", version: "1" }, MODERN);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Result> {
  return await client.callTool({ name, arguments: args }) as unknown as Result;
}

/**
 * Runs `body` with three replicas of `deployment` behind the balancer; on a failure prints where
 * each request went and what each replica logged. The replicas are killed at the end.
 */
async function withReplicas(
  fake: FakeDaytona,
  deployment: string,
  body: (replicas: Replica[], balancer: ReturnType<typeof roundRobin>) => Promise<void>,
): Promise<void> {
  const replicas: Replica[] = [];
  let routedLog: Routed[] = [];
  try {
    replicas.push(...await Promise.all([0, 1, 2].map(() => startReplica(fake, deployment))));
    await using balancer = roundRobin(replicas);
    routedLog = balancer.routed;
    await body(replicas, balancer);
  } catch (error) {
    console.error(JSON.stringify(routedLog));
    for (const [i, replica] of replicas.entries()) {
      console.error(`--- replica ${i} (port ${replica.port}) ---\n${replica.log()}`);
    }
    throw error;
  } finally {
    await Promise.all(replicas.map((replica) => stopReplica(replica, "SIGKILL")));
  }
}

Deno.test(
  "three replicas of a deployment behind a round-robin balancer serve one client, and one may die",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await withReplicas(fake, "e2e-replicas", async (replicas, balancer) => {
      const served = (tool: string) =>
        new Set(balancer.routed.filter((r) => r.tool === tool).map((r) => r.replica));
      const alice = await connect(balancer.url, "alice-token");
      const bob = await connect(balancer.url, "bob-token");
      try {
        // The first call makes a sandbox and returns its handle; every later call passes it.
        const first = await call(alice, "python_exec", { code: "secret = 'kept-' + str(6 * 7)" });
        assertEquals(first.isError, false, JSON.stringify(first));
        const id = first._meta?.[SANDBOX_META_KEY] as string;
        assert(typeof id === "string" && id.length > 0, "the result names its sandbox");
        const labels = fake.labels(id);
        assertEquals(labels?.[DEPLOYMENT_LABEL], "e2e-replicas");
        assertMatch(labels?.[TENANT_LABEL] ?? "", /^token-[0-9a-f]{32}$/);

        const upload = await call(alice, "file_upload", {
          file_path: "site/index.html",
          content: "<h1>hello from the sandbox</h1>\n",
          sandbox_id: id,
        });
        assertEquals(upload.isError, false, JSON.stringify(upload));
        const port = freePort();
        const started = await call(alice, "shell_exec", {
          command:
            `cd site && python3 -m http.server ${port} --bind 127.0.0.1 >/tmp/web.log 2>&1 &`,
          sandbox_id: id,
        });
        assertEquals(started.isError, false, JSON.stringify(started));
        let preview: Result | undefined;
        await eventually(async () => {
          preview = await call(alice, "web_preview", { port, sandbox_id: id });
          return preview.structuredContent?.accessible === true;
        }, 20_000);
        const url = preview!.structuredContent!.url as string;
        assertEquals(await (await fetch(url)).text(), "<h1>hello from the sandbox</h1>\n");
        const read = await call(alice, "python_exec", { code: "secret", sandbox_id: id });
        assertEquals(read.structuredContent?.result, "'kept-42'");
        // Nothing was sticky: the calls were spread over every replica.
        const used = new Set(
          balancer.routed.filter((r) => r.method === "tools/call").map((r) => r.replica),
        );
        assertEquals(used.size, 3, JSON.stringify(balancer.routed));
        assert(served("python_exec").size >= 2, "Python state was read on another replica");

        // A replica dies in the middle of a call: that call is lost, nothing else.
        const executes = () => fake.count("POST /toolbox/{id}/process/execute");
        const before = executes();
        const inFlight = call(alice, "shell_exec", {
          command: "sleep 5; echo late",
          sandbox_id: id,
        })
          .then((result) => result, (error: Error) => error);
        // Once the replica runs it in the sandbox, the call is in flight there.
        await eventually(() => Promise.resolve(executes() > before));
        const routing = balancer.routed.findLast((r) => r.tool === "shell_exec")!;
        assert(!routing.done);
        const victim = routing.replica;
        await stopReplica(replicas[victim], "SIGKILL");
        const killedAt = balancer.routed.length;
        const lost = await inFlight;
        assert(
          lost instanceof Error || lost.isError === true,
          `the killed replica's call failed: ${JSON.stringify(lost)}`,
        );

        const after = await call(alice, "python_exec", { code: "secret", sandbox_id: id });
        assertEquals(after.structuredContent?.result, "'kept-42'", JSON.stringify(after));
        const cat = await call(alice, "shell_exec", {
          command: "cat site/index.html",
          sandbox_id: id,
        });
        assertEquals(cat.structuredContent?.stdout, "<h1>hello from the sandbox</h1>\n");
        assertEquals(await (await fetch(url)).text(), "<h1>hello from the sandbox</h1>\n");
        const listed = await call(alice, "sandbox_list", {});
        const ids = (listed.structuredContent?.sandboxes as { sandbox_id: string }[])
          .map((s) => s.sandbox_id);
        assertEquals(ids, [id]);
        // The dead replica was skipped, and the survivors served the rest.
        assert(balancer.routed.some((r) => r.skipped.includes(victim)));
        const later = balancer.routed.slice(killedAt).map((r) => r.replica);
        assert(later.length >= 3 && !later.includes(victim), JSON.stringify(later));

        // Another token's client: the handle is "not found", exactly as a made-up one.
        const foreign = await call(bob, "shell_exec", { command: "true", sandbox_id: id });
        const missing = await call(bob, "shell_exec", { command: "true", sandbox_id: "nope-123" });
        assert(foreign.isError && missing.isError);
        assertEquals(
          foreign.content[0].text!.replaceAll(id, "ID"),
          missing.content[0].text!.replaceAll("nope-123", "ID"),
        );
        const bobs = await call(bob, "sandbox_list", {});
        assertEquals(bobs.structuredContent?.sandboxes, []);
        const notDeleted = await call(bob, "sandbox_delete", { sandbox_id: id });
        assertEquals(notDeleted.isError, true);
        assert(fake.sandboxIds().includes(id), "bob could not delete alice's sandbox");
      } finally {
        await alice.close();
        await bob.close();
      }
      // Servers of a deployment stop without deleting the sandboxes: another one may serve them.
      const id = fake.sandboxIds()[0];
      await Promise.all(replicas.map((replica) => stopReplica(replica, "SIGTERM")));
      assertEquals(fake.sandboxIds(), [id]);
      await fake.remove(id);
    });
  },
);

/** A raw 2026-07-28 request of `token`'s client, which declares the tasks extension. */
const rpc = (url: string, token: string, method: string, params: Record<string, unknown>) =>
  modernRpc(url, method, params, { token });

Deno.test(
  "a task started on one replica is followed, completed and cancelled through the others",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await withReplicas(fake, "e2e-tasks", async (_replicas, balancer) => {
      const url = balancer.url;
      const get = (taskId: string, token = "alice-token") =>
        rpc(url, token, "tasks/get", { taskId });

      // A call without a sandbox_id: it becomes a task once it has its sandbox, and the task's
      // id names that sandbox.
      const started = await rpc(url, "alice-token", "tools/call", {
        name: "shell_exec",
        arguments: {
          command: "for i in 1 2 3 4 5 6; do echo step-$i; sleep 0.5; done; echo finished",
        },
      });
      assertEquals(started.result?.resultType, "task", JSON.stringify(started));
      const taskId = started.result!.taskId as string;
      const origin = balancer.routed.findLast((r) => r.method === "tools/call")!.replica;
      const statuses: string[] = [];
      let done: Record<string, unknown> | undefined;
      for (let polls = 0; polls < 200 && !done; polls++) {
        const { result, error } = await get(taskId);
        assert(
          result,
          `tasks/get on replica ${balancer.routed.at(-1)!.replica}: ${error?.message}`,
        );
        statuses.push(`${result.status}:${result.statusMessage ?? ""}`);
        if (result.status !== "working") done = result;
        else await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assertEquals(done?.status, "completed", JSON.stringify(statuses));
      const result = done!.result as Result;
      assertEquals(
        result.structuredContent?.stdout,
        "step-1\nstep-2\nstep-3\nstep-4\nstep-5\nstep-6\nfinished\n",
      );
      const sandboxId = result._meta?.[SANDBOX_META_KEY] as string;
      assert(taskId.endsWith(`@${sandboxId}`), `${taskId} names sandbox ${sandboxId}`);
      // Every replica answered for it, the two that did not start it too, while it worked.
      const answered = balancer.routed.filter((r) => r.method === "tasks/get");
      assertEquals(new Set(answered.map((r) => r.replica)).size, 3);
      assert(
        statuses.some((s) => s.startsWith("working:step-")),
        `the status message is the latest output line: ${JSON.stringify(statuses)}`,
      );
      // Polled again from any replica, the ended task says the same: the replica that ran it from
      // memory, each of the others with one request to the sandbox.
      const executes = () => fake.count("POST /toolbox/{id}/process/execute");
      const sent = executes();
      for (let i = 0; i < 3; i++) {
        assertEquals((await get(taskId)).result?.result, done!.result);
      }
      assertEquals(executes() - sent, 2);

      // Another token's client cannot see it: the same answer as for a made-up id.
      const foreign = await get(taskId, "bob-token");
      const madeUp = await get(`${crypto.randomUUID()}@${sandboxId}`);
      assertEquals([foreign.error?.code, madeUp.error?.code], [-32602, -32602]);

      // A cancel that reaches another replica than the one running the task kills its command.
      const long = await rpc(url, "alice-token", "tools/call", {
        name: "shell_exec",
        arguments: { command: "echo waiting; sleep 47; echo never", sandbox_id: sandboxId },
      });
      assertEquals(long.result?.resultType, "task", JSON.stringify(long));
      const longId = long.result!.taskId as string;
      const runner = balancer.routed.findLast((r) => r.method === "tools/call")!.replica;
      const cancelled = await rpc(url, "alice-token", "tasks/cancel", { taskId: longId });
      assertEquals(cancelled.result?.resultType, "complete", JSON.stringify(cancelled));
      const canceller = balancer.routed.findLast((r) => r.method === "tasks/cancel")!.replica;
      assert(canceller !== runner, `cancelled on replica ${canceller}, running on ${runner}`);
      await eventually(async () => (await get(longId)).result?.status === "cancelled");
      for (let i = 0; i < 3; i++) assertEquals((await get(longId)).result?.status, "cancelled");
      const ps = await call(await connect(url, "alice-token"), "shell_exec", {
        command: "ps -eo args | grep -c '^sleep 47' || true",
        sandbox_id: sandboxId,
      });
      assertEquals(ps.structuredContent?.stdout, "0\n", JSON.stringify(ps));
      assert(origin >= 0);

      // The same for a Python cell: interrupted from another replica, the interpreter kept.
      const cell = await rpc(url, "alice-token", "tools/call", {
        name: "python_exec",
        arguments: {
          code: "import time\nkept = 'still here'\nfor _ in range(600):\n" +
            "    open('ticks', 'a').write('.')\n    time.sleep(0.1)",
          sandbox_id: sandboxId,
        },
      });
      assertEquals(cell.result?.resultType, "task", JSON.stringify(cell));
      const cellId = cell.result!.taskId as string;
      const cellRunner = balancer.routed.findLast((r) => r.method === "tools/call")!.replica;
      await rpc(url, "alice-token", "tasks/cancel", { taskId: cellId });
      assert(balancer.routed.findLast((r) => r.method === "tasks/cancel")!.replica !== cellRunner);
      await eventually(async () => (await get(cellId)).result?.status === "cancelled");
      // The loop stopped: its file stops growing.
      const ticks = async () =>
        (await call(await connect(url, "alice-token"), "shell_exec", {
          command: "wc -c < ticks",
          sandbox_id: sandboxId,
        })).structuredContent?.stdout;
      const before = await ticks();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assertEquals(await ticks(), before);
      const read = await rpc(url, "alice-token", "tools/call", {
        name: "python_exec",
        arguments: { code: "kept", sandbox_id: sandboxId },
      });
      assertEquals(
        (read.result?.structuredContent as Record<string, unknown>)?.result,
        "'still here'",
        JSON.stringify(read),
      );
    });
    for (const id of fake.sandboxIds()) await fake.remove(id);
  },
);
