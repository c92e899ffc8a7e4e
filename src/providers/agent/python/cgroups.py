# The server's hands on control groups (src/providers/local/cgroup.ts holds the logic). Deno lets a
# program touch /sys and /proc only with every permission, so the server starts this helper once,
# through bwrap with the host's file system, and asks it over JSON lines on stdin and stdout:
#   {"id": N, "op": "snapshot", "root": R}  what planCgroups() needs to know about the hierarchies
#   {"id": N, "op": "mkdir" | "rmdir", "path": P}
#   {"id": N, "op": "write", "path": P, "value": V}
#   {"id": N, "op": "read", "paths": [P, ...]}  each file's text, or null
#   {"id": N, "op": "adopt", "pid": PID, "dirs": [D, ...]}  moves PID and all its descendants
# Replies: {"id": N, "result": ...} or {"id": N, "error": "..."}. Paths must lie under ROOT.
import json
import os
import sys

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
