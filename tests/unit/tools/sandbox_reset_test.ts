import { deepEqual as assertEquals } from "node:assert/strict";
import { FakeSandbox } from "../_fake_sandbox.ts";
import { sandboxReset } from "../../../src/tools/sandbox_reset.ts";

Deno.test("sandboxReset() says how many processes stopped and that the files stay", async () => {
  await using sandbox = new FakeSandbox();
  sandbox.running = 3;
  const output = await sandboxReset(sandbox, {});
  assertEquals(output.killed, 3);
  assertEquals(
    output.note,
    "Stopped 3 processes. Files are unchanged; background servers must be started again, and the next python_exec starts a fresh interpreter.",
  );
  assertEquals(
    (await sandboxReset(sandbox, {})).note,
    "No process was running. Files are unchanged.",
  );
});
