import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import type { ShellExecOutput } from "../../src/tools/shell_exec.ts";
import { assertToolErrors, connect, hasBwrap, structured, text } from "../_helpers.ts";

const opts = { ignore: !hasBwrap, sanitizeResources: true, sanitizeOps: true };

Deno.test("shellExec() returns stderr apart from stdout, with the exit code", opts, async () => {
  await using mcp = await connect();
  const result = await mcp.call("shell_exec", { command: "echo out; echo err >&2; exit 3" });
  const out = structured<ShellExecOutput>(result);
  assertEquals(out.stdout, "out\n");
  assertEquals(out.stderr, "err\n");
  assertEquals(out.exit_code, 3);
  assertEquals(out.timed_out, false);
  assertEquals(result.isError, true, "a non-zero exit is flagged for the model");
  assertEquals(JSON.parse(text(result)), out, "the text content mirrors the structured content");
  const ok = await mcp.call("shell_exec", { command: "true" });
  assertEquals(ok.isError, false);
  assertEquals(structured<ShellExecOutput>(ok).exit_code, 0);
});

Deno.test("shellExec() runs in cwd with the given env, home by default", opts, async () => {
  await using mcp = await connect();
  const home = structured<ShellExecOutput>(await mcp.call("shell_exec", { command: "pwd" }));
  assertEquals(home.stdout, "/home/sandbox\n");
  const out = structured<ShellExecOutput>(
    await mcp.call("shell_exec", {
      command: 'mkdir -p sub && cd sub && pwd && echo "$GREETING"',
    }),
  );
  assertEquals(out.stdout, "/home/sandbox/sub\n\n");
  const there = structured<ShellExecOutput>(
    await mcp.call("shell_exec", {
      command: 'pwd; echo "$GREETING"',
      cwd: "/home/sandbox/sub",
      env: { GREETING: "hello there" },
    }),
  );
  assertEquals(there.stdout, "/home/sandbox/sub\nhello there\n");
});

Deno.test("shellExec() kills the whole process group on timeout", opts, async () => {
  await using mcp = await connect();
  const result = await mcp.call("shell_exec", {
    command: "sleep 311 & sleep 312 & echo started; wait",
    timeout: 1,
  });
  const out = structured<ShellExecOutput>(result);
  assertEquals(out.timed_out, true);
  assertEquals(out.signal, "SIGKILL");
  assertEquals(out.exit_code, null);
  assertEquals(out.stdout, "started\n", "output before the timeout is kept");
  assertEquals(result.isError, true);
  const ps = structured<ShellExecOutput>(
    await mcp.call("shell_exec", { command: "ps -eo args" }),
  );
  assert(!ps.stdout.includes("sleep 31"), `children survived the timeout:\n${ps.stdout}`);
});

Deno.test("shellExec() returns while a backgrounded server keeps serving", opts, async () => {
  await using mcp = await connect();
  const port = 20000 + Math.floor(Math.random() * 20000);
  await mcp.call("shell_exec", { command: "mkdir site && echo served-page > site/index.html" });
  const start = structured<ShellExecOutput>(
    await mcp.call("shell_exec", {
      command: `cd site && python3 -m http.server ${port} --bind 127.0.0.1 & echo launched`,
      timeout: 60,
    }),
  );
  // What the server prints within the moment the call waits for output after the shell's exit
  // may come along (its banner, on a fast machine); the call does not wait for more.
  assert(start.stdout.startsWith("launched\n"), start.stdout);
  assertEquals(start.timed_out, false, "the call returned without waiting for the server");
  const fetch = structured<ShellExecOutput>(
    await mcp.call("shell_exec", {
      command:
        `for i in $(seq 50); do python3 -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:${port}/').read().decode(), end='')" 2>/dev/null && break; sleep 0.1; done`,
      timeout: 30,
    }),
  );
  assertEquals(fetch.stdout, "served-page\n");
  const again = structured<ShellExecOutput>(
    await mcp.call("shell_exec", { command: "ps -eo args | grep -c '[h]ttp.server'" }),
  );
  assertEquals(again.stdout, "1\n", "the server is still running after later calls");
});

Deno.test(
  "shellExec() caps a 50 MB flood as head and tail, then answers the next call",
  opts,
  async () => {
    await using mcp = await connect();
    const out = structured<ShellExecOutput>(
      await mcp.call("shell_exec", {
        command: "echo FIRST; head -c 50000000 /dev/zero | tr '\\0' x; echo; echo LAST",
      }),
    );
    assertEquals(out.truncated, true);
    assertEquals(out.stdout_bytes, 50_000_000 + "FIRST\n".length + "\nLAST\n".length);
    assert(out.stdout.length < 101_000, `kept ${out.stdout.length} characters`);
    assert(out.stdout.startsWith("FIRST\nxxx"));
    assert(out.stdout.endsWith("xxx\nLAST\n"));
    assertMatch(out.stdout, /\[\.\.\. 49\.9 MB \(4\d{7} bytes\) of output omitted \.\.\.\]/);
    const next = structured<ShellExecOutput>(await mcp.call("shell_exec", { command: "echo ok" }));
    assertEquals(next.stdout, "ok\n");
  },
);

Deno.test("shellExec() honours a smaller output cap from the server's limits", opts, async () => {
  await using mcp = await connect({ limits: { maxOutputBytes: 1000 } });
  const out = structured<ShellExecOutput>(
    await mcp.call("shell_exec", { command: "seq 1 10000" }),
  );
  assertEquals(out.truncated, true);
  assert(out.stdout.startsWith("1\n2\n3\n"));
  assert(out.stdout.endsWith("9999\n10000\n"));
  assert(out.stdout.length < 1100);
});

Deno.test("shellExec() passes unicode through and replaces invalid UTF-8", opts, async () => {
  await using mcp = await connect();
  const unicode = structured<ShellExecOutput>(
    await mcp.call("shell_exec", {
      command:
        "printf 'h\\303\\251llo \\342\\234\\223 \\360\\237\\216\\211 \\344\\275\\240\\345\\245\\275\\n'",
    }),
  );
  assertEquals(unicode.stdout, "héllo ✓ 🎉 你好\n");
  const invalid = structured<ShellExecOutput>(
    await mcp.call("shell_exec", { command: "printf 'a\\377\\376b\\n'" }),
  );
  assertEquals(invalid.stdout, "a\uFFFD\uFFFDb\n");
  assertEquals(invalid.stdout_bytes, 5);
  // Cutting a long multibyte output must not split characters at the head/tail boundary.
  const cut = structured<ShellExecOutput>(
    await mcp.call("shell_exec", {
      command: "python3 -c \"import sys; sys.stdout.write('é🎉' * 100000)\"",
    }),
  );
  assertEquals(cut.truncated, true);
  assert(!cut.stdout.includes("\uFFFD"), "no character was split");
});

Deno.test(
  "shellExec() does not show the server's environment inside the sandbox",
  opts,
  async () => {
    Deno.env.set("MCP_TEST_SECRET_API_KEY", "sk-test-do-not-leak");
    try {
      await using mcp = await connect();
      const out = structured<ShellExecOutput>(
        await mcp.call("shell_exec", {
          command: "env; cat /proc/1/environ 2>/dev/null | tr '\\0' '\\n'",
        }),
      );
      assert(!out.stdout.includes("sk-test-do-not-leak"), out.stdout);
      assert(!out.stdout.includes("MCP_TEST_SECRET"), out.stdout);
      assertMatch(out.stdout, /^HOME=\/home\/sandbox$/m);
      assertMatch(out.stdout, /^PATH=/m);
    } finally {
      Deno.env.delete("MCP_TEST_SECRET_API_KEY");
    }
  },
);

Deno.test("shellExec() rejects bad input with errors naming the parameter", opts, async () => {
  await using mcp = await connect();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /command/],
    [{ command: "" }, /command must not be empty/],
    [{ command: 42 }, /command must be a string/],
    [{ command: "ls", timeout: -1 }, /timeout must be greater than 0/],
    [{ command: "ls", timeout: "soon" }, /timeout must be a number/],
    [{ command: "ls", cwd: "/no/such/dir" }, /cwd '\/no\/such\/dir' is not a directory/],
    [{ command: "ls", env: { "1BAD": "x" } }, /env names/],
    [{ command: "echo \0" }, /command must not contain NUL/],
  ];
  await assertToolErrors(mcp, "shell_exec", cases);
  const unknown = await mcp.call("no_such_tool", {});
  assertEquals(unknown.isError, true);
  assertMatch(text(unknown), /no_such_tool not found/);
  const after = structured<ShellExecOutput>(await mcp.call("shell_exec", { command: "echo fine" }));
  assertEquals(after.stdout, "fine\n");
});

Deno.test(
  "a command that moves into another process group is still killed at its timeout, and the sandbox kept",
  opts,
  async () => {
    // The timeout killed the command's own process group only: one that joined another group
    // with setpgid() ran on, the supervisor waited for it, and the server ended the unanswering
    // sandbox 15 s later, with its files.
    await using mcp = await connect();
    await mcp.call("shell_exec", { command: "echo kept > marker" });
    const first = structured<ShellExecOutput>(
      await mcp.call("shell_exec", { command: "sleep 1000 >/dev/null 2>&1 & echo $$" }),
    );
    const group = Number(first.stdout.trim());
    assert(group > 1, first.stdout);
    const moved = await mcp.call("shell_exec", {
      command:
        `exec python3 -c "import os, time; os.setpgid(0, ${group}); print('moved', flush=True); time.sleep(1e6)"`,
      timeout: 2,
    });
    const out = structured<ShellExecOutput>(moved);
    assertEquals(out.timed_out, true, text(moved));
    assertEquals(out.stdout, "moved\n");
    assertEquals(out.signal, "SIGKILL");
    const after = structured<ShellExecOutput>(
      await mcp.call("shell_exec", { command: "cat marker" }),
    );
    assertEquals(after.stdout, "kept\n");
  },
);

const TRACED = [
  "import ctypes, os, sys, time",
  "libc = ctypes.CDLL(None, use_errno=True)",
  "leader = os.getpid()",
  "r, w = os.pipe()",
  "if os.fork() == 0:",
  "    os.setsid()",
  "    # PTRACE_SEIZE with PTRACE_O_TRACEEXIT, never resumed: the leader, killed, waits for good.",
  "    libc.ptrace(0x4206, leader, None, ctypes.c_void_p(0x40))",
  "    os.write(w, b'x')",
  "    time.sleep(1e6)",
  "os.read(r, 1)",
  "print('traced', flush=True)",
  "time.sleep(1e6)",
].join("\n");

Deno.test(
  "a command held by a process that ptraces it is still ended at its timeout, and the sandbox kept",
  opts,
  async () => {
    // A killed tracee waits in its exit stop while its tracer lets it: the supervisor waited, and
    // the server ended the unanswering sandbox 15 s later, with its files.
    await using mcp = await connect();
    await mcp.call("file_upload", { file_path: "traced.py", content: TRACED });
    await mcp.call("shell_exec", { command: "echo kept > marker" });
    const result = await mcp.call("shell_exec", { command: "exec python3 traced.py", timeout: 2 });
    const out = structured<ShellExecOutput>(result);
    assertEquals(out.timed_out, true, text(result));
    assertEquals(out.stdout, "traced\n");
    const after = structured<ShellExecOutput>(
      await mcp.call("shell_exec", { command: "cat marker" }),
    );
    assertEquals(after.stdout, "kept\n");
  },
);
