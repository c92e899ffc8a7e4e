// The doctor and init subcommands, run as a user would.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { startFakeDaytona } from "./daytona/fake_server.ts";
import { hasBwrap, ROOT, symlink } from "./_helpers.ts";
import { parseCommand } from "../src/config.ts";
import { runFlags } from "../src/init.ts";

const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks;
const flagsOf = (task: string) =>
  (tasks[task] as string).split(" ").filter((a) => a.startsWith("--"));

async function run(task: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flagsOf(task), "mod.ts", task, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_DIR: denoDir, ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
}

const path = { PATH: Deno.env.get("PATH")!, HOME: Deno.env.get("HOME")! };
// A different HOME must not send Deno to an empty cache.
const denoDir = Deno.env.get("DENO_DIR") ?? `${path.HOME}/.cache/deno`;

Deno.test(
  "doctor passes here and fails, with a fix, without bubblewrap",
  { ignore: !hasBwrap },
  async () => {
    const good = await run("doctor", [], path);
    assertEquals(good.code, 0, good.text);
    assertMatch(good.text, /ok {4}local sandbox: starts, runs a command and cleans up/);
    assertMatch(good.text, /Ready: the local provider can work here\./);
    const bad = await run("doctor", [], { PATH: "/nonexistent", HOME: path.HOME });
    assertEquals(bad.code, 1);
    assertMatch(
      bad.text,
      /FAIL {2}bubblewrap: not installed\n {6}fix: sudo apt-get install bubblewrap/,
    );
  },
);

Deno.test("doctor checks the Daytona key against the API", async () => {
  await using fake = await startFakeDaytona();
  const env = { ...path, MCP_DAYTONA_SERVER_URL: fake.apiUrl };
  const good = await run("doctor", [], { ...env, MCP_DAYTONA_API_KEY: fake.apiKey });
  assertMatch(good.text, /ok {4}Daytona API: .* answers and accepts the key/);
  const bad = await run("doctor", [], { ...env, MCP_DAYTONA_API_KEY: "dtn_wrong" });
  assertEquals(bad.code, 1);
  assertMatch(bad.text, /FAIL {2}Daytona API: .*rejected the API key/);
  assert(!bad.text.includes("dtn_wrong"), "the key is not printed");
});

Deno.test("init prints each client's entry with the flags the provider needs", async () => {
  const local = await run("init", [], path);
  assertEquals(local.code, 0, local.text);
  assertMatch(local.text, /claude-desktop \(.*claude_desktop_config\.json\)/);
  assertMatch(local.text, /"--allow-run=bwrap,setpriv"/);
  assertMatch(local.text, /claude mcp add sandbox -- deno run --allow-run=bwrap,setpriv/);
  const daytona = await run("init", ["--client", "cursor", "--jsr"], {
    ...path,
    MCP_DAYTONA_API_KEY: "dtn_secret_value",
  });
  assertMatch(
    daytona.text,
    /"--allow-net",\n\s+"--allow-env",\n\s+"jsr:@daytona-mcp\/interpreter\/cli"/,
  );
  assert(!daytona.text.includes("dtn_secret_value"), "the key is never printed");
});

Deno.test("init --share adds the shared directories, and what Daytona needs to reach them", async () => {
  const args = ["--client", "claude-desktop", "--share", "/home/you/projects"];
  const local = await run("init", [...args, "--share", "/home/you/out:rw"], path);
  assertEquals(local.code, 0, local.text);
  assertMatch(
    local.text,
    /"--share",\n\s+"\/home\/you\/projects",\n\s+"--share",\n\s+"\/home\/you\/out:rw"\n/,
  );
  // Local sandboxes mount them with bwrap: Deno itself needs no access to them.
  assert(!local.text.includes("--allow-read=/home/you"), local.text);
  const daytona = await run("init", [...args, "--share", "/home/you/out:rw", "--jsr"], {
    ...path,
    MCP_DAYTONA_API_KEY: "dtn_secret_value",
  });
  assertMatch(
    daytona.text,
    /"--allow-env",\n\s+"--allow-read=\/home\/you\/projects,\/home\/you\/out",\n\s+"--allow-write=\/home\/you\/out",/,
  );
  const bad = await run("init", ["--share", "projects"], path);
  assertEquals(bad.code, 2);
  assertMatch(bad.text, /--share must be an absolute path/);
});

Deno.test("init reads its own flags beside the server's, and names a bad one", async () => {
  const bad = await run("init", ["--client", "zed"], path);
  assertEquals(bad.code, 2);
  assertMatch(
    bad.text,
    /Cannot configure: --client must be claude-desktop, cursor or claude-code, got 'zed'/,
  );
  const help = await run("init", ["--help"], path);
  assertEquals(help.code, 0, help.text);
  assertMatch(help.text, /Options of init:\n {2}--client <value> +The client to configure/);
  assertMatch(help.text, /--network <value>/);
});

Deno.test("init --write adds the entry, keeps other servers, and shows the change", async () => {
  const home = await Deno.makeTempDir({ prefix: "mcp-init-" });
  try {
    await Deno.mkdir(`${home}/.cursor`);
    await Deno.writeTextFile(
      `${home}/.cursor/mcp.json`,
      JSON.stringify({ mcpServers: { other: { command: "x" } } }),
    );
    const env = { PATH: path.PATH, HOME: home };
    const first = await run("init", ["--write", "--binary", "/opt/mcp/server"], env);
    assertEquals(first.code, 0, first.text);
    assertMatch(first.text, /\+ {3}"command": "\/opt\/mcp\/server"/);
    const cursor = JSON.parse(await Deno.readTextFile(`${home}/.cursor/mcp.json`));
    assertEquals(cursor.mcpServers.other, { command: "x" });
    assertEquals(cursor.mcpServers.sandbox, { command: "/opt/mcp/server", args: [] });
    const desktop = JSON.parse(
      await Deno.readTextFile(`${home}/.config/Claude/claude_desktop_config.json`),
    );
    assertEquals(desktop.mcpServers.sandbox.command, "/opt/mcp/server");
    const again = await run("init", ["--write", "--binary", "/opt/mcp/server"], env);
    assertMatch(again.text, /already configured/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("init --write refuses a config it cannot extend, and otherwise changes nothing else", async () => {
  // Arrays, strings and a string of mcpServers were rewritten as objects of numbered keys, big
  // numbers lost digits, null crashed init, and the file was rewritten in place.
  const home = await Deno.makeTempDir({ prefix: "mcp-init-" });
  try {
    const config = `${home}/.cursor/mcp.json`;
    await Deno.mkdir(`${home}/.cursor`);
    const env = { PATH: path.PATH, HOME: home };
    const write = () => run("init", ["--write", "--client", "cursor", "--binary", "/opt/s"], env);
    for (
      const text of ['[{"a":1},2]', '"hello"', "null", '{"mcpServers":"abc"}', '{"mcpServers":[1]}']
    ) {
      await Deno.writeTextFile(config, text);
      const refused = await write();
      assertEquals(refused.code, 1, refused.text);
      assertMatch(
        refused.text,
        /Cannot update .*mcp\.json: it is not a JSON object whose "mcpServers" is an object; left as it is/,
      );
      assertMatch(refused.text, /"command": "\/opt\/s"/); // what to add by hand
      assertEquals(await Deno.readTextFile(config), text);
    }
    // Numbers stay as written; the file keeps its mode; a symlink stays one.
    await Deno.writeTextFile(
      `${home}/real.json`,
      '{"id":12345678901234567891,"f":1.0000000000000000001}',
    );
    await Deno.chmod(`${home}/real.json`, 0o600);
    await Deno.remove(config);
    await symlink(`${home}/real.json`, config);
    const written = await write();
    assertEquals(written.code, 0, written.text);
    const text = await Deno.readTextFile(`${home}/real.json`);
    assertMatch(text, /"id": 12345678901234567891,\n {2}"f": 1\.0000000000000000001,/);
    assertEquals(JSON.parse(text).mcpServers.sandbox.command, "/opt/s");
    assert((await Deno.lstat(config)).isSymlink);
    assertEquals((await Deno.stat(`${home}/real.json`)).mode! & 0o777, 0o600);
    assertEquals(
      (await Array.fromAsync(Deno.readDir(home))).filter((e) => e.name.endsWith(".tmp")),
      [],
    );
    // A dangling symlink: refused with why, not a crash.
    await Deno.remove(`${home}/real.json`);
    const dangling = await write();
    assertEquals(dangling.code, 1, dangling.text);
    assertMatch(dangling.text, /Cannot update .*: it is a symlink to a file that does not exist/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("init quotes the Claude Code command line for the shell", async () => {
  const out = await run(
    "init",
    ["--client", "claude-code", "--share", "/tmp/my dir;touch PWNED"],
    path,
  );
  assertEquals(out.code, 0, out.text);
  assertMatch(out.text, / --share '\/tmp\/my dir;touch PWNED'\n/);
  assertMatch(out.text, / '--allow-env=MCP_\*,/);
});

Deno.test("init loads a checkout's bundle lazily, as deno task start does, and nothing else", () => {
  const config = (env: Record<string, string>) => {
    const command = parseCommand([], (name) => env[name]);
    if (command.kind !== "serve") throw new Error("expected a serve command");
    return command.config;
  };
  const local = config({});
  assertEquals(runFlags(local, "/home/you/checkout/bundle/cli.js").slice(0, 4), [
    "--lock=/home/you/checkout/deno.lock",
    "--unstable-lazy-dynamic-imports",
    "--allow-run=bwrap,setpriv",
    "--allow-read=/tmp,/home/you/checkout/bundle",
  ]);
  const startTask = tasks.start.split(" ").filter((a: string) => a.startsWith("--"));
  assertEquals(runFlags(local, `${ROOT}/bundle/cli.js`).length, startTask.length);
  for (const target of ["jsr:@daytona-mcp/interpreter/cli", "/home/you/checkout/src/cli.ts"]) {
    assert(!runFlags(local, target).includes("--unstable-lazy-dynamic-imports"), target);
    assert(runFlags(local, target).includes("--allow-read=/tmp"), target);
  }
  const daytona = config({ MCP_DAYTONA_API_KEY: "k" });
  assertEquals(runFlags(daytona, "/home/you/checkout/bundle/cli.js"), [
    "--allow-net",
    "--allow-env",
  ]);
});

Deno.test("a log line cannot be forged, nor the terminal driven, by what a message quotes", async () => {
  // Messages quote ids, paths and output that clients and sandboxes choose.
  const code = `import { createLogger } from "${ROOT}/src/log.ts";
createLogger("info").warn("shell_exec: Cannot find sandbox x\\n[daytona-mcp] error: FORGED\\r\\x1b[2J" + "y".repeat(100000));
createLogger("info").info("next");`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  const entries = text.split("\n").filter((line) => line.startsWith("[daytona-mcp]"));
  assertEquals(entries.map((line) => line.slice(0, 25)), [
    "[daytona-mcp] warn: shell",
    "[daytona-mcp] info: next",
  ]);
  assert(!text.includes("\x1b") && !text.includes("\r"), JSON.stringify(text.slice(0, 200)));
  assertMatch(text, /\\x1b\[2J/);
  assert(text.length < 9000, `${text.length} characters logged`);
  assertMatch(text, /… \(\d+ more characters\)/);
});
