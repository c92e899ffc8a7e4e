// sandbox_list's usage and the notes of shell_exec and python_exec when a call hits a budget.
// Sandboxes that hog memory run inside a guard cgroup made around this test process first
// (1 GiB, 2000 processes, 1.5 CPUs), as in tests/providers/cgroup_test.ts.
import { deepEqual as assertEquals, ok as assert } from "node:assert/strict";
import { CgroupKeeper } from "../../src/providers/_cgroup.ts";
import { LocalProvider } from "../../src/providers/local.ts";
import { CGROUPS_PY } from "../../src/providers/_runtime.ts";
import { SandboxSession } from "../../src/session.ts";
import { silentLogger } from "../../src/log.ts";
import { sandboxList } from "../../src/tools/sandbox_list.ts";
import { shellExec } from "../../src/tools/shell_exec.ts";
import { hasBwrap } from "../_helpers.ts";

const root = Deno.uid() === 0;
const ignore = !root || !hasBwrap;

async function guarded(fn: () => Promise<void>): Promise<void> {
  const keeper = CgroupKeeper.start("/usr/bin/python3", CGROUPS_PY);
  const snapshot = await keeper.call("snapshot", { root: "/sys/fs/cgroup" }) as {
    selfCgroup: string;
  };
  const own = (name: string) => {
    const line = snapshot.selfCgroup.split("\n").find((l) => l.split(":")[1] === name)!;
    const path = line.split(":")[2];
    return `/sys/fs/cgroup/${name}${path === "/" ? "" : path}`;
  };
  const homes = ["memory", "pids", "cpu"].map(own);
  const guards = homes.map((home) => `${home}/usage-guard-${Deno.pid}`);
  try {
    for (const dir of guards) await keeper.call("mkdir", { path: dir });
    await keeper.call("write", { path: `${guards[0]}/memory.limit_in_bytes`, value: `${1 << 30}` });
    await keeper.call("write", { path: `${guards[1]}/pids.max`, value: "2000" });
    await keeper.call("write", { path: `${guards[2]}/cpu.cfs_quota_us`, value: "150000" });
    await keeper.call("adopt", { pid: Deno.pid, dirs: guards });
    await fn();
  } finally {
    await keeper.call("adopt", { pid: Deno.pid, dirs: homes }).catch(() => {});
    for (const dir of guards) {
      await keeper.call("rmdir", { path: `${dir}/mcp-sandbox` }).catch(() => {});
      await keeper.call("rmdir", { path: dir }).catch(() => {});
    }
    await keeper.close();
  }
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
    const { SandboxCgroups } = await import("../../src/providers/_cgroup.ts");
    await using provider = new LocalProvider({
      network: "none",
      cgroups: SandboxCgroups.none("simulated: no cgroups here"),
    });
    await using session = new SandboxSession(provider, silentLogger());
    await session.sandbox();
    assertEquals((await sandboxList(session, {})).sandboxes[0].usage, null);
  },
});
