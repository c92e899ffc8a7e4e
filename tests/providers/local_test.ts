import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { LocalProvider } from "../../src/providers/local/mod.ts";
import { SandboxError } from "../../src/sandbox.ts";
import { silentLogger } from "../../src/log.ts";
import { eventually, hasBwrap, hostProcesses, ROOT } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };
const log = silentLogger();

async function sandboxDirs(base: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(base)) names.push(entry.name);
  return names;
}

Deno.test("LocalProvider hides the host's homes, /root and this checkout", opts, async () => {
  await using provider = new LocalProvider({ log });
  await using sandbox = await provider.create();
  const hostHomes: string[] = [];
  for await (const entry of Deno.readDir("/home")) hostHomes.push(`/home/${entry.name}`);
  const paths = ["/root", ROOT, ...hostHomes].filter((path) => path !== "/home/sandbox");
  const probe = await sandbox.exec(
    `for p in ${paths.join(" ")}; do [ -e "$p" ] && echo "visible: $p"; done; ` +
      "cat /etc/shadow >/dev/null 2>&1 && echo 'visible: /etc/shadow'; ls /home",
  );
  assertEquals(probe.stdout, "sandbox\n", probe.stdout);
});

Deno.test(
  "LocalProvider runs processes as an unprivileged user without capabilities",
  opts,
  async () => {
    await using provider = new LocalProvider({ log });
    await using sandbox = await provider.create();
    const id = await sandbox.exec("id -un; id -u; grep CapEff /proc/self/status");
    assertEquals(id.stdout, "sandbox\n1000\nCapEff:\t0000000000000000\n");
    const { stdout } = await sandbox.exec(
      "for p in /usr/x /etc/x /opt/sandbox/x /opt/sandbox/__pycache__/x /x; do " +
        'touch $p 2>/dev/null && echo "wrote $p"; done; ' +
        "touch ~/ok /tmp/ok && echo home-and-tmp-writable",
    );
    assertEquals(stdout, "home-and-tmp-writable\n");
  },
);

Deno.test(
  "LocalProvider gives the supervisor its modules compiled, matching their sources, read-only",
  opts,
  async () => {
    await using provider = new LocalProvider({ log });
    // Compiled once the server makes a second sandbox; the first compiles its own.
    await using first = await provider.create();
    const none = await first.exec("ls /opt/sandbox/__pycache__ 2>&1");
    assertMatch(none.stdout, /No such file or directory/);
    await using sandbox = await provider.create();
    // Each module's .pyc is hash-checked against its source, so Python loads it rather than
    // compiling the module at every sandbox's start.
    const check = await sandbox.exec([
      "python3",
      "-c",
      `import glob, importlib.util, os, sys
tag = sys.implementation.cache_tag
for source in sorted(glob.glob("/opt/sandbox/*.py")):
    name = os.path.basename(source)[:-3]
    with open("/opt/sandbox/__pycache__/%s.%s.pyc" % (name, tag), "rb") as f:
        head = f.read(16)
    with open(source, "rb") as f:
        digest = importlib.util.source_hash(f.read())
    ok = head[:4] == importlib.util.MAGIC_NUMBER and head[4:8] == b"\\x03\\0\\0\\0" and head[8:] == digest
    print(name, "ok" if ok else "stale")
`,
    ]);
    assertEquals(check.stderr, "");
    const lines = check.stdout.trim().split("\n");
    assert(lines.includes("agent_dispatch ok"), check.stdout);
    assertEquals(lines.filter((line) => !line.endsWith(" ok")), []);
    const overwrite = await sandbox.exec(
      "for f in /opt/sandbox/__pycache__/*.pyc; do echo x > $f && echo wrote $f; done 2>&1",
    );
    assertMatch(overwrite.stdout, /Read-only file system/);
    assert(!overwrite.stdout.includes("wrote"), overwrite.stdout);
  },
);

Deno.test(
  "LocalProvider.create() says when the sandbox's processes run, before it is ready",
  opts,
  async () => {
    await using provider = new LocalProvider({ log });
    const events: string[] = [];
    const created = provider.create({ onStarted: () => events.push("started") })
      .then((sandbox) => (events.push("ready"), sandbox));
    await using sandbox = await created;
    assertEquals(events, ["started", "ready"]);
    assertEquals((await sandbox.exec("echo ok")).stdout, "ok\n");
  },
);

Deno.test("LocalProvider sandboxes are private to each other", opts, async () => {
  await using provider = new LocalProvider({ log });
  await using a = await provider.create();
  await using b = await provider.create();
  await a.exec("echo mine > ~/note.txt; echo tmp > /tmp/t.txt");
  const seen = await b.exec("cat ~/note.txt /tmp/t.txt");
  assertEquals(seen.exitCode, 1);
  assertEquals(seen.stdout, "");
  const ps = await b.exec("ps -e -o pid= | wc -l");
  assert(Number(ps.stdout.trim()) < 10, `b sees ${ps.stdout.trim()} processes`);
});

Deno.test("LocalProvider with network none leaves only loopback", opts, async () => {
  await using provider = new LocalProvider({ log, network: "none" });
  await using sandbox = await provider.create();
  const { stdout } = await sandbox.exec("ls /sys/class/net 2>/dev/null || cat /proc/net/dev");
  assert(!/eth|ens|enp|wl/.test(stdout), stdout);
  assertMatch(stdout, /lo/);
});

Deno.test("LocalSandbox.close() kills every process and removes the directory", opts, async () => {
  const base = await Deno.makeTempDir({ prefix: "mcp-test-base-" });
  await Deno.chmod(base, 0o755); // the unprivileged sandbox user must be able to traverse it
  try {
    const provider = new LocalProvider({ log, baseDir: base });
    const sandbox = await provider.create();
    const marker = `sleep 4242.${Math.floor(Math.random() * 1e6)}`;
    await sandbox.exec(`nohup ${marker} >/dev/null 2>&1 & setsid ${marker} & echo`);
    await sandbox.runPython(`import subprocess\nsubprocess.Popen(['sh', '-c', '${marker}'])`);
    await eventually(async () => (await hostProcesses(marker)).length >= 3);
    // Its directory, and its tenant's package cache (which goes with the tenant's last sandbox).
    assertEquals((await sandboxDirs(base)).length, 2);
    await sandbox.close();
    assertEquals(sandbox.closed, true);
    await eventually(async () => (await hostProcesses(marker)).length === 0);
    assertEquals(await sandboxDirs(base), []);
    await sandbox.close(); // idempotent
    await provider.close();
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test(
  "LocalProvider says why when its sandbox directory is one the sandbox's user cannot pass",
  { ignore: !hasBwrap || Deno.uid() !== 0 },
  async () => {
    // A root server's sandboxes run as users of their own. Under a directory of mode 0700 the
    // error was "Child process has already terminated", about killing a process that had exited.
    const base = await Deno.makeTempDir({ prefix: "mcp-test-base-" }); // 0700
    try {
      await using provider = new LocalProvider({ log, baseDir: base });
      const error = await provider.create().then(() => undefined, (error) => error);
      assert(error instanceof SandboxError, String(error));
      assertMatch(error.message, /^Cannot start sandbox: its process exited with code 1: bwrap: /);
      assertMatch(error.message, /Permission denied/);
      assertMatch(error.message, /choose a --sandbox-dir every user can pass, such as \/tmp\)$/);
      assertEquals(await sandboxDirs(base), []);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
);

Deno.test("LocalProvider sandbox ids all have 16 hex digits", opts, async () => {
  // They came from Deno's temporary names, which drop leading zeros: 1 in 16 had 15.
  await using provider = new LocalProvider({ log });
  for (let i = 0; i < 32; i++) {
    await using sandbox = await provider.create();
    assertMatch(sandbox.id, /^local-[0-9a-f]{16}$/);
  }
});

Deno.test(
  "LocalProvider.close() while a sandbox is being made leaves nothing behind",
  opts,
  async () => {
    // A stdio server whose client left during the first sandbox's start closed the disk helper
    // under it: its disk stayed mounted and its directory on the host.
    const base = await Deno.makeTempDir({ prefix: "mcp-test-base-" });
    await Deno.chmod(base, 0o755); // the unprivileged sandbox user must be able to traverse it
    try {
      for (let i = 0; i < 3; i++) {
        const provider = new LocalProvider({ log, baseDir: base });
        const making = provider.create();
        await provider.close();
        const sandbox = await making.catch(() => undefined);
        assertEquals(sandbox?.closed ?? true, true);
        assertEquals(await sandboxDirs(base), []);
      }
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
);

Deno.test("LocalSandbox.close() removes files the sandbox made unreadable", opts, async () => {
  const base = await Deno.makeTempDir({ prefix: "mcp-test-base-" });
  await Deno.chmod(base, 0o755); // the unprivileged sandbox user must be able to traverse it
  try {
    await using provider = new LocalProvider({ log, baseDir: base });
    const sandbox = await provider.create();
    await sandbox.exec(
      "mkdir -p locked/inner && touch locked/inner/f && chmod 000 locked/inner locked",
    );
    await sandbox.close();
    assertEquals(await sandboxDirs(base), []);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("LocalSandbox reports use after close as a SandboxError", opts, async () => {
  await using provider = new LocalProvider({ log });
  const sandbox = await provider.create();
  await sandbox.close();
  let caught: unknown;
  try {
    await sandbox.exec("true");
  } catch (error) {
    caught = error;
  }
  assert(caught instanceof SandboxError);
  assertMatch(caught.message, /closed/);
});

Deno.test("LocalProvider.check() explains how to install bubblewrap when it is missing", async () => {
  const path = Deno.env.get("PATH")!;
  Deno.env.set("PATH", "/nonexistent");
  try {
    const provider = new LocalProvider({ log });
    let caught: unknown;
    try {
      await provider.check();
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof SandboxError);
    assertMatch(caught.message, /bubblewrap \(bwrap\) is not installed/);
    assertMatch(caught.message, /apt-get install bubblewrap/);
    assertMatch(caught.message, /--dangerously-run-unisolated/);
    const unisolated = new LocalProvider({ log, dangerouslyRunUnisolated: true });
    await unisolated.check(); // the explicit opt-in does not need bwrap
  } finally {
    Deno.env.set("PATH", path);
  }
});

Deno.test("LocalProvider runs unisolated only when asked, with a clean environment", async () => {
  Deno.env.set("MCP_TEST_SECRET_UNISOLATED", "leak-me-not");
  try {
    await using provider = new LocalProvider({ log, dangerouslyRunUnisolated: true });
    await using sandbox = await provider.create();
    assertEquals(sandbox.info.isolated, false);
    const { stdout } = await sandbox.exec("env; pwd");
    assert(!stdout.includes("leak-me-not"));
    assert(stdout.trimEnd().endsWith(sandbox.info.home));
    const py = await sandbox.runPython("21 * 2");
    assertEquals(py.result, "42");
  } finally {
    Deno.env.delete("MCP_TEST_SECRET_UNISOLATED");
  }
});

Deno.test("a closed sandbox opens no preview listener", opts, async () => {
  await using provider = new LocalProvider({ log: silentLogger() });
  const sandbox = await provider.create();
  const open = await sandbox.preview(9000);
  await sandbox.close();
  for (const port of [9001, 9000]) {
    await assertRejects(
      sandbox.preview(port),
      (error: Error) =>
        error instanceof SandboxError &&
        /Cannot preview port \d+: the sandbox is closed/.test(error.message),
    );
  }
  // The listener it had is gone with it.
  await assertRejects(() => fetch(open.url));
});
