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
  /** The persistent workspace deleted with it (all its files), or null. */
  workspace: string | null;
  /** A sentence on what happens next. */
  message: string;
}

/**
 * Deletes a sandbox of this session, with its processes and files, which frees its place under
 * the caps. Deleting the session's default sandbox is allowed: the next tool call gets a fresh
 * one. A persistent workspace's id (from `sandbox_list`, attached or not) deletes the workspace
 * and all its files. Any other id, another session's included, is not found, as an id that
 * never existed.
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
  const id = input.sandbox_id;
  const deleted = await session.delete(id, { signal: options.signal });
  const what = deleted.workspace === undefined
    ? ""
    : ` and the persistent workspace ${deleted.workspace} with all its files`;
  return {
    sandbox_id: id,
    deleted: true,
    workspace: deleted.workspace ?? null,
    message: deleted.default
      ? `Deleted this session's default sandbox ${id}${what}; the next tool call starts a fresh one.`
      : `Deleted sandbox ${id}${what}.`,
  };
}

/** The MCP input schema of `sandbox_delete`. */
export const sandboxDeleteInputSchema = {
  sandbox_id: z.string({ error: "sandbox_id must be a string" }).min(
    1,
    "sandbox_id must not be empty",
  )
    .describe(
      "The sandbox to delete (from sandbox_create or sandbox_list); a persistent workspace's id deletes the workspace with all its files.",
    ),
};

/** The MCP output schema of `sandbox_delete`. */
export const sandboxDeleteOutputSchema = {
  sandbox_id: z.string(),
  deleted: z.boolean(),
  workspace: z.string().nullable(),
  message: z.string(),
};

/** The `sandbox_delete` tool: its definition, as the registry lists it. */
export const sandboxDeleteTool: SessionToolDefinition<SandboxDeleteInput, SandboxDeleteOutput> =
  defineSessionTool({
    name: "sandbox_delete",
    title: "Delete a sandbox",
    description:
      "Delete a sandbox of this session, with all its processes and files; this frees its place under the caps. Deleting the default sandbox is allowed; the next call gets a fresh one. A persistent workspace's sandbox_id (from sandbox_list, attached or not) deletes that workspace and all its files for good; ending the session never does. Any other id is not found.",
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
