/**
 * A Daytona-compatible API server for tests: the REST subset that `@daytonaio/sdk@0.218.0` uses
 * (see the contract in the project's reference notes), where every Daytona sandbox is a real local
 * sandbox, so commands, files and git really run. It counts requests per endpoint and can inject
 * faults (error statuses, delays, dropped connections).
 *
 * Every response carries `Connection: close`: on a reused keep-alive connection Deno's HTTP clients
 * resend a request whose connection drops, which would hide an injected reset. Preview URLs are
 * `http://127.0.0.1:<port>`, which reach servers in the sandbox because it shares the host's
 * network (unless created with `networkBlockAll`).
 *
 * Requires `--allow-net=127.0.0.1` plus what {@linkcode LocalProvider} needs.
 *
 * @example Drive the real SDK against it
 * ```ts ignore
 * import { Daytona } from "npm:@daytonaio/sdk@0.218.0";
 * import { startFakeDaytona } from "./fake_server.ts";
 * await using fake = await startFakeDaytona();
 * const daytona = new Daytona({
 *   apiKey: fake.apiKey,
 *   apiUrl: fake.apiUrl,
 *   target: "us",
 *   useDeprecatedPolling: true,
 * });
 * try {
 *   const sandbox = await daytona.create();
 *   console.log((await sandbox.process.executeCommand("echo hi")).result); // "hi\n"
 * } finally {
 *   await daytona[Symbol.asyncDispose]();
 * }
 * ```
 *
 * @module
 */

import { silentLogger } from "../../src/log.ts";
import { LocalProvider, type LocalSandbox } from "../../src/providers/local/mod.ts";
import { TcpFront } from "./_front.ts";
import { type ErrorSource, HttpError, isStringRecord, json, readJsonObject } from "./_http.ts";
import { handleToolbox } from "./_toolbox.ts";

/** Options for {@linkcode startFakeDaytona}. */
export interface FakeDaytonaOptions {
  /** The only API key the server accepts (as `Authorization: Bearer <key>`). @default "test-key" */
  apiKey?: string;
  /**
   * How long the toolbox of a deleted sandbox answers 404 (the proxy's cache) before it answers
   * 401, as for an id it never knew. @default 10_000
   */
  deletedNotFoundMs?: number;
  /**
   * Toolbox requests that last longer than this are cut by the proxy with a 504, while the
   * daemon goes on with them. @default no limit
   */
  proxyTimeoutMs?: number;
  /** Most sandboxes that may exist at once; one more is refused with a 400 quota error. */
  maxSandboxes?: number;
}

/** What an image has, which decides how `process/execute` behaves (see {@linkcode imageProfile}). */
export interface ImageProfile {
  /** The shell `process/execute` uses: the first of zsh, bash, sh the image has. */
  shell: "zsh" | "bash" | "sh";
  /** Whether python3 is installed. */
  python: boolean;
}

/**
 * The fake's images: Daytona's default snapshot has zsh and python3; `python:*` images have
 * bash and python3; `alpine*` has only sh; any other image (e.g. `node:22-slim`) has bash but
 * no python3.
 */
export function imageProfile(image: string | undefined): ImageProfile {
  if (image === undefined) return { shell: "zsh", python: true };
  if (/^python:/.test(image)) return { shell: "bash", python: true };
  if (/^alpine/.test(image)) return { shell: "sh", python: false };
  return { shell: "bash", python: false };
}

/**
 * What happens to the next `times` requests to one endpoint: first a delay, then either a
 * dropped connection (`reset`), an error status, or (with only `delayMs`) normal handling.
 */
export interface Fault {
  /**
   * Answer with this HTTP status and a Daytona error body (429 adds a plain `Retry-After` of
   * `retryAfter`).
   */
  status?: number;
  /** A 429's plain `Retry-After` header, in seconds. @default "0" */
  retryAfter?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** The error body's `code`, e.g. "GIT_AUTH_FAILED". @default by status */
  code?: string;
  /** The error body's `message`. @default "Injected fault: HTTP <status>" */
  message?: string;
  /** Drop the connection without an answer; the client sees a network error. */
  reset?: boolean;
  /** How many requests get the fault; `Infinity` for all. @default 1 */
  times?: number;
}

/** A running fake Daytona server. Dispose it (or call `close`) to stop it. */
export interface FakeDaytona extends AsyncDisposable {
  /** The API base URL, `http://127.0.0.1:PORT/api` (`DaytonaConfig.apiUrl`). */
  apiUrl: string;
  /** The API key the server accepts. */
  apiKey: string;
  /**
   * Requests seen for an endpoint key: the method and the path with ids as `{id}` and ports as
   * `{port}`, without the query, e.g. `"GET /api/sandbox/{id}"` or
   * `"POST /toolbox/{id}/process/execute"`.
   */
  count(key: string): number;
  /** Requests seen per endpoint key. */
  counts(): Record<string, number>;
  /** Forgets the requests seen so far. */
  resetCounts(): void;
  /**
   * Queues a fault for the next `fault.times` requests to the endpoint `key` (a key as
   * {@linkcode FakeDaytona.count} takes). Faults queued for one key apply one after the other.
   */
  inject(key: string, fault: Fault): void;
  /** Drops every queued fault. */
  clearFaults(): void;
  /** Creates a started sandbox directly (not via HTTP), e.g. a "foreign" one with other labels. Returns its id. */
  seed(body?: { labels?: Record<string, string> }): Promise<string>;
  /** Ids of sandboxes that exist (not deleted), oldest first. */
  sandboxIds(): string[];
  /** A sandbox's labels, or undefined for an id that does not exist (any more). */
  labels(id: string): Record<string, string> | undefined;
  /** The fake's clock, in epoch milliseconds: real time plus every {@linkcode advance}. */
  now(): number;
  /**
   * Moves the clock forward, then stops every started sandbox idle for its `autoStopInterval`
   * (no toolbox request, no `last-activity`), as Daytona does.
   */
  advance(ms: number): Promise<void>;
  /** A sandbox's state, or undefined once it is deleted. */
  state(id: string): string | undefined;
  /**
   * Stops a sandbox now, as auto-stop does: every process in it is killed, files are kept. With
   * `pending`, it stays `stopping` for that many API requests about it first.
   */
  stop(id: string, options?: { pending?: number }): Promise<void>;
  /** Stops and archives a sandbox; starting it again takes a few more polls. */
  archive(id: string): Promise<void>;
  /** Deletes a sandbox behind its creator's back. */
  remove(id: string): Promise<void>;
  /** The next create with an image ends in `state` with `reason` instead of starting. */
  failNextBuild(state: "build_failed" | "error", reason: string): void;
  /**
   * Throttles the API (not the toolbox, which goes through the proxy): at most `limit` requests
   * per fixed window of `windowMs`, then 429 with `Retry-After-authenticated` (seconds left in
   * the window), as @nestjs/throttler does. `limit` of Infinity lifts it.
   */
  throttle(limit: number, windowMs?: number): void;
  /** Closes the HTTP server and every backing local sandbox. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a fake Daytona server on a free loopback port.
 *
 * Requires `--allow-net=127.0.0.1` and the permissions of {@linkcode LocalProvider}.
 */
export function startFakeDaytona(options: FakeDaytonaOptions = {}): Promise<FakeDaytona> {
  return Promise.resolve(new FakeDaytonaServer(options));
}

type SandboxState =
  | "creating"
  | "pending_build"
  | "building_snapshot"
  | "build_failed"
  | "error"
  | "started"
  | "starting"
  | "stopping"
  | "stopped"
  | "archiving"
  | "archived"
  | "restoring"
  | "destroying";

/** States in which a state change is pending: delete, start and stop answer 409. */
const PENDING: ReadonlySet<SandboxState> = new Set([
  "creating",
  "pending_build",
  "building_snapshot",
  "starting",
  "stopping",
  "archiving",
  "restoring",
  "destroying",
]);

interface FakeSandbox {
  id: string;
  name: string;
  local: LocalSandbox;
  state: SandboxState;
  /** The states the next API requests about the sandbox move it to, one per request. */
  next: SandboxState[];
  /** Why it is in `error` or `build_failed`. */
  errorReason: string | null;
  /** What its image has. */
  image: ImageProfile;
  /** The fake clock's time of its last toolbox request or `last-activity`. */
  lastActivity: number;
  /** Bumped on every stop: a toolbox request that spans a stop fails. */
  generation: number;
  labels: Record<string, string>;
  /** Fields of the create request that the DTO echoes. */
  spec: Record<string, unknown>;
  previewToken: string;
  createdAt: string;
  updatedAt: string;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
}

/** Create fields echoed in the Sandbox DTO, with what Daytona reports when they are absent. */
const ECHOED: Record<string, unknown> = {
  snapshot: "local-sandbox",
  env: {},
  public: false,
  networkBlockAll: false,
  networkAllowList: null,
  target: "us",
  cpu: 1,
  gpu: 0,
  memory: 1,
  disk: 3,
  autoStopInterval: 15,
  autoArchiveInterval: 10080,
  autoDeleteInterval: -1,
  buildInfo: null,
};

const NUMBER_FIELDS = [
  "cpu",
  "gpu",
  "memory",
  "disk",
  "autoStopInterval",
  "autoArchiveInterval",
  "autoDeleteInterval",
];

const API: ErrorSource = "DAYTONA_API";
const DEFAULT_PAGE_SIZE = 100;

class FakeDaytonaServer implements FakeDaytona {
  readonly apiUrl: string;
  readonly apiKey: string;
  #origin: string;
  // Daytona sandboxes reach the internet; here "the internet" is this machine's loopback.
  #provider = new LocalProvider({ log: silentLogger(), network: "host" });
  #server: Deno.HttpServer<Deno.NetAddr>;
  #front: TcpFront;
  #sandboxes = new Map<string, FakeSandbox>();
  #counts = new Map<string, number>();
  #faults = new Map<string, QueuedFault[]>();
  #stop = new AbortController();
  #closing: Promise<void> | undefined;
  #options: FakeDaytonaOptions;
  #offset = 0;
  /** Deleted sandboxes' ids, with the clock's time of deletion. */
  #deleted = new Map<string, number>();
  #buildFailure: { state: "build_failed" | "error"; reason: string } | undefined;
  #throttle = { limit: Infinity, windowMs: 60_000, start: 0, used: 0 };

  constructor(options: FakeDaytonaOptions) {
    this.#options = options;
    this.apiKey = options.apiKey ?? "test-key";
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request, info) => this.#handle(request, info),
    );
    this.#front = new TcpFront(this.#server.addr.port);
    this.#origin = `http://127.0.0.1:${this.#front.port}`;
    this.apiUrl = `${this.#origin}/api`;
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  resetCounts(): void {
    this.#counts.clear();
  }

  inject(key: string, fault: Fault): void {
    const times = fault.times ?? 1;
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new RangeError(`Cannot inject a fault: times must be a positive integer, got ${times}`);
    }
    if (fault.status !== undefined && !(fault.status >= 400 && fault.status <= 599)) {
      throw new RangeError(`Cannot inject a fault: status must be 400-599, got ${fault.status}`);
    }
    if (fault.delayMs !== undefined && !(fault.delayMs >= 0)) {
      throw new RangeError(`Cannot inject a fault: delayMs must be >= 0, got ${fault.delayMs}`);
    }
    const queue = this.#faults.get(key) ?? [];
    queue.push({ fault: { ...fault }, remaining: times });
    this.#faults.set(key, queue);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  async seed(body: { labels?: Record<string, string> } = {}): Promise<string> {
    const sandbox = await this.#createSandbox({ ...body }, "started");
    return sandbox.id;
  }

  sandboxIds(): string[] {
    return [...this.#sandboxes.keys()];
  }

  labels(id: string): Record<string, string> | undefined {
    const labels = this.#sandboxes.get(id)?.labels;
    return labels && { ...labels };
  }

  now(): number {
    return Date.now() + this.#offset;
  }

  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`Cannot advance the clock: ms must be >= 0, got ${ms}`);
    this.#offset += ms;
    const now = this.now();
    const idle = [...this.#sandboxes.values()].filter((sandbox) => {
      const minutes = Number(sandbox.spec.autoStopInterval ?? ECHOED.autoStopInterval);
      return sandbox.state === "started" && minutes > 0 &&
        now - sandbox.lastActivity >= minutes * 60_000;
    });
    await Promise.all(idle.map((sandbox) => this.#halt(sandbox, "stopped")));
  }

  state(id: string): string | undefined {
    return this.#sandboxes.get(id)?.state;
  }

  async stop(id: string, options: { pending?: number } = {}): Promise<void> {
    const sandbox = this.#find(id);
    await this.#halt(sandbox, "stopped");
    if (options.pending) {
      this.#setState(sandbox, "stopping", Array(options.pending - 1).fill("stopping"));
      sandbox.next.push("stopped");
    }
  }

  async archive(id: string): Promise<void> {
    await this.#halt(this.#find(id), "archived");
  }

  async remove(id: string): Promise<void> {
    const sandbox = this.#find(id);
    this.#sandboxes.delete(sandbox.id);
    this.#deleted.set(sandbox.id, this.now());
    sandbox.generation++;
    await sandbox.local.close();
  }

  failNextBuild(state: "build_failed" | "error", reason: string): void {
    this.#buildFailure = { state, reason };
  }

  throttle(limit: number, windowMs = 60_000): void {
    this.#throttle = { limit, windowMs, start: this.now(), used: 0 };
  }

  /** Kills every process of the sandbox (files stay) and leaves it in `state`. */
  async #halt(sandbox: FakeSandbox, state: SandboxState): Promise<void> {
    sandbox.generation++;
    this.#setState(sandbox, state);
    // The sandbox user's processes; the local sandbox's PID 1 is out of their reach.
    await sandbox.local.exec(["/bin/sh", "-c", "kill -9 -1"]).catch(() => {});
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      try {
        await this.#front.close();
      } finally {
        try {
          await this.#provider.close();
        } finally {
          await this.#server.shutdown();
          this.#sandboxes.clear();
        }
      }
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #handle(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Promise<Response> {
    const response = await this.#answer(request, info);
    // No keep-alive: a client retries a request transparently when a reused connection drops, so
    // an injected reset would go unseen (see _front.ts).
    response.headers.set("connection", "close");
    return response;
  }

  async #answer(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Promise<Response> {
    const url = new URL(request.url);
    const key = endpointKey(request.method, url.pathname);
    this.#counts.set(key, this.count(key) + 1);
    const source: ErrorSource = url.pathname.startsWith("/toolbox/") ? "DAYTONA_DAEMON" : API;
    const fault = this.#takeFault(key);
    if (fault) {
      if (fault.delayMs) await this.#sleep(fault.delayMs);
      if (fault.reset) {
        this.#front.reset(info.remoteAddr.port);
        return new Response(null, { status: 502 }); // never reaches the client
      }
      if (fault.status !== undefined) return faultResponse(fault, source);
    }
    try {
      if (request.headers.get("authorization") !== `Bearer ${this.apiKey}`) {
        throw new HttpError(401, "UNAUTHORIZED", "Invalid API key", API);
      }
      if (source === API) this.#count429();
      return await this.#route(request, url);
    } catch (error) {
      if (error instanceof HttpError) return error.toResponse();
      const message = error instanceof Error ? error.message : String(error);
      return new HttpError(500, "INTERNAL_ERROR", message, source).toResponse();
    }
  }

  /** @nestjs/throttler's fixed window, with its header for the throttler named "authenticated". */
  #count429(): void {
    const throttle = this.#throttle;
    if (throttle.limit === Infinity) return;
    const now = this.now();
    if (now - throttle.start >= throttle.windowMs) {
      throttle.start = now;
      throttle.used = 0;
    }
    throttle.used++;
    if (throttle.used <= throttle.limit) return;
    const seconds = Math.ceil((throttle.start + throttle.windowMs - now) / 1000);
    throw new HttpError(429, "TOO_MANY_REQUESTS", "ThrottlerException: Too Many Requests", API, {
      "retry-after-authenticated": String(seconds),
      "x-ratelimit-limit-authenticated": String(throttle.limit),
      "x-ratelimit-remaining-authenticated": "0",
      "x-ratelimit-reset-authenticated": String(seconds),
    });
  }

  #takeFault(key: string): Fault | undefined {
    const queue = this.#faults.get(key);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    if (queue.length === 0) this.#faults.delete(key);
    return head.fault;
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#stop.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #route(request: Request, url: URL): Promise<Response> {
    const { method } = request;
    const parts = url.pathname.split("/").slice(1);
    if (parts[0] === "toolbox" && parts[1]) {
      return this.#toolbox(parts[1], `/${parts.slice(2).join("/")}`, url, request);
    }
    const [api, collection, id, action, port, portAction] = parts;
    if (api === "api" && collection === "sandbox") {
      const route = [method, id ? "{id}" : "", action ?? "", port ? "{port}" : "", portAction ?? ""]
        .join(" ").trimEnd();
      if (parts.length <= 6) {
        switch (route) {
          case "GET":
            return Promise.resolve(this.#list(url));
          case "POST":
            return this.#create(request);
          case "GET {id}":
            return Promise.resolve(this.#get(id));
          case "DELETE {id}":
            return this.#delete(id);
          case "POST {id} start":
            return Promise.resolve(this.#start(id));
          case "POST {id} stop":
            return this.#stopRequest(id);
          case "POST {id} last-activity":
            this.#find(id).lastActivity = this.now();
            return Promise.resolve(new Response(null, { status: 200 }));
          case "PUT {id} labels":
            return this.#setLabels(id, request);
          case "GET {id} toolbox-proxy-url":
            this.#find(id);
            return Promise.resolve(json({ url: `${this.#origin}/toolbox` }));
          case "GET {id} ports {port} preview-url":
            return Promise.resolve(this.#previewUrl(id, port));
          case "GET {id} ports {port} signed-preview-url":
            return Promise.resolve(this.#signedPreviewUrl(id, port, url));
        }
      }
    }
    throw new HttpError(404, "NOT_FOUND", `Cannot ${method} ${url.pathname}`, API);
  }

  /**
   * A toolbox request, as the proxy passes it on: a stopped sandbox has no IP (400), a deleted one
   * is a 404 while the proxy's cache lasts and then, like an unknown id, a 401.
   */
  async #toolbox(id: string, path: string, url: URL, request: Request): Promise<Response> {
    const sandbox = this.#sandboxes.get(id);
    if (!sandbox) {
      const deletedAt = this.#deleted.get(id);
      if (
        deletedAt !== undefined &&
        this.now() - deletedAt < (this.#options.deletedNotFoundMs ?? 10_000)
      ) {
        throw new HttpError(404, "NOT_FOUND", `sandbox ${id} not found`, "DAYTONA_DAEMON");
      }
      throw new HttpError(401, "UNAUTHORIZED", "Unauthorized", "DAYTONA_DAEMON");
    }
    if (sandbox.state !== "started") {
      throw new HttpError(
        400,
        "BAD_REQUEST",
        "bad request: no IP address found. Is the Sandbox started?",
        "DAYTONA_DAEMON",
      );
    }
    sandbox.lastActivity = this.now();
    const generation = sandbox.generation;
    const handled = handleToolbox(sandbox.local, sandbox.image, request.method, path, url, request)
      .then(
        (response) => {
          if (sandbox.generation !== generation) {
            throw new HttpError(502, "BAD_GATEWAY", "sandbox stopped during the request", API);
          }
          return response;
        },
      );
    const cut = this.#options.proxyTimeoutMs;
    if (cut === undefined) return await handled;
    handled.catch(() => {}); // the daemon goes on; nobody hears its answer
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HttpError(504, "GATEWAY_TIMEOUT", "Gateway Timeout", API)),
        cut,
      );
    });
    try {
      return await Promise.race([handled, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #find(idOrName: string, source: ErrorSource = API): FakeSandbox {
    const byId = this.#sandboxes.get(idOrName);
    if (byId) return byId;
    for (const sandbox of this.#sandboxes.values()) {
      if (sandbox.name === idOrName) return sandbox;
    }
    throw new HttpError(
      404,
      "NOT_FOUND",
      `Sandbox with ID or name ${idOrName} not found`,
      source,
    );
  }

  async #create(request: Request): Promise<Response> {
    const body = await readJsonObject(request, API);
    const resources = ["cpu", "memory", "disk", "gpu"].some((field) => body[field] !== undefined);
    if (resources && body.snapshot !== undefined) {
      throw new HttpError(
        400,
        "BAD_REQUEST",
        "Cannot specify Sandbox resources when using a snapshot",
        API,
      );
    }
    const max = this.#options.maxSandboxes;
    if (max !== undefined && this.#sandboxes.size >= max) {
      throw new HttpError(
        400,
        "BAD_REQUEST",
        `Total CPU limit exceeded. Maximum allowed: ${max}. To increase concurrency limits, upgrade your organization's Tier.`,
        API,
      );
    }
    const build = body.buildInfo !== undefined;
    const failure = build ? this.#buildFailure : undefined;
    if (failure) this.#buildFailure = undefined;
    const sandbox = build
      ? await this.#createSandbox(body, "pending_build", [
        "building_snapshot",
        failure ? failure.state : "starting",
        ...(failure ? [] : ["started" as const]),
      ])
      : await this.#createSandbox(body, "creating", ["started"]);
    sandbox.errorReason = failure?.reason ?? null;
    return json(this.#dto(sandbox));
  }

  async #createSandbox(
    body: Record<string, unknown>,
    state: SandboxState,
    next: SandboxState[] = [],
  ): Promise<FakeSandbox> {
    const labels = body.labels ?? {};
    if (!isStringRecord(labels)) {
      throw new HttpError(400, "BAD_REQUEST", "labels must map names to strings", API);
    }
    if (body.env !== undefined && !isStringRecord(body.env)) {
      throw new HttpError(400, "BAD_REQUEST", "env must map names to strings", API);
    }
    for (const field of NUMBER_FIELDS) {
      if (body[field] !== undefined && typeof body[field] !== "number") {
        throw new HttpError(400, "BAD_REQUEST", `${field} must be a number`, API);
      }
    }
    const allow = body.networkAllowList;
    if (
      allow !== undefined &&
      (typeof allow !== "string" ||
        !allow.split(",").every((cidr) => /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr.trim())))
    ) {
      throw new HttpError(
        400,
        "BAD_REQUEST",
        "networkAllowList must be a comma-separated list of IPv4 CIDR blocks",
        API,
      );
    }
    if (body.name !== undefined && typeof body.name !== "string") {
      throw new HttpError(400, "BAD_REQUEST", "name must be a string", API);
    }
    const name = body.name as string | undefined;
    if (name && [...this.#sandboxes.values()].some((sandbox) => sandbox.name === name)) {
      throw new HttpError(409, "CONFLICT", `Sandbox with name ${name} already exists`, API);
    }
    if (this.#closing) throw new HttpError(503, "SERVICE_UNAVAILABLE", "Server is closing", API);
    // Daytona's env and networkBlockAll mean what the local sandbox's do.
    const local = await this.#provider.create({
      env: body.env as Record<string, string> | undefined,
      networkBlockAll: body.networkBlockAll === true,
    });
    if (this.#closing) {
      await local.close();
      throw new HttpError(503, "SERVICE_UNAVAILABLE", "Server is closing", API);
    }
    const id = crypto.randomUUID();
    const now = new Date().toISOString();
    const spec: Record<string, unknown> = {};
    for (const field of Object.keys(ECHOED)) {
      if (body[field] !== undefined) spec[field] = body[field];
    }
    const dockerfile = (body.buildInfo as { dockerfileContent?: unknown } | undefined)
      ?.dockerfileContent;
    const image = typeof dockerfile === "string"
      ? /^FROM\s+(\S+)/m.exec(dockerfile)?.[1]
      : undefined;
    const sandbox: FakeSandbox = {
      id,
      name: name || id,
      local,
      state,
      next,
      errorReason: null,
      image: imageProfile(image),
      lastActivity: this.now(),
      generation: 0,
      labels: { ...labels },
      spec,
      previewToken: crypto.randomUUID().replaceAll("-", ""),
      createdAt: now,
      updatedAt: now,
    };
    this.#sandboxes.set(id, sandbox);
    return sandbox;
  }

  /** The Sandbox DTO; a list item leaves out `env`, `volumes` and `buildInfo`. */
  #dto(sandbox: FakeSandbox, listItem = false): Record<string, unknown> {
    const field = (name: string) => sandbox.spec[name] ?? ECHOED[name];
    const dto: Record<string, unknown> = {
      id: sandbox.id,
      organizationId: "fake-organization",
      name: sandbox.name,
      snapshot: field("snapshot"),
      // The local sandbox's user, whose home is /home/sandbox.
      user: "sandbox",
      env: field("env"),
      labels: sandbox.labels,
      public: field("public"),
      networkBlockAll: field("networkBlockAll"),
      networkAllowList: field("networkAllowList"),
      target: field("target"),
      cpu: field("cpu"),
      gpu: field("gpu"),
      memory: field("memory"),
      disk: field("disk"),
      state: sandbox.state,
      desiredState: desiredState(sandbox.state),
      errorReason: sandbox.errorReason,
      backupState: "None",
      autoStopInterval: field("autoStopInterval"),
      autoArchiveInterval: field("autoArchiveInterval"),
      autoDeleteInterval: field("autoDeleteInterval"),
      volumes: [],
      buildInfo: field("buildInfo"),
      createdAt: sandbox.createdAt,
      updatedAt: sandbox.updatedAt,
      daemonVersion: "fake",
      toolboxProxyUrl: `${this.#origin}/toolbox`,
    };
    if (listItem) {
      delete dto.env;
      delete dto.volumes;
      delete dto.buildInfo;
    }
    return dto;
  }

  #get(idOrName: string): Response {
    const sandbox = this.#find(idOrName);
    this.#progress(sandbox);
    return json(this.#dto(sandbox));
  }

  /** Moves a sandbox with a pending change one step on. */
  #progress(sandbox: FakeSandbox): void {
    const next = sandbox.next.shift();
    if (next) this.#setState(sandbox, next, sandbox.next);
  }

  /** Refuses a change while another is pending, as Daytona does (409); the pending one moves on. */
  #refusePending(sandbox: FakeSandbox): void {
    if (!PENDING.has(sandbox.state)) return;
    this.#progress(sandbox);
    throw new HttpError(409, "CONFLICT", "Sandbox state change in progress", API);
  }

  #setState(sandbox: FakeSandbox, state: SandboxState, next: SandboxState[] = []): void {
    sandbox.state = state;
    sandbox.next = next;
    sandbox.updatedAt = new Date().toISOString();
  }

  #list(url: URL): Response {
    const query = url.searchParams;
    let labels: Record<string, string> = {};
    const labelsText = query.get("labels");
    if (labelsText !== null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(labelsText);
      } catch {
        throw new HttpError(400, "BAD_REQUEST", "labels must be a JSON object", API);
      }
      if (!isStringRecord(parsed)) {
        throw new HttpError(400, "BAD_REQUEST", "labels must map names to strings", API);
      }
      labels = parsed;
    }
    const offset = Number(query.get("cursor") ?? "0");
    if (!Number.isInteger(offset) || offset < 0) {
      throw new HttpError(400, "BAD_REQUEST", "Invalid cursor", API);
    }
    const limit = Number(query.get("limit") ?? DEFAULT_PAGE_SIZE);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new HttpError(400, "BAD_REQUEST", "limit must be a positive integer", API);
    }
    const id = query.get("id");
    const name = query.get("name");
    const states = query.getAll("states");
    const matching = [...this.#sandboxes.values()].filter((sandbox) =>
      Object.entries(labels).every(([key, value]) => sandbox.labels[key] === value) &&
      // id and name filter by case-insensitive prefix, as the SDK documents.
      (id === null || sandbox.id.toLowerCase().startsWith(id.toLowerCase())) &&
      (name === null || sandbox.name.toLowerCase().startsWith(name.toLowerCase())) &&
      (states.length === 0 || states.includes(sandbox.state))
    );
    const page = matching.slice(offset, offset + limit);
    const nextCursor = offset + limit < matching.length ? String(offset + limit) : null;
    return json({ items: page.map((sandbox) => this.#dto(sandbox, true)), nextCursor });
  }

  async #delete(idOrName: string): Promise<Response> {
    const sandbox = this.#find(idOrName);
    this.#refusePending(sandbox);
    this.#sandboxes.delete(sandbox.id);
    this.#deleted.set(sandbox.id, this.now());
    sandbox.generation++;
    this.#setState(sandbox, "destroying");
    await sandbox.local.close();
    return json(this.#dto(sandbox));
  }

  /** Starts a stopped or archived sandbox (an archived one takes longer); a started one stays. */
  #start(idOrName: string): Response {
    const sandbox = this.#find(idOrName);
    this.#refusePending(sandbox);
    if (sandbox.state === "stopped") this.#setState(sandbox, "starting", ["started"]);
    else if (sandbox.state === "archived") {
      this.#setState(sandbox, "restoring", ["starting", "starting", "started"]);
    } else if (sandbox.state !== "started") {
      throw new HttpError(400, "BAD_REQUEST", `Sandbox is ${sandbox.state}`, API);
    }
    sandbox.lastActivity = this.now();
    return json(this.#dto(sandbox));
  }

  async #stopRequest(idOrName: string): Promise<Response> {
    const sandbox = this.#find(idOrName);
    this.#refusePending(sandbox);
    if (sandbox.state === "started") {
      await this.#halt(sandbox, "stopping");
      sandbox.next = ["stopped"];
    }
    return json(this.#dto(sandbox));
  }

  async #setLabels(idOrName: string, request: Request): Promise<Response> {
    const sandbox = this.#find(idOrName);
    const { labels } = await readJsonObject(request, API);
    if (!isStringRecord(labels)) {
      throw new HttpError(400, "BAD_REQUEST", "labels must map names to strings", API);
    }
    sandbox.labels = { ...labels };
    sandbox.updatedAt = new Date().toISOString();
    return json({ labels: sandbox.labels });
  }

  #previewUrl(idOrName: string, portText: string): Response {
    const sandbox = this.#find(idOrName);
    const url = this.#localPreviewUrl(portText);
    return json({ sandboxId: sandbox.id, url, token: sandbox.previewToken });
  }

  #signedPreviewUrl(idOrName: string, portText: string, url: URL): Response {
    const sandbox = this.#find(idOrName);
    const expires = Number(url.searchParams.get("expiresInSeconds") ?? 60);
    if (!Number.isInteger(expires) || expires < 1 || expires > 86_400) {
      throw new HttpError(
        400,
        "BAD_REQUEST",
        "expiresInSeconds must be between 1 and 86400",
        API,
      );
    }
    const previewUrl = this.#localPreviewUrl(portText);
    return json({
      sandboxId: sandbox.id,
      port: Number(portText),
      token: crypto.randomUUID().replaceAll("-", ""),
      url: previewUrl,
    });
  }

  /**
   * The local sandbox shares the host's network, so this URL reaches servers in it (unless it was
   * created with `networkBlockAll`, which gives it a private loopback).
   */
  #localPreviewUrl(portText: string): string {
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new HttpError(400, "BAD_REQUEST", `Invalid port: ${portText}`, API);
    }
    return `http://127.0.0.1:${port}`;
  }
}

function desiredState(state: SandboxState): string {
  switch (state) {
    case "stopping":
    case "stopped":
      return "stopped";
    case "archiving":
    case "archived":
      return "archived";
    case "build_failed":
    case "error":
      return "started";
    case "destroying":
      return "destroyed";
    default:
      return "started";
  }
}

/** `METHOD /path` with sandbox ids as `{id}`, ports as `{port}` and preview tokens as `{token}`. */
function endpointKey(method: string, pathname: string): string {
  const parts = pathname.split("/");
  if (parts[1] === "toolbox" && parts[2]) parts[2] = "{id}";
  if (parts[1] === "api" && parts[2] === "sandbox" && parts[3]) {
    parts[3] = "{id}";
    if (parts[4] === "ports" && parts[5]) parts[5] = "{port}";
    if (parts[6] === "signed-preview-url" && parts[7]) parts[7] = "{token}";
  }
  return `${method} ${parts.join("/")}`;
}

function faultResponse(fault: Fault, source: ErrorSource): Response {
  const status = fault.status!;
  const tooMany = status === 429;
  return new HttpError(
    status,
    fault.code ?? (tooMany ? "TOO_MANY_REQUESTS" : "INTERNAL_ERROR"),
    fault.message ??
      (tooMany ? "Too many requests (injected fault)" : `Injected fault: HTTP ${status}`),
    source,
    tooMany ? { "retry-after": fault.retryAfter ?? "0" } : {},
  ).toResponse();
}
