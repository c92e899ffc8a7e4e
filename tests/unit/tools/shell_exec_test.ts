import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  rejects as assertRejects,
} from "node:assert/strict";
import { decodeCaptured } from "../../../src/_output.ts";
import { tools } from "../../../src/registry.ts";
import type { SandboxResources } from "../../../src/sandbox.ts";
import { shellExec, type ShellExecOutput } from "../../../src/tools/shell_exec.ts";
import { FakeSandbox } from "../_fake_sandbox.ts";

const present = tools.find((t) => t.name === "shell_exec")!.present;

Deno.test("shellExec() runs the line through the shell with cwd, env and the timeout in ms", async () => {
  const sandbox = new FakeSandbox({ files: { "app/x": "" } })
    .onExec("make test", { stdout: "ok\n", stderr: "warn\n", durationMs: 12.345 });
  const progress: string[] = [];
  const out = await shellExec(
    sandbox,
    { command: "make test", cwd: "app", env: { CI: "1" }, timeout: 2.5 },
    { maxOutputBytes: 500, defaultTimeout: 60, onProgress: (line) => progress.push(line) },
  );
  const [call] = sandbox.execCalls;
  assertEquals(call.command, "make test", "a string: /bin/sh -c, not an argv");
  assertEquals(
    [call.options.cwd, call.options.env, call.options.timeoutMs, call.options.maxOutputBytes],
    ["app", { CI: "1" }, 2500, 500],
  );
  call.options.onOutput?.("line");
  call.options.onWait?.("waiting");
  assertEquals(progress, ["line", "waiting"]);
  assertEquals(out, {
    stdout: "ok\n",
    stderr: "warn\n",
    exit_code: 0,
    signal: null,
    timed_out: false,
    duration_ms: 12.3,
    truncated: false,
    stdout_bytes: 3,
    stderr_bytes: 5,
  });
});

Deno.test("shellExec() times out after the server's default, else 300 s", async () => {
  const sandbox = new FakeSandbox().onExec(/.*/, {});
  await shellExec(sandbox, { command: "true" }, { defaultTimeout: 42 });
  await shellExec(sandbox, { command: "true" });
  assertEquals(sandbox.execCalls.map((c) => c.options.timeoutMs), [42_000, 300_000]);
});

Deno.test("shellExec() refuses an empty command and a timeout that is not positive", async () => {
  const sandbox = new FakeSandbox();
  await assertRejects(shellExec(sandbox, { command: "  \n" }), {
    name: "TypeError",
    message: "Cannot run command: 'command' is empty",
  });
  await assertRejects(shellExec(sandbox, { command: "ls", timeout: 0 }), {
    name: "RangeError",
    message: "Cannot run command: 'timeout' must be positive, got 0",
  });
  assertEquals(sandbox.execCalls, []);
});

Deno.test("shellExec() keeps the head and the tail of long output and counts all of it", async () => {
  const long = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join("");
  const sandbox = new FakeSandbox().onExec("seq", { stdout: long });
  const out = await shellExec(sandbox, { command: "seq" }, { maxOutputBytes: 40 });
  assertEquals(out.truncated, true);
  assertEquals(out.stdout_bytes, long.length);
  assertEquals(
    out.stdout,
    "line 0\nline 1\nline 2\n[... 1.6 KB (1650 bytes) of output omitted ...]\n7\nline 198\nline 199\n",
  );
});

Deno.test("decodeCaptured() never splits a character where it cuts", () => {
  const bytes = new TextEncoder().encode("ééé…ééé"); // 2-byte, 3-byte characters
  // The head ends inside an "é", the tail starts inside one: both halves are dropped, and counted.
  const out = decodeCaptured(bytes.subarray(0, 3), bytes.subarray(bytes.length - 3), bytes.length);
  assertEquals(out, {
    text: "é\n[... 11 B (11 bytes) of output omitted ...]\né",
    truncated: true,
  });
  assertEquals(decodeCaptured(bytes.subarray(0, 9), bytes.subarray(9), bytes.length), {
    text: "ééé…ééé",
    truncated: false,
  });
});

Deno.test("shellExec() notes a memory budget hit, reading usage only after a suspicious call", async () => {
  const reading: SandboxResources = {
    memoryBytes: 10 << 20,
    memoryBudgetBytes: 128 << 20,
    processes: 3,
    processBudget: 64,
    cpuSeconds: 1,
    oomKills: 0,
  };
  const sandbox = new FakeSandbox({
    resources: [reading, { ...reading, oomKills: 2 }],
  })
    .onExec("echo ok", { stdout: "ok\n" })
    .onExec("hog", { exitCode: 137, stderr: "Killed\n" });
  const fine = await shellExec(sandbox, { command: "echo ok" });
  assertEquals(fine.notes, undefined);
  assertEquals(sandbox.resourceReadings, 1, "the baseline only: a normal call reads nothing");
  await shellExec(sandbox, { command: "echo ok" });
  assertEquals(sandbox.resourceReadings, 1, "the baseline is taken once");
  const hog = await shellExec(sandbox, { command: "hog" });
  assertEquals(sandbox.resourceReadings, 2);
  assertEquals(hog.notes, [
    "The sandbox's memory budget (128 MiB) was hit and the kernel killed a process (2 out-of-memory kills since the last check); the sandbox carries on.",
  ]);
  const again = await shellExec(sandbox, { command: "hog" });
  assertEquals(again.notes, undefined, "compared with the last reading, nothing new");
});

Deno.test("shellExec() passes the provider's notes on", async () => {
  const sandbox = new FakeSandbox().onExec("ls", {
    notes: ["The sandbox had stopped and was started again."],
  });
  const out = await shellExec(sandbox, { command: "ls" });
  assertEquals(out.notes, ["The sandbox had stopped and was started again."]);
});

Deno.test("shell_exec's presentation is an error for a non-zero exit or a timeout", () => {
  const base: ShellExecOutput = {
    stdout: "",
    stderr: "",
    exit_code: 0,
    signal: null,
    timed_out: false,
    duration_ms: 1,
    truncated: false,
    stdout_bytes: 0,
    stderr_bytes: 0,
  };
  const ok = present(base);
  assertEquals(ok, {
    content: [{ type: "text", text: JSON.stringify(base) }],
    structuredContent: base,
    isError: false,
  });
  assertEquals(present({ ...base, exit_code: 1 }).isError, true);
  assertEquals(present({ ...base, exit_code: null, signal: "SIGKILL" }).isError, true);
  assertEquals(present({ ...base, exit_code: null, timed_out: true }).isError, true);
  // A timeout alone makes it an error, whatever the exit code.
  assertEquals(present({ ...base, timed_out: true }).isError, true);
  assertMatch((present({ ...base, stdout: "x" }).content[0] as { text: string }).text, /"x"/);
});
