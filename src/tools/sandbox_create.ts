/**
 * `sandbox_create`: make an additional sandbox for this session.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import type { SandboxSession } from "../session.ts";
import { WORKSPACE_NAME } from "../workspace.ts";
import type { ToolOptions } from "./_common.ts";
import { defineSessionTool, presentJson, type SessionToolDefinition } from "./_define.ts";

/**
 * Arguments of {@linkcode sandboxCreate}.
 *
 * @example Create a larger Daytona sandbox from an image
 * ```ts ignore
 * import { DaytonaProvider } from "../providers/daytona/mod.ts";
 * import { SandboxSession, sandboxCreate, silentLogger } from "../../mod.ts";
 * import type { SandboxCreateInput } from "../../mod.ts";
 * await using provider = new DaytonaProvider({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * await using session = new SandboxSession(provider, silentLogger());
 * const input: SandboxCreateInput = { image: "python:3.12-slim", cpu: 2, memory: 4, disk: 10 };
 * const { sandbox_id } = await sandboxCreate(session, { ...input, labels: { job: "train" } });
 * ```
 */
export interface SandboxCreateInput {
  /** Container image to build from (Daytona), e.g. "python:3.12-slim". */
  image?: string;
  /** Snapshot to start from (Daytona). */
  snapshot?: string;
  /** Environment variables for every process in the sandbox. */
  env?: Record<string, string>;
  /** CPU cores (Daytona, with an image). */
  cpu?: number;
  /** Memory in GiB (Daytona, with an image). */
  memory?: number;
  /** Disk in GiB (Daytona, with an image). */
  disk?: number;
  /** Cut the sandbox off the network. */
  network_block_all?: boolean;
  /**
   * What it may reach: domains (`*.example.org` for subdomains) on the local provider, IPv4 CIDR
   * blocks on Daytona.
   */
  network_allow_list?: string[];
  /** Minutes of inactivity before it stops (Daytona). */
  auto_stop_minutes?: number;
  /** Labels to tell sandboxes apart. */
  labels?: Record<string, string>;
  /** The persistent workspace's name (with `persistent`): made if new, attached again if not. */
  name?: string;
  /** Keep it after the session and the server end, as the workspace `name`. @default false */
  persistent?: boolean;
}

/**
 * What {@linkcode sandboxCreate} returns.
 *
 * @example Run a command in the new sandbox
 * ```ts ignore
 * import { deepEqual, equal } from "node:assert/strict";
 * import { LocalProvider, SandboxSession, silentLogger } from "../../mod.ts";
 * import { sandboxCreate, shellExec } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * const created = await sandboxCreate(session, {});
 * const sandbox = await session.sandbox({ id: created.sandbox_id });
 * deepEqual([created.provider, created.home], ["local", "/home/sandbox"]);
 * equal((await shellExec(sandbox, { command: "pwd" })).stdout, "/home/sandbox\n");
 * ```
 */
export interface SandboxCreateOutput {
  /** Pass it as sandbox_id to other tools. */
  sandbox_id: string;
  /** "local" or "daytona". */
  provider: string;
  /** Its home directory, the default working directory. */
  home: string;
  /** Whether it is a persistent workspace, kept when the session ends. */
  persistent: boolean;
  /** The persistent workspace's name, or null. */
  name: string | null;
  /** Whether an existing workspace was attached again (its files as left, no processes). */
  reattached: boolean;
  /** A sentence on how to use it. */
  message: string;
}

/**
 * Creates another sandbox for this session, next to the default one; other tools reach it with
 * `sandbox_id`. It is deleted when the session ends, or by `sandbox_delete`. At the session's or
 * the server's cap on sandboxes it throws, naming the cap. With `persistent` and `name` it is the
 * persistent workspace of that name instead, made if new and attached again if not; it outlives
 * the session (only `sandbox_delete` deletes it). Bad arguments throw a TypeError.
 *
 * @example Create a second sandbox
 * ```ts ignore
 * import { LocalProvider, SandboxSession, sandboxCreate, silentLogger } from "../../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * const { sandbox_id } = await sandboxCreate(session, { env: { MODE: "test" } });
 * ```
 */
export async function sandboxCreate(
  session: SandboxSession,
  input: SandboxCreateInput,
  options: ToolOptions = {},
): Promise<SandboxCreateOutput> {
  const { name, persistent = false } = input;
  if (persistent && name === undefined) {
    throw new TypeError(
      "Cannot create a persistent workspace without a name: pass name, the one to attach it by later",
    );
  }
  if (!persistent && name !== undefined) {
    throw new TypeError(
      `Cannot name a sandbox that is not persistent: pass persistent=true to make (or attach again) the workspace ${name}`,
    );
  }
  const existing = persistent
    ? (await session.workspaces({ signal: options.signal })).find((w) => w.name === name)
    : undefined;
  const sandbox = await session.create({
    image: input.image,
    snapshot: input.snapshot,
    env: input.env,
    cpu: input.cpu,
    memory: input.memory,
    disk: input.disk,
    networkBlockAll: input.network_block_all,
    networkAllowList: input.network_allow_list,
    autoStopMinutes: input.auto_stop_minutes,
    labels: input.labels,
    workspace: persistent ? name : undefined,
    signal: options.signal,
  });
  const use = `Pass sandbox_id="${sandbox.id}" to other tools to use it`;
  // The model decides how much to run there: it should know when nothing holds the sandbox back.
  const unbudgeted = sandbox.info.unbudgeted === undefined
    ? ""
    : ` This machine does not hold it to a budget for ${sandbox.info.unbudgeted}: only per-process limits bound it, so keep its memory, CPU and disk use modest.`;
  return {
    sandbox_id: sandbox.id,
    provider: sandbox.info.provider,
    home: sandbox.info.home,
    persistent,
    name: persistent ? name! : null,
    reattached: existing !== undefined,
    message:
      (!persistent
        ? `Created sandbox ${sandbox.id}. ${use}; it is deleted when this session ends.`
        : existing?.state === "attached"
        ? `Workspace ${name} is already attached in this session as sandbox ${sandbox.id}. ${use}.`
        : existing
        ? `Attached workspace ${name} again as sandbox ${sandbox.id}: its files are as they were left, but no process from before runs and Python starts fresh (the options other than name apply only when a workspace is made). ${use}; it is kept when this session ends, and only sandbox_delete deletes it.`
        : `Created the persistent workspace ${name} as sandbox ${sandbox.id}: its files survive this session and a restart of the server (its processes do not); attach it again with sandbox_create(name="${name}", persistent=true). ${use}; only sandbox_delete deletes it.`) +
      unbudgeted,
  };
}

const labelName = /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,62}$/;

/** The MCP input schema of `sandbox_create`. */
export const sandboxCreateInputSchema = {
  image: z.string().min(1).optional().describe("Container image (Daytona), e.g. python:3.12-slim."),
  snapshot: z.string().min(1).optional().describe("Snapshot to start from (Daytona)."),
  env: z.record(z.string(), z.string()).optional()
    .describe("Environment variables for every process in the sandbox."),
  cpu: z.number().int().positive().max(64).optional()
    .describe("CPU cores (Daytona, with image; local: at most the server's budget)."),
  memory: z.number().int().positive().max(256).optional()
    .describe("Memory in GiB (Daytona; local: at most the server's budget)."),
  disk: z.number().int().positive().max(1024).optional()
    .describe("Disk in GiB (Daytona; local: home and /tmp together, at most the server's budget)."),
  network_block_all: z.boolean().optional().describe("Cut the sandbox off the network."),
  network_allow_list: z.array(
    z.string().regex(
      /^(\*\.)?[A-Za-z0-9.-]+(\/\d{1,2})?$/,
      "network_allow_list entries are domains (*.example.org for subdomains) or CIDR blocks",
    ),
  ).min(1).max(64).optional()
    .describe(
      "Only these may be reached: domains, *.example.org for subdomains (local provider, enforced by its proxy), or IPv4 CIDR blocks (Daytona).",
    ),
  auto_stop_minutes: z.number().int().min(0).max(10080).optional()
    .describe("Minutes of inactivity before it stops (Daytona; 0 = never)."),
  labels: z.record(
    z.string().regex(labelName, "label names are letters, digits, '.', '_', '/' and '-'"),
    z.string().max(63),
  ).optional().describe("Labels to tell sandboxes apart."),
  name: z.string().regex(
    WORKSPACE_NAME,
    "name is 1 to 63 lower-case letters, digits, '.', '_' and '-', starting with a letter or digit",
  ).optional().describe(
    "With persistent=true: the workspace's name, to attach it again later (e.g. after a restart).",
  ),
  persistent: z.boolean().optional().describe(
    "Keep the sandbox's files after the session ends, as the workspace `name`; an existing workspace of that name is attached again.",
  ),
};

/** The MCP output schema of `sandbox_create`. */
export const sandboxCreateOutputSchema = {
  sandbox_id: z.string(),
  provider: z.string(),
  home: z.string(),
  persistent: z.boolean(),
  name: z.string().nullable(),
  reattached: z.boolean(),
  message: z.string(),
};

/** The `sandbox_create` tool: its definition, as the registry lists it. */
export const sandboxCreateTool: SessionToolDefinition<SandboxCreateInput, SandboxCreateOutput> =
  defineSessionTool({
    name: "sandbox_create",
    title: "Create a sandbox",
    description:
      "Create another sandbox for this session (the default one is created automatically on first use). Options: image or snapshot (Daytona), env, cpu/memory/disk (Daytona), network_block_all (both providers), network_allow_list (local: domains, enforced by the sandbox's proxy; Daytona: IPv4 CIDR blocks), auto_stop_minutes (Daytona), labels. Returns its sandbox_id, which every other tool accepts. It is deleted when the session ends, unless persistent=true with a name: then it is a persistent workspace, whose files survive the session and a server restart (not its processes), attached again by the same call with the same name; sandbox_list shows workspaces, sandbox_delete deletes one. Sandboxes are capped per session (the default one included) and per server; at a cap this fails and says how to free one.",
    inputSchema: sandboxCreateInputSchema,
    outputSchema: sandboxCreateOutputSchema,
    annotations: {
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    },
    run: sandboxCreate,
    present: (output) => presentJson(output, false),
  });
