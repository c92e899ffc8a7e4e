// Packages just work: pip (every spelling) installs into the sandbox's Python environment without
// flags, python_exec imports what was installed a moment ago without a reset, the host's packages
// stay importable, and the package cache is shared by one session's sandboxes and no other's.
// Packages come from a local index built here (tests/_package_index.ts).

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { LocalProvider } from "../../src/providers/local/mod.ts";
import { silentLogger } from "../../src/log.ts";
import { SandboxSession } from "../../src/session.ts";
import type { Sandbox } from "../../src/sandbox.ts";
import type { PythonExecOutput } from "../../src/tools/python_exec.ts";
import type { ShellExecOutput } from "../../src/tools/shell_exec.ts";
import { startFakeDaytona } from "../daytona/fake_server.ts";
import { connectDaytona } from "../daytona/connect.ts";
import { startPackageIndex } from "../_package_index.ts";
import { connect, type Connected, hasBwrap, structured, TEST_EGRESS } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };

/** Runs `command` with the index as pip's; fails the test unless it exits 0. */
async function install(mcp: Connected, command: string, index: string): Promise<void> {
  const result = await mcp.call("shell_exec", {
    command,
    env: { PIP_INDEX_URL: index, PIP_NO_INPUT: "1" },
    timeout: 120,
  });
  const out = structured<ShellExecOutput>(result);
  assertEquals(out.exit_code, 0, `${command}: ${out.stdout}${out.stderr}`);
}

async function python(mcp: Connected, code: string): Promise<PythonExecOutput> {
  return structured<PythonExecOutput>(await mcp.call("python_exec", { code }));
}

/** Whether the host's python3 has every one of `modules`. */
async function hostHas(...modules: string[]): Promise<boolean> {
  const code = `import ${modules.join(", ")}`;
  return (await new Deno.Command("python3", { args: ["-c", code], stderr: "null" }).output())
    .success;
}

const SPELLINGS = [
  ["pip install demo-pip", "demo_pip"],
  ["python -m pip install demo-python", "demo_python"],
  ["python3 -m pip install demo-python3", "demo_python3"],
  // A user install lands in ~/.local, which did not exist when the interpreter started.
  ["pip install --user demo-user", "demo_user"],
] as const;

Deno.test(
  "pip, python -m pip and python3 -m pip install without flags, and python_exec imports at once",
  opts,
  async () => {
    await using index = await startPackageIndex(
      [...SPELLINGS.map(([, module]) => ({ name: module.replace("_", "-") })), {
        name: "demo-uv",
      }],
    );
    await using mcp = await connect({
      local: { egress: { ...TEST_EGRESS, allowHostPorts: [index.port] } },
    });
    // The interpreter runs, and has already looked for the packages, before they are installed.
    const before = await python(
      mcp,
      "import importlib.util\n[importlib.util.find_spec(m) for m in ('demo_pip', 'demo_user')]",
    );
    assertEquals(before.result, "[None, None]");
    for (const [command] of SPELLINGS) await install(mcp, command, index.url);
    const modules = SPELLINGS.map(([, module]) => module);
    const after = await python(
      mcp,
      `import ${modules.join(", ")}\n[m.NAME for m in (${modules.join(", ")})]`,
    );
    assertEquals(after.error, null);
    assertEquals(after.fresh_interpreter, false, "no reset");
    assertEquals(after.result, "['demo-pip', 'demo-python', 'demo-python3', 'demo-user']");
    // Installed into the sandbox's environment, which python_exec runs.
    const where = await python(mcp, "import sys, demo_pip\nsys.prefix, demo_pip.__file__");
    assertMatch(
      where.result!,
      /^\('\/home\/sandbox\/\.venv', '\/home\/sandbox\/\.venv\/lib\/python3\.\d+\/site-packages\/demo_pip\/__init__\.py'\)$/,
    );
    // uv, where the host has it.
    const uv = structured<ShellExecOutput>(
      await mcp.call("shell_exec", { command: "command -v uv" }),
    );
    if (uv.exit_code === 0) {
      await install(mcp, "uv pip install demo-uv", index.url);
      assertEquals((await python(mcp, "import demo_uv\ndemo_uv.NAME")).result, "'demo-uv'");
    }
  },
);

Deno.test("the host's packages stay importable in the sandbox's environment", opts, async () => {
  await using mcp = await connect();
  const modules = ["numpy", "matplotlib", "pandas"];
  const present: string[] = [];
  for (const module of modules) if (await hostHas(module)) present.push(module);
  assert(present.length > 0 || !(await hostHas("numpy")), "numpy is on the host");
  const out = await python(
    mcp,
    `import ${["sys", ...present].join(", ")}\nsys.prefix != sys.base_prefix`,
  );
  assertEquals(out.error, null);
  assertEquals(out.result, "True");
  const shell = structured<ShellExecOutput>(
    await mcp.call("shell_exec", {
      command: `python -c 'import ${["sys", ...present].join(", ")}'`,
    }),
  );
  assertEquals(shell.exit_code, 0, shell.stderr);
});

/** The names in a sandbox's cache directory, or null when it cannot be read. */
async function cacheEntries(sandbox: Sandbox): Promise<string[] | null> {
  const out = await sandbox.exec("ls -A /var/cache/packages");
  return out.exitCode === 0 ? out.stdout.split("\n").filter(Boolean).sort() : null;
}

for (const uidPerTenant of [false, true]) {
  Deno.test(
    `a session's sandboxes share a package cache that another session's sandboxes cannot see${
      uidPerTenant ? " (each session's sandboxes as a host uid of its own, as over HTTP)" : ""
    }`,
    opts,
    async () => {
      await using index = await startPackageIndex([{ name: "demo-cached", padBytes: 100_000 }]);
      const baseDir = await Deno.makeTempDir({ prefix: "packages-test-" });
      await Deno.chmod(baseDir, 0o755); // the unprivileged sandbox user must be able to traverse it
      try {
        const log = silentLogger();
        await using provider = new LocalProvider({
          log,
          baseDir,
          egress: { ...TEST_EGRESS, allowHostPorts: [index.port] },
          uidPerTenant,
        });
        // pip caches downloads from https and trusted hosts only (PyPI is https).
        const env = { PIP_INDEX_URL: index.url, PIP_TRUSTED_HOST: "127.0.0.1" };
        const wheel = "demo_cached-1.0-py3-none-any.whl";
        const a = new SandboxSession(provider, log);
        const b = new SandboxSession(provider, log);
        try {
          const a1 = await a.sandbox();
          assertEquals((await a1.exec("pip install demo-cached", { env })).exitCode, 0);
          assertEquals(index.served.get(wheel), 1);
          // Sandbox code writes into its cache: what another sandbox could later execute.
          assertEquals((await a1.exec("echo planted > /var/cache/packages/planted")).exitCode, 0);
          const a2 = await a.create();
          assertEquals(
            (await a2.exec("cat /var/cache/packages/planted")).stdout,
            "planted\n",
            "the session's other sandbox shares the cache",
          );
          assertEquals((await a2.exec("pip install demo-cached", { env })).exitCode, 0);
          assertEquals(
            index.served.get(wheel),
            1,
            "installed from the cache: not downloaded again",
          );

          const b1 = await b.sandbox();
          assertEquals(await cacheEntries(b1), [], "another session's cache starts empty");
          const found = await b1.exec(
            "find / -xdev -name planted 2>/dev/null; find /tmp /home /var -name 'mcp-sandbox-cache-*' 2>/dev/null",
          );
          assertEquals(found.stdout, "", "nothing of session A's cache is reachable from B");
          assertEquals((await b1.exec("pip install demo-cached", { env })).exitCode, 0);
          assertEquals(index.served.get(wheel), 2, "B downloaded it itself");
          assertEquals(await cacheEntries(a2).then((e) => e?.includes("planted")), true);
          assert(!(await cacheEntries(b1))?.includes("planted"));

          const caches = async () => {
            const names: string[] = [];
            for await (const e of Deno.readDir(baseDir)) {
              if (e.name.startsWith("mcp-sandbox-cache-")) names.push(e.name);
            }
            return names.length;
          };
          assertEquals(await caches(), 2, "one cache per session");
          await a.close();
          assertEquals(await caches(), 1, "a session's cache goes with its last sandbox");
        } finally {
          await a.close();
          await b.close();
        }
      } finally {
        await Deno.remove(baseDir, { recursive: true });
      }
    },
  );
}

Deno.test(
  "on Daytona, pip install and pip install --user are imported by python_exec without a reset",
  opts,
  async () => {
    await using index = await startPackageIndex([{ name: "demo-remote" }, {
      name: "demo-remote-user",
    }]);
    await using fake = await startFakeDaytona();
    await using mcp = await connectDaytona(fake);
    const first = await python(
      mcp,
      "import importlib.util\nimportlib.util.find_spec('demo_remote')",
    );
    assertEquals(first.result, null);
    await install(mcp, "pip install demo-remote", index.url);
    await install(mcp, "pip install --user demo-remote-user", index.url);
    const out = await python(mcp, "import demo_remote, demo_remote_user\ndemo_remote_user.NAME");
    assertEquals(out.error, null);
    assertEquals(out.fresh_interpreter, false);
    assertEquals(out.result, "'demo-remote-user'");
  },
);
