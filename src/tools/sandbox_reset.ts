/**
 * `sandbox_reset`: stop every process of a sandbox and keep its files.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import type { Sandbox } from "../sandbox.ts";
import type { ToolOptions } from "./_common.ts";
import { defineTool, presentJson, type ToolDefinition } from "./_define.ts";

/**
 * Arguments of {@linkcode sandboxReset}: none besides the sandbox, which the server picks from
 * `sandbox_id`.
 *
 * @example Reset the default sandbox
 * ```ts
 * import { equal } from "node:assert/strict";
 * import type { SandboxResetInput } from "../../mod.ts";
 * const input: SandboxResetInput = {};
 * equal(Object.keys(input).length, 0);
 * ```
 */
export type SandboxResetInput = Record<string, never>;

/**
 * What {@linkcode sandboxReset} returns.
 *
 * @example Read how many processes were stopped
 * ```ts ignore
 * import { ok } from "node:assert/strict";
 * import { LocalProvider, sandboxReset, type SandboxResetOutput } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("sleep 600 &");
 * const output: SandboxResetOutput = await sandboxReset(sandbox, {});
 * ok(output.killed >= 1);
 * ```
 */
export interface SandboxResetOutput {
  /** How many processes were stopped (the Python interpreter counts as one or more). */
  killed: number;
  /** What survived and what did not, for the model. */
  note: string;
}

/**
 * Kills every process of the sandbox — running commands, background servers, the Python
 * interpreter, and whatever they left behind, a fork bomb included — and keeps its files. The next
 * `python_exec` starts a fresh interpreter.
 *
 * @example Stop a background server and keep the files
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, sandboxReset } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("echo kept > notes.txt; python3 -m http.server 8000 >/dev/null 2>&1 &");
 * await sandboxReset(sandbox, {});
 * equal((await sandbox.exec("cat notes.txt")).stdout, "kept\n");
 * equal((await sandbox.exec("pgrep -f http.server")).exit_code, 1);
 * ```
 */
export async function sandboxReset(
  sandbox: Sandbox,
  _input: SandboxResetInput,
  options: ToolOptions = {},
): Promise<SandboxResetOutput> {
  const { killed } = await sandbox.killAll({ signal: options.signal });
  return {
    killed,
    note: killed === 0
      ? "No process was running. Files are unchanged."
      : `Stopped ${killed} process${killed === 1 ? "" : "es"}. Files are unchanged; ` +
        "background servers must be started again, and the next python_exec starts a fresh interpreter.",
  };
}

/** The MCP input schema of `sandbox_reset`. */
export const sandboxResetInputSchema = {};

/** The MCP output schema of `sandbox_reset`. */
export const sandboxResetOutputSchema = {
  killed: z.number().int(),
  note: z.string(),
};

/** The `sandbox_reset` tool: its definition, as the registry lists it. */
export const sandboxResetTool: ToolDefinition<SandboxResetInput, SandboxResetOutput> = defineTool(
  {
    name: "sandbox_reset",
    title: "Stop all processes",
    description:
      "Stop every process in the sandbox: running and background commands, servers, the Python interpreter (its variables are lost), and anything they left behind, such as a runaway fork bomb. Files are kept. Use it when the sandbox is stuck or out of processes or memory; python_exec(reset=true) only restarts the interpreter.",
    inputSchema: sandboxResetInputSchema,
    outputSchema: sandboxResetOutputSchema,
    annotations: {
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    run: sandboxReset,
    present: (output) => presentJson(output, false),
  },
);
