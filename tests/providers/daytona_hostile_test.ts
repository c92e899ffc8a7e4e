// A Daytona sandbox's agent runs where the sandbox's code does, which can replace it and answer
// the server with anything. These tests replace it (through shell_exec, as such code would) and
// check that the server neither stalls on its answers nor waits on it without end.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects,
} from "node:assert/strict";
import { DaytonaProvider } from "../../src/providers/daytona/mod.ts";
import { multipartFirstPart } from "../../src/providers/daytona/_multipart.ts";
import { httpError } from "../../src/providers/daytona/_errors.ts";
import { Toolbox } from "../../src/providers/daytona/_toolbox.ts";
import { silentLogger } from "../../src/log.ts";
import { startFakeDaytona } from "../daytona/fake_server.ts";
import { connect, type Connected, eventually, hasBwrap, structured, text } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };
const EXECUTE = "POST /toolbox/{id}/process/execute";

/**
 * Replaces the sandbox's agent client: a request it is sent gets `answer` (Python source of a
 * function of the request's id that prints the reply); anything else goes to the real agent.
 */
async function replaceAgent(mcp: Connected, answer: string): Promise<void> {
  const fake = [
    "import json, os, sys",
    "here = os.path.dirname(os.path.abspath(__file__))",
    "if len(sys.argv) == 4 and sys.argv[1] == 'call':",
    "    raw = open(sys.argv[3][1:]).read() if sys.argv[3].startswith('@') else sys.stdin.read()",
    "    request = json.loads(raw)",
    "    if request['op'] in ('exec', 'python', 'wait'):",
    answer.split("\n").map((line) => `        ${line}`).join("\n"),
    "        sys.exit(0)",
    "    import subprocess",
    "    sys.exit(subprocess.run([sys.executable, os.path.join(here, 'real.py')] + sys.argv[1:], input=raw.encode()).returncode)",
    "os.execv(sys.executable, [sys.executable, os.path.join(here, 'real.py')] + sys.argv[1:])",
  ].join("\n");
  const out = structured<{ exit_code: number; stderr: string }>(
    await mcp.call("shell_exec", {
      command: `cd ~/.mcp-sandbox && cp agent.py real.py && base64 -d > agent.py.new <<'EOF'\n${
        new TextEncoder().encode(fake).toBase64()
      }\nEOF\nmv agent.py.new agent.py`,
    }),
  );
  assertEquals(out.exit_code, 0, out.stderr);
}

async function connectTo(
  fake: Awaited<ReturnType<typeof startFakeDaytona>>,
  replyGraceMs?: number,
): Promise<Connected> {
  return await connect({
    provider: new DaytonaProvider({
      apiKey: fake.apiKey,
      apiUrl: fake.apiUrl,
      log: silentLogger(),
      pollSeconds: 1,
      replyGraceMs,
    }),
  });
}

Deno.test(
  "an agent that answers with millions of JSON-looking lines costs the server a few parses",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connectTo(fake);
    // 4 MiB of lines that each begin like a reply: before, every one was parsed, which held the
    // server's event loop (and every other client) for seconds per MiB.
    await replaceAgent(mcp, "sys.stdout.write('{\\n' * (2 * 1024 * 1024))");
    const parse = JSON.parse;
    let parses = 0;
    JSON.parse = (...args: Parameters<typeof JSON.parse>) => {
      parses++;
      return parse(...args);
    };
    let result;
    try {
      result = await mcp.call("shell_exec", { command: "echo hi" });
    } finally {
      JSON.parse = parse;
    }
    assertEquals(result.isError, true);
    assertMatch(text(result), /Cannot read the sandbox agent's reply/);
    assert(parses < 1000, `${parses} parses`);
  },
);

Deno.test(
  "an agent that always answers 'pending' is given up on after the call's timeout and a grace, or a grace after a cancel",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connectTo(fake, 1000);
    await replaceAgent(
      mcp,
      "print(json.dumps({'id': request.get('target', request['id']), 'pending': True, 'line': 'still going'}))",
    );
    const timed = await mcp.call("shell_exec", { command: "sleep 1", timeout: 1 });
    assertEquals(timed.isError, true);
    assertMatch(text(timed), /did not answer within 2 s \(the call's timeout and a grace\)/);
    // Without a timeout of its own, the cancel ends it.
    const controller = new AbortController();
    const untimed = mcp.client.callTool(
      { name: "python_exec", arguments: { code: "1" } },
      undefined,
      { signal: controller.signal },
    ).catch((error: Error) => error);
    while (fake.count(EXECUTE) < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    assert(await untimed instanceof Error);
    // The server stopped asking: no request follows the give-up. A cancel was sent for each call.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const asked = fake.count(EXECUTE);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assertEquals(fake.count(EXECUTE), asked, "the server still asks the agent");
  },
);

/** A multipart answer: `head` first, then `chunks` of 64 KiB of `fill`; counts what was read. */
function multipart(head: string, chunks: number, fill: number) {
  const pulled = { bytes: 0 };
  const encoder = new TextEncoder();
  let sent = -1;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = sent++ < 0 ? encoder.encode(head) : new Uint8Array(65536).fill(fill);
      if (sent > chunks) return controller.close();
      pulled.bytes += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const response = new Response(body, {
    headers: { "content-type": 'multipart/form-data; boundary="b0undary"' },
  });
  return { response: Promise.resolve(response), pulled };
}

Deno.test("a toolbox's multipart answer is read in time and memory in line with what it needs", async () => {
  // Part headers that never end were copied and searched from their start at every chunk (16 MB
  // held the server 15 s); an error part's description was read whole, however long.
  const endless = multipart("--b0undary\r\nContent-Disposition: form-data; ", 256, 0x61);
  await rejects(
    new Response(multipartFirstPart(endless.response, "/f")).arrayBuffer(),
    /over 64 KiB of part headers/,
  );
  assert(endless.pulled.bytes < 200 * 1024, `${endless.pulled.bytes} bytes read`);
  const error = multipart(
    '--b0undary\r\nContent-Disposition: form-data; name="error"\r\n\r\n{"message":"gone","code":"x"}',
    256,
    0x20,
  );
  await rejects(new Response(multipartFirstPart(error.response, "/f")).arrayBuffer(), /gone/);
  assert(error.pulled.bytes < 200 * 1024, `${error.pulled.bytes} bytes read`);
});

Deno.test("an error message from Daytona is judged in time in line with its length", () => {
  // `exceeded.*limit` over a message of many "exceeded" and no "limit" took time quadratic in it
  // (1 MB: 149 s).
  const message = "exceeded".repeat(125_000);
  const started = performance.now();
  const error = httpError(400, message);
  // A bound on liveness, thousands of times what the judgement takes.
  assert(performance.now() - started < 2_000, `${Math.round(performance.now() - started)} ms`);
  assertMatch(error.message, /^Daytona answered 400: exceeded/);
});

Deno.test("an API error that quotes the key shows it hidden", () => {
  // An API server or a proxy that echoed the Authorization header put the key into the error,
  // and doctor printed it: "Daytona rejected the API key (401: bad key Bearer dtnSECRETKEY111)".
  for (const status of [401, 403, 400, 500]) {
    const error = httpError(
      status,
      "bad key Bearer dtnSECRETKEY111, key=dtn_abc123def456 token: sk-123456789",
    );
    assert(!/SECRETKEY|abc123def456|sk-123456789/.test(error.message), error.message);
    assertMatch(error.message, /Bearer \[hidden\]/);
  }
});

Deno.test("a toolbox that answers with a redirect is not followed, with the API key or at all", async () => {
  // fetch (and the SDK's axios) follows a redirect within the origin with the Authorization
  // header and a 307's body: a sandbox's toolbox (which its code can replace) sent the server,
  // with the API key, to another client's sandbox's toolbox, whose command ran and whose files
  // were read; a clone's request would have taken the git token there.
  const seen: string[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    seen.push(`${path} ${request.headers.get("authorization") ?? "-"}`);
    if (path.startsWith("/toolbox/mine/")) {
      return new Response(null, {
        status: 307,
        headers: { location: path.replace("/toolbox/mine/", "/toolbox/theirs/") },
      });
    }
    return Response.json({ exitCode: 0, result: "ran in another sandbox" });
  });
  const base = `http://127.0.0.1:${server.addr.port}/toolbox/mine`;
  const toolbox = new Toolbox(base, "dtn_key", 10, silentLogger());
  await rejects(toolbox.execute("id", 5), /redirect \(307\)/);
  await rejects(toolbox.fileInfo("/home/daytona/x"), /redirect \(307\)/);
  // A clone's request carries the git token: the SDK's axios followed such a redirect too.
  await rejects(
    toolbox.gitClone({ url: "https://git.example/r.git", path: "r", password: "ghp_token" }),
    /redirect \(307\)/,
  );
  assertEquals(seen.filter((line) => line.includes("/theirs/")), [], "nothing was sent there");
});

/**
 * A toolbox of the test's own whose answers `answer` makes, given the request's path under the
 * toolbox and `count`, which passes a body through counting what the server read of it (`pulled`).
 */
function hostileToolbox(
  answer: (
    path: string,
    count: (body: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>,
  ) => Response,
) {
  const pulled = { bytes: 0 };
  const count = (body: ReadableStream<Uint8Array>) =>
    body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          pulled.bytes += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => answer(new URL(request.url).pathname.replace(/^\/toolbox\/x\//, ""), count),
  );
  return { server, pulled, base: `http://127.0.0.1:${server.addr.port}/toolbox/x` };
}

/** An endless body of `byte`, in 64 KiB chunks; `onCancel` is told when its reader lets go. */
function endless(byte: number, onCancel?: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      controller.enqueue(new Uint8Array(65536).fill(byte));
    },
    cancel: onCancel,
  });
}

Deno.test("a toolbox's answers are parsed only as complex, and read only as far, as what they carry needs", async () => {
  // Code in a Daytona sandbox can answer for its toolbox. A command's answer of 20 MB of nested
  // arrays took the server 1.16 GB to parse (a server in 1 GiB was killed, and every session
  // with it), an endless error body or file details were read without end (60 MiB to 1 GiB in
  // 6 s), and a result that was not text reached the caller ("line.startsWith is not a function").
  const deep = `{"result": ${"[".repeat(8 * 1024 * 1024)}`;
  const flat = `{${'"a": [], '.repeat(1024 * 1024)}"result": ""}`;
  let mode = "";
  const { server, pulled, base } = hostileToolbox((path, count) => {
    const text = (body: string) =>
      new Response(count(ReadableStream.from([new TextEncoder().encode(body)])));
    if (path === "process/execute") {
      if (mode === "deep") return text(deep);
      if (mode === "flat") return text(flat);
      if (mode === "number") return Response.json({ exitCode: 0, result: 5 });
      return new Response(count(endless(0x61)), { status: 500 });
    }
    return new Response(count(endless(0x20)));
  });
  await using _ = server;
  const toolbox = new Toolbox(base, "dtn_key", 30, silentLogger());
  mode = "deep";
  await rejects(toolbox.execute("id", 5), /nests arrays and objects more than 2 deep/);
  mode = "flat";
  await rejects(toolbox.execute("id", 5), /holds more than 4 arrays and objects/);
  mode = "number";
  await rejects(toolbox.execute("id", 5), /something other than text/);
  for (
    const [what, call] of [
      ["an error", () => (mode = "error", toolbox.execute("id", 5))],
      ["file details", () => toolbox.fileInfo("/home/daytona/f")],
      ["a listing", () => toolbox.listFiles("/home/daytona")],
    ] as const
  ) {
    pulled.bytes = 0;
    await rejects(call(), Error, what);
    await new Promise((resolve) => setTimeout(resolve, 100)); // what was in flight
    assert(pulled.bytes < 32 * 1024 * 1024, `${pulled.bytes} bytes of ${what} read`);
  }
});

Deno.test("a toolbox that holds its answer back is left when the call is cancelled", async () => {
  // A command's answer begun and then held back, a byte every few seconds, kept a cancelled
  // call's request open for the toolbox's timeout and the command's (255 s): 200 cancelled calls
  // held 565 connections.
  const { server, base } = hostileToolbox(() =>
    new Response(
      new ReadableStream({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 5000));
          controller.enqueue(new TextEncoder().encode(" "));
        },
      }),
    )
  );
  await using _ = server;
  const toolbox = new Toolbox(base, "dtn_key", 180, silentLogger());
  const controller = new AbortController();
  const started = performance.now();
  const asked = toolbox.execute("sleep 100", 100, controller.signal).catch((error: Error) => error);
  setTimeout(() => controller.abort(), 300);
  assert(await asked instanceof Error);
  const seconds = (performance.now() - started) / 1000;
  assert(seconds < 5, `the request went on ${seconds.toFixed(1)} s after the cancel`);
});

Deno.test("a sandbox's toolbox answers are read a few at a time, and those nobody reads are let go", async () => {
  // 60 calls answered with 8 MiB each, then held back, held 669 MiB of the server's memory; and
  // uploads answered 200 with a body without end kept their connections until garbage collection
  // (3000 of them, 2753 descriptors).
  let mode = "held";
  let letGo = 0;
  const { server, base } = hostileToolbox((_path, count) => {
    if (mode === "endless") return new Response(endless(0x20, () => letGo++));
    let sent = 0;
    return new Response(count(
      new ReadableStream({
        async pull(controller) {
          // Just under 8 MiB, then held back for good.
          if (sent++ >= 127) return await new Promise(() => {});
          controller.enqueue(new Uint8Array(65536).fill(0x20));
        },
      }),
    ));
  });
  await using _ = server;
  const toolbox = new Toolbox(base, "dtn_key", 30, silentLogger());
  const controller = new AbortController();
  const before = Deno.memoryUsage().rss;
  const calls = Array.from(
    { length: 60 },
    () => toolbox.execute("true", 30, controller.signal).catch((error: Error) => error),
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const grew = Deno.memoryUsage().rss - before;
  controller.abort();
  await Promise.all(calls);
  assert(grew < 350 * 1024 * 1024, `the process grew ${grew >> 20} MiB`);
  mode = "endless";
  for (let i = 0; i < 20; i++) {
    await toolbox.upload([{ path: "/tmp/f", data: new Uint8Array(1) }]);
  }
  await eventually(() => Promise.resolve(letGo === 20), 5_000);
});
