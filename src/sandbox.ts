/**
 * The one interface every sandbox provider implements. Tools talk only to a {@linkcode Sandbox};
 * providers (local bubblewrap, Daytona) adapt it to their machinery.
 *
 * @module
 */

/**
 * Options for {@linkcode Sandbox.exec}.
 *
 * @example Run a command in a directory, with a variable and a time limit
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { type ExecOptions, LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("mkdir -p project");
 * const options: ExecOptions = { cwd: "project", env: { GREETING: "hi" }, timeoutMs: 10_000 };
 * const { stdout } = await sandbox.exec('echo "$GREETING from $(pwd)"', options);
 * equal(stdout, "hi from /home/sandbox/project\n");
 * ```
 */
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
  /**
   * Told when the call waits for the provider rather than for the code, e.g. for Daytona's rate
   * limit, with a sentence saying what it waits for and how long.
   */
  onWait?: (message: string) => void;
}

/**
 * What a finished command produced. Non-zero exits and timeouts are results, not errors.
 *
 * @example Tell a timeout from a failure
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const result = await sandbox.exec("sleep 60", { timeoutMs: 1_000 });
 * equal(result.timedOut, true);
 * equal(result.exitCode, null);
 * equal(result.signal, "SIGKILL");
 * ```
 */
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
  /** What else the caller should know, e.g. that the sandbox was started again (Daytona). */
  notes?: string[];
}

/**
 * Options for {@linkcode Sandbox.runPython}.
 *
 * @example Interrupt a slow cell
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, type PythonOptions } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const options: PythonOptions = { timeoutMs: 2_000, maxImages: 1 };
 * const result = await sandbox.runPython("import time; time.sleep(60)", options);
 * equal(result.timedOut, true);
 * equal(result.state, "kept");
 * ```
 */
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
  /**
   * Told when the call waits for the provider rather than for the code, e.g. for Daytona's rate
   * limit, with a sentence saying what it waits for and how long.
   */
  onWait?: (message: string) => void;
}

/**
 * An exception raised by a Python cell.
 *
 * @example Show the exception a cell raised
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const { error } = await sandbox.runPython("1 / 0");
 * equal(error?.type, "ZeroDivisionError");
 * equal(error?.message, "division by zero");
 * ```
 */
export interface PythonError {
  /** The exception's class name, e.g. `"ZeroDivisionError"`. */
  type: string;
  /** `str()` of the exception. */
  message: string;
  /** The formatted traceback, showing only the cell's own frames. */
  traceback: string;
}

/**
 * A figure the cell drew.
 *
 * @example Save the figures a cell drew
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const code = "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])";
 * const { images } = await sandbox.runPython(code);
 * equal(images.length, 1);
 * for (const [i, image] of images.entries()) {
 *   await Deno.writeFile(`figure-${i}.png`, Uint8Array.fromBase64(image.data));
 * }
 * ```
 */
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

/**
 * What a Python cell produced.
 *
 * @example Keep variables between cells
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.runPython("total = sum(range(10))");
 * const result = await sandbox.runPython("print('done')\ntotal");
 * equal(result.stdout, "done\n");
 * equal(result.result, "45");
 * equal(result.state, "kept");
 * ```
 */
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

/**
 * A file or directory in a sandbox.
 *
 * @example Write a file and see what was written
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const info = await sandbox.writeFile("hello.txt", new TextEncoder().encode("hi\n"));
 * equal(info.path, "/home/sandbox/hello.txt");
 * equal(info.type, "file");
 * equal(info.size, 3);
 * ```
 */
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

/**
 * A file that {@linkcode Sandbox.writeFile} wrote.
 *
 * @example Tell a new file from a replaced one
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const data = new TextEncoder().encode("v1\n");
 * equal((await sandbox.writeFile("notes.txt", data)).replaced, false);
 * equal((await sandbox.writeFile("notes.txt", data)).replaced, true);
 * ```
 */
export interface WrittenFile extends FileInfo {
  /** Whether a file of that name was there before and was replaced. */
  replaced: boolean;
}

/**
 * Options for {@linkcode Sandbox.readFile}.
 *
 * @example Read a byte range of a file
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("seq 1 100000 > numbers.txt");
 * const range = sandbox.readFile("numbers.txt", { offset: 6, length: 8 });
 * equal(await new Response(range).text(), "4\n5\n6\n7\n");
 * ```
 */
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

/**
 * Options for {@linkcode Sandbox.writeFile}.
 *
 * @example Create a file only if it does not exist yet
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, SandboxFileError } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const data = new TextEncoder().encode("{}");
 * const createOnce = () =>
 *   sandbox.writeFile("config.json", data, { overwrite: false }).catch((error) => {
 *     if (!(error instanceof SandboxFileError && error.code === "exists")) throw error;
 *   });
 * equal((await createOnce())?.size, 2);
 * equal(await createOnce(), undefined); // it existed: left as it was
 * ```
 */
export interface WriteFileOptions {
  /** Replace an existing file. When false, an existing file is left untouched and an error is thrown. @default true */
  overwrite?: boolean;
  /** Aborting stops the upload; the target is then unchanged. */
  signal?: AbortSignal;
  /** Told when the call waits for the provider (see {@linkcode SignalOptions.onWait}). */
  onWait?: (message: string) => void;
}

/**
 * Options for {@linkcode Sandbox.listFiles}.
 *
 * @example List a directory two levels deep
 * ```ts ignore
 * import { deepEqual } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("mkdir -p src/lib && touch src/main.py src/lib/util.py");
 * const { entries } = await sandbox.listFiles("src", { depth: 2, limit: 100 });
 * deepEqual(entries.map((entry) => entry.name), ["lib", "main.py", "util.py"]);
 * ```
 */
export interface ListFilesOptions {
  /** How many directory levels to descend; 1 lists only the directory's own entries. @default 1 */
  depth?: number;
  /** Most entries to return. @default 1000 */
  limit?: number;
  /** Aborting stops waiting. */
  signal?: AbortSignal;
  /** Told when the call waits for the provider (see {@linkcode SignalOptions.onWait}). */
  onWait?: (message: string) => void;
}

/**
 * What {@linkcode Sandbox.listFiles} found.
 *
 * @example Find the Python files of a directory
 * ```ts ignore
 * import { deepEqual, equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("mkdir -p app && touch app/main.py app/README.md");
 * const listing = await sandbox.listFiles("app");
 * const python = listing.entries.filter((entry) => entry.name.endsWith(".py"));
 * equal(listing.path, "/home/sandbox/app");
 * deepEqual(python.map((entry) => entry.path), ["/home/sandbox/app/main.py"]);
 * equal(listing.truncated, false);
 * ```
 */
export interface FileListing {
  /** The listed directory, absolute. */
  path: string;
  /** Entries, breadth first, sorted by name within each directory. Symlinks are not followed. */
  entries: FileInfo[];
  /** Whether entries were left out because of the limit. */
  truncated: boolean;
}

/**
 * Facts about a sandbox that tools and the server's instructions mention.
 *
 * @example See where a sandbox runs
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const { provider: kind, home, isolated } = sandbox.info;
 * equal(kind, "local");
 * equal(home, "/home/sandbox");
 * equal(isolated, true);
 * ```
 */
export interface SandboxInfo {
  /** The provider that made it, e.g. `"local"`. */
  provider: string;
  /** The home directory inside the sandbox, the default working directory. */
  home: string;
  /** The Python version inside the sandbox, e.g. `"3.11.2"`. */
  pythonVersion: string;
  /** Whether processes are isolated from the host (always true except in the unisolated local mode). */
  isolated: boolean;
  /** Ports inside that the sandbox's own machinery listens on (a local sandbox's proxy relay). */
  reservedPorts?: readonly number[];
  /**
   * The shared directories of this machine that the sandbox has mounted (a local sandbox), and
   * where; tools then move files between a share and the sandbox inside the sandbox's own view.
   */
  shares?: readonly SharedMount[];
  /**
   * What of the sandbox's budget this machine does not enforce, and why (a local server without
   * control groups or disk images): there, only per-process limits bound its use. Absent when
   * the whole budget holds.
   */
  unbudgeted?: string;
}

/**
 * A directory of the host mounted into a sandbox (see `--share`).
 *
 * @example Find where a shared directory is inside a sandbox
 * ```ts
 * import { equal } from "node:assert/strict";
 * import type { SharedMount } from "./sandbox.ts";
 * const mounts: SharedMount[] = [{ hostPath: "/home/me/projects", path: "/shared/projects", mode: "ro" }];
 * equal(mounts.find((mount) => mount.hostPath === "/home/me/projects")?.path, "/shared/projects");
 * ```
 */
export interface SharedMount {
  /** The directory on the host. */
  hostPath: string;
  /** Where the sandbox sees it. */
  path: string;
  /** Whether the sandbox may change it. */
  mode: "ro" | "rw";
}

/**
 * Options for the lifecycle calls of a sandbox.
 *
 * @example Stop waiting after a while
 * ```ts ignore
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create({ signal: AbortSignal.timeout(60_000) });
 * await sandbox.resetPython({ signal: AbortSignal.timeout(10_000) });
 * ```
 */
export interface SignalOptions {
  /** Aborting stops waiting. */
  signal?: AbortSignal;
  /**
   * Told when the call waits for the provider rather than for the code, e.g. for Daytona's rate
   * limit, with a sentence saying what it waits for and how long.
   */
  onWait?: (message: string) => void;
}

/** A task's record in its sandbox ({@linkcode SandboxTasks}). */
export interface TaskRecord {
  /** Working, or how it ended. */
  status: "working" | "completed" | "failed" | "cancelled";
  /** While working: the latest output line of its running call. */
  statusMessage?: string;
  /** ISO 8601, as the server that began it said. */
  createdAt: string;
  /** ISO 8601, by the sandbox's clock. */
  updatedAt: string;
  /** Failed because its server stopped renewing it (that server died). */
  abandoned: boolean;
  /** What it ended with: the tool result (completed) or the error (failed). */
  result?: Record<string, unknown>;
}

/**
 * Records of the MCP tasks that servers run in a sandbox, kept by its agent so that any server of
 * a deployment can report or cancel a task, not only the one running its call. The calls a
 * task's tool call makes in the sandbox are the task's: cancelling the task stops them.
 */
export interface SandboxTasks {
  /**
   * Opens the record of a working task, or renews it: a task not renewed for `abandonAfterS`
   * reads as failed (its server died).
   */
  begin(
    task: string,
    createdAt: string,
    abandonAfterS: number,
    options?: SignalOptions,
  ): Promise<TaskRecord>;
  /** The record, or null when there is none (never begun, or kept long enough). */
  get(task: string, options?: SignalOptions): Promise<TaskRecord | null>;
  /** Closes a working task's record; returns how it ended (a cancelled task stays cancelled). */
  end(
    task: string,
    status: "completed" | "failed",
    result: Record<string, unknown>,
    options?: SignalOptions,
  ): Promise<TaskRecord | null>;
  /** Ends a working task as cancelled and stops its calls. */
  cancel(task: string, options?: SignalOptions): Promise<TaskRecord | null>;
}

/**
 * A private workspace where commands and Python run. Close it (or use `await using`) to kill all
 * its processes and delete its files.
 *
 * @example Write code that works with any provider's sandbox
 * ```ts ignore
 * import { match } from "node:assert/strict";
 * import { LocalProvider, type Sandbox } from "../mod.ts";
 * async function pythonVersion(sandbox: Sandbox): Promise<string> {
 *   return (await sandbox.exec(["python3", "--version"])).stdout.trim();
 * }
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * match(await pythonVersion(sandbox), /^Python 3\.\d+\.\d+$/); // e.g. "Python 3.11.2"
 * ```
 */
export interface Sandbox extends AsyncDisposable {
  /** A unique id for this sandbox. */
  readonly id: string;
  /** Facts about the sandbox. */
  readonly info: SandboxInfo;
  /** Whether the sandbox is closed (by {@linkcode Sandbox.close} or because it died). */
  readonly closed: boolean;
  /**
   * The name of the persistent workspace this sandbox is, if it is one (see
   * {@linkcode CreateSandboxOptions.workspace}): closing it keeps its files.
   */
  readonly workspace?: string;
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
   * Kills every process of the sandbox (running commands, background servers, the Python
   * interpreter, and whatever they left behind, a fork bomb included) and keeps its files. The
   * next `runPython` starts a fresh interpreter.
   */
  killAll(options?: SignalOptions): Promise<ProcessReset>;
  /**
   * Describes a file or directory, following symlinks as the sandbox's processes would. Relative
   * paths are relative to the home directory. Throws {@linkcode SandboxFileError}.
   */
  stat(path: string, options?: SignalOptions): Promise<FileInfo>;
  /** Streams a byte range of a file, reading only as far as the consumer pulls. */
  readFile(path: string, options?: ReadFileOptions): ReadableStream<Uint8Array<ArrayBuffer>>;
  /**
   * Notes about the sandbox that no call's result has carried yet, e.g. that Daytona had stopped
   * it and it was started again; each is returned once. For tools whose sandbox calls have no
   * place for notes. Providers with nothing to say may leave it out.
   */
  takeNotes?(): string[];
  /**
   * What the sandbox uses now against its budget, where the provider measures it (a local
   * sandbox with a control group); undefined when unknown. Providers that do not measure may
   * leave it out.
   */
  resources?(): Promise<SandboxResources | undefined>;
  /**
   * Writes a file, creating parent directories; never leaves a half-written file behind. `data`
   * may be a stream, which is written as it arrives, in constant memory, whatever its size; if it
   * fails, the file is left as it was.
   */
  writeFile(
    path: string,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options?: WriteFileOptions,
  ): Promise<WrittenFile>;
  /**
   * Copies the regular file `from` to `to` inside the sandbox, in its own view (paths relative to
   * home), as {@linkcode Sandbox.writeFile} writes: the bytes never leave the sandbox. Where a
   * provider offers it, a shared directory's file comes in or goes out this way.
   */
  copyFile?(from: string, to: string, options?: CopyFileOptions): Promise<CopiedFile>;
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
  /**
   * Clones with a token where no process of the sandbox can see it or change how git runs, then
   * moves the clone to `request.path`; with `lfs` it fetches Git LFS objects there too. The local
   * provider runs each git step in a separate short-lived bubblewrap isolation (its own PID
   * namespace) with a clean git configuration. Tools call it only when a token applies.
   */
  gitCloneWithCredentials?(
    request: GitCloneWithCredentialsRequest,
  ): Promise<GitCloneWithCredentialsResult>;
  /**
   * The sandbox's records of MCP tasks, which every server of a deployment can read: where the
   * sandbox has an agent that keeps them (both providers; not a Daytona image without Python).
   */
  readonly tasks?: SandboxTasks;
  /**
   * Kills every process of the sandbox and deletes its files; a persistent workspace keeps its
   * files (local: on the host; Daytona: the sandbox is stopped, not deleted). Idempotent.
   */
  close(): Promise<void>;
}

/** Options of {@linkcode Sandbox.copyFile}. */
export interface CopyFileOptions extends SignalOptions {
  /** Replace an existing file at the target. @default true */
  overwrite?: boolean;
}

/** What {@linkcode Sandbox.copyFile} wrote. */
export interface CopiedFile {
  /** The file at the target, as written. */
  file: WrittenFile;
  /** SHA-256 of the bytes copied, hex. */
  sha256: string;
}

/**
 * What {@linkcode Sandbox.killAll} did.
 *
 * @example Stop a runaway background job and keep the files
 * ```ts ignore
 * import { equal, ok } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("echo kept > notes.txt; sleep 600 &");
 * const { killed } = await sandbox.killAll();
 * ok(killed >= 1);
 * equal((await sandbox.exec("cat notes.txt")).stdout, "kept\n");
 * ```
 */
export interface ProcessReset {
  /** How many processes were killed (the Python interpreter included, when it was running). */
  killed: number;
}

/**
 * What a sandbox uses now against its budget, from {@linkcode Sandbox.resources}.
 *
 * @example Check a sandbox's memory against its budget
 * ```ts ignore
 * import { ok } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const now = await sandbox.resources?.(); // undefined where the sandbox has no cgroup
 * if (now) ok(now.memoryBytes < now.memoryBudgetBytes, `${now.memoryBytes >> 20} MiB used`);
 * ```
 */
export interface SandboxResources {
  /** Bytes of memory charged to it, page cache and RAM-backed files included. */
  memoryBytes: number;
  /** Bytes of memory it may use; past it the kernel kills a process. */
  memoryBudgetBytes: number;
  /** Processes and threads now. */
  processes: number;
  /** Processes and threads it may have. */
  processBudget: number;
  /** CPU seconds used since it started. */
  cpuSeconds: number;
  /** Processes the kernel killed for going over the memory budget, since it started. */
  oomKills: number;
  /** Forks that failed at the process budget since it started, where the kernel counts them. */
  forkFailures?: number;
  /** Bytes its home and /tmp hold, where a disk budget is enforced. */
  diskBytes?: number;
  /** Bytes its home and /tmp may hold together; past it writes fail with ENOSPC. */
  diskBudgetBytes?: number;
  /** Bytes still free within the disk budget. */
  diskFreeBytes?: number;
}

/**
 * What {@linkcode Sandbox.gitClone} clones.
 *
 * @example Clone with Daytona's git service
 * ```ts ignore
 * import { DaytonaProvider } from "./providers/daytona/mod.ts";
 * await using provider = new DaytonaProvider({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * await using sandbox = await provider.create();
 * const path = `${sandbox.info.home}/std`;
 * await sandbox.gitClone?.({ url: "https://github.com/denoland/std.git", path, depth: 1 });
 * ```
 */
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

/**
 * What {@linkcode Sandbox.gitCloneWithCredentials} clones, and with which token.
 *
 * @example Clone a private repository with a token the sandbox never sees
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const { lfs } = await sandbox.gitCloneWithCredentials!({
 *   url: "https://github.com/acme/private.git",
 *   path: `${sandbox.info.home}/private`,
 *   username: "x-access-token",
 *   password: Deno.env.get("GITHUB_TOKEN")!,
 *   lfs: true,
 * });
 * equal(lfs, "pulled");
 * ```
 */
export interface GitCloneWithCredentialsRequest extends GitCloneRequest {
  /** User name for https authentication. */
  username: string;
  /** Password or token for https authentication; sent only to the URL's host. */
  password: string;
  /** Also fetch Git LFS objects (with the same credentials). @default false */
  lfs?: boolean;
  /** Milliseconds each git step may take. @default 300000 */
  timeoutMs?: number;
  /** Receives git's progress lines. */
  onProgress?: (line: string) => void;
}

/**
 * What {@linkcode Sandbox.gitCloneWithCredentials} did about Git LFS.
 *
 * @example Tell whether LFS files are real
 * ```ts
 * import { equal } from "node:assert/strict";
 * import type { GitCloneWithCredentialsResult } from "./sandbox.ts";
 * const result: GitCloneWithCredentialsResult = { lfs: "missing" };
 * const files = result.lfs === "pulled" ? "real files" : "pointer files";
 * equal(files, "pointer files");
 * ```
 */
export interface GitCloneWithCredentialsResult {
  /** "not_requested", "pulled", or "missing" (git-lfs is not installed). */
  lfs: "not_requested" | "pulled" | "missing";
}

/**
 * How to reach a server running in a sandbox.
 *
 * @example Fetch a page from a server in the sandbox
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("python3 -m http.server 8000 > /dev/null 2>&1 & sleep 1");
 * const link = await sandbox.preview(8000);
 * const headers: HeadersInit = link.token ? { "X-Daytona-Preview-Token": link.token } : {};
 * const response = await fetch(link.url, { headers });
 * equal(response.status, 200);
 * await response.body?.cancel();
 * ```
 */
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

/**
 * What a new sandbox should be like. Providers reject what they cannot do with a TypeError.
 *
 * @example Create a sandbox without network access
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create({
 *   networkBlockAll: true,
 *   env: { MODE: "offline" },
 *   labels: { task: "untrusted-code" },
 * });
 * equal((await sandbox.exec("echo $MODE")).stdout, "offline\n");
 * ```
 */
export interface CreateSandboxOptions extends SignalOptions {
  /** Container image to build from (Daytona), e.g. `"python:3.12-slim"`. */
  image?: string;
  /** Snapshot to start from (Daytona). */
  snapshot?: string;
  /** Environment variables for every process of the sandbox. */
  env?: Record<string, string>;
  /** CPU cores (Daytona; local: lowers the provider's budget, refused above it). */
  cpu?: number;
  /** Memory in GiB (Daytona; local: lowers the provider's budget, refused above it). */
  memory?: number;
  /** Disk in GiB (Daytona; local: home and /tmp, lowers the provider's budget, refused above it). */
  disk?: number;
  /** Cut the sandbox off the network. */
  networkBlockAll?: boolean;
  /**
   * What the sandbox may reach: domain names (`*.example.org` for subdomains) on the local
   * provider, whose egress proxy enforces them; IPv4 CIDR blocks on Daytona.
   */
  networkAllowList?: readonly string[];
  /** Minutes of inactivity before the sandbox stops (Daytona). */
  autoStopMinutes?: number;
  /** Labels to find it by; the provider adds its own. */
  labels?: Record<string, string>;
  /**
   * Make it the persistent workspace of this name (see `WORKSPACE_NAME`), or attach that
   * workspace again if it exists: its files survive the sandbox's close and the server's
   * restart, its processes do not. Only {@linkcode SandboxProvider.deleteWorkspace} deletes it.
   * The other options apply only when it is first made. Providers without persistent workspaces
   * reject it with a TypeError.
   */
  workspace?: string;
  /**
   * Who the sandbox belongs to (a {@linkcode SandboxSession} passes its own): the local
   * provider's sandboxes of one tenant share a package cache that no other tenant's sandbox
   * sees. @default one tenant for all sandboxes without one
   */
  tenant?: string;
  /**
   * Called once the sandbox's own processes run, before it is ready: a caller that has work of its
   * own to do (a server loading its protocol code) can start it then, while the sandbox boots.
   * Providers whose sandboxes start elsewhere (Daytona) do not call it.
   */
  onStarted?: () => void;
}

/**
 * A sandbox as {@linkcode SandboxProvider.list} reports it.
 *
 * @example List the sandboxes a provider made
 * ```ts ignore
 * import { deepEqual } from "node:assert/strict";
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create({ labels: { task: "demo" } });
 * const summaries = await provider.list();
 * deepEqual(
 *   summaries.map((summary) => [summary.id, summary.state, summary.labels.task]),
 *   [[sandbox.id, "started", "demo"]],
 * );
 * ```
 */
export interface SandboxSummary {
  /** Its id. */
  id: string;
  /** The provider's word for its state, e.g. `"started"`. */
  state: string;
  /** Its labels. */
  labels: Record<string, string>;
  /** When it was created (ISO 8601), if known. */
  createdAt?: string;
  /** The name of the persistent workspace it is, if it is one. */
  workspace?: string;
  /**
   * The tenant it was created for ({@linkcode CreateSandboxOptions.tenant}), where the provider
   * records it (the Daytona provider in a deployment of several servers).
   */
  tenant?: string;
}

/**
 * Options for {@linkcode SandboxProvider.find}.
 *
 * @example Find a client's sandbox from any server of a deployment
 * ```ts ignore
 * import { ok } from "node:assert/strict";
 * import { DaytonaProvider } from "./providers/daytona/mod.ts";
 * const apiKey = Deno.env.get("DAYTONA_API_KEY")!;
 * await using a = new DaytonaProvider({ apiKey, deployment: "prod" });
 * await using b = new DaytonaProvider({ apiKey, deployment: "prod" });
 * const made = await a.create({ tenant: "alice" });
 * ok(await b.find(made.id, { tenant: "alice" })); // another server finds it
 * ok(!await b.find(made.id, { tenant: "bob" })); // another tenant does not
 * await made.close();
 * ```
 */
export interface FindSandboxOptions extends SignalOptions {
  /** Whose sandbox it must be: the tenant it was created for. */
  tenant: string;
}

/**
 * A persistent workspace as {@linkcode SandboxProvider.workspaces} reports it, attached or not.
 *
 * @example List the workspaces kept on this machine
 * ```ts ignore
 * import { LocalProvider } from "../mod.ts";
 * await using provider = new LocalProvider({ workspacesDir: "/tmp/workspaces" });
 * for (const workspace of await provider.workspaces()) {
 *   console.log(workspace.name, workspace.id, workspace.state); // "thesis" "local-ws-thesis" "stopped"
 * }
 * ```
 */
export interface WorkspaceSummary {
  /** Its name. */
  name: string;
  /** The id of its sandbox when attached (for Daytona, the sandbox's id, attached or not). */
  id: string;
  /**
   * `"attached"` (open in this provider), `"in_use"` (held by another server), or the
   * provider's word for a sandbox that is not attached (`"stopped"`, `"started"`, …).
   */
  state: string;
  /** When it was first made (ISO 8601), if known. */
  createdAt?: string;
}

/**
 * Makes sandboxes, and finds and deletes the ones it made. A provider never lists, reuses or
 * deletes a sandbox it did not create.
 *
 * @example Accept any provider
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, type SandboxProvider } from "../mod.ts";
 * async function kernel(provider: SandboxProvider): Promise<string> {
 *   await provider.check(); // throws, saying how to fix it, when sandboxes cannot be made
 *   await using sandbox = await provider.create();
 *   return (await sandbox.exec("uname -s")).stdout.trim();
 * }
 * await using provider = new LocalProvider();
 * equal(await kernel(provider), "Linux");
 * ```
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
  /**
   * A sandbox of `options.tenant` by id, whichever server of the deployment created it, or
   * undefined when there is none: missing, deleted, another tenant's or another deployment's
   * alike. Only providers whose sandboxes several servers share (the Daytona provider with a
   * deployment) have it; their {@linkcode SandboxProvider.list} reports each sandbox's tenant.
   */
  find?(id: string, options: FindSandboxOptions): Promise<Sandbox | undefined>;
  /**
   * Every persistent workspace this provider keeps, attached or not. Providers without
   * persistent workspaces may leave it out.
   */
  workspaces?(options?: SignalOptions): Promise<WorkspaceSummary[]>;
  /**
   * Deletes a persistent workspace and everything in it, closing its sandbox first if it is
   * attached here. Throws a {@linkcode SandboxError} for a workspace that does not exist or that
   * another server holds.
   */
  deleteWorkspace?(name: string, options?: SignalOptions): Promise<void>;
  /**
   * Deletes every sandbox this provider created and still holds (persistent workspaces are
   * closed and kept), and releases its resources.
   */
  close(): Promise<void>;
}

/**
 * Thrown when a sandbox cannot be created or stops working, e.g. when its processes died.
 *
 * @example Tell sandbox failures from other errors
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { SandboxError } from "./sandbox.ts";
 * const error: unknown = new SandboxError("Cannot use sandbox: it is closed", { sandboxId: "local-1" });
 * ok(error instanceof SandboxError);
 * equal(error.sandboxId, "local-1");
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

/**
 * Why a file operation failed.
 *
 * @example Advise on a file error by its code
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { SandboxFileError, type SandboxFileErrorCode } from "../mod.ts";
 * const advice: Partial<Record<SandboxFileErrorCode, string>> = {
 *   not_found: "check the path with file_list",
 *   exists: "pass overwrite: true to replace it",
 * };
 * const error = new SandboxFileError("exists", "Cannot write a.txt: it already exists");
 * equal(advice[error.code] ?? error.message, "pass overwrite: true to replace it");
 * ```
 */
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
 * import { equal } from "node:assert/strict";
 * import { SandboxFileError } from "./sandbox.ts";
 * function orEmpty(error: unknown): string {
 *   if (error instanceof SandboxFileError && error.code === "not_found") return "";
 *   throw error;
 * }
 * equal(orEmpty(new SandboxFileError("not_found", "Cannot read x: no such file")), "");
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
