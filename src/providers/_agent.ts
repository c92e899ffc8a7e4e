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
    frames: AsyncIterator<Frame>,
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
    this.#reading = this.#readReplies(frames, log);
  }

  /** Spawns the agent and waits for its hello line. */
  static async start(
    command: Deno.Command,
    sandboxId: string,
    log: Logger,
  ): Promise<AgentProcess> {
    const child = command.spawn();
    const stderrDone = forwardStderr(child.stderr, sandboxId, log);
    const frames = readFrames(child.stdout);
    const first = await frames.next();
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
    const hello = first.value as unknown as AgentHello;
    return new AgentProcess(child, hello, frames, stderrDone, sandboxId, log);
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

  async #readReplies(frames: AsyncIterator<Frame>, log: Logger): Promise<void> {
    for (let next = await frames.next(); !next.done; next = await frames.next()) {
      const reply = next.value as {
        id: number;
        result?: unknown;
        error?: AgentFault;
        line?: string;
        unreadable?: boolean;
      };
      if (reply.unreadable) {
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
          if (end < 0) break;
          const line = decoder.decode(queue.take(end + 1).subarray(0, end));
          if (!line) continue;
          let frame: Frame;
          try {
            frame = JSON.parse(line);
          } catch {
            yield { unreadable: true };
            continue;
          }
          const result = frame.result as Record<string, unknown> | undefined;
          if (typeof result?._binary !== "number") {
            yield frame;
            continue;
          }
          waiting = { frame, result, bytes: result._binary };
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
