// A Daytona sandbox with the agent installed: the Sandbox interface over the remote agent and
// the toolbox, surviving Daytona's lifecycle (a stopped sandbox is started again, a deleted one
// reported gone) and keeping a busy sandbox active.

import { posix } from "node:path";
import type { Sandbox as SdkSandbox } from "npm:@daytonaio/sdk@0.218.0";
import type { Logger } from "../../log.ts";
import {
  type ExecOptions,
  type ExecResult,
  type FileInfo,
  type FileListing,
  type GitCloneRequest,
  type ListFilesOptions,
  type PreviewLink,
  type ProcessReset,
  type PythonOptions,
  type PythonResult,
  type ReadFileOptions,
  type Sandbox,
  SandboxError,
  SandboxFileError,
  type SandboxInfo,
  type SandboxTasks,
  type SignalOptions,
  type WriteFileOptions,
  type WrittenFile,
} from "../../sandbox.ts";
import { AgentOps } from "../agent/ops.ts";
import { StoppedError, ToolboxRefused } from "./_errors.ts";
import { PLAIN_TIMEOUT_SECONDS, plainExec, RemoteAgent } from "./_remote_agent.ts";
import { type WaitOptions, withRetries } from "./_retry.ts";
import { limitStream, skipStream } from "./_streams.ts";
import type { Toolbox } from "./_toolbox.ts";

/** Files up to this size are written by the agent from an inline request: one API call, atomic. */
const INLINE_WRITE = 256 * 1024;

/** What {@linkcode DaytonaProvider} hands a new {@linkcode DaytonaSandbox}. */
interface SandboxParts {
  sdkSandbox: SdkSandbox;
  home: string;
  /** Whether the image has python3 (and so runs the agent). */
  python: boolean;
  toolbox: Toolbox;
  log: Logger;
  /** Deletes the sandbox; for a persistent workspace, stops it instead. */
  remove: () => Promise<void>;
  forget: () => void;
  /** The persistent workspace's name, if it is one. */
  workspace?: string;
  fresh: boolean;
  /** Starts the sandbox again after Daytona stopped or archived it. */
  wake: (wait?: WaitOptions) => Promise<void>;
  /** The sandbox's state as the API reports it, or "gone". */
  state: (wait?: WaitOptions) => Promise<string>;
  autoStopMinutes: number;
  pollSeconds: number;
  replyGraceMs: number;
  activitySeconds: number;
}

/**
 * A Daytona sandbox with the agent installed. Create it with {@linkcode DaytonaProvider.create}.
 *
 * @example Find a sandbox again by id and preview a port
 * ```ts ignore
 * import { equal, match, ok } from "node:assert/strict";
 * import { DaytonaProvider } from "./mod.ts";
 * await using provider = new DaytonaProvider({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * await using sandbox = await provider.create();
 * equal(sandbox.info.provider, "daytona");
 * equal(await provider.get(sandbox.id), sandbox); // the same object, while it is open
 * const link = await sandbox.preview(3000);
 * match(link.url, /^https:\/\/3000-/); // e.g. "https://3000-<sandbox id>.proxy.daytona.work"
 * ok(link.signedUrl && link.signedUrlExpiresAt); // works without the token, for an hour
 * ```
 */
export class DaytonaSandbox implements Sandbox {
  /** Daytona's sandbox id. */
  readonly id: string;
  /** Facts about the sandbox. */
  readonly info: SandboxInfo;
  /** The name of the persistent workspace it is, if it is one: closing it stops it. */
  readonly workspace?: string;
  #parts: SandboxParts;
  #ops: AgentOps;
  #toolbox: Toolbox;
  #closing: Promise<void> | undefined;
  /** Set once the sandbox was found deleted behind our back. */
  #gone = false;
  #waking: Promise<void> | undefined;
  /** What the next result must say: the sandbox was started again and lost its processes. */
  #notice: string | undefined;
  #busy = 0;
  #activity: ReturnType<typeof setInterval> | undefined;

  /** Use {@linkcode DaytonaProvider.create}. */
  constructor(parts: SandboxParts) {
    this.#parts = parts;
    this.id = parts.sdkSandbox.id;
    if (parts.workspace !== undefined) this.workspace = parts.workspace;
    this.info = { provider: "daytona", home: parts.home, pythonVersion: "", isolated: true };
    this.#toolbox = parts.toolbox;
    this.#ops = new AgentOps(
      new RemoteAgent(this.#toolbox, parts.home, parts.pollSeconds, parts.replyGraceMs),
    );
  }

  /** Whether the sandbox was deleted (or found gone). */
  get closed(): boolean {
    return this.#closing !== undefined || this.#gone;
  }

  async exec(command: string | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.#guard(
      () =>
        this.#parts.python
          ? this.#ops.exec(command, options)
          : plainExec(this.#toolbox, command, options),
      options,
    );
    const notice = this.#takeNotice();
    return notice ? { ...result, notes: [notice, ...(result.notes ?? [])] } : result;
  }

  async runPython(code: string, options: PythonOptions = {}): Promise<PythonResult> {
    this.#needPython("run Python");
    const result = await this.#guard(() => this.#ops.runPython(code, options), options);
    const notice = this.#takeNotice();
    return notice
      ? { ...result, freshInterpreter: true, notes: [notice, ...result.notes] }
      : result;
  }

  /** Task records, kept by the agent: none in an image without python3. */
  get tasks(): SandboxTasks | undefined {
    if (!this.#parts.python) return undefined;
    const tasks = this.#ops.tasks;
    return {
      begin: (task, createdAt, abandonAfterS, options = {}) =>
        this.#guard(() => tasks.begin(task, createdAt, abandonAfterS, options), options),
      get: (task, options = {}) => this.#guard(() => tasks.get(task, options), options),
      end: (task, status, result, options = {}) =>
        this.#guard(() => tasks.end(task, status, result, options), options),
      cancel: (task, options = {}) => this.#guard(() => tasks.cancel(task, options), options),
    };
  }

  async resetPython(options: SignalOptions = {}): Promise<void> {
    this.#needPython("reset Python");
    await this.#guard(() => this.#ops.resetPython(options), options);
  }

  async killAll(options: SignalOptions = {}): Promise<ProcessReset> {
    this.#needPython("stop its processes");
    return await this.#guard(() => this.#ops.killAll(options), options);
  }

  stat(path: string, options: SignalOptions = {}): Promise<FileInfo> {
    return this.#guard(
      () =>
        this.#parts.python
          ? this.#ops.stat(path, options)
          : this.#toolbox.fileInfo(resolvePath(this.info.home, path), options.signal),
      options,
    );
  }

  #needPython(what: string): void {
    if (this.#parts.python) return;
    throw new SandboxError(
      `Cannot ${what}: the sandbox's image has no python3. Create the sandbox from an image that has Python (e.g. image "python:3.12-slim") or from Daytona's default snapshot; shell_exec and the file tools work in this one`,
      { sandboxId: this.id },
    );
  }

  #takeNotice(): string | undefined {
    const notice = this.#notice;
    this.#notice = undefined;
    return notice;
  }

  /**
   * Runs one operation on the sandbox, keeping it active while it runs, and survives Daytona's
   * lifecycle: a stopped or archived sandbox is started again and the operation repeated (it
   * never reached the sandbox); a sandbox deleted behind our back is reported gone.
   */
  async #guard<T>(operation: () => Promise<T>, wait: WaitOptions = {}): Promise<T> {
    wait.signal?.throwIfAborted();
    this.#enter();
    try {
      try {
        return await operation();
      } catch (error) {
        if (error instanceof StoppedError) {
          await this.#wake(wait);
          return await operation();
        }
        if (!(error instanceof ToolboxRefused)) throw error;
        const state = await this.#parts.state(wait);
        if (state === "gone" || state === "destroyed" || state === "destroying") {
          this.#gone = true;
          this.#parts.forget();
          throw new SandboxError(
            `Cannot use sandbox ${this.id}: it was deleted outside this server (the toolbox answered ${error.status}); it is gone with its files, and the next call without a sandbox_id starts a new sandbox`,
            { sandboxId: this.id, cause: error },
          );
        }
        if (state === "stopped" || state === "archived" || state === "stopping") {
          await this.#wake(wait);
          return await operation();
        }
        throw new SandboxError(
          `Cannot use sandbox ${this.id}: its toolbox refused the request (${error.status}: ${error.message}) while the API reports it ${state}`,
          { sandboxId: this.id, cause: error },
        );
      }
    } finally {
      this.#leave();
    }
  }

  /** Starts the sandbox again (once, however many calls found it stopped). */
  #wake(wait: WaitOptions): Promise<void> {
    this.#waking ??= (async () => {
      await this.#parts.wake(wait);
      this.noteStartedAgain();
    })().finally(() => this.#waking = undefined);
    return this.#waking;
  }

  /**
   * Says, in the next call's result, that the sandbox had stopped and was started again (by this
   * sandbox, or by the provider that found it stopped), so the model knows its processes are gone.
   */
  noteStartedAgain(): void {
    const why = this.#parts.autoStopMinutes > 0
      ? ` (Daytona stops a sandbox after ${this.#parts.autoStopMinutes} idle minutes)`
      : "";
    this.#notice =
      `Sandbox ${this.id} had stopped${why} and was started again: its files are kept, but every process was gone, so the Python interpreter is fresh (variables and imports were lost) and background servers must be started again.`;
  }

  /** While any call runs, tells Daytona the sandbox is active now and then. */
  #enter(): void {
    if (this.#busy++ > 0) return;
    this.#activity = setInterval(() => {
      this.#parts.sdkSandbox.refreshActivity().catch((error) =>
        this.#parts.log.warn(`sandbox ${this.id}: cannot refresh its activity: ${error.message}`)
      );
    }, this.#parts.activitySeconds * 1000);
  }

  #leave(): void {
    if (--this.#busy > 0) return;
    clearInterval(this.#activity);
    this.#activity = undefined;
  }

  /**
   * A read from the start of a file streams it through the toolbox's bulk-download endpoint with
   * fetch, stopping the transfer once `length` bytes arrived; a read at an offset asks the agent
   * for just that range, so nothing before it is transferred.
   */
  readFile(path: string, options: ReadFileOptions = {}): ReadableStream<Uint8Array<ArrayBuffer>> {
    const open = () => {
      if (options.offset && this.#parts.python) return this.#ops.readFile(path, options);
      const target = resolvePath(this.info.home, path);
      return limitStream(
        skipStream(this.#toolbox.download(target, options.signal), options.offset ?? 0),
        options.length,
      );
    };
    return this.#guardStream(open, options);
  }

  /**
   * A stream opened under `#guard`: its first chunk is read inside the guard, so a stopped
   * sandbox is started again and the stream opened anew. Once bytes were delivered, a failure
   * ends the stream: a read is never repeated halfway.
   */
  #guardStream(
    open: () => ReadableStream<Uint8Array<ArrayBuffer>>,
    wait: WaitOptions,
  ): ReadableStream<Uint8Array<ArrayBuffer>> {
    let reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>> | undefined;
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull: async (controller) => {
        const { value, done } = reader ? await reader.read() : await this.#guard(() => {
          reader = open().getReader();
          return reader.read();
        }, wait);
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader?.cancel(reason),
    }, { highWaterMark: 0 });
  }

  /** The note that the sandbox was started again, once, if no result has carried it yet. */
  takeNotes(): string[] {
    const notice = this.#takeNotice();
    return notice ? [notice] : [];
  }

  /**
   * A file up to 256 KiB travels inside the agent's request: one API call. A larger one is
   * uploaded through the toolbox's bulk-upload endpoint (checking its answer) into a temporary
   * name, then moved into place by the agent. Either way there is never a half-written file, and
   * `overwrite: false` never replaces anything. A stream is read up to 256 KiB to choose; a
   * larger one is streamed to the endpoint as it is read, in constant memory, and not retried.
   */
  async writeFile(
    path: string,
    given: Uint8Array | ReadableStream<Uint8Array>,
    options: WriteFileOptions = {},
  ): Promise<WrittenFile> {
    const target = resolvePath(this.info.home, path);
    const data = given instanceof Uint8Array ? given : await peek(given, INLINE_WRITE);
    // A small file goes in the request itself; the agent writes it with the same guarantees.
    if (data instanceof Uint8Array && data.length <= INLINE_WRITE && this.#parts.python) {
      return await this.#guard(() => this.#ops.writeFile(target, data, options), options);
    }
    const overwrite = options.overwrite ?? true;
    if (!overwrite) {
      const exists = await this.stat(target, options).then(() => true, (error) => {
        if (error instanceof SandboxFileError && error.code === "not_found") return false;
        throw error;
      });
      if (exists) {
        throw new SandboxFileError(
          "exists",
          `Cannot write ${target}: it already exists and overwrite is false`,
        );
      }
    }
    const temp = `${posix.dirname(target)}/.${posix.basename(target)}.upload-${
      crypto.randomUUID().slice(0, 8)
    }`;
    if (data instanceof Uint8Array) {
      await this.#guard(
        () => this.#toolbox.upload([{ path: temp, data }], options.signal),
        options,
      );
    } else {
      // A stream can be sent once: wake the sandbox first, then send it without retries.
      await this.stat(posix.dirname(target), options).catch((error) => {
        if (!(error instanceof SandboxFileError)) throw error;
      });
      await this.#guard(() => this.#toolbox.uploadStream(temp, data, options.signal), options);
    }
    if (!this.#parts.python) {
      // No agent: move it into place with one command (mv within a directory is atomic).
      const existed = await this.stat(target, options).then(() => true, () => false);
      const moved = await this.#guard(() =>
        plainExec(this.#toolbox, ["mv", "-f", "--", temp, target], {
          timeoutMs: PLAIN_TIMEOUT_SECONDS * 1000,
        })
      );
      if (moved.exitCode !== 0) {
        throw new SandboxFileError("permission", `Cannot write ${target}: ${moved.stderr.trim()}`);
      }
      return { ...(await this.stat(target, options)), replaced: existed };
    }
    return await this.#guard(() => this.#ops.commitUpload(temp, target, overwrite, options));
  }

  listFiles(path: string, options: ListFilesOptions = {}): Promise<FileListing> {
    return this.#guard(
      () =>
        this.#parts.python
          ? this.#ops.listFiles(path, options)
          : this.#toolbox.listFiles(resolvePath(this.info.home, path), options),
      options,
    );
  }

  /** Clones with the toolbox's git API: credentials go to Daytona, not into the sandbox. */
  async gitClone(request: GitCloneRequest): Promise<void> {
    request.signal?.throwIfAborted();
    const { url, path, branch, commit, username, password, depth } = request;
    await this.#guard(() =>
      withRetries(
        () =>
          this.#toolbox.gitClone(
            { url, path, branch, commit, username, password, depth },
            request.signal,
          ),
        {
          idempotent: false,
          what: "clone the repository",
          log: this.#parts.log,
          git: { url, branch },
          onWait: request.onWait,
          signal: request.signal,
        },
      ), request);
  }

  /** Daytona's preview URL for `port`, its token, and a signed URL valid for an hour. */
  async preview(port: number, options: SignalOptions = {}): Promise<PreviewLink> {
    options.signal?.throwIfAborted();
    const sdk = this.#parts.sdkSandbox;
    const retry = { idempotent: true, log: this.#parts.log, ...options };
    const link = await withRetries(() => sdk.getPreviewLink(port), {
      ...retry,
      what: "get a preview link",
    });
    const signed = await withRetries(() => sdk.getSignedPreviewUrl(port, 3600), {
      ...retry,
      what: "get a signed preview link",
    }).catch(() => undefined);
    return {
      url: link.url,
      token: link.token,
      signedUrl: signed?.url,
      signedUrlExpiresAt: signed ? new Date(Date.now() + 3600_000).toISOString() : undefined,
    };
  }

  /** Deletes the sandbox in Daytona; a persistent workspace is stopped instead. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        if (!this.#gone) await this.#parts.remove();
        this.#parts.log.info(
          `daytona sandbox ${this.id} ${this.workspace === undefined ? "deleted" : "stopped"}`,
        );
      } finally {
        this.#parts.forget();
      }
    })();
    return this.#closing;
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Resolves a sandbox path the way the agent does: relative to home, `~` expanded. */
function resolvePath(home: string, path: string): string {
  const expanded = path === "~" || path.startsWith("~/") ? home + path.slice(1) : path;
  return posix.resolve(home, expanded);
}

/**
 * The stream's bytes when it ends within `limit` bytes; else a stream of everything it carries
 * (what was read, then the rest).
 */
async function peek(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  while (size <= limit) {
    const { value, done } = await reader.read();
    if (done) {
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const chunk of head) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      return bytes;
    }
    head.push(value);
    size += value.length;
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = head.shift();
      if (next) return controller.enqueue(next);
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
