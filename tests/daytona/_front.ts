// A TCP relay in front of Deno.serve. Deno.serve cannot drop a connection before it has sent the
// response head (a failing body stream still yields "200" and then a broken body), so the fake
// server listens here and relays each connection byte for byte to Deno.serve; to "reset" a
// request it closes the client's connection instead, which fetch reports as a network error and
// axios as ECONNRESET ("socket hang up").
//
// That is only seen on a fresh connection: on a reused keep-alive connection both Deno's fetch and
// its node:http client (which the SDK's axios uses) silently send the request again, even a POST.
// So the fake server answers every request with `Connection: close`.

interface Relay {
  client: Deno.Conn;
  server: Deno.Conn;
}

/** A loopback TCP listener relaying every connection to `127.0.0.1:<backendPort>`. */
export class TcpFront {
  /** The port clients connect to. */
  readonly port: number;
  #listener: Deno.Listener;
  #backendPort: number;
  /** Relays by the port of their connection to the backend, which Deno.serve sees as remoteAddr. */
  #relays = new Map<number, Relay>();
  #tasks = new Set<Promise<void>>();
  #accepting: Promise<void>;
  #closing: Promise<void> | undefined;

  constructor(backendPort: number) {
    this.#backendPort = backendPort;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#accepting = this.#accept();
  }

  /** Drops the client connection whose request reached the backend from `backendRemotePort`. */
  reset(backendRemotePort: number): boolean {
    const relay = this.#relays.get(backendRemotePort);
    if (!relay) return false;
    this.#relays.delete(backendRemotePort);
    closeQuietly(relay.client);
    closeQuietly(relay.server);
    return true;
  }

  /** Stops listening and drops every connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      closeQuietly(this.#listener);
      await this.#accepting;
      for (const port of [...this.#relays.keys()]) this.reset(port);
      await Promise.all(this.#tasks);
    })();
    return this.#closing;
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        const task = this.#relay(client).finally(() => this.#tasks.delete(task));
        this.#tasks.add(task);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }

  async #relay(client: Deno.Conn): Promise<void> {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: "127.0.0.1", port: this.#backendPort });
    } catch {
      closeQuietly(client);
      return;
    }
    if (this.#closing) {
      closeQuietly(client);
      closeQuietly(server);
      return;
    }
    const key = (server.localAddr as Deno.NetAddr).port;
    this.#relays.set(key, { client, server });
    // Either direction ending (or a reset closing both) ends the relay; errors are expected then.
    await Promise.allSettled([
      client.readable.pipeTo(server.writable),
      server.readable.pipeTo(client.writable),
    ]);
    this.#relays.delete(key);
    closeQuietly(client);
    closeQuietly(server);
  }
}

function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // already closed
  }
}
