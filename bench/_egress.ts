// The egress proxy's cost, for bench/run.ts: a download from a loopback HTTP server directly and
// through the proxy's CONNECT tunnel, and the latency of small exchanges both ways. The origin
// server and the client are Python processes of their own, as in use (the client runs in the
// sandbox, the origin elsewhere); only the proxy runs in this process. All traffic stays on
// 127.0.0.1 and the proxy's unix socket.
//
//   deno run --allow-run --allow-read --allow-write=/tmp \
//     --allow-net=127.0.0.1,unix:/tmp/egress_bench.sock bench/_egress.ts [size MB] [runs]

import { EgressProxy } from "../src/providers/local/_egress.ts";

/** What {@linkcode benchEgress} measures and how often. */
export interface EgressBenchOptions {
  /** Size of each download. @default 100 */
  sizeMb?: number;
  /** Downloads each way (alternating direct and proxied). @default 5 */
  runs?: number;
  /** Small exchanges each way, for the latencies. @default 300 */
  latencyRuns?: number;
  /** The proxy's unix socket. @default "/tmp/egress_bench.sock" */
  socket?: string;
  /** The Python interpreter for the origin server and the client. @default "/usr/bin/python3" */
  python?: string;
}

/** Medians of one measurement, directly and through the proxy. */
export interface EgressBenchPair {
  directMs: number;
  proxiedMs: number;
}

/** What {@linkcode benchEgress} found; times are medians in milliseconds. */
export interface EgressBenchResult {
  sizeMb: number;
  /** The whole download: connect, request, every byte of the response. */
  download: EgressBenchPair & {
    directMBps: number;
    proxiedMBps: number;
    /** Proxied throughput over direct throughput (target: at least 0.8). */
    ratio: number;
  };
  /** A tiny request on a new connection: connect (plus CONNECT and its 200), request, response. */
  request: EgressBenchPair;
  /** One byte there and back over an established connection or tunnel. */
  roundTrip: EgressBenchPair;
}

// The origin: "GET /big" answers sizeMb MB, "GET /tiny" a few bytes, "ECHO" echoes until closed.
const ORIGIN = String.raw`
import socket, sys, threading
size = int(sys.argv[1]) * 1000 * 1000
chunk = memoryview(b"x" * (1 << 20))
server = socket.create_server(("127.0.0.1", 0), backlog=128)
print(server.getsockname()[1], flush=True)
def serve(conn):
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = b""
        while b"\n" not in head:
            data = conn.recv(4096)
            if not data:
                return
            head += data
        if head.startswith(b"ECHO"):
            conn.sendall(head.split(b"\n", 1)[1])
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                conn.sendall(data)
        while b"\r\n\r\n" not in head:
            head += conn.recv(4096)
        if head.startswith(b"GET /big"):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size)
            left = size
            while left > 0:
                n = min(left, len(chunk))
                conn.sendall(chunk[:n])
                left -= n
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
`;

// The client: times downloads, requests and round trips, directly and through the proxy.
const CLIENT = String.raw`
import json, socket, sys, time
port, path, size_mb, runs, latency_runs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
buf = bytearray(1 << 20)
view = memoryview(buf)

def direct():
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def proxied():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (port, port))
    head = b""
    while b"\r\n\r\n" not in head:
        data = s.recv(4096)  # the origin speaks only when spoken to: nothing follows the answer
        if not data:
            raise SystemExit("the proxy closed the connection: %r" % head)
        head += data
    if not head.startswith(b"HTTP/1.1 200 "):
        raise SystemExit("the proxy refused: %r" % head)
    return s

def fetch(open_conn, what):
    s = open_conn()
    s.sendall(b"GET /" + what + b" HTTP/1.1\r\nHost: origin\r\n\r\n")
    total = 0
    while True:
        n = s.recv_into(view)
        if n == 0:
            break
        total += n
    s.close()
    return total

def timed(fn):
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000

out = {"download": {"direct": [], "proxied": []}, "request": {"direct": [], "proxied": []},
       "roundTrip": {"direct": [], "proxied": []}}
expected = size_mb * 1000 * 1000
for i in range(runs):
    for name, open_conn in (("direct", direct), ("proxied", proxied)):
        got = [0]
        out["download"][name].append(timed(lambda: got.__setitem__(0, fetch(open_conn, b"big"))))
        if got[0] < expected:
            raise SystemExit("short download: %d bytes" % got[0])
for name, open_conn in (("direct", direct), ("proxied", proxied)):
    for i in range(latency_runs):
        out["request"][name].append(timed(lambda: fetch(open_conn, b"tiny")))
    s = open_conn()
    s.sendall(b"ECHO\n")
    for i in range(latency_runs):
        def ping():
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise SystemExit("echo failed")
        out["roundTrip"][name].append(timed(ping))
    s.close()
print(json.dumps(out))
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Measures the proxy against direct connections on loopback: downloads of `sizeMb` MB, tiny requests
 * on new connections, and one-byte round trips on open ones; returns medians. Requires
 * `--allow-run` (Python), `--allow-net=127.0.0.1,unix:<socket>` and `--allow-write` for the socket.
 */
export async function benchEgress(options: EgressBenchOptions = {}): Promise<EgressBenchResult> {
  const sizeMb = options.sizeMb ?? 100;
  const runs = options.runs ?? 5;
  const latencyRuns = options.latencyRuns ?? 300;
  const socket = options.socket ?? "/tmp/egress_bench.sock";
  const python = options.python ?? "/usr/bin/python3";

  const origin = new Deno.Command(python, {
    args: ["-c", ORIGIN, String(sizeMb)],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = origin.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let first = "";
    while (!first.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("Cannot start the origin server: it exited");
      first += value;
    }
    const port = Number(first.trim());
    try {
      if (Deno.lstatSync(socket).isSocket) Deno.removeSync(socket);
    } catch {
      // Nothing left from an earlier run.
    }
    await using _proxy = EgressProxy.listen(socket, { allowHostPorts: [port] });
    const client = await new Deno.Command(python, {
      args: ["-c", CLIENT, String(port), socket, String(sizeMb), String(runs), String(latencyRuns)],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!client.success) {
      throw new Error(`Cannot run the bench client: ${new TextDecoder().decode(client.stderr)}`);
    }
    const times = JSON.parse(new TextDecoder().decode(client.stdout)) as Record<
      "download" | "request" | "roundTrip",
      { direct: number[]; proxied: number[] }
    >;
    const pair = (key: keyof typeof times): EgressBenchPair => ({
      directMs: median(times[key].direct),
      proxiedMs: median(times[key].proxied),
    });
    const download = pair("download");
    const mbps = (ms: number) => sizeMb / (ms / 1000);
    return {
      sizeMb,
      download: {
        ...download,
        directMBps: mbps(download.directMs),
        proxiedMBps: mbps(download.proxiedMs),
        ratio: download.directMs / download.proxiedMs,
      },
      request: pair("request"),
      roundTrip: pair("roundTrip"),
    };
  } finally {
    await reader.cancel().catch(() => {});
    try {
      origin.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await origin.status;
  }
}

if (import.meta.main) {
  const sizeMb = Number(Deno.args[0] ?? 100);
  const runs = Number(Deno.args[1] ?? 5);
  console.log(JSON.stringify(await benchEgress({ sizeMb, runs }), null, 2));
}
