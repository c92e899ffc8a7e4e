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
import fcntl
import os
import selectors
import socket
import threading

CHUNK = 1024 * 1024
HEAD_LIMIT = 8192


class _Pipe:
    """One direction of a relayed connection. Bytes move from `source` to `sink` through a kernel
    pipe with splice(2), so they are never copied into this process (plain recv and send where
    splice is missing); `waiting` is what the sink has not taken yet."""

    SPLICE = hasattr(os, "splice")
    FLAGS = getattr(os, "SPLICE_F_MOVE", 1) | getattr(os, "SPLICE_F_NONBLOCK", 2)

    def __init__(self, source, sink):
        self.source = source
        self.sink = sink
        self.eof = False
        self.held = b""  # without splice, and for bytes handed over at the start
        self.queued = 0  # bytes in the kernel pipe
        self.r = self.w = None
        if self.SPLICE:
            self.r, self.w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            try:
                fcntl.fcntl(self.w, 1031, CHUNK)  # F_SETPIPE_SZ
            except OSError:
                pass

    @property
    def waiting(self):
        return bool(self.held) or self.queued > 0

    def fill(self):
        """Reads what the source has, noting its end; raises OSError when it is gone."""
        if self.r is not None:
            try:
                n = os.splice(self.source.fileno(), self.w, CHUNK, flags=self.FLAGS)
            except BlockingIOError:
                return
            self.queued += n
        else:
            try:
                data = self.source.recv(CHUNK)
            except BlockingIOError:
                return
            self.held = data
            n = len(data)
        if n == 0:
            self.eof = True

    def drain(self):
        """Writes what waits to the sink, shutting its writing side after the source's end;
        returns False when the sink is gone."""
        try:
            while self.held:
                self.held = self.held[self.sink.send(self.held):]
            while self.queued:
                self.queued -= os.splice(self.r, self.sink.fileno(), self.queued, flags=self.FLAGS)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if self.eof:
            try:
                self.sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        return True

    def close(self):
        for fd in (self.r, self.w):
            if fd is not None:
                os.close(fd)
        self.r = self.w = None


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
        backward.held = first  # bytes the other side already sent (after a CONNECT's answer)
        if first:
            backward.drain()
        self._update(a, forward, backward)
        self._update(b, backward, forward)

    def _close(self, pipes):
        for pipe in pipes:
            try:
                self.selector.unregister(pipe.source)
            except (KeyError, ValueError):
                pass
            pipe.source.close()
            pipe.close()

    def _update(self, sock, mine, theirs):
        """Sets what `sock` waits for: reading while its outgoing pipe is drained and open,
        writing while the other side's data waits for it; nothing (unregistered) otherwise."""
        if sock.fileno() < 0:
            return
        reading = not mine.eof and not mine.waiting
        writing = theirs.waiting
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
                        self._close(data)

    def _service(self, sock, pipes, events):
        mine, theirs = pipes  # mine: sock -> other; theirs: other -> sock
        if events & selectors.EVENT_WRITE and not theirs.drain():
            self._close(pipes)
            return
        if events & selectors.EVENT_READ and not mine.eof and not mine.waiting:
            try:
                mine.fill()
            except OSError:
                self._close(pipes)
                return
            if not mine.drain():
                self._close(pipes)
                return
        if mine.eof and not mine.waiting and theirs.eof and not theirs.waiting:
            self._close(pipes)
            return
        self._update(sock, mine, theirs)
        self._update(mine.sink, theirs, mine)


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
