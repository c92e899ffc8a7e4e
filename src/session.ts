/**
 * One MCP session's view of sandboxes: its default sandbox is created on first use, replaced if
 * it dies, and closed with the session.
 *
 * @module
 */

import type { Logger } from "./log.ts";
import type { Sandbox, SandboxProvider, SignalOptions } from "./sandbox.ts";

/** Hands out a session's default sandbox, creating it lazily. */
export class SandboxSession implements AsyncDisposable {
  #provider: SandboxProvider;
  #log: Logger;
  #current: Promise<Sandbox> | undefined;
  #closed = false;

  /** A session whose sandboxes come from `provider`. */
  constructor(provider: SandboxProvider, log: Logger) {
    this.#provider = provider;
    this.#log = log;
  }

  /**
   * The session's default sandbox: created on the first call (concurrent first calls share one),
   * and created anew when the previous one died.
   */
  async sandbox(options: SignalOptions = {}): Promise<Sandbox> {
    if (this.#closed) throw new Error("Cannot get a sandbox: the session is closed");
    const current = this.#current;
    if (current) {
      const sandbox = await current.catch(() => undefined);
      if (sandbox && !sandbox.closed) return sandbox;
      if (this.#current === current) {
        if (sandbox) await sandbox.close();
        this.#current = undefined;
      }
      return this.sandbox(options);
    }
    const created = this.#provider.create(options);
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

  /** The default sandbox if it exists and is open; never creates one. */
  async existing(): Promise<Sandbox | undefined> {
    const sandbox = await this.#current?.catch(() => undefined);
    return sandbox && !sandbox.closed ? sandbox : undefined;
  }

  /** Closes the default sandbox, if one was made. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const current = this.#current;
    this.#current = undefined;
    const sandbox = await current?.catch(() => undefined);
    if (sandbox) {
      await sandbox.close();
      this.#log.info(`sandbox ${sandbox.id} closed`);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
