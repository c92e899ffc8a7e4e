import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { startFakeDaytona } from "./daytona/fake_server.ts";
import { hasBwrap, ROOT } from "./_helpers.ts";

async function run(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...args],
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
