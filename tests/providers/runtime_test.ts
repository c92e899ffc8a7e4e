import { ok as assert } from "node:assert/strict";
import { renderRuntime } from "../../scripts/gen_runtime.ts";

Deno.test("_runtime.ts embeds the current agent/python/ files and protocol (run `deno task gen`)", async () => {
  const current = await Deno.readTextFile(
    new URL("../../src/providers/agent/_runtime.ts", import.meta.url),
  );
  assert(
    current === await renderRuntime(),
    "src/providers/agent/_runtime.ts is stale (agent.py or worker.py changed): run `deno task gen` and commit it",
  );
});
