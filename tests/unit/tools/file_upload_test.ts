import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { SandboxFileError } from "../../../src/sandbox.ts";
import { fileUpload } from "../../../src/tools/file_upload.ts";
import { FakeSandbox } from "../_fake_sandbox.ts";

Deno.test("fileUpload() writes text or base64 and reports size, hash and replacement", async () => {
  const sandbox = new FakeSandbox();
  const text = await fileUpload(sandbox, { file_path: "notes/a.txt", content: "hi\n" });
  assertEquals(text, {
    path: "/home/sandbox/notes/a.txt",
    size: 3,
    sha256: "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4",
    replaced: false,
  });
  const binary = await fileUpload(sandbox, {
    file_path: "notes/a.txt",
    content: "AAEC/w==",
    encoding: "base64",
  });
  assertEquals([binary.size, binary.replaced], [4, true]);
  assertEquals(sandbox.bytes("notes/a.txt"), Uint8Array.from([0, 1, 2, 255]));
});

Deno.test("fileUpload() with overwrite false leaves an existing file alone", async () => {
  const sandbox = new FakeSandbox({ files: { "keep.txt": "old" } });
  await assertRejects(
    fileUpload(sandbox, { file_path: "keep.txt", content: "new", overwrite: false }),
    (error) => {
      assertEquals(error instanceof SandboxFileError && error.code, "exists");
      assertEquals(
        (error as Error).message,
        "Cannot write /home/sandbox/keep.txt: it already exists and overwrite is false",
      );
      return true;
    },
  );
  assertEquals(sandbox.text("keep.txt"), "old");
});
