/**
 * `sandbox_list`: this session's sandboxes.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import type { SandboxSession } from "../session.ts";
import type { ToolOptions } from "./_common.ts";

/**
 * One sandbox in {@linkcode SandboxListOutput}.
 *
 * @example Find the sandboxes created on request
 * ```ts ignore
 * import { LocalProvider, SandboxSession, silentLogger } from "../../mod.ts";
 * import { sandboxCreate, sandboxList } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * await session.sandbox(); // the default sandbox
 * await sandboxCreate(session, { labels: { role: "worker" } });
 * const { sandboxes } = await sandboxList(session, {});
 * const extra = sandboxes.filter((entry) => !entry.default);
 * console.log(extra.map((entry) => entry.labels.role)); // ["worker"]
 * ```
 */
export interface SandboxListEntry {
  /** Its id, for sandbox_id. */
  sandbox_id: string;
  /** The provider's word for its state, e.g. "started". */
  state: string;
  /** Its labels. */
  labels: Record<string, string>;
  /** When it was created, if known. */
  created_at: string | null;
  /** Whether it is this session's default sandbox. */
  default: boolean;
}

/**
 * What {@linkcode sandboxList} returns.
 *
 * @example Count this session's sandboxes
 * ```ts ignore
 * import { LocalProvider, SandboxSession, sandboxList, silentLogger } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * await session.sandbox();
 * const output = await sandboxList(session, {});
 * console.log(output.sandboxes.length, output.sandboxes[0].default); // 1 true
 * ```
 */
export interface SandboxListOutput {
  /** This session's sandboxes, never another session's. */
  sandboxes: SandboxListEntry[];
}

/**
 * Lists this session's sandboxes that still exist; sandboxes of other sessions, or made by
 * anyone or anything else, are never listed.
 *
 * @example List sandboxes
 * ```ts ignore
 * import { LocalProvider, SandboxSession, sandboxList, silentLogger } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * console.log((await sandboxList(session, {})).sandboxes);
 * ```
 */
export async function sandboxList(
  session: SandboxSession,
  _input: Record<string, never>,
  options: ToolOptions = {},
): Promise<SandboxListOutput> {
  const found = await session.list({ signal: options.signal });
  return {
    sandboxes: found.map((s) => ({
      sandbox_id: s.id,
      state: s.state,
      labels: s.labels,
      created_at: s.createdAt ?? null,
      default: s.default,
    })),
  };
}

/** The MCP input schema of `sandbox_list`. */
export const sandboxListInputSchema = {};

/** The MCP output schema of `sandbox_list`. */
export const sandboxListOutputSchema = {
  sandboxes: z.array(z.object({
    sandbox_id: z.string(),
    state: z.string(),
    labels: z.record(z.string(), z.string()),
    created_at: z.string().nullable(),
    default: z.boolean(),
  })),
};
