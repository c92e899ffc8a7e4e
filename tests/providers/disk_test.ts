// The disk budget of local sandboxes (issue 17): a sandbox's home and /tmp are a mounted image of
// its budget, so a fill stops there with ENOSPC. The budgets here are 64 MiB and each fill writes
// at most 200 MB, so even a broken protection cannot fill the host's disk; the /dev/shm fill runs
// inside a guard cgroup (tests/_guard.ts), since /dev/shm is RAM.
import { deepEqual as assertEquals, match, ok as assert } from "node:assert/strict";
import { underGuard } from "../_guard.ts";
import { connect, hasBwrap, structured, text } from "../_helpers.ts";
import type { ShellExecOutput } from "../../src/tools/shell_exec.ts";
import type { PythonExecOutput } from "../../src/tools/python_exec.ts";
import type { SandboxListOutput } from "../../src/tools/sandbox_list.ts";
import { LocalProvider } from "../../src/providers/local/mod.ts";
import { SandboxDisks } from "../../src/providers/local/_disk.ts";
import { DISK_PY } from "../../src/providers/agent/_runtime.ts";
import { silentLogger } from "../../src/log.ts";

const ignore = Deno.uid() !== 0 || !hasBwrap;
const FULL = /The disk budget 64 MiB of the sandbox is full/;

Deno.test({
  name: "A disk fill stops at the sandbox's disk budget; its files survive and it still answers",
  ignore,
  fn: async () => {
    await using mcp = await connect({ local: { network: "none", budget: { diskGb: 1 / 16 } } });
    const shell = async (command: string, sandbox_id?: string) =>
      structured<ShellExecOutput>(await mcp.call("shell_exec", { command, sandbox_id }));
    await mcp.call("file_upload", { file_path: "kept.txt", content: "written before" });

    const fill = await shell("head -c 200000000 /dev/zero > /tmp/fill; echo exit=$?");
    match(fill.stderr, /No space left on device/);
    assert(fill.notes?.some((note) => FULL.test(note)), JSON.stringify(fill.notes));
    const size = Number((await shell("stat -c %s /tmp/fill")).stdout);
    assert(size > 40 << 20 && size <= 64 << 20, `the fill kept ${size} bytes`);

    // Home and /tmp share the budget: home is full too, for every tool.
    const python = structured<PythonExecOutput>(
      await mcp.call("python_exec", { code: "open('big.bin', 'wb').write(b'x' * (8 << 20))" }),
    );
    match(python.error?.message ?? "", /No space left on device/);
    assert(python.notes.some((note) => FULL.test(note)), JSON.stringify(python.notes));
    const upload = await mcp.call("file_upload", {
      file_path: "up.txt",
      content: "x".repeat(1 << 20),
    });
    assertEquals(upload.isError, true);
    match(text(upload), /Cannot upload up\.txt: the disk budget 64 MiB of the sandbox is full/);

    assertEquals((await shell("cat kept.txt")).stdout, "written before");
    const list = structured<SandboxListOutput>(await mcp.call("sandbox_list", {}));
    const usage = list.sandboxes[0].usage!;
    assertEquals(usage.disk_budget_mib, 64);
    assert(usage.disk_mib! > 40, JSON.stringify(usage));

    // Another sandbox has a disk of its own; sandbox_create(disk) may not make it larger.
    const larger = await mcp.call("sandbox_create", { disk: 1 });
    assertEquals(larger.isError, true);
    match(text(larger), /disk 1 GiB: this server gives a sandbox at most 0\.063 GiB/);
    const created = structured<{ sandbox_id: string }>(await mcp.call("sandbox_create", {}));
    const other = await shell("head -c 30000000 /dev/zero > /tmp/f && echo ok", created.sandbox_id);
    assertEquals(other.stdout, "ok\n");
    const listed = structured<SandboxListOutput>(await mcp.call("sandbox_list", {}));
    const entry = listed.sandboxes.find((s) => s.sandbox_id === created.sandbox_id)!;
    assertEquals(entry.usage?.disk_budget_mib, 64);

    // Deleting files makes room again, and a normal call carries no note.
    const freed = await shell("rm /tmp/fill && head -c 1000000 /dev/zero > /tmp/small && echo ok");
    assertEquals(freed.stdout, "ok\n");
    assertEquals(freed.notes, undefined);
  },
});

/** What `args` prints as JSON (losetup, findmnt: the test may not read /sys and /proc itself). */
async function json(...args: string[]): Promise<Record<string, Record<string, unknown>[]>> {
  const { stdout } = await new Deno.Command(args[0], { args: args.slice(1) }).output();
  const text = new TextDecoder().decode(stdout).trim();
  return text ? JSON.parse(text) : {};
}

/** The loop devices whose backing file is `image`, with whether each does direct I/O. */
async function loopsOn(image: string): Promise<{ device: string; directIo: boolean }[]> {
  const { loopdevices = [] } = await json(
    "losetup",
    "--json",
    "--list",
    "-O",
    "NAME,BACK-FILE,DIO",
  );
  return loopdevices
    .filter((loop) => loop["back-file"] === image || loop["back-file"] === `${image} (deleted)`)
    .map((loop) => ({ device: String(loop.name), directIo: loop.dio === true }));
}

/**
 * Checks that one loop device with direct I/O (the image's pages stay out of the page cache) backs
 * the ext4 mounted on `root`, mounted so that it runs no set-uid program and no device node.
 */
async function assertDiskMounted(root: string): Promise<void> {
  const loops = await loopsOn(`${Deno.realPathSync(root)}/disk.img`);
  assertEquals(loops.length, 1, JSON.stringify(loops));
  assertEquals(loops[0].directIo, true);
  const { filesystems } = await json("findmnt", "--json", "-o", "FSTYPE,OPTIONS", "-M", root);
  assertEquals(filesystems.length, 1, "mounted on the sandbox's directory");
  assertEquals(filesystems[0].fstype, "ext4");
  const options = String(filesystems[0].options).split(",");
  for (const option of ["nosuid", "nodev", "noatime"]) {
    assert(options.includes(option), `mounted ${options}`);
  }
}

Deno.test({
  name: "A sandbox's disk is unmounted and its image deleted when it closes",
  ignore,
  fn: async () => {
    const provider = new LocalProvider({ network: "none", budget: { diskGb: 1 / 16 } });
    const sandbox = await provider.create();
    assertEquals(sandbox.protections.disk, null);
    const root = `/tmp/mcp-sandbox-${sandbox.id.slice("local-".length)}`;
    assert(Deno.statSync(root).dev !== Deno.statSync("/tmp").dev, "the sandbox's disk is mounted");
    const image = `${Deno.realPathSync(root)}/disk.img`;
    await assertDiskMounted(root);
    await sandbox.close();
    await provider.close();
    assertEquals(await Deno.stat(root).then(() => true, () => false), false);
    // The loop device went with the mount.
    assertEquals(await loopsOn(image), []);
  },
});

// The helper as on a kernel before 5.8, which cannot set up a loop device in one call.
const OLD_KERNEL = `
import os as _os
_open = _os.open
def _without_loop_control(path, *args, **kwargs):
    if path == "/dev/loop-control":
        raise OSError(25, "LOOP_CONFIGURE is not supported")
    return _open(path, *args, **kwargs)
_os.open = _without_loop_control
`;

Deno.test({
  name: "Where the kernel cannot set up a loop device itself, mount(8) and losetup mount the disk",
  ignore,
  fn: async () => {
    const disks = SandboxDisks.open("/usr/bin/python3", OLD_KERNEL + DISK_PY, "/tmp");
    const dir = Deno.makeTempDirSync({ dir: "/tmp", prefix: "mcp-sandbox-" });
    try {
      const disk = await disks.make(dir, 64 << 20, 65534);
      assert(typeof disk !== "string", String(disk));
      await assertDiskMounted(dir);
      assertEquals((await disk.usage()).total > 50 << 20, true);
      await disk.remove();
      assertEquals(await loopsOn(`${Deno.realPathSync(dir)}/disk.img`), []);
    } finally {
      await disks.close();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Without a disk budget (0) the sandbox says the disk is not budgeted",
  ignore: !hasBwrap,
  fn: async () => {
    await using provider = new LocalProvider({
      network: "none",
      budget: { diskGb: 0 },
      log: silentLogger(),
    });
    await using sandbox = await provider.create();
    match(sandbox.protections.disk ?? "", Deno.uid() === 0 ? /is 0/ : /needs root|is 0/);
    const resources = await sandbox.resources();
    assertEquals(resources?.diskBudgetBytes, undefined);
  },
});

Deno.test({
  name: "/dev/shm is capped at 64 MiB and counted in the sandbox's memory",
  ignore,
  fn: () =>
    underGuard("shm", async () => {
      await using provider = new LocalProvider({ network: "none", budget: { memoryMb: 256 } });
      await using sandbox = await provider.create();
      const before = (await sandbox.resources())!.memoryBytes;
      const fill = await sandbox.exec(
        "head -c 200000000 /dev/zero > /dev/shm/fill; stat -c %s /dev/shm/fill",
      );
      match(fill.stderr, /No space left on device/);
      assertEquals(Number(fill.stdout), 64 << 20);
      const after = (await sandbox.resources())!.memoryBytes;
      assert(after - before > 60 << 20, `memory rose by ${after - before} bytes`);
    }),
});
