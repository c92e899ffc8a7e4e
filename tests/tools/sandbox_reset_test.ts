// sandbox_reset stops every process of a sandbox and keeps its files: a background server, the
// Python interpreter, and a fork bomb left running in the background (that one under a guard
// cgroup of its own, tests/_guard.ts, and the sandbox's own process budget).
import { deepEqual as assertEquals, ok as assert } from "node:assert/strict";
import { underGuard } from "../_guard.ts";
import { connect, type Connected, hasBwrap, sh, structured } from "../_helpers.ts";
import { connectDaytona } from "../daytona/connect.ts";
import { startFakeDaytona } from "../daytona/fake_server.ts";
import type { SandboxResetOutput } from "../../src/tools/sandbox_reset.ts";
import type { PythonExecOutput } from "../../src/tools/python_exec.ts";
import type { SandboxListOutput } from "../../src/tools/sandbox_list.ts";

const ignore = !hasBwrap;

/** Processes the sandbox runs now, as its own `ps` sees them (the supervisor and ps included). */
async function processCount(mcp: Connected): Promise<number> {
  return Number((await sh(mcp, "ps -e --no-headers | wc -l")).trim());
}

/** What every provider must do: background work and the interpreter stop, files stay. */
async function stopsEverythingAndKeepsFiles(
  mcp: Connected,
  marker: string,
  /** Whether worker.py is ours alone (the fake Daytona's machine runs a local sandbox's own). */
  onlyOurWorker: boolean,
  /** Prefix of the marked process: `setsid` takes it out of the command's process group. */
  escape = "",
): Promise<void> {
  await sh(
    mcp,
    `echo kept > notes.txt; sleep 600 & ${escape}python3 -c 'import time; time.sleep(600)' ${marker} &`,
  );
  await mcp.call("python_exec", { code: "state = 42" });
  const result = await mcp.call("sandbox_reset", {});
  assertEquals(result.isError, false);
  const { killed, note } = structured<SandboxResetOutput>(result);
  assert(killed >= 3, `killed ${killed}: two sleepers and the interpreter at least`);
  assert(/Files are unchanged/.test(note), note);
  assertEquals(await sh(mcp, "cat notes.txt"), "kept\n");
  assertEquals(await sh(mcp, `pgrep -f [${marker[0]}]${marker.slice(1)} || echo none`), "none\n");
  assertEquals(await sh(mcp, "pgrep -x sleep || echo none"), "none\n");
  if (onlyOurWorker) assertEquals(await sh(mcp, "pgrep -f [w]orker.py || echo none"), "none\n");
  const after = structured<PythonExecOutput>(
    await mcp.call("python_exec", { code: "'state' in globals()" }),
  );
  assertEquals([after.result, after.fresh_interpreter], ["False", true]);
  const again = structured<SandboxResetOutput>(await mcp.call("sandbox_reset", {}));
  assert(again.killed <= 1, `only a re-warmed interpreter may remain, got ${again.killed}`);
}

Deno.test({
  name:
    "sandbox_reset stops background processes, those that left their session too, and the interpreter, and keeps the files (local)",
  ignore,
  fn: async () => {
    await using mcp = await connect({ local: { network: "none" } });
    // A process that left the command's process group and session dies too: the supervisor is
    // the sandbox's PID 1.
    await stopsEverythingAndKeepsFiles(mcp, "reset-marker-local", true, "setsid ");
    assert(await processCount(mcp) <= 4, "the supervisor, sh, ps and wc");
  },
});

Deno.test({
  name: "sandbox_reset stops the processes the supervisor started and keeps the files (Daytona)",
  fn: async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connectDaytona(fake);
    await stopsEverythingAndKeepsFiles(mcp, "reset-marker-daytona", false);
  },
});

Deno.test({
  name: "sandbox_reset ends a background fork bomb held at the process budget",
  ignore: ignore || Deno.uid() !== 0,
  fn: () =>
    underGuard("reset", async () => {
      await using mcp = await connect({
        local: { network: "none", budget: { processes: 64, memoryMb: 256 } },
      });
      await sh(mcp, "echo kept > notes.txt");
      // A fork bomb that keeps trying forever, in a session of its own, in the background: the call
      // returns at once.
      await mcp.call("shell_exec", {
        command:
          "python3 -c 'import os\nos.setsid()\nwhile True:\n  try: os.fork()\n  except OSError: pass' &",
      });
      let listed: SandboxListOutput["sandboxes"][number] | undefined;
      for (let i = 0; i < 100; i++) {
        const list = structured<SandboxListOutput>(await mcp.call("sandbox_list", {}));
        listed = list.sandboxes.find((s) => s.default);
        if ((listed?.usage?.processes ?? 0) >= 60) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const held = listed?.usage?.processes ?? 0;
      assert(held >= 60 && held <= 64, `the bomb fills the budget and no more: ${held}`);
      const { killed } = structured<SandboxResetOutput>(await mcp.call("sandbox_reset", {}));
      assert(killed >= 50, `killed ${killed}`);
      assertEquals(await sh(mcp, "cat notes.txt"), "kept\n");
      assert(await processCount(mcp) <= 4, "nothing of the bomb is left");
    }),
});
