// shell_exec and python_exec say when a call hit the sandbox's memory budget. The hogs run inside
// a guard cgroup made around this test process first (1 GiB, 2000 processes, 1.5 CPUs), as in
// tests/_guard.ts.
import { deepEqual as assertEquals, ok as assert } from "node:assert/strict";
import { underGuard } from "../_guard.ts";
import { LocalProvider } from "../../src/providers/local/mod.ts";
import { budgetNotes } from "../../src/tools/_common.ts";
import { shellExec } from "../../src/tools/shell_exec.ts";
import { pythonExec } from "../../src/tools/python_exec.ts";
import { hasBwrap } from "../_helpers.ts";

const ignore = Deno.uid() !== 0 || !hasBwrap;

function guarded(fn: () => Promise<void>): Promise<void> {
  return underGuard("notes", fn);
}

Deno.test({
  name: "A call that hits the memory budget says so; a normal call has no such note",
  ignore,
  fn: () =>
    guarded(async () => {
      await using provider = new LocalProvider({ network: "none", budget: { memoryMb: 128 } });
      await using sandbox = await provider.create();
      const normal = await shellExec(sandbox, { command: "echo ok" });
      assertEquals(normal.notes, undefined);
      const hog = await shellExec(sandbox, {
        command: "python3 -c 'x = bytearray(300 * 1024 * 1024)'; echo after",
      });
      assertEquals(hog.stdout, "after\n");
      assert(
        hog.notes?.some((n) =>
          /memory budget \(128 MiB\) was hit.*kernel killed a process/.test(n)
        ),
        JSON.stringify(hog.notes),
      );
      const fine = await pythonExec(sandbox, { code: "1 + 1" });
      assertEquals(fine.notes, []);
      const pyHog = await pythonExec(sandbox, { code: "x = bytearray(300 * 1024 * 1024)" });
      assert(
        pyHog.notes.some((n) => /memory budget \(128 MiB\) was hit/.test(n)),
        JSON.stringify(pyHog.notes),
      );
      assertEquals((await shellExec(sandbox, { command: "echo alive" })).stdout, "alive\n");
    }),
});

Deno.test("budgetNotes() names the process budget when failed forks rose, and nothing else", () => {
  const at = {
    memoryBytes: 1,
    memoryBudgetBytes: 64 << 20,
    processes: 64,
    processBudget: 64,
    cpuSeconds: 1,
    oomKills: 2,
    forkFailures: 10,
  };
  const notes = budgetNotes({ ...at, forkFailures: 3 }, at);
  assertEquals(notes.length, 1);
  assert(/process budget \(64 processes and threads\) was hit: 7 forks failed/.test(notes[0]));
  assertEquals(budgetNotes(at, at), []);
  assertEquals(budgetNotes(undefined, undefined), []);
});
