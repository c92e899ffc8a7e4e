// The host side of the sandbox agent: starts it, sends JSON-line requests, routes the replies.

import { SandboxError, SandboxFileError, type SandboxFileErrorCode } from "../sandbox.ts";
import type { Logger } from "../log.ts";

/** What the agent says once it is ready. */
export interface AgentHello {
  python: string;
  home: string;
  uid: number;
}

/** An error the agent reports about a request, e.g. a cwd that does not exist. */
export interface AgentFault {
  /** Set when an argument was wrong. */
  field?: string;
  /** Set when a file operation failed. */
  code?: SandboxFileErrorCode;
  message: string;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onLine?: (line: string) => void;
}

/** Options for {@linkcode AgentProcess.request}. */
export interface RequestOptions {
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

/** A running agent: one process tree (usually one bwrap) that holds all of a sandbox's processes. */
export class AgentProcess implements AsyncDisposable {
  readonly hello: AgentHello;
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #exited: Promise<Deno.CommandStatus>;
  #reading: Promise<void>;
  #stderrDone: Promise<string>;
  /** Set when close() was called. */
  #closing = false;
  /** Set when close() was called or the process exited. */
  #stopping = false;
  #sandboxId: string;

  private constructor(
    child: Deno.ChildProcess,
    hello: AgentHello,
    lines: AsyncIterator<string>,
    stderrDone: Promise<string>,
    sandboxId: string,
    log: Logger,
  ) {
    this.#child = child;
    this.#stderrDone = stderrDone;
    this.hello = hello;
    this.#sandboxId = sandboxId;
    this.#writer = child.stdin.getWriter();
    this.#exited = child.status;
    this.#reading = this.#readReplies(lines, log);
  }

  /** Spawns the agent and waits for its hello line. */
  static async start(
    command: Deno.Command,
    sandboxId: string,
    log: Logger,
  ): Promise<AgentProcess> {
    const child = command.spawn();
    const stderrDone = forwardStderr(child.stderr, sandboxId, log);
    const lines = splitLines(child.stdout)[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) {
      const status = await child.status;
      const detail = (await stderrDone).trim();
      throw new SandboxError(
        `Cannot start sandbox: its process exited with code ${status.code}${
          detail ? `: ${detail}` : ""
        }`,
        { sandboxId },
      );
    }
    const hello = JSON.parse(first.value) as AgentHello;
    return new AgentProcess(child, hello, lines, stderrDone, sandboxId, log);
  }

  /** Whether the agent process is still running. */
  get alive(): boolean {
    return !this.#stopping;
  }

  /** Sends one request and resolves with its result; rejects with the agent's fault message. */
  request<T>(op: string, body: Record<string, unknown>, options: RequestOptions = {}): Promise<T> {
    if (this.#stopping) {
      return Promise.reject(
        new SandboxError("Cannot use sandbox: it is closed", { sandboxId: this.#sandboxId }),
      );
    }
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const { signal, onLine } = options;
    const onAbort = () => this.#send({ op: "cancel", target: id }).catch(() => {});
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#pending.set(id, {
      resolve: resolve as (result: unknown) => void,
      reject,
      onLine,
    });
    this.#send({ ...body, op, id }).then(() => {
      if (signal?.aborted) onAbort();
    }).catch((error) => this.#fail(id, error));
    return promise.finally(() => signal?.removeEventListener("abort", onAbort));
  }

  /** Ends the agent: closing its stdin makes it kill its processes; SIGKILL after a grace. */
  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#stopping = true;
      await this.#writer.close().catch(() => {});
      const timer = setTimeout(() => {
        try {
          this.#child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 1000);
      await this.#exited;
      clearTimeout(timer);
    }
    await this.#reading;
    await this.#stderrDone;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #send(message: Record<string, unknown>): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  }

  #fail(id: number, error: Error): void {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    pending?.reject(error);
  }

  async #readReplies(lines: AsyncIterator<string>, log: Logger): Promise<void> {
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      let reply: {
        id: number;
        result?: unknown;
        error?: AgentFault;
        line?: string;
      };
      try {
        reply = JSON.parse(next.value);
      } catch {
        log.warn(`sandbox ${this.#sandboxId}: unreadable agent reply`);
        continue;
      }
      const pending = this.#pending.get(reply.id);
      if (!pending) continue;
      if (reply.line !== undefined) {
        pending.onLine?.(reply.line);
        continue;
      }
      this.#pending.delete(reply.id);
      if (reply.error) pending.reject(faultToError(reply.error));
      else pending.resolve(reply.result);
    }
    const status = await this.#exited;
    this.#stopping = true;
    if (!this.#closing) {
      log.warn(`sandbox ${this.#sandboxId}: stopped unexpectedly (exit code ${status.code})`);
    }
    const error = new SandboxError(
      this.#closing
        ? "Cannot finish: the sandbox was closed"
        : `Cannot finish: the sandbox stopped unexpectedly (exit code ${status.code}); the next call starts a new sandbox`,
      { sandboxId: this.#sandboxId },
    );
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/** Agent faults about arguments become TypeErrors, about files SandboxFileErrors. */
function faultToError(fault: AgentFault): Error {
  if (fault.field) return new TypeError(fault.message);
  if (fault.code) return new SandboxFileError(fault.code, fault.message);
  return new SandboxError(fault.message);
}

/** Splits a byte stream into lines without the newline. */
function splitLines(stream: ReadableStream<Uint8Array>): ReadableStream<string> {
  let buffered = "";
  return stream.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TransformStream<string, string>({
      transform(chunk, controller) {
        buffered += chunk;
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) if (line) controller.enqueue(line);
      },
      flush(controller) {
        if (buffered) controller.enqueue(buffered);
      },
    }),
  );
}

/** Logs the agent's stderr (Python errors of the agent itself) and returns the first 4 KB of it. */
async function forwardStderr(
  stream: ReadableStream<Uint8Array>,
  sandboxId: string,
  log: Logger,
): Promise<string> {
  let kept = "";
  for await (const line of splitLines(stream)) {
    if (kept.length < 4096) kept += line + "\n";
    log.debug(`sandbox ${sandboxId}: ${line}`);
  }
  return kept;
}
