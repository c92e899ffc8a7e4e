/**
 * One MCP session's view of sandboxes: its default sandbox is created on first use and replaced
 * if it dies; sandboxes it creates on request can be addressed by id; all of them are deleted
 * with the session. A session sees only its own sandboxes: any other id, another session's
 * included, is "not found", exactly like an id that never existed. Caps on the number of
 * sandboxes, per session and across a server's sessions, are counted here too, so they hold
 * whatever the provider.
 *
 * In a deployment of several servers (replicas behind a balancer, see
 * {@linkcode SandboxSessionOptions.shared}) a session's sandboxes are its tenant's, on every
 * server: an id this server never saw is looked up through the provider, and closing the session
 * forgets its sandboxes instead of deleting them.
 *
 * Persistent workspaces are the exception, where the session allows them (a server with one
 * client, over stdio): they belong to the user who runs the server, not to a session, so a
 * session lists those it has not attached too, attaches them by name, and deletes them by id.
 * Closing the session closes their sandboxes and keeps the workspaces.
 *
 * @module
 */

import type { Logger } from "./log.ts";
import {
  type CreateSandboxOptions,
  type Sandbox,
  SandboxError,
  type SandboxProvider,
  type SandboxResources,
  type SandboxSummary,
  type SignalOptions,
  type WorkspaceSummary,
} from "./sandbox.ts";
import { checkWorkspaceName } from "./workspace.ts";

/**
 * A place for one sandbox in a {@linkcode SandboxCounter}, taken before the sandbox is created.
 * It stops counting once released, or once the sandbox it holds is closed or dead.
 *
 * @example Count a sandbox from its creation on
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, SandboxCounter } from "../mod.ts";
 * await using provider = new LocalProvider();
 * const counter = new SandboxCounter(2);
 * const slot = counter.take()!; // counted from now on, while the sandbox is being created
 * const sandbox = await provider.create().catch((error) => {
 *   slot.release();
 *   throw error;
 * });
 * slot.hold(sandbox);
 * await sandbox.close();
 * equal(counter.count, 0); // a closed sandbox frees its place
 * ```
 */
export interface SandboxSlot {
  /** The sandbox now created in this place; the place frees itself when the sandbox closes. */
  hold(sandbox: Sandbox): void;
  /** Frees the place, e.g. because the creation failed. Idempotent. */
  release(): void;
}

/**
 * Counts sandboxes against a cap: those being created and those open. One counter is shared by
 * every session of a server for the cap across sessions; each session has its own for its cap.
 * Closed and dead sandboxes are not counted, so deleting one frees its place at once.
 *
 * @example Share a server-wide cap between sessions
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, SandboxCounter, SandboxSession, silentLogger } from "../mod.ts";
 * await using provider = new LocalProvider();
 * const counter = new SandboxCounter(16);
 * await using a = new SandboxSession(provider, silentLogger(), { counter, maxSandboxes: 4 });
 * await using b = new SandboxSession(provider, silentLogger(), { counter, maxSandboxes: 4 });
 * await Promise.all([a.sandbox(), b.sandbox()]);
 * equal(counter.count, 2);
 * ```
 */
export class SandboxCounter {
  /** The most sandboxes counted at once; 0 means no limit. */
  readonly max: number;
  #slots = new Set<{ sandbox?: Sandbox }>();

  /** A counter allowing `max` sandboxes at once (0: no limit). Throws a RangeError for others. */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`Cannot count sandboxes: max must be a whole number, got ${max}`);
    }
    this.max = max;
  }

  /** How many sandboxes are being created or open now. */
  get count(): number {
    for (const slot of this.#slots) if (slot.sandbox?.closed) this.#slots.delete(slot);
    return this.#slots.size;
  }

  /** Takes a place for a sandbox about to be created, or returns undefined at the cap. */
  take(): SandboxSlot | undefined {
    if (this.max > 0 && this.count >= this.max) return undefined;
    const slot: { sandbox?: Sandbox } = {};
    this.#slots.add(slot);
    return {
      hold: (sandbox) => slot.sandbox = sandbox,
      release: () => this.#slots.delete(slot),
    };
  }
}

/**
 * Options for {@linkcode SandboxSession}.
 *
 * @example A session with at most two sandboxes, within a server-wide cap of ten
 * ```ts ignore
 * import { rejects } from "node:assert/strict";
 * import { LocalProvider, SandboxCounter, SandboxSession, silentLogger } from "../mod.ts";
 * import type { SandboxSessionOptions } from "../mod.ts";
 * await using provider = new LocalProvider();
 * const options: SandboxSessionOptions = { maxSandboxes: 2, counter: new SandboxCounter(10) };
 * await using session = new SandboxSession(provider, silentLogger(), options);
 * await session.sandbox();
 * await session.create();
 * await rejects(session.create(), /Cannot create a sandbox: this session already has 2 sandboxes/);
 * ```
 */
export interface SandboxSessionOptions {
  /** The most sandboxes the session has at once, its default one included; 0 means no limit. @default 4 */
  maxSandboxes?: number;
  /** The server's count across all its sessions, which caps them together. @default no such cap */
  counter?: SandboxCounter;
  /**
   * Whether the session may attach, list and delete persistent workspaces. They are the user's,
   * shared by every session that allows them, so a server with several clients (HTTP) turns
   * this off to keep sessions apart. @default true
   */
  workspaces?: boolean;
  /** Make the default sandbox this persistent workspace (it needs `workspaces`). */
  workspace?: string;
  /**
   * The tenant its sandboxes are created for ({@linkcode CreateSandboxOptions.tenant}): the local
   * provider's sandboxes of one tenant share a package cache, and no other tenant's see it.
   * @default an id of its own, shared with no other session
   */
  tenant?: string;
  /**
   * Whether the session's sandboxes are shared with the other servers of a deployment (needs a
   * provider with {@linkcode SandboxProvider.find} and a `tenant`): a sandbox of the tenant that
   * another server made is found by id, `list` shows every sandbox of the tenant, and `close`
   * forgets the sandboxes instead of deleting them (only `delete`, or the provider's own idle
   * policy, deletes them). The caps then count what this server made for the session while it
   * was open. @default false
   */
  shared?: boolean;
}

/**
 * Options for {@linkcode SandboxSession.sandbox}.
 *
 * @example Use a sandbox created on request
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, SandboxSession, silentLogger } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using session = new SandboxSession(provider, silentLogger());
 * const extra = await session.create();
 * const sandbox = await session.sandbox({ id: extra.id, signal: AbortSignal.timeout(10_000) });
 * equal(sandbox, extra);
 * ```
 */
export interface SessionSandboxOptions extends SignalOptions {
  /** A sandbox other than the default one, by id; it must have been created by this session. */
  id?: string;
  /** For a default sandbox created now: see {@linkcode CreateSandboxOptions.onStarted}. */
  onStarted?: () => void;
}

/**
 * A sandbox as {@linkcode SandboxSession.list} reports it.
 *
 * @example Mark the default sandbox
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, SandboxSession, silentLogger } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using session = new SandboxSession(provider, silentLogger());
 * const main = await session.sandbox();
 * const extra = await session.create();
 * const summaries = await session.list();
 * equal(summaries.find((summary) => summary.default)?.id, main.id);
 * equal(summaries.find((summary) => !summary.default)?.id, extra.id);
 * ```
 */
export interface SessionSandboxSummary extends SandboxSummary {
  /** Whether it is this session's default sandbox. */
  default: boolean;
  /**
   * Whether this session has it open, so tools reach it by id; false only for a persistent
   * workspace it has not attached (attach it with {@linkcode SandboxSession.create}).
   */
  attached: boolean;
  /** What it uses now against its budget, or null where unknown (see {@linkcode Sandbox.resources}). */
  usage: SandboxResources | null;
}

/**
 * Hands out a session's sandboxes, creating the default one lazily.
 *
 * @example Give tools a session's default sandbox
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, SandboxSession, shellExec, silentLogger } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using session = new SandboxSession(provider, silentLogger());
 * const sandbox = await session.sandbox(); // created now, on first use
 * equal((await shellExec(sandbox, { command: "pwd" })).stdout, "/home/sandbox\n");
 * ```
 */
export class SandboxSession implements AsyncDisposable {
  #provider: SandboxProvider;
  #log: Logger;
  #current: Promise<Sandbox> | undefined;
  #extra = new Map<string, Sandbox>();
  #own: SandboxCounter;
  #server: SandboxCounter | undefined;
  #tenant: string;
  #closed = false;
  #busy = 0;
  #lastActive = Date.now();
  #workspaces: boolean;
  #workspace: string | undefined;
  #shared: boolean;
  /** Places in the caps taken by sandboxes this shared session made; freed when it closes. */
  #slots: SandboxSlot[] = [];

  /**
   * A session whose sandboxes come from `provider`, at most `options.maxSandboxes` of them, and
   * counted in `options.counter` when the server caps all its sessions together.
   */
  constructor(provider: SandboxProvider, log: Logger, options: SandboxSessionOptions = {}) {
    this.#provider = provider;
    this.#log = log;
    this.#own = new SandboxCounter(options.maxSandboxes ?? 4);
    this.#server = options.counter;
    this.#tenant = options.tenant ?? `session-${crypto.randomUUID()}`;
    this.#workspaces = options.workspaces ?? true;
    this.#shared = options.shared ?? false;
    if (this.#shared && (!provider.find || options.tenant === undefined)) {
      throw new TypeError(
        `Cannot share a session's sandboxes: ${
          provider.find
            ? "the session has no tenant"
            : `the ${provider.name} provider cannot find another server's sandboxes`
        }`,
      );
    }
    if (options.workspace !== undefined) {
      checkWorkspaceName(options.workspace);
      if (!this.#workspaces) {
        throw new TypeError(
          `Cannot make workspace ${options.workspace} the default sandbox: this session does not allow persistent workspaces`,
        );
      }
      this.#workspace = options.workspace;
    }
  }

  /** Whether this session may attach, list and delete persistent workspaces. */
  get allowsWorkspaces(): boolean {
    return this.#workspaces;
  }

  /** How many sandboxes the session has open or being created. */
  get sandboxCount(): number {
    return this.#own.count;
  }

  /** Marks a tool call as running until the returned function is called. */
  begin(): () => void {
    this.#busy++;
    this.#lastActive = Date.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#busy--;
      this.#lastActive = Date.now();
    };
  }

  /** Milliseconds since the last tool call ended; 0 while one is running. */
  idleSince(now: number = Date.now()): number {
    return this.#busy > 0 ? 0 : now - this.#lastActive;
  }

  /**
   * The sandbox with `options.id`, or the session's default sandbox: created on the first call
   * (concurrent first calls share one), and created anew when the previous one died. An id of
   * no open sandbox of this session throws the same {@linkcode SandboxError} whether the sandbox
   * belongs to another session or never existed. Creating the default sandbox at a cap throws.
   */
  async sandbox(options: SessionSandboxOptions = {}): Promise<Sandbox> {
    if (this.#closed) throw new Error("Cannot get a sandbox: the session is closed");
    if (options.id !== undefined) {
      const current = await this.existing();
      if (current?.id === options.id) return current;
      const known = this.#extra.get(options.id);
      if (known && !known.closed) return known;
      // Never the provider's get: it knows every session's sandboxes, and its answer could tell
      // them. A shared session asks for its tenant's only, which says nothing of others.
      const found = await this.#find(options.id, options);
      if (found) return found;
      throw notFound(options.id);
    }
    const current = this.#current;
    if (current) {
      const sandbox = await current.catch(() => undefined);
      if (sandbox && !sandbox.closed) return sandbox;
      if (this.#current === current) {
        if (sandbox) await sandbox.close().catch(() => {});
        this.#current = undefined;
      }
      return this.sandbox(options);
    }
    const slot = this.#reserve();
    const created = this.#provider.create({
      signal: options.signal,
      workspace: this.#workspace,
      tenant: this.#tenant,
      onStarted: options.onStarted,
    });
    this.#current = created;
    created.then(
      (sandbox) => {
        slot.hold(sandbox);
        this.#log.info(`sandbox ${sandbox.id} created`);
      },
      (error) => {
        slot.release();
        this.#log.error(`sandbox creation failed: ${error.message}`);
        if (this.#current === created) this.#current = undefined;
      },
    );
    return await created;
  }

  /**
   * Starts creating the default sandbox now, in the background, so that the first tool call
   * finds it ready. A failure is logged and the first call tries again. Resolves once the
   * sandbox's processes run (see {@linkcode CreateSandboxOptions.onStarted}), or once the creation
   * ends, whichever comes first; never rejects.
   */
  warm(): Promise<void> {
    if (this.#closed || this.#current) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.sandbox({ onStarted: () => resolve() }).then(() => resolve(), () => resolve());
    return promise;
  }

  /** The default sandbox if it exists and is open; never creates one. */
  async existing(): Promise<Sandbox | undefined> {
    const sandbox = await this.#current?.catch(() => undefined);
    return sandbox && !sandbox.closed ? sandbox : undefined;
  }

  /**
   * Creates an additional sandbox for this session's tenant (whatever `options.tenant` says),
   * deleted with the session unless deleted before. Throws a
   * {@linkcode SandboxError} naming the cap when the session or the server is at its cap.
   */
  async create(options: CreateSandboxOptions = {}): Promise<Sandbox> {
    if (this.#closed) throw new Error("Cannot create a sandbox: the session is closed");
    if (options.workspace !== undefined) {
      checkWorkspaceName(options.workspace);
      this.#needWorkspaces(`attach workspace ${options.workspace}`);
      const mine = await this.#attached(options.workspace);
      if (mine) return mine;
    }
    const slot = this.#reserve();
    let sandbox: Sandbox;
    try {
      sandbox = await this.#provider.create({ ...options, tenant: this.#tenant });
    } catch (error) {
      slot.release();
      throw error;
    }
    slot.hold(sandbox);
    if (this.#shared) this.#slots.push(slot);
    if (this.#closed) {
      // The session ended while the sandbox was being made: it must not outlive the session.
      await sandbox.close();
      throw new Error("Cannot create a sandbox: the session closed meanwhile");
    }
    this.#extra.set(sandbox.id, sandbox);
    this.#log.info(
      `sandbox ${sandbox.id} ${
        sandbox.workspace ? `attached (workspace ${sandbox.workspace})` : "created"
      } on request`,
    );
    return sandbox;
  }

  /**
   * The persistent workspaces the provider keeps, attached or not; none where the session does
   * not allow them or the provider has none.
   */
  async workspaces(options: SignalOptions = {}): Promise<WorkspaceSummary[]> {
    if (!this.#workspaces || !this.#provider.workspaces) return [];
    return await this.#provider.workspaces(options);
  }

  /**
   * This session's sandboxes that still exist (never another session's), as the provider reports
   * them, marking the default one.
   */
  async list(options: SignalOptions = {}): Promise<SessionSandboxSummary[]> {
    if (this.#shared) {
      const listed = await this.#provider.list(options);
      const current = await this.existing();
      return await Promise.all(
        listed.filter((summary) => summary.tenant === this.#tenant).map(async (summary) => {
          const open = current?.id === summary.id ? current : this.#extra.get(summary.id);
          return {
            ...summary,
            default: summary.id === current?.id,
            attached: true,
            usage: await open?.resources?.().catch(() => undefined) ?? null,
          };
        }),
      );
    }
    const current = await this.existing();
    const mine = new Map(
      [...this.#extra.values()].filter((s) => !s.closed).map((s) => [s.id, s] as const),
    );
    if (current) mine.set(current.id, current);
    // Both at once; when both fail, the session's own sandboxes are what the error is about.
    const listing = mine.size === 0 ? Promise.resolve([]) : this.#provider.list(options);
    const finding = this.workspaces(options);
    finding.catch(() => {});
    const listed = await listing;
    const workspaces = await finding;
    const found = listed.filter((summary) => mine.has(summary.id));
    const own: SessionSandboxSummary[] = await Promise.all(found.map(async (summary) => ({
      ...summary,
      default: summary.id === current?.id,
      attached: true,
      usage: await mine.get(summary.id)!.resources?.().catch(() => undefined) ?? null,
    })));
    const open = new Set(own.map((summary) => summary.workspace).filter(Boolean));
    const available = workspaces.filter((workspace) => !open.has(workspace.name)).map((
      workspace,
    ) => ({
      id: workspace.id,
      // Attached here but not by this session: in use, as when another server holds it.
      state: workspace.state === "attached" ? "in_use" : workspace.state,
      labels: {},
      ...(workspace.createdAt ? { createdAt: workspace.createdAt } : {}),
      workspace: workspace.name,
      default: false,
      attached: false,
      usage: null,
    }));
    return [...own, ...available];
  }

  /**
   * Deletes a sandbox of this session; the default one is replaced on the next call. A
   * persistent workspace is deleted with its files, whether this session attached it or not
   * (where the session allows workspaces). Any other id throws the same {@linkcode SandboxError}
   * as {@linkcode SandboxSession.sandbox}.
   */
  async delete(id: string, options: SignalOptions = {}): Promise<SessionDeleted> {
    const pending = this.#current;
    const current = await pending?.catch(() => undefined);
    const extra = this.#extra.get(id);
    let deleted: SessionDeleted;
    if (current?.id === id) {
      if (this.#current === pending) this.#current = undefined;
      await current.close();
      deleted = { default: true, workspace: current.workspace };
    } else if (extra) {
      this.#extra.delete(id);
      await extra.close();
      deleted = { default: false, workspace: extra.workspace };
    } else if (this.#shared) {
      const found = await this.#find(id, options);
      if (!found) throw notFound(id);
      this.#extra.delete(id);
      await found.close();
      deleted = { default: false };
    } else {
      const workspace = (await this.workspaces(options)).find((found) => found.id === id);
      if (!workspace) throw notFound(id);
      if (workspace.state === "attached") {
        throw new SandboxError(
          `Cannot delete workspace ${workspace.name}: another session of this server has it attached`,
          { sandboxId: id },
        );
      }
      deleted = { default: false, workspace: workspace.name };
    }
    if (deleted.workspace !== undefined) {
      await this.#provider.deleteWorkspace!(deleted.workspace, options);
    }
    this.#log.info(
      `sandbox ${id} deleted on request${
        deleted.workspace ? ` with workspace ${deleted.workspace}` : ""
      }`,
    );
    return deleted;
  }

  /**
   * Deletes the default sandbox and those created on request; a shared session forgets them
   * instead, for another server to find. Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#shared) {
      this.#current = undefined;
      this.#extra.clear();
      for (const slot of this.#slots.splice(0)) slot.release();
      return;
    }
    const current = this.#current;
    this.#current = undefined;
    const sandboxes = [...this.#extra.values()];
    this.#extra.clear();
    const sandbox = await current?.catch(() => undefined);
    if (sandbox) sandboxes.push(sandbox);
    const results = await Promise.allSettled(sandboxes.map((s) => s.close()));
    results.forEach((result, i) => {
      if (result.status === "rejected") {
        this.#log.error(`closing sandbox ${sandboxes[i].id} failed: ${result.reason?.message}`);
      } else this.#log.info(`sandbox ${sandboxes[i].id} closed`);
    });
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A sandbox of this shared session's tenant that this session has not seen yet, by id. */
  async #find(id: string, options: SignalOptions): Promise<Sandbox | undefined> {
    if (!this.#shared) return undefined;
    const found = await this.#provider.find!(id, { tenant: this.#tenant, signal: options.signal });
    if (!found || found.closed) return undefined;
    if (this.#closed) return undefined;
    this.#extra.set(found.id, found);
    this.#log.info(`sandbox ${found.id} found (made by this deployment for this tenant)`);
    return found;
  }

  /** This session's open sandbox of workspace `name`, if it has one. */
  async #attached(name: string): Promise<Sandbox | undefined> {
    const current = await this.existing();
    if (current?.workspace === name) return current;
    return [...this.#extra.values()].find((s) => !s.closed && s.workspace === name);
  }

  #needWorkspaces(what: string): void {
    if (this.#workspaces && this.#provider.workspaces) return;
    throw new SandboxError(
      this.#workspaces
        ? `Cannot ${what}: the ${this.#provider.name} provider has no persistent workspaces`
        : `Cannot ${what}: this server has several clients (it serves HTTP), and a persistent workspace would be shared between them; persistent workspaces are available when the server runs over stdio, for one user`,
    );
  }

  /** Takes a place for a new sandbox in the session's count and the server's, or says which cap. */
  #reserve(): SandboxSlot {
    const own = this.#own.take();
    if (!own) {
      throw new SandboxError(
        `Cannot create a sandbox: this session already has ${this.#own.max} sandboxes (its default one included), the most one session may have (--max-sandboxes-per-session); delete one it no longer needs with sandbox_delete, or restart the server with a higher --max-sandboxes-per-session (MCP_MAX_SANDBOXES_PER_SESSION)`,
      );
    }
    const server = this.#server ? this.#server.take() : { hold() {}, release() {} };
    if (!server) {
      own.release();
      throw new SandboxError(
        `Cannot create a sandbox: the server already has ${
          this.#server!.max
        } sandboxes across its sessions, the most it may have (--max-sandboxes); delete one this session no longer needs with sandbox_delete, wait for other sessions to end, or restart the server with a higher --max-sandboxes (MCP_MAX_SANDBOXES)`,
      );
    }
    return {
      hold(sandbox) {
        own.hold(sandbox);
        server.hold(sandbox);
      },
      release() {
        own.release();
        server.release();
      },
    };
  }
}

/**
 * What {@linkcode SandboxSession.delete} deleted.
 *
 * @example Say what deleting did
 * ```ts ignore
 * import { LocalProvider, SandboxSession, silentLogger } from "../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * const { id } = await session.sandbox();
 * const deleted = await session.delete(id);
 * console.log(deleted.default, deleted.workspace); // true undefined
 * ```
 */
export interface SessionDeleted {
  /** Whether it was the session's default sandbox (the next call starts a fresh one). */
  default: boolean;
  /** The persistent workspace deleted with it, if it was one. */
  workspace?: string;
}

/** The one answer for an id that is not this session's, whoever's it is or whether it exists. */
function notFound(id: string): SandboxError {
  return new SandboxError(
    `Cannot find sandbox ${id}: this session did not create it, or it was deleted; sandbox_list shows this session's sandboxes`,
    { sandboxId: id },
  );
}
