// The fake sandbox must fail where a real one fails, with the same error class, code and message:
// one table of file and command cases, checked against the fake always, and against a real local
// sandbox too where this test may spawn bubblewrap (under `deno task test`, not `test:unit`).

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { LocalProvider } from "../../src/providers/local/mod.ts";
import { type FileInfo, type Sandbox, SandboxFileError } from "../../src/sandbox.ts";
import { FakeSandbox } from "./_fake_sandbox.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** What a call did, without what differs between machines (times, directory sizes). */
type Outcome = unknown;

function info(file: FileInfo): Outcome {
  const { path, name, type, size, mode } = file;
  return type === "directory" ? { path, name, type, mode } : { path, name, type, size, mode };
}

async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return await call();
  } catch (error) {
    const { name, message } = error as Error;
    return { name, message, ...error instanceof SandboxFileError ? { code: error.code } : {} };
  }
}

const read = async (sandbox: Sandbox, path: string, offset?: number, length?: number) =>
  new TextDecoder().decode(
    await new Response(sandbox.readFile(path, { offset, length, chunkSize: 2 })).bytes(),
  );

/** Each case runs after the ones before it, in one sandbox. */
const cases: [string, (sandbox: Sandbox) => Promise<unknown>, Outcome][] = [
  ["write a new file", async (s) => {
    const { replaced, ...rest } = await s.writeFile("a/b.txt", bytes("hello"));
    return { replaced, ...info(rest) as object };
  }, {
    replaced: false,
    path: "/home/sandbox/a/b.txt",
    name: "b.txt",
    type: "file",
    size: 5,
    mode: "-rw-r--r--",
  }],
  ["replace it", async (s) => (await s.writeFile("a/b.txt", bytes("hello!"))).replaced, true],
  ["refuse to replace it", (s) => s.writeFile("a/b.txt", bytes("x"), { overwrite: false }), {
    name: "SandboxFileError",
    code: "exists",
    message: "Cannot write /home/sandbox/a/b.txt: it already exists and overwrite is false",
  }],
  ["write over a directory", (s) => s.writeFile("a", bytes("x")), {
    name: "SandboxFileError",
    code: "is_directory",
    message: "Cannot write /home/sandbox/a: it is a directory",
  }],
  ["write under a file", (s) => s.writeFile("a/b.txt/c", bytes("x")), {
    name: "SandboxFileError",
    code: "exists",
    message: "Cannot write /home/sandbox/a/b.txt/c: it already exists",
  }],
  ["write deeper under a file", (s) => s.writeFile("a/b.txt/c/d", bytes("x")), {
    name: "SandboxFileError",
    code: "not_found",
    message: "Cannot write /home/sandbox/a/b.txt/c/d: a parent of it is not a directory",
  }],
  ["stat a file through ~ and ..", async (s) => info(await s.stat("~/a/../a/b.txt")), {
    path: "/home/sandbox/a/b.txt",
    name: "b.txt",
    type: "file",
    size: 6,
    mode: "-rw-r--r--",
  }],
  ["stat a directory", async (s) => info(await s.stat("/home/sandbox/a")), {
    path: "/home/sandbox/a",
    name: "a",
    type: "directory",
    mode: "drwxr-xr-x",
  }],
  ["stat nothing", (s) => s.stat("missing"), {
    name: "SandboxFileError",
    code: "not_found",
    message: "Cannot read /home/sandbox/missing: no such file or directory",
  }],
  ["stat under a file", (s) => s.stat("a/b.txt/c"), {
    name: "SandboxFileError",
    code: "not_found",
    message: "Cannot read /home/sandbox/a/b.txt/c: a parent of it is not a directory",
  }],
  ["read a range in small chunks", (s) => read(s, "a/b.txt", 1, 4), "ello"],
  ["read past the end", (s) => read(s, "a/b.txt", 4, 100), "o!"],
  ["read a directory", (s) => read(s, "a"), {
    name: "SandboxFileError",
    code: "is_directory",
    message: "Cannot read /home/sandbox/a: it is a directory",
  }],
  ["read nothing", (s) => read(s, "missing"), {
    name: "SandboxFileError",
    code: "not_found",
    message: "Cannot read /home/sandbox/missing: no such file or directory",
  }],
  ["list breadth first, sorted, within the limit", async (s) => {
    await s.writeFile("a/z/deep.txt", bytes(""));
    await s.writeFile("a/c.txt", bytes(""));
    const all = await s.listFiles("a", { depth: 2 });
    const cut = await s.listFiles("a", { depth: 2, limit: 2 });
    return [
      all.path,
      all.entries.map((e) => e.name),
      all.truncated,
      cut.entries.length,
      cut.truncated,
    ];
  }, ["/home/sandbox/a", ["b.txt", "c.txt", "z", "deep.txt"], false, 2, true]],
  ["list a file", (s) => s.listFiles("a/b.txt"), {
    name: "SandboxFileError",
    code: "not_directory",
    message: "Cannot list /home/sandbox/a/b.txt: it is not a directory",
  }],
  ["list nothing", (s) => s.listFiles("missing"), {
    name: "SandboxFileError",
    code: "not_found",
    message: "Cannot list /home/sandbox/missing: no such file or directory",
  }],
  ["run a program that is not installed", (s) => s.exec(["no-such-program", "x"]), {
    name: "TypeError",
    message: "Cannot start command: no-such-program is not installed in the sandbox",
  }],
  ["run in a directory that does not exist", (s) => s.exec("true", { cwd: "/nowhere" }), {
    name: "TypeError",
    message: "Cannot run command: cwd '/nowhere' is not a directory in the sandbox",
  }],
  ["keep the head and the tail of long output", async (s) => {
    const { stdout, truncated, stdoutBytes, exitCode } = await s.exec("seq 1 300", {
      maxOutputBytes: 40,
    });
    return { stdout, truncated, stdoutBytes, exitCode };
  }, {
    stdout:
      "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n[... 1.1 KB (1052 bytes) of output omitted ...]\n296\n297\n298\n299\n300\n",
    truncated: true,
    stdoutBytes: 1092,
    exitCode: 0,
  }],
];

async function check(sandbox: Sandbox): Promise<void> {
  for (const [name, call, expected] of cases) {
    assertEquals(await outcome(() => call(sandbox)), expected, name);
  }
}

Deno.test("FakeSandbox fails like agent.py: same error classes, codes and messages", async () => {
  const seq = Array.from({ length: 300 }, (_, i) => `${i + 1}\n`).join("");
  await check(new FakeSandbox().onExec("seq 1 300", { stdout: seq }));
});

const mayRun = Deno.permissions.querySync({ name: "run", command: "bwrap" }).state === "granted";
const hasBwrap = mayRun &&
  await new Deno.Command("bwrap", { args: ["--version"], stdout: "null", stderr: "null" })
    .output().then((out) => out.success, () => false);

Deno.test({
  name: "The same cases give the same outcomes in a real local sandbox",
  ignore: !hasBwrap,
  async fn() {
    await using provider = new LocalProvider({ network: "none" });
    await using sandbox = await provider.create();
    await check(sandbox);
  },
});

Deno.test("FakeSandbox records calls, scripts replies and closes like a sandbox", async () => {
  const sandbox = new FakeSandbox()
    .onExec(/^echo /, (call) => ({ stdout: `${call.argv ? "argv" : "shell"}\n` }))
    .onExec("exact", { exitCode: 3 });
  assertEquals((await sandbox.exec("echo hi")).stdout, "shell\n");
  assertEquals((await sandbox.exec(["echo", "hi"])).stdout, "argv\n");
  assertEquals((await sandbox.exec("exact")).exitCode, 3);
  assertEquals((await sandbox.exec("exactly")).exitCode, 127, "a string matches whole");
  assertEquals(sandbox.execCalls.map((c) => c.text), ["echo hi", "echo hi", "exact", "exactly"]);
  await sandbox.close();
  assertEquals(sandbox.closed, true);
  assertEquals(await outcome(() => sandbox.stat(".")), {
    name: "SandboxError",
    message: "Cannot use sandbox: it is closed",
  });
});
