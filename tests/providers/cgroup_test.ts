import { deepEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
import { type CgroupPlan, planCgroups, SandboxCgroups } from "../../src/providers/local/cgroup.ts";
import { underGuard } from "../_guard.ts";
import { LocalProvider } from "../../src/providers/local/mod.ts";
import { connect, structured, text } from "../_helpers.ts";
import type { SandboxListOutput } from "../../src/tools/sandbox_list.ts";

/** Makes a fake cgroup tree: paths ending in "/" are directories, others files with text. */
function tree(entries: Record<string, string>): string {
  const root = Deno.makeTempDirSync({ prefix: "cgroup-test-" });
  for (const [path, text] of Object.entries(entries)) {
    if (path.endsWith("/")) Deno.mkdirSync(`${root}/${path}`, { recursive: true });
    else {
      Deno.mkdirSync(`${root}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
      Deno.writeTextFileSync(`${root}/${path}`, text);
    }
  }
  return root;
}

const V1 = {
  "memory/cgroup.procs": "",
  "memory/job/cgroup.procs": "",
  "pids/cgroup.procs": "",
  "cpu/cgroup.procs": "",
  "cpuacct/cgroup.procs": "",
  "unified/cgroup.controllers": "",
};
const V1_SELF = "4:memory:/job\n3:pids:/\n2:cpu:/\n1:cpuacct:/\n0::/\n";
const V2 = {
  "cgroup.controllers": "cpuset cpu io memory pids",
  "user.slice/app.scope/cgroup.controllers": "cpu memory pids",
  "user.slice/app.scope/cgroup.procs": "",
};
const V2_SELF = "0::/user.slice/app.scope\n";
const uid = Deno.uid()!;

Deno.test("planCgroups() picks v1 for root where only v1 has the controllers", () => {
  const root = tree(V1);
  const plan = planCgroups({ root, selfCgroup: V1_SELF, uid: 0 });
  assertEquals(plan.kind, "v1");
  assertEquals((plan as Extract<CgroupPlan, { kind: "v1" }>).own.memory, `${root}/memory/job`);
  Deno.removeSync(root, { recursive: true });
});

Deno.test("planCgroups() says v1 is root's only, for an ordinary user", () => {
  const root = tree(V1);
  const plan = planCgroups({ root, selfCgroup: V1_SELF, uid: 1000 });
  assertEquals(plan.kind, "none");
  assertMatch((plan as { why: string }).why, /v1, which only root may divide/);
  Deno.removeSync(root, { recursive: true });
});

Deno.test("planCgroups() picks v2 in a subtree delegated to the server's user", () => {
  const root = tree(V2);
  const plan = planCgroups({ root, selfCgroup: V2_SELF, uid }); // the tree belongs to this uid
  assertEquals(plan.kind, "v2");
  assertEquals((plan as Extract<CgroupPlan, { kind: "v2" }>).own, `${root}/user.slice/app.scope`);
  Deno.removeSync(root, { recursive: true });
});

Deno.test("planCgroups() refuses a v2 cgroup not delegated to the server's user", () => {
  const root = tree(V2);
  const plan = planCgroups({ root, selfCgroup: V2_SELF, uid: uid + 4242 });
  assertEquals(plan.kind, "none");
  assertMatch((plan as { why: string }).why, /not delegated.*systemd-run --user --scope/);
  Deno.removeSync(root, { recursive: true });
});

Deno.test("planCgroups() says none without any cgroup file system", () => {
  const root = tree({ "empty/": "" });
  const plan = planCgroups({ root, selfCgroup: "", uid: 0 });
  assertEquals(plan.kind, "none");
  Deno.removeSync(root, { recursive: true });
});

Deno.test("A local sandbox without control groups names the missing budget (doctor's input)", async () => {
  await using provider = new LocalProvider({
    network: "none",
    cgroups: SandboxCgroups.none("simulated: no cgroups here"),
  });
  await using sandbox = await provider.create();
  assertEquals(sandbox.protections.budget, "simulated: no cgroups here");
  assertEquals(await sandbox.usage(), undefined);
  assertEquals((await sandbox.exec("echo ok")).stdout, "ok\n");
  // Nothing budgets its CPU: a busy loop left running took a core for the sandbox's life, at the
  // priority of the user's programs. It runs at a lower one, and cannot raise it back.
  const nice = await sandbox.exec("nice; renice -n 0 -p $$ 2>&1; nice");
  assertMatch(nice.stdout, /^10\n.*(Permission denied|not permitted).*\n10\n$/s);
  const python = await sandbox.exec("python3 -c 'import os; print(os.nice(0))'");
  assertEquals(python.stdout, "10\n");
  assertMatch(
    sandbox.info.unbudgeted!,
    /^memory, processes and CPU \(simulated: no cgroups here\)/,
  );
});

Deno.test("sandbox_create tells the model when nothing holds the sandbox to a budget", async () => {
  // It said "Created sandbox …" alone, and the sandbox then took 1.5 GB on a machine without
  // control groups: the model decides how much to run there, and did not know.
  await using mcp = await connect({
    local: { network: "none", cgroups: SandboxCgroups.none("simulated: no cgroups here") },
  });
  const made = structured<{ message: string }>(await mcp.call("sandbox_create", {}));
  assertMatch(
    made.message,
    /does not hold it to a budget for memory, processes and CPU \(simulated: no cgroups here\).*keep its memory, CPU and disk use modest/,
  );
  if (Deno.uid() !== 0) return;
  await using held = await connect({ local: { network: "none" } });
  const budgeted = structured<{ message: string }>(await held.call("sandbox_create", {}));
  assert(!/budget/.test(budgeted.message), budgeted.message);
});

/** The cap on processes a command in `provider`'s sandboxes runs under (its RLIMIT_NPROC). */
async function commandProcessCap(provider: LocalProvider): Promise<string> {
  await using sandbox = await provider.create();
  const { stdout } = await sandbox.exec("grep '^Max processes' /proc/self/limits");
  return stdout.split(/\s+/)[2];
}

Deno.test("Commands get the process limit only where no cgroup caps the sandbox's processes", async () => {
  const limits = { processes: 300 };
  await using none = new LocalProvider({
    network: "none",
    limits,
    cgroups: SandboxCgroups.none("simulated: no cgroups here"),
  });
  assertEquals(await commandProcessCap(none), "300");
  if (Deno.uid() !== 0) return; // cgroups need root (or a delegated subtree) for the rest
  // A cgroup with a process budget counts the same tasks; setting the limit would cost an exec.
  await using capped = new LocalProvider({ network: "none", limits });
  assert(await commandProcessCap(capped) !== "300");
  {
    // Its CPU budget is the cgroup's: the priority stays the host's.
    await using sandbox = await capped.create();
    assertEquals((await sandbox.exec("nice")).stdout, "0\n");
  }
  // A cgroup without a process budget leaves the limit to each command.
  await using uncapped = new LocalProvider({ network: "none", limits, budget: { processes: 0 } });
  assertEquals(await commandProcessCap(uncapped), "300");
});

// The tests below run sandboxes that try to take the machine. Each runs inside a guard cgroup
// the test makes around this test process first (1 GiB, 2000 processes, 1.5 CPUs), so that a
// broken budget cannot take the machine down.
const root = Deno.uid() === 0;

function guarded(fn: () => Promise<void>): Promise<void> {
  return underGuard("test", fn);
}

Deno.test({
  name: "A memory hog spread over many processes is held at the sandbox's memory budget",
  ignore: !root,
  fn: () =>
    guarded(async () => {
      await using provider = new LocalProvider({ network: "none", budget: { memoryMb: 256 } });
      await using sandbox = await provider.create();
      assertEquals(sandbox.protections.budget, null);
      const hog = "import time; x = bytearray(100 * 1024 * 1024); time.sleep(5)";
      const result = await sandbox.exec(
        `for i in 1 2 3 4 5 6; do python3 -c '${hog}' & done; sleep 3; wait; echo done`,
        { timeoutMs: 60_000 },
      );
      assertEquals(result.stdout, "done\n");
      const usage = (await sandbox.usage())!;
      assert(usage.oomKills >= 1, `oom kills: ${usage.oomKills}`);
      assert(usage.memoryBytes <= 256 * 1024 * 1024, `memory: ${usage.memoryBytes}`);
      assertEquals((await sandbox.exec("echo alive")).stdout, "alive\n");
    }),
});

Deno.test({
  name: "A background fork bomb is held at the process budget and the sandbox still answers",
  ignore: !root,
  fn: () =>
    guarded(async () => {
      await using provider = new LocalProvider({ network: "none", budget: { processes: 64 } });
      await using sandbox = await provider.create();
      await sandbox.exec(
        "python3 -c 'import os\nwhile True:\n  try: os.fork()\n  except OSError: pass' > /dev/null 2>&1 &",
      );
      await new Promise((done) => setTimeout(done, 2000));
      const usage = (await sandbox.usage())!;
      assert(usage.processes <= 64, `processes: ${usage.processes}`);
      assert(usage.processes >= 32, `the bomb did not run: ${usage.processes}`);
      // The supervisor answers without forking, several requests at once too: those that find no
      // idle thread (none can start) wait for one.
      const stats = await Promise.all([sandbox.stat("."), sandbox.stat("."), sandbox.stat(".")]);
      assertEquals(stats.map((stat) => stat.type), ["directory", "directory", "directory"]);
      await sandbox.close();
      assertEquals(await sandbox.usage(), undefined);
    }),
});

Deno.test({
  name:
    "Without a cgroup a background fork bomb is held at the process limit and commands still run",
  ignore: !root,
  fn: () =>
    guarded(async () => {
      await using provider = new LocalProvider({
        network: "none",
        limits: { processes: 64 },
        cgroups: SandboxCgroups.none("simulated: no cgroups here"),
      });
      await using sandbox = await provider.create();
      await sandbox.exec(
        "python3 -c 'import os\nwhile True:\n  try: os.fork()\n  except OSError: pass' > /dev/null 2>&1 &",
      );
      await new Promise((done) => setTimeout(done, 2000));
      // The supervisor is not under the limit: it still starts a command, whose shell is.
      const alive = await sandbox.exec("echo alive; ls");
      assertEquals(alive.stdout, "alive\n");
      assertMatch(alive.stderr, /Cannot fork/);
    }),
});

Deno.test({
  name: "Two CPU hogs in two sandboxes each get their CPU budget",
  ignore: !root,
  fn: () =>
    guarded(async () => {
      await using provider = new LocalProvider({ network: "none", budget: { cpus: 0.5 } });
      await using a = await provider.create({ cpu: 0.25 });
      await using b = await provider.create();
      const spin =
        "timeout 3 sh -c 'while :; do :; done' & timeout 3 sh -c 'while :; do :; done'; wait";
      await Promise.all([a.exec(spin), b.exec(spin)]);
      const [ua, ub] = [(await a.usage())!, (await b.usage())!];
      // 3 s at 0.25 and 0.5 cores: about 0.75 and 1.5 CPU seconds (plus start-up).
      assert(ua.cpuSeconds < 1.2, `a used ${ua.cpuSeconds}`);
      assert(ub.cpuSeconds < 2.1 && ub.cpuSeconds > 1, `b used ${ub.cpuSeconds}`);
    }),
});

Deno.test({
  name: "sandbox_create's cpu, memory and disk lower a local sandbox's budget",
  ignore: !root,
  fn: async () => {
    await using provider = new LocalProvider({ network: "none" });
    await using sandbox = await provider.create({ cpu: 1, memory: 1, disk: 2 });
    assertEquals(sandbox.budget, { memoryMb: 1024, processes: 512, cpus: 1, diskGb: 2 });
    assertEquals(sandbox.protections.budget, null);
    assertEquals(sandbox.protections.disk, null);
    assertEquals((await sandbox.resources())?.diskBudgetBytes, 2 * 2 ** 30);
  },
});

Deno.test({
  name: "A client cannot raise its sandbox's budget over the server's with sandbox_create",
  ignore: !root,
  fn: async () => {
    // An HTTP client asked for memory 256, cpu 64 and disk 1024 and got them: a 1 TiB disk
    // image on a host with 74 GB free, and 3 GiB allocated where the operator allowed 2.
    await using mcp = await connect({
      local: { network: "none", budget: { memoryMb: 2048, cpus: 1, diskGb: 1 } },
    });
    for (
      const [input, refusal] of [
        [
          { memory: 8 },
          /memory 8 GiB: this server gives a sandbox at most 2 GiB \(--sandbox-memory-mb\)/,
        ],
        [{ cpu: 2 }, /cpu 2 cores: this server gives a sandbox at most 1 cores \(--sandbox-cpus\)/],
        [
          { disk: 1024 },
          /disk 1024 GiB: this server gives a sandbox at most 1 GiB \(--sandbox-disk-gb\)/,
        ],
        [{ memory: 1, disk: 2 }, /disk 2 GiB/],
      ] as const
    ) {
      const result = await mcp.call("sandbox_create", input);
      assertEquals(result.isError, true, JSON.stringify(input));
      assertMatch(text(result), refusal);
    }
    const listed = structured<SandboxListOutput>(await mcp.call("sandbox_list", {}));
    assertEquals(listed.sandboxes.length, 0, "no sandbox was made");
    // Within the budget, it sets this sandbox's.
    const made = structured<{ sandbox_id: string }>(
      await mcp.call("sandbox_create", { memory: 1 }),
    );
    const list = structured<SandboxListOutput>(await mcp.call("sandbox_list", {}));
    const usage = list.sandboxes.find((s) => s.sandbox_id === made.sandbox_id)?.usage;
    assertEquals([usage?.memory_budget_mib, usage?.disk_budget_mib], [1024, 1024]);
  },
});
