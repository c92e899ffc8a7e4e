// The sandbox's toolbox API, reached with fetch rather than through the SDK: commands, file
// details and listings, and the bulk endpoints (the SDK's Deno upload path ignores errors).

import { posix } from "node:path";
import type { Logger } from "../../log.ts";
import {
  type FileInfo,
  type FileListing,
  type ListFilesOptions,
  SandboxError,
  SandboxFileError,
} from "../../sandbox.ts";
import { type JsonBounds, parseBoundedJson } from "../../_json.ts";
import { concatBytes, formatBytes } from "../../_output.ts";
import { ByteGate } from "../../_gate.ts";
import { gitError, type GitTarget, toolboxError, TransientError } from "./_errors.ts";
import { multipartFirstPart } from "./_multipart.ts";
import { withRetries } from "./_retry.ts";

/**
 * The largest answer to a command the server reads: the agent's longest reply line and room
 * around it. A command in the sandbox can print without end; beyond this, the call fails.
 */
export const MAX_EXECUTE_ANSWER = 100 * 1024 * 1024;

/**
 * Of the answers the toolbox gives, only a command's output is large. Answers are read whole and
 * parsed, so the rest are read to a size their content needs, and past it the answer is refused:
 * an endless error body or file details took a server from 60 MiB to its 1 GiB limit in 6 s.
 */
const MAX_ERROR_ANSWER = 64 * 1024;
const MAX_INFO_ANSWER = 64 * 1024;
const MAX_LISTING_ANSWER = 16 * 1024 * 1024;

/**
 * A command's answer past this size is large: it costs the server about five times its size while
 * it is read and parsed (three answers of 95 MiB at once took a server to 984 MiB, and six past its
 * 1 GiB). A sandbox reads one large answer at a time, and the server one in all, which must then
 * come within LARGE_READ_MS, so that a sandbox that holds its answer back holds no one else's.
 */
const LARGE_ANSWER = 8 * 1024 * 1024;
const largeAnswers = new ByteGate(1, 64);
const LARGE_READ_MS = 30_000;

/**
 * A sandbox's command answers being read at once, and waiting (60 answers of 8 MiB, each held
 * back by the toolbox, held 669 MiB).
 */
const ANSWERS_AT_ONCE = 8;
const ANSWERS_WAITING = 64;

/** How long a command's request may take past its own timeout (the toolbox's answer, a slow link). */
const EXECUTE_GRACE_SECONDS = 15;

/** The headers the SDK sends, so the toolbox sees the same client either way. */
const SDK_HEADERS = { "X-Daytona-Source": "sdk-typescript", "X-Daytona-SDK-Version": "0.218.0" };

/** The sandbox's toolbox API, with fetch: execute and bulk-upload. */
export class Toolbox {
  #base: string;
  #apiKey: string;
  #timeoutSeconds: number;
  #log: Logger;
  /** This sandbox's command answers being read, and its large one (see LARGE_ANSWER). */
  #answers = new ByteGate(ANSWERS_AT_ONCE, ANSWERS_WAITING);
  #large = new ByteGate(1, ANSWERS_WAITING);

  constructor(
    base: string,
    apiKey: string,
    timeoutSeconds: number,
    log: Logger,
  ) {
    this.#base = base;
    this.#apiKey = apiKey;
    this.#timeoutSeconds = timeoutSeconds;
    this.#log = log;
  }

  /**
   * Runs a command; returns its combined output. Not retried: a command may not run twice. The
   * daemon's timeout is a uint32 of seconds, so it is always sent, rounded up to a whole second;
   * the request ends a grace after it, or when `signal` aborts.
   */
  async execute(command: string, timeoutSeconds: number, signal?: AbortSignal): Promise<string> {
    const timeout = Math.max(1, Math.ceil(timeoutSeconds));
    const response = await this.#fetch(
      "process/execute",
      "run a command in the sandbox",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ command, timeout }),
        signal,
      },
      false,
      { seconds: timeout + EXECUTE_GRACE_SECONDS },
    );
    const held: Disposable[] = [];
    try {
      held.push(await this.#answers.enter(1, signal));
      const answer = await readAnswer(response, MAX_EXECUTE_ANSWER, "the command's output", {
        past: LARGE_ANSWER,
        enter: async () => {
          held.push(await this.#large.enter(1, signal));
          held.push(await largeAnswers.enter(1, signal));
          return AbortSignal.timeout(LARGE_READ_MS);
        },
      });
      // The daemon's answer is one object: {"exitCode": N, "result": "..."}.
      const body = parseAnswer(answer, { depth: 2, containers: 4 }, "the command's answer") as {
        result?: unknown;
        stdout?: unknown;
      };
      const output = body.result ?? body.stdout ?? "";
      if (typeof output !== "string") {
        throw new SandboxError(
          "Cannot read the command's output: the sandbox's toolbox answered with something other than text",
        );
      }
      return output;
    } catch (error) {
      await unread(response);
      throw error;
    } finally {
      for (const handle of held) handle[Symbol.dispose]();
    }
  }

  /**
   * Streams one file from the multipart bulk-download endpoint: the body of its single part, or
   * a SandboxFileError from an error part.
   */
  download(path: string, signal?: AbortSignal): ReadableStream<Uint8Array<ArrayBuffer>> {
    const response = this.#fetch("files/bulk-download", "download a file", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "multipart/form-data" },
      body: JSON.stringify({ paths: [path] }),
      signal,
    }, true);
    return multipartFirstPart(response, path);
  }

  /** The toolbox's file details, as a FileInfo. */
  async fileInfo(path: string, signal?: AbortSignal): Promise<FileInfo> {
    const response = await this.#fetch(`files/info?path=${encodeURIComponent(path)}`, "stat", {
      signal,
    }, true).catch((error) => {
      if (error instanceof SandboxError && /\b404\b/.test(error.message)) {
        throw new SandboxFileError("not_found", `Cannot stat ${path}: it does not exist`);
      }
      throw error;
    });
    const answer = await readAnswer(response, MAX_INFO_ANSWER, "the file's details");
    const raw = parseAnswer(answer, { depth: 4, containers: 16 }, "the file's details");
    return fromDaemonInfo(isRecord(raw) ? raw : {}, path);
  }

  /** The toolbox's listing of a directory, as a FileListing. */
  async listFiles(path: string, options: ListFilesOptions = {}): Promise<FileListing> {
    const depth = options.depth ?? 1;
    const response = await this.#fetch(
      `files?path=${encodeURIComponent(path)}&depth=${depth}`,
      "list files",
      { signal: options.signal },
      true,
    );
    const answer = await readAnswer(response, MAX_LISTING_ANSWER, "the listing");
    // An entry is an object, and a few may hold one more (a listing of 16 MiB has some 100 000).
    const raw = parseAnswer(answer, { depth: 4, containers: 400_000 }, "the listing");
    const items = (Array.isArray(raw) ? raw : []).filter(isRecord);
    const limit = options.limit ?? 1000;
    return {
      path,
      entries: items.slice(0, limit).map((item) =>
        fromDaemonInfo(item, String(item.path ?? `${path}/${item.name}`))
      ),
      truncated: items.length > limit,
    };
  }

  /**
   * Clones with the daemon's git service (go-git in the sandbox's container). Not retried: a clone
   * half made is not undone. Here rather than through the SDK, whose axios follows a redirect
   * within the origin with the API key and the body, the token in it.
   */
  async gitClone(
    clone: {
      url: string;
      path: string;
      branch?: string;
      commit?: string;
      username?: string;
      password?: string;
      depth?: number;
    },
    signal?: AbortSignal,
  ): Promise<void> {
    const git = { url: clone.url, branch: clone.branch };
    const response = await this.#fetch(
      "git/clone",
      "clone the repository",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          url: clone.url,
          path: clone.path,
          branch: clone.branch,
          commit_id: clone.commit,
          username: clone.username,
          password: clone.password,
          insecure_skip_tls: false,
          depth: clone.depth,
        }),
        signal,
      },
      false,
      {
        // A clone takes as long as the repository needs: the request's own timeout and then some.
        extraSeconds: 600,
        onError: (status, message, code, headers) =>
          cloneError(status, message, code, headers, git),
      },
    );
    await unread(response);
  }

  /** Uploads files with the multipart bulk-upload endpoint; throws unless it answers 2xx. */
  async upload(files: { path: string; data: Uint8Array }[], signal?: AbortSignal): Promise<void> {
    const response = await this.#fetch("files/bulk-upload", "upload files", () => {
      const form = new FormData();
      files.forEach((file, i) => {
        form.append(`files[${i}].path`, file.path);
        form.append(
          `files[${i}].file`,
          new Blob([file.data as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }),
          file.path,
        );
      });
      return { method: "POST", body: form, signal };
    }, true);
    await unread(response);
  }

  /**
   * Uploads one file from a stream with the bulk-upload endpoint, as the stream is read (a
   * multipart body written by hand: FormData would hold the whole file). Sent once, never
   * retried, since the stream cannot be read again; throws unless the endpoint answers 2xx.
   */
  async uploadStream(
    path: string,
    data: ReadableStream<Uint8Array>,
    signal?: AbortSignal,
  ): Promise<void> {
    const boundary = `----mcp-${crypto.randomUUID()}`;
    const encoder = new TextEncoder();
    const quoted = path.replace(/["\\\r\n]/g, (c) => encodeURIComponent(c));
    const head = encoder.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="files[0].path"\r\n\r\n${path}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="files[0].file"; filename="${quoted}"\r\n` +
        "Content-Type: application/octet-stream\r\n\r\n",
    );
    const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
    async function* body(): AsyncGenerator<Uint8Array<ArrayBuffer>> {
      yield head;
      for await (const chunk of data) yield chunk as Uint8Array<ArrayBuffer>;
      yield tail;
    }
    const response = await this.#fetch(
      "files/bulk-upload",
      "upload a file",
      {
        method: "POST",
        headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
        body: ReadableStream.from(body()),
        signal,
      },
      false,
      { attempts: 1 },
    );
    await unread(response);
  }

  async #fetch(
    path: string,
    what: string,
    init: RequestInit | (() => RequestInit),
    idempotent: boolean,
    options: {
      /** Seconds past the toolbox's timeout the request may take. */
      extraSeconds?: number;
      /** Seconds the request may take in all, instead. */
      seconds?: number;
      attempts?: number;
      onError?: (status: number, message: string, code: string, headers: Headers) => Error;
    } = {},
  ): Promise<Response> {
    const seconds = options.seconds ?? this.#timeoutSeconds + (options.extraSeconds ?? 0);
    const onError = options.onError ??
      ((status, message, _code, headers) => toolboxError(status, message, headers));
    return await withRetries(async () => {
      const request = typeof init === "function" ? init() : init;
      const timeout = AbortSignal.timeout(seconds * 1000);
      let response: Response;
      try {
        response = await fetch(`${this.#base}/${path}`, {
          ...request,
          // The toolbox answers from the sandbox, whose code can replace it: followed within the
          // origin, with the API key and a 307's body, a redirect ran the command in another
          // client's sandbox and read its files.
          redirect: "manual",
          signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
          headers: {
            ...request.headers,
            ...SDK_HEADERS,
            Authorization: `Bearer ${this.#apiKey}`,
          },
        });
      } catch (error) {
        throw new TransientError(`the toolbox did not answer: ${(error as Error).message}`, {
          cause: error,
          connection: true,
        });
      }
      if (response.ok) return response;
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        throw new SandboxError(
          `Cannot ${what}: the sandbox's toolbox answered with a redirect (${response.status}), which is never followed`,
        );
      }
      // What an error says is read to MAX_ERROR_ANSWER, and the rest left unread.
      const text = new TextDecoder().decode(await readPrefix(response, MAX_ERROR_ANSWER));
      let message = text;
      let code = "";
      try {
        const parsed = parseBoundedJson(text, { depth: 4, containers: 64 }) as Record<
          string,
          unknown
        >;
        message = String(parsed.message ?? parsed.error ?? text);
        code = String(parsed.code ?? "");
      } catch { /* not JSON */ }
      throw onError(response.status, message.slice(0, 500), code, response.headers);
    }, {
      idempotent,
      attempts: options.attempts,
      what,
      log: this.#log,
      deadline: Date.now() + seconds * 1000,
    });
  }
}

/**
 * Lets an answer whose body the caller has no use for go: left unread, it held its connection
 * until garbage collection (3000 uploads to a toolbox that answered without end held 2753).
 */
async function unread(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

/** Whether `value` is a JSON object. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An answer's body, whole, up to `limit` bytes; past that the call fails, naming `what`. With
 * `large`, `large.enter()` is awaited (the read paused meanwhile) once `large.past` bytes are in,
 * and the rest must come before the signal it gives aborts.
 */
async function readAnswer(
  response: Response,
  limit: number,
  what: string,
  large?: { past: number; enter(): Promise<AbortSignal> },
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let deadline: AbortSignal | undefined;
  const reader = (response.body ?? ReadableStream.from([])).getReader();
  const late = () =>
    new SandboxError(
      `Cannot read ${what}: over ${formatBytes(large!.past)}, the rest did not come within ${
        LARGE_READ_MS / 1000
      } s`,
    );
  try {
    for (;;) {
      const { done, value } = deadline
        ? await within(reader.read(), deadline, late)
        : await reader.read();
      if (done) return concatBytes(chunks, size);
      size += value.length;
      if (size > limit) {
        throw new SandboxError(
          `Cannot read ${what}: it is over ${
            formatBytes(limit)
          } (a command in the sandbox printed without end, or code there answered for its toolbox?)`,
        );
      }
      chunks.push(value);
      if (large && !deadline && size > large.past) deadline = await large.enter();
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  }
}

/** `promise`, unless `signal` aborts first: then the error `fail` makes. */
function within<T>(promise: Promise<T>, signal: AbortSignal, fail: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(fail());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(fail());
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** The first `limit` bytes of an answer's body; the rest is not read. */
async function readPrefix(response: Response, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (response.body ?? ReadableStream.from([])).getReader();
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch { /* what came is what it said */ }
  await reader.cancel().catch(() => {});
  return concatBytes(chunks, size).subarray(0, limit);
}

/** An answer parsed as JSON within `bounds`, or a SandboxError naming `what`. */
function parseAnswer(answer: Uint8Array, bounds: JsonBounds, what: string): unknown {
  try {
    return parseBoundedJson(new TextDecoder().decode(answer), bounds);
  } catch (error) {
    throw new SandboxError(
      `Cannot read ${what}: the sandbox's toolbox answered with what its daemon does not send (${
        (error as Error).message
      })`,
    );
  }
}

/** What a failed clone means: the git host's answer (its code GIT_*), or the toolbox's own. */
function cloneError(
  status: number,
  message: string,
  code: string,
  headers: Headers,
  git: GitTarget,
): Error {
  if (code.startsWith("GIT_")) return gitError(status, message, git);
  if (status === 401 || status === 404 || (status === 400 && /no IP address/i.test(message))) {
    return toolboxError(status, message, headers);
  }
  if (status === 403 || /auth/i.test(message)) return gitError(status, message, git);
  return toolboxError(status, message, headers);
}

/** The daemon's FileInfo as ours. */
function fromDaemonInfo(raw: Record<string, unknown>, path: string): FileInfo {
  const mode = String(raw.mode ?? "");
  const type: FileInfo["type"] = raw.isDir === true
    ? "directory"
    : mode.startsWith("L")
    ? "symlink"
    : "file";
  return {
    path,
    name: String(raw.name ?? posix.basename(path)),
    type,
    size: Number(raw.size ?? 0),
    modified: new Date(String(raw.modTime ?? raw.modifiedAt ?? 0)).toISOString(),
    mode,
  };
}
