// The Daytona provider end to end: the server on `--allow-net --allow-env` only, sandboxes
// deleted on every kind of exit, foreign sandboxes never touched, one request per warm call,
// retries and clear errors under faults. The real SDK talks to tests/daytona/fake_server.ts.

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
import { Daytona } from "npm:@daytonaio/sdk@0.218.0";
import { DaytonaProvider } from "../../src/providers/daytona/mod.ts";
import { silentLogger } from "../../src/log.ts";
import { sessionTools, tools } from "../../src/registry.ts";
import { type FakeDaytona, startFakeDaytona } from "../daytona/fake_server.ts";
import {
  connect,
  eventually,
  hasBwrap,
  LOCK_FLAG,
  ROOT,
  spawnServer,
  structured,
  text,
} from "../_helpers.ts";
import { connectDaytona } from "../daytona/connect.ts";

const opts = { ignore: !hasBwrap };

function serverEnv(fake: FakeDaytona): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
    NO_COLOR: "1",
    MCP_DAYTONA_API_KEY: fake.apiKey,
    MCP_DAYTONA_SERVER_URL: fake.apiUrl,
    MCP_DAYTONA_TARGET: "us",
  };
}

async function startServer(fake: FakeDaytona): Promise<Client> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", LOCK_FLAG, "--allow-net", "--allow-env", "mod.ts"],
    cwd: ROOT,
    env: serverEnv(fake),
    stderr: "ignore",
  });
  const client = new Client({ name: "daytona-e2e", version: "1" });
  await client.connect(transport);
  return client;
}

Deno.test(
  "Daytona mode runs every tool with --allow-net --allow-env and nothing else",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    const foreign = await fake.seed({ labels: { owner: "somebody-else" } });
    const client = await startServer(fake);
    const used = new Set<string>();
    const callTool = async (name: string, args: Record<string, unknown>) => {
      used.add(name);
      const result = await client.callTool({ name, arguments: args }) as CallToolResult;
      assertEquals(result.isError ?? false, false, `${name}: ${text(result)}`);
      return result;
    };
    const call = async (name: string, args: Record<string, unknown>) =>
      (await callTool(name, args)).structuredContent as Record<string, unknown>;
    const shell = await call("shell_exec", { command: "echo hi; echo oops >&2" });
    assertEquals([shell.stdout, shell.stderr], ["hi\n", "oops\n"]);
    await call("python_exec", { code: "n = 21" });
    assertEquals((await call("python_exec", { code: "n * 2" })).result, "42");
    assertEquals((await call("file_upload", { file_path: "a.txt", content: "abc" })).size, 3);
    const down = await callTool("file_download", { file_path: "a.txt" });
    assertEquals(down.content[1], { type: "text", text: "abc" });
    const entries = (await call("file_list", {})).entries as { name: string }[];
    assert(entries.some((e) => e.name === "a.txt"));
    await call("shell_exec", {
      command:
        "git init -q -b main /tmp/s && cd /tmp/s && echo x > x && git add x && git -c user.name=t -c user.email=t@e commit -qm x && git clone -q --bare /tmp/s /tmp/r.git",
    });
    assertEquals((await call("git_clone", { repo_url: "file:///tmp/r.git" })).files, ["x"]);
    await call("shell_exec", { command: "python3 -m http.server 28123 --bind 127.0.0.1 &" });
    const preview = await call("web_preview", { port: 28123 });
    assertEquals(preview.accessible, true);
    assert(typeof preview.token === "string", "Daytona's preview token is passed on");
    assert(((await call("sandbox_reset", {})).killed as number) >= 1, "the server stopped");
    const second = await call("sandbox_create", {});
    const listed = (await call("sandbox_list", {})).sandboxes as { sandbox_id: string }[];
    assertEquals(listed.length, 2);
    assert(!listed.some((s) => s.sandbox_id === foreign), "foreign sandboxes are not listed");
    await call("sandbox_delete", { sandbox_id: second.sandbox_id });
    assertEquals([...used].sort(), [...tools, ...sessionTools].map((t) => t.name).sort());

    const refused = await client.callTool({
      name: "sandbox_delete",
      arguments: { sandbox_id: foreign },
    }) as CallToolResult;
    assertEquals(refused.isError, true);
    assertMatch(text(refused), /did not create it/);

    await client.close();
    await eventually(async () => {
      await Promise.resolve();
      return fake.sandboxIds().length === 1;
    }, 20_000);
    assertEquals(fake.sandboxIds(), [foreign], "ours deleted, the foreign one untouched");
    assertEquals(fake.count("DELETE /api/sandbox/{id}"), 2);
  },
);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`Daytona sandboxes are deleted when the server gets ${signal}`, opts, async () => {
    await using fake = await startFakeDaytona();
    const foreign = await fake.seed({ labels: { owner: "other" } });
    const server = spawnServer([LOCK_FLAG, "--allow-net", "--allow-env"], serverEnv(fake));
    await server.callTools([
      { name: "shell_exec", arguments: { command: "true" } },
      { name: "sandbox_create", arguments: {} },
    ]);
    assertEquals(fake.sandboxIds().length, 3);
    assertEquals((await server.end(signal)).code, 0);
    assertEquals(fake.sandboxIds(), [foreign]);
  });
}

Deno.test("a warm shell_exec or python_exec on Daytona is exactly one request", opts, async () => {
  await using fake = await startFakeDaytona();
  await using mcp = await connectDaytona(fake);
  await mcp.call("shell_exec", { command: "true" });
  await mcp.call("python_exec", { code: "x = 1" });
  for (
    const [tool, args] of [
      ["shell_exec", { command: "echo warm" }],
      ["python_exec", { code: "x += 1" }],
    ] as const
  ) {
    fake.resetCounts();
    const result = await mcp.call(tool, args);
    assertEquals(result.isError, false, text(result));
    assertEquals(fake.counts(), { "POST /toolbox/{id}/process/execute": 1 }, tool);
  }
});

Deno.test(
  "Daytona requests: creation is one create, polls and one install; a warm call or small upload is one",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connectDaytona(fake);
    await mcp.call("shell_exec", { command: "true" });
    let counts = fake.counts();
    assertEquals(counts["POST /api/sandbox"], 1);
    assert(counts["GET /api/sandbox/{id}"] >= 1, "state polled until started");
    const execute = "POST /toolbox/{id}/process/execute";
    assertEquals(counts[execute], 2, "the agent's install, then the command");
    assertEquals(counts["POST /toolbox/{id}/files/bulk-upload"], undefined);
    assertEquals(counts["GET /toolbox/{id}/user-home-dir"], undefined);

    const requests = () => Object.values(fake.counts()).reduce((a, b) => a + b, 0);
    let before = requests();
    await mcp.call("python_exec", { code: "x = 1" });
    await mcp.call("file_upload", { file_path: "small.txt", content: "x".repeat(200_000) });
    assertEquals(requests() - before, 2, "one request each");
    counts = fake.counts();
    assertEquals(counts[execute], 4);

    // A big file goes through bulk-upload, then the agent moves it into place.
    before = requests();
    const big = await mcp.call("file_upload", {
      file_path: "big.txt",
      content: "y".repeat(300_000),
      overwrite: false,
    });
    assertEquals(big.isError, false);
    assertEquals(requests() - before, 3, "stat, bulk-upload, move");
    assertEquals(fake.counts()["POST /toolbox/{id}/files/bulk-upload"], 1);
    const sizes = await mcp.call("shell_exec", { command: "wc -c < small.txt; wc -c < big.txt" });
    assertEquals(structured<{ stdout: string }>(sizes).stdout, "200000\n300000\n");
  },
);

Deno.test("idempotent Daytona calls are retried through transient faults", opts, async () => {
  await using fake = await startFakeDaytona();
  await using mcp = await connectDaytona(fake);
  await mcp.call("shell_exec", { command: "true" });
  const listed = await mcp.call("sandbox_list", {});
  assertEquals(listed.isError, false);
  for (const fault of [{ status: 500 }, { status: 429 }, { reset: true }]) {
    fake.inject("GET /api/sandbox", { ...fault, times: 2 });
    const result = await mcp.call("sandbox_list", {});
    assertEquals(result.isError, false, `${JSON.stringify(fault)}: ${text(result)}`);
  }
  fake.inject("POST /toolbox/{id}/files/bulk-upload", { status: 503, times: 1 });
  const upload = await mcp.call("file_upload", { file_path: "r.txt", content: "retried" });
  assertEquals(upload.isError, false, text(upload));
});

Deno.test(
  "non-idempotent Daytona calls are not repeated after a 500; the server keeps working",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connectDaytona(fake);
    await mcp.call("shell_exec", { command: "true" });
    fake.resetCounts();
    fake.inject("POST /toolbox/{id}/process/execute", { status: 500, times: 1 });
    const failed = await mcp.call("shell_exec", { command: "echo once >> log.txt" });
    assertEquals(failed.isError, true);
    assertMatch(text(failed), /Daytona failed \(500/);
    assertEquals(fake.count("POST /toolbox/{id}/process/execute"), 1, "not retried");
    const after = await mcp.call("shell_exec", { command: "cat log.txt 2>/dev/null | wc -l" });
    assertEquals(structured<{ stdout: string }>(after).stdout, "0\n");
  },
);

Deno.test(
  "a wrong Daytona API key names the variable to fix, and never shows the key",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    const wrongKey = "dtn_wrong_secret_key_123";
    await using mcp = await connect({
      provider: new DaytonaProvider({ apiKey: wrongKey, apiUrl: fake.apiUrl, log: silentLogger() }),
    });
    const result = await mcp.call("shell_exec", { command: "true" });
    assertEquals(result.isError, true);
    assertMatch(text(result), /rejected the API key.*MCP_DAYTONA_API_KEY/);
    assert(!JSON.stringify(result).includes(wrongKey));
  },
);

Deno.test("Daytona mode refuses to start without --allow-net and without a key, saying what to do", async () => {
  const run = (args: string[], env: Record<string, string>) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", LOCK_FLAG, ...args, "mod.ts"],
      cwd: ROOT,
      env: { PATH: Deno.env.get("PATH")!, NO_COLOR: "1", ...env },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  const noNet = await run(["--allow-env"], { MCP_DAYTONA_API_KEY: "k" });
  assertEquals(noNet.code, 1);
  assertMatch(new TextDecoder().decode(noNet.stderr), /--allow-net --allow-env/);
  const noKey = await run(["--allow-net", "--allow-env"], { MCP_SANDBOX_PROVIDER: "daytona" });
  assertEquals(noKey.code, 2);
  assertMatch(
    new TextDecoder().decode(noKey.stderr),
    /set MCP_DAYTONA_API_KEY \(or DAYTONA_API_KEY\)/,
  );
});

Deno.test(
  "a resent execute request runs once: the agent answers the repeat from memory",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connectDaytona(fake);
    const sandbox = await mcp.session.sandbox();
    await sandbox.exec("true");
    // Replay the exact request the provider would send, twice, as an HTTP client might.
    const home = sandbox.info.home;
    const request = JSON.stringify({ op: "exec", id: "same-id", command: "echo ran >> once.log" });
    const command =
      `python3 ${home}/.mcp-sandbox/agent.py call ${home}/.mcp-sandbox/agent.sock - <<'EOF'\n${request}\nEOF`;
    await sandbox.exec(command);
    await sandbox.exec(command);
    assertEquals((await sandbox.exec("cat once.log")).stdout, "ran\n");
  },
);

Deno.test("closing the provider deletes leftover sandboxes carrying its label", opts, async () => {
  await using fake = await startFakeDaytona();
  const provider = new DaytonaProvider({
    apiKey: fake.apiKey,
    apiUrl: fake.apiUrl,
    log: silentLogger(),
  });
  const foreign = await fake.seed({
    labels: { "created-by": "daytona-mcp-interpreter", "mcp-instance": "another-server" },
  });
  const duplicate = await fake.seed({ labels: provider.labels });
  await provider.create();
  assertEquals(fake.sandboxIds().length, 3);
  await provider.close();
  assertEquals(
    fake.sandboxIds(),
    [foreign],
    `the duplicate ${duplicate} went, the other server's stayed`,
  );
});

Deno.test(
  "git_clone on Daytona uses the toolbox git API, keeping tokens out of the sandbox",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    const token = "ghp_DaytonaSideToken987";
    await using mcp = await connect({
      provider: new DaytonaProvider({
        apiKey: fake.apiKey,
        apiUrl: fake.apiUrl,
        log: silentLogger(),
      }),
      credentials: { gitToken: token },
    });
    const made = await mcp.call("shell_exec", {
      command:
        "export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@e GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@e; " +
        "git init -q -b main /tmp/s && cd /tmp/s && echo 1 > f && git add f && git commit -qm one && " +
        "echo 2 > f && git commit -qam two && git clone -q --bare /tmp/s /tmp/r.git && git rev-parse HEAD~1",
    });
    const first = structured<{ stdout: string }>(made).stdout.trim();
    fake.resetCounts();
    const pinned = structured<{ commit: string; branch: string | null }>(
      await mcp.call("git_clone", {
        repo_url: "file:///tmp/r.git",
        commit: first,
        target_path: "pinned",
      }),
    );
    assertEquals([pinned.commit, pinned.branch], [first, null]);
    assertEquals(fake.count("POST /toolbox/{id}/git/clone"), 1);
    const failed = await mcp.call("git_clone", { repo_url: "https://127.0.0.1:9/private.git" });
    assertEquals(failed.isError, true);
    assert(!JSON.stringify(failed).includes(token), text(failed));
    const env = structured<{ stdout: string }>(await mcp.call("shell_exec", { command: "env" }));
    assert(!env.stdout.includes(token));
  },
);

Deno.test(
  "git_clone on Daytona: the git service does not take the sandbox user's git settings, so an insteadOf cannot divert the token",
  opts,
  async () => {
    // Daytona's daemon clones with go-git, which reads no ~/.gitconfig; the fake's git must not
    // either. A listener in the sandbox would otherwise receive the token.
    await using fake = await startFakeDaytona();
    const token = "ghp_DivertedToken4711";
    await using mcp = await connect({
      provider: new DaytonaProvider({
        apiKey: fake.apiKey,
        apiUrl: fake.apiUrl,
        log: silentLogger(),
      }),
      credentials: { gitToken: token, gitTokenHosts: ["127.0.0.1:9"] },
    });
    const listen = [
      "import socket",
      "s = socket.socket()",
      "s.bind(('127.0.0.1', 0))",
      "s.listen(8)",
      "open('/tmp/port', 'w').write(str(s.getsockname()[1]))",
      "while True:",
      "    c, _ = s.accept()",
      "    open('/tmp/heard', 'ab').write(c.recv(65536))",
      "    c.sendall(b'HTTP/1.1 401 Unauthorized\\r\\nWWW-Authenticate: Basic realm=x\\r\\nContent-Length: 0\\r\\n\\r\\n')",
      "    c.close()",
    ].join("\n");
    await mcp.call("file_upload", { file_path: "/tmp/listen.py", content: listen });
    const set = structured<{ exit_code: number; stderr: string }>(
      await mcp.call("shell_exec", {
        command: "nohup python3 /tmp/listen.py >/dev/null 2>&1 & " +
          "while [ ! -s /tmp/port ]; do sleep 0.05; done; " +
          'git config --global url."http://127.0.0.1:$(cat /tmp/port)/".insteadOf https://127.0.0.1:9/',
      }),
    );
    assertEquals(set.exit_code, 0, set.stderr);
    const cloned = await mcp.call("git_clone", { repo_url: "https://127.0.0.1:9/private.git" });
    assertEquals(cloned.isError, true, "nothing listens on port 9");
    const heard = structured<{ stdout: string }>(
      await mcp.call("shell_exec", { command: "cat /tmp/heard 2>/dev/null || echo nothing" }),
    ).stdout;
    assertEquals(heard, "nothing\n", "the clone went to the sandbox's listener");
  },
);

Deno.test(
  "Daytona sandboxes are labeled and stop and delete themselves if the server dies",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using provider = new DaytonaProvider({
      apiKey: fake.apiKey,
      apiUrl: fake.apiUrl,
      log: silentLogger(),
    });
    const sandbox = await provider.create({ labels: { team: "data" } });
    const sdk = new Daytona({
      apiKey: fake.apiKey,
      apiUrl: fake.apiUrl,
      useDeprecatedPolling: true,
    });
    try {
      const seen = await sdk.get(sandbox.id);
      assertEquals(seen.labels["created-by"], "daytona-mcp-interpreter");
      assertEquals(seen.labels["mcp-instance"], provider.instance);
      assertEquals(seen.labels.team, "data");
      assertEquals([seen.autoStopInterval, seen.autoDeleteInterval], [15, 60]);
    } finally {
      await sdk[Symbol.asyncDispose]();
    }
  },
);

Deno.test(
  "whole-file reads on Daytona stream through bulk-download; reads at an offset do not",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connectDaytona(fake);
    const sandbox = await mcp.session.sandbox();
    await sandbox.exec("head -c 20000000 /dev/urandom > big.bin");
    const expected = (await sandbox.exec("sha256sum big.bin")).stdout.split(" ")[0];
    fake.resetCounts();
    const hash = await crypto.subtle.digest(
      "SHA-256",
      await new Response(sandbox.readFile("big.bin")).arrayBuffer(),
    );
    assertEquals(
      new Uint8Array(hash).toHex(),
      expected,
      "20 MB intact through the multipart stream",
    );
    assertEquals(fake.count("POST /toolbox/{id}/files/bulk-download"), 1);
    const head = await new Response(sandbox.readFile("big.bin", { length: 10 })).arrayBuffer();
    assertEquals(head.byteLength, 10, "a read from the start stops at its length");
    fake.resetCounts();
    const middle = await new Response(
      sandbox.readFile("big.bin", { offset: 10_000_000, length: 1000 }),
    ).arrayBuffer();
    assertEquals(middle.byteLength, 1000);
    assertEquals(fake.count("POST /toolbox/{id}/files/bulk-download"), 0);
    assertEquals(fake.count("POST /toolbox/{id}/process/execute"), 1, "one ranged read");
  },
);

Deno.test(
  "a Daytona reply slower than MCP_DAYTONA_TIMEOUT fails clearly; the server keeps working",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connect({
      provider: new DaytonaProvider({
        apiKey: fake.apiKey,
        apiUrl: fake.apiUrl,
        timeoutSeconds: 1,
        log: silentLogger(),
      }),
    });
    await mcp.call("shell_exec", { command: "true" });
    fake.inject("POST /toolbox/{id}/files/bulk-upload", { delayMs: 2500, times: 10 });
    // Big enough to go through bulk-upload rather than inside an agent request.
    const upload = await mcp.call("file_upload", {
      file_path: "slow.txt",
      content: "x".repeat(300_000),
    });
    assertEquals(upload.isError, true);
    assertMatch(text(upload), /Cannot upload files: the toolbox did not answer/);
    fake.inject("GET /api/sandbox", { delayMs: 2500, times: 10 });
    const listed = await mcp.call("sandbox_list", {});
    assertEquals(listed.isError, true);
    assertMatch(text(listed), /Cannot list sandboxes/);
    fake.clearFaults();
    const after = await mcp.call("shell_exec", { command: "echo alive" });
    assertEquals(structured<{ stdout: string }>(after).stdout, "alive\n");
  },
);
