// One tool call, whatever the protocol revision: progress while it runs (with a heartbeat), the
// tool's result presented, and an exception turned into a tool error. Both MCP adapters (the
// 2025-era one in server.ts on SDK 1.x, the 2026-07-28 one in modern.ts on SDK 2.x) call this, so
// a tool behaves the same on either.

import type { SharedDirectory } from "./shares.ts";
import { z } from "npm:zod@4.6.7";
import type { Logger } from "./log.ts";
import type {
  AnySessionToolDefinition,
  AnyToolDefinition,
  ToolCredentials,
  ToolLimits,
  ToolRunOptions,
} from "./registry.ts";
import type { Sandbox } from "./sandbox.ts";
import type { SandboxSession } from "./session.ts";

/** How often a long call with a progress token reports, even when it prints nothing. */
export const HEARTBEAT_MS = 2000;

/** Every sandbox tool also takes the sandbox to work in. */
export const SANDBOX_ID: z.ZodOptional<z.ZodString> = z.string({
  error: "sandbox_id must be a string",
}).min(1).optional().describe(
  "Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.",
);

/** The `_meta` key of a tool result naming the sandbox the call ran in (2026-07-28). */
export const SANDBOX_META_KEY = "daytona-mcp-interpreter/sandbox_id";

/**
 * The most one result may hold as JSON: the SDK's stdio client reads at most 10 MiB in one message
 * (a larger one ends its connection), and the JSON-RPC envelope around a result takes a little.
 */
export const MAX_RESULT_BYTES = 10 * 1024 * 1024 - 4096;

/**
 * The size of `result` as JSON when it is over {@linkcode MAX_RESULT_BYTES}, else undefined. Every
 * tool caps what it returns, but escaping can grow text sixfold (a control character is `\u0001`)
 * and a sandbox's supervisor may be code of the sandbox's: this is the check behind those caps.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { oversized } from "./_call.ts";
 * equal(oversized({ content: [{ type: "text", text: "ok" }] }), undefined);
 * equal(oversized({ content: [{ type: "text", text: "\x01".repeat(2_000_000) }] })! > 10e6, true);
 * ```
 */
export function oversized(result: unknown): number | undefined {
  const json = JSON.stringify(result);
  if (json.length * 3 <= MAX_RESULT_BYTES) return undefined; // fits even as 3-byte characters
  const bytes = new TextEncoder().encode(json).length;
  return bytes > MAX_RESULT_BYTES ? bytes : undefined;
}

/** A tool result as both SDKs take it. */
export interface CallResult {
  content: unknown[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What a call needs from the adapter that received it. */
export interface CallContext {
  /** Aborts when the client cancels or goes away. */
  signal: AbortSignal;
  /** The request's progress token, if the client sent one. */
  progressToken?: string | number;
  /** Sends `notifications/progress`; failures are ignored. */
  sendProgress(params: { progressToken: string | number; progress: number; message: string }): void;
  /** Told each progress message (the latest line of output), with or without a progress token. */
  onStatus?(message: string): void;
  /** Told the sandbox the call works in, once it has it (2026-07-28, where calls name it). */
  onSandbox?(sandbox: Sandbox): void;
}

/** What every call shares. */
export interface CallSetup {
  session: SandboxSession;
  limits: ToolLimits;
  credentials?: ToolCredentials;
  /** Directories of this machine the file tools' `host_path` may name (`--share`). */
  shares?: readonly SharedDirectory[];
  log: Logger;
}

/**
 * Runs `call` as the tool `tool`, with progress while it runs, and presents its output. An
 * exception becomes a tool error (`isError: true`) carrying its message.
 */
export async function runCall(
  tool: AnyToolDefinition | AnySessionToolDefinition,
  setup: CallSetup,
  context: CallContext,
  call: (run: ToolRunOptions) => Promise<unknown>,
): Promise<CallResult> {
  const started = performance.now();
  const done = setup.session.begin();
  const { progressToken } = context;
  let progress = 0;
  let latest = `${tool.name} is running`;
  const report = (message: string) =>
    context.sendProgress({ progressToken: progressToken!, progress: ++progress, message });
  const onProgress = progressToken === undefined && !context.onStatus
    ? undefined
    : (message: string) => {
      latest = message;
      context.onStatus?.(message);
      if (progressToken !== undefined) report(message);
    };
  // Some clients reset their timeout only on progress: keep it coming while output is quiet.
  const heartbeat = progressToken === undefined
    ? undefined
    : setInterval(() => report(latest), HEARTBEAT_MS);
  try {
    const output = await call({
      ...setup.limits,
      ...setup.credentials,
      shares: setup.shares,
      signal: context.signal,
      onProgress,
    });
    let result = tool.present(output) as CallResult;
    const bytes = oversized(result);
    if (bytes !== undefined) {
      result = {
        content: [{
          type: "text",
          text: `Cannot return the result of ${tool.name}: it is ${
            (bytes / 1024 / 1024).toFixed(1)
          } MiB as JSON, over the 10 MiB a client reads in one message (text full of control characters grows sixfold when escaped); ask for less, or write the output to a file and read it in parts`,
        }],
        isError: true,
      };
    }
    setup.log.debug(
      `${tool.name}: ${result.isError ? "failed" : "ok"} in ${
        Math.round(performance.now() - started)
      } ms`,
    );
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    setup.log.warn(`${tool.name}: ${message}`);
    return { content: [{ type: "text", text: message }], isError: true };
  } finally {
    clearInterval(heartbeat);
    done();
  }
}
