// The host side of the sandbox agent: starts it, sends JSON-line requests, routes the replies.

import { SandboxError, SandboxFileError } from "../../sandbox.ts";
import type { Logger } from "../../log.ts";
import {
  type AgentHello,
  type AgentOp,
  type AgentRequest,
  type AgentResult,
  type AgentShape,
  checkFields,
  PROTOCOL,
} from "./protocol.ts";

export type { AgentHello } from "./protocol.ts";

/** Longest reply line the agent may send: a Python cell's figures and output fit well within. */
export const MAX_REPLY_LINE = 96 * 1024 * 1024;
/** Most file bytes one reply may carry (the agent reads at most 4 MiB per request). */
export const MAX_REPLY_DATA = 16 * 1024 * 1024;
/** How long past its own timeout a call may wait for the agent's answer. */
export const REPLY_GRACE_MS = 15_000;
/** How long a request without a timeout of its own (a file operation) may wait. */
export const UNTIMED_DEADLINE_MS = 120_000;

/** The agent broke the protocol: a reply too large, not JSON, or for no request it was sent. */
class ProtocolError extends Error {}

/**
 * An error the agent reports about a request, e.g. a cwd that does not exist: `field` is set when
 * an argument was wrong, `code` when a file operation failed.
 */
export type AgentFault = AgentShape<"fault">;

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
  #log: Logger;
  #graceMs: number;

  private constructor(
    child: Deno.ChildProcess,
    hello: AgentHello,
    frames: AsyncIterator<Frame>,
    stderrDone: Promise<string>,
    sandboxId: string,
    log: Logger,
    graceMs: number,
  ) {
    this.#child = child;
    this.#graceMs = graceMs;
    this.#stderrDone = stderrDone;
    this.hello = hello;
    this.#sandboxId = sandboxId;
    this.#log = log;
    this.#writer = child.stdin.getWriter();
    this.#exited = child.status;
    this.#reading = this.#readReplies(frames, log);
  }

  /** Spawns the agent and waits for its hello line. */
  static async start(
    command: Deno.Command,
    sandboxId: string,
    log: Logger,
    options: {
      replyGraceMs?: number;
      /**
       * Runs after the spawn; then the agent, started with SANDBOX_HOLD, is sent "start" (the
       * server moves it into its cgroup meanwhile).
       */
      started?: (child: Deno.ChildProcess) => Promise<void>;
      /** Runs once the agent runs free: spawned, and sent "start" when held. */
      running?: () => void;
    } = {},
  ): Promise<AgentProcess> {
    const child = command.spawn();
    if (options.started) {
      try {
        await options.started(child);
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode("start\n"));
        writer.releaseLock();
      } catch (error) {
        // It may have exited already (bwrap could not set the sandbox up): then say what it said.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const exited = await Promise.race([
          child.status.then(() => true),
          new Promise<false>((resolve) => timer = setTimeout(resolve, 100, false)),
        ]).finally(() => clearTimeout(timer));
        await child.stdout.cancel().catch(() => {});
        if (exited) {
          const said = await new Response(child.stderr).text().catch(() => "");
          throw exitedError(await child.status, said.slice(0, 2000), sandboxId, error);
        }
        try {
          child.kill("SIGKILL");
        } catch { /* it has just exited */ }
        await child.status;
        await child.stderr.cancel().catch(() => {});
        throw new SandboxError(
          `Cannot start sandbox: its budget could not be applied: ${(error as Error).message}`,
          { sandboxId, cause: error },
        );
      }
    }
    options.running?.();
    const stderrDone = forwardStderr(child.stderr, sandboxId, log);
    const frames = readFrames(child.stdout);
    const first = await frames.next().catch((error) => {
      child.kill("SIGKILL");
      throw new SandboxError(`Cannot start sandbox: its supervisor sent ${error.message}`, {
        sandboxId,
      });
    });
    if (first.done) throw exitedError(await child.status, await stderrDone, sandboxId);
    const hello = first.value as AgentHello;
    if (hello.ready !== true || checkFields(PROTOCOL.frames.hello, hello) !== undefined) {
      child.kill("SIGKILL");
      throw new SandboxError("Cannot start sandbox: its supervisor did not say it is ready", {
        sandboxId,
      });
    }
    return new AgentProcess(
      child,
      hello,
      frames,
      stderrDone,
      sandboxId,
      log,
      options.replyGraceMs ?? REPLY_GRACE_MS,
    );
  }

  /** Whether the agent process is still running. */
  get alive(): boolean {
    return !this.#stopping;
  }

  /**
   * Sends one request and resolves with its result; rejects with the agent's fault message. A
   * request whose answer is late (its `timeout`, in seconds, plus {@linkcode REPLY_GRACE_MS};
   * {@linkcode UNTIMED_DEADLINE_MS} for file operations) means the agent no longer works: the
   * sandbox is ended and the call fails.
   */
  request<Op extends AgentOp>(
    op: Op,
    body: AgentRequest<Op>,
    options: RequestOptions = {},
  ): Promise<AgentResult<Op>> {
    if (this.#stopping) {
      return Promise.reject(
        new SandboxError("Cannot use sandbox: it is closed", { sandboxId: this.#sandboxId }),
      );
    }
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<AgentResult<Op>>();
    const { signal, onLine } = options;
    const onAbort = () => this.#send({ op: "cancel", target: id }).catch(() => {});
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#pending.set(id, {
      resolve: resolve as (result: unknown) => void,
      reject,
      onLine,
    });
    const seconds = (body as { timeout?: unknown }).timeout;
    const timeout = typeof seconds === "number" ? seconds * 1000 : undefined;
    const deadline = timeout !== undefined
      ? timeout + this.#graceMs
      : op === "exec" || op === "python"
      ? undefined // the caller asked for no time limit
      : UNTIMED_DEADLINE_MS;
    const timer = deadline === undefined ? undefined : setTimeout(() => {
      this.#violation(
        `did not answer within ${deadline / 1000} s (the call's timeout and a grace)`,
      );
    }, deadline);
    this.#send({ ...body, op, id }).then(() => {
      if (signal?.aborted) onAbort();
    }).catch((error) => this.#fail(id, error));
    return promise.finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    });
  }

  /**
   * Ends a sandbox whose agent misbehaved or stopped answering: kills its processes and fails
   * every call waiting on it, saying why. The server and other sandboxes are not affected.
   */
  #violation(reason: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.warn(`sandbox ${this.#sandboxId}: its supervisor ${reason}; ending the sandbox`);
    const error = new SandboxError(
      `Cannot finish: the sandbox's supervisor ${reason}, so the sandbox was ended (its processes and files are gone); the next call starts a new sandbox`,
      { sandboxId: this.#sandboxId },
    );
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
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

  async #readReplies(frames: AsyncIterator<Frame>, log: Logger): Promise<void> {
    try {
      for (let next = await frames.next(); !next.done; next = await frames.next()) {
        if (this.#stopping && !this.#closing) break; // ended for a violation
        const reply = next.value;
        const pending = typeof reply.id === "number" ? this.#pending.get(reply.id) : undefined;
        if (!pending) {
          throw new ProtocolError(`a reply for no request it was sent (id ${String(reply.id)})`);
        }
        if ("line" in reply) {
          if (typeof reply.line !== "string") {
            throw new ProtocolError("a progress line that is not text");
          }
          pending.onLine?.(reply.line);
          continue;
        }
        this.#pending.delete(reply.id as number);
        const fault = reply.error as AgentFault | undefined;
        if (fault !== undefined) {
          if (typeof fault?.message !== "string") {
            throw new ProtocolError("an error without a message");
          }
          pending.reject(faultToError(fault));
        } else if (typeof reply.result === "object" && reply.result !== null) {
          pending.resolve(reply.result);
        } else {
          throw new ProtocolError("a reply without a result");
        }
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#violation(`sent ${error.message}`);
    }
    const ended = this.#stopping && !this.#closing; // by #violation(), which said why
    const status = await this.#exited;
    this.#stopping = true;
    if (!this.#closing && !ended) {
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
export function faultToError(fault: AgentFault): Error {
  if (fault.field) return new TypeError(fault.message);
  if (fault.code) return new SandboxFileError(fault.code, fault.message);
  return new SandboxError(fault.message);
}

/** A reply of the agent: JSON, with file data as bytes in `result.data` when it sent some. */
type Frame = Record<string, unknown>;

/**
 * Reads the agent's replies: one JSON line each, followed by `result._binary` raw bytes when the
 * reply carries file data, which then appear as `result.data`.
 */
async function* readFrames(stream: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  const queue = new ByteQueue();
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let waiting: { frame: Frame; result: Record<string, unknown>; bytes: number } | undefined;
  try {
    for (;;) {
      for (;;) {
        if (!waiting) {
          const end = queue.indexOf(10);
          if (end < 0) {
            if (queue.length > MAX_REPLY_LINE) {
              throw new ProtocolError(`a reply line over ${MAX_REPLY_LINE >> 20} MiB`);
            }
            break;
          }
          if (end > MAX_REPLY_LINE) {
            throw new ProtocolError(`a reply line over ${MAX_REPLY_LINE >> 20} MiB`);
          }
          const line = decoder.decode(queue.take(end + 1).subarray(0, end));
          if (!line) continue;
          let frame: unknown;
          try {
            frame = JSON.parse(line);
          } catch {
            throw new ProtocolError("a reply that is not JSON");
          }
          if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
            throw new ProtocolError("a reply that is not a JSON object");
          }
          const result = (frame as Frame).result as Record<string, unknown> | undefined;
          if (typeof result !== "object" || result === null || !("_binary" in result)) {
            yield frame as Frame;
            continue;
          }
          const bytes = result._binary;
          if (
            !Number.isSafeInteger(bytes) || (bytes as number) < 0 ||
            (bytes as number) > MAX_REPLY_DATA
          ) {
            throw new ProtocolError(`file data of a size it may not send (${String(bytes)})`);
          }
          waiting = { frame: frame as Frame, result, bytes: bytes as number };
        }
        if (queue.length < waiting.bytes) break;
        waiting.result.data = queue.take(waiting.bytes);
        delete waiting.result._binary;
        yield waiting.frame;
        waiting = undefined;
      }
      const { value, done } = await reader.read();
      if (done) return;
      queue.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** Bytes received and not yet consumed, kept as the chunks they came in. */
class ByteQueue {
  #chunks: Uint8Array[] = [];
  #length = 0;
  #scanned = 0;

  get length(): number {
    return this.#length;
  }

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** Offset of the first `byte`, or -1; bytes already searched are not searched again. */
  indexOf(byte: number): number {
    let offset = 0;
    for (const chunk of this.#chunks) {
      if (offset + chunk.length > this.#scanned) {
        const found = chunk.indexOf(byte, Math.max(0, this.#scanned - offset));
        if (found >= 0) return offset + found;
      }
      offset += chunk.length;
    }
    this.#scanned = this.#length;
    return -1;
  }

  /** Removes and returns the first `n` bytes. */
  take(n: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0];
      const need = n - filled;
      if (chunk.length <= need) {
        out.set(chunk, filled);
        filled += chunk.length;
        this.#chunks.shift();
      } else {
        out.set(chunk.subarray(0, need), filled);
        this.#chunks[0] = chunk.subarray(need);
        filled = n;
      }
    }
    this.#length -= n;
    this.#scanned = 0;
    return out;
  }
}

/**
 * Splits a byte stream into lines without the newline. Only new text is searched for newlines, so
 * a multi-megabyte reply line costs linear time, not a rescan of the whole line per chunk.
 */
function splitLines(stream: ReadableStream<Uint8Array>): ReadableStream<string> {
  let parts: string[] = [];
  return stream.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TransformStream<string, string>({
      transform(chunk, controller) {
        let start = 0;
        for (let end = chunk.indexOf("\n"); end !== -1; end = chunk.indexOf("\n", start)) {
          parts.push(chunk.slice(start, end));
          const line = parts.join("");
          parts = [];
          if (line) controller.enqueue(line);
          start = end + 1;
        }
        if (start < chunk.length) parts.push(chunk.slice(start));
      },
      flush(controller) {
        const line = parts.join("");
        if (line) controller.enqueue(line);
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

/** The error of a sandbox process that exited before it was ready, with what it said. */
function exitedError(
  status: Deno.CommandStatus,
  said: string,
  sandboxId: string,
  cause?: unknown,
): SandboxError {
  const detail = said.trim();
  return new SandboxError(
    `Cannot start sandbox: its process exited with code ${status.code}${
      detail ? `: ${detail}` : ""
    }`,
    { sandboxId, cause },
  );
}
