/**
 * `sandbox_delete`: delete a sandbox of this session.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import type { SandboxSession } from "../session.ts";
import type { ToolOptions } from "./_common.ts";
import { defineSessionTool, presentJson, type SessionToolDefinition } from "./_define.ts";

/**
 * Arguments of {@linkcode sandboxDelete}.
 *
 * @example Delete the sandboxes created on request
 * ```ts ignore
 * import { LocalProvider, SandboxSession, silentLogger } from "../../mod.ts";
 * import { sandboxCreate, sandboxDelete, sandboxList } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * await sandboxCreate(session, {});
 * for (const entry of (await sandboxList(session, {})).sandboxes) {
 *   if (!entry.default) await sandboxDelete(session, { sandbox_id: entry.sandbox_id });
 * }
 * ```
 */
export interface SandboxDeleteInput {
  /** The sandbox to delete. */
  sandbox_id: string;
}

/**
 * What {@linkcode sandboxDelete} returns.
 *
 * @example Delete the default sandbox
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, SandboxSession, sandboxDelete, silentLogger } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * const { id } = await session.sandbox();
 * const output = await sandboxDelete(session, { sandbox_id: id });
 * equal(output.deleted, true);
 * equal(
 *   output.message,
 *   `Deleted this session's default sandbox ${id}; the next tool call starts a fresh one.`,
 * );
 * ```
 */
export interface SandboxDeleteOutput {
  /** The deleted sandbox. */
  sandbox_id: string;
  /** Always true; failures are errors. */
  deleted: boolean;
  /** A sentence on what happens next. */
  message: string;
}

/**
 * Deletes a sandbox of this session, with its processes and files, which frees its place under
 * the caps. Deleting the session's default sandbox is allowed: the next tool call gets a fresh
 * one. Any other id, another session's included, is not found, as an id that never existed.
 *
 * @example Delete a sandbox
 * ```ts ignore
 * import { LocalProvider, SandboxSession, sandboxCreate, sandboxDelete, silentLogger } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * const { sandbox_id } = await sandboxCreate(session, {});
 * await sandboxDelete(session, { sandbox_id });
 * ```
 */
export async function sandboxDelete(
  session: SandboxSession,
  input: SandboxDeleteInput,
  options: ToolOptions = {},
): Promise<SandboxDeleteOutput> {
  const wasDefault = (await session.existing())?.id === input.sandbox_id;
  await session.delete(input.sandbox_id, { signal: options.signal });
  return {
    sandbox_id: input.sandbox_id,
    deleted: true,
    message: wasDefault
      ? `Deleted this session's default sandbox ${input.sandbox_id}; the next tool call starts a fresh one.`
      : `Deleted sandbox ${input.sandbox_id}.`,
  };
}

/** The MCP input schema of `sandbox_delete`. */
export const sandboxDeleteInputSchema = {
  sandbox_id: z.string({ error: "sandbox_id must be a string" }).min(
    1,
    "sandbox_id must not be empty",
  )
    .describe("The sandbox to delete (from sandbox_create or sandbox_list)."),
};

/** The MCP output schema of `sandbox_delete`. */
export const sandboxDeleteOutputSchema = {
  sandbox_id: z.string(),
  deleted: z.boolean(),
  message: z.string(),
};

/** The `sandbox_delete` tool: its definition, as the registry lists it. */
export const sandboxDeleteTool: SessionToolDefinition<SandboxDeleteInput, SandboxDeleteOutput> =
  defineSessionTool({
    name: "sandbox_delete",
    title: "Delete a sandbox",
    description:
      "Delete a sandbox of this session, with all its processes and files; this frees its place under the caps. Deleting the default sandbox is allowed; the next call gets a fresh one. Any other id is not found.",
    inputSchema: sandboxDeleteInputSchema,
    outputSchema: sandboxDeleteOutputSchema,
    annotations: {
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: true,
    },
    run: sandboxDelete,
    present: (output) => presentJson(output, false),
  });
