// web_preview for sandboxes with a network of their own (the `internet` mode): a port on the
// host's 127.0.0.1 whose every connection is tunnelled to a port inside the sandbox.
//
// For each connection the server asks the supervisor (op "tunnel") to connect the port inside to
// the server's inbound unix socket, sending a one-time token first; the server pairs the two by
// that token. The inbound socket is the server's own listener, bound read-only into the sandbox:
// sandbox code can connect to it, but without a token nothing it sends is used.

import type { AgentProcess } from "../agent/process.ts";

const TOKEN_WAIT_MS = 10_000;

/** The host ports that forward to ports inside one sandbox. */
export class PreviewForwarder {
  #agent: AgentProcess;
  #inbound: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
  #inboundInside: string;
  #listeners = new Map<number, Deno.TcpListener>();
  #waiting = new Map<string, (conn: Deno.UnixConn, leftover: Uint8Array) => void>();
  #conns = new Set<Deno.Conn>();
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
    try {
      for await (const client of listener) this.#forward(client, port);
    } catch { /* closed */ }
  }

  #forward(client: Deno.TcpConn, port: number): void {
    this.#conns.add(client);
    const token = crypto.randomUUID();
    const timer = setTimeout(() => {
      this.#waiting.delete(token);
      this.#drop(client);
    }, TOKEN_WAIT_MS);
    this.#waiting.set(token, (inside, leftover) => {
      clearTimeout(timer);
      this.#waiting.delete(token);
      this.#splice(client, inside, leftover);
    });
    this.#agent.request("tunnel", { port, token, inbound: this.#inboundInside }).catch(() => {
      // Nothing listens on the port inside, or the sandbox is gone: the client sees a reset.
      clearTimeout(timer);
      this.#waiting.delete(token);
      this.#drop(client);
    });
  }

  async #acceptInbound(): Promise<void> {
    try {
      for await (const conn of this.#inbound) this.#identify(conn);
    } catch { /* closed */ }
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

  async #splice(client: Deno.Conn, inside: Deno.Conn, leftover: Uint8Array): Promise<void> {
    try {
      if (leftover.length > 0) await client.write(leftover);
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

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
