// The escape battery: attacks by code inside a local sandbox, driven through MCP as an assistant
// would drive them, on the boundary between the sandbox and the machine (kernel keyrings, the
// supervisor, nested namespaces, /dev and /etc). Each test fails on a sandbox without the
// protection it names. The attacks themselves are in tests/fixtures/attack.py.

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
import type { ShellExecOutput } from "../src/tools/shell_exec.ts";
import { ETC_ENTRIES, SHM_BYTES } from "../src/providers/local/_bwrap.ts";
import { parseShare } from "../src/shares.ts";
import { connect, hasBwrap, openDescriptors, ROOT, sh, structured, text } from "./_helpers.ts";

const opts = { ignore: !hasBwrap };
const ATTACK = await Deno.readTextFile(`${ROOT}/tests/fixtures/attack.py`);
const isRoot = Deno.uid() === 0;
/** The host uid local sandboxes run as: nobody when the server is root. */
const sandboxUid = isRoot ? 65534 : Deno.uid()!;

/** Runs an attack of attack.py in the sandbox and returns what it printed, parsed. */
async function attack<T>(
  call: (name: string, args: Record<string, unknown>) => Promise<CallToolResult>,
  ...args: string[]
): Promise<T> {
  await call("file_upload", { file_path: "/tmp/attack.py", content: ATTACK });
  const out = structured<ShellExecOutput>(
    await call("shell_exec", {
      command: `python3 /tmp/attack.py ${args.map((arg) => `'${arg}'`).join(" ")}`,
      timeout: 30,
    }),
  );
  assertEquals(out.exit_code, 0, out.stderr);
  return JSON.parse(out.stdout);
}

/** Runs attack.py on the host as `uid` (to plant a key where the sandbox user's keys are). */
async function onHostAs(uid: number, ...args: string[]): Promise<string> {
  const script = await Deno.makeTempFile({ suffix: ".py" });
  await Deno.writeTextFile(script, ATTACK);
  await Deno.chmod(script, 0o644);
  const drop = uid === Deno.uid()
    ? []
    : [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all"];
  try {
    const out = await new Deno.Command(drop.length ? "setpriv" : "python3", {
      args: [...(drop.length ? [...drop, "/usr/bin/python3"] : []), script, ...args],
      stdout: "piped",
      stderr: "piped",
      cwd: "/tmp",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(script);
  }
}

/**
 * The start task's server run as `uid` (an ordinary user whose home is `home`), from copies of
 * what the task runs: the user may not reach this checkout or this deno (a clone in a private
 * directory).
 */
async function asOrdinaryUser(
  uid: number,
  home: string,
  env: Record<string, string> = {},
): Promise<StdioClientTransport> {
  const start = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks.start as string;
  const drop = [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all"];
  const app = `${home}/app`;
  await Deno.mkdir(`${app}/bundle`, { recursive: true });
  for (const file of ["deno.json", "deno.lock"]) {
    await Deno.copyFile(`${ROOT}/${file}`, `${app}/${file}`);
  }
  for await (const entry of Deno.readDir(`${ROOT}/bundle`)) {
    await Deno.copyFile(`${ROOT}/bundle/${entry.name}`, `${app}/bundle/${entry.name}`);
  }
  let deno = Deno.execPath();
  const reachable = await new Deno.Command("setpriv", {
    args: [...drop, deno, "--version"],
    stdout: "null",
    stderr: "null",
  }).output().then((out) => out.success, () => false);
  if (!reachable) {
    deno = `${home}/deno-bin`;
    await Deno.copyFile(Deno.execPath(), deno);
    await Deno.chmod(deno, 0o755);
  }
  return new StdioClientTransport({
    command: "setpriv",
    args: [...drop, deno, ...start.split(" ").slice(1)],
    cwd: app,
    env: {
      PATH: Deno.env.get("PATH")!,
      HOME: home,
      DENO_DIR: `${home}/deno`,
      NO_COLOR: "1",
      ...env,
    },
    stderr: "pipe",
  });
}

/** How many keys the kernel holds for `uid` (from /proc/key-users, which the host can read). */
async function keyCount(uid: number): Promise<number> {
  // Deno asks for --allow-all to read this /proc file itself; cat needs no such thing.
  const out = await new Deno.Command("cat", { args: ["/proc/key-users"], stdout: "piped" })
    .output();
  const line = new TextDecoder().decode(out.stdout).split("\n")
    .find((l) => l.trim().startsWith(`${uid}:`));
  return line ? Number(line.split(/\s+/).filter(Boolean)[1]) : 0;
}

interface KeysReport {
  add_key: number | string;
  proc_keys: string;
  found: Record<string, { search: number | string; payloads: string[] }>;
}

function assertNoKeyReached(report: KeysReport, ...descriptions: string[]): void {
  assertEquals(report.add_key, "EPERM", "adding a key is refused");
  for (const description of descriptions) {
    assert(!report.proc_keys.includes(description), `${description} listed in /proc/keys`);
    const found = report.found[description];
    assert(typeof found.search === "string", `${description} found: ${found.search}`);
    assertEquals(found.payloads.filter((p) => p.startsWith("payload-")), []);
  }
}

Deno.test(
  "kernel keyrings: sandboxes neither see the host uid's keys nor share keys with each other",
  opts,
  async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const hostKey = `host-key-${tag}`;
    // A key of the host uid the sandboxes run as, as a user's own login keys would be.
    const planted = JSON.parse(await onHostAs(sandboxUid, "keys", hostKey)) as KeysReport;
    assert(
      typeof planted.add_key === "number",
      `control: the host can add keys: ${planted.add_key}`,
    );
    try {
      const before = await keyCount(sandboxUid);
      await using shared = await connect();
      await using isolated = await connect({ local: { network: "none" } });
      const a = await attack<KeysReport>(shared.call, "keys", `from-a-${tag}`, hostKey);
      assertNoKeyReached(a, hostKey);
      const b = await attack<KeysReport>(
        isolated.call,
        "keys",
        `from-b-${tag}`,
        hostKey,
        `from-a-${tag}`,
      );
      assertNoKeyReached(b, hostKey, `from-a-${tag}`);
      // Keys unlinked earlier are collected lazily, so the count may fall; it must not rise.
      assert(await keyCount(sandboxUid) <= before, "no sandbox added a key");
    } finally {
      await onHostAs(sandboxUid, "unlink", String(planted.add_key));
    }
  },
);

Deno.test(
  "kernel keyrings: the filter also holds through the i386 and x32 system call ABIs",
  { ignore: !hasBwrap || Deno.build.arch !== "x86_64" },
  async () => {
    await using mcp = await connect();
    const before = await keyCount(sandboxUid);
    await mcp.call("file_upload", { file_path: "/tmp/attack.py", content: ATTACK });
    for (const abi of ["i386", "x32"]) {
      const out = structured<ShellExecOutput>(
        await mcp.call("shell_exec", { command: `python3 /tmp/attack.py foreign-abi ${abi}` }),
      );
      // Killed for the foreign architecture (SIGSYS), or refused: never a key.
      const refused = out.exit_code !== 0 ||
        Object.values(JSON.parse(out.stdout) as Record<string, number>).every((r) => r < 0);
      assert(refused, `${abi}: ${out.stdout} ${out.stderr}`);
    }
    assert(await keyCount(sandboxUid) <= before, "no key was added");
  },
);

Deno.test(
  "the supervisor cannot be traced, opened, stopped or killed from inside the sandbox",
  opts,
  async () => {
    await using mcp = await connect();
    await mcp.call("python_exec", { code: "kept = 42" });
    const report = await attack<{ targets: number[]; reached: Record<string, string[]> }>(
      mcp.call,
      "supervisor",
    );
    assert(report.targets.includes(1), "PID 1 was tried");
    assertEquals(report.reached, {}, "nothing of the supervisor was reached");
    // Stop and kill signals from inside do not reach it: a call with a timeout still returns.
    const frozen = structured<ShellExecOutput>(
      await mcp.call("shell_exec", {
        command: "for p in $(pgrep -f agent.py) 1; do kill -STOP $p; kill -KILL $p; done; sleep 10",
        timeout: 3,
      }),
    );
    assertEquals(frozen.timed_out, true);
    assertEquals(await sh(mcp, "echo still-here"), "still-here\n");
    assertEquals(
      (await mcp.call("python_exec", { code: "kept" })).structuredContent?.result,
      "42",
      "the interpreter's state survived",
    );
  },
);

Deno.test("no nested namespaces, mounts or chroots inside the sandbox", opts, async () => {
  await using mcp = await connect();
  const report = await attack<Record<string, number | string>>(mcp.call, "namespaces");
  assertEquals(report, {
    unshare_user: "EPERM",
    unshare_net: "EPERM",
    mount_tmpfs: "EPERM",
    clone3: "ENOSYS",
    clone_newuser: "EPERM",
  });
  const out = structured<ShellExecOutput>(
    await mcp.call("shell_exec", { command: "unshare -r id; unshare -n true; echo done" }),
  );
  assertMatch(out.stderr, /unshare failed: Operation not permitted/);
  assert(!/uid=0/.test(out.stdout), out.stdout);
});

Deno.test("/dev is read-only and /dev/shm is private and capped", opts, async () => {
  await using first = await connect();
  await using second = await connect();
  const dev = structured<ShellExecOutput>(
    await first.call("shell_exec", {
      command:
        "touch /dev/planted 2>&1; mknod /dev/x c 1 3 2>&1; echo hi > /dev/null && echo null-ok",
    }),
  );
  assertMatch(dev.stdout, /touch: cannot touch '\/dev\/planted': Read-only file system/);
  assertMatch(dev.stdout, /null-ok/);
  const shm = structured<ShellExecOutput>(
    await first.call("shell_exec", {
      command:
        "head -c 100000000 /dev/zero > /dev/shm/fill; echo $?; stat -c %s /dev/shm/fill; df -B1 --output=size /dev/shm | tail -1",
    }),
  );
  assertMatch(shm.stderr, /No space left on device/);
  const [status, size, capacity] = shm.stdout.trim().split(/\s+/).map(Number);
  assert(status !== 0 && size <= SHM_BYTES && capacity === SHM_BYTES, shm.stdout);
  assertEquals(
    await sh(second, "ls -A /dev/shm | wc -l"),
    "0\n",
    "another sandbox's /dev/shm is its own",
  );
});

Deno.test(
  "/etc holds generated accounts and only the host files programs need",
  opts,
  async () => {
    await using mcp = await connect();
    const listed = (await sh(mcp, "ls -A /etc")).trim().split("\n");
    const allowed = new Set([
      ...ETC_ENTRIES.map((entry) => entry.split("/")[0]),
      "passwd",
      "group",
      "hostname",
      "hosts",
    ]);
    assertEquals(listed.filter((name) => !allowed.has(name)), [], "nothing else of the host");
    for (const secret of ["passwd-", "shadow", "gshadow", "sudoers", "ssh", "machine-id"]) {
      assert(!listed.includes(secret), secret);
    }
    assertEquals(
      await sh(mcp, "ls -A /etc/ssl"),
      await sh(mcp, "ls -A /etc/ssl | grep -v private"),
    );
    const passwd = await sh(mcp, "cut -d: -f1 /etc/passwd");
    assertEquals(passwd, "root\nsandbox\nnobody\n");
    assertEquals(
      await sh(mcp, "cat /etc/hostname; whoami; getent hosts sandbox | cut -d' ' -f1"),
      "sandbox\nsandbox\n127.0.0.1\n",
    );
    // What programs read from /etc still works.
    const python = await mcp.call("python_exec", {
      code: [
        "import ssl, mimetypes, time",
        "cas = ssl.create_default_context().cert_store_stats()['x509_ca']",
        "(cas > 0, mimetypes.guess_type('a.csv')[0], time.tzname[0] != '')",
      ].join("\n"),
    });
    assertEquals(python.structuredContent?.result, "(True, 'text/csv', True)");
  },
);

Deno.test(
  "as an ordinary user, sandbox code can neither forge the supervisor's replies nor crash the server",
  { ignore: !hasBwrap || !isRoot },
  async () => {
    // The server runs as an ordinary user: its pipes to the supervisor then belong to the uid the
    // sandbox runs as (when the server is root they belong to root, out of the sandbox's reach).
    const uid = 40_000 + Math.floor(Math.random() * 10_000);
    const home = await Deno.makeTempDir({ prefix: "mcp-user-" });
    await Deno.chown(home, uid, uid);
    const tag = crypto.randomUUID().slice(0, 8);
    const planted = JSON.parse(await onHostAs(uid, "keys", `user-key-${tag}`)) as KeysReport;
    const transport = await asOrdinaryUser(uid, home);
    let logs = "";
    transport.stderr!.on("data", (chunk: Uint8Array) => logs += new TextDecoder().decode(chunk));
    const client = new Client({ name: "ordinary-user", version: "1" });
    try {
      await client.connect(transport);
      const call = async (name: string, args: Record<string, unknown>) =>
        await client.callTool({ name, arguments: args }) as CallToolResult;
      const me = structured<ShellExecOutput>(await call("shell_exec", { command: "id -u" }));
      assertEquals(me.stdout, "1000\n");
      // Forged replies into the pipes of every process it did not start (attack.py supervisor),
      // and a 1.1 GiB line into PID 1's stdout, which once crashed the whole server.
      const supervisor = await attack<{ reached: Record<string, string[]> }>(call, "supervisor");
      assertEquals(supervisor.reached, {});
      const flood = structured<ShellExecOutput>(
        await call("shell_exec", {
          command:
            "for p in $(pgrep -f '^[^ ]*python3 .*agent[.]py') 1; do head -c 1200000000 /dev/zero | tr '\\0' x > /proc/$p/fd/1 && echo flooded; done; echo real-result",
          timeout: 120,
        }),
      );
      assertEquals(flood.stdout, "real-result\n");
      const keys = await attack<KeysReport>(call, "keys", `from-sandbox-${tag}`, `user-key-${tag}`);
      assertNoKeyReached(keys, `user-key-${tag}`);
      assertEquals(
        structured<ShellExecOutput>(await call("shell_exec", { command: "echo still-here" }))
          .stdout,
        "still-here\n",
        "the server and the sandbox survived",
      );
    } finally {
      await client.close();
      await onHostAs(uid, "unlink", String(planted.add_key)).catch(() => {});
      await Deno.remove(home, { recursive: true });
    }
    assert(!logs.includes("Uncaught"), logs);
  },
);

// Directories nested deeper than any path, built relative to their parent.
const DEEP_TREES = `
import os
def nest(name, depth, locked=False):
    fd = os.open("/tmp", os.O_RDONLY)
    os.mkdir(name, dir_fd=fd)
    for i in range(depth):
        inner = os.open(name if i == 0 else "d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
        os.mkdir("d", dir_fd=fd)
    if locked:
        os.close(os.open("d/file", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
        os.chmod("d", 0, dir_fd=fd)
    os.close(fd)
nest("deep", 12000)
nest("locked", 2100, locked=True)
print("built")
`;

Deno.test(
  "as an ordinary user, a sandbox's directories nested 12 000 deep or locked deep down neither crash the server nor stay on the host",
  { ignore: !hasBwrap || !isRoot },
  async () => {
    // Deleting a sandbox deletes its directory on the host. A recursive delete in the server's
    // process overflowed its stack on 12 000 levels and aborted it, with every client's
    // sandboxes; a tree 2 100 deep with a chmod 000 directory at the bottom made its paths too
    // long to give back, and the directory stayed. As root the same happens without a disk image.
    const uid = 40_000 + Math.floor(Math.random() * 10_000);
    const home = await Deno.makeTempDir({ prefix: "mcp-user-" });
    await Deno.chown(home, uid, uid);
    const base = `${home}/sandboxes`;
    await Deno.mkdir(base);
    await Deno.chown(base, uid, uid);
    const transport = await asOrdinaryUser(uid, home, { MCP_SANDBOX_DIR: base });
    let logs = "";
    transport.stderr!.on("data", (chunk: Uint8Array) => logs += new TextDecoder().decode(chunk));
    const client = new Client({ name: "ordinary-user", version: "1" });
    try {
      await client.connect(transport);
      const call = async (name: string, args: Record<string, unknown>) =>
        await client.callTool({ name, arguments: args }) as CallToolResult;
      const { sandbox_id } = structured<{ sandbox_id: string }>(await call("sandbox_create", {}));
      const dir = `${base}/mcp-sandbox-${sandbox_id.slice("local-".length)}`;
      await call("file_upload", { file_path: "/tmp/nest.py", content: DEEP_TREES, sandbox_id });
      const built = structured<ShellExecOutput>(
        await call("shell_exec", { command: "python3 /tmp/nest.py", sandbox_id, timeout: 120 }),
      );
      assertEquals(built.stdout, "built\n", built.stderr);
      assert((await Deno.lstat(`${dir}/tmp/deep`)).isDirectory);
      const deleted = await call("sandbox_delete", { sandbox_id });
      assert(!deleted.isError, text(deleted));
      assertEquals(
        structured<ShellExecOutput>(await call("shell_exec", { command: "echo still-here" }))
          .stdout,
        "still-here\n",
        "the server and its other sandbox survived",
      );
      const left = await Deno.lstat(dir).then(() => true, () => false);
      assert(!left, `nothing of it stays in ${base}`);
    } finally {
      await client.close();
      await new Deno.Command("rm", { args: ["-rf", home] }).output();
    }
    assert(!logs.includes("stack overflow") && !logs.includes("cleanup failed"), logs);
  },
);

Deno.test(
  "a persistent workspace cannot plant code that the supervisor runs when it is attached again",
  opts,
  async () => {
    // Python runs the .pth files of the user's site-packages at start, and a workspace keeps its
    // home: planted there, they would run in the supervisor before its protections (and could
    // turn them off), unless it starts with the user's site and PYTHON* variables ignored.
    const workspaces = await Deno.makeTempDir({ prefix: "mcp-escape-workspaces-" });
    await Deno.chmod(workspaces, 0o755);
    const plant = [
      "import os, site",
      "d = site.getusersitepackages()",
      "os.makedirs(d, exist_ok=True)",
      "open(os.path.join(d, 'zz_planted.py'), 'w').write(",
      "    'import os\\nif os.getpid() == 1:\\n'",
      '    \'    open(os.path.expanduser("~/planted-ran-in-pid-1"), "w").write("x")\\n\')',
      "open(os.path.join(d, 'zz_planted.pth'), 'w').write('import zz_planted\\n')",
      // The same through PYTHONPATH, for a client that passes it in sandbox_create's env.
      "open(os.path.expanduser('~/sitecustomize.py'), 'w').write(",
      "    'import os\\nif os.getpid() == 1:\\n'",
      '    \'    open(os.path.expanduser("~/sitecustomize-ran-in-pid-1"), "w").write("x")\\n\')',
      "print(d)",
    ].join("\n");
    const local = { workspacesDir: workspaces };
    try {
      {
        await using mcp = await connect({ local });
        const made = structured<{ sandbox_id: string }>(
          await mcp.call("sandbox_create", { name: "planted", persistent: true }),
        );
        await mcp.call("file_upload", {
          sandbox_id: made.sandbox_id,
          file_path: "/tmp/plant.py",
          content: plant,
        });
        const planted = structured<ShellExecOutput>(
          await mcp.call("shell_exec", {
            sandbox_id: made.sandbox_id,
            command: "python3 /tmp/plant.py",
          }),
        );
        assertEquals(planted.exit_code, 0, planted.stderr);
        // Python itself runs them: a new interpreter in the sandbox imports the planted module.
        const check = structured<ShellExecOutput>(
          await mcp.call("shell_exec", {
            sandbox_id: made.sandbox_id,
            command: "python3 -c 'import sys; print(\"zz_planted\" in sys.modules)'",
          }),
        );
        assertEquals(check.stdout, "True\n");
      }
      await using mcp = await connect({ local });
      const again = structured<{ sandbox_id: string; reattached: boolean }>(
        await mcp.call("sandbox_create", {
          name: "planted",
          persistent: true,
          env: { PYTHONPATH: "/home/sandbox" },
        }),
      );
      assertEquals(again.reattached, true);
      const after = structured<ShellExecOutput>(
        await mcp.call("shell_exec", {
          sandbox_id: again.sandbox_id,
          command: "ls ~/*-ran-in-pid-1 2>/dev/null; grep '^Seccomp:' /proc/self/status",
        }),
      );
      assertEquals(after.stdout, "Seccomp:\t2\n", after.stderr);
    } finally {
      await Deno.remove(workspaces, { recursive: true });
    }
  },
);

Deno.test(
  "sandbox code cannot lower the supervisor's limits, priority or CPUs",
  opts,
  async () => {
    // These calls need only the same uid, not ptrace rights. Lowering PID 1's open-file limit would
    // make every later command fail ("Too many open files"), sandbox_reset included.
    const probe = [
      "import ctypes, errno, json, os, resource",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "out = {}",
      "def attempt(name, fn):",
      "    try:",
      "        fn()",
      "        out[name] = 'allowed'",
      "    except OSError as e:",
      "        out[name] = errno.errorcode.get(e.errno, str(e.errno))",
      "def sys_call(number, *args):",
      "    if libc.syscall(number, *args) != 0:",
      "        raise OSError(ctypes.get_errno(), 'failed')",
      "attempt('prlimit', lambda: resource.prlimit(1, resource.RLIMIT_NOFILE, (8, 8)))",
      "attempt('prlimit_cpu', lambda: resource.prlimit(1, resource.RLIMIT_CPU, (0, 1)))",
      "attempt('setpriority', lambda: os.setpriority(os.PRIO_PROCESS, 1, 19))",
      "attempt('setpriority_group', lambda: os.setpriority(os.PRIO_PGRP, 1, 19))",
      "attempt('sched_setaffinity', lambda: os.sched_setaffinity(1, {0}))",
      "attempt('sched_setscheduler', lambda: os.sched_setscheduler(1, os.SCHED_IDLE, os.sched_param(0)))",
      "attempt('sched_setparam', lambda: os.sched_setparam(1, os.sched_param(0)))",
      // ioprio_set(IOPRIO_WHO_PROCESS, 1, idle class): 251 on x86_64, 30 on arm64.
      "number = {'x86_64': 251, 'aarch64': 30}.get(os.uname().machine)",
      "if number: attempt('ioprio_set', lambda: sys_call(number, 1, 1, 3 << 13))",
      // Its own limits and priority stay the sandbox's to change.
      "attempt('own_prlimit', lambda: resource.prlimit(0, resource.RLIMIT_NOFILE, (64, 64)))",
      "attempt('own_nice', lambda: os.setpriority(os.PRIO_PROCESS, 0, 5))",
      "print(json.dumps(out))",
    ].join("\n");
    await using mcp = await connect();
    await mcp.call("file_upload", { file_path: "/tmp/probe.py", content: probe });
    const out = structured<ShellExecOutput>(
      await mcp.call("shell_exec", { command: "python3 /tmp/probe.py" }),
    );
    assertEquals(out.exit_code, 0, out.stderr);
    const report = JSON.parse(out.stdout) as Record<string, string>;
    const { own_prlimit, own_nice, ...supervisor } = report;
    assertEquals([own_prlimit, own_nice], ["allowed", "allowed"]);
    for (const [call, result] of Object.entries(supervisor)) {
      assertEquals([call, result], [call, "EPERM"]);
    }
    // The supervisor still starts commands, and still stops them.
    assertEquals(await sh(mcp, "echo still working"), "still working\n");
    const reset = await mcp.call("sandbox_reset", {});
    assert(!reset.isError, JSON.stringify(reset.content));
  },
);

Deno.test(
  "sandbox code cannot hold the server's descriptors through web_preview's inbound socket",
  opts,
  async () => {
    // The socket the supervisor connects tunnels through is the server's own listener, and sandbox
    // code can connect to it too: each connection it opens and holds must not cost the server one.
    const flood = [
      "import os, socket, sys, time",
      "held = []",
      "for _ in range(2000):",
      "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
      "    try:",
      "        s.connect('/run/sandbox-net/inbound.sock')",
      "    except OSError:",
      "        break",
      "    held.append(s)",
      "open('/tmp/flooding', 'w').write(str(len(held)))",
      "time.sleep(60)",
    ].join("\n");
    await using mcp = await connect();
    const before = await openDescriptors();
    await mcp.call("file_upload", { file_path: "/tmp/flood.py", content: flood });
    await mcp.call("shell_exec", {
      command: "ulimit -n 4096; nohup python3 /tmp/flood.py >/dev/null 2>&1 &",
    });
    let held = "";
    for (let i = 0; i < 200 && !/^\d+$/.test(held); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      held = (await sh(mcp, "cat /tmp/flooding 2>/dev/null || true")).trim();
    }
    assert(Number(held) >= 1000, `the flood opened ${held} connections`);
    const during = await openDescriptors();
    assert(during - before < 100, `the server held ${during - before} more descriptors`);
    // The sandbox's own previews still work meanwhile.
    await sh(mcp, "mkdir -p site && echo hello > site/index.html");
    await mcp.call("shell_exec", {
      command: "cd site && nohup python3 -m http.server 8123 --bind 127.0.0.1 >/dev/null 2>&1 &",
    });
    let body = "";
    for (let i = 0; i < 100 && body !== "hello\n"; i++) {
      const preview = structured<{ url: string; accessible: boolean }>(
        await mcp.call("web_preview", { port: 8123 }),
      );
      if (preview.accessible) body = await (await fetch(preview.url)).text();
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assertEquals(body, "hello\n");
  },
);

Deno.test(
  "sandbox code cannot make set-user-ID files, which a read-write share would keep on the host",
  opts,
  async () => {
    // On the host anyone who reaches the share could run such a file as the sandbox's uid: nobody
    // under a root server, the owner of every other sandbox's files.
    const dir = await Deno.makeTempDir({ prefix: "mcp-escape-setuid-" });
    await Deno.chmod(dir, 0o777);
    try {
      const shares = [parseShare(`${dir}:rw`, "--share")];
      await using mcp = await connect({ shares });
      const name = dir.slice(dir.lastIndexOf("/") + 1);
      const probe = [
        "import errno, json, os, shutil",
        `d = '/shared/${name}'`,
        "out = {}",
        "shutil.copy('/bin/true', d + '/tool')",
        "def attempt(key, fn):",
        "    try:",
        "        fn()",
        "        out[key] = 'allowed'",
        "    except OSError as e:",
        "        out[key] = errno.errorcode.get(e.errno, str(e.errno))",
        "attempt('chmod', lambda: os.chmod(d + '/tool', 0o4755))",
        "attempt('fchmod', lambda: os.fchmod(os.open(d + '/tool', os.O_RDONLY), 0o4755))",
        "attempt('open', lambda: os.close(os.open(d + '/made', os.O_CREAT | os.O_WRONLY, 0o4755)))",
        "attempt('mknod', lambda: os.mknod(d + '/node', 0o104755))",
        // What programs do every day still works.
        "attempt('plain_chmod', lambda: os.chmod(d + '/tool', 0o755))",
        "attempt('plain_open', lambda: os.close(os.open(d + '/plain', os.O_CREAT | os.O_WRONLY, 0o644)))",
        "print(json.dumps(out))",
      ].join("\n");
      await mcp.call("file_upload", { file_path: "/tmp/setuid.py", content: probe });
      const out = structured<ShellExecOutput>(
        await mcp.call("shell_exec", { command: "python3 /tmp/setuid.py" }),
      );
      assertEquals(out.exit_code, 0, out.stderr);
      assertEquals(JSON.parse(out.stdout), {
        chmod: "EPERM",
        fchmod: "EPERM",
        open: "EPERM",
        mknod: "EPERM",
        plain_chmod: "allowed",
        plain_open: "allowed",
      });
      for await (const entry of Deno.readDir(dir)) {
        const mode = (await Deno.lstat(`${dir}/${entry.name}`)).mode! & 0o7777;
        assertEquals([entry.name, mode & 0o4000], [entry.name, 0]);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "one sandbox takes at most a quarter of its host uid's inotify instances and watches; other sandboxes and processes of that uid keep the rest",
  opts,
  async () => {
    // The kernel counts inotify instances and watches per host uid, which every sandbox of a
    // server shares (nobody under root, else the server's user, whose editor shares it too). A
    // sandbox that took them all left the others EMFILE from inotify_init and ENOSPC from
    // inotify_add_watch.
    const hostLimit = async (name: string) => {
      // cat, because Deno asks for --allow-all to read /proc itself.
      const out = await new Deno.Command("cat", {
        args: [`/proc/sys/fs/inotify/${name}`],
        stdout: "piped",
      }).output();
      return Number(new TextDecoder().decode(out.stdout));
    };
    const [instances, watches] = [
      await hostLimit("max_user_instances"),
      await hostLimit("max_user_watches"),
    ];
    const files = Math.min(watches, 60_000); // more than a quarter of the watches allowed here
    await using mcp = await connect();
    const other = structured<{ sandbox_id: string }>(await mcp.call("sandbox_create", {}))
      .sandbox_id;
    const python = async (code: string, sandbox_id?: string) => {
      const result = await mcp.call("python_exec", { code, ...(sandbox_id ? { sandbox_id } : {}) });
      assertEquals(result.isError, false, JSON.stringify(result.content));
      return structured<{ stdout: string }>(result).stdout.trim();
    };
    // The hog keeps what it took: python_exec's interpreter lives on between calls.
    const took = await python(`
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
held = []
while len(held) < 4096 and (fd := libc.inotify_init1(0)) >= 0:
    held.append(fd)
os.makedirs("/tmp/w", exist_ok=True)
for i in range(${files}):
    open("/tmp/w/%d" % i, "w").close()
watches = 0
for i in range(${files}):
    if libc.inotify_add_watch(held[0], b"/tmp/w/%d" % i, 2) < 0:
        break
    watches += 1
print(len(held), watches)
`);
    const [tookInstances, tookWatches] = took.split(" ").map(Number);
    assert(tookInstances > 0 && tookInstances <= instances / 4, `took ${tookInstances} instances`);
    assert(tookWatches > 0 && tookWatches <= watches / 4, `took ${tookWatches} watches`);
    const probe = `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
print("ok" if fd >= 0 and libc.inotify_add_watch(fd, b"/tmp", 2) >= 0 else os.strerror(ctypes.get_errno()))
`;
    assertEquals(await python(probe, other), "ok");
    // A process of the same uid on the host, outside every sandbox, too.
    const drop = sandboxUid === Deno.uid()
      ? []
      : [`--reuid=${sandboxUid}`, `--regid=${sandboxUid}`, "--clear-groups", "--inh-caps=-all"];
    const host = await new Deno.Command(drop.length ? "setpriv" : "/usr/bin/python3", {
      args: [...(drop.length ? [...drop, "/usr/bin/python3"] : []), "-c", probe],
      stdout: "piped",
      cwd: "/",
    }).output();
    assertEquals(new TextDecoder().decode(host.stdout).trim(), "ok");
  },
);

Deno.test(
  "the file tools read none of the supervisor's /proc files for sandbox code, and stop at the size a file reported",
  opts,
  async () => {
    await using mcp = await connect();
    // Sandbox code cannot read PID 1's memory map (the supervisor is not dumpable); the file tools
    // run in the supervisor, which could read its own, also through a symlink or a thread's entry.
    assertMatch(await sh(mcp, "cat /proc/1/maps 2>&1 || true"), /Permission denied/);
    const thread = (await sh(mcp, "ls /proc/1/task | tail -1")).trim();
    await sh(mcp, "ln -s /proc/1/maps maps-link");
    for (
      const path of ["/proc/1/maps", "maps-link", `/proc/${thread}/environ`, "/proc/self/maps"]
    ) {
      const result = await mcp.call("file_download", { file_path: path });
      assertEquals(result.isError, true, `${path}: ${JSON.stringify(result).slice(0, 300)}`);
      assertMatch(text(result), /a file of the sandbox's supervisor|permission denied/);
    }
    // Nor list them: a listing of /proc/1/fd named the supervisor's pipes, /proc/1/map_files its
    // memory map (its libraries' addresses), which `ls` in the sandbox may not.
    for (const path of ["/proc/1/fd", "/proc/1/map_files", "/proc/self/fd", `/proc/1/task/1/fd`]) {
      const result = await mcp.call("file_list", { path });
      assertEquals(result.isError, true, `${path}: ${text(result).slice(0, 300)}`);
      assertMatch(text(result), /permission denied/);
    }
    const listed = await mcp.call("file_list", { path: "/proc", depth: 3, limit: 100_000 });
    assert(!/\/proc\/1\/(fd|map_files)\//.test(text(listed)), "a deep listing went into them");
    const stat = await mcp.call("file_download", { file_path: "/proc/1/fd/0" });
    assertMatch(text(stat), /permission denied|a file of the sandbox's supervisor/);
    // The sandbox's own processes' files stay readable.
    const pid = (await sh(mcp, "sleep 600 > /dev/null 2>&1 & echo $!")).trim();
    const status = await mcp.call("file_download", { file_path: `/proc/${pid}/status` });
    assertEquals(status.isError, false, text(status));
    // A /proc file that reports 0 bytes and holds gigabytes (a process's page map: 256 GiB of
    // zeros) is compressed as the 0 bytes it reported, not read for 20 minutes.
    const gz = await mcp.client.callTool(
      {
        name: "file_download",
        arguments: { file_path: `/proc/${pid}/pagemap`, download_option: "compress_file" },
      },
      undefined,
      { timeout: 60_000 }, // a bound on liveness, far above what 0 bytes take
    ) as CallToolResult;
    assertEquals(gz.isError, false, text(gz));
    assertEquals(structured<{ size: number }>(gz).size, 0);
  },
);

Deno.test(
  "a directory swapped for a link to the supervisor's /proc/1/fd while it is listed shows none of its targets",
  opts,
  async () => {
    // The listing checked the directory by its descriptor but read each link's target by path:
    // swapped in between, 10 of 40 listings showed the supervisor's pipes and sockets.
    await using mcp = await connect();
    await mcp.call("file_upload", {
      file_path: "swap.py",
      content: [
        "import ctypes, os, time",
        "os.mkdir('a')",
        "for i in range(41): os.symlink('/nowhere', 'a/%d' % i)",
        "os.symlink('/proc/1/fd', 'b')",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "end = time.time() + 30",
        "while time.time() < end:  # a and b trade places at once: renameat2(RENAME_EXCHANGE)",
        "    libc.syscall(316, -100, b'a', -100, b'b', 2)",
      ].join("\n"),
    });
    await sh(mcp, "python3 swap.py >/dev/null 2>&1 &");
    let leaked = 0;
    for (let i = 0; i < 60; i++) {
      const listed = text(await mcp.call("file_list", { path: "a" }));
      if (/pipe:\[|socket:\[|anon_inode:/.test(listed)) leaked++;
    }
    assertEquals(leaked, 0);
  },
);
