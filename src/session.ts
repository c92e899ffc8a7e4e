/**
 * One MCP session's view of sandboxes: its default sandbox is created on first use and replaced
 * if it dies; sandboxes it creates on request can be addressed by id; all of them are deleted
 * with the session.
 *
 * @module
 */

import type { Logger } from "./log.ts";
import type {
  CreateSandboxOptions,
  Sandbox,
  SandboxProvider,
  SandboxSummary,
  SignalOptions,
} from "./sandbox.ts";

/**
 * Options for {@linkcode SandboxSession.sandbox}.
 *
 * @example Use a sandbox created on request
 * ```ts ignore
 * import { LocalProvider, SandboxSession, silentLogger } from "../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * const extra = await session.create();
 * const sandbox = await session.sandbox({ id: extra.id, signal: AbortSignal.timeout(10_000) });
 * console.log(sandbox === extra); // true
 * ```
 */
export interface SessionSandboxOptions extends SignalOptions {
  /** A sandbox other than the default one, by id; it must have been created by this server. */
  id?: string;
}

/**
 * A sandbox as {@linkcode SandboxSession.list} reports it.
 *
 * @example Mark the default sandbox
 * ```ts ignore
 * import { LocalProvider, SandboxSession, silentLogger } from "../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * await session.sandbox();
 * await session.create();
 * for (const summary of await session.list()) {
 *   console.log(summary.id, summary.state, summary.default ? "(default)" : "");
 * }
 * ```
 */
export interface SessionSandboxSummary extends SandboxSummary {
  /** Whether it is this session's default sandbox. */
  default: boolean;
}

/**
 * Hands out a session's sandboxes, creating the default one lazily.
 *
 * @example Give tools a session's default sandbox
 * ```ts ignore
 * import { LocalProvider, SandboxSession, shellExec, silentLogger } from "../mod.ts";
 * await using session = new SandboxSession(new LocalProvider(), silentLogger());
 * const sandbox = await session.sandbox(); // created now, on first use
 * console.log((await shellExec(sandbox, { command: "pwd" })).stdout); // "/home/sandbox\n"
 * ```
 */
export class SandboxSession implements AsyncDisposable {
  #provider: SandboxProvider;
  #log: Logger;
  #current: Promise<Sandbox> | undefined;
  #extra = new Map<string, Sandbox>();
  #closed = false;
  #busy = 0;
  #lastActive = Date.now();

  /** A session whose sandboxes come from `provider`. */
  constructor(provider: SandboxProvider, log: Logger) {
    this.#provider = provider;
    this.#log = log;
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
   * (concurrent first calls share one), and created anew when the previous one died.
   */
  async sandbox(options: SessionSandboxOptions = {}): Promise<Sandbox> {
    if (this.#closed) throw new Error("Cannot get a sandbox: the session is closed");
    if (options.id !== undefined) {
      const current = await this.existing();
      if (current?.id === options.id) return current;
      const known = this.#extra.get(options.id);
      if (known && !known.closed) return known;
      return await this.#provider.get(options.id, options);
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
    const created = this.#provider.create({ signal: options.signal });
    this.#current = created;
    created.then(
      (sandbox) => this.#log.info(`sandbox ${sandbox.id} created`),
      (error) => {
        this.#log.error(`sandbox creation failed: ${error.message}`);
        if (this.#current === created) this.#current = undefined;
      },
    );
    return await created;
  }

  /**
   * Starts creating the default sandbox now, in the background, so that the first tool call
   * finds it ready. A failure is logged and the first call tries again.
   */
  warm(): void {
    if (this.#closed || this.#current) return;
    this.sandbox().catch(() => {});
  }

  /** The default sandbox if it exists and is open; never creates one. */
  async existing(): Promise<Sandbox | undefined> {
    const sandbox = await this.#current?.catch(() => undefined);
    return sandbox && !sandbox.closed ? sandbox : undefined;
  }

  /** Creates an additional sandbox, deleted with the session unless deleted before. */
  async create(options: CreateSandboxOptions = {}): Promise<Sandbox> {
    if (this.#closed) throw new Error("Cannot create a sandbox: the session is closed");
    const sandbox = await this.#provider.create(options);
    this.#extra.set(sandbox.id, sandbox);
    this.#log.info(`sandbox ${sandbox.id} created on request`);
    return sandbox;
  }

  /** The sandboxes this server created (never others), marking this session's default. */
  async list(options: SignalOptions = {}): Promise<SessionSandboxSummary[]> {
    const current = await this.existing();
    const found = await this.#provider.list(options);
    return found.map((summary) => ({ ...summary, default: summary.id === current?.id }));
  }

  /** Deletes a sandbox this server created; the default one is replaced on the next call. */
  async delete(id: string, options: SignalOptions = {}): Promise<void> {
    const current = await this.existing();
    if (current?.id === id) {
      this.#current = undefined;
      await current.close();
    } else {
      await this.#provider.delete(id, options);
    }
    this.#extra.delete(id);
    this.#log.info(`sandbox ${id} deleted on request`);
  }

  /** Deletes the default sandbox and those created on request. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
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
}
