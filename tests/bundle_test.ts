// bundle/ is what `deno task start`, the JSR `./cli` export and the binaries run: it must be built
// from the current sources, and its Daytona part (the one piece that still imports npm) must work.
// The stdio end-to-end tests (e2e_stdio_test.ts) run the bundle through the start task.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { CallToolResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { BUNDLE_DIR, readBundle, writeBundle } from "../scripts/gen_bundle.ts";
import { startFakeDaytona } from "./daytona/fake_server.ts";
import { denoFlags, hasBwrap, initializeRequest, ROOT, structured } from "./_helpers.ts";

Deno.test("bundle/ is what `deno task gen` builds from the current sources", async () => {
  const fresh = await Deno.makeTempDir({ prefix: "bundle-test-" });
  try {
    await writeBundle(fresh);
    const want = await readBundle(fresh);
    const have = await readBundle(BUNDLE_DIR);
    assertEquals(
      [...have.keys()].sort(),
      [...want.keys()].sort(),
      "bundle/ is stale: run `deno task gen` and commit bundle/",
    );
    for (const [name, text] of want) {
      assert(have.get(name) === text, `bundle/${name} is stale: run \`deno task gen\``);
    }
  } finally {
    await Deno.remove(fresh, { recursive: true });
  }
});

Deno.test(
  "a first `deno task start` on an empty cache answers initialize and downloads nothing",
  { ignore: !hasBwrap }, // local mode refuses to start without bubblewrap
  async () => {
    const denoDir = await Deno.makeTempDir({ prefix: "bundle-test-deno-dir-" });
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["task", "--quiet", "start"],
        cwd: ROOT,
        env: { PATH: Deno.env.get("PATH")!, HOME: Deno.env.get("HOME")!, DENO_DIR: denoDir },
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(JSON.stringify(initializeRequest(1)) + "\n"));
      await writer.close();
      const { code, stdout } = await child.output();
      assertEquals(code, 0);
      const reply = JSON.parse(new TextDecoder().decode(stdout).split("\n")[0]);
      assertEquals(reply.result.serverInfo.name, "daytona-mcp-interpreter");
      const downloaded: string[] = [];
      for await (const entry of walk(denoDir)) downloaded.push(entry);
      assertEquals(downloaded.filter((path) => /^(npm|remote|jsr)\//.test(path)), []);
    } finally {
      await Deno.remove(denoDir, { recursive: true });
    }
  },
);

/** The files under `dir`, as paths relative to it. */
async function* walk(dir: string, prefix = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    if (entry.isDirectory) yield* walk(dir, `${prefix}${entry.name}/`);
    else yield `${prefix}${entry.name}`;
  }
}

Deno.test("the start tasks and the JSR entry point run the bundle", () => {
  const deno = JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`));
  assertEquals(deno.exports["./cli"], "./bundle/cli.js");
  for (const task of ["start", "start:http", "start:daytona", "doctor", "init"]) {
    assert((deno.tasks[task] as string).includes(" bundle/cli.js"), task);
  }
});

Deno.test("the bundled server works on Daytona through the real SDK", async () => {
  await using fake = await startFakeDaytona();
  const flags = denoFlags("start:daytona");
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", ...flags, "bundle/cli.js", "--provider", "daytona"],
    cwd: ROOT,
    env: {
      PATH: Deno.env.get("PATH")!,
      HOME: Deno.env.get("HOME")!,
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
      NO_COLOR: "1",
      MCP_DAYTONA_API_KEY: fake.apiKey,
      MCP_DAYTONA_SERVER_URL: fake.apiUrl,
    },
    stderr: "ignore",
  });
  const client = new Client({ name: "bundle-test", version: "1" });
  await client.connect(transport);
  try {
    const call = async (name: string, args: Record<string, unknown>) =>
      await client.callTool({ name, arguments: args }) as CallToolResult;
    const python = await call("python_exec", { code: "n = 6 * 7\nn" });
    assert(!python.isError, JSON.stringify(python.content));
    assertEquals(structured<{ result: string }>(python).result, "42");
    const shell = await call("shell_exec", { command: "echo from-daytona" });
    assertEquals(structured<{ stdout: string }>(shell).stdout, "from-daytona\n");
    assertEquals(fake.sandboxIds().length, 1);
  } finally {
    await client.close();
  }
});

Deno.test(
  "the bundled server serves HTTP",
  { ignore: !hasBwrap },
  async () => {
    const flags = denoFlags("start:http");
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, "bundle/cli.js", "--http", "--port", "0"],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let said = "";
      let url: RegExpMatchArray | null = null;
      while (!(url = said.match(/serving MCP at (\S+)/))) {
        const { value, done } = await lines.read();
        if (done) throw new Error(`the server exited; it said: ${said}`);
        said += value;
      }
      const { StreamableHTTPClientTransport } = await import(
        "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js"
      );
      const client = new Client({ name: "bundle-test", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(url[1])));
      const shell = await client.callTool({
        name: "shell_exec",
        arguments: { command: "echo over-http" },
      }) as CallToolResult;
      assertEquals(structured<{ stdout: string }>(shell).stdout, "over-http\n");
      await client.close();
    } finally {
      if (!(await Promise.race([child.status, Promise.resolve(undefined)]))) child.kill("SIGTERM");
      await child.status;
      await lines.cancel();
    }
  },
);
