// An in-memory Sandbox for unit tests: a file tree, scripted commands and Python cells, recorded
// calls. It behaves like the agent-backed sandboxes where a tool could tell the difference: the
// same SandboxFileError codes and messages (agent.py's op_stat, op_read, op_write, op_list), the
// same TypeError for a program that is not installed or a cwd that is not a directory, output
// capped as head + tail like agent.py's Capture, reads served chunk by chunk as AgentOps does.
// It spawns nothing and needs no permission.

import { decodeCaptured } from "../../src/_output.ts";
import {
  type CreateSandboxOptions,
  type ExecOptions,
  type ExecResult,
  type FileInfo,
  type FileListing,
  type GitCloneRequest,
  type GitCloneWithCredentialsRequest,
  type GitCloneWithCredentialsResult,
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
  type SandboxProvider,
  type SandboxResources,
  type SandboxSummary,
  type SignalOptions,
  type WriteFileOptions,
  type WrittenFile,
} from "../../src/sandbox.ts";

const MIB = 1024 * 1024;
/** The most bytes agent.py's op_read returns per request (READ_LIMIT). */
const READ_LIMIT = 4 * MIB;
/** Every file and directory of a fake sandbox was last modified then. */
export const FAKE_MODIFIED = "2026-01-01T00:00:00.000Z";

/** A command the fake sandbox was asked to run. */
export interface ExecCall {
  /** What the tool passed: a shell command line or an argv. */
  command: string | readonly string[];
  /** The command as one string: the line itself, or the argv joined with spaces. */
  text: string;
  /** The argv, or undefined for a shell command line. */
  argv: readonly string[] | undefined;
  /** The options the tool passed. */
  options: ExecOptions;
}

/** What a scripted command produces; anything left out is a quick, clean exit 0. */
export type ExecReply = Partial<Omit<ExecResult, "stdoutBytes" | "stderrBytes" | "truncated">>;

/** A scripted reply, or a function of the call (it may change the sandbox's files, or throw). */
export type ExecHandler =
  | ExecReply
  | ((call: ExecCall, sandbox: FakeSandbox) => ExecReply | Promise<ExecReply>);

/** A Python cell the fake sandbox was asked to run. */
export interface PythonCall {
  code: string;
  options: PythonOptions;
}

/** What a scripted cell produces; anything left out is a quiet cell that kept its state. */
export type PythonReply = Partial<Omit<PythonResult, "freshInterpreter" | "truncated">>;

/** A scripted cell reply, or a function of the call. */
export type PythonHandler =
  | PythonReply
  | ((call: PythonCall, sandbox: FakeSandbox) => PythonReply | Promise<PythonReply>);

/** A read the fake sandbox served: what was asked and how many bytes went out. */
export interface ReadCall {
  path: string;
  offset: number;
  length: number | undefined;
  /** Bytes handed to the consumer, which reads only as far as it pulls. */
  served: number;
}

/** Options for {@linkcode FakeSandbox}. */
export interface FakeSandboxOptions {
  /** @default "fake-1" */
  id?: string;
  /** Facts about the sandbox. @default provider "fake", home "/home/sandbox", Python "3.11.2" */
  info?: Partial<SandboxInfo>;
  /** Files to start with, by path (relative to home, or absolute); parents are created. */
  files?: Record<string, string | Uint8Array>;
  /** Where a port can be reached. @default `http://127.0.0.1:<port>`, like the local host mode */
  preview?: (port: number) => PreviewLink | Promise<PreviewLink>;
  /** The provider's git service (Daytona's toolbox); left out, the sandbox has none. */
  gitClone?: (request: GitCloneRequest, sandbox: FakeSandbox) => Promise<void>;
  /** Token-safe cloning (the local provider); left out, the sandbox has none. */
  gitCloneWithCredentials?: (
    request: GitCloneWithCredentialsRequest,
    sandbox: FakeSandbox,
  ) => Promise<GitCloneWithCredentialsResult>;
  /** Readings of the sandbox's usage, one per call, the last repeated; left out, none. */
  resources?: (SandboxResources | undefined)[];
}

type Node =
  | { type: "file"; data: Uint8Array<ArrayBuffer> }
  | { type: "directory" };

/** A sandbox held in memory, whose commands and cells are scripted by the test. */
export class FakeSandbox implements Sandbox {
  readonly id: string;
  readonly info: SandboxInfo;
  /** Every command run, in order. */
  readonly execCalls: ExecCall[] = [];
  /** Every Python cell run, in order. */
  readonly pythonCalls: PythonCall[] = [];
  /** Every read, in order. */
  readonly reads: ReadCall[] = [];
  /** Every requested clone through `gitClone` or `gitCloneWithCredentials`, in order. */
  readonly gitCalls: (GitCloneRequest | GitCloneWithCredentialsRequest)[] = [];
  /** How many times Python was reset. */
  resets = 0;
  /** Processes {@linkcode FakeSandbox.killAll} reports it killed; set by a test. */
  running = 0;
  /** How many times `resources()` was read. */
  resourceReadings = 0;
  /** Notes {@linkcode FakeSandbox.takeNotes} hands out once. */
  notes: string[] = [];
  /** Optional members of Sandbox, present only when the options give them. */
  gitClone?: (request: GitCloneRequest) => Promise<void>;
  gitCloneWithCredentials?: (
    request: GitCloneWithCredentialsRequest,
  ) => Promise<GitCloneWithCredentialsResult>;
  resources?: () => Promise<SandboxResources | undefined>;

  #tree = new Map<string, Node>([["/", { type: "directory" }]]);
  #exec: [RegExp, ExecHandler][] = [];
  #python: [RegExp, PythonHandler][] = [];
  #preview: (port: number) => PreviewLink | Promise<PreviewLink>;
  #fresh = true;
  #closed = false;

  constructor(options: FakeSandboxOptions = {}) {
    this.id = options.id ?? "fake-1";
    this.info = {
      provider: "fake",
      home: "/home/sandbox",
      pythonVersion: "3.11.2",
      isolated: true,
      ...options.info,
    };
    this.mkdir(this.info.home);
    this.mkdir("/tmp");
    for (const [path, data] of Object.entries(options.files ?? {})) this.put(path, data);
    this.#preview = options.preview ?? ((port) => ({ url: `http://127.0.0.1:${port}` }));
    const { gitClone, gitCloneWithCredentials, resources } = options;
    if (gitClone) {
      this.gitClone = (request) => {
        this.#open();
        this.gitCalls.push(request);
        return gitClone(request, this);
      };
    }
    if (gitCloneWithCredentials) {
      this.gitCloneWithCredentials = (request) => {
        this.#open();
        this.gitCalls.push(request);
        return gitCloneWithCredentials(request, this);
      };
    }
    if (resources) {
      let next = 0;
      this.resources = () => {
        this.resourceReadings++;
        const reading = resources[Math.min(next++, resources.length - 1)];
        return Promise.resolve(reading && { ...reading });
      };
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---- scripting and inspection (not part of Sandbox) ----

  /**
   * Scripts the commands whose text matches `pattern` (a RegExp, or a string that must equal the
   * text). The first matching rule answers. Without one, an argv whose program is unknown throws
   * the agent's "not installed" TypeError and a shell command exits 127, as in a real sandbox.
   */
  onExec(pattern: RegExp | string, handler: ExecHandler): this {
    this.#exec.push([toPattern(pattern), handler]);
    return this;
  }

  /** Scripts the Python cells whose code matches `pattern`; the first matching rule answers. */
  onPython(pattern: RegExp | string, handler: PythonHandler): this {
    this.#python.push([toPattern(pattern), handler]);
    return this;
  }

  /** Writes a file directly, creating its parents; returns its absolute path. */
  put(path: string, data: string | Uint8Array): string {
    const absolute = this.resolve(path);
    this.mkdir(parentOf(absolute));
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    this.#tree.set(absolute, { type: "file", data: new Uint8Array(bytes) });
    return absolute;
  }

  /** Creates a directory and its parents; returns its absolute path. */
  mkdir(path: string): string {
    const absolute = this.resolve(path);
    for (const dir of ancestry(absolute)) {
      if (!this.#tree.has(dir)) this.#tree.set(dir, { type: "directory" });
    }
    return absolute;
  }

  /** Deletes a file or a directory with everything in it. */
  remove(path: string): void {
    const absolute = this.resolve(path);
    for (const key of [...this.#tree.keys()]) {
      if (key === absolute || key.startsWith(`${absolute}/`)) this.#tree.delete(key);
    }
  }

  /** A file's bytes, or undefined when there is no such file. */
  bytes(path: string): Uint8Array | undefined {
    const node = this.#tree.get(this.resolve(path));
    return node?.type === "file" ? node.data : undefined;
  }

  /** A file's text, or undefined when there is no such file. */
  text(path: string): string | undefined {
    const bytes = this.bytes(path);
    return bytes && new TextDecoder().decode(bytes);
  }

  /** A path as agent.py resolves it: `~` and relative paths from home, normalised. */
  resolve(path: string): string {
    const home = this.info.home;
    const expanded = path === "~" || path.startsWith("~/") ? home + path.slice(1) : path;
    const joined = expanded.startsWith("/") ? expanded : `${home}/${expanded}`;
    const parts: string[] = [];
    for (const part of joined.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") parts.pop();
      else parts.push(part);
    }
    return `/${parts.join("/")}`;
  }

  // ---- Sandbox ----

  async exec(command: string | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.#open();
    const argv = typeof command === "string" ? undefined : command;
    const call: ExecCall = {
      command,
      text: argv ? argv.join(" ") : command as string,
      argv,
      options,
    };
    this.execCalls.push(call);
    const cwd = options.cwd === undefined ? this.info.home : this.resolve(options.cwd);
    if (this.#tree.get(cwd)?.type !== "directory") {
      throw new TypeError(
        `Cannot run command: cwd '${options.cwd}' is not a directory in the sandbox`,
      );
    }
    const rule = this.#exec.find(([pattern]) => pattern.test(call.text));
    if (!rule && argv) {
      throw new TypeError(`Cannot start command: ${argv[0]} is not installed in the sandbox`);
    }
    const reply: ExecReply = !rule
      ? {
        exitCode: 127,
        stderr: `/bin/sh: 1: ${(command as string).trim().split(/\s+/)[0]}: not found\n`,
      }
      : typeof rule[1] === "function"
      ? await rule[1](call, this)
      : rule[1];
    const limit = options.maxOutputBytes ?? 100_000;
    const stdout = capture(reply.stdout ?? "", limit);
    const stderr = capture(reply.stderr ?? "", limit);
    return {
      exitCode: reply.exitCode === undefined ? 0 : reply.exitCode,
      signal: reply.signal ?? null,
      timedOut: reply.timedOut ?? false,
      cancelled: reply.cancelled ?? false,
      durationMs: reply.durationMs ?? 1,
      ...(reply.notes ? { notes: reply.notes } : {}),
      stdout: stdout.text,
      stderr: stderr.text,
      truncated: stdout.truncated || stderr.truncated,
      stdoutBytes: stdout.total,
      stderrBytes: stderr.total,
    };
  }

  async runPython(code: string, options: PythonOptions = {}): Promise<PythonResult> {
    this.#open();
    const call: PythonCall = { code, options };
    this.pythonCalls.push(call);
    const rule = this.#python.find(([pattern]) => pattern.test(code));
    const reply: PythonReply = !rule
      ? {}
      : typeof rule[1] === "function"
      ? await rule[1](call, this)
      : rule[1];
    const fresh = this.#fresh;
    const state = reply.state ?? "kept";
    this.#fresh = state === "lost";
    const limit = options.maxOutputBytes ?? 100_000;
    const stdout = capture(reply.stdout ?? "", limit);
    const stderr = capture(reply.stderr ?? "", limit);
    return {
      result: reply.result ?? null,
      error: reply.error ?? null,
      images: reply.images ?? [],
      notes: reply.notes ?? [],
      timedOut: reply.timedOut ?? false,
      cancelled: reply.cancelled ?? false,
      state,
      freshInterpreter: fresh,
      died: reply.died ?? null,
      durationMs: reply.durationMs ?? 1,
      stdout: stdout.text,
      stderr: stderr.text,
      truncated: stdout.truncated || stderr.truncated,
    };
  }

  killAll(_options?: SignalOptions): Promise<ProcessReset> {
    this.#open();
    const killed = this.running;
    this.running = 0;
    this.#fresh = true;
    return Promise.resolve({ killed });
  }

  resetPython(_options?: SignalOptions): Promise<void> {
    this.#open();
    this.resets++;
    this.#fresh = true;
    return Promise.resolve();
  }

  stat(path: string, _options?: SignalOptions): Promise<FileInfo> {
    try {
      this.#open();
      const absolute = this.resolve(path);
      return Promise.resolve(this.#describe(absolute, this.#lookup(absolute, "read")));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  readFile(path: string, options: ReadFileOptions = {}): ReadableStream<Uint8Array<ArrayBuffer>> {
    const absolute = this.resolve(path);
    const chunkSize = Math.min(options.chunkSize ?? MIB, READ_LIMIT);
    let offset = options.offset ?? 0;
    const end = options.length === undefined ? Infinity : offset + options.length;
    const read: ReadCall = { path: absolute, offset, length: options.length, served: 0 };
    this.reads.push(read);
    // Like AgentOps: nothing happens until the consumer pulls, and failures surface then.
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull: (controller) => {
        options.signal?.throwIfAborted();
        this.#open();
        const want = Math.min(chunkSize, end - offset);
        if (want <= 0) return controller.close();
        const node = this.#lookup(absolute, "read");
        if (node.type !== "file") {
          throw new SandboxFileError("is_directory", `Cannot read ${absolute}: it is a directory`);
        }
        const bytes = node.data.slice(offset, offset + want);
        offset += bytes.length;
        read.served += bytes.length;
        if (bytes.length > 0) controller.enqueue(bytes);
        if (bytes.length < want) controller.close();
      },
    });
  }

  takeNotes(): string[] {
    const notes = this.notes;
    this.notes = [];
    return notes;
  }

  async writeFile(
    path: string,
    given: Uint8Array | ReadableStream<Uint8Array>,
    options: WriteFileOptions = {},
  ): Promise<WrittenFile> {
    const data = given instanceof Uint8Array ? given : new Uint8Array(
      await new Response(given as ReadableStream<Uint8Array<ArrayBuffer>>).arrayBuffer(),
    );
    return await this.#write(path, data, options);
  }

  #write(
    path: string,
    data: Uint8Array,
    options: WriteFileOptions,
  ): Promise<WrittenFile> {
    try {
      this.#open();
      const absolute = this.resolve(path);
      const parent = parentOf(absolute);
      // os.makedirs(parent): a file as the parent is EEXIST, a file further up ENOTDIR.
      for (const dir of ancestry(parent)) {
        const node = this.#tree.get(dir);
        if (node?.type === "file") {
          throw dir === parent
            ? new SandboxFileError("exists", `Cannot write ${absolute}: it already exists`)
            : new SandboxFileError(
              "not_found",
              `Cannot write ${absolute}: a parent of it is not a directory`,
            );
        }
      }
      const existing = this.#tree.get(absolute);
      if (existing?.type === "directory") {
        throw new SandboxFileError("is_directory", `Cannot write ${absolute}: it is a directory`);
      }
      if (existing && options.overwrite === false) {
        throw new SandboxFileError(
          "exists",
          `Cannot write ${absolute}: it already exists and overwrite is false`,
        );
      }
      this.mkdir(parent);
      this.#tree.set(absolute, { type: "file", data: new Uint8Array(data) });
      return Promise.resolve({
        ...this.#describe(absolute, this.#tree.get(absolute)!),
        replaced: existing !== undefined,
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  listFiles(path: string, options: ListFilesOptions = {}): Promise<FileListing> {
    try {
      this.#open();
      const root = this.resolve(path || ".");
      const depth = Math.max(1, options.depth ?? 1);
      const limit = options.limit ?? 1000;
      if (this.#lookup(root, "list").type !== "directory") {
        throw new SandboxFileError("not_directory", `Cannot list ${root}: it is not a directory`);
      }
      const entries: FileInfo[] = [];
      let truncated = false;
      const pending: [string, number][] = [[root, 1]];
      while (pending.length > 0 && !truncated) {
        const [directory, level] = pending.shift()!;
        for (const child of this.#children(directory)) {
          if (entries.length >= limit) {
            truncated = true;
            break;
          }
          const node = this.#tree.get(child)!;
          entries.push(this.#describe(child, node));
          if (level < depth && node.type === "directory") pending.push([child, level + 1]);
        }
      }
      return Promise.resolve({ path: root, entries, truncated });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async preview(port: number, _options?: SignalOptions): Promise<PreviewLink> {
    if (this.#closed) {
      throw new SandboxError(`Cannot preview port ${port}: the sandbox is closed`, {
        sandboxId: this.id,
      });
    }
    return await this.#preview(port);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- inside ----

  #open(): void {
    if (this.#closed) {
      throw new SandboxError("Cannot use sandbox: it is closed", { sandboxId: this.id });
    }
  }

  /** The node at `absolute`, or agent.py's error for a path that does not lead to one. */
  #lookup(absolute: string, verb: string): Node {
    const node = this.#tree.get(absolute);
    if (node) return node;
    const blocked = ancestry(parentOf(absolute)).some((dir) =>
      this.#tree.get(dir)?.type === "file"
    );
    throw new SandboxFileError(
      "not_found",
      `Cannot ${verb} ${absolute}: ${
        blocked ? "a parent of it is not a directory" : "no such file or directory"
      }`,
    );
  }

  #children(directory: string): string[] {
    const prefix = directory === "/" ? "/" : `${directory}/`;
    return [...this.#tree.keys()]
      .filter((key) =>
        key !== "/" && key.startsWith(prefix) && !key.slice(prefix.length).includes("/")
      )
      .sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  }

  #describe(absolute: string, node: Node): FileInfo {
    return {
      path: absolute,
      name: absolute.slice(absolute.lastIndexOf("/") + 1) || "/",
      type: node.type,
      size: node.type === "file" ? node.data.length : 4096,
      modified: FAKE_MODIFIED,
      mode: node.type === "file" ? "-rw-r--r--" : "drwxr-xr-x",
    };
  }
}

/** Options for {@linkcode FakeProvider}. */
export interface FakeProviderOptions {
  /** Options for each sandbox it creates (the id is the provider's). */
  sandbox?: (n: number, options: CreateSandboxOptions) => FakeSandboxOptions;
  /** Make `create` fail with this error (once per entry, in order); undefined entries succeed. */
  failures?: (Error | undefined)[];
}

/** A provider of {@linkcode FakeSandbox}es, recording what it was asked. */
export class FakeProvider implements SandboxProvider {
  readonly name = "fake";
  /** Every sandbox created, in order. */
  readonly created: FakeSandbox[] = [];
  /** The options of every `create` call, in order. */
  readonly createCalls: CreateSandboxOptions[] = [];
  /** The ids asked of `get`, `delete` and how often `list` was called. */
  readonly asked: { get: string[]; delete: string[]; list: number } = {
    get: [],
    delete: [],
    list: 0,
  };
  closed = false;
  #options: FakeProviderOptions;
  #failures: (Error | undefined)[];

  constructor(options: FakeProviderOptions = {}) {
    this.#options = options;
    this.#failures = [...options.failures ?? []];
  }

  create(options: CreateSandboxOptions = {}): Promise<FakeSandbox> {
    this.createCalls.push(options);
    const failure = this.#failures.shift();
    if (failure) return Promise.reject(failure);
    const n = this.created.length + 1;
    const sandbox = new FakeSandbox({ ...this.#options.sandbox?.(n, options), id: `fake-${n}` });
    this.created.push(sandbox);
    return Promise.resolve(sandbox);
  }

  get(id: string, _options?: SignalOptions): Promise<FakeSandbox> {
    this.asked.get.push(id);
    const sandbox = this.created.find((s) => s.id === id && !s.closed);
    return sandbox ? Promise.resolve(sandbox) : Promise.reject(
      new SandboxError(
        `Cannot find sandbox ${id}: this server did not create it, or it was deleted`,
      ),
    );
  }

  list(_options?: SignalOptions): Promise<SandboxSummary[]> {
    this.asked.list++;
    return Promise.resolve(
      this.created.filter((s) => !s.closed).map((s, i) => ({
        id: s.id,
        state: "started",
        labels: { ...this.createCalls[i]?.labels },
      })),
    );
  }

  async delete(id: string, _options?: SignalOptions): Promise<void> {
    this.asked.delete.push(id);
    const sandbox = this.created.find((s) => s.id === id && !s.closed);
    if (!sandbox) {
      throw new SandboxError(`Cannot delete sandbox ${id}: this server did not create it`);
    }
    await sandbox.close();
  }

  check(_options?: SignalOptions): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.created.map((s) => s.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function toPattern(pattern: RegExp | string): RegExp {
  return typeof pattern === "string"
    ? new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)
    : pattern;
}

function parentOf(absolute: string): string {
  return absolute.slice(0, absolute.lastIndexOf("/")) || "/";
}

/** `/`, then each directory down to `absolute` itself. */
function ancestry(absolute: string): string[] {
  const dirs = ["/"];
  let path = "";
  for (const part of absolute.split("/").filter(Boolean)) {
    path += `/${part}`;
    dirs.push(path);
  }
  return dirs;
}

/** Text as agent.py's Capture keeps it: the first limit/2 bytes and the last limit/2, counted. */
function capture(text: string, limit: number): { text: string; truncated: boolean; total: number } {
  const bytes = new TextEncoder().encode(text);
  const headLimit = Math.floor(limit / 2);
  const head = bytes.subarray(0, headLimit);
  const rest = bytes.subarray(head.length);
  const tail = rest.subarray(Math.max(0, rest.length - (limit - headLimit)));
  return { ...decodeCaptured(head, tail, bytes.length), total: bytes.length };
}
