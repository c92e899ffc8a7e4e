import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { startFakeDaytona } from "./daytona/fake_server.ts";
import { hasBwrap, LOCK_FLAG, ROOT } from "./_helpers.ts";

async function run(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", LOCK_FLAG, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("examples/local.ts runs with the permissions it documents", {
  ignore: !hasBwrap,
}, async () => {
  const out = await run([
    "--allow-run=bwrap,setpriv",
    "--allow-read=/tmp",
    "--allow-write=/tmp",
    "--allow-sys=uid",
    "--allow-net",
    "examples/local.ts",
  ]);
  assertEquals(out.code, 0, out.stderr);
  assertMatch(
    out.stdout,
    /^mean computed in the sandbox: 3\.875\nsandbox in \/home\/sandbox\nPython 3\./,
  );
});

Deno.test(
  "examples/daytona.ts runs on --allow-net --allow-env",
  { ignore: !hasBwrap },
  async () => {
    await using fake = await startFakeDaytona();
    const out = await run(["--allow-net", "--allow-env", "examples/daytona.ts"], {
      MCP_DAYTONA_API_KEY: fake.apiKey,
      MCP_DAYTONA_SERVER_URL: fake.apiUrl,
    });
    assertEquals(out.code, 0, out.stderr);
    assertMatch(out.stdout, /^'sandbox'\nLinux sandbox /);
    assertEquals(fake.sandboxIds(), [], "the example deleted its sandbox");
  },
);

Deno.test("deno task demo runs a scripted session and saves the chart", {
  ignore: !hasBwrap,
}, async () => {
  // The demo task's own flags, run from a scratch directory where it may write its chart.
  const task: string = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks.demo;
  const flags = task.split(" ").filter((arg) => arg.startsWith("--") && !arg.startsWith("--lock"));
  const dir = await Deno.makeTempDir({ prefix: "mcp-demo-" });
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", `${ROOT}/deno.json`, LOCK_FLAG, ...flags, `${ROOT}/scripts/demo.ts`],
    cwd: dir,
    env: { NO_COLOR: "1", PATH: Deno.env.get("PATH")!, HOME: Deno.env.get("HOME")! },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assertMatch(stdout, /"result":"12\.566"/);
  assertMatch(stdout, /The file's content: "Hi there!\\n"/);
  assertMatch(stdout, /Done: the sandbox and everything in it are gone\./);
  const png = await Deno.readFile(`${dir}/demo-chart.png`);
  assertEquals([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  await Deno.remove(dir, { recursive: true });
});
