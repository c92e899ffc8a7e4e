// File tools see exactly what the sandbox's processes see: no path, symlink or hard link reaches
// a host file.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import type { FileListOutput } from "../../src/tools/file_list.ts";
import type { ShellExecOutput } from "../../src/tools/shell_exec.ts";
import { connect, hasBwrap, structured, text } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };

Deno.test("file tools do not follow a planted symlink to a host file", opts, async () => {
  const secret = await Deno.makeTempFile({ prefix: "mcp-host-secret-" });
  await Deno.writeTextFile(secret, "host secret");
  await Deno.chmod(secret, 0o644);
  try {
    await using mcp = await connect();
    await mcp.call("shell_exec", {
      command: `ln -s ${secret} link-to-host; ln -s /root/.profile link-to-root`,
    });
    for (const path of ["link-to-host", "link-to-root"]) {
      const read = await mcp.call("file_download", { file_path: path });
      assertEquals(read.isError, true);
      assertMatch(text(read), /no such file or directory/);
    }
    // Writing through the link writes inside the sandbox's own /tmp, never the host file.
    const write = await mcp.call("file_upload", { file_path: `${secret}`, content: "overwritten" });
    assertEquals(write.isError, false, text(write));
    assertEquals(await Deno.readTextFile(secret), "host secret");
    const listing = structured<FileListOutput>(await mcp.call("file_list", {}));
    const link = listing.entries.find((e) => e.name === "link-to-host");
    assertEquals(link?.type, "symlink");
    assertEquals(link?.target, secret);
  } finally {
    await Deno.remove(secret);
  }
});

Deno.test(
  "file tools resolve ../ inside the sandbox and cannot write outside home and /tmp",
  opts,
  async () => {
    await using mcp = await connect();
    const shadow = await mcp.call("file_download", { file_path: "../../../etc/shadow" });
    assertEquals(shadow.isError, true);
    assertMatch(text(shadow), /Cannot read \/etc\/shadow: no such file or directory/);
    const root = await mcp.call("file_download", { file_path: "../../root/.bashrc" });
    assertMatch(text(root), /no such file or directory/);
    const hostTmp = `/tmp/mcp-escape-${crypto.randomUUID()}`;
    for (const path of ["../../../usr/escape.txt", "/etc/escape.txt", "/escape.txt"]) {
      const write = await mcp.call("file_upload", { file_path: path, content: "x" });
      assertEquals(write.isError, true, path);
      assertMatch(text(write), /read-only/);
    }
    await mcp.call("file_upload", { file_path: hostTmp, content: "sandbox tmp only" });
    let onHost = true;
    try {
      await Deno.stat(hostTmp);
    } catch {
      onHost = false;
    }
    assertEquals(onHost, false, "the sandbox's /tmp is not the host's /tmp");
    const users = await mcp.call("file_download", { file_path: "/etc/passwd" });
    const passwd = (users.content[1] as { text: string }).text;
    assert(!passwd.includes("/root:/bin/bash"), "the sandbox's own passwd, not the host's");
  },
);

Deno.test("a hard link to a host file cannot be planted", opts, async () => {
  await using mcp = await connect();
  const out = structured<ShellExecOutput>(
    await mcp.call("shell_exec", {
      command: "ln /etc/hostname hard 2>&1; ln /usr/bin/env hard2 2>&1; ls",
    }),
  );
  assertMatch(out.stdout, /Invalid cross-device link|Operation not permitted/);
  assert(!/hard/.test(out.stdout.split("\n").filter((l) => !l.startsWith("ln:")).join("\n")));
});
