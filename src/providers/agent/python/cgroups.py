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
#       on failure removes them again
#   {"id": N, "op": "scan", "roots": [R, ...]}  every cgroup directly in a "mcp-sandbox" directory
#       under the roots: [{"path", "procs" (how many processes), "age" (seconds since made)}]
#   {"id": N, "op": "kill", "dirs": [D, ...]}  SIGKILLs every process in the cgroups until none
#       is left; the number killed
# Replies: {"id": N, "result": ...} or {"id": N, "error": "..."}. Paths must lie under ROOT.
import json
import os
import signal
import sys
import time

ROOT = sys.argv[1] if len(sys.argv) > 1 else "/sys/fs/cgroup"


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
        return adopt(int(req["pid"]), req["dirs"])
    if op == "make":
        return make(req["dirs"], req["limits"])
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
