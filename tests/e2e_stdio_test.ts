// End to end: spawn `deno task start` as an MCP client would, and speak stdio to it.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { CallToolResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { sessionTools, tools as registry } from "../src/registry.ts";
import { LocalProvider } from "../src/providers/local/mod.ts";
import { silentLogger } from "../src/log.ts";
import {
  INITIALIZE_RESULT,
  LATEST_PROTOCOL_VERSION,
  TOOLS_LIST_RESULT,
} from "../src/_handshake.ts";
import {
  eventually,
  hasBwrap,
  hostProcesses,
  initializeRequest,
  LOCK_FLAG,
  ROOT,
  spawnServer,
} from "./_helpers.ts";
import { startFakeDaytona } from "./daytona/fake_server.ts";

const opts = { ignore: !hasBwrap };

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names;
}

/** The sandbox directories in `path` (a session's package cache lies beside them). */
async function sandboxDirs(path: string): Promise<string[]> {
  return (await listDir(path)).filter((name) => !name.startsWith("mcp-sandbox-cache-"));
}

/** A fresh directory for the server's sandboxes, so the test can see exactly what it leaves. */
async function sandboxBase(): Promise<string> {
  const base = await Deno.makeTempDir({ prefix: "mcp-e2e-" });
  await Deno.chmod(base, 0o755);
  return base;
}

function serverEnv(base: string): Record<string, string> {
  const env = Deno.env.toObject();
  return { ...env, MCP_SANDBOX_DIR: base, MCP_LOG_LEVEL: "debug", NO_COLOR: "1" };
}

/**
 * A transport to the server itself, run as `deno task start` runs it but without the task runner
 * (so that its pid is the server's), after `before` (a command that execs the rest) if given.
 */
async function serverItself(base: string, before: string[] = []): Promise<StdioClientTransport> {
  const start = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks.start as string;
  const [command, ...args] = [...before, Deno.execPath(), ...start.split(" ").slice(1)];
  return new StdioClientTransport({
    command,
    args,
    cwd: ROOT,
    env: { ...serverEnv(base), MCP_LOG_LEVEL: "error" },
    stderr: "ignore",
  });
}

Deno.test(
  "deno task start serves tools over stdio and cleans up when the client closes",
  opts,
  async () => {
    const base = await sandboxBase();
    const marker = `sleep 5151.${Math.floor(Math.random() * 1e6)}`;
    try {
      const transport = new StdioClientTransport({
        command: Deno.execPath(),
        args: ["task", "--quiet", "start"],
        cwd: ROOT,
        env: serverEnv(base),
        stderr: "pipe",
      });
      const client = new Client({ name: "e2e", version: "1" });
      await client.connect(transport);
      assertMatch(client.getInstructions() ?? "", /\/home\/sandbox/);
      const { tools } = await client.listTools();
      assertEquals(tools.map((t) => t.name), [...registry, ...sessionTools].map((t) => t.name));
      // The local sandbox starts while the server loads, without holding up the handshake.
      await eventually(async () => (await sandboxDirs(base)).length === 1);

      const shell = await client.callTool({
        name: "shell_exec",
        arguments: { command: `${marker} & echo "hello from $(whoami)"` },
      }) as CallToolResult;
      assertEquals((shell.structuredContent as { stdout: string }).stdout, "hello from sandbox\n");
      await client.callTool({ name: "python_exec", arguments: { code: "n = 6" } });
      const py = await client.callTool({
        name: "python_exec",
        arguments: { code: "n * 7" },
      }) as CallToolResult;
      assertEquals((py.structuredContent as { result: string }).result, "42");
      assertEquals((await sandboxDirs(base)).length, 1, "one sandbox directory while serving");
      assertEquals((await hostProcesses(marker)).length, 1);

      await client.close();
      await eventually(async () => (await listDir(base)).length === 0);
      await eventually(async () => (await hostProcesses(marker)).length === 0);
      await eventually(async () => (await hostProcesses(base)).length === 0);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
);

Deno.test(
  "descriptors the server inherited do not reach the sandbox's supervisor",
  opts,
  async () => {
    // A shell that starts the server may leave descriptors open without close-on-exec; they went
    // on into every sandbox's supervisor (a listing of its /proc/1/fd showed a pipe of the shell).
    const base = await sandboxBase();
    const secret = await Deno.makeTempFile({ prefix: "mcp-inherited-" });
    const transport = await serverItself(base, [
      "/bin/sh",
      "-c",
      `exec 7<"${secret}"; exec "$0" "$@"`,
    ]);
    const client = new Client({ name: "e2e", version: "1" });
    try {
      await client.connect(transport);
      await client.callTool({ name: "shell_exec", arguments: { command: "true" } });
      // The supervisor, seen from the host: agent.py, the child of the bwrap that mounts `base`.
      const ps = new TextDecoder().decode(
        (await new Deno.Command("ps", { args: ["-eo", "pid=,ppid=,args="], stdout: "piped" })
          .output()).stdout,
      ).split("\n").map((line) => line.trim().split(/\s+/));
      const bwraps = ps.filter((fields) =>
        fields[2]?.endsWith("bwrap") && fields.join(" ").includes(base)
      );
      assert(bwraps.length > 0, `no bwrap under ${base}`);
      const under = new Set(bwraps.map((fields) => fields[0]));
      for (let grew = true; grew;) {
        grew = false;
        for (const fields of ps) {
          if (under.has(fields[1]) && !under.has(fields[0])) grew = !!under.add(fields[0]);
        }
      }
      const supervisor = ps.find((fields) =>
        under.has(fields[0]) && fields[2]?.includes("python") &&
        fields.includes("/opt/sandbox/agent.py")
      );
      assert(supervisor, "no supervisor");
      const pid = supervisor[0];
      const fds = new TextDecoder().decode(
        (await new Deno.Command("ls", { args: ["-l", `/proc/${pid}/fd`], stdout: "piped" })
          .output()).stdout,
      );
      assert(fds.includes("pipe:"), fds); // its own pipes are there
      assert(!fds.includes(secret), `the supervisor holds ${secret}:\n${fds}`);
    } finally {
      await client.close();
      await eventually(async () => (await listDir(base)).length === 0);
      await Deno.remove(base, { recursive: true });
      await Deno.remove(secret);
    }
  },
);

Deno.test(
  "a cell that writes its supervisor's reply with millions of tiny values costs the server no memory",
  opts,
  async () => {
    // The supervisor relayed what the cell wrote as it was: 10 million empty lists in its notes
    // (30 MB of text) took the server from 163 to 1420 MiB and held its event loop seconds.
    const base = await sandboxBase();
    const transport = await serverItself(base); // whose memory is measured
    const client = new Client({ name: "e2e", version: "1" });
    try {
      await client.connect(transport);
      const peak = async () => {
        const status = new TextDecoder().decode(
          (await new Deno.Command("cat", {
            args: [`/proc/${transport.pid}/status`],
            stdout: "piped",
          })
            .output()).stdout,
        );
        return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
      };
      const python = async (code: string) =>
        await client.callTool({
          name: "python_exec",
          arguments: { code, timeout: 120 },
        }) as CallToolResult;
      await python("1");
      const before = await peak();
      const forged = await python(
        `import sys, json, os\nw = sys._getframe(0).f_back.f_globals['_replies']\nw.write(b'{"value": "1", "error": null, "images": [], "notes": [' + b'[],' * 10_000_000 + b'"n"]}\\n'); w.flush(); os._exit(0)`,
      );
      const grew = (await peak()) - before;
      assert(grew < 300 * 1024 * 1024, `the server's peak memory grew ${grew >> 20} MiB`);
      assertEquals(forged.isError, false);
      assertEquals((forged.structuredContent as { notes: string[] }).notes, []);
      await python("1"); // says the interpreter that wrote the reply is gone
      // A value of 60 MB, under the interpreter's 64 MiB reply limit, went to the server whole:
      // +184 MiB for one call, cut to 100 KB there. The supervisor cuts it as the server does.
      const big = await peak();
      const long = await python(
        `import sys, os\nw = sys._getframe(0).f_back.f_globals['_replies']\nw.write(b'{"value": "' + b'A' * 60_000_000 + b'", "error": null, "images": [], "notes": []}\\n'); w.flush(); os._exit(0)`,
      );
      const grewLong = (await peak()) - big;
      assert(grewLong < 32 * 1024 * 1024, `the server's peak memory grew ${grewLong >> 20} MiB`);
      const value = (long.structuredContent as { result: string }).result;
      assertEquals(value.length, 100_000 + "\n[... 59900000 more characters omitted ...]".length);
      assert(value.endsWith("\n[... 59900000 more characters omitted ...]"), value.slice(-80));
      await python("1");
      // Images went to the server unchecked but for their fields' types, 63 MB a call: nine of
      // 7 MB took it +250 MiB, nine whose type was 7 MB long +530 MiB (a 160 MiB result), and
      // nine of emoji, within the size as characters, +114 MiB.
      for (
        const image of [
          `{"data": "A" * 7_000_000, "mime_type": "image/png", "width": 1, "height": 1, "bytes": 1}`,
          `{"data": "iVBORw0KGgo=", "mime_type": "x" * 7_000_000, "width": 1, "height": 1, "bytes": 8}`,
          // Characters JSON escapes, 12 bytes each: under the size in characters, 58 MB a reply.
          `{"data": "\\U0001F600" * 533_336, "mime_type": "image/png", "width": 1, "height": 1, "bytes": 1}`,
        ]
      ) {
        const high = await peak();
        const forgedImages = await python(
          `import sys, json, os\nw = sys._getframe(0).f_back.f_globals['_replies']\nw.write((json.dumps({"value": None, "error": None, "notes": [], "images": [${image}] * 9}) + "\\n").encode()); w.flush(); os._exit(0)`,
        );
        const grewImages = (await peak()) - high;
        assert(grewImages < 32 * 1024 * 1024, `the server's peak grew ${grewImages >> 20} MiB`);
        const out = forgedImages.structuredContent as { images: unknown[]; notes: string[] };
        assertEquals(out.images, []);
        assert(out.notes.some((note) => /were left out/.test(note)), out.notes.join("; "));
        await python("1");
      }
      const after = await python("6 * 7");
      assertEquals(
        (after.structuredContent as { result: string }).result,
        "42",
        JSON.stringify(after),
      );
    } finally {
      await client.close();
      await eventually(async () => (await listDir(base)).length === 0);
      await Deno.remove(base, { recursive: true });
    }
  },
);

Deno.test(
  "sandbox code cannot make a result too large for the client's connection, even writing its supervisor's reply itself",
  opts,
  async () => {
    // The SDK's stdio client reads at most 10 MiB in one message, and ends its connection (and the
    // server) on a larger one: a 2.7 MB exception message did it, and a cell that wrote its own
    // reply past its supervisor's caps could send any number of images of any size.
    const base = await sandboxBase();
    try {
      const transport = new StdioClientTransport({
        command: Deno.execPath(),
        args: ["task", "--quiet", "start"],
        cwd: ROOT,
        env: { ...serverEnv(base), MCP_LOG_LEVEL: "error" },
        stderr: "pipe",
      });
      const client = new Client({ name: "e2e", version: "1" });
      await client.connect(transport);
      const python = async (code: string) =>
        (await client.callTool({ name: "python_exec", arguments: { code } }) as CallToolResult)
          .structuredContent as {
            error: { message: string; traceback: string } | null;
            truncated: boolean;
            result: string | null;
            images: unknown[];
            notes: string[];
          };
      const raised = await python("raise ValueError('x' * 3_000_000)");
      assert(raised.error!.message.length <= 100_100, `${raised.error!.message.length} characters`);
      assertEquals(raised.truncated, true);
      // The cell writes the reply its supervisor would, with 100 000 images and one of 60 MB.
      const forge = (reply: string) =>
        `import sys, json, os\nw = sys._getframe(0).f_back.f_globals['_replies']\nreply = ${reply}\nw.write((json.dumps(reply) + "\\n").encode()); w.flush(); os._exit(0)`;
      const png =
        '{"data": "iVBORw0KGgo=", "mime_type": "image/png", "width": 1, "height": 1, "bytes": 8}';
      const many = await python(
        forge(`{"value": "'x' * 5", "error": None, "notes": [], "images": [${png}] * 100000}`),
      );
      assertEquals(many.images.length, 8);
      assert(many.notes.some((note) => /was left out/.test(note)), many.notes.join("; "));
      const big = await python(
        forge(
          `{"value": "1", "error": None, "notes": [], "images": [{"data": "A" * 60_000_000, "mime_type": "image/png", "width": 1, "height": 1, "bytes": 1}]}`,
        ),
      );
      assertEquals(big.images.length, 0);
      const control = await python("print('\\x01' * 1_000_000)");
      assert(control.truncated);
      // The connection is still there.
      assertEquals((await python("6 * 7")).result, "42");
      await client.close();
      await eventually(async () => (await listDir(base)).length === 0);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
);

Deno.test(
  "a client that closes the server's stderr first still gets its sandboxes cleaned up",
  opts,
  async () => {
    // A client that dies closes every pipe: logging "shutting down" to a stderr nobody reads
    // threw (broken pipe) before the cleanup, which left the sandbox's disk image mounted.
    const base = await sandboxBase();
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", ...START_FLAGS, "bundle/cli.js"],
        cwd: ROOT,
        env: { ...serverEnv(base), MCP_LOG_LEVEL: "info" },
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      const send = (message: object) =>
        writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
      await send(initializeRequest(0));
      await send({ jsonrpc: "2.0", method: "notifications/initialized" });
      await send({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "shell_exec", arguments: { command: "echo hi > ~/note" } },
      });
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      while (!seen.includes('"id":1')) seen += (await reader.read()).value ?? "";
      assertEquals((await sandboxDirs(base)).length, 1);
      await child.stderr.cancel(); // the read end closes: the next log line gets EPIPE
      await writer.close();
      await child.status;
      await reader.cancel();
      await eventually(async () => (await listDir(base)).length === 0);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
);

// Ctrl-C in a terminal reaches every process of the foreground job, and a service manager that
// stops its unit signals every process in it: the server's helpers among them (the one that
// unmounts the sandboxes' disks, as root), whose death left the disks mounted and the
// directories behind, until the next server started.
for (
  const ending of [
    "stdin end",
    "SIGTERM",
    "SIGINT",
    "SIGKILL",
    "SIGINT to its process group",
    "SIGTERM to all its processes",
  ] as const
) {
  Deno.test(`the server leaves no sandbox process behind on ${ending}`, opts, async () => {
    const base = await sandboxBase();
    const marker = `sleep 5252.${Math.floor(Math.random() * 1e6)}`;
    try {
      const server = spawnServer(START_FLAGS, serverEnv(base));
      await server.callTools([{ name: "shell_exec", arguments: { command: `${marker} &` } }]);
      assertEquals((await hostProcesses(marker)).length, 1);
      const status = await server.end(ending);
      if (ending === "SIGKILL") {
        // No cleanup code runs, but bwrap dies with its parent and takes every process along.
        await eventually(async () => (await hostProcesses(marker)).length === 0);
        // What it left (its sandbox's directory, disk image and cgroup, its package cache) the
        // next server removes when it makes its first sandbox.
        await using next = new LocalProvider({ baseDir: base, log: silentLogger() });
        await (await next.create()).close();
        assertEquals(await listDir(base), []);
        return;
      }
      assertEquals(status.code, 0, "a clean exit after cleanup");
      assertEquals(await hostProcesses(marker), []);
      assertEquals(await listDir(base), []);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  });
}

/** `deno task start`'s permission flags and entry, read from deno.json: the real ones. */
const START_TASK: string[] = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`))
  .tasks.start.split(" ");
const START_FLAGS = START_TASK.filter((arg) => arg.startsWith("--"));
const START_ENTRY = START_TASK.at(-1)!;

Deno.test("the server refuses to start without bubblewrap and says how to install it", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...START_FLAGS, START_ENTRY],
    cwd: ROOT,
    env: { PATH: "/nonexistent", NO_COLOR: "1" },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 1);
  assertEquals(out.stdout.length, 0, "nothing on the protocol channel");
  const stderr = new TextDecoder().decode(out.stderr);
  assertMatch(stderr, /bubblewrap \(bwrap\) is not installed/);
  assertMatch(stderr, /apt-get install bubblewrap/);
});

Deno.test("--help lists every setting; a bad flag value is named", async () => {
  const run = (...args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", ...START_FLAGS, START_ENTRY, ...args],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  const help = await run("--help");
  assertEquals(help.code, 0);
  const text = new TextDecoder().decode(help.stdout);
  for (
    const flag of ["--network", "--timeout", "--dangerously-run-unisolated", "MCP_SANDBOX_NETWORK"]
  ) {
    assert(text.includes(flag), `--help mentions ${flag}`);
  }
  const bad = await run("--network", "wifi");
  assertEquals(bad.code, 2);
  assertMatch(
    new TextDecoder().decode(bad.stderr),
    /--network must be internet or none or host, got 'wifi'/,
  );
});

Deno.test("started by hand in a terminal, the server says what it waits for", opts, async () => {
  // `script` gives the server a terminal on stdin; its own stdin (empty) then ends the session.
  const command = [Deno.execPath(), "run", ...START_FLAGS, START_ENTRY].join(" ");
  const out = await new Deno.Command("script", {
    args: ["-qfec", command, "/dev/null"],
    cwd: ROOT,
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assertMatch(text, /waiting for an MCP client to speak JSON-RPC on stdin/);
  assertMatch(text, /npx @modelcontextprotocol\/inspector --cli deno task start/);
  assert(!/Deno requests/.test(text), "no permission prompt in a terminal");
});

Deno.test("a request that arrives with the end of stdin is still answered", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...START_FLAGS, START_ENTRY],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(
    JSON.stringify(initializeRequest(1)) + "\n",
  ));
  await writer.close();
  const { code, stdout } = await child.output();
  assertEquals(code, 0);
  assertMatch(new TextDecoder().decode(stdout), /"serverInfo"/);
});

/**
 * Runs the start task's entry with Deno's debug log, which names every module it resolves inside
 * an npm package, makes one python_exec, and returns the log's lines about the Daytona SDK.
 */
async function daytonaSdkLines(flags: string[], args: string[], env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--log-level=debug", ...flags, START_ENTRY, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", MCP_LOG_LEVEL: "error", ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text(); // drained as it comes: the log is long
  const writer = child.stdin.getWriter();
  const lines = [
    initializeRequest(1),
    { jsonrpc: "2.0", method: "notifications/initialized" },
    {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "python_exec", arguments: { code: "6 * 7" } },
    },
  ];
  await writer.write(
    new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join("\n") + "\n"),
  );
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes('"id":2')) seen += (await reader.read()).value ?? "";
  assertMatch(seen, /\\"result\\":\\"42\\"/);
  await writer.close();
  await reader.cancel();
  await child.status;
  return (await stderr).split("\n").filter((line) =>
    /(referrer=|package folder of )\S*@daytonaio/.test(line)
  );
}

Deno.test(
  "in local mode the Daytona SDK is never loaded, even after tool calls",
  opts,
  async () => {
    assertEquals(await daytonaSdkLines(START_FLAGS, [], {}), []);
    // The same check sees the SDK load when Daytona is chosen.
    await using fake = await startFakeDaytona();
    const daytona = await daytonaSdkLines([LOCK_FLAG, "--allow-net", "--allow-env"], [
      "--provider",
      "daytona",
    ], { MCP_DAYTONA_API_KEY: fake.apiKey, MCP_DAYTONA_SERVER_URL: fake.apiUrl });
    assert(daytona.length > 10, `the log shows the Daytona SDK loading: ${daytona.length} lines`);
  },
);

/** Sends raw lines to `deno task start`'s entry; returns every message it wrote until `untilId`. */
async function rawSession(lines: string[], untilId: number): Promise<Record<string, unknown>[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...START_FLAGS, START_ENTRY],
    cwd: ROOT,
    env: { NO_COLOR: "1", MCP_LOG_LEVEL: "error" },
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(lines.join("\n") + "\n"));
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes(`"id":${untilId},`) && !seen.includes(`"id":${untilId}}`)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server exited; it said: ${seen}`);
    seen += value;
  }
  await writer.close();
  for (let read = await reader.read(); !read.done; read = await reader.read()) seen += read.value;
  await child.status;
  return seen.trim().split("\n").map((line) => JSON.parse(line));
}

const request = (id: number, method: string, params: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params });

Deno.test(
  "the handshake is answered once, with the server's own answers, and the server then takes over",
  opts,
  async () => {
    const messages = await rawSession([
      request(1, "initialize", {
        protocolVersion: "2024-11-05",
        capabilities: {},
        clientInfo: { name: "raw", version: "1" },
      }),
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      request(2, "tools/list"),
      request(3, "ping"),
      request(4, "tools/call", { name: "python_exec", arguments: { code: "6 * 7" } }),
    ], 4);
    const byId = (id: number) => messages.filter((m) => m.id === id);
    assertEquals(byId(1).length, 1, "one answer to initialize, not the server's second one");
    const init = byId(1)[0].result as Record<string, unknown>;
    assertEquals(init.protocolVersion, "2024-11-05", "a version the SDK speaks is kept");
    assertEquals(init.capabilities, INITIALIZE_RESULT.capabilities);
    assertMatch(String(init.instructions), /\/home\/sandbox/);
    assertEquals(byId(2)[0].result, TOOLS_LIST_RESULT);
    assertEquals(byId(3)[0].result, {});
    const call = byId(4)[0].result as { structuredContent: { result: string } };
    assertEquals(call.structuredContent.result, "42");
  },
);

Deno.test(
  "a line that is not JSON is skipped; a malformed initialize gets the server's error; an unknown protocol version gets the latest",
  opts,
  async () => {
    const messages = await rawSession([
      "this is not json",
      request(9, "initialize", { protocolVersion: "2025-06-18" }),
      request(1, "initialize", {
        protocolVersion: "1999-01-01",
        capabilities: {},
        clientInfo: { name: "raw", version: "1" },
      }),
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      request(2, "tools/call", { name: "shell_exec", arguments: { command: "echo still here" } }),
    ], 2);
    const malformed = messages.filter((m) => m.id === 9);
    assertEquals(malformed.length, 1);
    assert(malformed[0].error, "answered with an error");
    const init = messages.find((m) => m.id === 1)!.result as { protocolVersion: string };
    assertEquals(init.protocolVersion, LATEST_PROTOCOL_VERSION);
    const call = messages.find((m) => m.id === 2)!.result as {
      structuredContent: { stdout: string };
    };
    assertEquals(call.structuredContent.stdout, "still here\n");
  },
);

Deno.test(
  "replies wait behind a big one the client has not read yet, and all arrive whole",
  opts,
  async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...START_FLAGS, START_ENTRY],
      cwd: ROOT,
      env: { NO_COLOR: "1", MCP_LOG_LEVEL: "error", MCP_MAX_OUTPUT_BYTES: "400000" },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const writer = child.stdin.getWriter();
    const send = (line: string) => writer.write(new TextEncoder().encode(line + "\n"));
    await send(JSON.stringify(initializeRequest(1)));
    await send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    // 300 KB of output fills the pipe: the server's write of that reply waits for us to read, and
    // the next big reply waits behind it. A small reply made then must wait too.
    const big = (id: number) =>
      send(request(id, "tools/call", {
        name: "shell_exec",
        arguments: { command: "head -c 300000 /dev/zero | tr '\\0' x" },
      }));
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await big(2);
    await pause(1500);
    await big(3);
    await pause(1000);
    await send(request(4, "ping"));
    await pause(300);
    await writer.close();
    const lines = (await new Response(child.stdout).text()).trim().split("\n");
    await child.status;
    const messages = lines.map((line) => JSON.parse(line)).filter((m) => "id" in m);
    assertEquals(messages.map((m) => m.id), [1, 2, 3, 4]);
    for (const reply of messages.slice(1, 3)) {
      assertEquals(reply.result.structuredContent.stdout, "x".repeat(300_000));
    }
  },
);

Deno.test("the sandbox starts right after the handshake, before any tool call", opts, async () => {
  const base = await sandboxBase();
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...START_FLAGS, START_ENTRY],
      cwd: ROOT,
      env: serverEnv(base),
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const writer = child.stdin.getWriter();
    // Both at once: the notification arrives while the server is still loading.
    await writer.write(new TextEncoder().encode(
      [
        JSON.stringify(initializeRequest(1)),
        JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      ].join("\n") + "\n",
    ));
    try {
      // Its directory, beside the session's package cache.
      await eventually(async () =>
        (await listDir(base)).some((name) => /^mcp-sandbox-[0-9a-f]{16}$/.test(name))
      );
    } finally {
      await writer.close();
      await child.status;
    }
    await eventually(async () => (await listDir(base)).length === 0);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
