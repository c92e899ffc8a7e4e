// The user's files, on purpose: a shared directory mounted into local sandboxes (read-only unless
// rw), symlinks inside it leading nowhere outside it, and file_upload / file_download moving
// files between it and a sandbox through host_path, 200 MB both ways, on the local provider and
// on Daytona (the fake), checked by SHA-256.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { createHash } from "node:crypto";
import type { FileDownloadOutput } from "../../src/tools/file_download.ts";
import type { FileUploadOutput } from "../../src/tools/file_upload.ts";
import { parseShare, type SharedDirectory } from "../../src/shares.ts";
import { connect, type Connected, hasBwrap, sh, structured, symlink, text } from "../_helpers.ts";
import { startFakeDaytona } from "../daytona/fake_server.ts";
import { connectDaytona } from "../daytona/connect.ts";

const opts = { ignore: !hasBwrap };
const MIB = 1024 * 1024;

/**
 * `<root>/secret` and `<root>/outside/` beside two shares, `<root>/a/ro` and `<root>/a/rw`, each
 * holding symlinks that point out: to /etc/passwd, ../../secret, and the outside directory.
 */
async function tree() {
  const root = await Deno.makeTempDir({ prefix: "mcp-host-path-" });
  // A server running as root runs sandboxes as nobody, who must reach the shares (and write the
  // read-write one), as the README says.
  await Deno.chmod(root, 0o755);
  await Deno.mkdir(`${root}/outside`);
  await Deno.writeTextFile(`${root}/secret`, "TOPSECRET\n");
  await Deno.writeTextFile(`${root}/outside/keep.txt`, "outside\n");
  for (const name of ["ro", "rw"]) {
    const dir = `${root}/a/${name}`;
    await Deno.mkdir(`${dir}/sub`, { recursive: true });
    await Deno.writeTextFile(`${dir}/hello.txt`, `hello from ${name}\n`);
    await symlink("/etc/passwd", `${dir}/passwd`);
    await symlink("../../secret", `${dir}/up`);
    await symlink(`${root}/secret`, `${dir}/abs`);
    await symlink(`${root}/outside`, `${dir}/outdir`);
    if (Deno.uid() === 0) await Deno.chmod(dir, name === "rw" ? 0o777 : 0o755);
  }
  const shares: SharedDirectory[] = [
    parseShare(`${root}/a/ro`, "--share"),
    parseShare(`${root}/a/rw:rw`, "--share"),
  ];
  return {
    root,
    shares,
    ro: `${root}/a/ro`,
    rw: `${root}/a/rw`,
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** A file of `mib` MiB whose every MiB differs; returns its SHA-256. */
async function bigFile(path: string, mib: number): Promise<string> {
  const block = new Uint8Array(MIB);
  crypto.getRandomValues(block.subarray(0, 65536));
  for (let i = 65536; i < MIB; i++) block[i] = block[i - 65536] ^ (i & 0xff);
  const hash = createHash("sha256");
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  for (let i = 0; i < mib; i++) {
    new DataView(block.buffer).setUint32(0, i);
    hash.update(block);
    for (let at = 0; at < block.length;) at += await file.write(block.subarray(at));
  }
  return hash.digest("hex");
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of (await Deno.open(path)).readable) hash.update(chunk);
  return hash.digest("hex");
}

Deno.test(
  "a shared directory is mounted read-only at /shared/<name>, read-write with :rw",
  opts,
  async () => {
    await using files = await tree();
    await using mcp = await connect({ shares: files.shares });
    assertEquals(
      await sh(mcp, "cat /shared/ro/hello.txt /shared/rw/hello.txt"),
      "hello from ro\nhello from rw\n",
    );
    const denied = await sh(
      mcp,
      "echo x > /shared/ro/new.txt 2>&1; rm /shared/ro/hello.txt 2>&1; true",
    );
    assertMatch(denied, /Read-only file system/);
    assertEquals(await Deno.readTextFile(`${files.ro}/hello.txt`), "hello from ro\n");
    await sh(mcp, "echo made inside > /shared/rw/made.txt");
    assertEquals(await Deno.readTextFile(`${files.rw}/made.txt`), "made inside\n");
    // A sandbox made by sandbox_create mounts them too.
    const created = structured<{ sandbox_id: string }>(await mcp.call("sandbox_create", {}));
    const other = await mcp.call("shell_exec", {
      command: "cat /shared/rw/made.txt",
      sandbox_id: created.sandbox_id,
    });
    assertMatch(text(other), /made inside/);
  },
);

Deno.test(
  "symlinks in a shared directory lead nowhere outside it, in the sandbox or through host_path",
  opts,
  async () => {
    await using files = await tree();
    await using mcp = await connect({ shares: files.shares });
    const hostPasswd = await Deno.readTextFile("/etc/passwd");
    const seen = await sh(
      mcp,
      "for f in up abs outdir/keep.txt; do cat /shared/ro/$f /shared/rw/$f 2>&1; done; cat /shared/ro/passwd",
    );
    assert(!seen.includes("TOPSECRET") && !seen.includes("outside\n"), seen);
    assert(seen.includes("sandbox:x:1000"), "passwd is the sandbox's own /etc/passwd");
    assert(!hostPasswd.includes("sandbox:x:1000") || hostPasswd !== seen, "not the host's");
    for (const name of ["up", "abs", "outdir/keep.txt", "passwd"]) {
      const result = await mcp.call("file_upload", {
        file_path: `got-${name.replace("/", "-")}`,
        host_path: `${files.ro}/${name}`,
      });
      if (!result.isError) {
        const got = await sh(mcp, `cat got-${name.replace("/", "-")}`);
        assert(!got.includes("TOPSECRET") && got !== hostPasswd, `${name}: ${got}`);
      } else {
        assertMatch(text(result), new RegExp(`Cannot upload from host_path ${files.ro}/${name}: `));
      }
    }
    // '..' in host_path is refused before anything is opened.
    const dotdot = await mcp.call("file_upload", {
      file_path: "x",
      host_path: `${files.ro}/../../secret`,
    });
    assertEquals(dotdot.isError, true);
    assertMatch(text(dotdot), /'\.\.' is not allowed in host_path/);
    // A symlink the sandbox plants in a read-write share, pointing at a host file, is not followed
    // by a download there either: the host file stays as it was.
    await sh(mcp, `ln -s ${files.root}/secret /shared/rw/planted`);
    await sh(mcp, "echo pwned > payload.txt");
    await mcp.call("file_download", {
      file_path: "payload.txt",
      host_path: `${files.rw}/planted`,
      overwrite: true,
    });
    await mcp.call("file_download", {
      file_path: "payload.txt",
      host_path: `${files.rw}/outdir/keep.txt`,
      overwrite: true,
    });
    assertEquals(await Deno.readTextFile(`${files.root}/secret`), "TOPSECRET\n");
    assertEquals(await Deno.readTextFile(`${files.root}/outside/keep.txt`), "outside\n");
  },
);

Deno.test(
  "host_path outside the shares is refused, and a read-only share refuses downloads",
  opts,
  async () => {
    await using files = await tree();
    await using mcp = await connect({ shares: files.shares });
    const outside = await mcp.call("file_upload", {
      file_path: "x",
      host_path: `${files.root}/secret`,
    });
    assertEquals(outside.isError, true);
    assertEquals(
      text(outside),
      `Cannot upload from host_path ${files.root}/secret: it is not inside a shared directory (shared: ${files.ro} (read-only, /shared/ro in the sandbox), ${files.rw} (read-write, /shared/rw in the sandbox))`,
    );
    await sh(mcp, "echo result > out.txt");
    const ro = await mcp.call("file_download", {
      file_path: "out.txt",
      host_path: `${files.ro}/out.txt`,
    });
    assertEquals(ro.isError, true);
    assertMatch(
      text(ro),
      /the shared directory .*\/a\/ro is read-only; the user can share it with :rw/,
    );
    const both = await mcp.call("file_upload", {
      file_path: "x",
      content: "x",
      host_path: `${files.ro}/hello.txt`,
    });
    assertMatch(text(both), /pass either content .* or host_path .*, not both/);
    const saved = structured<FileDownloadOutput>(
      await mcp.call("file_download", { file_path: "out.txt", host_path: `${files.rw}/out.txt` }),
    );
    assertEquals([saved.result, saved.size, saved.replaced], ["saved", 7, false]);
    const again = await mcp.call("file_download", {
      file_path: "out.txt",
      host_path: `${files.rw}/out.txt`,
    });
    assertMatch(text(again), /it already exists; pass overwrite: true to replace it/);
    const none = await (async () => {
      await using bare = await connect();
      return text(
        await bare.call("file_upload", { file_path: "x", host_path: `${files.ro}/hello.txt` }),
      );
    })();
    assertMatch(none, /no directory is shared/);
  },
);

/** 200 MB from a share into the sandbox and back to another name, compared by SHA-256. */
async function roundTrip(mcp: Connected, files: Awaited<ReturnType<typeof tree>>, label: string) {
  const source = `${files.rw}/big.bin`;
  const sum = await bigFile(source, 200);
  const rssBefore = Deno.memoryUsage().rss;
  let started = performance.now();
  const up = await mcp.call("file_upload", { file_path: "big.bin", host_path: source });
  const upMs = performance.now() - started;
  assertEquals(up.isError, false, text(up));
  const uploaded = structured<FileUploadOutput>(up);
  assertEquals([uploaded.size, uploaded.sha256], [200 * MIB, sum]);
  assertEquals((await sh(mcp, "sha256sum big.bin")).split(" ")[0], sum, "the sandbox has it");
  started = performance.now();
  const down = await mcp.call("file_download", {
    file_path: "big.bin",
    host_path: `${files.rw}/back/big.bin`,
  });
  const downMs = performance.now() - started;
  assertEquals(down.isError, false, text(down));
  const saved = structured<FileDownloadOutput>(down);
  assertEquals([saved.result, saved.size, saved.sha256], ["saved", 200 * MIB, sum]);
  assertEquals(await sha256File(`${files.rw}/back/big.bin`), sum);
  assert(text(down).length < 2000, "the data is not in the result");
  const grown = (Deno.memoryUsage().rss - rssBefore) / MIB;
  console.log(
    `${label}: 200 MiB up ${Math.round(upMs)} ms, down ${Math.round(downMs)} ms; RSS grew ${
      Math.round(grown)
    } MiB`,
  );
  return grown;
}

Deno.test(
  "200 MB go from a shared directory into a local sandbox and back through host_path",
  opts,
  async () => {
    await using files = await tree();
    await using mcp = await connect({
      shares: files.shares,
      local: { budget: { diskGb: 1 }, limits: { fileMb: 1024 } },
    });
    const grown = await roundTrip(mcp, files, "local");
    assert(grown < 150, `memory stays bounded (RSS grew ${Math.round(grown)} MiB)`);
  },
);

Deno.test(
  "200 MB go from a shared directory into a Daytona sandbox and back through host_path",
  opts,
  async () => {
    await using files = await tree();
    await using fake = await startFakeDaytona();
    await using mcp = await connectDaytona(fake, { shares: files.shares });
    await roundTrip(mcp, files, "daytona (fake)");
    // Without a mount, the server opens host files itself and still follows no symlink.
    for (const name of ["up", "abs", "outdir/keep.txt"]) {
      const refused = await mcp.call("file_upload", {
        file_path: "x",
        host_path: `${files.ro}/${name}`,
      });
      assertEquals(refused.isError, true, name);
      assertMatch(text(refused), /symlink; host_path never follows symlinks/);
    }
    await sh(mcp, "echo pwned > payload.txt");
    const planted = await mcp.call("file_download", {
      file_path: "payload.txt",
      host_path: `${files.rw}/up`,
      overwrite: true,
    });
    assertMatch(text(planted), /it is a symlink; host_path never replaces symlinks/);
    assertEquals(await Deno.readTextFile(`${files.root}/secret`), "TOPSECRET\n");
  },
);

Deno.test(
  "a sparse file from a Daytona sandbox lands sparse in the share: 256 MiB that the sandbox stores in no blocks takes none of the host's disk",
  opts,
  async () => {
    await using files = await tree();
    await using fake = await startFakeDaytona();
    await using mcp = await connectDaytona(fake, { shares: files.shares });
    // Code in the sandbox can make such a file at no cost to its own disk; written out in full, a
    // download would fill the user's disk with zeros.
    assertEquals(
      await sh(mcp, "truncate -s 256M hole.bin && printf data >> hole.bin && echo ok"),
      "ok\n",
    );
    const down = structured<FileDownloadOutput>(
      await mcp.call("file_download", { file_path: "hole.bin", host_path: `${files.rw}/hole.bin` }),
    );
    assertEquals([down.result, down.size], ["saved", 256 * MIB + 4]);
    const info = await Deno.stat(`${files.rw}/hole.bin`);
    assertEquals(info.size, 256 * MIB + 4);
    assert(info.blocks! * 512 < 4 * MIB, `${info.blocks! * 512} bytes on the host's disk`);
    using file = await Deno.open(`${files.rw}/hole.bin`);
    await file.seek(256 * MIB - 2, Deno.SeekMode.Start);
    const tail = new Uint8Array(6);
    for (let at = 0; at < 6;) at += (await file.read(tail.subarray(at)))!;
    assertEquals(new TextDecoder().decode(tail), "\0\0data");
  },
);
