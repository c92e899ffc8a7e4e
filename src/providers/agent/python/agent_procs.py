# Process supervision: each command runs in its own process group so that a timeout or a
# cancellation kills everything it started, while a command that backgrounds a server returns at
# once and leaves the server running. Every group started is remembered, so that none outlives the
# sandbox.
import os
import select
import selectors
import signal
import subprocess
import threading
import time

from agent_env import BASE_ENV, HOME
from agent_output import Capture, LineReporter

# After a command exits, how long to keep reading output that its background children may still hold.
EXIT_GRACE = 0.05


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


class _Spawner:
    """Starts children as they are; replaced by protect.py's reaper when the agent is PID 1."""

    def spawn(self, start):
        return start()

    def release(self, pid):
        pass


spawner = _Spawner()

# Prepended to every command and to the interpreter: caps the number of processes of the
# sandbox's user for them, but not for the agent, which must keep working after a fork bomb.
LIMIT_PREFIX = []


def apply_limits(spec):
    """Caps the sandbox's processes: address space and file size through the agent's own limits,
    which every process inherits; the number of processes through `prlimit` on each command; the
    CPU, where no cgroup budgets it, only by a lower priority (`nice`), inherited too. A process
    over a limit fails or is killed; the sandbox and the server carry on."""
    import resource
    sizes = {"memory_mb": resource.RLIMIT_AS, "file_mb": resource.RLIMIT_FSIZE}
    for item in filter(None, spec.split(",")):
        name, _, value = item.partition("=")
        if int(value or 0) <= 0:
            continue
        if name in sizes:
            limit = int(value) * 1024 * 1024
            resource.setrlimit(sizes[name], (limit, limit))
        elif name == "processes":
            prlimit = which("prlimit")
            if prlimit:
                LIMIT_PREFIX[:] = [prlimit, "--nproc=%d" % int(value), "--"]
        elif name == "nice":
            # No CPU budget: the host's own programs go first when the CPU is busy. A process may
            # lower its priority further, never raise it again (RLIMIT_NICE 0 allows no raise).
            resource.setrlimit(resource.RLIMIT_NICE, (0, 0))
            os.nice(int(value))


def which(program):
    """`program` on the sandbox's PATH, or None: shutil.which's answer, without the 4 ms its
    import adds to a sandbox's start."""
    for directory in BASE_ENV.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(directory or ".", program)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _new_group():
    """Popen arguments that give a child a process group of its own (what timeouts, cancels and
    kill_groups() signal). Where the agent leads a session of its own (local sandboxes, whose
    bwrap runs --new-session; remote mode's server) its children stay in that session: setsid()
    also makes a scheduler autogroup where the kernel has them (sched_autogroup_enabled), which
    costs more than the rest of a spawn. Elsewhere (unisolated, or Python before 3.11) each child
    gets a session of its own, as it always did."""
    import sys
    if sys.version_info >= (3, 11) and os.getsid(0) == os.getpid():
        return {"process_group": 0}
    return {"start_new_session": True}


NEW_GROUP = _new_group()


def kill_group(pid, pidfd=None):
    """Kills the process group `pid` leads, and with `pidfd` (the leader's, not yet reaped) the
    leader itself wherever it went: a command that moved into another group with setpgid() was
    out of reach of its timeout, and its sandbox was ended for not answering."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if pidfd is not None:
        try:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        except (AttributeError, OSError):
            pass


# How long a killed process may take to go before whatever traces it is killed too.
KILL_GRACE = 1.0


def kill_tracer(pid):
    """Kills the process that ptraces `pid`, if any: a tracee killed with SIGKILL waits in its
    exit stop, for good, while its tracer (a process of the sandbox that seized it) lets it."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    tracer = int(line.split()[1])
                    if tracer > 0:
                        os.kill(tracer, signal.SIGKILL)
                    return
    except (OSError, ValueError):
        pass


def reap(proc, kill):
    """Waits for `proc`, which `kill` has been told to kill, killing its tracer and it again each
    KILL_GRACE it stays; returns its exit status."""
    while True:
        try:
            return proc.wait(timeout=KILL_GRACE)
        except subprocess.TimeoutExpired:
            kill_tracer(proc.pid)
            kill()


def stop_jobs():
    """Cancels every running command and cell."""
    with jobs_lock:
        for job in list(jobs.values()):
            job.cancel()


def kill_groups():
    """Kills every process group this agent started."""
    for pid in list(groups):
        kill_group(pid)


def signal_name(returncode):
    if returncode is None or returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return "SIG%d" % -returncode


def open_pidfd(pid):
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


class _Drain:
    """Reads and discards what background processes still write to the pipes of commands that
    returned, so they never get SIGPIPE. One thread for all, started with the first: a command
    must not need a new thread (none can start while a fork bomb holds the process budget)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sel = None
        self.wakeup = None

    def add(self, fds):
        with self.lock:
            if self.sel is None:
                sel = selectors.DefaultSelector()
                read_end, wakeup = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
                sel.register(read_end, selectors.EVENT_READ)
                try:
                    threading.Thread(target=self._run, args=(sel, read_end), daemon=True).start()
                except RuntimeError:  # at the process cap: the pipes close, the writers get SIGPIPE
                    for fd in fds + [read_end, wakeup]:
                        os.close(fd)
                    sel.close()
                    return
                self.sel, self.wakeup = sel, wakeup
            for fd in fds:
                self.sel.register(fd, selectors.EVENT_READ)
        os.write(self.wakeup, b"\0")

    def _run(self, sel, wakeup):
        while True:
            for key, _ in sel.select():
                if key.fd == wakeup:
                    try:
                        os.read(wakeup, 4096)
                    except BlockingIOError:
                        pass
                elif not os.read(key.fd, 65536):
                    with self.lock:
                        sel.unregister(key.fd)
                    os.close(key.fd)


drain = _Drain()

# Every command's stdin: /dev/null, opened once (close-on-exec; each child gets it as its fd 0).
_DEVNULL = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)


class Command:
    """One `exec` request: start() starts it, then whoever polls its file descriptors drives it
    (run_command() alone, or the agent's main loop beside other commands: a hand-off to another
    thread costs more than starting the command) by calling ready() for each descriptor that is
    readable and wake() when it asks to be woken, until wake() returns None and `reply` is set.
    It is finished when the command has exited and its output is read (or, when background
    processes keep the pipes open, EXIT_GRACE after the exit); a timeout or a cancel kills its
    process group, even after it closed its output."""

    def __init__(self, rid, req, job, poller):
        self.rid = rid
        self.req = req
        self.job = job
        self.poller = poller
        self.reply = None
        self.watched = {}  # fd -> Capture, or None for the pidfd

    def start(self):
        """Starts the command; False (and `reply` set) when it cannot start."""
        req = self.req
        cwd = req.get("cwd") or HOME
        if not os.path.isdir(cwd):
            return self._fail("cwd", "Cannot run command: cwd '%s' is not a directory in the sandbox" % cwd)
        env = dict(BASE_ENV)
        env.update(req.get("env") or {})
        limit = req.get("max_output", 100_000)
        timeout = req.get("timeout")
        self.started = time.monotonic()
        argv = req.get("argv") or ["/bin/sh", "-c", req["command"]]
        if LIMIT_PREFIX and "/" not in argv[0] and which(argv[0]) is None:
            return self._fail("command", "Cannot start command: %s is not installed in the sandbox" % argv[0])
        try:
            self.proc = proc = spawner.spawn(lambda: subprocess.Popen(
                LIMIT_PREFIX + argv, cwd=cwd, env=env, stdin=_DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **NEW_GROUP,
            ))
        except FileNotFoundError:
            return self._fail("command", "Cannot start command: %s is not installed in the sandbox" % argv[0])
        except (OSError, ValueError) as e:
            return self._fail("command", "Cannot start command: %s" % e)
        groups.add(proc.pid)
        self.pidfd = open_pidfd(proc.pid)
        self.job.kill = lambda: kill_group(proc.pid, self.pidfd)
        if self.job.cancelled:
            self.job.kill()
        self.out, self.err = Capture(limit), Capture(limit)
        self.reporter = LineReporter(self.rid, [self.out, self.err])
        self.deadline = self.started + timeout if timeout else None
        self.timed_out = False
        self.killed_at = None
        self.exited_at = None
        for fd, capture in ((proc.stdout.fileno(), self.out), (proc.stderr.fileno(), self.err)):
            self._watch(fd, capture)
        if self.pidfd is not None:
            self._watch(self.pidfd, None)
        return True

    def _fail(self, field, message):
        self.reply = {"error": {"field": field, "message": message}}
        return False

    def _watch(self, fd, capture):
        self.watched[fd] = capture
        self.poller.register(fd, select.POLLIN)

    def _unwatch(self, fd):
        del self.watched[fd]
        self.poller.unregister(fd)

    def ready(self, fd):
        """Reads what `fd` has: output, the end of a stream, or (the pidfd) the exit."""
        capture = self.watched[fd]
        if capture is None:
            self._unwatch(fd)
            self.exited_at = time.monotonic()
            return
        data = os.read(fd, 65536)
        if data:
            capture.add(data)
        else:
            self._unwatch(fd)

    def wake(self, now):
        """Does what is due at `now` (a progress line, the timeout's kill); returns when it next
        needs waking, or None once it is finished."""
        wait_until = self.reporter.tick(now)
        if self.deadline is not None and not self.timed_out:
            if now >= self.deadline:
                self.timed_out = True
                kill_group(self.proc.pid, self.pidfd)
            else:
                wait_until = min(wait_until, self.deadline)
        if (self.timed_out or self.job.cancelled) and self.exited_at is None:
            # Killed, and still there after a grace: something traces it and holds it.
            if self.killed_at is None:
                self.killed_at = now
            elif now - self.killed_at >= KILL_GRACE:
                kill_tracer(self.proc.pid)
                kill_group(self.proc.pid, self.pidfd)
                self.killed_at = now
            wait_until = min(wait_until, self.killed_at + KILL_GRACE)
        if self.exited_at is None and self.pidfd is None and self.proc.poll() is not None:
            self.exited_at = now
        output_open = any(capture is not None for capture in self.watched.values())
        if self.exited_at is not None:
            if not output_open or now - self.exited_at >= EXIT_GRACE:
                self._finish()
                return None
            wait_until = min(wait_until, self.exited_at + EXIT_GRACE)
        elif self.pidfd is None:
            wait_until = min(wait_until, now + 0.02)
        return wait_until

    def _finish(self):
        proc = self.proc
        held = []
        for fd in list(self.watched):
            if self.watched[fd] is not None:
                held.append(os.dup(fd))
            self._unwatch(fd)
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        if held:
            # Background processes still hold the output pipes: keep them drained, return now.
            drain.add(held)
        proc.stdout.close()
        proc.stderr.close()
        returncode = proc.wait()  # at once: the command has exited
        spawner.release(proc.pid)
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            groups.discard(proc.pid)  # nothing of this command lives on
        except PermissionError:
            pass
        self.reply = {"result": {
            "stdout": self.out.to_json(), "stderr": self.err.to_json(),
            "exit_code": returncode if returncode >= 0 else None,
            "signal": signal_name(returncode),
            "timed_out": self.timed_out, "cancelled": self.job.cancelled,
            "duration_ms": (time.monotonic() - self.started) * 1000,
        }}

    def abandon(self):
        """After a fault in this agent: kills the command, forgets its descriptors and leaves its
        exit to the reaper."""
        kill_group(self.proc.pid, self.pidfd)
        for fd in list(self.watched):
            self._unwatch(fd)
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        spawner.release(self.proc.pid)


def run_command(rid, req, job):
    """The `exec` operation, on the calling thread."""
    poller = select.poll()
    command = Command(rid, req, job, poller)
    if not command.start():
        return command.reply
    try:
        while True:
            now = time.monotonic()
            wait_until = command.wake(now)
            if wait_until is None:
                return command.reply
            for fd, _ in poller.poll(max(wait_until - now, 0) * 1000):
                command.ready(fd)
    except BaseException:
        if command.reply is None:
            command.abandon()
        raise


def _live_processes():
    """The sandbox's live processes other than the agent, as (pid, ppid, pgrp, session) tuples,
    from /proc (zombies, already dead, left out)."""
    me = os.getpid()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] in ("Z", "X"):
            continue
        found.append((int(name), int(fields[1]), int(fields[2]), int(fields[3])))
    return found


def _ours(processes):
    """Which of `processes` this agent started, in remote mode where the machine has others: its
    descendants, and members of the process groups and sessions of its commands (which keeps a
    daemon that double-forked, unless it also left the session with setsid). Where the agent
    leads its session its commands share it (see _new_group): then that session counts."""
    me = os.getpid()
    children = {}
    for pid, ppid, _, _ in processes:
        children.setdefault(ppid, []).append(pid)
    mine = set()
    todo = [me]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in mine:
                mine.add(child)
                todo.append(child)
    started = set(groups)
    if "process_group" in NEW_GROUP:
        started.add(me)
    return [pid for pid, _, pgrp, sid in processes if pid in mine or pgrp in started or sid in started]


def sandbox_processes():
    """The pids of the sandbox's live processes but the agent: every other one where the agent is
    PID 1, else those it started."""
    live = _live_processes()
    return {p[0] for p in live} if os.getpid() == 1 else set(_ours(live))


def kill_all():
    """Kills every process of the sandbox but the agent itself, a fork bomb included, and returns
    how many there were. As PID 1 of the sandbox (local sandboxes) that is every other process:
    kill(-1) signals them all at once while no new one can be forked. Elsewhere (remote mode) it is
    the processes the agent started, found in /proc and killed until none is left. Returns the pids
    it saw."""
    pid1 = os.getpid() == 1
    seen = set()
    for _ in range(100):
        victims = sandbox_processes()
        if not victims:
            break
        seen.update(victims)
        if pid1:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:
            for pid in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        time.sleep(0.005)  # let the reaper collect them before looking again
    return seen
