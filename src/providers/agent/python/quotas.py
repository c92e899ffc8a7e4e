# The server's helper for the per-user quotas of local sandboxes. The kernel counts inotify
# instances and watches, and fanotify groups and marks, per host uid: every sandbox of one uid
# draws on the same allowance as the uid's other processes (a desktop user's editor and file
# manager, or the other sandboxes of a server running as nobody), and one sandbox could take it
# all. A user namespace has allowances of its own, counted on top of its owner's: this helper sets
# those of each sandbox's namespace to a share of the uid's.
# It runs as the server's user in the host's user namespace, where the owner of a sandbox's
# namespace may enter it (from a namespace of its own it could not).
# Requests, one JSON object per line on stdin; replies on stdout, {"id": N, "result": ...} or
# {"id": N, "error": "..."}:
#   {"id": N, "op": "cap", "pid": PID, "share": S}  finds the first process under PID (bwrap) in
#       a user namespace other than PID's, waiting for it up to 5 s, makes PID and the processes
#       under it the OOM killer's first choice (see oom_first), and sets that namespace's
#       allowance of each quota to the uid's divided by S; the allowances set
import json
import os
import sys
import time

QUOTAS = ("max_inotify_instances", "max_inotify_watches", "max_fanotify_groups", "max_fanotify_marks")
CLONE_NEWUSER = 0x10000000


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


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


def namespaced(pid, timeout=5.0):
    """The first process under `pid` whose user namespace is not `pid`'s."""
    own = os.readlink("/proc/%d/ns/user" % pid)
    deadline = time.monotonic() + timeout
    while True:
        todo = children(pid)
        while todo:
            p = todo.pop()
            try:
                if os.readlink("/proc/%d/ns/user" % p) != own:
                    return p
            except OSError:
                continue
            todo.extend(children(p))
        if time.monotonic() > deadline:
            raise OSError("no process under %d has a user namespace of its own" % pid)
        time.sleep(0.001)


# A sandbox's processes are what the kernel's OOM killer takes first. Where the host runs out of
# memory before a sandbox reaches its own budget (a desktop's session, or a machine without memory
# cgroups), the processes it would pick by their size are the user's: memory a sandbox holds in a
# memfd or in files of a tmpfs counts towards no process, and a sandbox holding 1.4 GiB that way
# looked smaller than a 300 MiB browser, which was killed first.
OOM_FIRST = 1000


def oom_first(pid):
    """Sets the OOM score adjustment of `pid` and every process under it (a sandbox held at its
    start, whose later processes inherit it). Code that means to can lower its own back to 0, the
    host's default (not below: that takes a capability the sandbox has not): this is for a
    program that grows by mistake, as a data analysis does; against code that means harm, only a
    memory budget (a cgroup) holds."""
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/oom_score_adj" % p, "w") as f:
                f.write(str(OOM_FIRST))
        except (FileNotFoundError, ProcessLookupError):  # it ended meanwhile
            continue
        except PermissionError:
            pass  # not dumpable (bwrap's own, for an ordinary user's server): the ones below are
        todo.extend(children(p))


def setns(fd):
    if hasattr(os, "setns"):  # Python 3.12
        os.setns(fd, CLONE_NEWUSER)
        return
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWUSER) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


def cap(pid, share):
    """Sets the allowances of the namespace of the sandbox that `pid` runs, in a child process:
    entering a user namespace is for good, and only a single-threaded process may."""
    allowances = {}
    for name in QUOTAS:
        text = read("/proc/sys/user/" + name)
        if text is not None and int(text) > 0:
            allowances[name] = max(1, int(text) // share)
    inner = namespaced(pid)
    oom_first(pid)
    if not allowances:
        raise OSError("this kernel has no per-namespace inotify allowances (Linux 5.11 and later)")
    fd = os.open("/proc/%d/ns/user" % inner, os.O_RDONLY)
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        said = b""
        try:
            os.close(r)
            setns(fd)
            for name, value in allowances.items():
                with open("/proc/sys/user/" + name, "w") as f:
                    f.write(str(value))
        except BaseException as error:
            said = ("%s: %s" % (type(error).__name__, error)).encode()
        finally:
            os.write(w, said or b"ok")
            os._exit(0)
    os.close(w)
    os.close(fd)
    said = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        said += chunk
    os.close(r)
    os.waitpid(child, 0)
    if said != b"ok":
        raise OSError(said.decode(errors="replace"))
    return allowances


def handle(req):
    if req["op"] == "cap":
        return cap(int(req["pid"]), int(req["share"]))
    raise ValueError("unknown op %r" % req["op"])


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
