// web_preview for sandboxes with a network of their own (the `internet` mode): a port on the
// host's 127.0.0.1 whose every connection is tunnelled to a port inside the sandbox.
//
// For each connection the server asks the supervisor (op "tunnel") to connect the port inside to
// the server's inbound unix socket, sending a one-time token first; the server pairs the two by
// that token. The inbound socket is the server's own listener, bound read-only into the sandbox:
// sandbox code can connect to it, but without a token nothing it sends is used.
//
// A preview port is a web server's: each connection's first request must name it in its Host
// header (127.0.0.1:PORT or localhost:PORT), so that a web page whose own name an attacker
// resolves to 127.0.0.1 (DNS rebinding) cannot read what the sandbox serves; other local users
// of this machine reach it as they reach any server on 127.0.0.1. A sandbox has at most
// MAX_PORTS preview ports and MAX_CONNECTIONS forwarded connections at once: each costs the
// server descriptors, which every sandbox and client share.

import { concatBytes } from "../../_output.ts";
import type { AgentProcess } from "../agent/process.ts";
import { HeadReader, latin1, parseHeaderLine } from "./_egress.ts";

const TOKEN_WAIT_MS = 10_000;
/** Preview ports of one sandbox, each a listener of the server's until the sandbox closes. */
export const MAX_PORTS = 16;
/** Connections forwarded into one sandbox at once, those still sending their request included. */
export const MAX_CONNECTIONS = 256;

/** The host ports that forward to ports inside one sandbox. */
export class PreviewForwarder {
  #agent: AgentProcess;
  #inbound: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
  #inboundInside: string;
  #listeners = new Map<number, Deno.TcpListener>();
  #waiting = new Map<string, (conn: Deno.UnixConn, leftover: Uint8Array) => void>();
  #conns = new Set<Deno.Conn>();
  /** Connections from the host being forwarded (reading their request, or tunnelled). */
  #forwarded = 0;
  /** Connections from inside that have not sent their token yet. */
  #unpaired = 0;
  #closed = false;

  /**
   * Listens on `inboundPath` (host side; `inboundInside` is the same socket as the sandbox sees
   * it). Requires `--allow-read`, `--allow-write` there and `--allow-net=127.0.0.1`.
   */
  constructor(agent: AgentProcess, inboundPath: string, inboundInside: string) {
    this.#agent = agent;
    this.#inboundInside = inboundInside;
    this.#inbound = Deno.listen({ transport: "unix", path: inboundPath });
    Deno.chmodSync(inboundPath, 0o666); // the supervisor may run as another uid (nobody)
    this.#acceptInbound();
  }

  /** The host URL for `port` inside, listening from now until the sandbox closes. */
  url(port: number): string {
    // A listener opened after close() would never be closed.
    if (this.#closed) throw new Error(`Cannot preview port ${port}: the sandbox is closed`);
    let listener = this.#listeners.get(port);
    if (!listener) {
      if (this.#listeners.size >= MAX_PORTS) {
        throw new Error(
          `Cannot preview port ${port}: the sandbox already previews ${MAX_PORTS} ports (${
            [...this.#listeners.keys()].join(", ")
          }), the most one sandbox may; serve from one of them, or use another sandbox`,
        );
      }
      listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      this.#listeners.set(port, listener);
      this.#accept(listener, port);
    }
    return `http://127.0.0.1:${listener.addr.port}`;
  }

  /** Stops listening and ends every forwarded connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inbound.close();
    for (const listener of this.#listeners.values()) listener.close();
    for (const conn of this.#conns) closeQuietly(conn);
    this.#conns.clear();
  }

  async #accept(listener: Deno.TcpListener, port: number): Promise<void> {
    const host = listener.addr.port;
    for (let client; (client = await this.#next(listener));) {
      if (this.#forwarded >= MAX_CONNECTIONS) {
        closeQuietly(client);
        continue;
      }
      this.#forwarded++;
      this.#conns.add(client);
      this.#forward(client, port, host).finally(() => this.#forwarded--);
    }
  }

  /**
   * The next connection to `listener`, or undefined once the sandbox is closed. A failed accept
   * (the server out of descriptors, for one) is tried again a moment later: a loop that ended
   * there left the port listening and never answering, for the sandbox's whole life.
   */
  async #next<C extends Deno.Conn>(listener: Deno.Listener<C>): Promise<C | undefined> {
    while (!this.#closed) {
      try {
        return await listener.accept();
      } catch {
        if (!this.#closed) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return undefined;
  }

  /** Reads the client's first request head, checks its Host, then tunnels it into the sandbox. */
  async #forward(client: Deno.TcpConn, port: number, host: number): Promise<void> {
    const timer = setTimeout(() => this.#drop(client), TOKEN_WAIT_MS);
    const reader = new HeadReader(client);
    let head: Uint8Array;
    try {
      head = await reader.head();
    } catch {
      // Too large, ended, reset, or dropped for taking too long.
      clearTimeout(timer);
      return this.#drop(client);
    }
    clearTimeout(timer);
    const named = hostHeader(head)?.toLowerCase();
    if (named !== `127.0.0.1:${host}` && named !== `localhost:${host}`) {
      const body =
        `Forbidden: this preview answers requests for http://127.0.0.1:${host} or http://localhost:${host} only\n`;
      await client.write(
        new TextEncoder().encode(
          `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
        ),
      ).catch(() => {});
      return this.#drop(client);
    }
    const tunnelled = Promise.withResolvers<void>();
    const sent = concatBytes([head, reader.rest()], head.length + reader.rest().length);
    this.#tunnel(client, port, sent, tunnelled.resolve);
    await tunnelled.promise;
  }

  #tunnel(client: Deno.TcpConn, port: number, head: Uint8Array, done: () => void): void {
    const token = crypto.randomUUID();
    const timer = setTimeout(() => {
      this.#waiting.delete(token);
      this.#drop(client);
      done();
    }, TOKEN_WAIT_MS);
    this.#waiting.set(token, (inside, leftover) => {
      clearTimeout(timer);
      this.#waiting.delete(token);
      this.#splice(client, inside, head, leftover).finally(done);
    });
    this.#agent.request("tunnel", { port, token, inbound: this.#inboundInside }).catch(() => {
      // Nothing listens on the port inside, or the sandbox is gone: the client sees a reset.
      clearTimeout(timer);
      this.#waiting.delete(token);
      this.#drop(client);
      done();
    });
  }

  async #acceptInbound(): Promise<void> {
    for (let conn; (conn = await this.#next(this.#inbound));) this.#identify(conn);
  }

  /**
   * Reads the token line of a connection from inside and pairs it with its client. Only as many
   * connections wait for their token as there are tunnels waiting for one: sandbox code that
   * connects on its own would otherwise hold as many of the server's descriptors as it likes.
   */
  async #identify(conn: Deno.UnixConn): Promise<void> {
    if (this.#unpaired >= this.#waiting.size) return closeQuietly(conn);
    this.#unpaired++;
    try {
      await this.#pair(conn);
    } finally {
      this.#unpaired--;
    }
  }

  async #pair(conn: Deno.UnixConn): Promise<void> {
    this.#conns.add(conn);
    const timer = setTimeout(() => this.#drop(conn), TOKEN_WAIT_MS);
    const buffer = new Uint8Array(128);
    let filled = 0;
    try {
      while (filled < buffer.length) {
        const n = await conn.read(buffer.subarray(filled));
        if (n === null) break;
        filled += n;
        const end = buffer.subarray(0, filled).indexOf(10);
        if (end < 0) continue;
        const token = new TextDecoder().decode(buffer.subarray(0, end));
        const pair = this.#waiting.get(token);
        if (!pair) break; // not one of ours: sandbox code guessing
        clearTimeout(timer);
        pair(conn, buffer.slice(end + 1, filled));
        return;
      }
    } catch { /* reset */ }
    clearTimeout(timer);
    this.#drop(conn);
  }

  async #splice(
    client: Deno.Conn,
    inside: Deno.Conn,
    head: Uint8Array,
    leftover: Uint8Array,
  ): Promise<void> {
    try {
      for (let at = 0; at < head.length;) at += await inside.write(head.subarray(at));
      for (let at = 0; at < leftover.length;) at += await client.write(leftover.subarray(at));
      await Promise.all([
        client.readable.pipeTo(inside.writable, { preventClose: true })
          .then(() => inside.closeWrite()),
        inside.readable.pipeTo(client.writable, { preventClose: true })
          .then(() => client.closeWrite()),
      ]);
    } catch { /* either side reset */ }
    this.#drop(client);
    this.#drop(inside);
  }

  #drop(conn: Deno.Conn): void {
    this.#conns.delete(conn);
    closeQuietly(conn);
  }
}

/** The value of the one Host header of a request head, or undefined (none, or two). */
function hostHeader(head: Uint8Array): string | undefined {
  const hosts = latin1(head).split("\r\n").slice(1).map(parseHeaderLine)
    .filter((header) => header?.[0].toLowerCase() === "host");
  return hosts.length === 1 ? hosts[0]![1] : undefined;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
