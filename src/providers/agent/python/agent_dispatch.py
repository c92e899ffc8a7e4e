# Dispatch: each request is checked against the protocol (agent_protocol.py), runs its operation's
# handler and gets one reply; a cancel stops a running call. The handlers are exactly the
# protocol's operations, or the agent does not start.
import queue
import threading

import agent_protocol
from agent_frames import send
from agent_files import FileFault, op_commit_upload, op_copy, op_list, op_read, op_stat, op_write
from agent_procs import (Job, jobs, jobs_lock, kill_all, kill_groups, run_command, sandbox_processes,
                         stop_jobs)
from agent_python import interpreter

# The relay of web_preview's tunnels (net.py), set by agent.main() where the sandbox has one.
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


def op_kill_all(req):
    """Stops every process of the sandbox (commands, background servers, the interpreter, what
    they left behind) and keeps its files; the next python_exec starts a fresh interpreter."""
    before = sandbox_processes()
    stop_jobs()
    interpreter.stop_now()
    kill_groups()
    return {"result": {"killed": len(before | kill_all())}}


# Operations that run as a job a cancel request can stop: handler(rid, req, job).
JOB_OPS = {"exec": run_command, "python": interpreter.run, "copy": op_copy}
# The others: handler(req).
PLAIN_OPS = {"python_reset": lambda req: interpreter.reset(), "stat": op_stat, "read": op_read,
             "write": op_write, "list": op_list, "commit_upload": op_commit_upload, "tunnel": op_tunnel, "kill_all": op_kill_all}

if set(JOB_OPS) | set(PLAIN_OPS) != agent_protocol.OPS:
    raise SystemExit("Cannot start the sandbox agent: its operations (%s) are not those of protocol.json (%s)" % (
        ", ".join(sorted(set(JOB_OPS) | set(PLAIN_OPS))), ", ".join(sorted(agent_protocol.OPS))))


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
    req, fault = agent_protocol.check_request(req)
    if fault is None and op not in agent_protocol.OPS:  # a control request this transport lacks
        fault = {"field": "op", "message": "Unknown operation: %r" % (op,)}
    if fault is not None:
        return {"error": fault, "id": rid}
    job = Job()
    with jobs_lock:
        jobs[rid] = job
    try:
        if op in JOB_OPS:
            reply = JOB_OPS[op](rid, req, job)
        else:
            reply = PLAIN_OPS[op](req)
    except FileFault as e:
        if e.code in agent_protocol.ERROR_CODES:
            reply = {"error": {"code": e.code, "message": str(e)}}
        else:
            reply = {"error": {"message": "Sandbox agent failed: file error code %r is not in protocol.json (%s)" % (e.code, e)}}
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
            try:
                threading.Thread(target=self._serve, daemon=True).start()
            except RuntimeError:
                # No new thread while the sandbox's processes are at their cap (a fork bomb in
                # its cgroup): the request waits for the next thread to come free.
                with self.lock:
                    self.idle -= 1

    def _serve(self):
        while True:
            fn, arg = self.work.get()
            try:
                fn(arg)
            finally:
                with self.lock:
                    self.idle += 1


dispatch = _Pool().dispatch
