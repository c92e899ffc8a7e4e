// The HTTP server's public port. Deno.serve has neither read timeouts nor a cap on connections
// (denoland/deno#3515): a client that opens connections and sends nothing, or its headers a byte at
// a time, holds one of the server's descriptors each, until the process runs out and Deno.serve's
// accept loop dies with it. So the port is this guard's: it caps the connections open at once (in
// all and per address), gives a new connection a few seconds to send its first request's headers,
// and only then hands it, bytes as they come, to Deno.serve on a unix socket of the server's own,
// each request marked with the connection it came on (see _request_framer.ts); a connection that
// then carries nothing either way for a while is closed (Deno.serve keeps an idle keep-alive
// connection for good: 512 of them, each after one request, locked every other client out).
// HTTP/2 is refused: its streams would carry many requests on one counted connection.

import { concatBytes } from "./_output.ts";
import { RequestFramer } from "./_request_framer.ts";

/** Limits on the connections the guard lets through. */
export interface ConnectionLimits {
  /** Connections open at once. @default 1024 */
  maxConnections?: number;
  /** Connections open at once from one address (a reverse proxy in front is one). @default 256 */
  maxPerAddress?: number;
  /** How long a new connection may take to send its first request's headers, in ms. @default 10_000 */
  headerTimeoutMs?: number;
  /**
   * How long a connection may carry no byte either way before it is closed, in ms (event streams
   * send a comment every 15 s). @default 120_000
   */
  idleTimeoutMs?: number;
}

/** The most a first request's headers may take before they are cut off. */
const MAX_HEAD = 64 * 1024;
/** How HTTP/2 with prior knowledge (h2c) begins. */
const H2_PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n");
/** Bytes copied at once each way (each connection holds two such buffers while it is open). */
const COPY_BYTES = 16 * 1024;

/** What a forwarded connection has sent its client so far. */
export interface Outgoing {
  /** Bytes written to the client. */
  readonly sent: number;
  /** Whether the connection has ended. */
  readonly ended: boolean;
  /** Settles once more is written to the client, or the connection ends. */
  next(): Promise<void>;
  /** Closes the connection: its client sees it cut. */
  close(): void;
}

/** A guard listening on a public address; it forwards to a backend it is told of. */
export interface ConnectionGuard {
  /** Where it listens. */
  readonly addr: Deno.NetAddr;
  /**
   * The forwarded connection a request says it came on (its CONNECTION_HEADER, see
   * _request_framer.ts), or undefined when the guard forwards none of that name.
   */
  outgoing(id: string | null): Outgoing | undefined;
  /** Stops listening and closes every connection. */
  close(): void;
}

/**
 * Listens on `hostname:port` and forwards each connection that sends its first request's headers
 * in time to `backend()` (where Deno.serve listens), within `limits`, each request
 * marked with the connection's name.
 */
export function guardConnections(
  listen: { hostname: string; port: number },
  backend: () => Deno.ConnectOptions | Deno.UnixConnectOptions,
  limits: ConnectionLimits = {},
): ConnectionGuard {
  const maxConnections = limits.maxConnections ?? 1024;
  const maxPerAddress = limits.maxPerAddress ?? 256;
  const headerTimeoutMs = limits.headerTimeoutMs ?? 10_000;
  const idleTimeoutMs = limits.idleTimeoutMs ?? 120_000;
  const listener = Deno.listen({ hostname: listen.hostname, port: listen.port });
  /** Every client connection, with its backend one once forwarded and when either last moved. */
  const conns = new Map<Deno.Conn, Pair>();
  /** Forwarded connections by the name their requests carry. */
  const forwarded = new Map<string, Pair>();
  const perAddress = new Map<string, number>();
  let closed = false;

  const serve = async (conn: Deno.TcpConn) => {
    const from = conn.remoteAddr.hostname;
    const mine = perAddress.get(from) ?? 0;
    if (conns.size >= maxConnections || mine >= maxPerAddress) return closeQuietly(conn);
    const pair: Pair = {
      id: crypto.randomUUID(),
      client: conn,
      active: Date.now(),
      trickle: 0,
      sent: 0,
      waiting: [],
    };
    conns.set(conn, pair);
    perAddress.set(from, mine + 1);
    try {
      const head = await firstHead(conn, headerTimeoutMs);
      if (!head || closed || startsWith(head, H2_PREFACE)) return;
      const to = backend();
      const inner = pair.inner = "path" in to ? await Deno.connect(to) : await Deno.connect(to);
      pair.active = Date.now();
      const framer = new RequestFramer(pair.id);
      forwarded.set(pair.id, pair);
      for (const part of framer.push(head)) await writeAll(inner, part);
      // Handled at once: a rejection nobody handles yet would end the process.
      // What the client sends keeps the connection alive only by the kilobyte: a request head
      // trickled a byte every 100 s (the first head alone has a deadline) kept 1024 connections,
      // and every other client out. The server's bytes (answers, event streams) always do.
      // A request it will not pass on (framed two ways, say) ends the connection.
      const up = copy(
        conn,
        inner,
        (n) => {
          pair.trickle += n;
          if (pair.trickle >= CLIENT_ACTIVITY_BYTES) {
            pair.trickle = 0;
            pair.active = Date.now();
          }
        },
        undefined,
        (chunk) => framer.push(chunk),
      ).then(() => inner.closeWrite()).catch(() => {
        closeQuietly(conn);
        closeQuietly(inner);
      });
      // When the server is done with the connection, so is the client.
      await copy(inner, conn, () => {
        pair.trickle = 0;
        pair.active = Date.now();
      }, (n) => {
        pair.sent += n;
        wakeAll(pair);
      }).catch(() => {});
      closeQuietly(conn);
      await up;
    } catch {
      /* reset, or the backend is gone */
    } finally {
      conns.delete(conn);
      closeQuietly(conn);
      forwarded.delete(pair.id);
      if (pair.inner) closeQuietly(pair.inner);
      pair.ended = true;
      wakeAll(pair);
      const left = (perAddress.get(from) ?? 1) - 1;
      if (left > 0) perAddress.set(from, left);
      else perAddress.delete(from);
    }
  };

  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [conn, pair] of conns) {
      if (pair.inner && now - pair.active > idleTimeoutMs) {
        closeQuietly(conn);
        closeQuietly(pair.inner);
      }
    }
  }, Math.min(idleTimeoutMs / 4, 10_000));
  Deno.unrefTimer(sweeper);

  (async () => {
    while (!closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        if (closed) return;
        // Out of descriptors, for one: wait for some to come back instead of dying.
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      serve(conn);
    }
  })();

  return {
    addr: listener.addr,
    outgoing(id) {
      const pair = id === null ? undefined : forwarded.get(id);
      if (!pair) return undefined;
      return {
        get sent() {
          return pair.sent;
        },
        get ended() {
          return pair.ended === true;
        },
        next: () =>
          pair.ended
            ? Promise.resolve()
            : new Promise<void>((resolve) => pair.waiting.push(resolve)),
        close: () => {
          closeQuietly(pair.client);
          if (pair.inner) closeQuietly(pair.inner);
        },
      };
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      try {
        listener.close();
      } catch { /* already closed */ }
      for (const [conn, pair] of conns) {
        closeQuietly(conn);
        if (pair.inner) closeQuietly(pair.inner);
      }
      conns.clear();
    },
  };
}

/**
 * The bytes a connection sends up to the end of its first request's headers (a blank line), or
 * undefined when it sends none in `ms`, ends first, or sends more than MAX_HEAD without one.
 */
async function firstHead(conn: Deno.Conn, ms: number): Promise<Uint8Array | undefined> {
  const timer = setTimeout(() => closeQuietly(conn), ms);
  try {
    const buffer = new Uint8Array(MAX_HEAD);
    let filled = 0;
    while (filled < MAX_HEAD) {
      const n = await conn.read(buffer.subarray(filled));
      if (n === null) return undefined;
      // Only where the new bytes can end it: a head sent a byte at a time is searched once.
      const from = Math.max(filled - 3, 0);
      filled += n;
      if (endOfHead(buffer, from, filled)) return buffer.slice(0, filled);
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

function endOfHead(buffer: Uint8Array, from: number, length: number): boolean {
  for (let i = from + 3; i < length; i++) {
    if (
      buffer[i] === 10 && buffer[i - 1] === 13 && buffer[i - 2] === 10 && buffer[i - 3] === 13
    ) return true;
  }
  return false;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

/** A client connection, its backend one once forwarded, and when it last counted as active. */
interface Pair {
  /** The name its requests carry to the backend. */
  id: string;
  client: Deno.Conn;
  inner?: Deno.Conn;
  /** When bytes last moved (see CLIENT_ACTIVITY_BYTES), in ms since the epoch. */
  active: number;
  /** Bytes the client sent since then. */
  trickle: number;
  /** Bytes written to the client. */
  sent: number;
  /** Told when more is written to the client, or the connection ends. */
  waiting: (() => void)[];
  ended?: boolean;
}

function wakeAll(pair: Pair): void {
  const waiting = pair.waiting;
  pair.waiting = [];
  for (const wake of waiting) wake();
}

/** Bytes a client must send for them to count as activity, while the server sends none. */
const CLIENT_ACTIVITY_BYTES = 1024;

/**
 * Copies `from` to `to` until the end of `from`, telling `moved` of each read and `written` of
 * each write; with `frame`, what is written is what it makes of each read.
 */
async function copy(
  from: Deno.Conn,
  to: Deno.Conn,
  moved: (n: number) => void,
  written?: (n: number) => void,
  frame?: (chunk: Uint8Array) => Uint8Array[],
): Promise<void> {
  const buffer = new Uint8Array(COPY_BYTES);
  while (true) {
    const n = await from.read(buffer);
    if (n === null) return;
    moved(n);
    if (frame) {
      // One write for what one read makes (tiny chunks made three writes each, 1.5 s a MB).
      const parts = frame(buffer.subarray(0, n));
      const length = parts.reduce((sum, part) => sum + part.length, 0);
      await writeAll(to, parts.length === 1 ? parts[0] : concatBytes(parts, length));
    } else await writeAll(to, buffer.subarray(0, n));
    written?.(n);
  }
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let at = 0; at < data.length;) at += await conn.write(data.subarray(at));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
