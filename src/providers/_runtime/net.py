# The sandbox's side of its network in the `internet` mode. The sandbox has a network namespace of
# its own (a loopback, nothing else); the server's egress proxy listens on a unix socket bound into
# it. This relay, run by the supervisor, makes that proxy reachable the way programs expect:
#   - 127.0.0.1:3128, an HTTP proxy (HTTP_PROXY, HTTPS_PROXY), and 127.0.0.1:1080, a SOCKS5 proxy
#     (ALL_PROXY): bytes go unchanged to the proxy's socket, which tells the two apart;
#   - 127.0.0.1:PORT for each host port opened on purpose (--allow-host-port): a CONNECT to the
#     host's 127.0.0.1:PORT through the proxy, so a client inside just connects to localhost;
#   - for web_preview, a tunnel per browser connection: asked by the server (op "tunnel"), the
#     supervisor connects to 127.0.0.1:PORT inside and to the server's inbound socket, sends the
#     server's one-time token first and relays the rest.
# One thread and one selector carry every connection. Both sockets are the server's own listeners,
# bound read-only: sandbox code cannot replace them, and without a token it cannot pose as a tunnel.
import os
import selectors
import socket
import threading

CHUNK = 256 * 1024
HEAD_LIMIT = 8192


class _Pipe:
    """One direction of a relayed connection; `pending` holds what the other side did not take."""

    def __init__(self, source, sink):
        self.source = source
        self.sink = sink
        self.pending = b""
        self.eof = False


class Relay:
    def __init__(self, proxy_path):
        self.proxy_path = proxy_path
        self.selector = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.waker_r, self.waker_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.selector.register(self.waker_r, selectors.EVENT_READ, ("wake", None))
        self.todo = []

    def start(self, http_port, socks_port, host_ports):
        for port in (http_port, socks_port):
            self._listen_tcp(port, lambda conn: self._pair(conn, self._to_proxy(), b""))
        for port in host_ports:
            self._listen_tcp(port, lambda conn, port=port: self._host_port(conn, port))
        threading.Thread(target=self._run, daemon=True).start()

    def tunnel(self, port, token, inbound_path):
        """Connects 127.0.0.1:`port` inside to the server's inbound socket for one web_preview
        connection; raises OSError when nothing listens on the port."""
        inside = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.settimeout(5)
            server.connect(inbound_path)
            server.sendall(token.encode() + b"\n")
        except OSError:
            inside.close()
            raise
        inside.settimeout(None)
        server.settimeout(None)
        self._later(lambda: self._pair(server, inside, b""))

    def _listen_tcp(self, port, on_accept):
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(128)
        server.setblocking(False)
        self.selector.register(server, selectors.EVENT_READ, ("accept", on_accept))

    def _to_proxy(self):
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.connect(self.proxy_path)
        return upstream

    def _host_port(self, conn, port):
        """A CONNECT to the host's port, answered before the client's bytes flow (in a thread: the
        proxy's answer is awaited)."""
        def work():
            try:
                upstream = self._to_proxy()
                upstream.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (port, port))
                head = b""
                while b"\r\n\r\n" not in head and len(head) < HEAD_LIMIT:
                    data = upstream.recv(4096)
                    if not data:
                        break
                    head += data
                status, _, rest = head.partition(b"\r\n\r\n")
                if b" 200 " not in status.split(b"\r\n", 1)[0] + b" ":
                    upstream.close()
                    conn.close()
                    return
                self._later(lambda: self._pair(conn, upstream, rest))
            except OSError:
                conn.close()
        threading.Thread(target=work, daemon=True).start()

    def _later(self, fn):
        with self.lock:
            self.todo.append(fn)
        try:
            os.write(self.waker_w, b"\0")
        except OSError:
            pass

    def _pair(self, a, b, first):
        a.setblocking(False)
        b.setblocking(False)
        forward, backward = _Pipe(a, b), _Pipe(b, a)
        backward.pending = first  # bytes the other side already sent (after a CONNECT's answer)
        if first:
            self._flush(backward)
        self._update(a, forward, backward)
        self._update(b, backward, forward)

    def _flush(self, pipe):
        """Writes what `pipe` holds to its sink; returns False when the sink is gone."""
        while pipe.pending:
            try:
                sent = pipe.sink.send(pipe.pending)
            except BlockingIOError:
                return True
            except OSError:
                return False
            pipe.pending = pipe.pending[sent:]
        if pipe.eof:
            try:
                pipe.sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        return True

    def _close(self, *socks):
        for sock in socks:
            try:
                self.selector.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()

    def _update(self, sock, mine, theirs):
        """Sets what `sock` waits for: reading while its outgoing pipe is drained and open,
        writing while the other side's data waits for it; nothing (unregistered) otherwise."""
        if sock.fileno() < 0:
            return
        reading = not mine.eof and not mine.pending
        writing = bool(theirs.pending)
        events = (selectors.EVENT_READ if reading else 0) | (selectors.EVENT_WRITE if writing else 0)
        try:
            key = self.selector.get_key(sock)
        except (KeyError, ValueError):
            key = None
        if events == 0:
            if key is not None:
                self.selector.unregister(sock)
        elif key is None:
            self.selector.register(sock, events, ("conn", (mine, theirs)))
        elif key.events != events:
            self.selector.modify(sock, events, key.data)

    def _run(self):
        while True:
            for key, events in self.selector.select():
                kind, data = key.data
                if kind == "wake":
                    try:
                        while os.read(self.waker_r, 4096):
                            pass
                    except BlockingIOError:
                        pass
                    with self.lock:
                        todo, self.todo = self.todo, []
                    for fn in todo:
                        fn()
                elif kind == "accept":
                    try:
                        conn, _ = key.fileobj.accept()
                    except OSError:
                        continue
                    try:
                        data(conn)
                    except OSError:
                        conn.close()
                else:
                    try:
                        self._service(key.fileobj, data, events)
                    except Exception:  # one broken connection never stops the relay
                        self._close(key.fileobj, data[0].sink)

    def _service(self, sock, pipes, events):
        mine, theirs = pipes  # mine: sock -> other; theirs: other -> sock
        other = mine.sink
        if events & selectors.EVENT_WRITE:
            if not self._flush(theirs):
                self._close(sock, other)
                return
        if events & selectors.EVENT_READ and not mine.eof and not mine.pending:
            try:
                data = sock.recv(CHUNK)
            except BlockingIOError:
                data = None
            except OSError:
                self._close(sock, other)
                return
            if data is not None:
                if data:
                    mine.pending = data
                else:
                    mine.eof = True
                if not self._flush(mine):
                    self._close(sock, other)
                    return
        if mine.eof and not mine.pending and theirs.eof and not theirs.pending:
            self._close(sock, other)
            return
        self._update(sock, mine, theirs)
        self._update(other, theirs, mine)


def start(spec):
    """Starts the relay from SANDBOX_NET: "proxy=PATH,http=PORT,socks=PORT,host_ports=P:P", or
    "tunnels" for web_preview's tunnels alone (a sandbox without network)."""
    settings = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
    relay = Relay(settings.get("proxy"))
    if relay.proxy_path:
        host_ports = [int(p) for p in settings.get("host_ports", "").split(":") if p]
        relay.start(int(settings["http"]), int(settings["socks"]), host_ports)
    else:
        threading.Thread(target=relay._run, daemon=True).start()
    return relay
