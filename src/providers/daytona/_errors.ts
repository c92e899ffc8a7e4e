// What Daytona's answers mean: HTTP statuses of the API and the toolbox, the SDK's errors, the
// git host's refusals and the bulk download's error parts, as the errors the rest of the provider
// branches on (transient, stopped, conflict, refused) or as SandboxErrors that say what to do.

import { DaytonaError } from "npm:@daytonaio/sdk@0.218.0";
import { SandboxError, SandboxFileError } from "../../sandbox.ts";

/** The repository a clone asked for, to name it in the git host's refusals. */
export interface GitTarget {
  url: string;
  branch?: string;
}

/** A failure worth retrying: a connection problem, 429 or a 5xx. */
export class TransientError extends Error {
  readonly status?: number;
  readonly connection: boolean;
  /** What the server asked to wait (Retry-After-*), in milliseconds. */
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    options: ErrorOptions & { status?: number; connection?: boolean; retryAfterMs?: number },
  ) {
    super(message, options);
    this.status = options.status;
    this.connection = options.connection ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The toolbox said the sandbox has no IP: Daytona stopped (or archived) it. */
export class StoppedError extends SandboxError {}

/** 409: a state change of the sandbox is pending; the request can be repeated once it is done. */
export class ConflictError extends SandboxError {}

/**
 * The toolbox (its proxy) refused a request with 401 or 404: after a delete it answers 404 for
 * a while and then 401, so this is no verdict on the API key until the API is asked.
 */
export class ToolboxRefused extends SandboxError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Whether the API said the sandbox does not exist (any more). */
export function isNotFound(error: unknown): boolean {
  return error instanceof SandboxError && /not found|404/i.test(error.message);
}

/** The wait a 429 asks for: `Retry-After-<throttler>` (@nestjs/throttler) or `Retry-After`. */
export function retryAfterMs(headers: unknown): number | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  const entries: [string, unknown][] = headers instanceof Headers
    ? [...headers.entries()]
    : Object.entries(
      typeof (headers as { toJSON?: unknown }).toJSON === "function"
        ? (headers as { toJSON(): Record<string, unknown> }).toJSON()
        : headers as Record<string, unknown>,
    );
  let wait: number | undefined;
  for (const [name, value] of entries) {
    if (!/^retry-after(-.+)?$/i.test(name)) continue;
    const text = String(value).trim();
    const seconds = /^\d+(\.\d+)?$/.test(text)
      ? Number(text)
      : (Date.parse(text) - Date.now()) / 1000;
    if (Number.isFinite(seconds)) wait = Math.max(wait ?? 0, Math.max(0, seconds) * 1000);
  }
  return wait;
}

/** What a failed toolbox request means. */
export function toolboxError(status: number, said: string, headers?: Headers): Error {
  const message = withoutCredentials(said);
  if (status === 400 && /no IP address found|Is the Sandbox started/i.test(message)) {
    return new StoppedError(`Daytona stopped the sandbox (400: ${message})`);
  }
  if (status === 401 || status === 404) return new ToolboxRefused(status, message);
  return httpError(status, message, headers);
}

/**
 * `message` without credentials it may quote: an API server or a proxy in front of it that echoes
 * the request's `Authorization` header put the key into errors, and `doctor` printed it.
 */
function withoutCredentials(message: string): string {
  return message.replace(/\b(Bearer|Basic|token)([\s:=]+)[\w.~+/=-]{8,}/gi, "$1$2[hidden]")
    .replace(/\bdtn_[\w-]+/g, "dtn_[hidden]");
}

/** What a failed API request means. */
export function httpError(status: number, said: string, headers?: unknown): Error {
  const message = withoutCredentials(said);
  if (status === 401) {
    return new SandboxError(
      `Daytona rejected the API key (401: ${message}); check MCP_DAYTONA_API_KEY (or DAYTONA_API_KEY)`,
    );
  }
  if (status === 403) {
    return new SandboxError(
      `Daytona refused the request (403: ${message}); check the key's permissions`,
    );
  }
  if (status === 409) return new ConflictError(`Daytona answered 409: ${message}`);
  // Only its start: `exceeded.*limit` takes time quadratic in a message of many "exceeded".
  if (status === 400 && /quota|limit exceeded|exceeded.*limit/i.test(message.slice(0, 2000))) {
    return new SandboxError(
      `Daytona's quota for the organization is used up (400: ${message}); delete sandboxes you no longer need (sandbox_list, sandbox_delete) or raise the limits in Daytona's dashboard`,
    );
  }
  if (status === 429 || status >= 500) {
    return new TransientError(
      status === 429
        ? `Daytona's rate limit was hit (429: ${message})`
        : `Daytona failed (${status}: ${message})`,
      { status, retryAfterMs: status === 429 ? retryAfterMs(headers) : undefined },
    );
  }
  return new SandboxError(`Daytona answered ${status}: ${message}`);
}

/** The git host's answer, as the daemon passes it on (git/errors.go). */
export function gitError(status: number, message: string, git: GitTarget): Error {
  if (status === 401 || status === 403) {
    return new SandboxError(
      `Cannot clone ${git.url}: the git host refused the credentials (${status}: ${message}); for a private repository set GIT_TOKEN (or GITHUB_TOKEN) to a token that can read it`,
    );
  }
  if (status === 404) {
    const what = /branch|reference|ref /i.test(message) && git.branch
      ? `branch ${git.branch} of ${git.url}`
      : `repository ${git.url}`;
    return new SandboxError(
      `Cannot clone ${git.url}: the ${what} does not exist, or is private and needs GIT_TOKEN (404: ${message})`,
    );
  }
  return new SandboxError(`Cannot clone ${git.url}: ${status}: ${message}`);
}

/** Turns SDK errors into ours: auth names the variable, quota says so, 5xx and 429 are transient. */
export function fromSdkError(error: unknown, git?: GitTarget): unknown {
  if (!(error instanceof DaytonaError)) {
    if (error instanceof Error && /ECONN|socket|network|timeout/i.test(error.message)) {
      return new TransientError(error.message, { cause: error, connection: true });
    }
    return error;
  }
  const status = error.statusCode ?? 0;
  const toolbox = error.source === "DAYTONA_DAEMON" || git !== undefined;
  if (toolbox) {
    if (git && String(error.code ?? "").startsWith("GIT_")) {
      return gitError(status, error.message, git);
    }
    if (
      status === 401 || status === 404 || (status === 400 && /no IP address/i.test(error.message))
    ) {
      return toolboxError(status, error.message);
    }
    if (git && (status === 403 || /auth/i.test(error.message))) {
      return gitError(status, error.message, git);
    }
  }
  if (
    status === 401 || status === 403 || status === 409 || status === 429 || status >= 500 ||
    status === 400 && /quota|limit exceeded/i.test(error.message)
  ) {
    return httpError(status, error.message, error.headers);
  }
  if (error.name === "DaytonaConnectionError" || error.name === "DaytonaConnectionTimeoutError") {
    return new TransientError(error.message, { cause: error, connection: true });
  }
  return new SandboxError(`Daytona: ${error.message}`, { cause: error });
}

/** The error of one file of a bulk download, by the daemon's code (download_files.go). */
export function downloadError(
  path: string,
  code: string | undefined,
  message = "",
): SandboxFileError {
  switch (code) {
    case "FILE_ACCESS_DENIED":
      return new SandboxFileError(
        "permission",
        `Cannot read ${path}: permission denied (the sandbox user cannot read it)`,
      );
    case "INVALID_FILE_PATH":
      return new SandboxFileError(
        "is_directory",
        `Cannot read ${path}: it is a directory (or the path is empty); use file_list for a directory`,
      );
    default:
      return new SandboxFileError(
        "not_found",
        `Cannot read ${path}: ${message || "the toolbox reported an error"}`,
      );
  }
}
