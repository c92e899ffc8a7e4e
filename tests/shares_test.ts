// Shared directories on the host side: the --share setting, host paths located by their text,
// and the server's own opening of shared files (used where the sandbox does not mount them, as
// on Daytona): no symlink below the share is followed, `..`, FIFOs and devices are refused, a
// read-only share is never written.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import { parseCommand } from "../src/config.ts";
import {
  locateShared,
  openSharedFile,
  parseShare,
  type SharedDirectory,
  writeSharedFile,
} from "../src/shares.ts";
import { hasBwrap, ROOT, symlink } from "./_helpers.ts";

function configOf(args: string[], env: Record<string, string> = {}) {
  const command = parseCommand(args, (name) => env[name]);
  if (command.kind !== "serve") throw new Error("expected a serve command");
  return command.config;
}

/** A share with a secret beside it, outside: `<root>/secret` and the share `<root>/a/share`. */
async function sandboxLikeTree(mode: "ro" | "rw") {
  const root = await Deno.makeTempDir({ prefix: "mcp-share-test-" });
  await Deno.mkdir(`${root}/a/share/sub`, { recursive: true });
  await Deno.mkdir(`${root}/outside`);
  await Deno.writeTextFile(`${root}/secret`, "TOPSECRET\n");
  await Deno.writeTextFile(`${root}/outside/keep.txt`, "outside\n");
  await Deno.writeTextFile(`${root}/a/share/hello.txt`, "hello\n");
  await Deno.writeTextFile(`${root}/a/share/sub/deep.txt`, "deep\n");
  await symlink("/etc/passwd", `${root}/a/share/passwd`);
  await symlink("../../secret", `${root}/a/share/up`);
  await symlink(`${root}/outside`, `${root}/a/share/outdir`);
  const share = parseShare(`${root}/a/share:${mode}`, "--share");
  return {
    root,
    share,
    shares: [share] as SharedDirectory[],
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
}

const stream = (text: string) => ReadableStream.from([new TextEncoder().encode(text)]);

Deno.test("--share is repeatable, MCP_SHARE is comma-separated, and read-only is the default", () => {
  const flags = configOf(["--share", "/srv/data", "--share=/home/me/out:rw"]);
  assertEquals(flags.shares, [
    { path: "/srv/data", mode: "ro", name: "data" },
    { path: "/home/me/out", mode: "rw", name: "out" },
  ]);
  const env = configOf([], { MCP_SHARE: "/srv/data:ro, /home/me/out:rw" });
  assertEquals(env.shares, flags.shares);
  assertEquals(configOf([], {}).shares, []);
  assertEquals(configOf(["--share", "/x"], { MCP_SHARE: "/y" }).shares.map((s) => s.path), ["/x"]);
});

Deno.test("--share refuses relative paths, '..', / and two shares of one name", () => {
  assertThrows(() => configOf(["--share", "data"]), /--share must be an absolute path/);
  assertThrows(() => configOf(["--share", "/srv/../etc"]), /--share must not contain '\.\.'/);
  assertThrows(() => configOf(["--share", "/"]), /--share must name a directory below \//);
  assertThrows(
    () => configOf(["--share", "/a/data", "--share", "/b/data"]),
    /Cannot share both \/a\/data and \/b\/data: both would be \/shared\/data/,
  );
});

Deno.test("locateShared() takes only absolute paths below a share, without '..'", () => {
  const shares = [parseShare("/home/me/projects", "-"), parseShare("/home/me/out:rw", "-")];
  assertEquals(locateShared(shares, "/home/me/projects/a/./b.csv", "upload from").parts, [
    "a",
    "b.csv",
  ]);
  assertThrows(
    () => locateShared(shares, "/home/me/.ssh/id_ed25519", "upload from"),
    {
      message:
        "Cannot upload from host_path /home/me/.ssh/id_ed25519: it is not inside a shared directory (shared: /home/me/projects (read-only, /shared/projects in the sandbox), /home/me/out (read-write, /shared/out in the sandbox))",
    },
  );
  assertThrows(
    () => locateShared(shares, "/home/me/projects/../.ssh/id_ed25519", "upload from"),
    /'\.\.' is not allowed in host_path/,
  );
  assertThrows(() => locateShared(shares, "projects/a.csv", "upload from"), /absolute path/);
  assertThrows(() => locateShared(shares, "/home/me/projects", "upload from"), /name a file/);
  assertThrows(
    () => locateShared(shares, "/home/me/projects/out.csv", "download to", { writable: true }),
    /the shared directory \/home\/me\/projects is read-only; the user can share it with :rw/,
  );
  assertThrows(() => locateShared([], "/x/y", "upload from"), /no directory is shared/);
  // A name ending in / is a directory's: a download there wrote a file named as the directory.
  assertThrows(
    () => locateShared(shares, "/home/me/out/results/", "download to", { writable: true }),
    /it ends in \/, as a directory's name does; name the file itself/,
  );
});

Deno.test("openSharedFile() reads a file of the share and follows no symlink below it", async () => {
  await using tree = await sandboxLikeTree("ro");
  const read = async (path: string) => {
    const location = locateShared(tree.shares, `${tree.share.path}/${path}`, "upload from");
    const { file } = await openSharedFile(location, "upload from");
    return await new Response(file.readable).text();
  };
  assertEquals(await read("hello.txt"), "hello\n");
  assertEquals(await read("sub/deep.txt"), "deep\n");
  for (const link of ["passwd", "up"]) {
    await assertRejects(read(link), /it is a symlink; host_path never follows symlinks/);
  }
  await assertRejects(read("outdir/keep.txt"), /outdir is a symlink; host_path never follows/);
  await assertRejects(read("sub"), /it is a directory, not a regular file/);
  await assertRejects(read("missing.txt"), /no such file/);
  const fifo = await new Deno.Command("mkfifo", { args: [`${tree.share.path}/fifo`] }).output();
  assert(fifo.success);
  await assertRejects(read("fifo"), /it is a device, FIFO or socket, not a regular file/);
});

Deno.test("writeSharedFile() writes only inside a read-write share, never through a symlink", async () => {
  await using tree = await sandboxLikeTree("rw");
  const write = (path: string, text: string, overwrite = false) => {
    const location = locateShared(tree.shares, `${tree.share.path}/${path}`, "download to", {
      writable: true,
    });
    return writeSharedFile(location, stream(text), { overwrite, action: "download to" });
  };
  assertEquals(await write("new/dir/result.txt", "result\n"), { size: 7, replaced: false });
  assertEquals(await Deno.readTextFile(`${tree.share.path}/new/dir/result.txt`), "result\n");
  await assertRejects(write("hello.txt", "x"), /it already exists; pass overwrite: true/);
  assertEquals(await write("hello.txt", "replaced\n", true), { size: 9, replaced: true });
  assertEquals(await Deno.readTextFile(`${tree.share.path}/hello.txt`), "replaced\n");
  // A symlink at the name is not replaced, and what it points to is untouched.
  await assertRejects(write("up", "pwned", true), /it is a symlink; host_path never replaces/);
  assertEquals(await Deno.readTextFile(`${tree.root}/secret`), "TOPSECRET\n");
  // A symlinked directory on the way is not entered.
  await assertRejects(write("outdir/keep.txt", "pwned", true), /outdir is a symlink/);
  await assertRejects(write("outdir/new.txt", "pwned", true), /outdir is a symlink/);
  assertEquals(await Deno.readTextFile(`${tree.root}/outside/keep.txt`), "outside\n");
  assertEquals([...Deno.readDirSync(`${tree.root}/outside`)].map((e) => e.name), ["keep.txt"]);
  await assertRejects(write("sub", "x", true), /it is a directory; only a regular file/);
  // A name as long as a file system takes (255 bytes): the temporary name beside it, 19 bytes
  // longer, failed with "File name too long".
  const long = `${"é".repeat(120)}${"x".repeat(11)}.txt`;
  assertEquals(new TextEncoder().encode(long).length, 255);
  assertEquals(await write(long, "long\n"), { size: 5, replaced: false });
  assertEquals(await Deno.readTextFile(`${tree.share.path}/${long}`), "long\n");
  await Deno.remove(`${tree.share.path}/${long}`);
  // No temporary file is left behind, whatever happened.
  const names = [...Deno.readDirSync(tree.share.path)].map((entry) => entry.name).sort();
  assertEquals(names, ["hello.txt", "new", "outdir", "passwd", "sub", "up"]);
});

Deno.test("writeSharedFile() refuses a read-only share, and a failed stream leaves nothing", async () => {
  await using tree = await sandboxLikeTree("ro");
  const location = locateShared(tree.shares, `${tree.share.path}/x.txt`, "download to");
  await assertRejects(
    writeSharedFile(location, stream("x"), { action: "download to" }),
    /the shared directory .* is read-only/,
  );
  await using rw = await sandboxLikeTree("rw");
  const broken = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array(10));
      controller.error(new Error("the sandbox went away"));
    },
  });
  const target = locateShared(rw.shares, `${rw.share.path}/hello.txt`, "download to");
  await assertRejects(
    writeSharedFile(target, broken, { overwrite: true, action: "download to" }),
    /the sandbox went away/,
  );
  assertEquals(await Deno.readTextFile(`${rw.share.path}/hello.txt`), "hello\n");
  const names = [...Deno.readDirSync(rw.share.path)].map((entry) => entry.name);
  assert(!names.some((name) => name.includes(".download-")), names.join(" "));
  assertMatch(rw.share.name, /^share$/);
});

Deno.test("writeSharedFile() leaves runs of zeros as holes, and refuses data past the expected size", async () => {
  await using rw = await sandboxLikeTree("rw");
  const MiB = 1024 * 1024;
  const target = (name: string) =>
    locateShared(rw.shares, `${rw.share.path}/${name}`, "download to", { writable: true });
  // 64 MiB of zeros around 1 MiB of data: as a sparse file comes out of a sandbox that spent no
  // disk on it. Written out, it would take 65 MiB of the host's disk.
  const data = new Uint8Array(MiB).fill(7);
  const chunks = function* () {
    for (let i = 0; i < 32; i++) yield new Uint8Array(MiB);
    yield data;
    for (let i = 0; i < 32; i++) yield new Uint8Array(MiB);
  };
  const written = await writeSharedFile(target("sparse.bin"), ReadableStream.from(chunks()), {
    action: "download to",
    expectedSize: 65 * MiB,
  });
  assertEquals(written, { size: 65 * MiB, replaced: false });
  const info = await Deno.stat(`${rw.share.path}/sparse.bin`);
  assertEquals(info.size, 65 * MiB);
  assert(info.blocks! * 512 < 4 * MiB, `${info.blocks! * 512} bytes on disk`);
  using file = await Deno.open(`${rw.share.path}/sparse.bin`);
  const back = new Uint8Array(3 * MiB);
  await file.seek(31 * MiB, Deno.SeekMode.Start);
  for (let at = 0; at < back.length;) at += (await file.read(back.subarray(at)))!;
  assertEquals(back.subarray(0, MiB), new Uint8Array(MiB));
  assertEquals(back.subarray(MiB, 2 * MiB), data);
  assertEquals(back.subarray(2 * MiB), new Uint8Array(MiB));
  // A source that goes on past the size it had (a file growing while read) is cut off.
  const endless = new ReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(new Uint8Array(MiB).fill(1)),
  });
  await assertRejects(
    writeSharedFile(target("grows.bin"), endless, { action: "download to", expectedSize: 8 * MiB }),
    /the file grew during the transfer, past the 8388608 bytes it had when it began/,
  );
  const names = [...Deno.readDirSync(rw.share.path)].map((entry) => entry.name);
  assert(!names.includes("grows.bin") && !names.some((name) => name.includes(".download-")));
});

Deno.test(
  "the local provider refuses shares that sandbox code could redirect, or that hold sandboxes' state",
  async () => {
    const { LocalProvider } = await import("../src/providers/local/mod.ts");
    const { silentLogger } = await import("../src/log.ts");
    const root = await Deno.makeTempDir({ prefix: "mcp-share-placement-" });
    try {
      await Deno.mkdir(`${root}/data/raw`, { recursive: true });
      await Deno.mkdir(`${root}/base`);
      await Deno.mkdir(`${root}/workspaces/w`, { recursive: true });
      const make = (shares: string[]) =>
        new LocalProvider({
          log: silentLogger(),
          baseDir: `${root}/base`,
          workspacesDir: `${root}/workspaces`,
          shares: shares.map((text) => parseShare(text, "--share")),
        });
      // A share inside a read-write share: sandbox code could swap it for a symlink to any
      // directory, which later sandboxes would get mounted in its place.
      assertThrows(
        () => make([`${root}/data:rw`, `${root}/data/raw`]),
        new RegExp(
          `Cannot share ${root}/data/raw: it lies inside the read-write share ${root}/data,`,
        ),
      );
      assertThrows(() => make([`${root}/data/raw:rw`, `${root}/data:rw`]), /lies inside/);
      // Inside a read-only share it stays where it is.
      await make([`${root}/data`, `${root}/data/raw:rw`]).close();
      // The sandboxes' own directories (homes, package caches, sockets): never shared.
      assertThrows(
        () => make([root]),
        new RegExp(`Cannot share ${root}: it holds the sandboxes' own directories`),
      );
      assertThrows(() => make([`${root}/base`]), /it holds the sandboxes' own directories/);
      await make([`${root}/data`]).close(); // beside them
      // The workspaces: not read-write from above (read-only, they are the user's own files to
      // read), nor a share inside them.
      await Deno.mkdir(`${root}/home/workspaces/w`, { recursive: true });
      const withWorkspaces = (text: string) =>
        new LocalProvider({
          log: silentLogger(),
          baseDir: `${root}/base`,
          workspacesDir: `${root}/home/workspaces`,
          shares: [parseShare(text, "--share")],
        });
      assertThrows(
        () => withWorkspaces(`${root}/home:rw`),
        new RegExp(`Cannot share ${root}/home read-write: it holds the persistent workspaces`),
      );
      await withWorkspaces(`${root}/home`).close();
      assertThrows(
        () => withWorkspaces(`${root}/home/workspaces/w`),
        /it lies inside the persistent workspaces .*, which sandboxes write in/,
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

Deno.test(
  "a share given as a symlink Deno may not read is checked where it leads (deno task start's permissions)",
  { ignore: !hasBwrap },
  async () => {
    // `deno task start` may read only /tmp and its own files: a share outside them was compared
    // as given, and bubblewrap, which follows symlinks, mounted the sandboxes' own directory (one
    // session read and wrote another's home) or a share inside a read-write one.
    const root = await Deno.makeTempDir({ prefix: "mcp-share-link-" });
    await Deno.chmod(root, 0o755); // a root server's sandboxes are nobody
    try {
      const base = `${root}/base`;
      await Deno.mkdir(base);
      await Deno.mkdir(`${root}/hidden`);
      await Deno.mkdir(`${root}/data/raw`, { recursive: true });
      await symlink(base, `${root}/hidden/sandboxes`);
      await symlink(`${root}/data`, `${root}/hidden/data`);
      // The server as `deno task start` runs it, with its permissions (reading only `base`).
      const server = (...flags: string[]) => [
        Deno.execPath(),
        "run",
        `--lock=${ROOT}/deno.lock`,
        "--allow-run=bwrap,setpriv",
        `--allow-read=${base},${ROOT}/bundle`,
        `--allow-write=${base}`,
        "--allow-sys=uid",
        "--allow-env",
        "--allow-net",
        `${ROOT}/bundle/cli.js`,
        "--sandbox-dir",
        base,
        ...flags,
      ];
      const run = async ([command, ...args]: string[]) => {
        const { code, stderr } = await new Deno.Command(command, {
          args,
          env: { ...Deno.env.toObject(), MCP_LOG_LEVEL: "error", XDG_DATA_HOME: root },
          cwd: ROOT,
          stdin: "null",
          stdout: "null",
          stderr: "piped",
        }).output();
        return { code, said: new TextDecoder().decode(stderr) };
      };
      const serve = (...flags: string[]) => run(server(...flags));
      const sandboxes = await serve("--share", `${root}/hidden/sandboxes:rw`);
      assertEquals(sandboxes.code, 1, sandboxes.said);
      assertMatch(
        sandboxes.said,
        /Cannot share .*\/hidden\/sandboxes read-write: it holds the sandboxes' own directories/,
      );
      const inner = await serve("--share", `${root}/hidden/data:rw`, "--share", `${root}/data/raw`);
      assertEquals(inner.code, 1, inner.said);
      assertMatch(inner.said, /Cannot share .*\/data\/raw: it lies inside the read-write share/);
      // A share whose way goes through a symlink in a read-write share: sandbox code pointed the
      // link at /etc, and every later sandbox had the host's /etc as that share.
      await Deno.mkdir(`${root}/pub`);
      await Deno.mkdir(`${root}/view`);
      await symlink(`${root}/pub`, `${root}/data/x`);
      await symlink(`${root}/data/x`, `${root}/view/pub`);
      const linked = await serve("--share", `${root}/data:rw`, "--share", `${root}/view/pub`);
      assertEquals(linked.code, 1, linked.said);
      assertMatch(
        linked.said,
        /Cannot share .*\/view\/pub: the way to it follows a symlink in the read-write share .*\/data,/,
      );
      // The server's own directories, reached through a symlink in a read-write share: sandbox code
      // pointed the link at a tree of its own, whose workspace named a host directory as its
      // sandbox, and a root server emptied, chowned and mounted that directory on the next attach.
      await Deno.mkdir(`${root}/kept/ws`, { recursive: true });
      await symlink(`${root}/kept`, `${root}/data/state`);
      // The server may read them (as `deno task start` may read /tmp): the text check sees the
      // link's target, outside the share.
      const reading = (...flags: string[]) =>
        run(
          server(...flags).map((arg) => arg.startsWith("--allow-read=") ? `${arg},${root}` : arg),
        );
      for (const flag of ["--workspace-dir", "--sandbox-dir"]) {
        const kept = await reading("--share", `${root}/data:rw`, flag, `${root}/data/state/ws`);
        assertEquals(kept.code, 1, kept.said);
        assertMatch(
          kept.said,
          /Cannot share .*\/data read-write: the way to the (persistent workspaces|sandboxes' own directories).* follows a symlink in it/,
        );
      }
      // A symlink to a directory beside them is a share like any other.
      const fine = await serve("--share", `${root}/hidden/data:rw`);
      assertEquals(fine.code, 0, fine.said);
      // A read-write share seen again through a bind mount (a mount namespace of the test's own):
      // a share below the bind is inside the read-write share, which its path does not show.
      if (Deno.uid() === 0) {
        await Deno.mkdir(`${root}/bound`);
        const { code, said } = await run([
          "unshare",
          "-m",
          "--propagation",
          "private",
          "sh",
          "-c",
          `mount --bind "$0" "$1" && shift && exec "$@"`,
          `${root}/data`,
          `${root}/bound`,
          ...server("--share", `${root}/data:rw`, "--share", `${root}/bound/raw`),
        ]);
        assertEquals(code, 1, said);
        assertMatch(said, /Cannot share .*\/bound\/raw: it lies inside the read-write share/);
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
