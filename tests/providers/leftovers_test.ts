// What a server that died leaves behind (issue 17): its sandboxes' cgroups, disk mounts, loop
// devices, images and directories. The next server removes them when it makes its first sandbox,
// and never touches what belongs to a server that is still alive.
import { deepEqual as assertEquals, ok as assert } from "node:assert/strict";
import { hasBwrap, LOCK_FLAG } from "../_helpers.ts";
import { LocalProvider } from "../../src/providers/local/mod.ts";
import { silentLogger } from "../../src/log.ts";
import { lockSandbox, sweepLeftovers } from "../../src/providers/local/_leftovers.ts";
import type { SandboxDisks } from "../../src/providers/local/_disk.ts";
import type { FoundCgroup, SandboxCgroups } from "../../src/providers/local/cgroup.ts";

const FIXTURE = new URL("../fixtures/provider_process.ts", import.meta.url).pathname;
const root = Deno.uid() === 0;

/**
 * A LocalProvider with one sandbox in a process of its own; with `workspacesDir`, the persistent
 * workspace "w" there.
 */
async function startServer(baseDir: string, workspacesDir?: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      LOCK_FLAG,
      "--allow-run=bwrap,setpriv",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      "--allow-sys=uid",
      "--allow-env",
      "--allow-net",
      FIXTURE,
      baseDir,
      ...(workspacesDir ? [workspacesDir] : []),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const next = async (): Promise<unknown> => {
    while (!buffer.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("the server process ended");
      buffer += value;
    }
    const line = buffer.slice(0, buffer.indexOf("\n"));
    buffer = buffer.slice(line.length + 1);
    return JSON.parse(line);
  };
  const { id, root } = await next() as { id: string; root: string };
  const writer = child.stdin.getWriter();
  return {
    id,
    root,
    child,
    async exec(): Promise<unknown> {
      await writer.write(new TextEncoder().encode("exec\n"));
      return await next();
    },
    async stop(): Promise<void> {
      await writer.close().catch(() => {});
      await child.status;
      await lines.cancel().catch(() => {});
    },
  };
}

async function run(...argv: string[]): Promise<string> {
  const { stdout } = await new Deno.Command(argv[0], { args: argv.slice(1), stderr: "null" })
    .output();
  return new TextDecoder().decode(stdout);
}

/** What a sandbox holds on this machine: its cgroups, the mount on its directory, its loops. */
async function traces(id: string, dir: string) {
  const cgroups = (await run("find", "/sys/fs/cgroup", "-maxdepth", "7", "-type", "d", "-name", id))
    .split("\n").filter(Boolean);
  const mounts = (await run("cat", "/proc/self/mountinfo")).split("\n")
    .filter((line) => line.split(" ")[4] === dir);
  const loops = (await run("sh", "-c", "cat /sys/block/loop*/loop/backing_file 2>/dev/null"))
    .split("\n").filter((file) => file.startsWith(`${dir}/`));
  const exists = await Deno.stat(dir).then(() => true, () => false);
  return { cgroups, mounts, loops, exists };
}

Deno.test({
  name:
    "A server's first sandbox removes what a killed server left behind, and nothing of a live one",
  ignore: !hasBwrap,
  fn: async () => {
    const baseDir = await Deno.makeTempDir({ prefix: "leftovers-test-" });
    await Deno.chmod(baseDir, 0o755); // a root server's sandboxes run as nobody, who must reach it
    const dead = await startServer(baseDir);
    const live = await startServer(baseDir);
    let stray: Deno.ChildProcess | undefined;
    try {
      const left = await traces(dead.id, dead.root);
      assert(left.exists);
      if (root) {
        assertEquals(left.cgroups.length, 4, JSON.stringify(left.cgroups)); // v1 here
        assertEquals(left.mounts.length, 1);
        assertEquals(left.loops.length, 1);
        // A process in the sandbox's cgroups that outlives its server (its own ones die with it).
        stray = new Deno.Command("sleep", { args: ["600"] }).spawn();
        for (const dir of left.cgroups) {
          await run("sh", "-c", `echo ${stray.pid} > ${dir}/cgroup.procs`);
        }
      }
      dead.child.kill("SIGKILL");
      await dead.child.status;
      await dead.stop();
      assertEquals((await traces(dead.id, dead.root)).exists, true);

      await using provider = new LocalProvider({
        baseDir,
        network: "none",
        budget: { diskGb: 1 / 16 },
        log: silentLogger(),
      });
      await using sandbox = await provider.create();
      assertEquals((await sandbox.exec("echo ok")).stdout, "ok\n");

      assertEquals(await traces(dead.id, dead.root), {
        cgroups: [],
        mounts: [],
        loops: [],
        exists: false,
      });
      if (stray) assertEquals((await stray.status).signal, "SIGKILL");

      const kept = await traces(live.id, live.root);
      assertEquals(kept.exists, true);
      if (root) {
        assertEquals(kept.cgroups.length, 4);
        assertEquals(kept.mounts.length, 1);
      }
      assertEquals(await live.exec(), "alive\n");
      assertEquals(
        await Deno.readTextFile(`${live.root}/home/notes.txt`),
        "the user's work",
      );
    } finally {
      if (stray) {
        try {
          stray.kill("SIGKILL");
        } catch { /* already gone */ }
        await stray.status;
      }
      await live.stop();
      await Deno.remove(baseDir, { recursive: true }).catch(() => {});
    }
    assertEquals(await traces(live.id, live.root), {
      cgroups: [],
      mounts: [],
      loops: [],
      exists: false,
    });
  },
});

Deno.test({
  name:
    "A killed server's workspace sockets directory is removed by the next server, the workspace kept",
  ignore: !hasBwrap,
  fn: async () => {
    // The workspace lives in its own directory, its sockets in the base directory (socket paths
    // must be short): the next server removed the dead server's sandbox directories but not
    // this, which stayed for good.
    const baseDir = await Deno.makeTempDir({ prefix: "leftovers-test-" });
    const deadSpaces = await Deno.makeTempDir({ prefix: "leftovers-ws-" });
    const liveSpaces = await Deno.makeTempDir({ prefix: "leftovers-ws-" });
    for (const dir of [baseDir, deadSpaces, liveSpaces]) await Deno.chmod(dir, 0o755);
    const nets = () =>
      [...Deno.readDirSync(baseDir)].filter((e) => e.name.startsWith("mcp-workspace-net-"))
        .length;
    const dead = await startServer(baseDir, deadSpaces);
    const live = await startServer(baseDir, liveSpaces);
    try {
      assertEquals(nets(), 2);
      dead.child.kill("SIGKILL");
      await dead.child.status;
      await dead.stop();
      assertEquals(nets(), 2);

      await using provider = new LocalProvider({
        baseDir,
        network: "none",
        budget: { diskGb: 1 / 16 },
        log: silentLogger(),
      });
      await using sandbox = await provider.create();
      assertEquals((await sandbox.exec("echo ok")).stdout, "ok\n");
      assertEquals(nets(), 1, "the live server's stays");
      assertEquals(await live.exec(), "alive\n");
      // The dead server's workspace is kept, files and all, for the next attach.
      await using again = new LocalProvider({
        baseDir,
        workspacesDir: deadSpaces,
        network: "none",
        budget: { diskGb: 1 / 16 },
        log: silentLogger(),
      });
      await using attached = await again.create({ workspace: "w" });
      assertEquals((await attached.exec("cat notes.txt")).stdout, "the user's work");
    } finally {
      await live.stop();
    }
    assertEquals(nets(), 0);
    for (const dir of [baseDir, deadSpaces, liveSpaces]) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("sweepLeftovers() deletes a dead owner's sandbox directory only, files and all", async () => {
  const baseDir = await Deno.makeTempDir({ prefix: "leftovers-test-" });
  try {
    const make = (name: string) => {
      Deno.mkdirSync(`${baseDir}/${name}/home`, { recursive: true });
      Deno.writeTextFileSync(`${baseDir}/${name}/home/work.txt`, "the user's work");
      return `${baseDir}/${name}`;
    };
    const dead = make("mcp-sandbox-dead0001");
    lockSandbox(dead).close(); // its server is gone: nobody holds the lock
    const alive = make("mcp-sandbox-alive002");
    using _held = lockSandbox(alive); // a live server (here, this process) holds it
    const unjudged = make("mcp-sandbox-nolock03"); // a server from before locks, or one starting
    const other = make("mcp-sandbox-other-04"); // not a sandbox directory's name
    lockSandbox(other).close();
    const cache = make("mcp-sandbox-cache-dead05"); // a dead server's package cache
    lockSandbox(cache).close();
    Deno.writeTextFileSync(`${baseDir}/notes.txt`, "not a sandbox");
    const unmounted: string[] = [];
    // As root a directory is deleted only after the disk helper unmounted it (checked there).
    const disks = () =>
      ({ unmount: (dir: string) => void unmounted.push(dir) }) as unknown as SandboxDisks;
    const report = await sweepLeftovers({ baseDir, disks, log: silentLogger() });
    assertEquals(report.sandboxes.sort(), ["local-cache-dead05", "local-dead0001"]);
    assertEquals(report.unjudgedCgroups, 0);
    const real = await Deno.realPath(baseDir);
    assertEquals(
      unmounted.sort(),
      root ? [`${real}/mcp-sandbox-cache-dead05`, `${real}/mcp-sandbox-dead0001`] : [],
    );
    const left = [...Deno.readDirSync(baseDir)].map((entry) => entry.name).sort();
    assertEquals(left, [
      "mcp-sandbox-alive002",
      "mcp-sandbox-nolock03",
      "mcp-sandbox-other-04",
      "notes.txt",
    ]);
    for (const dir of [alive, unjudged, other]) {
      assertEquals(Deno.readTextFileSync(`${dir}/home/work.txt`), "the user's work");
    }
  } finally {
    await Deno.remove(baseDir, { recursive: true });
  }
});

Deno.test("sweepLeftovers() removes a persistent workspace's empty cgroup left behind, never a live one", async () => {
  // A workspace's cgroup is `local-ws-<name>-<8 hex>` and has no sandbox directory in the base
  // directory: once empty and old, it is a dead server's (its sandbox's processes die with it).
  const baseDir = await Deno.makeTempDir({ prefix: "leftovers-test-" });
  try {
    const found = (name: string, processes: number, ageSeconds: number): FoundCgroup => ({
      name,
      dirs: [`/sys/fs/cgroup/test/${name}`],
      processes,
      ageSeconds,
    });
    const groups = [
      found("local-ws-deep.ws-62b91a52", 0, 300), // a server that died left it
      found("local-ws-notes-0a1b2c3d", 1, 300), // its sandbox runs
      found("local-ws-fresh-4e5f6a7b", 0, 1), // being made right now
      found("local-ws-Other-62b91a52", 0, 300), // not a workspace name: not ours to judge
    ];
    const removed: string[] = [];
    const cgroups = {
      found: () => Promise.resolve(groups),
      removeFound: (group: FoundCgroup) => {
        removed.push(group.name);
        return Promise.resolve();
      },
    } as unknown as SandboxCgroups;
    const report = await sweepLeftovers({ baseDir, cgroups, log: silentLogger() });
    assertEquals(removed, ["local-ws-deep.ws-62b91a52"]);
    assertEquals(report.unjudgedCgroups, 1);
  } finally {
    await Deno.remove(baseDir, { recursive: true });
  }
});

Deno.test(
  "sweepLeftovers() leaves alone a sandbox directory whose lock another user made",
  { ignore: !root },
  async () => {
    // Another local user made /tmp/mcp-sandbox-<id>, named after a live sandbox of another server
    // (cgroup names are readable), with an unlocked lock file: the next server's sweep took it
    // for a dead server's and removed that live sandbox's cgroup, its processes and files.
    const baseDir = await Deno.makeTempDir({ prefix: "leftovers-test-" });
    try {
      Deno.mkdirSync(`${baseDir}/mcp-sandbox-planted1`);
      lockSandbox(`${baseDir}/mcp-sandbox-planted1`).close();
      Deno.chownSync(`${baseDir}/mcp-sandbox-planted1/owner.lock`, 4242, 4242);
      Deno.chownSync(`${baseDir}/mcp-sandbox-planted1`, 4242, 4242);
      const removed: string[] = [];
      const cgroups = {
        found: () =>
          Promise.resolve([{
            name: "local-planted1",
            dirs: ["/sys/fs/cgroup/test/local-planted1"],
            processes: 2,
            ageSeconds: 300,
          }]),
        removeFound: (group: FoundCgroup) => {
          removed.push(group.name);
          return Promise.resolve();
        },
      } as unknown as SandboxCgroups;
      const disks = () => ({ unmount: () => {} }) as unknown as SandboxDisks;
      const report = await sweepLeftovers({ baseDir, cgroups, disks, log: silentLogger() });
      assertEquals(removed, []);
      assertEquals(report.sandboxes, []);
      assert(Deno.statSync(`${baseDir}/mcp-sandbox-planted1`).isDirectory);
    } finally {
      await Deno.remove(baseDir, { recursive: true });
    }
  },
);
