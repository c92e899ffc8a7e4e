import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  rejects as assertRejects,
} from "node:assert/strict";
import { tools } from "../../../src/registry.ts";
import type { SandboxResources } from "../../../src/sandbox.ts";
import { pythonExec, type PythonExecOutput } from "../../../src/tools/python_exec.ts";
import { FakeSandbox } from "../_fake_sandbox.ts";

const present = tools.find((t) => t.name === "python_exec")!.present;

Deno.test("pythonExec() runs the cell with the timeout and caps passed down", async () => {
  const sandbox = new FakeSandbox().onPython("1 + 1", { result: "2", durationMs: 4.56 });
  const progress: string[] = [];
  const out = await pythonExec(sandbox, { code: "1 + 1", timeout: 1.5 }, {
    maxOutputBytes: 300,
    maxImageBytes: 1000,
    defaultTimeout: 60,
    onProgress: (line) => progress.push(line),
  });
  const [call] = sandbox.pythonCalls;
  assertEquals(
    [call.options.timeoutMs, call.options.maxOutputBytes, call.options.maxImageBytes],
    [1500, 300, 1000],
  );
  call.options.onOutput?.("printed");
  call.options.onWait?.("waiting");
  assertEquals(progress, ["printed", "waiting"]);
  assertEquals(out, {
    stdout: "",
    stderr: "",
    result: "2",
    error: null,
    images: [],
    timed_out: false,
    state: "kept",
    fresh_interpreter: true,
    died: null,
    notes: [],
    duration_ms: 4.6,
    truncated: false,
  });
  await pythonExec(sandbox, { code: "x = 1" }, { defaultTimeout: 60 });
  await pythonExec(sandbox, { code: "x = 1" });
  assertEquals(sandbox.pythonCalls.map((c) => c.options.timeoutMs), [1500, 60_000, 300_000]);
  assertEquals(
    (await pythonExec(sandbox, { code: "x" })).fresh_interpreter,
    false,
    "state kept since the first cell",
  );
});

Deno.test("pythonExec() refuses empty code unless resetting, and resets on request", async () => {
  const sandbox = new FakeSandbox();
  await assertRejects(pythonExec(sandbox, { code: " " }), {
    name: "TypeError",
    message: "Cannot run code: 'code' is empty (pass reset: true to only reset)",
  });
  await assertRejects(pythonExec(sandbox, { code: "1", timeout: -1 }), {
    name: "RangeError",
    message: "Cannot run code: 'timeout' must be positive, got -1",
  });
  const reset = await pythonExec(sandbox, { code: "", reset: true });
  assertEquals([sandbox.resets, sandbox.pythonCalls.length], [1, 0]);
  assertEquals(reset.notes, ["The interpreter was reset: all variables and imports are gone."]);
  assertEquals([reset.fresh_interpreter, reset.state], [true, "kept"]);
  await pythonExec(sandbox, { code: "1" });
  const fresh = await pythonExec(sandbox, { code: "2", reset: true });
  assertEquals([sandbox.resets, sandbox.pythonCalls.length], [2, 2]);
  assertEquals(fresh.fresh_interpreter, true);
});

Deno.test("pythonExec() explains what a timeout or a crash did to the state", async () => {
  const sandbox = new FakeSandbox()
    .onPython("interrupted", { timedOut: true, state: "kept" })
    .onPython("stuck", { timedOut: true, state: "lost" })
    .onPython("oom", { died: { exitCode: null, signal: "SIGKILL" }, state: "lost" })
    .onPython("exit", { died: { exitCode: 3, signal: null }, state: "lost" });
  const run = async (code: string) => (await pythonExec(sandbox, { code, timeout: 2 })).notes;
  assertEquals(await run("interrupted"), [
    "Interrupted after 2 s with KeyboardInterrupt; variables set before the interruption are kept.",
  ]);
  assertEquals(await run("stuck"), [
    "Timed out after 2 s and did not stop when interrupted, so the interpreter was killed; its variables are lost. The next call starts a fresh interpreter.",
  ]);
  assertEquals(await run("oom"), [
    "The Python interpreter was killed by SIGKILL (possibly out of memory); its variables are lost. The next call starts a fresh interpreter.",
  ]);
  assertEquals(await run("exit"), [
    "The Python interpreter exited with code 3; its variables are lost. The next call starts a fresh interpreter.",
  ]);
});

Deno.test("pythonExec() reads the budget after a MemoryError and notes a hit", async () => {
  const reading: SandboxResources = {
    memoryBytes: 1,
    memoryBudgetBytes: 256 << 20,
    processes: 2,
    processBudget: 64,
    cpuSeconds: 0,
    oomKills: 4,
  };
  const sandbox = new FakeSandbox({ resources: [reading, { ...reading, oomKills: 5 }] })
    .onPython("ok", {})
    .onPython("big", {
      error: { type: "MemoryError", message: "", traceback: "MemoryError" },
      notes: ["from the interpreter"],
    });
  assertEquals((await pythonExec(sandbox, { code: "ok" })).notes, []);
  assertEquals(sandbox.resourceReadings, 1);
  assertEquals((await pythonExec(sandbox, { code: "big" })).notes, [
    "from the interpreter",
    "The sandbox's memory budget (256 MiB) was hit and the kernel killed a process (1 out-of-memory kill since the last check); the sandbox carries on.",
  ]);
});

Deno.test("python_exec's presentation sends figures as images and flags failures", async () => {
  const image = { mimeType: "image/png", data: "iVBORw0KGgo=", width: 640, height: 480, bytes: 8 };
  const sandbox = new FakeSandbox().onPython(/plot/, { images: [image], stdout: "drawn\n" });
  const out = await pythonExec(sandbox, { code: "plot()" });
  assertEquals(out.images, [
    { mime_type: "image/png", width: 640, height: 480, bytes: 8, data: "iVBORw0KGgo=" },
  ]);
  const result = present(out);
  assertEquals(result.isError, false);
  assertEquals(result.content[1], { type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" });
  const structured = result.structuredContent as { images: unknown[] };
  assertEquals(
    structured.images,
    [{ mime_type: "image/png", width: 640, height: 480, bytes: 8 }],
    "image data travels once, as content",
  );
  assertMatch((result.content[0] as { text: string }).text, /"stdout":"drawn\\n"/);
  const failed = (change: Partial<PythonExecOutput>) => present({ ...out, ...change }).isError;
  assertEquals(failed({ error: { type: "ValueError", message: "x", traceback: "" } }), true);
  assertEquals(failed({ timed_out: true }), true);
  assertEquals(failed({ died: { exit_code: 1, signal: null } }), true);
  assertEquals(failed({ state: "lost" }), true);
  assertEquals(failed({ stderr: "a warning\n" }), false, "stderr alone is no failure");
});
