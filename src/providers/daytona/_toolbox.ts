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
import { readAll } from "../../_output.ts";
import { gitError, type GitTarget, toolboxError, TransientError } from "./_errors.ts";
import { multipartFirstPart } from "./_multipart.ts";
import { withRetries } from "./_retry.ts";

/**
 * The largest answer to a command the server reads: the agent's longest reply line and room
 * around it. A command in the sandbox can print without end; beyond this, the call fails.
 */
export const MAX_EXECUTE_ANSWER = 100 * 1024 * 1024;

/** The headers the SDK sends, so the toolbox sees the same client either way. */
const SDK_HEADERS = { "X-Daytona-Source": "sdk-typescript", "X-Daytona-SDK-Version": "0.218.0" };

/** The sandbox's toolbox API, with fetch: execute and bulk-upload. */
export class Toolbox {
  #base: string;
  #apiKey: string;
  #timeoutSeconds: number;
  #log: Logger;

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
   * daemon's timeout is a uint32 of seconds, so it is always sent, rounded up to a whole second.
   */
  async execute(command: string, timeoutSeconds: number): Promise<string> {
    const timeout = Math.max(1, Math.ceil(timeoutSeconds));
    const response = await this.#fetch(
      "process/execute",
      "run a command in the sandbox",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ command, timeout }),
      },
      false,
      timeout,
    );
    const answer = await readAll(response.body ?? ReadableStream.from([]), MAX_EXECUTE_ANSWER)
      .catch((error) => {
        throw error instanceof RangeError
          ? new SandboxError(
            `Cannot read the command's output: it is over ${
              MAX_EXECUTE_ANSWER >> 20
            } MiB (a command in the sandbox printed without end?)`,
          )
          : error;
      });
    const body = JSON.parse(new TextDecoder().decode(answer)) as {
      result?: string;
      stdout?: string;
    };
    return body.result ?? body.stdout ?? "";
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
    return fromDaemonInfo(await response.json(), path);
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
    const items = (await response.json()) as Record<string, unknown>[];
    const limit = options.limit ?? 1000;
    return {
      path,
      entries: items.slice(0, limit).map((item) =>
        fromDaemonInfo(item, String(item.path ?? `${path}/${item.name}`))
      ),
      truncated: items.length > limit,
    };
  }

  /** Uploads files with the multipart bulk-upload endpoint; throws unless it answers 2xx. */
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
    await this.#fetch(
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
      // A clone takes as long as the repository needs: the request's own timeout and then some.
      600,
      undefined,
      (status, message, code, headers) => cloneError(status, message, code, headers, git),
    );
  }

  async upload(files: { path: string; data: Uint8Array }[], signal?: AbortSignal): Promise<void> {
    await this.#fetch("files/bulk-upload", "upload files", () => {
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
    await this.#fetch(
      "files/bulk-upload",
      "upload a file",
      {
        method: "POST",
        headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
        body: ReadableStream.from(body()),
        signal,
      },
      false,
      0,
      1,
    );
  }

  async #fetch(
    path: string,
    what: string,
    init: RequestInit | (() => RequestInit),
    idempotent: boolean,
    extraSeconds = 0,
    attempts?: number,
    onError: (status: number, message: string, code: string, headers: Headers) => Error = (
      status,
      message,
      _code,
      headers,
    ) => toolboxError(status, message, headers),
  ): Promise<Response> {
    return await withRetries(async () => {
      const request = typeof init === "function" ? init() : init;
      const timeout = AbortSignal.timeout((this.#timeoutSeconds + extraSeconds) * 1000);
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
      const text = await response.text();
      let message = text;
      let code = "";
      try {
        const parsed = JSON.parse(text);
        message = parsed.message ?? parsed.error ?? text;
        code = String(parsed.code ?? "");
      } catch { /* not JSON */ }
      throw onError(response.status, message.slice(0, 500), code, response.headers);
    }, {
      idempotent,
      attempts,
      what,
      log: this.#log,
      deadline: Date.now() + (this.#timeoutSeconds + extraSeconds) * 1000,
    });
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
