import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import type { SandboxCreateOutput } from "../../src/tools/sandbox_create.ts";
import type { SandboxListOutput } from "../../src/tools/sandbox_list.ts";
import type { ShellExecOutput } from "../../src/tools/shell_exec.ts";
import { connect, hasBwrap, sh, structured, text } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };

Deno.test(
  "sandbox_create makes a second sandbox that tools reach with sandbox_id",
  opts,
  async () => {
    await using mcp = await connect();
    await mcp.call("shell_exec", { command: "echo default > where.txt" });
    const created = structured<SandboxCreateOutput>(
      await mcp.call("sandbox_create", { env: { ROLE: "worker" }, labels: { purpose: "test" } }),
    );
    assertEquals(created.provider, "local");
    const other = created.sandbox_id;
    const inOther = structured<ShellExecOutput>(
      await mcp.call("shell_exec", {
        command: 'cat where.txt 2>&1; echo "$ROLE"',
        sandbox_id: other,
      }),
    );
    assertMatch(inOther.stdout, /No such file.*\nworker\n$/s, "a separate workspace with its env");
    await mcp.call("python_exec", { code: "x = 'other'", sandbox_id: other });
    const py = await mcp.call("python_exec", { code: "globals().get('x')" });
    assertMatch(text(py), /"result":null/, "interpreters are separate");

    const listed = structured<SandboxListOutput>(await mcp.call("sandbox_list", {}));
    assertEquals(listed.sandboxes.length, 2);
    const mine = listed.sandboxes.find((s) => s.sandbox_id === other)!;
    assertEquals(mine.labels, { purpose: "test" });
    assertEquals(mine.default, false);
    assertEquals(listed.sandboxes.filter((s) => s.default).length, 1);

    const deleted = await mcp.call("sandbox_delete", { sandbox_id: other });
    assertEquals(deleted.isError, false, text(deleted));
    const after = await mcp.call("shell_exec", { command: "true", sandbox_id: other });
    assertEquals(after.isError, true);
    assertMatch(text(after), /Cannot find sandbox/);
    assertEquals(
      structured<SandboxListOutput>(await mcp.call("sandbox_list", {})).sandboxes.length,
      1,
    );
  },
);

Deno.test(
  "sandbox tools refuse ids this session did not create, and Daytona-only options",
  opts,
  async () => {
    await using mcp = await connect();
    for (
      const [tool, args] of [
        ["shell_exec", { command: "true", sandbox_id: "someone-elses" }],
        ["sandbox_delete", { sandbox_id: "someone-elses" }],
      ] as const
    ) {
      const result = await mcp.call(tool, args);
      assertEquals(result.isError, true);
      assertMatch(text(result), /did not create it/);
    }
    const image = await mcp.call("sandbox_create", { image: "python:3.12-slim" });
    assertEquals(image.isError, true);
    assertMatch(text(image), /local sandbox with image: only the Daytona provider supports that/);
  },
);

Deno.test("deleting the default sandbox gives the next call a fresh one", opts, async () => {
  await using mcp = await connect();
  await mcp.call("shell_exec", { command: "echo old > mark" });
  const first = (await mcp.session.existing())!.id;
  await mcp.call("sandbox_delete", { sandbox_id: first });
  const next = structured<ShellExecOutput>(
    await mcp.call("shell_exec", { command: "cat mark 2>/dev/null || echo fresh" }),
  );
  assertEquals(next.stdout, "fresh\n");
  assert((await mcp.session.existing())!.id !== first);
});

Deno.test("sandboxes created on request are deleted with the session", opts, async () => {
  const mcp = await connect();
  const id = structured<SandboxCreateOutput>(await mcp.call("sandbox_create", {})).sandbox_id;
  const sandbox = await mcp.provider.get(id);
  await mcp[Symbol.asyncDispose]();
  assertEquals(sandbox.closed, true);
});

Deno.test("sandbox_create with network_block_all cuts the network", opts, async () => {
  await using mcp = await connect();
  const id = structured<SandboxCreateOutput>(
    await mcp.call("sandbox_create", { network_block_all: true }),
  ).sandbox_id;
  const probe = structured<ShellExecOutput>(
    await mcp.call("shell_exec", {
      sandbox_id: id,
      command: "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; env | grep -ci _proxy; " +
        "python3 -c \"import socket; socket.create_connection(('127.0.0.1', 3128), 2)\" 2>&1 | tail -1",
    }),
  );
  assertMatch(probe.stdout, /^lo\n0\n.*Connection refused/s, "a loopback only, and no proxy");
  // The default sandbox keeps the default network: its proxy answers.
  assertMatch(await sh(mcp, "env | grep -c '^HTTP_PROXY='"), /^1\n$/);
});

Deno.test(
  "a sandbox the provider made outside this session is invisible to it: not listed, and its id is not found like a made-up one",
  opts,
  async () => {
    await using mcp = await connect();
    await mcp.call("shell_exec", { command: "true" });
    // Another session's sandbox, on the same provider.
    await using foreign = await mcp.provider.create();
    await foreign.exec("echo theirs > mine.txt");
    const ids = structured<SandboxListOutput>(await mcp.call("sandbox_list", {})).sandboxes
      .map((s) => s.sandbox_id);
    assertEquals(ids, [(await mcp.session.existing())!.id]);
    const madeUp = foreign.id.slice(0, -4) + (foreign.id.endsWith("0000") ? "1111" : "0000");
    const answers = async (id: string) => {
      const out = [];
      for (
        const [tool, args] of [
          ["shell_exec", { command: "cat mine.txt" }],
          ["file_download", { file_path: "mine.txt" }],
          ["sandbox_delete", {}],
        ] as const
      ) {
        const result = await mcp.call(tool, { ...args, sandbox_id: id });
        out.push({ isError: result.isError, text: text(result).replaceAll(id, "<id>") });
      }
      return out;
    };
    const never = await answers(madeUp);
    assertMatch(never[0].text, /^Cannot find sandbox <id>: this session did not create it/);
    assertEquals(await answers(foreign.id), never);
    assertEquals(foreign.closed, false, "sandbox_delete left it alone");
    assertEquals((await foreign.exec("cat mine.txt")).stdout, "theirs\n");
  },
);

Deno.test(
  "a session holds at most its cap of sandboxes, its default one included",
  opts,
  async () => {
    await using mcp = await connect();
    await mcp.call("shell_exec", { command: "true" });
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      made.push(structured<SandboxCreateOutput>(await mcp.call("sandbox_create", {})).sandbox_id);
    }
    const refused = await mcp.call("sandbox_create", {});
    assertEquals(refused.isError, true);
    assertMatch(text(refused), /this session already has 4 sandboxes/);
    await mcp.call("sandbox_delete", { sandbox_id: made[0] });
    assertEquals(
      (await mcp.call("sandbox_create", {})).isError,
      false,
      "a deleted one frees its place",
    );
  },
);
