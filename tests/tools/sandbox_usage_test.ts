// sandbox_list reports each local sandbox's usage against its budget.
// Sandboxes that hog memory run inside a guard cgroup made around this test process first
// (tests/_guard.ts).
import { deepEqual as assertEquals, ok as assert } from "node:assert/strict";
import { underGuard } from "../_guard.ts";
import { LocalProvider } from "../../src/providers/local/mod.ts";
import { SandboxSession } from "../../src/session.ts";
import { silentLogger } from "../../src/log.ts";
import { sandboxList } from "../../src/tools/sandbox_list.ts";
import { shellExec } from "../../src/tools/shell_exec.ts";
import { hasBwrap } from "../_helpers.ts";

const root = Deno.uid() === 0;
const ignore = !root || !hasBwrap;

function guarded(fn: () => Promise<void>): Promise<void> {
  return underGuard("usage", fn);
}

Deno.test({
  name: "sandbox_list reports a local sandbox's memory, processes, CPU and OOM kills",
  ignore,
  fn: () =>
    guarded(async () => {
      await using provider = new LocalProvider({
        network: "none",
        budget: { memoryMb: 256, processes: 64 },
      });
      await using session = new SandboxSession(provider, silentLogger());
      const sandbox = await session.sandbox();
      const before = (await sandboxList(session, {})).sandboxes[0].usage!;
      assert(before, "a local sandbox with a cgroup has usage");
      assertEquals(before.memory_budget_mib, 256);
      assertEquals(before.processes_budget, 64);
      assert(before.memory_mib > 0 && before.memory_mib <= 256, `memory: ${before.memory_mib}`);
      assertEquals(before.oom_kills, 0);
      await shellExec(sandbox, { command: "sleep 30 & sleep 30 & echo started" });
      const after = (await sandboxList(session, {})).sandboxes[0].usage!;
      assert(after.processes >= before.processes + 2, `${before.processes} -> ${after.processes}`);
      assert(after.memory_mib > 0 && after.memory_mib <= 256, `memory: ${after.memory_mib}`);
      assert(after.cpu_seconds >= before.cpu_seconds);
    }),
});

Deno.test({
  name: "sandbox_list's usage is null without control groups",
  ignore: !hasBwrap,
  fn: async () => {
    const { SandboxCgroups } = await import("../../src/providers/local/cgroup.ts");
    await using provider = new LocalProvider({
      network: "none",
      cgroups: SandboxCgroups.none("simulated: no cgroups here"),
    });
    await using session = new SandboxSession(provider, silentLogger());
    await session.sandbox();
    assertEquals((await sandboxList(session, {})).sandboxes[0].usage, null);
  },
});
