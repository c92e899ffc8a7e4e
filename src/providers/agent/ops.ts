// The sandbox operations that the in-sandbox agent performs, over any transport: the local
// provider's pipe to its bwrap, or the Daytona provider's process API.

import { decodeCaptured } from "../../_output.ts";
import { currentTask } from "../../_task_context.ts";
import {
  type CopiedFile,
  type CopyFileOptions,
  type ExecOptions,
  type ExecResult,
  type FileInfo,
  type FileListing,
  type ListFilesOptions,
  type ProcessReset,
  type PythonOptions,
  type PythonResult,
  type ReadFileOptions,
  SandboxError,
  type SandboxTasks,
  type SignalOptions,
  type TaskRecord,
  type WriteFileOptions,
  type WrittenFile,
} from "../../sandbox.ts";
import type { RequestOptions } from "./process.ts";
import type { AgentOp, AgentRequest, AgentResult, AgentShape } from "./protocol.ts";

/**
 * Something that carries requests to an agent and brings back its replies. Requests and results
 * have the types that the protocol's description (protocol.ts) gives them.
 */
export interface AgentTransport {
  request<Op extends AgentOp>(
    op: Op,
    body: AgentRequest<Op>,
    options?: RequestOptions,
  ): Promise<AgentResult<Op>>;
}

type RawFileInfo = AgentShape<"file_info">;
type RawTaskRecord = AgentShape<"task_record">;
type CapturedJson = AgentShape<"captured">;

/** The furthest a Date reaches from 1970 either way, in ms. */
const DATE_LIMIT = 8.64e15;

function toFileInfo(raw: RawFileInfo): FileInfo {
  const { modified, replaced: _, ...rest } = raw;
  // Clamped to what a Date holds: sandbox code can set a file's time to 1e14 s (tmpfs keeps it),
  // which made a whole directory's listing fail with "Invalid time value".
  const ms = Math.min(Math.max(modified * 1000, -DATE_LIMIT), DATE_LIMIT);
  return { ...rest, modified: new Date(Number.isNaN(ms) ? 0 : ms).toISOString() };
}

function toWrittenFile(raw: RawFileInfo): WrittenFile {
  return { ...toFileInfo(raw), replaced: raw.replaced === true };
}

function toTaskRecord(raw: RawTaskRecord | null): TaskRecord | null {
  if (raw === null) return null;
  const { status_message, created_at, updated_at, ...rest } = raw;
  return {
    ...rest,
    ...status_message !== undefined && { statusMessage: status_message },
    createdAt: created_at,
    updatedAt: updated_at,
  };
}

const MIB = 1024 * 1024;
/** Bytes per write request: fewer round trips than 1 MiB (200 MB: about 10% faster). */
const WRITE_CHUNK = 4 * MIB;

/**
 * Captured output as text, within `max` bytes however much the agent sent: the agent caps it
 * too, but code in the sandbox can write the agent's reply itself.
 */
function decodeStream(captured: CapturedJson, max: number) {
  let head = Uint8Array.fromBase64(captured.head);
  let tail = Uint8Array.fromBase64(captured.tail);
  let total = Math.max(captured.total, head.length + tail.length);
  if (head.length + tail.length > max) {
    head = head.subarray(0, Math.ceil(max / 2));
    tail = tail.subarray(Math.max(0, tail.length - Math.floor(max / 2)));
    total = Math.max(total, head.length + tail.length + 1);
  }
  return decodeCaptured(head, tail, total);
}

/** Characters a text may run over its limit: room for the note of a cut the agent made. */
const CUT_ROOM = 64;

/**
 * `text` cut to `max` UTF-16 units with a note saying so, unless it is at most {@linkcode CUT_ROOM}
 * over (the agent cuts texts the same way, and its note is kept); whether it was cut.
 */
function capText(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max + CUT_ROOM) return { text, cut: text.length > max };
  return {
    text: `${text.slice(0, max)}\n[... ${text.length - max} more characters omitted ...]`,
    cut: true,
  };
}

/** What a cell cancelled before it ran comes back as. */
const notRun = (): PythonResult => ({
  stdout: "",
  stderr: "",
  result: null,
  error: null,
  images: [],
  notes: [],
  timedOut: false,
  cancelled: true,
  state: "kept",
  freshInterpreter: false,
  died: null,
  durationMs: 0,
  truncated: false,
});

/** Waits for `promise`, or until `signal` aborts, whichever comes first; never rejects. */
async function waitUnlessAborted(promise: Promise<unknown>, signal?: AbortSignal): Promise<void> {
  if (!signal) return void await promise;
  if (signal.aborted) return;
  const { promise: aborted, resolve } = Promise.withResolvers<void>();
  signal.addEventListener("abort", () => resolve(), { once: true });
  await Promise.race([promise, aborted]);
}

/** Most characters of a symlink's target that a listing shows. */
const MAX_TARGET = 256;

/**
 * Most cells that wait for the one running (see runPython): each holds its request meanwhile, up
 * to a day behind a sleeping cell.
 */
export const MAX_WAITING_CELLS = 16;

/** Most notes one cell's result carries, and most characters of each. */
const MAX_NOTES = 16;
const MAX_NOTE = 2000;
/** The media types an image may say it has, and its data: base64 (its supervisor checks the same). */
const IMAGE_TYPE = /^image\/[a-z0-9.+-]{1,40}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The Sandbox methods that are the same for every provider whose sandboxes run the agent. */
export class AgentOps {
  #transport: AgentTransport;
  /** Whether the agent predates task records (see #tagged). */
  #untagged = false;
  /** Settles when the cells sent so far have ended (see runPython). */
  #cells: Promise<void> = Promise.resolve();
  /** Cells sent but not yet running. */
  #waiting = 0;

  constructor(transport: AgentTransport) {
    this.#transport = transport;
  }

  /**
   * Sends a request of the current task's call (if any) tagged with the task. An agent started by
   * an earlier version of the server (a sandbox older than a rolling update) has no task records
   * and refuses the tag before running anything: it gets its requests untagged from then on.
   */
  async #tagged<Op extends "exec" | "python" | "copy">(
    op: Op,
    body: AgentRequest<Op>,
    options: RequestOptions,
  ): Promise<AgentResult<Op>> {
    const task = this.#untagged ? undefined : currentTask();
    if (task === undefined) return await this.#transport.request(op, body, options);
    try {
      return await this.#transport.request(op, { ...body, task }, options);
    } catch (error) {
      if (!(error instanceof TypeError && /the protocol has no field task\b/.test(error.message))) {
        throw error;
      }
      this.#untagged = true;
      return await this.#transport.request(op, body, options);
    }
  }

  async exec(command: string | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const raw = await this.#tagged("exec", {
      ...(typeof command === "string" ? { command } : { argv: [...command] }),
      cwd: options.cwd,
      env: options.env,
      timeout: options.timeoutMs === undefined ? undefined : options.timeoutMs / 1000,
      max_output: options.maxOutputBytes ?? 100_000,
    }, { signal: options.signal, onLine: options.onOutput });
    const stdout = decodeStream(raw.stdout, options.maxOutputBytes ?? 100_000);
    const stderr = decodeStream(raw.stderr, options.maxOutputBytes ?? 100_000);
    return {
      stdout: stdout.text,
      stderr: stderr.text,
      exitCode: raw.exit_code,
      signal: raw.signal,
      timedOut: raw.timed_out,
      cancelled: raw.cancelled,
      durationMs: raw.duration_ms,
      truncated: stdout.truncated || stderr.truncated,
      stdoutBytes: raw.stdout.total,
      stderrBytes: raw.stderr.total,
    };
  }

  async runPython(code: string, options: PythonOptions = {}): Promise<PythonResult> {
    // The interpreter runs one cell at a time, so a cell waits here for those before it: its
    // timeout, and the deadline for the supervisor's answer, count from when it runs. Sent at
    // once, a cell waited in the sandbox while its deadline passed, and the server ended the
    // sandbox as unresponsive (two overlapping calls were enough). A cell cancelled while it
    // waits is never sent. 20 000 waiting cells, sent in batches, held 2 GB of the server's
    // memory: past a few, a cell is refused.
    if (this.#waiting >= MAX_WAITING_CELLS) {
      throw new SandboxError(
        `Cannot run the cell: ${MAX_WAITING_CELLS} cells wait already for the one running in this sandbox; wait for their answers (or cancel them) and send it again`,
      );
    }
    const before = this.#cells;
    const { promise: ended, resolve: end } = Promise.withResolvers<void>();
    this.#cells = before.then(() => ended);
    let raw: AgentResult<"python">;
    try {
      this.#waiting++;
      try {
        await waitUnlessAborted(before, options.signal);
      } finally {
        this.#waiting--;
      }
      if (options.signal?.aborted) return notRun();
      raw = await this.#tagged("python", {
        code,
        timeout: options.timeoutMs === undefined ? undefined : options.timeoutMs / 1000,
        max_output: options.maxOutputBytes ?? 100_000,
        max_image_bytes: options.maxImageBytes ?? 400_000,
        max_images: options.maxImages ?? 8,
      }, { signal: options.signal, onLine: options.onOutput });
    } finally {
      end();
    }
    // The agent keeps to these limits, but code in the sandbox can write its reply itself: the
    // server holds every part of it to them again.
    const maxOutput = options.maxOutputBytes ?? 100_000;
    const maxImageBytes = options.maxImageBytes ?? 400_000;
    const maxImages = options.maxImages ?? 8;
    const stdout = decodeStream(raw.stdout, maxOutput);
    const stderr = decodeStream(raw.stderr, maxOutput);
    const value = raw.value === null ? null : capText(raw.value, maxOutput);
    const error = raw.error && {
      type: capText(raw.error.type, 200).text,
      message: capText(raw.error.message, maxOutput),
      traceback: capText(raw.error.traceback, maxOutput),
    };
    const notes = raw.notes.slice(0, MAX_NOTES).map((note) => capText(note, MAX_NOTE).text);
    const images: PythonResult["images"] = [];
    for (const { mime_type, data, width, height } of raw.images) {
      const bytes = Math.floor(data.length * 3 / 4) -
        (data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0);
      if (
        images.length >= maxImages || bytes > maxImageBytes || !IMAGE_TYPE.test(mime_type) ||
        !BASE64.test(data) || !(width >= 0 && width <= 100_000 && height >= 0 && height <= 100_000)
      ) {
        if (notes.length < MAX_NOTES + 1) {
          notes.push(
            `an image the sandbox sent was left out: over ${maxImages} images or ${maxImageBytes} bytes, or not a base64 image`,
          );
        }
        continue;
      }
      images.push({ mimeType: mime_type, data, width, height, bytes });
    }
    return {
      stdout: stdout.text,
      stderr: stderr.text,
      result: value?.text ?? null,
      error: error && {
        type: error.type,
        message: error.message.text,
        traceback: error.traceback.text,
      },
      images,
      notes,
      timedOut: raw.timed_out,
      cancelled: raw.cancelled,
      state: raw.state,
      freshInterpreter: raw.fresh,
      died: raw.died && { exitCode: raw.died.exit_code, signal: raw.died.signal },
      durationMs: raw.duration_ms,
      truncated: stdout.truncated || stderr.truncated || !!value?.cut || !!error?.message.cut ||
        !!error?.traceback.cut,
    };
  }

  async resetPython(options: SignalOptions = {}): Promise<void> {
    await this.#transport.request("python_reset", {}, options);
  }

  async killAll(options: SignalOptions = {}): Promise<ProcessReset> {
    const { killed } = await this.#transport.request("kill_all", {}, options);
    return { killed };
  }

  async stat(path: string, options: SignalOptions = {}): Promise<FileInfo> {
    return toFileInfo(await this.#transport.request("stat", { path }, options));
  }

  readFile(path: string, options: ReadFileOptions = {}): ReadableStream<Uint8Array<ArrayBuffer>> {
    const transport = this.#transport;
    const chunkSize = Math.min(options.chunkSize ?? MIB, 4 * MIB);
    let offset = options.offset ?? 0;
    const end = options.length === undefined ? Infinity : offset + options.length;
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      async pull(controller) {
        options.signal?.throwIfAborted(); // a cancelled call reads no further
        const want = Math.min(chunkSize, end - offset);
        if (want <= 0) return controller.close();
        const { data } = await transport.request(
          "read",
          { path, offset, length: want },
          { signal: options.signal },
        );
        // The local agent sends raw bytes; the remote one base64 inside JSON.
        const bytes = typeof data === "string" ? Uint8Array.fromBase64(data) : data;
        offset += bytes.length;
        if (bytes.length > 0) controller.enqueue(bytes);
        if (bytes.length < want) controller.close();
      },
    });
  }

  async writeFile(
    path: string,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options: WriteFileOptions = {},
  ): Promise<WrittenFile> {
    const upload = crypto.randomUUID().slice(0, 8);
    const overwrite = options.overwrite ?? true;
    let first = true;
    // Each chunk is sent once the next one (or the end) is known, so the last carries `last`.
    for await (const [chunk, last] of chunksOf(data, WRITE_CHUNK)) {
      options.signal?.throwIfAborted();
      const raw = await this.#transport.request("write", {
        path,
        upload,
        overwrite,
        first,
        last,
        data: chunk.toBase64(),
      }, options);
      first = false;
      if (!last) continue;
      // The last chunk's reply describes the file; the others' only name it.
      if ("type" in raw) return toWrittenFile(raw);
      throw new SandboxError(`Cannot write ${path}: the sandbox agent did not describe the file`);
    }
    throw new SandboxError(`Cannot write ${path}: no chunk was sent`);
  }

  async listFiles(path: string, options: ListFilesOptions = {}): Promise<FileListing> {
    const raw = await this.#transport.request("list", {
      path,
      depth: options.depth ?? 1,
      limit: options.limit ?? 1000,
    }, options);
    // Held to the limit here too: the reply may be the sandbox's code's (see runPython). A
    // symlink's target is shown as far as a listing needs (a target may be 4 KiB of anything).
    const limit = options.limit ?? 1000;
    const entries = raw.entries.slice(0, limit).map(toFileInfo).map((entry) =>
      entry.target !== undefined && entry.target.length > MAX_TARGET
        ? { ...entry, target: `${entry.target.slice(0, MAX_TARGET)}…` }
        : entry
    );
    return { path: raw.path, entries, truncated: raw.truncated || raw.entries.length > limit };
  }

  /** Copies the file `from` to `to` inside the sandbox (see writeFile's guarantees). */
  async copyFile(from: string, to: string, options: CopyFileOptions = {}): Promise<CopiedFile> {
    const raw = await this.#tagged(
      "copy",
      { from, to, overwrite: options.overwrite ?? true },
      options,
    );
    return { file: toWrittenFile(raw.file), sha256: raw.sha256 };
  }

  /** The agent's records of MCP tasks (agent_tasks.py). */
  readonly tasks: SandboxTasks = {
    begin: async (task, createdAt, abandonAfterS, options = {}) => {
      if (this.#untagged) {
        throw new SandboxError("Cannot keep a task record: the sandbox's agent predates them");
      }
      return toTaskRecord(
        await this.#transport.request("task_begin", {
          task_id: task,
          created_at: createdAt,
          abandon_after: abandonAfterS,
        }, options),
      )!;
    },
    get: async (task, options = {}) =>
      toTaskRecord(await this.#transport.request("task_get", { task_id: task }, options)),
    end: async (task, status, result, options = {}) =>
      toTaskRecord(
        await this.#transport.request("task_end", { task_id: task, status, result }, options),
      ),
    cancel: async (task, options = {}) =>
      toTaskRecord(await this.#transport.request("task_cancel", { task_id: task }, options)),
  };

  /** Moves a file uploaded to `temp` by other means to `path` (see writeFile's guarantees). */
  async commitUpload(
    temp: string,
    path: string,
    overwrite: boolean,
    options: SignalOptions = {},
  ): Promise<WrittenFile> {
    return toWrittenFile(
      await this.#transport.request(
        "commit_upload",
        { temp, path, overwrite },
        options,
      ),
    );
  }
}

/**
 * The pieces of `data` of `size` bytes (the last may be shorter; an empty input is one empty
 * piece), each with whether it is the last. A stream is read one piece ahead, never further.
 */
async function* chunksOf(
  data: Uint8Array | ReadableStream<Uint8Array>,
  size: number,
): AsyncGenerator<[Uint8Array, boolean]> {
  if (data instanceof Uint8Array) {
    for (let start = 0;; start += size) {
      const last = start + size >= data.length;
      yield [data.subarray(start, start + size), last];
      if (last) return;
    }
  }
  let pending: Uint8Array | undefined;
  let buffer = new Uint8Array(size);
  let filled = 0;
  for await (const piece of data) {
    for (let at = 0; at < piece.length;) {
      const take = Math.min(size - filled, piece.length - at);
      buffer.set(piece.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === size) {
        if (pending) yield [pending, false];
        pending = buffer;
        buffer = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0 || !pending) {
    if (pending) yield [pending, false];
    yield [buffer.subarray(0, filled), true];
  } else {
    yield [pending, true];
  }
}
