/**
 * The one interface every sandbox provider implements. Tools talk only to a {@linkcode Sandbox};
 * providers (local bubblewrap, Daytona) adapt it to their machinery.
 *
 * @module
 */

/** Options for {@linkcode Sandbox.exec}. */
export interface ExecOptions {
  /** Working directory inside the sandbox. @default the sandbox's home directory */
  cwd?: string;
  /** Extra environment variables for this command, on top of the sandbox's defaults. */
  env?: Record<string, string>;
  /** Kill the command's whole process group after this many milliseconds. @default no limit */
  timeoutMs?: number;
  /** Bytes of stdout (and, separately, of stderr) to keep, as head and tail. @default 100_000 */
  maxOutputBytes?: number;
  /** Aborting kills the command's process group. */
  signal?: AbortSignal;
  /** Called now and then with the latest line of output while the command runs. */
  onOutput?: (line: string) => void;
}

/** What a finished command produced. Non-zero exits and timeouts are results, not errors. */
export interface ExecResult {
  /** Standard output, decoded as UTF-8 (invalid bytes become U+FFFD), capped as head + tail. */
  stdout: string;
  /** Standard error, decoded and capped like `stdout`. */
  stderr: string;
  /** The exit code, or `null` when a signal ended the command. */
  exitCode: number | null;
  /** The name of the signal that ended the command (`"SIGKILL"`), if one did. */
  signal: string | null;
  /** Whether the timeout expired and the process group was killed. */
  timedOut: boolean;
  /** Whether the caller's abort signal killed the command. */
  cancelled: boolean;
  /** Wall time from start to exit, in milliseconds. */
  durationMs: number;
  /** Whether part of stdout or stderr was dropped to respect the cap. */
  truncated: boolean;
  /** Total bytes the command wrote to stdout, including any dropped. */
  stdoutBytes: number;
  /** Total bytes the command wrote to stderr, including any dropped. */
  stderrBytes: number;
}

/** Options for {@linkcode Sandbox.runPython}. */
export interface PythonOptions {
  /** Interrupt the cell after this many milliseconds (and kill the interpreter if that fails). */
  timeoutMs?: number;
  /** Bytes of stdout and of stderr to keep. @default 100_000 */
  maxOutputBytes?: number;
  /** Largest PNG returned per figure; bigger figures are re-rendered at a lower resolution. @default 400_000 */
  maxImageBytes?: number;
  /** Most figures returned per call. @default 8 */
  maxImages?: number;
  /** Aborting interrupts the cell like a timeout does. */
  signal?: AbortSignal;
  /** Called now and then with the latest line of output while the cell runs. */
  onOutput?: (line: string) => void;
}

/** An exception raised by a Python cell. */
export interface PythonError {
  /** The exception's class name, e.g. `"ZeroDivisionError"`. */
  type: string;
  /** `str()` of the exception. */
  message: string;
  /** The formatted traceback, showing only the cell's own frames. */
  traceback: string;
}

/** A figure the cell drew. */
export interface PythonImage {
  /** Always `"image/png"` for matplotlib figures. */
  mimeType: string;
  /** The image bytes, base64-encoded. */
  data: string;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Size of the decoded image in bytes. */
  bytes: number;
}

/** What a Python cell produced. */
export interface PythonResult {
  /** What the cell printed to stdout (capped like {@linkcode ExecResult.stdout}). */
  stdout: string;
  /** What the cell printed to stderr (warnings included). */
  stderr: string;
  /** `repr()` of the cell's final expression, if it has one and it is not `None`. */
  result: string | null;
  /** The exception the cell raised, if any. */
  error: PythonError | null;
  /** matplotlib figures left open by the cell; they are closed after the call. */
  images: PythonImage[];
  /** Remarks about the call, e.g. a figure that was too large to return. */
  notes: string[];
  /** Whether the timeout interrupted the cell. */
  timedOut: boolean;
  /** Whether the caller's abort signal interrupted the cell. */
  cancelled: boolean;
  /** `"kept"`: variables survive for the next call. `"lost"`: the interpreter ended; the next call starts fresh. */
  state: "kept" | "lost";
  /** Whether this call ran in a newly started interpreter (first call, after a reset or a crash). */
  freshInterpreter: boolean;
  /** Set when the interpreter died during the call (`os._exit`, a segfault, the OOM killer). */
  died: { exitCode: number | null; signal: string | null } | null;
  /** Wall time of the call, in milliseconds. */
  durationMs: number;
  /** Whether part of stdout or stderr was dropped to respect the cap. */
  truncated: boolean;
}

/** A file or directory in a sandbox. */
export interface FileInfo {
  /** Absolute path inside the sandbox. */
  path: string;
  /** The last component of the path. */
  name: string;
  /** What it is; a symlink is reported as such only by {@linkcode Sandbox.listFiles}. */
  type: "file" | "directory" | "symlink" | "other";
  /** Size in bytes. */
  size: number;
  /** Last modification, as an ISO 8601 date. */
  modified: string;
  /** Permissions as `ls -l` shows them, e.g. `"-rw-r--r--"`. */
  mode: string;
  /** Where a symlink points. */
  target?: string;
}

/** Options for {@linkcode Sandbox.readFile}. */
export interface ReadFileOptions {
  /** First byte to read. @default 0 */
  offset?: number;
  /** Most bytes to read. @default to the end of the file */
  length?: number;
  /** Bytes fetched per step; the stream reads no further than the consumer pulls. @default 1 MiB */
  chunkSize?: number;
  /** Aborting stops the read. */
  signal?: AbortSignal;
}

/** Options for {@linkcode Sandbox.writeFile}. */
export interface WriteFileOptions {
  /** Replace an existing file. When false, an existing file is left untouched and an error is thrown. @default true */
  overwrite?: boolean;
  /** Aborting stops the upload; the target is then unchanged. */
  signal?: AbortSignal;
}

/** Options for {@linkcode Sandbox.listFiles}. */
export interface ListFilesOptions {
  /** How many directory levels to descend; 1 lists only the directory's own entries. @default 1 */
  depth?: number;
  /** Most entries to return. @default 1000 */
  limit?: number;
  /** Aborting stops waiting. */
  signal?: AbortSignal;
}

/** What {@linkcode Sandbox.listFiles} found. */
export interface FileListing {
  /** The listed directory, absolute. */
  path: string;
  /** Entries, breadth first, sorted by name within each directory. Symlinks are not followed. */
  entries: FileInfo[];
  /** Whether entries were left out because of the limit. */
  truncated: boolean;
}

/** Facts about a sandbox that tools and the server's instructions mention. */
export interface SandboxInfo {
  /** The provider that made it, e.g. `"local"`. */
  provider: string;
  /** The home directory inside the sandbox, the default working directory. */
  home: string;
  /** The Python version inside the sandbox, e.g. `"3.11.2"`. */
  pythonVersion: string;
  /** Whether processes are isolated from the host (always true except in the unisolated local mode). */
  isolated: boolean;
}

/** Options for the lifecycle calls of a sandbox. */
export interface SignalOptions {
  /** Aborting stops waiting. */
  signal?: AbortSignal;
}

/**
 * A private workspace where commands and Python run. Close it (or use `await using`) to kill all
 * its processes and delete its files.
 */
export interface Sandbox extends AsyncDisposable {
  /** A unique id for this sandbox. */
  readonly id: string;
  /** Facts about the sandbox. */
  readonly info: SandboxInfo;
  /** Whether the sandbox is closed (by {@linkcode Sandbox.close} or because it died). */
  readonly closed: boolean;
  /**
   * Runs `command` with `/bin/sh -c` (or, given an array, runs that argv directly, with no shell)
   * in its own process group. Background processes it starts keep running after it returns.
   */
  exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Runs `code` in the sandbox's long-lived Python interpreter, whose variables persist. */
  runPython(code: string, options?: PythonOptions): Promise<PythonResult>;
  /** Discards the Python interpreter's state by starting a new interpreter. */
  resetPython(options?: SignalOptions): Promise<void>;
  /**
   * Describes a file or directory, following symlinks as the sandbox's processes would. Relative
   * paths are relative to the home directory. Throws {@linkcode SandboxFileError}.
   */
  stat(path: string, options?: SignalOptions): Promise<FileInfo>;
  /** Streams a byte range of a file, reading only as far as the consumer pulls. */
  readFile(path: string, options?: ReadFileOptions): ReadableStream<Uint8Array<ArrayBuffer>>;
  /** Writes a file, creating parent directories; never leaves a half-written file behind. */
  writeFile(path: string, data: Uint8Array, options?: WriteFileOptions): Promise<FileInfo>;
  /** Lists a directory, optionally recursively. */
  listFiles(path: string, options?: ListFilesOptions): Promise<FileListing>;
  /**
   * Where a server listening on `port` in the sandbox can be reached from outside. Throws a
   * {@linkcode SandboxError} saying why when it cannot be.
   */
  preview(port: number, options?: SignalOptions): Promise<PreviewLink>;
  /**
   * Clones a git repository with the provider's own git service, where it has one (Daytona's
   * toolbox): credentials then go to the service and never into the sandbox. Without it, tools
   * run git in the sandbox.
   */
  gitClone?(request: GitCloneRequest): Promise<void>;
  /** Kills every process of the sandbox and deletes its files. Idempotent. */
  close(): Promise<void>;
}

/** What {@linkcode Sandbox.gitClone} clones. */
export interface GitCloneRequest extends SignalOptions {
  /** The repository URL. */
  url: string;
  /** Absolute target path in the sandbox. */
  path: string;
  /** Branch or tag. */
  branch?: string;
  /** Commit to check out. */
  commit?: string;
  /** History depth; undefined for all. */
  depth?: number;
  /** User name for https authentication. */
  username?: string;
  /** Password or token for https authentication. */
  password?: string;
}

/** How to reach a server running in a sandbox. */
export interface PreviewLink {
  /** The URL. */
  url: string;
  /** For a private sandbox: send it as the `X-Daytona-Preview-Token` header. */
  token?: string;
  /** A URL that works without the token header, until `signedUrlExpiresAt`. */
  signedUrl?: string;
  /** When `signedUrl` stops working (ISO 8601). */
  signedUrlExpiresAt?: string;
}

/** What a new sandbox should be like. Providers reject what they cannot do with a TypeError. */
export interface CreateSandboxOptions extends SignalOptions {
  /** Container image to build from (Daytona), e.g. `"python:3.12-slim"`. */
  image?: string;
  /** Snapshot to start from (Daytona). */
  snapshot?: string;
  /** Environment variables for every process of the sandbox. */
  env?: Record<string, string>;
  /** CPU cores (Daytona). */
  cpu?: number;
  /** Memory in GiB (Daytona). */
  memory?: number;
  /** Disk in GiB (Daytona). */
  disk?: number;
  /** Cut the sandbox off the network. */
  networkBlockAll?: boolean;
  /** Minutes of inactivity before the sandbox stops (Daytona). */
  autoStopMinutes?: number;
  /** Labels to find it by; the provider adds its own. */
  labels?: Record<string, string>;
}

/** A sandbox as {@linkcode SandboxProvider.list} reports it. */
export interface SandboxSummary {
  /** Its id. */
  id: string;
  /** The provider's word for its state, e.g. `"started"`. */
  state: string;
  /** Its labels. */
  labels: Record<string, string>;
  /** When it was created (ISO 8601), if known. */
  createdAt?: string;
}

/**
 * Makes sandboxes, and finds and deletes the ones it made. A provider never lists, reuses or
 * deletes a sandbox it did not create.
 */
export interface SandboxProvider extends AsyncDisposable {
  /** The provider's name, e.g. `"local"`. */
  readonly name: string;
  /** Creates and starts a new sandbox. */
  create(options?: CreateSandboxOptions): Promise<Sandbox>;
  /** A sandbox this provider created, by id. Throws a {@linkcode SandboxError} for any other. */
  get(id: string, options?: SignalOptions): Promise<Sandbox>;
  /** The sandboxes this provider created that still exist. */
  list(options?: SignalOptions): Promise<SandboxSummary[]>;
  /** Deletes a sandbox this provider created. Throws a {@linkcode SandboxError} for any other. */
  delete(id: string, options?: SignalOptions): Promise<void>;
  /** Checks that sandboxes can be made (tools installed, credentials set); throws how to fix it. */
  check(options?: SignalOptions): Promise<void>;
  /** Deletes every sandbox this provider created and still holds, and releases its resources. */
  close(): Promise<void>;
}

/**
 * Thrown when a sandbox cannot be created or stops working, e.g. when its processes died.
 *
 * @example Tell sandbox failures from other errors
 * ```ts
 * import { SandboxError } from "./sandbox.ts";
 * const error: unknown = new SandboxError("Cannot use sandbox: it is closed", { sandboxId: "local-1" });
 * if (error instanceof SandboxError) console.log(error.sandboxId); // "local-1"
 * ```
 */
export class SandboxError extends Error {
  /** The id of the sandbox concerned, when it has one. */
  readonly sandboxId: string | undefined;

  /** Creates the error; `sandboxId` names the sandbox concerned. */
  constructor(message: string, options?: ErrorOptions & { sandboxId?: string }) {
    super(message, options);
    this.name = "SandboxError";
    this.sandboxId = options?.sandboxId;
  }
}

/** Why a file operation failed. */
export type SandboxFileErrorCode =
  | "not_found"
  | "is_directory"
  | "not_directory"
  | "not_file"
  | "permission"
  | "read_only"
  | "exists"
  | "no_space"
  | "io";

/**
 * Thrown by the file operations of a {@linkcode Sandbox}; `code` says why.
 *
 * @example Treat a missing file as empty
 * ```ts
 * import { SandboxFileError } from "./sandbox.ts";
 * function orEmpty(error: unknown): string {
 *   if (error instanceof SandboxFileError && error.code === "not_found") return "";
 *   throw error;
 * }
 * console.log(orEmpty(new SandboxFileError("not_found", "Cannot read x: no such file"))); // ""
 * ```
 */
export class SandboxFileError extends SandboxError {
  /** Why the operation failed. */
  readonly code: SandboxFileErrorCode;

  /** Creates the error. */
  constructor(code: SandboxFileErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SandboxFileError";
    this.code = code;
  }
}
