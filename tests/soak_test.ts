// One server creates and destroys 100 sandboxes and answers 5 000 tool calls; file descriptors,
// child processes, sandbox directories and memory come back to their baseline.

import { ok as assert } from "node:assert/strict";
import type { SandboxCreateOutput } from "../src/tools/sandbox_create.ts";
import { connect, hasBwrap, openDescriptors, structured } from "./_helpers.ts";

async function children(): Promise<number> {
  const out = await new Deno.Command("pgrep", { args: ["-P", String(Deno.pid)], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).length;
}

async function dirs(base: string): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir(base)) count++;
  return count;
}

Deno.test("100 sandboxes and 5 000 calls leave no fds, processes, directories or memory behind", {
  ignore: !hasBwrap,
}, async () => {
  const base = await Deno.makeTempDir({ prefix: "mcp-soak-" });
  await Deno.chmod(base, 0o755);
  try {
    await using mcp = await connect({ local: { baseDir: base } });
    // Warm up: the default sandbox, its interpreter, and the code paths of every call below.
    await mcp.call("shell_exec", { command: "true" });
    await mcp.call("python_exec", { code: "n = 0" });
    await mcp.call("file_list", {});
    const before = {
      fds: await openDescriptors(),
      children: await children(),
      dirs: await dirs(base),
      rss: Deno.memoryUsage().rss,
    };

    for (let i = 0; i < 100; i++) {
      const id = structured<SandboxCreateOutput>(await mcp.call("sandbox_create", {})).sandbox_id;
      if (i % 10 === 0) await mcp.call("shell_exec", { command: "echo hi", sandbox_id: id });
      const deleted = await mcp.call("sandbox_delete", { sandbox_id: id });
      assert(!deleted.isError);
    }
    for (let i = 0; i < 5000; i++) {
      const result = i % 3 === 0
        ? await mcp.call("shell_exec", { command: "echo $((1 + 1))" })
        : i % 3 === 1
        ? await mcp.call("python_exec", { code: "n += 1" })
        : await mcp.call("file_list", { path: "/tmp" });
      if (result.isError) throw new Error(`call ${i} failed: ${JSON.stringify(result.content)}`);
    }
    const after = {
      fds: await openDescriptors(),
      children: await children(),
      dirs: await dirs(base),
      rss: Deno.memoryUsage().rss,
    };
    assert(after.fds <= before.fds + 5, `fds ${before.fds} -> ${after.fds}`);
    assert(after.children <= before.children, `children ${before.children} -> ${after.children}`);
    assert(after.dirs === before.dirs, `sandbox dirs ${before.dirs} -> ${after.dirs}`);
    const grownMb = (after.rss - before.rss) / 1024 / 1024;
    assert(grownMb < 150, `rss grew by ${grownMb.toFixed(0)} MB`);
    console.log(
      `soak: fds ${before.fds}->${after.fds}, children ${before.children}->${after.children}, ` +
        `dirs ${before.dirs}->${after.dirs}, rss +${grownMb.toFixed(1)} MB`,
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
