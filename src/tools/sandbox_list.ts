/**
 * `sandbox_list`: this session's sandboxes.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import type { SandboxSession } from "../session.ts";
import type { ToolOptions } from "./_common.ts";
import {
  defineSessionTool,
  presentJson,
  READ_ONLY,
  type SessionToolDefinition,
} from "./_define.ts";

/**
 * One sandbox in {@linkcode SandboxListOutput}.
 *
 * @example Find the sandboxes created on request
 * ```ts ignore
 * import { deepEqual } from "node:assert/strict";
 * import { LocalProvider, SandboxSession, silentLogger } from "../../mod.ts";
 * import { sandboxCreate, sandboxList } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * await session.sandbox(); // the default sandbox
 * await sandboxCreate(session, { labels: { role: "worker" } });
 * const { sandboxes } = await sandboxList(session, {});
 * const extra = sandboxes.filter((entry) => !entry.default);
 * deepEqual(extra.map((entry) => entry.labels.role), ["worker"]);
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
  /** Whether it is a persistent workspace, kept when the session ends. */
  persistent: boolean;
  /** The persistent workspace's name, or null. */
  name: string | null;
  /**
   * Whether this session has it open, so other tools take its sandbox_id. False for a persistent
   * workspace not attached here: `sandbox_create(name, persistent=true)` attaches it (unless its
   * state is "in_use": another server or session holds it).
   */
  attached: boolean;
  /**
   * What it uses now against its budget; null where unknown (a Daytona sandbox, or a local one
   * without a control group).
   */
  usage?: SandboxListUsage | null;
}

/**
 * A sandbox's use of its budget in {@linkcode SandboxListEntry}.
 *
 * @example Warn about a sandbox near its memory budget
 * ```ts ignore
 * import { deepEqual } from "node:assert/strict";
 * import { LocalProvider, SandboxSession, sandboxList, silentLogger } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * await session.sandbox();
 * const nearBudget = (await sandboxList(session, {})).sandboxes
 *   .filter(({ usage }) => usage && usage.memory_mib > 0.9 * usage.memory_budget_mib)
 *   .map(({ sandbox_id }) => sandbox_id);
 * deepEqual(nearBudget, []); // a fresh sandbox uses little of its memory budget
 * ```
 */
export interface SandboxListUsage {
  /** MiB of memory in use, page cache and RAM-backed files (/dev/shm) included. */
  memory_mib: number;
  /** MiB of memory it may use; past it the kernel kills a process. */
  memory_budget_mib: number;
  /** Processes and threads now. */
  processes: number;
  /** Processes and threads it may have. */
  processes_budget: number;
  /** CPU seconds used since it started. */
  cpu_seconds: number;
  /** Processes the kernel killed for going over the memory budget, since it started. */
  oom_kills: number;
  /** MiB its home and /tmp hold, where a disk budget is enforced. */
  disk_mib?: number;
  /** MiB its home and /tmp may hold together; past it writes fail (disk full). */
  disk_budget_mib?: number;
}

/**
 * What {@linkcode sandboxList} returns.
 *
 * @example Count this session's sandboxes
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, SandboxSession, sandboxList, silentLogger } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * await session.sandbox();
 * const output = await sandboxList(session, {});
 * equal(output.sandboxes.length, 1);
 * equal(output.sandboxes[0].default, true);
 * ```
 */
export interface SandboxListOutput {
  /**
   * This session's sandboxes, never another session's; then, where the server offers them,
   * the persistent workspaces this session has not attached.
   */
  sandboxes: SandboxListEntry[];
}

/**
 * Lists this session's sandboxes that still exist; sandboxes of other sessions, or made by
 * anyone or anything else, are never listed. Where the session allows persistent workspaces
 * (a server over stdio), the user's workspaces it has not attached follow, with
 * `attached: false`.
 *
 * @example List sandboxes
 * ```ts ignore
 * import { deepEqual } from "node:assert/strict";
 * import { LocalProvider, SandboxSession, sandboxList, silentLogger } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * deepEqual((await sandboxList(session, {})).sandboxes, []); // no sandbox until the first call
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
      persistent: s.workspace !== undefined,
      name: s.workspace ?? null,
      attached: s.attached,
      usage: s.usage && {
        memory_mib: Math.round(s.usage.memoryBytes / 1048576 * 10) / 10,
        memory_budget_mib: Math.round(s.usage.memoryBudgetBytes / 1048576),
        processes: s.usage.processes,
        processes_budget: s.usage.processBudget,
        cpu_seconds: Math.round(s.usage.cpuSeconds * 100) / 100,
        oom_kills: s.usage.oomKills,
        ...(s.usage.diskBudgetBytes === undefined ? {} : {
          disk_mib: Math.round((s.usage.diskBytes ?? 0) / 1048576 * 10) / 10,
          disk_budget_mib: Math.round(s.usage.diskBudgetBytes / 1048576),
        }),
      },
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
    persistent: z.boolean(),
    name: z.string().nullable(),
    attached: z.boolean(),
    usage: z.object({
      memory_mib: z.number(),
      memory_budget_mib: z.number(),
      processes: z.number(),
      processes_budget: z.number(),
      cpu_seconds: z.number(),
      oom_kills: z.number(),
      disk_mib: z.number().optional(),
      disk_budget_mib: z.number().optional(),
    }).nullable().optional(),
  })),
};

/** The `sandbox_list` tool: its definition, as the registry lists it. */
export const sandboxListTool: SessionToolDefinition<Record<string, never>, SandboxListOutput> =
  defineSessionTool({
    name: "sandbox_list",
    title: "List sandboxes",
    description:
      "List this session's sandboxes (never another session's), with their state and labels; `default` marks the session's default sandbox. Persistent workspaces have `persistent: true` and their `name`; those not attached in this session are listed too (`attached: false`, state `stopped`, or `in_use` when another server holds one): attach one with sandbox_create(name, persistent=true).",
    inputSchema: sandboxListInputSchema,
    outputSchema: sandboxListOutputSchema,
    annotations: { ...READ_ONLY, openWorldHint: true },
    run: sandboxList,
    present: (output) => presentJson(output, false),
  });
