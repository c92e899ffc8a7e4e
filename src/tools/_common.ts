// Pieces shared by the tool modules: run options, input rules, the way results are presented.

import { z } from "npm:zod@4.6.7";
import type { Sandbox, SandboxResources } from "../sandbox.ts";
import type { SharedDirectory } from "../shares.ts";

/**
 * Options every tool function accepts.
 *
 * @example Follow a tool call's progress and bound its time
 * ```ts ignore
 * import { ok } from "node:assert/strict";
 * import { LocalProvider, shellExec, type ToolOptions } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const progress: string[] = [];
 * const options: ToolOptions = {
 *   signal: AbortSignal.timeout(5_000),
 *   onProgress: (message) => void progress.push(message),
 * };
 * await shellExec(sandbox, { command: "for i in 1 2 3; do echo $i; sleep 1; done" }, options);
 * ok(progress.length > 0); // the latest line of output, while the command runs
 * ```
 */
export interface ToolOptions {
  /** Aborting stops the tool and kills what it started in the sandbox. */
  signal?: AbortSignal;
  /** Called with a short status (usually the latest line of output) while the tool works. */
  onProgress?: (message: string) => void;
}

/**
 * Server-wide limits that tools apply; set once from the configuration.
 *
 * @example Read the limits from the configuration
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { parseCommand, type ToolLimits } from "../../mod.ts";
 * const command = parseCommand(["--timeout", "60"], () => undefined);
 * ok(command.kind === "serve");
 * const limits: ToolLimits = command.config.limits; // tools take them as options
 * equal(limits.defaultTimeout, 60);
 * equal(limits.maxOutputBytes, 100_000); // the default
 * ```
 */
export interface ToolLimits {
  /** Bytes of stdout, and of stderr, a call keeps. */
  maxOutputBytes: number;
  /** Seconds before a call that gave no timeout is stopped. */
  defaultTimeout: number;
  /** Largest image, in bytes, a call returns. */
  maxImageBytes: number;
}

/**
 * Secrets from the server's environment that tools may hand to the sandbox, never show.
 *
 * @example Take git tokens from the environment
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { parseCommand, type ToolCredentials } from "../../mod.ts";
 * const env = (name: string) => name === "GITHUB_TOKEN" ? "ghp_example" : undefined;
 * const command = parseCommand([], env);
 * ok(command.kind === "serve");
 * const credentials: ToolCredentials = command.config.credentials; // gitClone takes them
 * equal(credentials.githubToken, "ghp_example");
 * equal(credentials.gitToken, undefined);
 * ```
 */
export interface ToolCredentials {
  /** Token for https git repositories on the hosts of `gitTokenHosts` (GIT_TOKEN). */
  gitToken?: string;
  /** Token for https://github.com repositories (GITHUB_TOKEN). */
  githubToken?: string;
  /** Hosts (`host` or `host:port`) GIT_TOKEN is sent to; none means nowhere (MCP_GIT_TOKEN_HOSTS). */
  gitTokenHosts?: readonly string[];
}

/**
 * The directories of the user's machine that tools may move files to and from (`host_path`).
 *
 * @example Take the shared directories from the configuration
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { parseCommand, type ToolShares } from "../../mod.ts";
 * const command = parseCommand(["--share", "/srv/data:rw"], () => undefined);
 * ok(command.kind === "serve");
 * const options: ToolShares = { shares: command.config.shares }; // fileUpload takes them
 * equal(options.shares?.[0].mode, "rw");
 * ```
 */
export interface ToolShares {
  /** The shared directories (`--share`); none when unset. */
  shares?: readonly SharedDirectory[];
}

/** What every tool function receives besides the sandbox and its input. */
export type ToolRunOptions = ToolOptions & Partial<ToolLimits> & ToolCredentials & ToolShares;

/** The largest timeout a call may ask for, in seconds (one day). */
export const MAX_TIMEOUT_SECONDS = 86_400;

/** A timeout in seconds, as tools accept it. */
export function timeoutSchema(what: string): z.ZodOptional<z.ZodNumber> {
  return z.number({ error: "timeout must be a number of seconds" })
    .positive("timeout must be greater than 0 seconds")
    .max(MAX_TIMEOUT_SECONDS, `timeout must be at most ${MAX_TIMEOUT_SECONDS} seconds`)
    .optional()
    .describe(`Seconds before ${what}.`);
}

/** Text that must not contain NUL bytes (they cannot pass to a process). */
export function noNul(field: string): z.ZodString {
  return z.string({ error: `${field} must be a string` })
    .refine(
      (text) => !text.includes("\0"),
      `${field} must not contain NUL bytes`,
    ) as unknown as z.ZodString;
}

/** What a sandbox with a measured budget uses now; undefined without one or on error. */
export async function budgetReading(sandbox: Sandbox): Promise<SandboxResources | undefined> {
  return await sandbox.resources?.().catch(() => undefined);
}

// The last reading of each sandbox. Reading costs a round trip to the cgroup helper, so a call
// reads only when its result looks like a budget was hit (a process killed, a fork refused),
// and compares with the reading before: a warm call pays nothing.
const lastReadings = new WeakMap<Sandbox, SandboxResources>();

/** Takes the sandbox's first reading, once; later calls compare with the last one. */
export async function budgetBaseline(sandbox: Sandbox): Promise<void> {
  if (lastReadings.has(sandbox) || !sandbox.resources) return;
  const reading = await budgetReading(sandbox);
  if (reading) lastReadings.set(sandbox, reading);
}

/**
 * Notes on budgets hit since the last reading, read only when `suspicious` (the call's result
 * shows a killed process or a refused fork).
 */
export async function budgetHits(sandbox: Sandbox, suspicious: boolean): Promise<string[]> {
  const before = lastReadings.get(sandbox);
  if (!before || !suspicious) return [];
  const after = await budgetReading(sandbox);
  if (!after) return [];
  lastReadings.set(sandbox, after);
  return budgetNotes(before, after);
}

/** Output that a process killed for memory, a refused fork, or a full disk leaves behind. */
export const BUDGET_SIGNS =
  /Killed|Cannot fork|fork: Resource temporarily unavailable|Cannot allocate memory|MemoryError|No space left on device/;

/**
 * Notes for a call during which the sandbox hit its memory budget (the kernel's OOM kills rose)
 * or its process budget (failed forks rose), from readings before and after the call.
 */
export function budgetNotes(
  before: SandboxResources | undefined,
  after: SandboxResources | undefined,
): string[] {
  if (!before || !after) return [];
  const notes: string[] = [];
  const kills = after.oomKills - before.oomKills;
  if (kills > 0) {
    notes.push(
      `The sandbox's memory budget (${
        Math.round(after.memoryBudgetBytes / 1048576)
      } MiB) was hit and the kernel killed a process (${kills} out-of-memory kill${
        kills === 1 ? "" : "s"
      } since the last check); the sandbox carries on.`,
    );
  }
  const disk = diskFullNote(after);
  if (disk) notes.push(`${disk}.`);
  const forks = (after.forkFailures ?? 0) - (before.forkFailures ?? 0);
  if (forks > 0) {
    notes.push(
      `The sandbox's process budget (${after.processBudget} processes and threads) was hit: ${forks} fork${
        forks === 1 ? "" : "s"
      } failed since the last check.`,
    );
  }
  return notes;
}

/**
 * "The disk budget N GiB of the sandbox is full (…)" when a reading shows its disk (home and
 * /tmp together) at its budget: less than 1% or 1 MiB left.
 */
export function diskFullNote(reading: SandboxResources | undefined): string | undefined {
  const budget = reading?.diskBudgetBytes;
  const free = reading?.diskFreeBytes;
  if (budget === undefined || free === undefined) return undefined;
  if (free >= Math.max(budget / 100, 1048576)) return undefined;
  const size = budget >= 1 << 30
    ? `${Math.round(budget / (1 << 30) * 10) / 10} GiB`
    : `${Math.round(budget / 1048576)} MiB`;
  return `The disk budget ${size} of the sandbox is full (its home and /tmp together); delete files to make room`;
}
