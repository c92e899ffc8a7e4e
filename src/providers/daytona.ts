/**
 * The Daytona provider: sandboxes in Daytona's cloud, through `npm:@daytonaio/sdk`. Import it
 * from its own subpath; the server loads it only when Daytona is selected.
 *
 * Each sandbox runs the same small agent as local sandboxes, as a long-lived server on a unix
 * socket; every tool call is exactly one toolbox request (`process/execute` of the agent's
 * client), so Python keeps its state and stdout and stderr stay apart. Files are uploaded through
 * the toolbox's bulk-upload endpoint with `fetch` (the SDK's Deno upload path ignores errors).
 *
 * Requires `--allow-net` (the API and toolbox hosts) and `--allow-env` (unscoped: the SDK reads
 * the whole environment when it loads).
 *
 * @module
 */

import { posix } from "node:path";
import { Daytona, DaytonaError, type Sandbox as SdkSandbox } from "npm:@daytonaio/sdk@0.218.0";
import { createLogger, type Logger } from "../log.ts";
import {
  type CreateSandboxOptions,
  type ExecOptions,
  type ExecResult,
  type FileInfo,
  type FileListing,
  type GitCloneRequest,
  type ListFilesOptions,
  type PreviewLink,
  type PythonOptions,
  type PythonResult,
  type ReadFileOptions,
  type Sandbox,
  SandboxError,
  SandboxFileError,
  type SandboxInfo,
  type SandboxProvider,
  type SandboxSummary,
  type SignalOptions,
  type WriteFileOptions,
  type WrittenFile,
} from "../sandbox.ts";
import type { AgentFault, RequestOptions } from "./_agent.ts";
import { AgentOps, type AgentTransport } from "./_agent_ops.ts";
import { AGENT_PY, WORKER_PY } from "./_runtime.ts";

/**
 * Options for {@linkcode DaytonaProvider}.
 *
 * @example Sandboxes in Daytona's EU region
 * ```ts ignore
 * import { DaytonaProvider } from "./daytona.ts";
 * await using provider = new DaytonaProvider({
 *   apiKey: Deno.env.get("DAYTONA_API_KEY")!,
 *   target: "eu",
 *   autoStopMinutes: 60,
 * });
 * await using sandbox = await provider.create({ image: "python:3.12-slim" });
 * console.log((await sandbox.exec("python3 --version")).stdout); // "Python 3.12.…\n"
 * ```
 */
export interface DaytonaProviderOptions {
  /** The API key (MCP_DAYTONA_API_KEY or DAYTONA_API_KEY). */
  apiKey: string;
  /** The API's base URL. @default "https://app.daytona.io/api" */
  apiUrl?: string;
  /** The region sandboxes are created in, e.g. "us" or "eu". @default the account's default */
  target?: string;
  /** Seconds an API request may take (commands get their own timeout on top). @default 180 */
  timeoutSeconds?: number;
  /** Minutes of inactivity before a sandbox stops, so a crashed server leaves nothing running. @default 15 */
  autoStopMinutes?: number;
  /** Minutes after stopping before a sandbox is deleted. @default 60 */
  autoDeleteMinutes?: number;
  /** Where diagnostics go. @default a logger writing warnings to stderr */
  log?: Logger;
}

/**
 * The label every sandbox this software creates carries.
 *
 * @example The label a provider puts on its sandboxes
 * ```ts
 * import { CREATOR, CREATOR_LABEL } from "./daytona.ts";
 * const labels: Record<string, string> = { [CREATOR_LABEL]: CREATOR };
 * console.log(labels); // { "created-by": "daytona-mcp-interpreter" }
 * ```
 */
export const CREATOR_LABEL = "created-by";
/**
 * Its value.
 *
 * @example List the sandboxes of every server, left-behind ones included, with the Daytona SDK
 * ```ts ignore
 * import { Daytona } from "npm:@daytonaio/sdk@0.218.0";
 * import { CREATOR, CREATOR_LABEL } from "./daytona.ts";
 * await using daytona = new Daytona({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * for await (const sandbox of daytona.list({ labels: { [CREATOR_LABEL]: CREATOR } })) {
 *   console.log(sandbox.id, sandbox.state, sandbox.labels);
 * }
 * ```
 */
export const CREATOR = "daytona-mcp-interpreter";
/**
 * The label that ties a sandbox to the provider instance (the server process) that made it.
 *
 * @example A provider's labels name its instance
 * ```ts
 * import { DaytonaProvider, INSTANCE_LABEL } from "./daytona.ts";
 * const provider = new DaytonaProvider({ apiKey: "dtn_example" }); // makes no request yet
 * console.log(provider.labels[INSTANCE_LABEL] === provider.instance); // true
 * ```
 */
export const INSTANCE_LABEL = "mcp-instance";

const SDK_HEADERS = { "X-Daytona-Source": "sdk-typescript", "X-Daytona-SDK-Version": "0.218.0" };
/**
 * Requests up to this size travel inside the command that runs the agent's client, as a here-doc
 * on its stdin: one API call. Longer ones are uploaded as a file first.
 */
const INLINE_REQUEST = 512 * 1024;
/** Files up to this size are written by the agent from an inline request: one API call, atomic. */
const INLINE_WRITE = 256 * 1024;
/** The agent's directory, under the sandbox user's home. */
const RUNTIME_DIR = ".mcp-sandbox";

/**
 * Makes Daytona sandboxes, and lists and deletes only the ones it made (by their labels).
 *
 * @example Run a command in a Daytona sandbox
 * ```ts ignore
 * import { DaytonaProvider } from "./daytona.ts";
 * await using provider = new DaytonaProvider({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * await using sandbox = await provider.create();
 * console.log((await sandbox.exec("uname -a")).stdout);
 * ```
 */
export class DaytonaProvider implements SandboxProvider {
  /** Always `"daytona"`. */
  readonly name = "daytona";
  /** The value of this instance's {@linkcode INSTANCE_LABEL}. */
  readonly instance: string = crypto.randomUUID();
  #client: Daytona;
  #options: Required<Omit<DaytonaProviderOptions, "target">> & { target?: string };
  #sandboxes = new Map<string, DaytonaSandbox>();

  /** Creates a provider; no request is made until a sandbox is needed. */
  constructor(options: DaytonaProviderOptions) {
    if (!options.apiKey) {
      throw new TypeError(
        "Cannot use Daytona: no API key; set MCP_DAYTONA_API_KEY (or DAYTONA_API_KEY)",
      );
    }
    this.#options = {
      apiKey: options.apiKey,
      apiUrl: (options.apiUrl ?? "https://app.daytona.io/api").replace(/\/+$/, ""),
      target: options.target,
      timeoutSeconds: options.timeoutSeconds ?? 180,
      autoStopMinutes: options.autoStopMinutes ?? 15,
      autoDeleteMinutes: options.autoDeleteMinutes ?? 60,
      log: options.log ?? createLogger("warn"),
    };
    this.#client = new Daytona({
      apiKey: this.#options.apiKey,
      apiUrl: this.#options.apiUrl,
      target: this.#options.target,
      requestTimeoutMs: this.#options.timeoutSeconds * 1000,
      // Polling instead of a Socket.IO connection: nothing lingers when the server exits.
      useDeprecatedPolling: true,
    });
  }

  /** The labels that mark sandboxes of this instance. */
  get labels(): Record<string, string> {
    return { [CREATOR_LABEL]: CREATOR, [INSTANCE_LABEL]: this.instance };
  }

  /** Checks the API key and that the API answers, by listing this instance's sandboxes. */
  async check(options: SignalOptions = {}): Promise<void> {
    await this.list(options);
  }

  /** Creates a sandbox (from an image or snapshot if given) and installs the agent in it. */
  async create(options: CreateSandboxOptions = {}): Promise<DaytonaSandbox> {
    const { log, timeoutSeconds } = this.#options;
    const params = {
      language: "python",
      labels: { ...options.labels, ...this.labels },
      envVars: options.env,
      networkBlockAll: options.networkBlockAll,
      autoStopInterval: options.autoStopMinutes ?? this.#options.autoStopMinutes,
      autoDeleteInterval: this.#options.autoDeleteMinutes,
    };
    const resources = options.cpu || options.memory || options.disk
      ? { cpu: options.cpu, memory: options.memory, disk: options.disk }
      : undefined;
    if (resources && !options.image) {
      throw new TypeError(
        "Cannot create a Daytona sandbox with cpu, memory or disk but no image: Daytona sets resources only for sandboxes built from an image",
      );
    }
    const sdkSandbox = await this.#call(
      "create a sandbox",
      false,
      () =>
        options.image
          ? this.#client.create({ ...params, image: options.image, resources }, {
            timeout: timeoutSeconds,
          })
          : this.#client.create({ ...params, snapshot: options.snapshot }, {
            timeout: timeoutSeconds,
          }),
    );
    log.info(`daytona sandbox ${sdkSandbox.id} created`);
    try {
      return await this.#attach(sdkSandbox, true);
    } catch (error) {
      await this.#call("delete a sandbox", true, () => this.#client.delete(sdkSandbox))
        .catch(() => {});
      throw error;
    }
  }

  /** A sandbox this instance created, by id. */
  async get(id: string, options: SignalOptions = {}): Promise<DaytonaSandbox> {
    const known = this.#sandboxes.get(id);
    if (known && !known.closed) return known;
    options.signal?.throwIfAborted();
    const sdkSandbox = await this.#call("find the sandbox", true, () => this.#client.get(id))
      .catch((error) => {
        throw new SandboxError(`Cannot find sandbox ${id}: ${(error as Error).message}`);
      });
    if (!this.#isOurs(sdkSandbox.labels)) {
      throw new SandboxError(
        `Cannot use sandbox ${id}: this server did not create it, and never touches sandboxes it did not create`,
      );
    }
    return await this.#attach(sdkSandbox, false);
  }

  /** The sandboxes this instance created that still exist. */
  async list(options: SignalOptions = {}): Promise<SandboxSummary[]> {
    options.signal?.throwIfAborted();
    return await this.#call("list sandboxes", true, async () => {
      const found: SandboxSummary[] = [];
      for await (const sandbox of this.#client.list({ labels: this.labels })) {
        // The API filters by label; check again so nothing foreign can slip through.
        if (!this.#isOurs(sandbox.labels)) continue;
        found.push({
          id: sandbox.id,
          state: String(sandbox.state ?? "unknown"),
          labels: sandbox.labels,
          createdAt: sandbox.createdAt,
        });
      }
      return found;
    });
  }

  /** Deletes a sandbox this instance created. */
  async delete(id: string, options: SignalOptions = {}): Promise<void> {
    const sandbox = await this.get(id, options);
    await sandbox.close();
  }

  /**
   * Deletes every sandbox this instance created, then releases the SDK. Besides the sandboxes it
   * holds, it deletes any others carrying its instance label: an HTTP client may resend a create
   * request whose connection dropped, leaving a duplicate behind.
   */
  async close(): Promise<void> {
    try {
      await Promise.all([...this.#sandboxes.values()].map((sandbox) => sandbox.close()));
      const leftovers = await this.list().catch(() => []);
      await Promise.all(
        leftovers.map((summary) =>
          this.#call("delete a leftover sandbox", true, async () => {
            await this.#client.delete(await this.#client.get(summary.id));
          }).catch((error) => this.#options.log.warn(`${summary.id}: ${error.message}`))
        ),
      );
    } finally {
      await this.#client[Symbol.asyncDispose]();
    }
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #isOurs(labels: Record<string, string> | undefined): boolean {
    return labels?.[CREATOR_LABEL] === CREATOR && labels?.[INSTANCE_LABEL] === this.instance;
  }

  async #attach(sdkSandbox: SdkSandbox, fresh: boolean): Promise<DaytonaSandbox> {
    const toolbox = new Toolbox(
      `${sdkSandbox.toolboxProxyUrl.replace(/\/+$/, "")}/${sdkSandbox.id}`,
      this.#options.apiKey,
      this.#options.timeoutSeconds,
      this.#options.log,
    );
    const home = await installAgent(toolbox);
    const sandbox = new DaytonaSandbox({
      sdkSandbox,
      home,
      toolbox,
      log: this.#options.log,
      remove: () =>
        this.#call("delete the sandbox", true, () => this.#client.delete(sdkSandbox)).catch(
          (error) => {
            // A sandbox that is already gone is deleted enough.
            if (!(error instanceof SandboxError && /not found|404/i.test(error.message))) {
              throw error;
            }
          },
        ),
      forget: () => this.#sandboxes.delete(sdkSandbox.id),
      fresh,
    });
    this.#sandboxes.set(sandbox.id, sandbox);
    return sandbox;
  }

  /** Runs an API call, retrying transient failures when it is safe, and explains failures. */
  #call<T>(what: string, idempotent: boolean, fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, { idempotent, what, log: this.#options.log });
  }
}

interface SandboxParts {
  sdkSandbox: SdkSandbox;
  home: string;
  toolbox: Toolbox;
  log: Logger;
  remove: () => Promise<void>;
  forget: () => void;
  fresh: boolean;
}

/**
 * A Daytona sandbox with the agent installed. Create it with {@linkcode DaytonaProvider.create}.
 *
 * @example Find a sandbox again by id and preview a port
 * ```ts ignore
 * import { DaytonaProvider } from "./daytona.ts";
 * await using provider = new DaytonaProvider({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * await using sandbox = await provider.create();
 * const again = await provider.get(sandbox.id); // the same object, while it is open
 * console.log(sandbox.info.provider, again === sandbox); // "daytona" true
 * const link = await sandbox.preview(3000);
 * console.log(link.url); // "https://3000-<sandbox id>.proxy.daytona.work"
 * console.log(link.signedUrl, link.signedUrlExpiresAt); // works without the token, for an hour
 * ```
 */
export class DaytonaSandbox implements Sandbox {
  /** Daytona's sandbox id. */
  readonly id: string;
  /** Facts about the sandbox. */
  readonly info: SandboxInfo;
  #parts: SandboxParts;
  #ops: AgentOps;
  #toolbox: Toolbox;
  #runtime: string;
  #closing: Promise<void> | undefined;

  /** Use {@linkcode DaytonaProvider.create}. */
  constructor(parts: SandboxParts) {
    this.#parts = parts;
    this.id = parts.sdkSandbox.id;
    this.info = { provider: "daytona", home: parts.home, pythonVersion: "", isolated: true };
    this.#runtime = `${parts.home}/${RUNTIME_DIR}`;
    this.#toolbox = parts.toolbox;
    this.#ops = new AgentOps(new RemoteAgent(this.#toolbox, this.#runtime));
  }

  /** Whether the sandbox was deleted (or found gone). */
  get closed(): boolean {
    return this.#closing !== undefined || this.#toolbox.gone;
  }

  exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.#ops.exec(command, options);
  }

  runPython(code: string, options?: PythonOptions): Promise<PythonResult> {
    return this.#ops.runPython(code, options);
  }

  resetPython(options?: SignalOptions): Promise<void> {
    return this.#ops.resetPython(options);
  }

  stat(path: string, options?: SignalOptions): Promise<FileInfo> {
    return this.#ops.stat(path, options);
  }

  /**
   * A read from the start of a file streams it through the toolbox's bulk-download endpoint with
   * fetch, stopping the transfer once `length` bytes arrived; a read at an offset asks the agent
   * for just that range, so nothing before it is transferred.
   */
  readFile(path: string, options: ReadFileOptions = {}): ReadableStream<Uint8Array<ArrayBuffer>> {
    if (options.offset) return this.#ops.readFile(path, options);
    const target = resolvePath(this.info.home, path);
    return limitStream(this.#toolbox.download(target, options.signal), options.length);
  }

  /**
   * A file up to 256 KiB travels inside the agent's request: one API call. A larger one is
   * uploaded through the toolbox's bulk-upload endpoint (checking its answer) into a temporary
   * name, then moved into place by the agent. Either way there is never a half-written file, and
   * `overwrite: false` never replaces anything.
   */
  async writeFile(
    path: string,
    data: Uint8Array,
    options: WriteFileOptions = {},
  ): Promise<WrittenFile> {
    const target = resolvePath(this.info.home, path);
    // A small file goes in the request itself; the agent writes it with the same guarantees.
    if (data.length <= INLINE_WRITE) return await this.#ops.writeFile(target, data, options);
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
    await this.#toolbox.upload([{ path: temp, data }], options.signal);
    return await this.#ops.commitUpload(temp, target, overwrite, options);
  }

  listFiles(path: string, options?: ListFilesOptions): Promise<FileListing> {
    return this.#ops.listFiles(path, options);
  }

  /** Clones with the toolbox's git API: credentials go to Daytona, not into the sandbox. */
  async gitClone(request: GitCloneRequest): Promise<void> {
    request.signal?.throwIfAborted();
    const { url, path, branch, commit, username, password, depth } = request;
    await withRetries(
      () =>
        this.#parts.sdkSandbox.git.clone(
          url,
          path,
          branch,
          commit,
          username,
          password,
          false,
          depth,
        ),
      { idempotent: false, what: "clone the repository", log: this.#parts.log },
    );
  }

  /** Daytona's preview URL for `port`, its token, and a signed URL valid for an hour. */
  async preview(port: number, options: SignalOptions = {}): Promise<PreviewLink> {
    options.signal?.throwIfAborted();
    const sdk = this.#parts.sdkSandbox;
    const link = await withRetries(() => sdk.getPreviewLink(port), {
      idempotent: true,
      what: "get a preview link",
      log: this.#parts.log,
    });
    const signed = await withRetries(() => sdk.getSignedPreviewUrl(port, 3600), {
      idempotent: true,
      what: "get a signed preview link",
      log: this.#parts.log,
    }).catch(() => undefined);
    return {
      url: link.url,
      token: link.token,
      signedUrl: signed?.url,
      signedUrlExpiresAt: signed ? new Date(Date.now() + 3600_000).toISOString() : undefined,
    };
  }

  /** Deletes the sandbox in Daytona. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#parts.remove();
        this.#parts.log.info(`daytona sandbox ${this.id} deleted`);
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

/** The agent, reached by running its client through `process/execute`: one request per call. */
class RemoteAgent implements AgentTransport {
  #toolbox: Toolbox;
  #runtime: string;

  constructor(toolbox: Toolbox, runtime: string) {
    this.#toolbox = toolbox;
    this.#runtime = runtime;
  }

  /**
   * The command that hands one request to the agent: the JSON as a quoted here-doc (taken
   * literally; JSON has no raw newline, so no line of it can end the here-doc), or `@file`.
   */
  #client(request: string): string {
    const runtime = shellQuote(this.#runtime);
    const call = `python3 ${runtime}/agent.py call ${runtime}/agent.sock`;
    return request.startsWith("@")
      ? `${call} ${shellQuote(request)}`
      : `${call} - <<'MCP_REQUEST'\n${request}\nMCP_REQUEST`;
  }

  async request<T>(
    op: string,
    body: Record<string, unknown>,
    options: RequestOptions = {},
  ): Promise<T> {
    const id = crypto.randomUUID();
    const json = JSON.stringify({ ...body, op, id });
    let command = this.#client(json);
    if (json.length > INLINE_REQUEST) {
      const file = `${this.#runtime}/request-${id}.json`;
      await this.#toolbox.upload(
        [{ path: file, data: new TextEncoder().encode(json) }],
        options.signal,
      );
      command = this.#client(`@${file}`);
    }
    const timeout = typeof body.timeout === "number" ? body.timeout : undefined;
    const onAbort = () => {
      const cancel = JSON.stringify({ op: "cancel", target: id, id: `${id}-cancel` });
      this.#toolbox.execute(this.#client(cancel), 30).catch(() => {});
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // Commands may run for their own timeout; the request gets a minute more.
      const output = await this.#toolbox.execute(command, timeout ? timeout + 60 : undefined);
      const reply = findReply(output, id);
      if (reply.error) throw faultToError(reply.error);
      return reply.result as T;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** Quotes a word for the sandbox's shell. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Writes the agent into the sandbox and returns the sandbox user's home directory, in one
 * command: Daytona's API cannot attach files to a new sandbox, so this is the one call a
 * sandbox costs beyond its creation. Each file is replaced atomically, so an agent client
 * already running never reads half a file.
 */
async function installAgent(toolbox: Toolbox): Promise<string> {
  const files = JSON.stringify({ "agent.py": AGENT_PY, "worker.py": WORKER_PY });
  const script = [
    "import json, os",
    "home = os.path.expanduser('~')",
    `runtime = os.path.join(home, ${JSON.stringify(RUNTIME_DIR)})`,
    "os.makedirs(runtime, mode=0o700, exist_ok=True)",
    // A JSON string literal is also a valid Python string literal.
    `for name, text in json.loads(${JSON.stringify(files)}).items():`,
    "    temp = os.path.join(runtime, '.%s.%d' % (name, os.getpid()))",
    "    with open(temp, 'w', encoding='utf-8') as f:",
    "        f.write(text)",
    "    os.replace(temp, os.path.join(runtime, name))",
    "print(json.dumps({'installed': home}))",
  ].join("\n");
  const output = await toolbox.execute(`python3 - <<'MCP_INSTALL'\n${script}\nMCP_INSTALL`);
  const reply = lastJsonLine(output, (value) => typeof value.installed === "string");
  if (!reply) throw noReply(output, "Cannot install the agent in the Daytona sandbox");
  return reply.installed as string;
}

function findReply(output: string, id: string): { result?: unknown; error?: AgentFault } {
  const reply = lastJsonLine(output, (value) => value.id === id);
  if (!reply) throw noReply(output, "Cannot read the sandbox agent's reply");
  return reply;
}

/** The last line of a command's output that is a JSON object `accept` takes. */
function lastJsonLine(
  output: string,
  accept: (value: Record<string, unknown>) => boolean,
): Record<string, unknown> | undefined {
  for (const line of output.split("\n").reverse()) {
    if (!line.startsWith("{")) continue;
    try {
      const value = JSON.parse(line);
      if (accept(value)) return value;
    } catch { /* not a reply */ }
  }
  return undefined;
}

/** Explains a command that printed no reply: python3 missing from the image, or its output. */
function noReply(output: string, what: string): SandboxError {
  const detail = output.trim().slice(-500);
  if (/python3: (not found|command not found)|No such file or directory/.test(detail)) {
    return new SandboxError(
      `Cannot use the Daytona sandbox: python3 is missing from its image (${detail}); use an image or snapshot with Python 3`,
    );
  }
  return new SandboxError(`${what}: ${detail || "no output"}`);
}

function faultToError(fault: AgentFault): Error {
  if (fault.field) return new TypeError(fault.message);
  if (fault.code) return new SandboxFileError(fault.code, fault.message);
  return new SandboxError(fault.message);
}

/** Resolves a sandbox path the way the agent does: relative to home, `~` expanded. */
function resolvePath(home: string, path: string): string {
  const expanded = path === "~" || path.startsWith("~/") ? home + path.slice(1) : path;
  return posix.resolve(home, expanded);
}

/** The sandbox's toolbox API, with fetch: execute and bulk-upload. */
class Toolbox {
  #base: string;
  #apiKey: string;
  #timeoutSeconds: number;
  #log: Logger;
  /** Set once the API said the sandbox does not exist. */
  gone = false;

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

  /** Runs a command; returns its combined output. Not retried: a command may not run twice. */
  async execute(command: string, timeoutSeconds?: number): Promise<string> {
    const response = await this.#fetch(
      "process/execute",
      "run a command in the sandbox",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ command, ...(timeoutSeconds ? { timeout: timeoutSeconds } : {}) }),
      },
      false,
      timeoutSeconds,
    );
    const body = await response.json() as { result?: string; stdout?: string };
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

  /** Uploads files with the multipart bulk-upload endpoint; throws unless it answers 2xx. */
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

  async #fetch(
    path: string,
    what: string,
    init: RequestInit | (() => RequestInit),
    idempotent: boolean,
    extraSeconds = 0,
  ): Promise<Response> {
    return await withRetries(async () => {
      const request = typeof init === "function" ? init() : init;
      const timeout = AbortSignal.timeout((this.#timeoutSeconds + extraSeconds) * 1000);
      let response: Response;
      try {
        response = await fetch(`${this.#base}/${path}`, {
          ...request,
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
      const text = await response.text();
      let message = text;
      try {
        const parsed = JSON.parse(text);
        message = parsed.message ?? parsed.error ?? text;
      } catch { /* not JSON */ }
      if (response.status === 404 && /sandbox/i.test(message)) this.gone = true;
      throw httpError(response.status, message.slice(0, 500));
    }, { idempotent, what, log: this.#log });
  }
}

/** Passes on at most `length` bytes, then cancels the source so the transfer stops. */
function limitStream(
  source: ReadableStream<Uint8Array<ArrayBuffer>>,
  length: number | undefined,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  if (length === undefined) return source;
  let left = length;
  const reader = source.getReader();
  return new ReadableStream({
    async pull(controller) {
      if (left <= 0) {
        controller.close();
        await reader.cancel();
        return;
      }
      const { value, done } = await reader.read();
      if (done) return controller.close();
      const piece = value.length > left ? value.subarray(0, left) : value;
      left -= piece.length;
      controller.enqueue(piece);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * The body of the first part of a multipart response, streamed: headers are parsed, then bytes
 * pass through until the closing boundary, which may arrive split across chunks.
 */
function multipartFirstPart(
  response: Promise<Response>,
  path: string,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  let closing: Uint8Array;
  let pending = new Uint8Array(0);
  let inBody = false;
  const append = (chunk: Uint8Array) => {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    pending = joined;
  };
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    async start() {
      const res = await response;
      const boundary = /boundary="?([^";]+)"?/.exec(res.headers.get("content-type") ?? "")?.[1];
      if (!boundary || !res.body) {
        throw new SandboxError(`Cannot download ${path}: the toolbox sent no multipart body`);
      }
      closing = new TextEncoder().encode(`\r\n--${boundary}`);
      reader = res.body.getReader();
    },
    async pull(controller) {
      for (;;) {
        if (inBody) {
          const end = indexOf(pending, closing);
          if (end >= 0) {
            if (end > 0) controller.enqueue(pending.slice(0, end));
            controller.close();
            await reader.cancel();
            return;
          }
          // Keep what could be the start of the closing boundary; pass on the rest.
          const safe = pending.length - closing.length;
          if (safe > 0) {
            controller.enqueue(pending.slice(0, safe));
            pending = pending.slice(safe);
            return;
          }
        } else {
          const headerEnd = indexOf(pending, HEADER_END);
          if (headerEnd >= 0) {
            const headers = new TextDecoder().decode(pending.subarray(0, headerEnd));
            pending = pending.slice(headerEnd + HEADER_END.length);
            if (/name="error"/.test(headers)) {
              for (let next = await reader.read(); !next.done; next = await reader.read()) {
                append(next.value);
              }
              const text = new TextDecoder().decode(pending);
              const message = (() => {
                try {
                  return JSON.parse(text.slice(0, text.lastIndexOf("}") + 1)).message;
                } catch {
                  return text;
                }
              })();
              throw new SandboxFileError(
                "not_found",
                `Cannot read ${path}: ${message ?? "the toolbox reported an error"}`,
              );
            }
            inBody = true;
            continue;
          }
        }
        const { value, done } = await reader.read();
        if (done) {
          throw new SandboxError(`Cannot download ${path}: the toolbox's answer ended early`);
        }
        append(value);
      }
    },
    async cancel() {
      await reader?.cancel();
    },
  });
}

const HEADER_END = new TextEncoder().encode("\r\n\r\n");

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** A failure worth retrying: a connection problem, 429 or a 5xx. */
class TransientError extends Error {
  readonly status?: number;
  readonly connection: boolean;
  constructor(message: string, options: ErrorOptions & { status?: number; connection?: boolean }) {
    super(message, options);
    this.status = options.status;
    this.connection = options.connection ?? false;
  }
}

function httpError(status: number, message: string): Error {
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
  if (status === 429 || status >= 500) {
    return new TransientError(
      status === 429
        ? `Daytona's rate limit or quota was hit (429: ${message})`
        : `Daytona failed (${status}: ${message})`,
      { status },
    );
  }
  return new SandboxError(`Daytona answered ${status}: ${message}`);
}

/** Turns SDK errors into ours: auth names the variable, quota says so, 5xx and 429 are transient. */
function fromSdkError(error: unknown): unknown {
  if (!(error instanceof DaytonaError)) {
    if (error instanceof Error && /ECONN|socket|network|timeout/i.test(error.message)) {
      return new TransientError(error.message, { cause: error, connection: true });
    }
    return error;
  }
  const status = error.statusCode ?? 0;
  if (status === 401 || status === 403 || status === 429 || status >= 500) {
    return httpError(status, error.message);
  }
  if (error.name === "DaytonaConnectionError" || error.name === "DaytonaConnectionTimeoutError") {
    return new TransientError(error.message, { cause: error, connection: true });
  }
  return new SandboxError(`Daytona: ${error.message}`, { cause: error });
}

interface RetryOptions {
  idempotent: boolean;
  what: string;
  log: Logger;
  attempts?: number;
}

/**
 * Retries with exponential backoff and jitter: idempotent calls on connection failures, 429 and
 * 5xx; other calls only on 429 and 503, which mean the request was not processed.
 */
async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (raw) {
      const error = fromSdkError(raw);
      const retryable = error instanceof TransientError &&
        (options.idempotent || error.status === 429 || error.status === 503);
      if (!retryable || attempt >= attempts) {
        if (error instanceof TransientError) {
          throw new SandboxError(`Cannot ${options.what}: ${error.message}`, { cause: error });
        }
        throw error;
      }
      const delay = 200 * 2 ** (attempt - 1) * (0.5 + Math.random());
      options.log.warn(`${options.what}: ${error.message}; retrying in ${Math.round(delay)} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
