# The supervisor that runs inside the sandbox: its entry point. Without arguments (local sandboxes, where
# it is PID 1) it reads JSON requests, one per line, on stdin and writes JSON replies, one per line,
# on stdout; `agent.py serve SOCKET` and `agent.py call SOCKET REQUEST` are remote mode's server
# and client (Daytona). The protocol is described once, in src/providers/agent/protocol.ts.
#   agent_env.py       what the server says through the environment
#   agent_frames.py    how replies are framed (pipe, socket)
#   agent_protocol.py  requests checked against protocol.json
#   agent_dispatch.py  one request to its handler, on a pool of threads
#   agent_procs.py     commands in process groups, jobs, limits
#   agent_output.py    output capture and progress lines
#   agent_python.py    the interpreter (worker.py) behind python_exec
#   agent_venv.py      the Python environment pip installs into
#   agent_files.py     file operations
#   agent_server.py, agent_client.py  remote mode
import os
import sys


def _read_line(fd):
    """One line from `fd`, read a byte at a time: nothing after it is taken from the pipe."""
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return bytes(line)


def _close_inherited():
    """Closes the descriptors past stdio that the server's own parent left open without
    close-on-exec (a shell's, for one): they reached every sandbox's supervisor and helpers."""
    for name in os.listdir("/proc/self/fd"):
        if int(name) > 2:
            try:
                os.close(int(name))
            except OSError:
                pass  # the listing's own


def main():
    if os.environ.get("SANDBOX_SUPERVISOR") == "pid1":
        _close_inherited()
    import signal
    import threading

    import agent_dispatch
    import agent_frames
    import agent_procs
    import agent_venv
    from agent_env import HOLD, HOME, LIMITS, NET, SUPERVISOR
    from agent_python import interpreter

    if HOLD and _read_line(0).strip() != b"start":
        return
    protections = {}
    if SUPERVISOR == "pid1":
        from protect import protect
        agent_procs.spawner, status = protect()
        protections.update(status)
    if NET:
        import net
        agent_dispatch.relay = net.start(NET)
    agent_procs.apply_limits(LIMITS)
    agent_venv.activate()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    threading.Thread(target=interpreter.warm, daemon=True).start()
    agent_frames.send({"ready": True, "python": sys.version.split()[0], "home": HOME, "uid": os.getuid(),
                       "protections": protections})
    agent_dispatch.serve_pipe(0)
    # The host went away: take every process of this sandbox with us.
    agent_procs.stop_jobs()
    interpreter.stop()
    agent_procs.kill_groups()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        from agent_server import serve
        serve(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "call":
        from agent_client import call
        call(sys.argv[2], sys.argv[3])
    else:
        main()
