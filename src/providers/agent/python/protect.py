# Protections the local sandbox's supervisor (agent.py) takes on before any sandbox code runs.
# The agent is PID 1 of the sandbox's PID namespace (bwrap --as-pid-1), so everything else in the
# sandbox descends from it and inherits what is set here:
#   - the agent is not dumpable: sandbox processes (same uid, no capabilities) can neither ptrace
#     it nor open its /proc entries (its pipes to the server, its memory, its environment);
#   - a seccomp filter denies the system calls sandboxed code has no use for and that reach
#     beyond the sandbox: kernel keyrings, new namespaces, mounts, modules, kexec, bpf, perf,
#     userfaultfd, io_uring, the clock, swap and reboot, changes to the agent's own limits,
#     priority and CPUs, and set-user-ID files (the filter comes from libseccomp, through Debian's
#     python3-seccomp, which also checks the architecture of every call);
#   - as PID 1 it reaps orphaned processes, which would otherwise stay zombies.
# Signals from sandbox processes cannot stop or kill the agent: the kernel does not deliver a
# signal to a PID namespace's init from inside the namespace unless init handles it.
import ctypes
import errno
import os
import signal
import threading

PR_SET_DUMPABLE = 4

# Denied with EPERM. Names unknown to this architecture's kernel are skipped.
DENIED = [
    # kernel keyrings: shared by every process of the host uid, across namespaces
    "keyctl", "add_key", "request_key",
    # namespaces, mounts and the root
    "unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    # the kernel itself
    "init_module", "finit_module", "delete_module", "create_module", "query_module",
    "get_kernel_syms", "kexec_load", "kexec_file_load", "bpf", "perf_event_open", "userfaultfd",
    "lookup_dcookie", "syslog", "acct", "quotactl", "quotactl_fd", "nfsservctl", "sysfs",
    "_sysctl", "uselib", "ustat", "vm86", "vm86old", "iopl", "ioperm", "open_by_handle_at",
    "fanotify_init", "vhangup",
    # the machine
    "swapon", "swapoff", "reboot", "settimeofday", "stime", "clock_settime", "clock_adjtime",
    "adjtimex",
]
# Denied with ENOSYS, so that programs fall back to what they did before these existed: clone3
# (its flags lie in memory a filter cannot read; clone's are checked below) and io_uring.
UNAVAILABLE = ["clone3", "io_uring_setup", "io_uring_enter", "io_uring_register",
               # its mode lies in memory too (see SETUID_CALLS); programs fall back to openat
               "openat2"]
# Calls that change another process's limits, priority or CPUs, which need only the same uid (not
# ptrace rights): refused when they name PID 1, the agent, whose open-file limit or CPU time a
# sandbox could otherwise cut until no command starts. (system call, the argument holding the pid)
SPARE_THE_AGENT = [("prlimit64", 0), ("sched_setaffinity", 0), ("sched_setscheduler", 0),
                   ("sched_setparam", 0), ("sched_setattr", 0), ("setpriority", 1),
                   ("ioprio_set", 1)]
# Calls that would set the set-user-ID bit (S_ISUID) on a file: harmless in the sandbox (no new
# privileges), but a read-write share keeps the file on the host, where anyone who can reach the
# share could run it as the sandbox's uid (`nobody` under a root server, which owns every other
# sandbox's files). (system call, the argument holding the mode)
SETUID_MODE = 0o4000
SETUID_CALLS = [("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("fchmodat2", 2), ("open", 2),
                ("openat", 3), ("creat", 1), ("mknod", 1), ("mknodat", 2)]
# clone() flags that make new namespaces (CLONE_NEWTIME only exists for clone3 and unshare).
NAMESPACE_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                   0x40000000]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def not_dumpable():
    """Makes this process non-dumpable; returns None on success, else why not."""
    if _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        return "prctl(PR_SET_DUMPABLE) failed: %s" % os.strerror(ctypes.get_errno())
    return None


def load_filter():
    """Loads the seccomp filter into this process (all its future children inherit it); returns
    None on success, else why it is not enforced."""
    try:
        import seccomp
    except ImportError:
        return "python3-seccomp (libseccomp's Python bindings) is not installed"
    try:
        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        try:
            # A binary tree instead of a list: every allowed call pays a few comparisons, not one
            # per rule (libseccomp 2.5 and later).
            rules.set_attr(seccomp.Attr.CTL_OPTIMIZE, 2)
        except (AttributeError, ValueError, RuntimeError, OSError):
            pass
        for names, action in ((DENIED, seccomp.ERRNO(errno.EPERM)),
                              (UNAVAILABLE, seccomp.ERRNO(errno.ENOSYS))):
            for name in names:
                try:
                    rules.add_rule(action, name)
                except (ValueError, RuntimeError, OSError):
                    pass  # not a system call on this architecture
        for name, arg in SETUID_CALLS:
            try:
                rules.add_rule(seccomp.ERRNO(errno.EPERM), name,
                               seccomp.Arg(arg, seccomp.MASKED_EQ, SETUID_MODE, SETUID_MODE))
            except (ValueError, RuntimeError, OSError):
                pass  # not a system call on this architecture (or this libseccomp)
        for name, arg in SPARE_THE_AGENT:
            try:
                rules.add_rule(seccomp.ERRNO(errno.EPERM), name, seccomp.Arg(arg, seccomp.EQ, 1))
            except (ValueError, RuntimeError, OSError):
                pass  # not a system call on this architecture
        for flag in NAMESPACE_FLAGS:
            rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone",
                           seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        rules.load()
    except Exception as error:  # an old libseccomp, an unknown architecture
        return "the seccomp filter could not be loaded: %s: %s" % (type(error).__name__, error)
    return None


class Reaper:
    """Reaps orphans: as PID 1 the agent inherits every process whose parent exited. Children
    the agent waits for itself (commands, the interpreter) are registered, and left alone.
    No signal handler: a thread blocks in waitid() until a child has exited, which costs nothing
    while the sandbox is idle and one wake-up per exit."""

    def __init__(self):
        self.cond = threading.Condition()
        self.managed = set()

    def start(self):
        threading.Thread(target=self._run, daemon=True).start()

    def spawn(self, start):
        """Runs `start()`, which starts a child and returns its Popen, and registers the child
        before the reaper can see it exit."""
        with self.cond:
            proc = start()
            self.managed.add(proc.pid)
            self.cond.notify_all()
            return proc

    def release(self, pid):
        """The child was waited for; orphans that exited behind it can be reaped now."""
        with self.cond:
            self.managed.discard(pid)
            self.cond.notify_all()

    def _run(self):
        while True:
            try:
                # The kernel shows one exited child at a time, and WNOWAIT leaves it in place.
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT)
            except ChildProcessError:  # no child at all: wait for the next spawn
                with self.cond:
                    self.cond.wait(5)
                continue
            pid = info.si_pid
            with self.cond:
                if pid in self.managed:
                    # Its owner waits for it; nothing behind it shows until that is done.
                    self.cond.wait_for(lambda: pid not in self.managed, 5)
                    continue
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass


def protect():
    """Takes on every protection; returns (spawner, {protection: None or why not enforced})."""
    status = {"not_dumpable": not_dumpable(), "seccomp": load_filter()}
    # Default dispositions: as PID 1 these signals are then never delivered from inside.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    reaper = Reaper()
    reaper.start()
    return reaper, status
