// Daytona as it really behaves (reference notes §7, issue 14): sandboxes that Daytona stops,
// archives or deletes on its own, integer timeouts, long commands, honest errors, rate limits and
// images without python3. Each test reproduces the real service's behaviour in the test API
// server and checks what the provider makes of it.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects,
} from "node:assert/strict";
import { DaytonaProvider, type DaytonaProviderOptions } from "../../src/providers/daytona/mod.ts";
import { silentLogger } from "../../src/log.ts";
import { SandboxFileError } from "../../src/sandbox.ts";
import { fileDownload } from "../../src/tools/file_download.ts";
import { shellExec } from "../../src/tools/shell_exec.ts";
import { webPreview } from "../../src/tools/web_preview.ts";
import {
  type FakeDaytona,
  type FakeDaytonaOptions,
  startFakeDaytona,
} from "../daytona/fake_server.ts";
import { connect, eventually, hasBwrap, structured, text } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };
const MINUTE = 60_000;

function providerFor(
  fake: FakeDaytona,
  options: Partial<DaytonaProviderOptions> = {},
): DaytonaProvider {
  return new DaytonaProvider({
    apiKey: fake.apiKey,
    apiUrl: fake.apiUrl,
    target: "us",
    log: silentLogger(),
    ...options,
  });
}

async function setup(
  fakeOptions: FakeDaytonaOptions = {},
  options: Partial<DaytonaProviderOptions> = {},
) {
  const fake = await startFakeDaytona(fakeOptions);
  const provider = providerFor(fake, options);
  return {
    fake,
    provider,
    async [Symbol.asyncDispose]() {
      try {
        await provider.close();
      } finally {
        await fake.close();
      }
    },
  };
}

Deno.test(
  "a sandbox Daytona stopped for idleness is started again; the result says Python is fresh",
  opts,
  async () => {
    await using env = await setup();
    const sandbox = await env.provider.create();
    await sandbox.runPython("x = 41");
    await sandbox.writeFile("kept.txt", new TextEncoder().encode("files survive"));
    await env.fake.advance(16 * MINUTE);
    assertEquals(env.fake.state(sandbox.id), "stopped");

    const after = await sandbox.exec("cat kept.txt");
    assertEquals(after.stdout, "files survive");
    assertMatch(after.notes?.[0] ?? "", /stopped.*started again.*interpreter is fresh/);
    assertEquals(env.fake.state(sandbox.id), "started");
    const python = await sandbox.runPython("x");
    assertEquals(python.error?.type, "NameError", "the interpreter's state is gone");
    assertEquals(python.notes.some((note) => /started again/.test(note)), false, "said once");
  },
);

Deno.test(
  "a file_download after auto-stop starts the sandbox again and says so, whole or at an offset",
  opts,
  async () => {
    await using env = await setup();
    const sandbox = await env.provider.create();
    const body = "0123456789".repeat(300); // 3000 bytes: a chunk at offset_kb=1 is bytes 1024-2047
    await sandbox.writeFile("kept.txt", new TextEncoder().encode(body));
    const started = /stopped.*started again.*interpreter is fresh/;

    await env.fake.advance(16 * MINUTE);
    assertEquals(env.fake.state(sandbox.id), "stopped");
    const whole = await fileDownload(sandbox, { file_path: "kept.txt" });
    assertEquals(whole.payload, { kind: "text", text: body });
    assertMatch(whole.notes?.[0] ?? "", started);

    await env.fake.advance(16 * MINUTE);
    assertEquals(env.fake.state(sandbox.id), "stopped");
    const part = await fileDownload(sandbox, {
      file_path: "kept.txt",
      download_option: "download_partial",
      offset_kb: 1,
      chunk_size_kb: 1,
    });
    assertEquals(part.payload, { kind: "text", text: body.slice(1024, 2048) });
    assertMatch(part.notes?.[0] ?? "", started);

    const again = await fileDownload(sandbox, { file_path: "kept.txt" });
    assertEquals(again.notes, undefined, "said once");
  },
);

Deno.test(
  "reading a file is the first call after a stop: it starts the sandbox again, once",
  opts,
  async () => {
    await using env = await setup();
    const sandbox = await env.provider.create();
    const body = "0123456789".repeat(300);
    await sandbox.writeFile("kept.txt", new TextEncoder().encode(body));
    const read = (options = {}) => new Response(sandbox.readFile("kept.txt", options)).text();

    // Through the bulk-download endpoint (from the start), then through the agent (an offset).
    await env.fake.advance(16 * MINUTE);
    assertEquals(await read(), body);
    assertEquals(env.fake.state(sandbox.id), "started");
    await env.fake.stop(sandbox.id);
    assertEquals(await read({ offset: 1000, length: 10 }), body.slice(1000, 1010));
    assertMatch((await sandbox.exec("true")).notes?.[0] ?? "", /started again/);

    // A stop after bytes were delivered fails the read instead of repeating it.
    const reader = sandbox.readFile("kept.txt", { offset: 1, chunkSize: 100 }).getReader();
    assertEquals((await reader.read()).value?.length, 100);
    await env.fake.stop(sandbox.id);
    const rest = async () => {
      while (!(await reader.read()).done) { /* chunks fetched before the stop */ }
    };
    await rejects(rest(), /stopped/);
    assertEquals(env.fake.state(sandbox.id), "stopped");
  },
);

Deno.test("an archived sandbox is started again too, and Python runs in it", opts, async () => {
  await using env = await setup();
  const sandbox = await env.provider.create();
  await env.fake.archive(sandbox.id);
  const result = await sandbox.runPython("1 + 1");
  assertEquals(result.result, "2");
  assert(result.freshInterpreter);
  assertMatch(result.notes[0], /started again/);
});

Deno.test(
  "a call that runs on keeps its sandbox active, so auto-stop never stops it",
  opts,
  async () => {
    await using env = await setup({}, { pollSeconds: 1, activitySeconds: 0.2 });
    const sandbox = await env.provider.create();
    const running = sandbox.exec("sleep 2; echo done", { timeoutMs: 30_000 });
    await env.fake.advance(10 * MINUTE);
    const refreshes = env.fake.count("POST /api/sandbox/{id}/last-activity");
    await eventually(() =>
      Promise.resolve(env.fake.count("POST /api/sandbox/{id}/last-activity") > refreshes)
    );
    await env.fake.advance(10 * MINUTE);
    const result = await running;
    assertEquals(result.stdout, "done\n");
    assertEquals(env.fake.state(sandbox.id), "started");
  },
);

for (const [status, notFoundMs] of [[404, 60_000], [401, 0]] as const) {
  Deno.test(
    `a sandbox deleted behind our back (toolbox ${status}) is reported gone and replaced`,
    opts,
    async () => {
      await using fake = await startFakeDaytona({ deletedNotFoundMs: notFoundMs });
      {
        await using mcp = await connect({ provider: providerFor(fake) });
        assertEquals((await mcp.call("shell_exec", { command: "true" })).isError, false);
        const [first] = fake.sandboxIds();
        await fake.remove(first);
        const gone = await mcp.call("shell_exec", { command: "true" });
        assert(gone.isError);
        assertMatch(text(gone), /deleted outside this server/);
        assert(!/API key/.test(text(gone)), text(gone));
        const again = await mcp.call("shell_exec", { command: "echo new" });
        assertEquals(structured<{ stdout: string }>(again).stdout, "new\n");
        assertEquals(fake.sandboxIds().length, 1);
        assert(fake.sandboxIds()[0] !== first);
      }
      assertEquals(fake.sandboxIds(), []);
    },
  );
}

Deno.test(
  "any timeout the schema accepts works: execute always gets whole seconds",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connect({ provider: providerFor(fake) });
    const result = await mcp.call("shell_exec", { command: "echo quick", timeout: 2.5 });
    assertEquals(result.isError, false, text(result));
    assertEquals(structured<{ stdout: string }>(result).stdout, "quick\n");
    const python = await mcp.call("python_exec", { code: "print(1)", timeout: 0.5 });
    assertEquals(python.isError, false, text(python));
  },
);

Deno.test(
  "a long command runs detached and is followed with short requests, reporting progress",
  opts,
  async () => {
    // The proxy cuts any toolbox request longer than 1.5 s; the provider waits 1 s per request.
    await using env = await setup({ proxyTimeoutMs: 1500 }, { pollSeconds: 1 });
    const sandbox = await env.provider.create();
    const lines: string[] = [];
    env.fake.resetCounts();
    const result = await sandbox.exec("for i in 1 2 3; do echo step $i; sleep 1; done", {
      timeoutMs: 60_000,
      onOutput: (line) => lines.push(line),
    });
    assertEquals(result.stdout, "step 1\nstep 2\nstep 3\n");
    assert(env.fake.count("POST /toolbox/{id}/process/execute") >= 2);
    assert(lines.some((line) => /step/.test(line)), `progress: ${lines}`);

    const python = await sandbox.runPython(
      "import time\nfor i in range(3):\n    time.sleep(1)\nprint('ok')",
      {
        timeoutMs: 60_000,
      },
    );
    assertEquals(python.stdout, "ok\n");

    const abort = new AbortController();
    const cancelled = sandbox.exec("sleep 30", { timeoutMs: 60_000, signal: abort.signal });
    await eventually(() =>
      Promise.resolve(env.fake.count("POST /toolbox/{id}/process/execute") > 0)
    );
    setTimeout(() => abort.abort(), 1500);
    const ended = await cancelled;
    assert(ended.cancelled, "cancelling kills it");
  },
);

Deno.test("git 401/403 name GIT_TOKEN; 404 names the repository or branch", opts, async () => {
  await using fake = await startFakeDaytona();
  await using mcp = await connect({ provider: providerFor(fake) });
  await mcp.call("shell_exec", { command: "true" });
  const clone = { repo_url: "https://git.example/private.git", target_path: "repo", branch: "dev" };
  for (
    const [status, code, pattern] of [
      [401, "GIT_AUTH_FAILED", /refused the credentials.*GIT_TOKEN/],
      [403, "GIT_AUTH_FORBIDDEN", /refused the credentials.*GIT_TOKEN/],
      [404, "GIT_REPO_NOT_FOUND", /repository https:\/\/git\.example\/private\.git does not exist/],
      [404, "GIT_BRANCH_NOT_FOUND", /branch dev of/],
    ] as const
  ) {
    fake.inject("POST /toolbox/{id}/git/clone", {
      status,
      code,
      message: code === "GIT_BRANCH_NOT_FOUND" ? "reference not found" : "failed",
    });
    const result = await mcp.call("git_clone", clone);
    assert(result.isError);
    assertMatch(text(result), pattern);
    assert(!/API key/.test(text(result)), text(result));
  }
});

Deno.test("bulk-download errors: a directory and an unreadable file say so", opts, async () => {
  await using env = await setup();
  const sandbox = await env.provider.create();
  await sandbox.exec("mkdir -p dir && echo secret > locked && chmod 000 locked");
  const read = (path: string) => new Response(sandbox.readFile(path)).text();
  const directory = await read("dir").catch((error) => error);
  assert(directory instanceof SandboxFileError);
  assertEquals(directory.code, "is_directory");
  assertMatch(directory.message, /is a directory/);
  const locked = await read("locked").catch((error) => error);
  assert(locked instanceof SandboxFileError);
  assertEquals(locked.code, "permission");
});

Deno.test(
  "a create that ends in build_failed deletes that sandbox and says why",
  opts,
  async () => {
    await using env = await setup();
    env.fake.failNextBuild("build_failed", "Dockerfile step 2 failed");
    await rejects(
      env.provider.create({ image: "python:3.12-slim" }),
      /build_failed: Dockerfile step 2 failed.*deleted/,
    );
    assertEquals(env.fake.sandboxIds(), []);
    const built = await env.provider.create({ image: "python:3.12-slim" });
    assertEquals((await built.exec("echo built")).stdout, "built\n");
  },
);

Deno.test("a quota error (400 from the API) says quota", opts, async () => {
  await using env = await setup({ maxSandboxes: 0 });
  await rejects(env.provider.create(), /quota/);
});

Deno.test(
  "a delete that meets 409 (a stop is pending) is retried until it goes through",
  opts,
  async () => {
    await using env = await setup();
    const sandbox = await env.provider.create();
    await env.fake.stop(sandbox.id, { pending: 3 });
    await sandbox.close();
    assertEquals(env.fake.sandboxIds(), []);
  },
);

Deno.test(
  "a 429 with Retry-After-authenticated is waited out within the deadline",
  opts,
  async () => {
    await using env = await setup();
    await env.provider.list();
    env.fake.throttle(1, 3000);
    await env.provider.list(); // the window's one request
    const found = await env.provider.list(); // refused until the window ends, then let through
    assertEquals(found, []);
    assert(env.fake.count("GET /api/sandbox") >= 4);
  },
);

Deno.test(
  "a tool call that waits out a throttling window reports progress while it waits",
  opts,
  async () => {
    await using env = await setup();
    const sandbox = await env.provider.create();
    await env.fake.advance(16 * MINUTE); // stopped: the next call needs the API to start it
    // A 2 s window whose requests are used up: the start's first API request gets a 429.
    env.fake.throttle(20, 2000);
    for (let i = 0; i < 20; i++) await env.provider.list();
    const progress: string[] = [];
    const result = await shellExec(sandbox, { command: "echo back" }, {
      onProgress: (message) => progress.push(message),
    });
    assertEquals(result.stdout, "back\n");
    assertEquals(env.fake.state(sandbox.id), "started");
    assertMatch(
      progress[0] ?? "",
      /^Daytona's rate limit was hit: waiting [12] s, as it asks, to /,
    );
    env.fake.throttle(Infinity);
  },
);

Deno.test("a plain Retry-After header (no throttler name) is honoured too", opts, async () => {
  await using env = await setup();
  const sandbox = await env.provider.create();
  await env.fake.advance(16 * MINUTE);
  env.fake.inject("GET /api/sandbox/{id}", { status: 429, retryAfter: "1" });
  const waits: string[] = [];
  const result = await sandbox.exec("echo back", { onWait: (message) => waits.push(message) });
  assertEquals(result.stdout, "back\n");
  assertEquals(waits.length, 1);
  assertMatch(waits[0], /rate limit was hit: waiting 1 s, as it asks, to read the sandbox's state/);
});

Deno.test(
  "a rate limit longer than the deadline fails at once, saying when to retry",
  opts,
  async () => {
    await using env = await setup({}, { timeoutSeconds: 5 });
    env.fake.throttle(0, 60_000);
    await rejects(env.provider.list(), /rate limit.*in 60 s.*try again/);
    env.fake.throttle(Infinity);
  },
);

Deno.test(
  "an image without python3: shell and file tools work, python_exec says why it cannot",
  opts,
  async () => {
    await using env = await setup();
    const sandbox = await env.provider.create({ image: "node:22-slim" });
    const result = await sandbox.exec("echo out; echo err >&2; exit 3");
    assertEquals([result.stdout, result.stderr, result.exitCode], ["out\n", "err\n", 3]);
    await sandbox.writeFile("notes/a.txt", new TextEncoder().encode("hello"));
    assertEquals(await new Response(sandbox.readFile("notes/a.txt")).text(), "hello");
    assertEquals(
      await new Response(sandbox.readFile("notes/a.txt", { offset: 1, length: 3 })).text(),
      "ell",
    );
    assertEquals((await sandbox.stat("notes/a.txt")).size, 5);
    const listing = await sandbox.listFiles("notes");
    assertEquals(listing.entries.map((entry) => entry.name), ["a.txt"]);
    await rejects(sandbox.runPython("1"), /image has no python3.*python:3\.12-slim/);
  },
);

Deno.test(
  "web_preview on an image without python3 returns the URL and says why it was not checked",
  opts,
  async () => {
    await using env = await setup();
    const sandbox = await env.provider.create({ image: "node:22-slim" });
    const preview = await webPreview(sandbox, { port: 3000 });
    assertMatch(preview.url, /3000/);
    assertEquals([preview.accessible, preview.status_code, preview.error], [null, null, null]);
    assertMatch(preview.message, /not checked: the sandbox's image has no python3/);
    // The fake's image lacks python3 for every program, not only for the daemon's own shell.
    const nested = await sandbox.exec("sh -c 'python3 -V'");
    assertEquals(nested.exitCode, 127);
  },
);

Deno.test(
  "cancelling a long python_exec that runs detached interrupts it and keeps the interpreter's state",
  opts,
  async () => {
    // As in the long-command test: the proxy cuts requests longer than 1.5 s.
    await using env = await setup({ proxyTimeoutMs: 1500 }, { pollSeconds: 1 });
    const sandbox = await env.provider.create();
    await sandbox.runPython("x = 41");
    env.fake.resetCounts();
    const abort = new AbortController();
    const running = sandbox.runPython(
      "import time\nfor i in range(600):\n    time.sleep(0.1)\nx = 0",
      { timeoutMs: 120_000, signal: abort.signal },
    );
    // A follow-up request means the cell went on detached in the agent.
    await eventually(() =>
      Promise.resolve(env.fake.count("POST /toolbox/{id}/process/execute") >= 2)
    );
    abort.abort();
    const result = await running;
    assert(result.cancelled, "reported as cancelled");
    // As on the local provider: an interrupted cell keeps the interpreter and its variables.
    assertEquals([result.state, result.freshInterpreter], ["kept", false]);
    // The loop never finished (x = 0 did not run) and the interpreter is free for the next call.
    assertEquals((await sandbox.runPython("x + 1")).result, "42");
  },
);

Deno.test(
  "cancelling a long command on an image without python3 kills its process group",
  opts,
  async () => {
    await using env = await setup();
    const sandbox = await env.provider.create({ image: "node:22-slim" });
    env.fake.resetCounts();
    const abort = new AbortController();
    const running = sandbox.exec("sleep 30 & wait; echo finished", {
      timeoutMs: 120_000,
      signal: abort.signal,
    });
    await eventually(() =>
      Promise.resolve(env.fake.count("POST /toolbox/{id}/process/execute") >= 1)
    );
    abort.abort();
    const result = await running;
    assert(result.cancelled, "reported as cancelled");
    assertEquals([result.exitCode, result.signal, result.stdout], [null, "SIGKILL", ""]);
    // The background sleep was in the killed group too.
    const count = "for p in /proc/[0-9]*; do tr '\\0' ' ' <$p/cmdline; echo; done 2>/dev/null | " +
      "grep -c '^sleep 30' || true";
    assertEquals((await sandbox.exec(count)).stdout.trim(), "0");
  },
);

Deno.test(
  "a replica that finds its tenant's sandbox stopped starts it and its next result says so",
  opts,
  async () => {
    await using env = await setup({}, { deployment: "lifecycle-test" });
    const sandbox = await env.provider.create({ tenant: "token-a" });
    await sandbox.writeFile("kept.txt", new TextEncoder().encode("kept"));
    await env.fake.stop(sandbox.id);
    // Another replica of the deployment, which never saw this sandbox.
    await using replica = providerFor(env.fake, { deployment: "lifecycle-test" });
    assertEquals(await replica.find(sandbox.id, { tenant: "token-b" }), undefined);
    const found = await replica.find(sandbox.id, { tenant: "token-a" });
    assertEquals(env.fake.state(sandbox.id), "started");
    const first = await found!.exec("cat kept.txt");
    assertEquals(first.stdout, "kept");
    assertMatch(first.notes?.[0] ?? "", /had stopped.*started again.*Python interpreter is fresh/);
    assertEquals((await found!.exec("true")).notes, undefined, "said once");
  },
);
