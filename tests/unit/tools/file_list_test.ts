import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { fileList } from "../../../src/tools/file_list.ts";
import { FakeSandbox } from "../_fake_sandbox.ts";

Deno.test("fileList() lists the home directory by default, one level or deeper", async () => {
  const sandbox = new FakeSandbox({ files: { "b.txt": "bb", "a/inner.txt": "i" } });
  const out = await fileList(sandbox, {});
  assertEquals(out.path, "/home/sandbox");
  assertEquals(out.entries.map((e) => [e.name, e.type]), [["a", "directory"], ["b.txt", "file"]]);
  const deep = await fileList(sandbox, { path: "~", depth: 2 });
  assertEquals(deep.entries.map((e) => e.path), [
    "/home/sandbox/a",
    "/home/sandbox/b.txt",
    "/home/sandbox/a/inner.txt",
  ]);
  await assertRejects(fileList(sandbox, { path: "b.txt" }), {
    name: "SandboxFileError",
    code: "not_directory",
    message: "Cannot list /home/sandbox/b.txt: it is not a directory",
  });
});
