// The MCP adapter over fake sandboxes: every row of the tool table answers in its output schema,
// bad input and thrown errors become isError results with the message, never protocol errors.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { z } from "npm:zod@4.6.7";
import { sessionTools, tools } from "../../src/registry.ts";
import { SandboxError, SandboxFileError } from "../../src/sandbox.ts";
import { FakeProvider } from "./_fake_sandbox.ts";
import { connectFake, structured, text } from "./_mcp.ts";

Deno.test("createServer() lists every row of the table; sandbox tools also take sandbox_id", async () => {
  await using mcp = await connectFake();
  const listed = (await mcp.client.listTools()).tools;
  assertEquals(
    listed.map((t) => t.name).sort(),
    [...tools, ...sessionTools].map((t) => t.name).sort(),
  );
  for (const tool of listed) {
    const row = [...tools, ...sessionTools].find((t) => t.name === tool.name)!;
    assertEquals([tool.title, tool.description, tool.annotations], [
      row.title,
      row.description,
      row.annotations,
    ]);
    const sandboxTool = tools.includes(row as typeof tools[number]);
    assertEquals(
      Object.keys(tool.inputSchema.properties ?? {}).sort(),
      [...Object.keys(row.inputSchema), ...sandboxTool ? ["sandbox_id"] : []].sort(),
      tool.name,
    );
  }
  assertEquals(mcp.provider.created.length, 0, "listing creates no sandbox");
});

Deno.test("Every tool's result matches its output schema and mirrors it as JSON text", async () => {
  await using mcp = await connectFake();
  const sandbox = await mcp.sandbox();
  sandbox.put("data.txt", "a,b\n1,2\n");
  sandbox
    .onExec("echo hi", { stdout: "hi\n" })
    .onExec(/^git -c protocol\.ext\.allow=never clone /, (call, box) => {
      box.mkdir(call.argv!.at(-1)!);
      return {};
    })
    .onExec(/rev-parse HEAD$/, { stdout: "0123abcd\n" })
    .onExec(/symbolic-ref/, { stdout: "main\n" })
    .onExec(/^sh -c /, { stdout: "1\nREADME.md\n" })
    .onExec(/^python3 -c /, { stdout: '{"status": 200, "error": null, "listening": [8000]}\n' })
    .onPython("1 + 1", { result: "2" });
  const calls: [string, Record<string, unknown>][] = [
    ["shell_exec", { command: "echo hi" }],
    ["python_exec", { code: "1 + 1" }],
    ["file_upload", { file_path: "up.txt", content: "x" }],
    ["file_download", { file_path: "data.txt" }],
    ["file_list", {}],
    ["git_clone", { repo_url: "https://example.com/r.git" }],
    ["web_preview", { port: 8000 }],
    ["sandbox_create", { labels: { task: "t" } }],
    ["sandbox_list", {}],
    ["sandbox_delete", { sandbox_id: "fake-2" }],
  ];
  for (const [name, args] of calls) {
    const result = await mcp.call(name, args);
    assertEquals(result.isError, false, `${name}: ${text(result)}`);
    const row = [...tools, ...sessionTools].find((t) => t.name === name)!;
    const parsed = z.object(row.outputSchema).strict().safeParse(result.structuredContent);
    assert(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`);
    assertEquals(JSON.parse(text(result)), result.structuredContent, name);
  }
});

Deno.test("Bad arguments come back as tool errors naming the field", async () => {
  await using mcp = await connectFake();
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["shell_exec", { command: "" }, /command must not be empty/],
    ["shell_exec", { command: "ls", timeout: 0 }, /timeout must be greater than 0 seconds/],
    ["shell_exec", { command: "ls", env: { "1X": "a" } }, /env names must be letters/],
    ["shell_exec", { command: "a\0b" }, /command must not contain NUL bytes/],
    ["file_download", { file_path: "a", chunk_size_kb: 0 }, /chunk_size_kb must be at least 1/],
    ["file_download", { file_path: "a", max_size_mb: -1 }, /max_size_mb must be greater than 0/],
    ["file_download", { file_path: "a", download_option: "zip" }, /download_option must be/],
    ["git_clone", { repo_url: "--upload-pack=x" }, /repo_url must not start with '-'/],
    ["git_clone", { repo_url: "/srv/repo" }, /repo_url must be an https:\/\//],
    ["git_clone", { repo_url: "https://h/r", commit: "main" }, /commit must be a commit hash/],
    ["git_clone", { repo_url: "https://h/r", branch: "-x" }, /branch must be a branch or tag/],
    ["web_preview", { port: 70000 }, /port must be between 1 and 65535/],
    ["web_preview", { port: "80" }, /port must be a number/],
  ];
  for (const [name, args, message] of cases) {
    const result = await mcp.call(name, args);
    assertEquals(result.isError, true, `${name}(${JSON.stringify(args)}) did not fail`);
    assertMatch(text(result), message);
  }
  assertEquals(mcp.provider.created.length, 0, "bad input never reaches a sandbox");
});

Deno.test("Thrown errors become isError results carrying their message", async () => {
  await using mcp = await connectFake({ sandbox: { files: { "dir/a.txt": "a" } } });
  const missing = await mcp.call("file_download", { file_path: "gone.txt" });
  assertEquals(missing, {
    content: [{
      type: "text",
      text: "Cannot read /home/sandbox/gone.txt: no such file or directory",
    }],
    isError: true,
  });
  const directory = await mcp.call("file_download", { file_path: "dir" });
  assertEquals(directory.isError, true);
  assertMatch(text(directory), /^Cannot download \/home\/sandbox\/dir: it is a directory/);
  const listing = await mcp.call("file_list", { path: "dir/a.txt" });
  assertEquals(text(listing), "Cannot list /home/sandbox/dir/a.txt: it is not a directory");
  const cwd = await mcp.call("shell_exec", { command: "ls", cwd: "nowhere" });
  assertEquals(text(cwd), "Cannot run command: cwd 'nowhere' is not a directory in the sandbox");
  const sandbox = await mcp.sandbox();
  sandbox.onExec("boom", () => {
    throw new SandboxError("Cannot finish: the sandbox stopped unexpectedly (exit code 1)");
  });
  assertEquals(
    text(await mcp.call("shell_exec", { command: "boom" })),
    "Cannot finish: the sandbox stopped unexpectedly (exit code 1)",
  );
  sandbox.onExec("odd", () => {
    throw "not an Error";
  });
  const odd = await mcp.call("shell_exec", { command: "odd" });
  assertEquals([odd.isError, text(odd)], [true, "not an Error"]);
});

Deno.test("A sandbox that cannot be created, or an unknown sandbox_id, is a tool error", async () => {
  const provider = new FakeProvider({
    failures: [
      new SandboxError("Cannot start the local sandbox: bubblewrap (bwrap) is not installed"),
    ],
  });
  await using mcp = await connectFake({ provider });
  const failed = await mcp.call("shell_exec", { command: "ls" });
  assertEquals(failed.isError, true);
  assertEquals(text(failed), "Cannot start the local sandbox: bubblewrap (bwrap) is not installed");
  const retried = await mcp.call("file_list", {});
  assertEquals(retried.isError, false, "the next call tries again");
  const unknown = await mcp.call("file_list", { sandbox_id: "fake-9" });
  assertEquals(
    text(unknown),
    "Cannot find sandbox fake-9: this session did not create it, or it was deleted; sandbox_list shows this session's sandboxes",
  );
  const created = structured<{ sandbox_id: string }>(await mcp.call("sandbox_create", {}));
  await mcp.call("file_upload", {
    file_path: "x.txt",
    content: "x",
    sandbox_id: created.sandbox_id,
  });
  assertEquals(provider.created[1].text("x.txt"), "x", "sandbox_id picks the sandbox");
  assertEquals(provider.created[0].text("x.txt"), undefined);
});

Deno.test("A file too big to inline comes as a sandbox:// link that resources/read serves", async () => {
  await using mcp = await connectFake();
  const sandbox = await mcp.sandbox();
  const big = "x".repeat(1024 * 1024 + 10);
  sandbox.put("big file.txt", big);
  const result = await mcp.call("file_download", { file_path: "big file.txt" });
  const link = result.content[1];
  assert(link?.type === "resource_link", JSON.stringify(link));
  assertEquals(link.uri, "sandbox://fake-1/home/sandbox/big%20file.txt");
  const read = await mcp.client.readResource({ uri: link.uri });
  assertEquals(read.contents, [{ uri: link.uri, mimeType: "text/plain", text: big }]);
});

Deno.test("SandboxFileError keeps its code for callers that branch on it", () => {
  const error = new SandboxFileError("exists", "Cannot write a: it already exists");
  assert(error instanceof SandboxError);
  assertEquals([error.name, error.code, error.message], [
    "SandboxFileError",
    "exists",
    "Cannot write a: it already exists",
  ]);
});
