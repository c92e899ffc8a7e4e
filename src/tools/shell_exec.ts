/**
 * `shell_exec`: run a shell command in the sandbox.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import type { Sandbox } from "../sandbox.ts";
import {
  BUDGET_SIGNS,
  budgetBaseline,
  budgetHits,
  noNul,
  timeoutSchema,
  type ToolOptions,
} from "./_common.ts";
import { defineTool, presentJson, RUNS_CODE, type ToolDefinition } from "./_define.ts";

/**
 * Arguments of {@linkcode shellExec}, as the MCP tool takes them.
 *
 * @example Run a command elsewhere than in the home directory
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, shellExec, type ShellExecInput } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const input: ShellExecInput = { command: "echo $MODE; pwd", cwd: "/tmp", env: { MODE: "test" } };
 * equal((await shellExec(sandbox, input)).stdout, "test\n/tmp\n");
 * ```
 */
export interface ShellExecInput {
  /** The command line, run with `/bin/sh -c`. */
  command: string;
  /** Working directory in the sandbox; the home directory when omitted. */
  cwd?: string;
  /** Extra environment variables for this command. */
  env?: Record<string, string>;
  /** Seconds before the command's process group is killed. */
  timeout?: number;
}

/**
 * What {@linkcode shellExec} returns; also the tool's structured content.
 *
 * @example Report a failed command
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, shellExec } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const output = await shellExec(sandbox, { command: "ls missing" });
 * equal(output.exit_code, 2); // a failed command is a result, not an exception
 * equal(output.stderr, "ls: cannot access 'missing': No such file or directory\n");
 * ```
 */
export interface ShellExecOutput {
  /** Standard output (UTF-8; head and tail kept when longer than the cap). */
  stdout: string;
  /** Standard error, kept like stdout. */
  stderr: string;
  /** The exit code, or null when a signal ended the command. */
  exit_code: number | null;
  /** The signal that ended the command, e.g. "SIGKILL", or null. */
  signal: string | null;
  /** True when the timeout expired and the command's process group was killed. */
  timed_out: boolean;
  /** Wall time in milliseconds. */
  duration_ms: number;
  /** True when part of stdout or stderr was dropped; see stdout_bytes and stderr_bytes. */
  truncated: boolean;
  /** Bytes written to stdout in total. */
  stdout_bytes: number;
  /** Bytes written to stderr in total. */
  stderr_bytes: number;
  /** What else to know, e.g. that the sandbox had stopped and was started again (Daytona). */
  notes?: string[];
}

/**
 * Options for {@linkcode shellExec}.
 *
 * @example Keep less output and allow longer commands
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, shellExec, type ShellExecOptions } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const options: ShellExecOptions = { maxOutputBytes: 10_000, defaultTimeout: 900 };
 * const output = await shellExec(sandbox, { command: "seq 1 100000" }, options);
 * equal(output.truncated, true); // head and tail kept, 10 000 bytes each
 * equal(output.stdout_bytes, 588_895); // what the command wrote in all
 * ```
 */
export interface ShellExecOptions extends ToolOptions {
  /** Bytes of stdout, and separately of stderr, to keep as head + tail. @default 100_000 */
  maxOutputBytes?: number;
  /** Seconds before a command that gave no `timeout` is killed. @default 300 */
  defaultTimeout?: number;
}

/**
 * Runs `input.command` with `/bin/sh -c` in the sandbox, in its own process group. Returns
 * stdout and stderr apart, the exit code and the duration. A command that backgrounds a process
 * (`server &`) returns at once and leaves the process running. On timeout the whole process group
 * is killed and `timed_out` is true. A non-zero exit is a result, not an exception.
 *
 * @example Run a command
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, shellExec } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const result = await shellExec(sandbox, { command: "echo hello" });
 * equal(result.stdout, "hello\n");
 * ```
 */
export async function shellExec(
  sandbox: Sandbox,
  input: ShellExecInput,
  options: ShellExecOptions = {},
): Promise<ShellExecOutput> {
  if (input.command.trim() === "") {
    throw new TypeError("Cannot run command: 'command' is empty");
  }
  if (input.timeout !== undefined && !(input.timeout > 0)) {
    throw new RangeError(`Cannot run command: 'timeout' must be positive, got ${input.timeout}`);
  }
  await budgetBaseline(sandbox);
  const result = await sandbox.exec(input.command, {
    cwd: input.cwd,
    env: input.env,
    timeoutMs: (input.timeout ?? options.defaultTimeout ?? 300) * 1000,
    maxOutputBytes: options.maxOutputBytes,
    signal: options.signal,
    onOutput: options.onProgress,
    onWait: options.onProgress,
  });
  const notes = [
    ...result.notes ?? [],
    ...await budgetHits(
      sandbox,
      (result.signal === "SIGKILL" && !result.timedOut && !result.cancelled) ||
        result.exitCode === 137 || BUDGET_SIGNS.test(result.stderr),
    ),
  ];
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    exit_code: result.exitCode,
    signal: result.signal,
    timed_out: result.timedOut,
    duration_ms: Math.round(result.durationMs * 10) / 10,
    truncated: result.truncated,
    stdout_bytes: result.stdoutBytes,
    stderr_bytes: result.stderrBytes,
    ...(notes.length ? { notes } : {}),
  };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The MCP input schema of `shell_exec`. */
export const shellExecInputSchema = {
  command: noNul("command").min(1, "command must not be empty")
    .describe("Shell command line, run with /bin/sh -c. End with `&` to leave a server running."),
  cwd: noNul("cwd").optional()
    .describe("Working directory in the sandbox. Default: the sandbox's home directory."),
  env: z.record(z.string(), noNul("env values"), { error: "env must be an object of strings" })
    .refine(
      (env) => Object.keys(env).every((name) => ENV_NAME.test(name)),
      "env names must be letters, digits and underscores, not starting with a digit",
    )
    .optional().describe("Extra environment variables for this command."),
  timeout: timeoutSchema("the command's process group is killed (default 300)"),
};

/** The MCP output schema of `shell_exec`. */
export const shellExecOutputSchema = {
  stdout: z.string(),
  stderr: z.string(),
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  timed_out: z.boolean(),
  duration_ms: z.number(),
  truncated: z.boolean(),
  stdout_bytes: z.number().int(),
  stderr_bytes: z.number().int(),
  notes: z.array(z.string()).optional(),
};

/** The `shell_exec` tool: its definition, as the registry lists it. */
export const shellExecTool: ToolDefinition<ShellExecInput, ShellExecOutput> = defineTool({
  name: "shell_exec",
  title: "Run a shell command",
  description:
    "Run a shell command in the sandbox (/bin/sh -c, in the sandbox's home directory unless cwd is given). Returns stdout and stderr separately, the exit code and the duration. Long output keeps its head and tail. End a command with `&` to leave a server running in the background; the call returns at once. The command's whole process group is killed after `timeout` seconds (default 300).",
  inputSchema: shellExecInputSchema,
  outputSchema: shellExecOutputSchema,
  task: true,
  annotations: RUNS_CODE,
  run: shellExec,
  present: (output) => presentJson(output, output.exit_code !== 0 || output.timed_out),
});
