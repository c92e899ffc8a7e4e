/**
 * Streamable HTTP at `/mcp` on `Deno.serve`, through the SDK's web-standard transport. Each MCP
 * session gets its own server, `SandboxSession` and default sandbox; `DELETE /mcp` or an idle
 * timeout ends the session and deletes its sandboxes.
 *
 * Every request is checked before the transport sees it: the Host header must name this server
 * and a browser Origin must be local (DNS-rebinding protection, 403), the bearer token must match
 * when one is set (401, compared in constant time), and bodies are size-limited (413).
 *
 * Requires `--allow-net` for the address it listens on.
 *
 * @module
 */

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/server/webStandardStreamableHttp.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/server/mcp"
import type { McpServer } from "npm:@modelcontextprotocol/sdk@1.32.2/server/mcp.js";
import type { Logger } from "./log.ts";
import type { SandboxSession } from "./session.ts";
import { isModern } from "./_era.ts";
import { type ConnectionLimits, guardConnections } from "./_conn_guard.ts";
import { jsonExcess } from "./_json.ts";
import { CONNECTION_HEADER } from "./_request_framer.ts";
import { UnsentAnswers } from "./_unsent.ts";

/** Options for {@linkcode serveHttp}. */
export interface HttpOptions {
  /** Address to listen on. @default "127.0.0.1" */
  hostname?: string;
  /** Port to listen on; 0 picks a free one. @default 8765 */
  port?: number;
  /** Bearer token every request must carry; required when `hostname` is not loopback. */
  token?: string;
  /** Extra Host header values to accept (e.g. a public name behind a proxy). */
  allowedHosts?: string[];
  /** Extra browser origins to accept, e.g. "https://my-app.example". */
  allowedOrigins?: string[];
  /** Minutes without requests after which a session and its sandboxes are ended. @default 30 */
  idleMinutes?: number;
  /** Largest request body, in bytes. @default 4 MiB */
  maxBodyBytes?: number;
  /**
   * Bytes of request bodies received at once, all clients together; a body that would go over gets
   * `503`. At least `maxBodyBytes`. @default 64 MiB
   */
  bodyBudgetBytes?: number;
  /**
   * How long a session (or 2026-07-28 bearer value) that holds no sandbox must have been idle
   * before a newcomer may take its place at the cap, in ms. @default 60_000
   */
  evictIdleAfterMs?: number;
  /**
   * Bytes of answers made and not yet taken by their clients, all clients together; past it, the
   * answer whose client has taken nothing for longest is dropped (its connection breaks). At least
   * 16 MiB.
   * @default 256 MiB
   */
  answerBudgetBytes?: number;
  /** How long a request body may take to arrive once its headers have, in ms. @default 30_000 */
  bodyTimeoutMs?: number;
  /** Caps on connections and how soon a new one must send its request (see ConnectionLimits). */
  connections?: ConnectionLimits;
  /**
   * The most 2025-era sessions, and the most bearer values with 2026-07-28 sandboxes, at once: each
   * holds memory until it ends or idles out. @default 1024
   */
  maxSessions?: number;
  /** Told the id of each 2025-era session that ends (its tasks' results may then make room). */
  onSessionEnd?: (id: string) => void;
  /** Where diagnostics go. */
  log: Logger;
}

/** One MCP session's server and sandboxes, made by the caller for each new session. */
export interface HttpSession {
  /** The MCP server of the session, not yet connected. */
  server: McpServer;
  /** The session's sandboxes; closed when the session ends. */
  session: SandboxSession;
}

/** A 2026-07-28 request handler, as the v2 SDK's `createMcpHandler` makes it. */
export interface ModernHandler {
  /** Answers one request whose body was already read and parsed. */
  fetch(request: Request, options: { parsedBody: unknown }): Promise<Response>;
  /** Aborts the requests in flight. */
  close(): Promise<void>;
}

/**
 * How to serve 2026-07-28 requests, which carry no session: sandboxes belong to the bearer token
 * (one {@linkcode SandboxSession} per token, or one for all when no token is set), and a client
 * finds them by the ids the results returned.
 */
export interface HttpModern {
  /**
   * A new session, for a token seen for the first time. `tenant` names the token without
   * revealing it (`token-` and 32 hex digits of its SHA-256; `anonymous` for requests without
   * one), the same on every server, so that servers sharing sandboxes agree on whose they are.
   */
  session(tenant: string): SandboxSession;
  /**
   * Loads the v2 SDK (on the first 2026-07-28 request) and returns a handler maker, called with
   * the token's session and its tenant (as {@linkcode HttpModern.session} gets it): the owner of
   * its tasks, whose results outlive the session when its sandboxes idle out and the token comes
   * back later.
   */
  load(): Promise<(session: SandboxSession, tenant: string) => ModernHandler>;
}

/** A running HTTP server. */
export interface HttpServer extends AsyncDisposable {
  /** The URL of the MCP endpoint, e.g. "http://127.0.0.1:8765/mcp". */
  url: string;
  /** Open MCP sessions. */
  readonly sessions: number;
  /** Ends every session (deleting their sandboxes) and stops listening. */
  close(): Promise<void>;
}

interface Entry extends HttpSession {
  transport: Transport;
  lastSeen: number;
  inFlight: number;
}

/** Whether `hostname` only accepts connections from this machine. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || hostname === "[::1]" ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Serves MCP over Streamable HTTP. `makeSession` is called for each new MCP session.
 *
 * @example Serve on a free port
 * ```ts ignore
 * import { equal, match } from "node:assert/strict";
 * import { LocalProvider, SandboxSession, silentLogger, type ToolLimits } from "../mod.ts";
 * import { createServer } from "./server.ts";
 * import { serveHttp } from "./http.ts";
 * const log = silentLogger();
 * const limits: ToolLimits = { maxOutputBytes: 100_000, defaultTimeout: 300, maxImageBytes: 1e7 };
 * const instructions = "Commands run in a sandbox.";
 * await using provider = new LocalProvider({ log });
 * await using http = serveHttp({ port: 0, log }, () => {
 *   const session = new SandboxSession(provider, log);
 *   return { session, server: createServer({ session, limits, instructions, log }) };
 * });
 * match(http.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
 * equal(http.sessions, 0); // one per MCP client, from its first request
 * ```
 */
export function serveHttp(
  options: HttpOptions,
  makeSession: () => HttpSession,
  modern?: HttpModern,
): HttpServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const { log } = options;
  if (!isLoopback(hostname) && !options.token) {
    throw new TypeError(
      `Cannot listen on ${hostname} without a token: anyone who can reach it could run code; set MCP_AUTH_TOKEN (or --auth-token), or listen on 127.0.0.1`,
    );
  }
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  // Streams that wait for an answer send comments often enough for the guard's idle timeout.
  const keepAliveMs = Math.min(KEEP_ALIVE_MS, (options.connections?.idleTimeoutMs ?? 120_000) / 4);
  /** Bytes of request bodies being received now, all clients together, and the most. */
  const bodies = {
    held: 0,
    max: Math.max(options.bodyBudgetBytes ?? BODY_BUDGET, maxBody),
    timeoutMs: options.bodyTimeoutMs ?? 30_000,
  };
  const idleMs = (options.idleMinutes ?? 30) * 60_000;
  const answerBudget = Math.max(options.answerBudgetBytes ?? ANSWER_BUDGET, 16 * 1024 * 1024);
  const unsent = new UnsentAnswers(answerBudget, (bytes) =>
    log.warn(
      `dropped an answer of ${
        (bytes / 1024 / 1024).toFixed(1)
      } MiB that its client had not taken: answers waiting for their clients took over ${
        answerBudget / 1024 / 1024
      } MiB`,
    ));
  const maxSessions = options.maxSessions ?? 1024;
  const full = (what: string) =>
    rpcError(
      503,
      -32000,
      `Cannot open a session: the server has ${maxSessions} ${what}; end one (DELETE) or wait for idle ones to end`,
    );
  const sessions = new Map<string, Entry>();
  const expected = options.token ? digest(options.token) : undefined;
  /** Host header values accepted, known once listening (the port may be chosen then). */
  let hosts = new Set<string>();
  /** 2026-07-28 clients' sandboxes, by the digest of their token. */
  const owners = new Map<string, { session: SandboxSession; handler: ModernHandler }>();
  let loadingModern:
    | Promise<(session: SandboxSession, tenant: string) => ModernHandler>
    | undefined;

  const serveModern = async (request: Request, parsedBody: unknown): Promise<Response> => {
    const make = await (loadingModern ??= modern!.load());
    const given = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    const key = given ? (await digest(given)).toHex() : "";
    let owner = owners.get(key);
    if (!owner) {
      if (owners.size >= maxSessions) evictIdleOwner();
      if (owners.size >= maxSessions) return full("bearer tokens with sandboxes");
      const tenant = key ? `token-${key.slice(0, 32)}` : "anonymous";
      const session = modern!.session(tenant);
      owner = { session, handler: make(session, tenant) };
      owners.set(key, owner);
    }
    return await lateAsStream(owner.handler.fetch(request, { parsedBody }), keepAliveMs);
  };

  // At the cap, a new session or bearer value takes the place of the one idle longest among those
  // that hold no sandbox (and run nothing): they cost their clients a new handshake at most, and
  // 1024 of them, made in 3 s by one client, locked every other client out for 30 minutes.
  // Idle a minute at least: a flood of new sessions evicted a client's between its handshake and its
  // first call (8 s of an assistant's thought), every time.
  const evictAfterMs = options.evictIdleAfterMs ?? 60_000;
  const evictIdleSession = () => {
    let oldest: [string, Entry] | undefined;
    const now = Date.now();
    for (const [id, entry] of sessions) {
      if (entry.inFlight > 0 || entry.session.sandboxCount > 0) continue;
      if (now - entry.lastSeen < evictAfterMs) continue;
      if (!oldest || entry.lastSeen < oldest[1].lastSeen) oldest = [id, entry];
    }
    if (oldest) {
      endSession(oldest[0], "the server was full, and it held no sandbox").catch(() => {});
    }
  };
  const evictIdleOwner = () => {
    const now = Date.now();
    let oldest: [string, { session: SandboxSession; handler: ModernHandler }] | undefined;
    for (const [key, owner] of owners) {
      const idle = owner.session.idleSince(now);
      if (idle === 0 || idle < evictAfterMs || owner.session.sandboxCount > 0) continue;
      if (!oldest || idle > oldest[1].session.idleSince(now)) oldest = [key, owner];
    }
    if (!oldest) return;
    owners.delete(oldest[0]);
    oldest[1].handler.close().catch(() => {});
    oldest[1].session.close().catch(() => {});
  };

  const endSession = async (id: string, why: string) => {
    const entry = sessions.get(id);
    if (!entry) return;
    sessions.delete(id);
    options.onSessionEnd?.(id);
    log.info(`http session ${id.slice(0, 8)} ended (${why})`);
    await entry.transport.close().catch(() => {});
    await entry.session.close();
  };

  const handler = async (request: Request): Promise<Response> => {
    // The Host header first: Deno builds request.url from it, so an odd one makes no URL.
    // Refusals close their connection: a client that is not one (or not yet) holds none open.
    if (!hosts.has((request.headers.get("host") ?? "").toLowerCase())) {
      return plain(403, "Forbidden: unexpected Host header");
    }
    const url = new URL(request.url);
    if (url.pathname !== "/mcp") return plain(404, "Not found: the MCP endpoint is /mcp");
    const origin = request.headers.get("origin");
    if (origin !== null && !originAllowed(origin, options.allowedOrigins)) {
      return plain(403, "Forbidden: cross-origin requests are not allowed");
    }
    if (expected) {
      const given = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
      if (!given || !timingSafeEqual(await expected, await digest(given))) {
        return new Response("Unauthorized: a valid bearer token is required", {
          status: 401,
          headers: { "WWW-Authenticate": 'Bearer realm="mcp"', Connection: "close" },
        });
      }
    }
    const sessionId = request.headers.get("mcp-session-id");
    let parsedBody: unknown;
    if (request.method === "POST") {
      const text = await readBody(request, maxBody, bodies);
      if (text instanceof Response) return text;
      const excess = jsonExcess(text, { depth: MAX_NESTING });
      if (excess !== undefined) return rpcError(400, -32700, `Parse error: ${excess}`);
      try {
        parsedBody = JSON.parse(text);
      } catch {
        return rpcError(400, -32700, "Parse error: the body is not JSON");
      }
    }
    if (sessionId) {
      const entry = sessions.get(sessionId);
      if (!entry) return rpcError(404, -32001, "Session not found", true);
      entry.lastSeen = Date.now();
      entry.inFlight++;
      try {
        const answered = entry.transport.handleRequest(request, { parsedBody });
        entry.transport.cancelled(cancelledIds(parsedBody));
        if (!answersInJson(request, parsedBody)) {
          return cancelOnDisconnect(await answered, parsedBody, entry.transport);
        }
        return await jsonOrStream(parsedBody, entry.transport, answered, keepAliveMs);
      } finally {
        entry.inFlight--;
        entry.lastSeen = Date.now();
      }
    }
    if (
      modern && (isModern(parsedBody) ||
        (request.headers.get("mcp-protocol-version") ?? "") >= "2026-07-28")
    ) {
      return await serveModern(request, parsedBody);
    }
    if (request.method !== "POST" || !isInitialize(parsedBody)) {
      return rpcError(
        400,
        -32000,
        "Bad request: no mcp-session-id, and not an initialize request",
        true,
      );
    }
    if (sessions.size >= maxSessions) evictIdleSession();
    if (sessions.size >= maxSessions) return full("sessions");
    const made = makeSession();
    const entry: Entry = { ...made, transport: undefined!, lastSeen: Date.now(), inFlight: 0 };
    entry.transport = new Transport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, entry);
        log.info(`http session ${id.slice(0, 8)} started`);
      },
      onsessionclosed: (id) => endSession(id, "closed by the client"),
    });
    await made.server.connect(entry.transport);
    return await entry.transport.handleRequest(request, { parsedBody });
  };

  const abort = new AbortController();
  // Deno.serve listens behind the guard (_conn_guard.ts) on the public port, on a unix socket in a directory of the server's own (0700), which only the
  // guard connects to: on a port of 127.0.0.1, any local process held connections there that the
  // guard never saw (20 000, and no client could connect), or passed for another client's. Where
  // Deno may not write the temporary directory (`deno task start:daytona`: --allow-net and
  // --allow-env only), it listens on 127.0.0.1 still: the guard's mark keeps a request from passing
  // for another client's there too, but not the connections that send nothing. Should its accept
  // loop die all the same (out of descriptors), it starts again.
  const socketDir = privateDirectory();
  if (!socketDir) {
    log.info(
      "the HTTP server's inner listener is on 127.0.0.1, where other local users can reach it: allow Deno to read and write the temporary directory (--allow-read=/tmp --allow-write=/tmp) to put it on a unix socket only this user can reach",
    );
  }
  let started = 0;
  const serveBackend = (): Deno.HttpServer<Deno.Addr> => {
    const handle = (request: Request) => {
      // Each request the guard forwards says which of its connections it came on.
      const outgoing = guard.outgoing(request.headers.get(CONNECTION_HEADER));
      if (!outgoing) {
        return new Response(null, { status: 403, headers: { connection: "close" } });
      }
      return handler(request).then((response) => unsent.meter(response, outgoing));
    };
    const options = { signal: abort.signal, onListen: () => {} };
    const backend: Deno.HttpServer<Deno.Addr> = socketDir
      ? Deno.serve({ ...options, path: `${socketDir}/serve-${started++}.sock` }, handle)
      : Deno.serve({ ...options, hostname: "127.0.0.1", port: 0 }, handle);
    backend.finished.catch((error) => {
      if (abort.signal.aborted) return;
      log.error(
        `the HTTP server stopped accepting (${error?.message ?? error}); starting it again`,
      );
      restart();
    });
    return backend;
  };
  // Out of descriptors, starting again can fail too (it ended the process): tried until it works.
  const restart = () => {
    if (abort.signal.aborted) return;
    try {
      server = serveBackend();
    } catch (error) {
      log.debug(`the HTTP server could not start again yet: ${(error as Error).message}`);
      setTimeout(restart, 100);
    }
  };
  let server = serveBackend();
  const guard = guardConnections(
    { hostname, port: options.port ?? 8765 },
    () => {
      const addr = server.addr;
      return addr.transport === "unix"
        ? { transport: "unix", path: addr.path }
        : { hostname: "127.0.0.1", port: (addr as Deno.NetAddr).port };
    },
    options.connections,
  );
  const { port } = guard.addr;
  hosts = allowedHosts(hostname, port, options.allowedHosts);
  const shownHost = hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]`
    : hostname;
  const endpoint = `http://${shownHost}:${port}/mcp`;

  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [id, entry] of sessions) {
      if (
        entry.inFlight === 0 && entry.session.idleSince(now) > idleMs &&
        now - entry.lastSeen > idleMs
      ) {
        endSession(id, "idle").catch(() => {});
      }
    }
    for (const [key, owner] of owners) {
      if (owner.session.idleSince(now) > idleMs) {
        owners.delete(key);
        log.info("2026-07-28 sandboxes of a token ended (idle)");
        owner.handler.close().catch(() => {});
        owner.session.close().catch(() => {});
      }
    }
  }, Math.min(idleMs, 60_000));

  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      clearInterval(sweeper);
      await Promise.allSettled([...sessions.keys()].map((id) => endSession(id, "server stopping")));
      await Promise.allSettled(
        [...owners.values()].map(async ({ session, handler }) => {
          await handler.close();
          await session.close();
        }),
      );
      owners.clear();
      guard.close();
      abort.abort();
      await server.finished.catch(() => {});
      if (socketDir) await Deno.remove(socketDir, { recursive: true }).catch(() => {});
    })();
  return {
    url: endpoint,
    get sessions() {
      return sessions.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function allowedHosts(hostname: string, port: number, extra: string[] = []): Set<string> {
  const names = new Set(["localhost", "127.0.0.1", "[::1]", hostname, ...extra]);
  if (hostname.includes(":") && !hostname.startsWith("[")) names.add(`[${hostname}]`);
  const hosts = new Set<string>();
  for (const name of names) {
    hosts.add(name.toLowerCase());
    hosts.add(`${name}:${port}`.toLowerCase());
  }
  return hosts;
}

function originAllowed(origin: string, extra: string[] = []): boolean {
  if (extra.includes(origin)) return true;
  try {
    const { protocol, hostname } = new URL(origin);
    return (protocol === "http:" || protocol === "https:") && isLoopback(hostname);
  } catch {
    return false;
  }
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two equal-length digests without stopping at the first difference. */
function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

/**
 * Bytes of request bodies the server receives at once, all clients together, by default. Bodies
 * sent all but their last byte and held there took 12.5 MB of the server's memory each, until the
 * kernel killed it.
 */
const BODY_BUDGET = 64 * 1024 * 1024;
/**
 * Bytes of answers waiting for their clients, all together, by default: about 27 of the largest
 * (a 7 MiB file as base64).
 */
const ANSWER_BUDGET = 256 * 1024 * 1024;
/** How deep a request may nest arrays and objects (a few levels are MCP's own). */
const MAX_NESTING = 128;

/**
 * The body as text; or the answer that refuses it: `413` past `limit` bytes, `503` when the
 * bodies being received would take more than `bodies.max` bytes together, `408` when it does not
 * arrive within `bodies.timeoutMs`. Each body counts against `bodies` while it arrives.
 */
async function readBody(
  request: Request,
  limit: number,
  bodies: { held: number; max: number; timeoutMs: number },
): Promise<string | Response> {
  const length = request.headers.get("content-length");
  const declared = Number(length ?? "0");
  const tooLarge = () => rpcError(413, -32600, `Request body over ${limit} bytes`, true);
  if (declared > limit) return tooLarge();
  if (!request.body) return "";
  let held = 0;
  const hold = (bytes: number) => {
    if (bodies.held + bytes > bodies.max) return false;
    bodies.held += bytes;
    held += bytes;
    return true;
  };
  const busy = () =>
    rpcError(503, -32000, "Server busy: too many request bodies are arriving; try again", true);
  const reader = request.body.getReader();
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    reader.cancel().catch(() => {});
  }, bodies.timeoutMs);
  try {
    // Copied into one buffer that grows with what arrives (to the declared length at most), whose
    // size is what counts: Deno hands each read over as a view of a buffer of its own of 64 KiB,
    // and a body sent a byte at a time, kept as those views, took 64 KiB a byte (a server killed
    // by the kernel after 768 KB); and a declared length counted before its bytes came let 17
    // bodies that never came take the whole budget.
    let buffer = new Uint8Array(0);
    let size = 0;
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > limit) return tooLarge();
      if (size + value.length > buffer.length) {
        const most = length !== null ? Math.max(declared, size + value.length) : limit;
        const grown = Math.min(Math.max(buffer.length * 2, size + value.length, 65536), most);
        if (!hold(grown - buffer.length)) return busy();
        const next = new Uint8Array(grown);
        next.set(buffer.subarray(0, size));
        buffer = next;
      }
      buffer.set(value, size);
      size += value.length;
    }
    if (!late && (length === null || size === declared)) {
      return new TextDecoder().decode(buffer.subarray(0, size));
    }
  } catch {
    // Cut short: by the deadline, or by a client that left (nobody reads the answer).
  } finally {
    clearTimeout(timer);
    bodies.held -= held;
    reader.cancel().catch(() => {});
  }
  return late
    ? rpcError(
      408,
      -32000,
      `Request timeout: the body did not arrive within ${bodies.timeoutMs / 1000} s`,
      true,
    )
    : rpcError(400, -32600, "Bad request: the body ended before its Content-Length", true);
}

/**
 * A new directory only this user may enter, in the temporary directory, for a socket; undefined
 * where Deno may not make one there, or listen in it (which takes reading it too).
 */
function privateDirectory(): string | undefined {
  let dir: string;
  try {
    dir = Deno.makeTempDirSync({ prefix: "mcp-http-" }); // 0700
  } catch {
    return undefined;
  }
  if (Deno.permissions.querySync({ name: "read", path: dir }).state === "granted") return dir;
  Deno.removeSync(dir);
  return undefined;
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => (m as { method?: string })?.method === "initialize");
}

/**
 * A client that goes away in the middle of a call cancels it: the response's stream, cancelled
 * when the client leaves, kills what the call started, as `notifications/cancelled` would. (Not
 * through `request.signal`, which Deno also aborts at the end of every answer once it was read.)
 */
function cancelOnDisconnect(response: Response, body: unknown, transport: Transport): Response {
  if (requestIds(body).length === 0 || !response.body) return response;
  const reader = response.body.getReader();
  const relayed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      cancel(body, transport);
      return reader.cancel(reason);
    },
  });
  return new Response(relayed, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Cancels the requests of `body` as `notifications/cancelled` would. */
function cancel(body: unknown, transport: Transport): void {
  for (const requestId of requestIds(body)) {
    transport.onmessage?.({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId, reason: "the client disconnected" },
    });
  }
}

/** The ids of the requests that the notifications in `body` cancel. */
function cancelledIds(body: unknown): (string | number)[] {
  const messages = (Array.isArray(body) ? body : [body]) as {
    method?: string;
    id?: unknown;
    params?: { requestId?: unknown };
  }[];
  return messages.filter((m) =>
    m?.method === "notifications/cancelled" && m.id === undefined &&
    (typeof m.params?.requestId === "string" || typeof m.params?.requestId === "number")
  ).map((m) => m.params!.requestId as string | number);
}

function requestIds(body: unknown): (string | number)[] {
  const messages = (Array.isArray(body) ? body : [body]) as { id?: unknown; method?: string }[];
  return messages.filter((m) => m?.method && m.id !== undefined).map((m) =>
    m.id as string | number
  );
}

/**
 * Whether a POST is answered with one JSON body rather than an event stream: when nothing but
 * the answers can come back on it. Saves both sides ~0.1 ms of CPU a call. A progress token, a
 * task or a tasks/* method (whose answers may carry queued messages) keep the stream.
 */
function answersInJson(request: Request, body: unknown): boolean {
  if (request.method !== "POST") return false;
  // A batch's answers go out each as its own event, as it is made, so that each passes the answer
  // budget alone: in JSON the SDK keeps them all and sends one array, which 30 reads of a 7 MB
  // file made 280 MiB (never deliverable past the budget), built at a peak of 2.3 GB, and which 60
  // made longer than a string may be, so that it stayed in memory, unsent, until the session ended.
  if (Array.isArray(body) && body.length > 1) return false;
  const messages = (Array.isArray(body) ? body : [body]) as {
    method?: unknown;
    params?: { task?: unknown; _meta?: { progressToken?: unknown } };
  }[];
  return messages.every((m) =>
    typeof m?.method === "string" && !m.method.startsWith("tasks/") && m.method !== "initialize" &&
    m.params?.task === undefined && m.params?._meta?.progressToken === undefined
  );
}

/** How long a JSON answer may take before the response turns into an event stream. */
const STREAM_AFTER_MS = 1000;
/** How often a stream that waits for its answer sends a comment, as the SDK's streams do. */
const KEEP_ALIVE_MS = 15_000;

/**
 * The answer of a request the transport answers in JSON: itself if it comes within
 * {@linkcode STREAM_AFTER_MS}, else an event stream that carries it when it comes, so that a long
 * call shows its headers at once and keeps its connection alive as in streaming mode. A client
 * that leaves cancels the call when the stream finds it gone: at once while the stream is open,
 * else when the answer turns into one. (Deno tells of a client that leaves otherwise only through
 * `request.signal`, which, once read, also aborts at every answer's end: a cost for each call
 * that outweighs at most a second of work for a client that left.)
 */
async function jsonOrStream(
  body: unknown,
  transport: Transport,
  answered: Promise<Response>,
  keepAliveMs: number,
): Promise<Response> {
  const soon = await answeredSoon(answered);
  if (soon) return soon;
  // A client that left cancels the stream below, which cancels the call: that call never answers.
  const gone = Promise.withResolvers<undefined>();
  const leave = () => {
    cancel(body, transport);
    transport.forget(requestIds(body));
    gone.resolve(undefined);
  };
  // A session ended meanwhile (DELETE, idle) answers nothing more: the stream says so and ends.
  const ended = transport.watchEnd();
  // A call the client cancelled gets no answer: its stream ends (it sent keep-alive comments for
  // good, and 256 cancelled calls, as the SDK's client leaves them, held every connection one
  // address may open).
  const withdrawn = transport.watchCancel(requestIds(body));
  const answer = Promise.race([answered, gone.promise, ended.promise, withdrawn.promise])
    .finally(() => {
      ended.stop();
      withdrawn.stop();
    });
  return waitingStream(
    keepAliveMs,
    async (send) => {
      const response = await answer;
      if (response === "cancelled") return;
      if (response === "ended") {
        send(messageEvents(
          requestIds(body).map((id) => ({
            jsonrpc: "2.0",
            id,
            error: { code: -32000, message: "The session ended before the call answered" },
          })),
        ));
      } else if (response) send(messageEvents(jsonMessages(await response.text())));
    },
    leave,
    transport.sessionId ? { "mcp-session-id": transport.sessionId } : {},
  );
}

/**
 * A 2026-07-28 answer as it comes if within {@linkcode STREAM_AFTER_MS}, else an event stream that
 * sends a comment every `keepAliveMs` and then the answer (as its events, or as one event when it
 * is JSON). The v2 SDK answers a call that sends nothing before its result with one JSON body at
 * the end, and the guard closes a connection that carries nothing for its idle timeout: a long
 * call would be cut. A client that leaves aborts the request, which the handler watches.
 */
async function lateAsStream(answered: Promise<Response>, keepAliveMs: number): Promise<Response> {
  const soon = await answeredSoon(answered);
  if (soon) return soon;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  // Once the client left, nobody reads the rest of an answer that streams.
  const left = () => void reader?.cancel().catch(() => {});
  return waitingStream(keepAliveMs, async (send) => {
    const response = await answered;
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
      send(messageEvents(jsonMessages(await response.text())));
      return;
    }
    reader = response.body?.getReader();
    try {
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        send(value);
      }
    } catch (error) {
      left();
      throw error;
    }
  }, left);
}

/** `answered` if it comes within {@linkcode STREAM_AFTER_MS}, else null. */
async function answeredSoon(answered: Promise<Response>): Promise<Response | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => timer = setTimeout(resolve, STREAM_AFTER_MS, null));
  return await Promise.race([answered, late]).finally(() => clearTimeout(timer));
}

const KEEP_ALIVE_COMMENT = new TextEncoder().encode(": keepalive\n\n");

/**
 * An event stream for an answer still to come: a comment every `keepAliveMs` until `fill` (given
 * what adds to the stream) settles, then its end; `left` is told when the client cancels it.
 */
function waitingStream(
  keepAliveMs: number,
  fill: (send: (bytes: Uint8Array) => void) => Promise<void>,
  left: () => void,
  headers: Record<string, string> = {},
): Response {
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (bytes: Uint8Array) => controller.enqueue(bytes);
      keepAlive = setInterval(() => send(KEEP_ALIVE_COMMENT), keepAliveMs);
      fill(send).catch(() => {}).finally(() => {
        clearInterval(keepAlive);
        try {
          controller.close();
        } catch {
          // The client cancelled the stream.
        }
      });
    },
    cancel() {
      clearInterval(keepAlive);
      left();
    },
  });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
      ...headers,
    },
  });
}

/** The JSON-RPC messages of a JSON body (one, or a batch; none when empty). */
function jsonMessages(text: string): unknown[] {
  return text ? [JSON.parse(text)].flat() : [];
}

/** `messages` as event-stream events. */
function messageEvents(messages: unknown[]): Uint8Array {
  return new TextEncoder().encode(
    messages.map((message) => `event: message\ndata: ${JSON.stringify(message)}\n\n`).join(""),
  );
}

/** The SDK transport's private fields that {@linkcode Transport} reads and sets. */
interface TransportInternals {
  _enableJsonResponse: boolean;
  _streamMapping: Map<
    string,
    { resolveJson?: (response: Response) => void; forgets?: boolean; cleanup(): void }
  >;
  _requestToStreamMapping: Map<string | number, string>;
}

/**
 * The SDK's transport, answering each POST in JSON or as an event stream as
 * {@linkcode answersInJson} chooses. SDK 1.x makes that choice once per transport (its
 * `enableJsonResponse`); this sets the flag just before each part of the SDK that reads it, which
 * runs without awaiting anything first (no event store is configured, the body is pre-parsed).
 */
class Transport extends WebStandardStreamableHTTPServerTransport {
  override handleRequest(
    request: Request,
    options?: { parsedBody?: unknown },
  ): Promise<Response> {
    (this as unknown as TransportInternals)._enableJsonResponse = answersInJson(
      request,
      options?.parsedBody,
    );
    return super.handleRequest(request, options);
  }

  override send(
    message: Parameters<WebStandardStreamableHTTPServerTransport["send"]>[0],
    options?: Parameters<WebStandardStreamableHTTPServerTransport["send"]>[1],
  ): Promise<void> {
    const self = this as unknown as TransportInternals;
    const requestId = "result" in message || "error" in message
      ? message.id as string | number
      : options?.relatedRequestId;
    const streamId = requestId === undefined
      ? undefined
      : self._requestToStreamMapping.get(requestId);
    const stream = streamId === undefined ? undefined : self._streamMapping.get(streamId);
    self._enableJsonResponse = stream?.resolveJson !== undefined;
    if (stream?.resolveJson && !stream.forgets) {
      // The SDK keeps a JSON stream's entry, and with it the answer it resolved, for the session's
      // life: 40 reads of a 7 MB file held 370 MB after they were answered and read.
      const resolve = stream.resolveJson;
      stream.resolveJson = (response: Response) => {
        self._streamMapping.delete(streamId!);
        resolve(response);
      };
      stream.forgets = true;
    }
    return super.send(message, options);
  }

  #ended = false;
  #onEnd = new Set<() => void>();

  /**
   * A promise that settles once the transport closes (its session ended: answers still awaited
   * never come), and `stop` to stop watching. Each watch is its own, dropped at `stop`: one promise
   * for the session's life kept every answer raced against it (32 slow calls with 4 MB of output each
   * filled a heap of 160 MB).
   */
  watchEnd(): { promise: Promise<"ended">; stop: () => void } {
    const { promise, resolve } = Promise.withResolvers<"ended">();
    const end = () => resolve("ended");
    if (this.#ended) end();
    else this.#onEnd.add(end);
    return { promise, stop: () => void this.#onEnd.delete(end) };
  }

  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      this.#ended = true;
      for (const end of this.#onEnd) end();
      this.#onEnd.clear();
    }
  }

  #cancels = new Map<string | number, () => void>();

  /**
   * A promise that settles once the client has cancelled every one of `ids`, and `stop` to stop
   * watching.
   */
  watchCancel(ids: (string | number)[]): { promise: Promise<"cancelled">; stop: () => void } {
    const { promise, resolve } = Promise.withResolvers<"cancelled">();
    const left = new Set(ids);
    const one = (id: string | number) => () => {
      left.delete(id);
      if (left.size === 0) resolve("cancelled");
    };
    for (const id of ids) this.#cancels.set(id, one(id));
    return { promise, stop: () => ids.forEach((id) => this.#cancels.delete(id)) };
  }

  /**
   * Tells of requests the client cancelled (`notifications/cancelled`): they get no answer, so
   * what waits for them ends, and an event stream left with no request to answer closes.
   */
  cancelled(ids: (string | number)[]): void {
    for (const id of ids) this.#cancels.get(id)?.();
    this.forget(ids);
  }

  /**
   * Drops what the SDK keeps for requests that will never be answered (the client left, or
   * cancelled them); a stream left with no request to answer closes.
   */
  forget(ids: (string | number)[]): void {
    const self = this as unknown as TransportInternals;
    for (const id of ids) {
      const streamId = self._requestToStreamMapping.get(id);
      if (streamId === undefined) continue;
      self._requestToStreamMapping.delete(id);
      if (![...self._requestToStreamMapping.values()].includes(streamId)) {
        self._streamMapping.get(streamId)?.cleanup();
      }
    }
  }
}

/** A refusal in plain text, which closes its connection. */
function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { "Content-Type": "text/plain", Connection: "close" },
  });
}

/** A JSON-RPC error without an id; with `close`, the connection closes after it. */
function rpcError(status: number, code: number, message: string, close = false): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, {
    status,
    headers: close ? { Connection: "close" } : undefined,
  });
}
