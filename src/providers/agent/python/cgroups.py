# The server's hands on control groups (src/providers/local/cgroup.ts holds the logic). Deno lets a
# program touch /sys and /proc only with every permission, so the server starts this helper once,
# through bwrap with the host's file system, and asks it over JSON lines on stdin and stdout:
#   {"id": N, "op": "snapshot", "root": R}  what planCgroups() needs to know about the hierarchies
#   {"id": N, "op": "mkdir" | "rmdir", "path": P}
#   {"id": N, "op": "write", "path": P, "value": V}
#   {"id": N, "op": "read", "paths": [P, ...]}  each file's text, or null
#   {"id": N, "op": "adopt", "pid": PID, "dirs": [D, ...]}  moves PID and all its descendants
#   {"id": N, "op": "make", "dirs": [D, ...], "limits": [[FILE, VALUE, OPTIONAL], ...]}  makes the
#       directories and writes each limit in the first of them that takes it, in one round trip;
#       on failure removes them again. Until the next "adopt" (or WARM_SECONDS), moves stay
#       cheap: see Warmer
#   {"id": N, "op": "scan", "roots": [R, ...]}  every cgroup directly in a "mcp-sandbox" directory
#       under the roots: [{"path", "procs" (how many processes), "age" (seconds since made)}]
#   {"id": N, "op": "kill", "dirs": [D, ...]}  SIGKILLs every process in the cgroups until none
#       is left; the number killed
# Replies: {"id": N, "result": ...} or {"id": N, "error": "..."}. Paths must lie under ROOT.
import json
import os
import signal
import sys
import threading
import time

ROOT = sys.argv[1] if len(sys.argv) > 1 else "/sys/fs/cgroup"


class Warmer:
    """Keeps moves into cgroups cheap while a sandbox is being made. A move takes the kernel's
    cgroup_threadgroup_rwsem for writing, and the first writer after a quiet spell waits for an
    RCU grace period (10 ms or more on a busy machine) to switch its readers to the slow path;
    a writer within one grace period of the last one does not wait. So from "make" until the
    sandbox's "adopt", a thread moves this helper into the cgroup it is already in (a move that
    changes nothing) every few milliseconds: the wait is paid once, in the background, while the
    server makes the sandbox's disk and directories, instead of when the sandbox holds at its
    start. Best effort: where such a move is refused, moves are as slow as without."""

    def __init__(self):
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.pending = 0
        self.until = 0.0
        self.thread = None
        self.target = None

    def start(self):
        with self.lock:
            self.pending += 1
            self.until = time.monotonic() + WARM_SECONDS
            self.wake.set()
        if self.thread is None:
            self.thread = threading.Thread(target=self.run, daemon=True)
            self.thread.start()

    def done(self):
        with self.lock:
            self.pending = max(0, self.pending - 1)

    def run(self):
        while True:
            self.wake.wait()
            with self.lock:
                if self.pending == 0 or time.monotonic() > self.until:
                    self.pending = 0
                    self.wake.clear()
                    continue
            if not self.touch():
                return
            time.sleep(WARM_INTERVAL)

    def touch(self):
        """Moves this helper into its own cgroup; False where that is refused."""
        if self.target is None:
            self.target = self.own_procs()
        if not self.target:
            return False
        try:
            with open(self.target, "w") as f:
                f.write(str(os.getpid()))
            return True
        except OSError:
            self.target = ""
            return False

    @staticmethod
    def own_procs():
        """The cgroup.procs file of this helper's own cgroup in some hierarchy (pids first)."""
        lines = (read("/proc/self/cgroup") or "").splitlines()
        lines.sort(key=lambda line: "pids" not in line.split(":")[1].split(","))
        for line in lines:
            _, controllers, path = line.split(":", 2)
            path = "" if path == "/" else path
            names = [controllers.replace("name=", "")] if controllers else ["", "unified"]
            for name in names:
                procs = os.path.join(ROOT, name) + path + "/cgroup.procs"
                if os.path.exists(procs):
                    return procs
        return ""


WARM_SECONDS = 2.0
WARM_INTERVAL = 0.004
warmer = Warmer()


def checked(path):
    path = os.path.normpath(path)
    if path != ROOT and not path.startswith(ROOT + "/"):
        raise ValueError("not under %s: %s" % (ROOT, path))
    return path


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def snapshot(root):
    """/proc/self/cgroup (this helper shares the server's cgroups), the controllers files and
    owners of each hierarchy's root and of the server's cgroup in it."""
    own = read("/proc/self/cgroup") or ""
    dirs = {root, root + "/unified"}
    try:
        dirs.update(os.path.join(root, name) for name in os.listdir(root))
    except OSError:
        pass
    for mount in list(dirs):
        for line in own.splitlines():
            path = line.split(":", 2)[-1]
            dirs.add(mount + (path if path != "/" else ""))
    files, owners = {}, {}
    for d in dirs:
        if os.path.islink(d):
            continue
        for name in ("cgroup.controllers", "cgroup.procs"):
            text = read(os.path.join(d, name)) if name == "cgroup.controllers" else (
                "" if os.path.exists(os.path.join(d, name)) else None)
            if text is not None:
                files[os.path.join(d, name)] = text
        try:
            owners[d] = os.stat(d).st_uid
        except OSError:
            pass
    return {"selfCgroup": own, "files": files, "owners": owners}


def children(pid):
    found = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return found
    for tid in tasks:
        text = read("/proc/%d/task/%s/children" % (pid, tid)) or ""
        found.extend(int(p) for p in text.split())
    return found


def adopt(pid, dirs):
    """Moves `pid`, then its descendants: a child forked after the move is born inside, one
    forked before shows in /proc/PID/task/*/children once the move is done."""
    moved, todo = [], [pid]
    while todo:
        p = todo.pop()
        for d in dirs:
            try:
                with open(os.path.join(checked(d), "cgroup.procs"), "w") as f:
                    f.write(str(p))
            except ProcessLookupError:
                break
        else:
            moved.append(p)
            todo.extend(children(p))
    return moved


def make(dirs, limits):
    dirs = [checked(d) for d in dirs]
    try:
        for d in dirs:
            try:
                os.mkdir(d)
            except FileExistsError:
                pass
        for name, value, optional in limits:
            error = None
            for d in dirs:
                try:
                    with open(os.path.join(d, name), "w") as f:
                        f.write(value)
                    break
                except OSError as e:
                    error = e
            else:
                if not optional:
                    raise error or OSError("no cgroup takes %s" % name)
    except BaseException:
        for d in dirs:
            try:
                os.rmdir(d)
            except OSError:
                pass
        raise


PARENT = "mcp-sandbox"
SCAN_LIMIT = 20000  # directories visited at most: a bound on a host with a huge tree


def scan(roots):
    found, seen, todo = [], 0, [checked(r) for r in roots]
    now = time.time()
    while todo and seen < SCAN_LIMIT:
        d = todo.pop()
        seen += 1
        try:
            entries = [e for e in os.scandir(d) if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for e in entries:
            if os.path.basename(d) != PARENT:
                todo.append(e.path)
                continue
            procs = read(os.path.join(e.path, "cgroup.procs"))
            try:
                age = now - e.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
            found.append({"path": e.path, "procs": len((procs or "").split()), "age": age})
    return found


def in_cgroup(pid, dirs):
    """Whether `pid` is in one of the cgroups `dirs` (its /proc/PID/cgroup names them)."""
    text = read("/proc/%d/cgroup" % pid) or ""
    paths = {line.split(":", 2)[-1] for line in text.splitlines()}
    return any(d.endswith(p) and p != "/" for d in dirs for p in paths)


def kill(dirs):
    """SIGKILLs what is in the cgroups, through a pidfd checked to be still in them, so that a pid
    reused by another process meanwhile is never signalled."""
    dirs = [checked(d) for d in dirs]
    killed = 0
    for _ in range(200):
        pids = set()
        for d in dirs:
            pids.update(int(p) for p in (read(os.path.join(d, "cgroup.procs")) or "").split())
        if not pids:
            return killed
        for pid in pids:
            try:
                fd = os.pidfd_open(pid)
            except OSError:
                continue
            try:
                if in_cgroup(pid, dirs):
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
                    killed += 1
            except OSError:
                pass
            finally:
                os.close(fd)
        time.sleep(0.01)
    raise OSError("processes are still in %s" % dirs[0])


def handle(req):
    op = req["op"]
    if op == "snapshot":
        return snapshot(checked(req["root"]))
    if op == "mkdir":
        try:
            os.mkdir(checked(req["path"]))
        except FileExistsError:
            pass
        return None
    if op == "rmdir":
        try:
            os.rmdir(checked(req["path"]))
        except FileNotFoundError:
            pass
        return None
    if op == "write":
        with open(checked(req["path"]), "w") as f:
            f.write(req["value"])
        return None
    if op == "read":
        return [read(checked(p)) for p in req["paths"]]
    if op == "adopt":
        try:
            return adopt(int(req["pid"]), req["dirs"])
        finally:
            warmer.done()
    if op == "make":
        # After the directories are made: a move waiting for its grace period holds cgroup_mutex,
        # which mkdir needs too.
        make(req["dirs"], req["limits"])
        warmer.start()
        return None
    if op == "scan":
        return scan(req["roots"])
    if op == "kill":
        return kill(req["dirs"])
    raise ValueError("unknown op %r" % op)


def main():
    for line in sys.stdin:
        req = json.loads(line)
        try:
            reply = {"id": req.get("id"), "result": handle(req)}
        except Exception as error:  # reported to the server, which decides what it means
            reply = {"id": req.get("id"), "error": "%s: %s" % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
