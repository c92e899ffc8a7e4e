/**
 * `python_exec`: run Python in the sandbox's long-lived interpreter, like a notebook cell.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import type { PythonError, Sandbox } from "../sandbox.ts";
import {
  BUDGET_SIGNS,
  budgetBaseline,
  budgetHits,
  timeoutSchema,
  type ToolOptions,
} from "./_common.ts";
import {
  defineTool,
  type Presented,
  presentJson,
  RUNS_CODE,
  type ToolDefinition,
} from "./_define.ts";

/**
 * Arguments of {@linkcode pythonExec}, as the MCP tool takes them.
 *
 * @example Start over with a fresh interpreter
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, pythonExec, type PythonExecInput } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await pythonExec(sandbox, { code: "x = 1" });
 * const input: PythonExecInput = { code: "'x' in globals()", reset: true, timeout: 10 };
 * equal((await pythonExec(sandbox, input)).result, "False");
 * ```
 */
export interface PythonExecInput {
  /** Python source, run as written; the value of a final expression is returned. */
  code: string;
  /** Seconds before the cell is interrupted. */
  timeout?: number;
  /** Start a fresh interpreter (dropping all variables) before running `code`. */
  reset?: boolean;
}

/**
 * A figure returned by {@linkcode pythonExec}, without its bytes.
 *
 * @example Describe the figures a cell drew
 * ```ts ignore
 * import { deepEqual, ok } from "node:assert/strict";
 * import { LocalProvider, pythonExec } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const code = "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])";
 * const { images } = await pythonExec(sandbox, { code });
 * const [{ mime_type, width, height, bytes }] = images;
 * deepEqual([mime_type, width, height], ["image/png", 640, 480]); // matplotlib's default size
 * ok(bytes > 0);
 * ```
 */
export interface PythonExecImageInfo {
  /** e.g. "image/png". */
  mime_type: string;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Size in bytes. */
  bytes: number;
}

/**
 * What {@linkcode pythonExec} returns. `images` carry their data; the tool result sends them as image content.
 *
 * @example Notice a timeout and what it did to the variables
 * ```ts ignore
 * import { equal, match } from "node:assert/strict";
 * import { LocalProvider, pythonExec } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const output = await pythonExec(sandbox, { code: "while True: pass", timeout: 1 });
 * equal(output.timed_out, true);
 * equal(output.state, "kept"); // the variables survive the interruption
 * match(output.notes[0], /^Interrupted after 1 s with KeyboardInterrupt/);
 * ```
 */
export interface PythonExecOutput {
  /** What the code printed to stdout. */
  stdout: string;
  /** What the code printed to stderr (warnings included). */
  stderr: string;
  /** repr() of the final expression, or null. */
  result: string | null;
  /** The exception the code raised, with its traceback, or null. */
  error: PythonError | null;
  /** Figures the code drew, as PNG. */
  images: (PythonExecImageInfo & { data: string })[];
  /** True when the timeout interrupted the code. */
  timed_out: boolean;
  /**
   * "kept": variables, imports and functions persist for the next call. "lost": the interpreter
   * ended during this call; the next call starts a fresh one.
   */
  state: "kept" | "lost";
  /** True when this call ran in a new interpreter (first call, reset, or after a crash). */
  fresh_interpreter: boolean;
  /** Set when the interpreter died during the call: its exit code or signal. */
  died: { exit_code: number | null; signal: string | null } | null;
  /** Plain-language remarks: what happened to state after a timeout or crash, skipped figures. */
  notes: string[];
  /** Wall time in milliseconds. */
  duration_ms: number;
  /** True when part of stdout or stderr was dropped. */
  truncated: boolean;
}

/**
 * Options for {@linkcode pythonExec}.
 *
 * @example Smaller figures and a longer default timeout
 * ```ts ignore
 * import { ok } from "node:assert/strict";
 * import { LocalProvider, pythonExec, type PythonExecOptions } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const options: PythonExecOptions = { maxImageBytes: 100_000, defaultTimeout: 600 };
 * const code = "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])";
 * const { images } = await pythonExec(sandbox, { code }, options);
 * ok(images.every((image) => image.bytes <= 100_000));
 * ```
 */
export interface PythonExecOptions extends ToolOptions {
  /** Bytes of stdout, and of stderr, to keep. @default 100_000 */
  maxOutputBytes?: number;
  /** Seconds before a cell without `timeout` is interrupted. @default 300 */
  defaultTimeout?: number;
  /** Largest PNG per figure; larger ones are re-rendered smaller. @default 400_000 */
  maxImageBytes?: number;
}

/**
 * Runs `input.code` in the sandbox's Python interpreter. Variables, imports and functions persist
 * between calls, as in a notebook. Returns stdout, stderr, the repr of a final expression, the
 * exception with its traceback, and the matplotlib figures left open (closed afterwards).
 *
 * On timeout the cell is interrupted (KeyboardInterrupt) and the state is kept; if it does not
 * stop within two seconds the interpreter is killed and the state is lost. If the interpreter
 * dies, the result says so and the next call gets a fresh one.
 *
 * @example Keep state between calls
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, pythonExec } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await pythonExec(sandbox, { code: "x = 20" });
 * const { result } = await pythonExec(sandbox, { code: "x * 2 + 2" });
 * equal(result, "42"); // the repr of the final expression; x survived the first call
 * ```
 */
export async function pythonExec(
  sandbox: Sandbox,
  input: PythonExecInput,
  options: PythonExecOptions = {},
): Promise<PythonExecOutput> {
  const blank = input.code.trim() === "";
  if (blank && !input.reset) {
    throw new TypeError("Cannot run code: 'code' is empty (pass reset: true to only reset)");
  }
  if (input.timeout !== undefined && !(input.timeout > 0)) {
    throw new RangeError(`Cannot run code: 'timeout' must be positive, got ${input.timeout}`);
  }
  if (input.reset) {
    await sandbox.resetPython({ signal: options.signal });
    if (blank) return resetOnly();
  }
  const timeout = input.timeout ?? options.defaultTimeout ?? 300;
  await budgetBaseline(sandbox);
  const result = await sandbox.runPython(input.code, {
    timeoutMs: timeout * 1000,
    maxOutputBytes: options.maxOutputBytes,
    maxImageBytes: options.maxImageBytes,
    signal: options.signal,
    onOutput: options.onProgress,
    onWait: options.onProgress,
  });
  const notes = [
    ...result.notes,
    ...await budgetHits(
      sandbox,
      result.died !== null || result.error?.type === "MemoryError" ||
        BUDGET_SIGNS.test(result.stderr) || BUDGET_SIGNS.test(result.error?.message ?? ""),
    ),
  ];
  if (result.died) {
    const how = result.died.signal
      ? `was killed by ${result.died.signal}`
      : `exited with code ${result.died.exitCode}`;
    notes.push(
      `The Python interpreter ${how}${
        result.died.signal === "SIGKILL" ? " (possibly out of memory)" : ""
      }; its variables are lost. The next call starts a fresh interpreter.`,
    );
  } else if (result.timedOut && result.state === "kept") {
    notes.push(
      `Interrupted after ${timeout} s with KeyboardInterrupt; variables set before the interruption are kept.`,
    );
  } else if (result.timedOut) {
    notes.push(
      `Timed out after ${timeout} s and did not stop when interrupted, so the interpreter was killed; its variables are lost. The next call starts a fresh interpreter.`,
    );
  }
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    result: result.result,
    error: result.error,
    images: result.images.map((image) => ({
      mime_type: image.mimeType,
      width: image.width,
      height: image.height,
      bytes: image.bytes,
      data: image.data,
    })),
    timed_out: result.timedOut,
    state: result.state,
    fresh_interpreter: result.freshInterpreter,
    died: result.died && { exit_code: result.died.exitCode, signal: result.died.signal },
    notes,
    duration_ms: Math.round(result.durationMs * 10) / 10,
    truncated: result.truncated,
  };
}

function resetOnly(): PythonExecOutput {
  return {
    stdout: "",
    stderr: "",
    result: null,
    error: null,
    images: [],
    timed_out: false,
    state: "kept",
    fresh_interpreter: true,
    died: null,
    notes: ["The interpreter was reset: all variables and imports are gone."],
    duration_ms: 0,
    truncated: false,
  };
}

/** Whether a python_exec result reports a failure (exception, timeout, crash). */
export function pythonExecFailed(output: PythonExecOutput): boolean {
  return output.error !== null || output.timed_out || output.died !== null ||
    output.state === "lost";
}

/** The MCP input schema of `python_exec`. */
export const pythonExecInputSchema = {
  code: z.string({ error: "code must be a string of Python source" })
    .describe(
      "Python source, run as written in a persistent interpreter (variables and imports survive between calls). The value of a final expression is returned; matplotlib figures come back as images.",
    ),
  timeout: timeoutSchema("the code is interrupted (default 300)"),
  reset: z.boolean({ error: "reset must be true or false" }).optional()
    .describe("Start a fresh interpreter, dropping all variables, before running code."),
};

/** The MCP output schema of `python_exec` (images are described; their data is image content). */
export const pythonExecOutputSchema = {
  stdout: z.string(),
  stderr: z.string(),
  result: z.string().nullable(),
  error: z.object({ type: z.string(), message: z.string(), traceback: z.string() }).nullable(),
  images: z.array(z.object({
    mime_type: z.string(),
    width: z.number(),
    height: z.number(),
    bytes: z.number(),
  })),
  timed_out: z.boolean(),
  state: z.enum(["kept", "lost"]),
  fresh_interpreter: z.boolean(),
  died: z.object({ exit_code: z.number().nullable(), signal: z.string().nullable() }).nullable(),
  notes: z.array(z.string()),
  duration_ms: z.number(),
  truncated: z.boolean(),
};

/**
 * python_exec's result: the output as structured content with the images described, each image
 * itself as image content after it.
 */
function presentPythonExec(
  output: PythonExecOutput,
): Presented<Omit<PythonExecOutput, "images"> & { images: PythonExecImageInfo[] }> {
  const { images, ...rest } = output;
  const described = { ...rest, images: images.map(({ data: _, ...info }) => info) };
  const result = presentJson(described, pythonExecFailed(output));
  for (const image of images) {
    result.content.push({ type: "image", data: image.data, mimeType: image.mime_type });
  }
  return result;
}

/** The `python_exec` tool: its definition, as the registry lists it. */
export const pythonExecTool: ToolDefinition<PythonExecInput, PythonExecOutput> = defineTool({
  name: "python_exec",
  title: "Run Python",
  description:
    "Run Python code in the sandbox's persistent interpreter, like a notebook cell: variables, imports and functions survive between calls. Returns stdout, stderr, the repr of a final expression, and the traceback if the code raised. matplotlib figures left open are returned as PNG images and closed. `reset: true` starts a fresh interpreter first. The code is interrupted after `timeout` seconds (default 300).",
  inputSchema: pythonExecInputSchema,
  outputSchema: pythonExecOutputSchema,
  task: true,
  annotations: RUNS_CODE,
  run: pythonExec,
  present: presentPythonExec,
});
