# Supervisor that runs inside the sandbox. It reads JSON requests, one per line, on stdin and writes
# JSON replies, one per line, on stdout. Each command runs in its own process group so that a timeout
# or a cancellation kills everything it started, while a command that backgrounds a server returns at
# once and leaves the server running. One long-lived Python worker keeps notebook-like state.
import base64
import collections
import errno
import fcntl
import json
import os
import selectors
import signal
import socket
import stat
import subprocess
import sys
import queue
import threading
import time

HOME = os.environ.get("HOME", "/")
RUNTIME = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.environ.pop("SANDBOX_PYTHON", sys.executable)
LIMITS = os.environ.pop("SANDBOX_LIMITS", "")
# Set when the server moves the sandbox into its control group after the spawn: the agent then
# starts nothing (no thread that could fork, no interpreter) until the server says "start".
HOLD = os.environ.pop("SANDBOX_HOLD", "")
# "pid1" when the agent is the sandbox's PID 1 (the local provider): it then protects itself and
# reaps orphans (protect.py).
SUPERVISOR = os.environ.pop("SANDBOX_SUPERVISOR", "")
# The `internet` network mode's relay to the server's egress proxy (net.py), when set.
NET = os.environ.pop("SANDBOX_NET", "")
BASE_ENV = dict(os.environ)
# After a command exits, how long to keep reading output that its background children may still hold.
EXIT_GRACE = 0.05
# How long an interrupted Python cell may take to unwind before the interpreter is killed.
INTERRUPT_GRACE = 2.0
# The largest reply the interpreter may send (figures included); a bigger one ends the interpreter.
WORKER_REPLY_LIMIT = 64 * 1024 * 1024
LINE_EVERY = 0.5

_out = sys.stdout.buffer
_out_lock = threading.Lock()


# Remote mode keeps each request's latest progress line here for `wait` replies (see serve()).
progress = None


def send(message):
    """Writes one reply line. File data (bytes in result["data"]) follows the line raw, its length
    given as result["_binary"]: no base64, no JSON escaping for the bulk of a read."""
    if progress is not None and "line" in message:
        progress[message.get("id")] = (message["line"], message.get("bytes", 0))
        return
    result = message.get("result")
    raw = None
    if isinstance(result, dict) and isinstance(result.get("data"), bytes):
        raw = result.pop("data")
        result["_binary"] = len(raw)
    data = (json.dumps(message, separators=(",", ":")) + "\n").encode()
    with _out_lock:
        _out.write(data)
        if raw is not None:
            _out.write(raw)
        _out.flush()


class Capture:
    """Keeps the first and the last `limit // 2` bytes of a stream and counts all of it."""

    def __init__(self, limit):
        self.head_limit = limit // 2
        self.tail_limit = limit - self.head_limit
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.recent = b""

    def add(self, data):
        self.total += len(data)
        self.recent = (self.recent + data)[-512:]
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.tail_limit:
                del self.tail[: len(self.tail) - self.tail_limit]

    def last_line(self):
        lines = self.recent.rstrip(b"\r\n").replace(b"\r", b"\n").rsplit(b"\n", 1)
        return lines[-1][-200:].decode("utf-8", "replace")

    def to_json(self):
        return {
            "head": base64.b64encode(bytes(self.head)).decode(),
            "tail": base64.b64encode(bytes(self.tail)).decode(),
            "total": self.total,
        }


def shutil_which(name):
    import shutil
    return shutil.which(name, path=BASE_ENV.get("PATH"))


def open_pidfd(pid):
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def drain_forever(fds):
    """Reads and discards what background processes still write, so they never get SIGPIPE."""
    sel = selectors.DefaultSelector()
    for fd in fds:
        sel.register(fd, selectors.EVENT_READ)
    while sel.get_map():
        for key, _ in sel.select():
            if not os.read(key.fd, 65536):
                sel.unregister(key.fd)
                os.close(key.fd)


class Job:
    """One running command or Python cell that a cancel request can stop."""

    def __init__(self):
        self.cancelled = False
        self.kill = lambda: None

    def cancel(self):
        self.cancelled = True
        self.kill()


jobs = {}
jobs_lock = threading.Lock()
# Every process group this agent started, so that none outlives the sandbox.
groups = set()


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def signal_name(returncode):
    if returncode is None or returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return "SIG%d" % -returncode


class LineReporter:
    """Sends the latest output line of a request now and then, for progress notifications."""

    def __init__(self, rid, captures):
        self.rid = rid
        self.captures = captures
        self.sent_total = 0
        self.next_at = time.monotonic() + LINE_EVERY

    def tick(self, now):
        if now < self.next_at:
            return self.next_at
        self.next_at = now + LINE_EVERY
        newest = max(self.captures, key=lambda c: c.total)
        total = sum(c.total for c in self.captures)
        if total != self.sent_total:
            self.sent_total = total
            send({"id": self.rid, "line": newest.last_line(), "bytes": total})
        return self.next_at


def run_command(rid, req, job):
    cwd = req.get("cwd") or HOME
    if not os.path.isdir(cwd):
        return {"error": {"field": "cwd", "message": "Cannot run command: cwd '%s' is not a directory in the sandbox" % cwd}}
    env = dict(BASE_ENV)
    env.update(req.get("env") or {})
    limit = req.get("max_output", 100_000)
    timeout = req.get("timeout")
    started = time.monotonic()
    argv = req.get("argv") or ["/bin/sh", "-c", req["command"]]
    if LIMIT_PREFIX and shutil_which(argv[0]) is None and "/" not in argv[0]:
        return {"error": {"field": "command", "message": "Cannot start command: %s is not installed in the sandbox" % argv[0]}}
    try:
        proc = spawner.spawn(lambda: subprocess.Popen(
            LIMIT_PREFIX + argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        ))
    except FileNotFoundError:
        return {"error": {"field": "command", "message": "Cannot start command: %s is not installed in the sandbox" % argv[0]}}
    except (OSError, ValueError) as e:
        return {"error": {"field": "command", "message": "Cannot start command: %s" % e}}
    groups.add(proc.pid)
    job.kill = lambda: kill_group(proc.pid)
    if job.cancelled:
        job.kill()
    out, err = Capture(limit), Capture(limit)
    captures = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
    reporter = LineReporter(rid, [out, err])
    sel = selectors.DefaultSelector()
    for fd in captures:
        sel.register(fd, selectors.EVENT_READ)
    pidfd = open_pidfd(proc.pid)
    if pidfd is not None:
        sel.register(pidfd, selectors.EVENT_READ)
    deadline = started + timeout if timeout else None
    timed_out = False
    exited_at = None
    open_fds = set(captures)
    while open_fds:
        now = time.monotonic()
        wait = reporter.tick(now) - now
        if deadline is not None and not timed_out:
            if now >= deadline:
                timed_out = True
                kill_group(proc.pid)
            else:
                wait = min(wait, deadline - now)
        if exited_at is None and pidfd is None and proc.poll() is not None:
            exited_at = now
        if exited_at is not None:
            if now - exited_at >= EXIT_GRACE:
                break
            wait = min(wait, exited_at + EXIT_GRACE - now)
        elif pidfd is None:
            wait = min(wait, 0.02)
        for key, _ in sel.select(max(wait, 0)):
            if key.fd == pidfd:
                sel.unregister(pidfd)
                exited_at = time.monotonic()
                continue
            data = os.read(key.fd, 65536)
            if data:
                captures[key.fd].add(data)
            else:
                sel.unregister(key.fd)
                open_fds.discard(key.fd)
    sel.close()
    if pidfd is not None:
        os.close(pidfd)
    if open_fds:
        # Background processes still hold the output pipes: keep them drained, return now.
        fds = [os.dup(fd) for fd in open_fds]
        threading.Thread(target=drain_forever, args=(fds,), daemon=True).start()
    proc.stdout.close()
    proc.stderr.close()
    returncode = proc.wait()
    spawner.release(proc.pid)
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        groups.discard(proc.pid)  # nothing of this command lives on
    except PermissionError:
        pass
    return {"result": {
        "stdout": out.to_json(), "stderr": err.to_json(),
        "exit_code": returncode if returncode >= 0 else None,
        "signal": signal_name(returncode),
        "timed_out": timed_out, "cancelled": job.cancelled,
        "duration_ms": (time.monotonic() - started) * 1000,
    }}


class Interpreter:
    """The long-lived Python worker. Cells run one at a time; state lives until reset or death."""

    def __init__(self):
        self.lock = threading.Lock()
        self.proc = None
        self.fresh = False

    def start(self):
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        env = dict(BASE_ENV)
        env["SANDBOX_WORKER_FDS"] = "%d,%d" % (to_worker_r, from_worker_w)
        self.proc = spawner.spawn(lambda: subprocess.Popen(
            LIMIT_PREFIX + [PYTHON, "-X", "utf8", os.path.join(RUNTIME, "worker.py")], cwd=HOME, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(to_worker_r, from_worker_w), start_new_session=True,
        ))
        os.close(to_worker_r)
        os.close(from_worker_w)
        self.to_worker = to_worker_w
        self.from_worker = from_worker_r
        self.pending = b""
        self.fresh = True
        # One selector for the worker's life: its pipes, and the replies.
        self.selector = selectors.DefaultSelector()
        for fd in (self.proc.stdout.fileno(), self.proc.stderr.fileno(), self.from_worker):
            self.selector.register(fd, selectors.EVENT_READ)

    def stop(self):
        if self.proc is None:
            return
        kill_group(self.proc.pid)
        self.proc.wait()
        spawner.release(self.proc.pid)
        self.selector.close()
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()
        for fd in (self.to_worker, self.from_worker):
            os.close(fd)
        self.proc = None

    def warm(self):
        with self.lock:
            if self.proc is None:
                self.start()

    def reset(self):
        with self.lock:
            self.stop()
            self.start()
        return {"result": {"reset": True}}

    def run(self, rid, req, job):
        with self.lock:
            if self.proc is None:
                self.start()
            fresh, self.fresh = self.fresh, False
            reply = self._run(rid, req, job)
            reply["result"]["fresh"] = fresh
            return reply

    def _run(self, rid, req, job):
        proc = self.proc
        limit = req.get("max_output", 100_000)
        timeout = req.get("timeout")
        started = time.monotonic()
        cell = {k: req[k] for k in ("code", "max_image_bytes", "max_images", "max_repr") if k in req}
        try:
            os.write(self.to_worker, (json.dumps(cell) + "\n").encode())
        except BrokenPipeError:
            pass  # the worker is dead; the loop below notices and reports it
        interrupted_at = None
        job.kill = lambda: os.kill(proc.pid, signal.SIGINT)
        if job.cancelled:
            job.kill()
        out, err = Capture(limit), Capture(limit)
        captures = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
        reporter = LineReporter(rid, [out, err])
        sel = self.selector
        deadline = started + timeout if timeout else None
        reply = None
        state = "kept"
        killed = False
        oversize = False
        while reply is None:
            now = time.monotonic()
            wait = reporter.tick(now) - now
            if job.cancelled and interrupted_at is None:
                interrupted_at = now
            if deadline is not None and interrupted_at is None:
                if now >= deadline:
                    interrupted_at = now
                    os.kill(proc.pid, signal.SIGINT)
                else:
                    wait = min(wait, deadline - now)
            if interrupted_at is not None:
                if now - interrupted_at >= INTERRUPT_GRACE:
                    killed = True
                    kill_group(proc.pid)
                    break
                wait = min(wait, interrupted_at + INTERRUPT_GRACE - now)
            for key, _ in sel.select(max(wait, 0)):
                data = os.read(key.fd, 65536)
                if key.fd in captures:
                    if data:
                        captures[key.fd].add(data)
                    else:
                        sel.unregister(key.fd)
                    continue
                if not data:
                    reply = False
                    break
                self.pending += data
                if b"\n" in self.pending:
                    line, self.pending = self.pending.split(b"\n", 1)
                    try:
                        reply = json.loads(line)
                    except ValueError:
                        reply = None
                    if not isinstance(reply, dict):
                        reply = None
                        killed = True  # not a reply of worker.py: the cell's own code wrote it
                        kill_group(proc.pid)
                    break
                if len(self.pending) > WORKER_REPLY_LIMIT:
                    oversize = killed = True
                    kill_group(proc.pid)
                    break
        # Output written before the reply is already in the pipes: collect it. Stop soon even if
        # a background process of the cell keeps writing.
        drain_until = time.monotonic() + EXIT_GRACE
        while time.monotonic() < drain_until:
            ready = [key for key, _ in sel.select(0) if key.fd in captures]
            if not ready:
                break
            for key in ready:
                data = os.read(key.fd, 65536)
                if data:
                    captures[key.fd].add(data)
                else:
                    sel.unregister(key.fd)
        died = None
        if not reply:
            try:
                returncode = proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                kill_group(proc.pid)
                returncode = proc.wait()
            died = {"exit_code": returncode if returncode >= 0 else None, "signal": signal_name(returncode)}
            if killed:
                died = None
            state = "lost"
            self.stop()
            reply = {"notes": ["The interpreter was stopped: its reply to the sandbox's supervisor was %s; its state was lost" % (
                "over %d MiB" % (WORKER_REPLY_LIMIT >> 20) if oversize else "not valid")]} if killed and interrupted_at is None else {}
        return {"result": {
            "stdout": out.to_json(), "stderr": err.to_json(),
            "value": reply.get("value"), "error": reply.get("error"),
            "images": reply.get("images", []), "notes": reply.get("notes", []),
            "timed_out": interrupted_at is not None and not job.cancelled,
            "cancelled": job.cancelled, "state": state, "died": died,
            "duration_ms": (time.monotonic() - started) * 1000,
        }}


interpreter = Interpreter()

# File operations run here, inside the sandbox, as its user: paths and symlinks resolve exactly as
# they do for the sandbox's processes, so nothing outside the sandbox can be reached through them.
READ_LIMIT = 4 * 1024 * 1024

FILE_FAULTS = {
    errno.ENOENT: ("not_found", "no such file or directory"),
    errno.ENOTDIR: ("not_found", "a parent of it is not a directory"),
    errno.EISDIR: ("is_directory", "it is a directory"),
    errno.EACCES: ("permission", "permission denied"),
    errno.EPERM: ("permission", "permission denied"),
    errno.EROFS: ("read_only", "the file system is read-only there (only %s and /tmp are writable)" % HOME),
    errno.EEXIST: ("exists", "it already exists"),
    errno.ENOSPC: ("no_space", "no space left on the device"),
    errno.ELOOP: ("not_found", "too many levels of symbolic links"),
}


class FileFault(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def fault(error, verb, path):
    code, why = FILE_FAULTS.get(error.errno, ("io", error.strerror or str(error)))
    return FileFault(code, "Cannot %s %s: %s" % (verb, path, why))


def resolve(path):
    if path == "~" or path.startswith("~/"):
        path = HOME + path[1:]
    return os.path.normpath(os.path.join(HOME, path))


def describe(path, st, name=None):
    mode = st.st_mode
    kind = ("directory" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode)
            else "symlink" if stat.S_ISLNK(mode) else "other")
    info = {"path": path, "name": name or os.path.basename(path) or "/", "type": kind,
            "size": st.st_size, "modified": st.st_mtime, "mode": stat.filemode(mode)}
    if kind == "symlink":
        try:
            info["target"] = os.readlink(path)
        except OSError:
            pass
    return info


def op_stat(req):
    path = resolve(req["path"])
    try:
        return {"result": describe(path, os.stat(path))}
    except OSError as e:
        raise fault(e, "read", path)


def op_read(req):
    path = resolve(req["path"])
    offset = max(0, int(req.get("offset", 0)))
    length = max(0, min(int(req.get("length", READ_LIMIT)), READ_LIMIT))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise fault(e, "read", path)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise FileFault("is_directory" if stat.S_ISDIR(st.st_mode) else "not_file",
                            "Cannot read %s: it is %s" % (path, kind))
        data = os.pread(fd, length, offset)
    finally:
        os.close(fd)
    return {"result": {"data": data, "size": st.st_size}}


def op_write(req):
    """Uploads arrive in chunks into a hidden temporary file that replaces the target at the end,
    so a failed upload never leaves a half-written file in place of the old one."""
    path = resolve(req["path"])
    parent = os.path.dirname(path)
    temp = os.path.join(parent, ".%s.upload-%s" % (os.path.basename(path), req["upload"]))
    data = base64.b64decode(req.get("data", ""))
    try:
        if req.get("first"):
            os.makedirs(parent, exist_ok=True)
            if os.path.isdir(path):
                raise FileFault("is_directory", "Cannot write %s: it is a directory" % path)
            if not req.get("overwrite", True) and os.path.lexists(path):
                raise FileFault("exists", "Cannot write %s: it already exists and overwrite is false" % path)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        else:
            flags = os.O_WRONLY | os.O_APPEND
        fd = os.open(temp, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        if not req.get("last"):
            return {"result": {"path": path}}
        return {"result": _put_in_place(temp, path, req.get("overwrite", True))}
    except FileFault:
        raise
    except OSError as e:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise fault(e, "write", path)


def op_list(req):
    root = resolve(req.get("path") or ".")
    depth = max(1, int(req.get("depth", 1)))
    limit = int(req.get("limit", 1000))
    try:
        if not stat.S_ISDIR(os.stat(root).st_mode):
            raise FileFault("not_directory", "Cannot list %s: it is not a directory" % root)
    except OSError as e:
        raise fault(e, "list", root)
    entries = []
    truncated = False
    pending = [(root, 1)]
    while pending:
        directory, level = pending.pop(0)
        try:
            with os.scandir(directory) as it:
                children = sorted(it, key=lambda entry: entry.name)
        except OSError:
            continue  # unreadable subdirectory: list what can be listed
        for entry in children:
            if len(entries) >= limit:
                truncated = True
                break
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            entries.append(describe(entry.path, st, entry.name))
            if level < depth and entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, level + 1))
    return {"result": {"path": root, "entries": entries, "truncated": truncated}}


def _put_in_place(temp, path, overwrite):
    """Moves a finished upload to its name, and describes it, saying whether it replaced a file."""
    replaced = False
    if overwrite:
        replaced = os.path.lexists(path)
        os.replace(temp, path)
    else:
        os.link(temp, path)  # fails if the target appeared meanwhile: never clobbers
        os.unlink(temp)
    info = describe(path, os.stat(path))
    info["replaced"] = replaced
    return info


def op_commit_upload(req):
    """Moves a file uploaded by other means (Daytona's toolbox) into place, like op_write's end."""
    path = resolve(req["path"])
    temp = resolve(req["temp"])
    try:
        if os.path.isdir(path):
            raise FileFault("is_directory", "Cannot write %s: it is a directory" % path)
        return {"result": _put_in_place(temp, path, req.get("overwrite", True))}
    except OSError as e:
        raise fault(e, "write", path)
    finally:
        if os.path.lexists(temp):
            os.unlink(temp)


relay = None


def op_tunnel(req):
    """Connects a port inside to the server for one web_preview connection (net.py)."""
    port = int(req["port"])
    if relay is None:
        return {"error": {"field": "port", "message": "Cannot forward port %d: the sandbox has no relay" % port}}
    try:
        relay.tunnel(port, str(req["token"]), req["inbound"])
    except OSError as e:
        return {"error": {"message": "Cannot reach port %d in the sandbox: %s" % (port, e.strerror or e)}}
    return {"result": {"port": port}}


FILE_OPS = {"stat": op_stat, "read": op_read, "write": op_write, "list": op_list,
            "commit_upload": op_commit_upload, "tunnel": op_tunnel}


def handle(req):
    """Runs one request and returns its reply (None for a cancel, which has none)."""
    rid = req.get("id")
    op = req.get("op")
    if op == "cancel":
        with jobs_lock:
            job = jobs.get(req.get("target"))
        if job is not None:
            job.cancel()
        return None
    job = Job()
    with jobs_lock:
        jobs[rid] = job
    try:
        if op == "exec":
            reply = run_command(rid, req, job)
        elif op == "python":
            reply = interpreter.run(rid, req, job)
        elif op == "python_reset":
            reply = interpreter.reset()
        elif op in FILE_OPS:
            reply = FILE_OPS[op](req)
        else:
            reply = {"error": {"field": "op", "message": "Unknown operation: %r" % op}}
    except FileFault as e:
        reply = {"error": {"code": e.code, "message": str(e)}}
    except Exception as e:  # report, never die: the sandbox must stay usable
        reply = {"error": {"message": "Sandbox agent failed: %s: %s" % (type(e).__name__, e)}}
    finally:
        with jobs_lock:
            jobs.pop(rid, None)
    reply["id"] = rid
    return reply


def handle_and_send(req):
    reply = handle(req)
    if reply is not None:
        send(reply)


# Remote mode, for sandboxes reached only through a command API (Daytona): a long-lived server on
# a unix socket holds the state (the interpreter, background processes' pipes), and each API call
# runs `agent.py call SOCKET REQUEST`, which starts the server if needed and prints the reply.


def serve(path):
    global progress
    progress = {}
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o600)
    server.listen(64)
    threading.Thread(target=interpreter.warm, daemon=True).start()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve_one, args=(conn,), daemon=True).start()


def read_line(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


# An HTTP client may silently send a request twice (a retry on a dropped keep-alive connection).
# Requests that must not run twice are remembered by id: a repeat waits for and gets the first
# one's reply instead of running again.
ONCE_OPS = {"exec", "python", "python_reset", "commit_upload", "write"}
recent = collections.OrderedDict()
recent_lock = threading.Lock()


# Calls that may run long enough to be detached (see await_reply).
DETACHABLE = {"exec", "python"}


def handle_once(req):
    if req.get("op") not in ONCE_OPS:
        return handle(req)
    rid = req.get("id")
    with recent_lock:
        entry = recent.get(rid)
        first = entry is None
        if first:
            entry = recent[rid] = {"done": threading.Event(), "reply": None}
            while len(recent) > 64:
                recent.popitem(last=False)
    wait = req.get("wait") if req.get("op") in DETACHABLE else None
    if first and wait is not None:
        # Detached: the call runs on whether or not this request is still there to hear it.
        threading.Thread(target=finish, args=(entry, req), daemon=True).start()
    elif first:
        finish(entry, req)
    return await_reply(rid, entry, wait)


def finish(entry, req):
    try:
        entry["reply"] = handle(req)
    finally:
        entry["done"].set()


def await_reply(rid, entry, wait):
    """The call's reply, or after `wait` seconds {"pending": true} with its latest output line:
    a request through a proxy must not last long, and the host follows the call with `wait`."""
    if not entry["done"].wait(wait):
        line, total = (progress or {}).get(rid, ("", 0))
        return {"id": rid, "pending": True, "line": line, "bytes": total}
    if progress is not None:
        progress.pop(rid, None)
    return entry["reply"]


def follow(req):
    """`{"op": "wait", "target": id, "wait": s}`: waits some more for a detached call."""
    rid = req.get("target")
    with recent_lock:
        entry = recent.get(rid)
    if entry is None:
        return {"id": rid, "error": {"message": "Cannot follow the call: the sandbox agent no longer knows it (it was restarted, e.g. because the sandbox stopped)"}}
    return await_reply(rid, entry, req.get("wait"))


def serve_one(conn):
    with conn:
        line = read_line(conn)
        if not line:
            return
        req = json.loads(line)
        reply = follow(req) if req.get("op") == "wait" else handle_once(req)
        if reply is not None:
            result = reply.get("result")
            if isinstance(result, dict) and isinstance(result.get("data"), bytes):
                result["data"] = base64.b64encode(result["data"]).decode()
            conn.sendall((json.dumps(reply, separators=(",", ":")) + "\n").encode())


def connect(path):
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        return conn
    except OSError:
        conn.close()
        return None


def connect_or_start(path):
    conn = connect(path)
    if conn is not None:
        return conn
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one caller starts the server; the others wait for it
        conn = connect(path)
        if conn is not None:
            return conn
        with open(path + ".log", "ab") as log:
            subprocess.Popen([PYTHON, "-X", "utf8", os.path.abspath(__file__), "serve", path],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                             start_new_session=True, cwd=HOME)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            conn = connect(path)
            if conn is not None:
                return conn
            time.sleep(0.01)
    raise SystemExit("Cannot start the sandbox agent; see %s.log" % path)


def call(path, argument):
    """Sends one request, read from stdin (`-`) or a file (`@path`, deleted after), and prints
    the reply."""
    if argument.startswith("@"):
        with open(argument[1:], "rb") as f:
            raw = f.read()
        os.unlink(argument[1:])
    elif argument == "-":
        raw = sys.stdin.buffer.read()
    else:
        raise SystemExit("agent.py call: the request must be - (stdin) or @file")
    rid = json.loads(raw).get("id")
    with connect_or_start(path) as conn:
        conn.sendall(raw.rstrip(b"\n") + b"\n")
        reply = read_line(conn)
    if not reply:
        reply = (json.dumps({"id": rid, "error": {"message": "Cannot finish: the sandbox agent stopped during the call; the next call starts a new one"}}) + "\n").encode()
    sys.stdout.buffer.write(reply)


class _Spawner:
    """Starts children as they are; replaced by protect.py's reaper when the agent is PID 1."""

    def spawn(self, start):
        return start()

    def release(self, pid):
        pass


spawner = _Spawner()
PROTECTIONS = {}


# Prepended to every command and to the interpreter: caps the number of processes of the
# sandbox's user for them, but not for the agent, which must keep working after a fork bomb.
LIMIT_PREFIX = []


def apply_limits(spec):
    """Caps the sandbox's processes: address space and file size through the agent's own limits,
    which every process inherits; the number of processes through `prlimit` on each command. A
    process over a limit fails or is killed; the sandbox and the server carry on."""
    import resource
    import shutil
    sizes = {"memory_mb": resource.RLIMIT_AS, "file_mb": resource.RLIMIT_FSIZE}
    for item in filter(None, spec.split(",")):
        name, _, value = item.partition("=")
        if int(value or 0) <= 0:
            continue
        if name in sizes:
            limit = int(value) * 1024 * 1024
            resource.setrlimit(sizes[name], (limit, limit))
        elif name == "processes" and shutil.which("prlimit"):
            LIMIT_PREFIX[:] = [shutil.which("prlimit"), "--nproc=%d" % int(value), "--"]


class _Pool:
    """Runs each request on a thread of its own, reusing idle threads: starting a thread costs
    more than most requests."""

    def __init__(self):
        self.lock = threading.Lock()
        self.idle = 0
        self.work = queue.SimpleQueue()

    def dispatch(self, fn, arg):
        with self.lock:
            reuse = self.idle > 0
            if reuse:
                self.idle -= 1  # reserved for this request: it never waits behind a busy one
        self.work.put((fn, arg))
        if not reuse:
            threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            fn, arg = self.work.get()
            try:
                fn(arg)
            finally:
                with self.lock:
                    self.idle += 1


dispatch = _Pool().dispatch


def main():
    global spawner, relay
    if HOLD and sys.stdin.buffer.readline().strip() != b"start":
        return
    if SUPERVISOR == "pid1":
        from protect import protect
        spawner, status = protect()
        PROTECTIONS.update(status)
    if NET:
        import net
        relay = net.start(NET)
    apply_limits(LIMITS)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    threading.Thread(target=interpreter.warm, daemon=True).start()
    send({"ready": True, "python": sys.version.split()[0], "home": HOME, "uid": os.getuid(),
          "protections": PROTECTIONS})
    for line in sys.stdin.buffer:
        try:
            req = json.loads(line)
        except ValueError:
            continue
        if req.get("op") == "cancel":
            handle(req)
        else:
            dispatch(handle_and_send, req)
    # The host went away: take every process of this sandbox with us.
    with jobs_lock:
        for job in list(jobs.values()):
            job.cancel()
    interpreter.stop()
    for pid in list(groups):
        kill_group(pid)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "call":
        call(sys.argv[2], sys.argv[3])
    else:
        main()
