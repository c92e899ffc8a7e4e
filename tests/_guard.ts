// A guard cgroup around this test process (1 GiB, 2000 processes, 1.5 CPUs): tests that run
// memory hogs and fork bombs in sandboxes run inside it, so a broken budget cannot take the
// machine down. Needs root and cgroup v1 (this project's test machines).

import { CgroupKeeper } from "../src/providers/local/cgroup.ts";
import { CGROUPS_PY } from "../src/providers/agent/_runtime.ts";

/** Whether a guard can be made here. */
export const canGuard: boolean = Deno.uid() === 0;

/** Runs `fn` with this process moved into a guard cgroup named after `label`, then back out. */
export async function underGuard(label: string, fn: () => Promise<void>): Promise<void> {
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
  const guards = homes.map((home) => `${home}/${label}-guard-${Deno.pid}`);
  try {
    for (const dir of guards) await keeper.call("mkdir", { path: dir });
    await keeper.call("write", { path: `${guards[0]}/memory.limit_in_bytes`, value: `${1 << 30}` });
    await keeper.call("write", { path: `${guards[1]}/pids.max`, value: "2000" });
    await keeper.call("write", { path: `${guards[2]}/cpu.cfs_quota_us`, value: "150000" });
    await keeper.call("adopt", { pid: Deno.pid, dirs: guards });
    await fn();
  } finally {
    await keeper.call("adopt", { pid: Deno.pid, dirs: homes }).catch(() => {});
    // The provider's parents (mcp-sandbox) were made inside the guard: they go first.
    for (const dir of guards) {
      await keeper.call("rmdir", { path: `${dir}/mcp-sandbox` }).catch(() => {});
      await keeper.call("rmdir", { path: dir }).catch(() => {});
    }
    await keeper.close();
  }
}
