// Sandbox budgets seen from outside: doctor on a machine without control groups, and CPU shared
// fairly between sandboxes. Sandboxes that hog the CPU run inside a guard cgroup made around this
// test process first (tests/_guard.ts).

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { LocalProvider } from "../../src/providers/local/mod.ts";
import { canGuard, underGuard } from "../_guard.ts";
import { hasBwrap, ROOT } from "../_helpers.ts";

const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks;
const doctorFlags = (tasks.doctor as string).split(" ").filter((a) => a.startsWith("--"));
const env = { PATH: Deno.env.get("PATH")!, HOME: Deno.env.get("HOME")! };
// A different environment must not send Deno to an empty cache.
const denoDir = Deno.env.get("DENO_DIR") ?? `${env.HOME}/.cache/deno`;
const hasUnshare = await new Deno.Command("unshare", { args: ["--version"], stdout: "null" })
  .output().then((out) => out.success, () => false);

/**
 * Runs `deno task doctor` as a user would; `withoutCgroups` runs it in a mount namespace of its
 * own whose /sys/fs/cgroup is empty (root only): a machine without control groups, as far as the
 * server can tell.
 */
async function doctor(withoutCgroups: boolean): Promise<{ code: number; text: string }> {
  const command = [
    ...(withoutCgroups
      ? [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        'mount -t tmpfs none /sys/fs/cgroup && exec "$@"',
        "sh",
      ]
      : []),
    Deno.execPath(),
    "run",
    ...doctorFlags,
    "mod.ts",
    "doctor",
  ];
  const out = await new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_DIR: denoDir, ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
}

Deno.test({
  name: "doctor names the budgets a machine without control groups cannot enforce, and why",
  ignore: !canGuard || !hasBwrap || !hasUnshare,
  fn: async () => {
    const here = await doctor(false);
    assertEquals(here.code, 0, here.text);
    assert(!/NOT enforced: [^\n]*a budget for the whole sandbox/.test(here.text), here.text);
    const without = await doctor(true);
    // Sandboxes still work, with per-process limits only: a warning, not a failure.
    assertEquals(without.code, 0, without.text);
    assertMatch(without.text, /ok {4}local sandbox: starts, runs a command and cleans up/);
    assertMatch(
      without.text,
      /warn {2}sandbox protections: NOT enforced: (?:[^\n]*; )?a budget for the whole sandbox \(memory with its RAM files, processes and CPU, by control groups\): no cgroup v2 hierarchy, and no cgroup v1 memory and pids hierarchies: memory and processes are capped per process only, and the CPU only by a lower priority/,
    );
    // The server is root here: the fix is what would help a root server, not "run it as root".
    assertMatch(
      without.text,
      /\n {6}fix: [^\n]*mount the control group hierarchies [^\n]*systemd-run --scope -p Delegate=yes/,
    );
    assert(!/\n {6}fix: [^\n]*run the server as root \(cgroup/.test(without.text), without.text);
    assertMatch(without.text, /Ready: the local provider can work here\./);
  },
});

Deno.test({
  name: "CPU hogs in two sandboxes share the CPU fairly, however many each runs",
  ignore: !canGuard || !hasBwrap,
  fn: () =>
    // The guard gives both sandboxes together 1.5 CPUs: less than they ask for, so they contend.
    underGuard("fair", async () => {
      await using provider = new LocalProvider({ network: "none", budget: { cpus: 1 } });
      await using many = await provider.create();
      await using few = await provider.create();
      assertEquals([many.protections.budget, few.protections.budget], [null, null]);
      const spin = "timeout 3 sh -c 'while :; do :; done'";
      const hog = async (sandbox: typeof many, loops: number) => {
        const before = (await sandbox.resources!())!.cpuSeconds;
        const started = performance.now();
        const result = await sandbox.exec(
          `for i in $(seq ${loops}); do ${spin} & done; wait; echo done`,
          { timeoutMs: 60_000 },
        );
        const seconds = (performance.now() - started) / 1000;
        assertEquals(result.stdout, "done\n");
        return { cpu: (await sandbox.resources!())!.cpuSeconds - before, seconds };
      };
      // Six busy loops against two (two, so that both sandboxes have work on both cores of a
      // small machine): shared per process, the two would get a quarter; per sandbox, half.
      const [a, b] = await Promise.all([hog(many, 6), hog(few, 2)]);
      const share = b.cpu / (a.cpu + b.cpu);
      assert(a.cpu + b.cpu > 0.3, `the hogs did not run: ${a.cpu} and ${b.cpu} CPU seconds`);
      assert(
        share > 0.35 && share < 0.65,
        `two loops got ${share} of the CPU (${a.cpu}, ${b.cpu})`,
      );
      // Neither passes its budget of 1 CPU over the time its hog ran, beyond the scheduler's slack.
      for (const { cpu, seconds } of [a, b]) {
        assert(cpu <= seconds * 1.1 + 0.2, `${cpu} CPU seconds in ${seconds} s with 1 CPU`);
      }
    }),
});

Deno.test({
  name:
    "when the host runs out of memory before a sandbox's budget, the sandbox goes before the user's programs",
  ignore: !canGuard || !hasBwrap,
  fn: () =>
    // The guard (1 GiB) stands for the host: it runs out before the sandbox's budget (2 GiB).
    underGuard("oom", async () => {
      // A program of the user's (a browser, say), bigger than any sandbox process as the kernel
      // counts processes: memory held in a memfd or a tmpfs file counts towards none.
      const bystander = new Deno.Command("/usr/bin/python3", {
        args: [
          "-c",
          "import sys; kept = b'x' * (400 << 20); print('ready', flush=True); sys.stdin.read()",
        ],
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      const lines = bystander.stdout.pipeThrough(new TextDecoderStream()).getReader();
      try {
        let said = "";
        while (!said.includes("\n")) {
          const { value, done } = await lines.read();
          if (done) break;
          said += value;
        }
        assertEquals(said, "ready\n");
        await using provider = new LocalProvider({ network: "none" });
        await using sandbox = await provider.create();
        // Its processes are the OOM killer's first choice; code can go back to the host's default
        // (0), not below it.
        const adjusted = await sandbox.exec(
          "cat /proc/self/oom_score_adj; echo -1 > /proc/self/oom_score_adj; cat /proc/self/oom_score_adj",
        );
        assertEquals(adjusted.stdout, "1000\n1000\n", adjusted.stderr);
        // 700 MiB in a memfd: with the bystander, past the guard. Without the adjustment the
        // kernel killed the bystander, and the hog finished.
        const hog = await sandbox.exec(
          `python3 -c "import os
fd = os.memfd_create('hog'); block = b'x' * (1 << 20)
for _ in range(700): os.write(fd, block)
print('held')"`,
          { timeoutMs: 60_000 },
        ).catch((error: Error) => ({ stdout: "", stderr: error.message }));
        assert(!hog.stdout.includes("held"), `the hog finished: ${hog.stderr}`);
        const ended = await Promise.race([
          bystander.status.then(() => true),
          new Promise((resolve) => setTimeout(() => resolve(false), 200)),
        ]);
        assertEquals(ended, false, "the bystander was killed");
      } finally {
        try {
          bystander.kill("SIGKILL");
        } catch { /* killed already */ }
        await bystander.status;
        await lines.cancel();
      }
    }),
});
