import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import type { FileUploadOutput } from "../../src/tools/file_upload.ts";
import type { ShellExecOutput } from "../../src/tools/shell_exec.ts";
import { assertToolErrors, connect, hasBwrap, sha256, structured, text } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };

Deno.test("fileUpload() writes text, creating parent directories", opts, async () => {
  await using mcp = await connect();
  const result = await mcp.call("file_upload", {
    file_path: "deep/er/notes.txt",
    content: "héllo\nwörld\n",
  });
  assertEquals(result.isError, false, text(result));
  const out = structured<FileUploadOutput>(result);
  assertEquals(out.path, "/home/sandbox/deep/er/notes.txt");
  assertEquals(out.size, new TextEncoder().encode("héllo\nwörld\n").length);
  assertEquals(out.replaced, false);
  const cat = structured<ShellExecOutput>(
    await mcp.call("shell_exec", { command: "cat deep/er/notes.txt; ls -A deep/er" }),
  );
  assertEquals(cat.stdout, "héllo\nwörld\nnotes.txt\n", "no temporary file is left behind");
});

Deno.test("fileUpload() round-trips binary content byte for byte", opts, async () => {
  await using mcp = await connect();
  const bytes = new Uint8Array(300_000);
  crypto.getRandomValues(bytes.subarray(0, 65536));
  for (let i = 65536; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
  const out = structured<FileUploadOutput>(
    await mcp.call("file_upload", {
      file_path: "/tmp/blob.bin",
      content: bytes.toBase64(),
      encoding: "base64",
    }),
  );
  assertEquals(out.size, bytes.length);
  assertEquals(out.sha256, await sha256(bytes));
  const inside = structured<ShellExecOutput>(
    await mcp.call("shell_exec", { command: "sha256sum /tmp/blob.bin | cut -d' ' -f1" }),
  );
  assertEquals(inside.stdout.trim(), out.sha256, "the sandbox sees the same bytes");
});

Deno.test("fileUpload() accepts base64 with a data: prefix and line breaks", opts, async () => {
  await using mcp = await connect();
  const body = new TextEncoder().encode("x".repeat(200)).toBase64();
  const wrapped = `data:text/plain;base64,${body.match(/.{1,76}/g)!.join("\n")}`;
  const out = structured<FileUploadOutput>(
    await mcp.call("file_upload", { file_path: "x.txt", content: wrapped, encoding: "base64" }),
  );
  assertEquals(out.size, 200);
});

Deno.test("fileUpload() with overwrite false leaves an existing file untouched", opts, async () => {
  await using mcp = await connect();
  await mcp.call("file_upload", { file_path: "keep.txt", content: "original" });
  const refused = await mcp.call("file_upload", {
    file_path: "keep.txt",
    content: "replacement",
    overwrite: false,
  });
  assertEquals(refused.isError, true);
  assertMatch(text(refused), /keep\.txt: it already exists and overwrite is false/);
  const cat = structured<ShellExecOutput>(
    // Nothing left beside it but the sandbox's Python environment.
    await mcp.call("shell_exec", { command: "cat keep.txt; ls -A | grep -vx .venv" }),
  );
  assertEquals(cat.stdout, "originalkeep.txt\n");
  const replaced = structured<FileUploadOutput>(
    await mcp.call("file_upload", { file_path: "keep.txt", content: "replacement" }),
  );
  assertEquals(replaced.replaced, true);
  assertEquals(replaced.size, "replacement".length);
});

Deno.test("fileUpload() rejects bad input and unwritable places clearly", opts, async () => {
  await using mcp = await connect();
  await mcp.call("shell_exec", { command: "mkdir -p adir" });
  await assertToolErrors(mcp, "file_upload", [
    [{ content: "x" }, /file_path/],
    [{ file_path: "", content: "x" }, /file_path must not be empty/],
    [{ file_path: "a.txt" }, /content/],
    [{ file_path: "a.bin", content: "not base64!!", encoding: "base64" }, /not valid base64/],
    [{ file_path: "a.txt", content: "x", encoding: "utf16" }, /encoding must be text or base64/],
    [{ file_path: "adir", content: "x" }, /adir: it is a directory/],
    [{ file_path: "/usr/evil.txt", content: "x" }, /read-only/],
    [{ file_path: "/etc/evil.txt", content: "x" }, /read-only/],
  ]);
});
