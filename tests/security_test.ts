// The sandbox boundary and the server's stability under hostile code: escapes, limits, secrets.
// (Filesystem escapes and cleanup on close are in tests/providers/local_test.ts and
// tests/tools/file_paths_test.ts; exits in tests/e2e_stdio_test.ts.)

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
import type { PythonExecOutput } from "../src/tools/python_exec.ts";
import type { ShellExecOutput } from "../src/tools/shell_exec.ts";
import { startFakeDaytona } from "./daytona/fake_server.ts";
import { connect, hasBwrap, LOCK_FLAG, ROOT, sh, structured } from "./_helpers.ts";

const opts = { ignore: !hasBwrap };

Deno.test("sandboxed code can neither see nor signal host processes", opts, async () => {
  await using mcp = await connect();
  const out = structured<ShellExecOutput>(
    await mcp.call("shell_exec", {
      command: `kill -0 ${Deno.pid} 2>&1; kill -9 ${Deno.pid} 2>&1; ps -eo pid,args`,
    }),
  );
  assertMatch(out.stdout, /No such process/);
  assert(!out.stdout.includes("deno"), "the server's process is invisible");
  assert(out.stdout.split("\n").filter(Boolean).length < 12, out.stdout);
  assertEquals(await sh(mcp, "echo still-here"), "still-here\n", "the server survived");
});

Deno.test("with network none, the sandbox cannot reach the host's network", opts, async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })();
  const probe =
    `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), 2); print('reached')" 2>&1 | tail -1`;
  try {
    await using open = await connect({ local: { network: "host" } });
    assertEquals(await sh(open, probe), "reached\n", "control: host network shared");
    await using closed = await connect({ local: { network: "none" } });
    assertMatch(await sh(closed, probe), /Connection refused|unreachable/);
    assertEquals(
      (await sh(closed, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")).trim(),
      "lo",
      "only a loopback device of its own",
    );
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
});

Deno.test(
  "a memory hog, a fork bomb and a huge file are contained; the next call works",
  opts,
  async () => {
    await using mcp = await connect({
      local: { limits: { memoryMb: 1024, processes: 128, fileMb: 50 } },
    });
    const hog = structured<PythonExecOutput>(
      await mcp.call("python_exec", { code: "hog = bytearray(4 * 1024 ** 3)" }),
    );
    assertEquals(hog.error?.type, "MemoryError");
    assertEquals(hog.state, "kept", "the interpreter survives its own hog");
    const shellHog = structured<ShellExecOutput>(
      await mcp.call("shell_exec", { command: "python3 -c 'x = b\"x\" * (4 * 1024 ** 3)'" }),
    );
    assert(shellHog.exit_code !== 0);
    assertMatch(shellHog.stderr, /MemoryError/);

    const bomb = structured<ShellExecOutput>(
      await mcp.call("shell_exec", {
        command: "bomb() { bomb | bomb & }; bomb; sleep 30",
        timeout: 3,
      }),
    );
    assertEquals(bomb.timed_out, true, "the bomb's process group was killed at the timeout");
    // Killed processes take a moment to exit and be reaped on a busy machine: up to 10 s.
    const left = structured<ShellExecOutput>(
      await mcp.call("shell_exec", {
        command: "for i in $(seq 100); do n=$(ps -e --no-headers | wc -l); " +
          '[ "$n" -lt 20 ] && break; sleep 0.1; done; echo $n',
      }),
    );
    assert(Number(left.stdout) < 20, `${left.stdout.trim()} processes left after the bomb`);
    const file = structured<ShellExecOutput>(
      await mcp.call("shell_exec", {
        command: "head -c 100000000 /dev/zero > big.bin; ls -l big.bin",
      }),
    );
    assertMatch(file.stderr, /File size limit exceeded/);
    assertMatch(file.stdout, / 52428800 /);
    assertEquals(
      (await mcp.call("python_exec", { code: "6 * 7" })).structuredContent?.result,
      "42",
    );
  },
);

Deno.test(
  "API keys and git tokens appear in no log line, result or sandbox environment",
  opts,
  async () => {
    const key = "dtn_SECRET_api_key_0123456789";
    const token = "ghp_SECRET_git_token_9876543210";
    await using fake = await startFakeDaytona({ apiKey: key });
    for (const provider of ["local", "daytona"]) {
      const transport = new StdioClientTransport({
        command: Deno.execPath(),
        args: [
          "run",
          LOCK_FLAG,
          "--allow-all",
          "mod.ts",
          "--provider",
          provider,
          "--log-level",
          "debug",
        ],
        cwd: ROOT,
        env: {
          PATH: Deno.env.get("PATH")!,
          HOME: Deno.env.get("HOME")!,
          NO_COLOR: "1",
          MCP_DAYTONA_API_KEY: key,
          MCP_DAYTONA_SERVER_URL: fake.apiUrl,
          GIT_TOKEN: token,
          GITHUB_TOKEN: token,
          MCP_GIT_TOKEN_HOSTS: "127.0.0.1:9",
        },
        stderr: "pipe",
      });
      let logs = "";
      const stderr = transport.stderr!;
      stderr.on("data", (chunk: Uint8Array) => logs += new TextDecoder().decode(chunk));
      const client = new Client({ name: "secrets", version: "1" });
      await client.connect(transport);
      const results: unknown[] = [];
      const call = async (name: string, args: Record<string, unknown>) =>
        results.push(await client.callTool({ name, arguments: args }));
      await call("shell_exec", { command: "env; cat /proc/1/environ | tr '\\0' '\\n'; exit 3" });
      await call("python_exec", { code: "import os; print(dict(os.environ)); 1/0" });
      await call("file_upload", { file_path: "/etc/x", content: "x" });
      await call("file_download", { file_path: "missing" });
      await call("file_list", { path: "/nope" });
      await call("git_clone", { repo_url: "https://127.0.0.1:9/private/repo.git" });
      await call("git_clone", { repo_url: "https://127.0.0.1:9/o/r.git", lfs: true });
      await call("web_preview", { port: 1 });
      await call("sandbox_list", {});
      await call("sandbox_delete", { sandbox_id: "not-ours" });
      await client.close();
      const everything = JSON.stringify(results) + logs;
      for (const secret of [key, token]) {
        assert(!everything.includes(secret), `${provider}: a secret leaked`);
        assert(
          !everything.includes(new TextEncoder().encode(`x-access-token:${secret}`).toBase64()),
        );
      }
      assert(logs.includes("[daytona-mcp]"), `${provider}: logs were captured`);
    }
  },
);
