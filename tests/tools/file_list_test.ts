import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { FileListOutput } from "../../src/tools/file_list.ts";
import { assertToolErrors, connect, hasBwrap, structured } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };

Deno.test("fileList() lists names, sizes, types and times, to the given depth", opts, async () => {
  await using mcp = await connect();
  await mcp.call("shell_exec", {
    command:
      "mkdir -p src/lib && printf 12345 > src/a.txt && touch -d '2020-01-02 03:04:05Z' src/a.txt && " +
      "echo x > src/lib/b.py && ln -s a.txt src/link && echo top > top.md",
  });
  const home = structured<FileListOutput>(await mcp.call("file_list", {}));
  assertEquals(home.path, "/home/sandbox");
  // .venv: the sandbox's Python environment, which pip installs into.
  assertEquals(home.entries.map((e) => [e.name, e.type]), [
    [".venv", "directory"],
    ["src", "directory"],
    ["top.md", "file"],
  ]);
  const deep = structured<FileListOutput>(await mcp.call("file_list", { path: "src", depth: 2 }));
  assertEquals(deep.entries.map((e) => e.path), [
    "/home/sandbox/src/a.txt",
    "/home/sandbox/src/lib",
    "/home/sandbox/src/link",
    "/home/sandbox/src/lib/b.py",
  ]);
  const a = deep.entries[0];
  assertEquals(a.size, 5);
  assertEquals(a.modified, "2020-01-02T03:04:05.000Z");
  assertEquals(a.mode, "-rw-r--r--");
  assertEquals(deep.entries[2].type, "symlink");
  assertEquals(deep.entries[2].target, "a.txt");
  assertEquals(deep.truncated, false);
});

Deno.test("fileList() caps long listings and says so", opts, async () => {
  await using mcp = await connect();
  await mcp.call("shell_exec", { command: "mkdir many && cd many && seq 1 1500 | xargs touch" });
  const out = structured<FileListOutput>(await mcp.call("file_list", { path: "many" }));
  assertEquals(out.entries.length, 1000);
  assertEquals(out.truncated, true);
  assert(out.entries.every((e) => e.type === "file"));
});

Deno.test("fileList() names a missing directory, a file and bad depth", opts, async () => {
  await using mcp = await connect();
  await mcp.call("shell_exec", { command: "touch f" });
  await assertToolErrors(mcp, "file_list", [
    [{ path: "nowhere" }, /Cannot list \/home\/sandbox\/nowhere: no such file or directory/],
    [{ path: "f" }, /Cannot list \/home\/sandbox\/f: it is not a directory/],
    [{ depth: 0 }, /depth must be at least 1/],
    [{ depth: 1.5 }, /depth must be a whole number/],
  ]);
});

Deno.test("a file time beyond what a date holds is shown as the furthest date", opts, async () => {
  // Sandbox code set a file's time to 1e14 s (tmpfs keeps it), and the whole listing failed with
  // "Invalid time value", as did downloading the file.
  await using mcp = await connect();
  await mcp.call("shell_exec", {
    command:
      "python3 -c \"import os; open('/dev/shm/far', 'w').write('x'); os.utime('/dev/shm/far', (1e14, 1e14)); open('/dev/shm/near', 'w').write('y')\"",
  });
  const listed = await mcp.call("file_list", { path: "/dev/shm" });
  assertEquals(listed.isError, false, JSON.stringify(listed.content));
  const entries = structured<FileListOutput>(listed).entries;
  assertEquals(entries.map((e) => e.name), ["far", "near"]);
  assertEquals(entries[0].modified, "+275760-09-13T00:00:00.000Z");
  const far = await mcp.call("file_download", { file_path: "/dev/shm/far" });
  assertEquals(far.isError, false, JSON.stringify(far.content));
});

Deno.test("a listing of names made to be long as JSON is cut, not refused", opts, async () => {
  // Names of 250 control characters (each six as JSON), ten levels deep with 1000 files below:
  // the listing came to 34 MiB as JSON, and file_list failed instead of listing what fits.
  await using mcp = await connect();
  await mcp.call("shell_exec", {
    command: `python3 -c "
import os
name = '\\x01' * 250
path = 'cc/' + '/'.join([name] * 9)
os.makedirs(path)
for i in range(1000):
    open(os.path.join(path, name[:240] + '%04d' % i), 'w').close()
"`,
  });
  const result = await mcp.call("file_list", { path: "cc", depth: 10 });
  assert(!result.isError, JSON.stringify(result).slice(0, 300));
  const out = structured<FileListOutput>(result);
  assertEquals(out.truncated, true);
  assert(out.entries.length >= 9 && out.entries.length < 1000, `${out.entries.length} entries`);
});
