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
import { LocalProvider, type LocalSandbox } from "../../src/providers/local.ts";
import { TcpFront } from "./_front.ts";
import { type ErrorSource, HttpError, isStringRecord, json, readJsonObject } from "./_http.ts";
import { handleToolbox } from "./_toolbox.ts";

/** Options for {@linkcode startFakeDaytona}. */
export interface FakeDaytonaOptions {
  /** The only API key the server accepts (as `Authorization: Bearer <key>`). @default "test-key" */
  apiKey?: string;
}

/**
 * What happens to the next `times` requests to one endpoint: first a delay, then either a
 * dropped connection (`reset`), an error status, or (with only `delayMs`) normal handling.
 */
export interface Fault {
  /** Answer with this HTTP status and a Daytona error body (429 adds `Retry-After: 0`). */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
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
  /** Closes the HTTP server and every backing local sandbox. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a fake Daytona server on a free loopback port.
 *
 * Requires `--allow-net=127.0.0.1` and the permissions of {@linkcode LocalProvider}.
 */
export function startFakeDaytona(options: FakeDaytonaOptions = {}): Promise<FakeDaytona> {
  return Promise.resolve(new FakeDaytonaServer(options.apiKey ?? "test-key"));
}

type SandboxState =
  | "creating"
  | "started"
  | "starting"
  | "stopping"
  | "stopped"
  | "destroying";

interface FakeSandbox {
  id: string;
  name: string;
  local: LocalSandbox;
  state: SandboxState;
  /** The state the next `GET /sandbox/{id}` moves to (and reports). */
  next: SandboxState | undefined;
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
  #provider = new LocalProvider({ log: silentLogger() });
  #server: Deno.HttpServer<Deno.NetAddr>;
  #front: TcpFront;
  #sandboxes = new Map<string, FakeSandbox>();
  #counts = new Map<string, number>();
  #faults = new Map<string, QueuedFault[]>();
  #stop = new AbortController();
  #closing: Promise<void> | undefined;

  constructor(apiKey: string) {
    this.apiKey = apiKey;
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
      if (fault.status !== undefined) return faultResponse(fault.status, source);
    }
    try {
      if (request.headers.get("authorization") !== `Bearer ${this.apiKey}`) {
        throw new HttpError(401, "UNAUTHORIZED", "Invalid API key", API);
      }
      return await this.#route(request, url);
    } catch (error) {
      if (error instanceof HttpError) return error.toResponse();
      const message = error instanceof Error ? error.message : String(error);
      return new HttpError(500, "INTERNAL_ERROR", message, source).toResponse();
    }
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
      const sandbox = this.#find(parts[1], "DAYTONA_DAEMON");
      const path = `/${parts.slice(2).join("/")}`;
      return handleToolbox(sandbox.local, method, path, url, request);
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
            return Promise.resolve(this.#transition(id, "starting", "started"));
          case "POST {id} stop":
            return Promise.resolve(this.#transition(id, "stopping", "stopped"));
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
    const sandbox = await this.#createSandbox(body, "creating", "started");
    return json(this.#dto(sandbox));
  }

  async #createSandbox(
    body: Record<string, unknown>,
    state: SandboxState,
    next?: SandboxState,
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
    const sandbox: FakeSandbox = {
      id,
      name: name || id,
      local,
      state,
      next,
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
      target: field("target"),
      cpu: field("cpu"),
      gpu: field("gpu"),
      memory: field("memory"),
      disk: field("disk"),
      state: sandbox.state,
      desiredState: desiredState(sandbox.state),
      errorReason: null,
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
    if (sandbox.next) this.#setState(sandbox, sandbox.next);
    return json(this.#dto(sandbox));
  }

  #setState(sandbox: FakeSandbox, state: SandboxState, next?: SandboxState): void {
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
    this.#sandboxes.delete(sandbox.id);
    this.#setState(sandbox, "destroying");
    await sandbox.local.close();
    return json(this.#dto(sandbox));
  }

  #transition(idOrName: string, state: SandboxState, next: SandboxState): Response {
    const sandbox = this.#find(idOrName);
    this.#setState(sandbox, state, next);
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

function faultResponse(status: number, source: ErrorSource): Response {
  const tooMany = status === 429;
  return new HttpError(
    status,
    tooMany ? "TOO_MANY_REQUESTS" : "INTERNAL_ERROR",
    tooMany ? "Too many requests (injected fault)" : `Injected fault: HTTP ${status}`,
    source,
    tooMany ? { "retry-after": "0" } : {},
  ).toResponse();
}
