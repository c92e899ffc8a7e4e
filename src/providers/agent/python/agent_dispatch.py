# Dispatch: each request is checked against the protocol (agent_protocol.py), runs its operation's
# handler and gets one reply; a cancel stops a running call. The handlers are exactly the
# protocol's operations, or the agent does not start.
import json
import os
import queue
import select
import threading
import time

import agent_protocol
import agent_tasks
from agent_frames import send
from agent_files import FileFault, op_commit_upload, op_copy, op_list, op_read, op_stat, op_write
from agent_procs import (Command, Job, jobs, jobs_lock, kill_all, kill_groups, run_command,
                         sandbox_processes, stop_jobs)
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
             "write": op_write, "list": op_list, "commit_upload": op_commit_upload, "tunnel": op_tunnel, "kill_all": op_kill_all,
             **agent_tasks.OPS}

if set(JOB_OPS) | set(PLAIN_OPS) != agent_protocol.OPS:
    raise SystemExit("Cannot start the sandbox agent: its operations (%s) are not those of protocol.json (%s)" % (
        ", ".join(sorted(set(JOB_OPS) | set(PLAIN_OPS))), ", ".join(sorted(agent_protocol.OPS))))


def _admit(req):
    """Checks a request and registers it as a job a cancel can stop: (req, job, None) when it
    may run, else (None, None, the fault's reply)."""
    rid = req.get("id")
    op = req.get("op")
    req, fault = agent_protocol.check_request(req)
    if fault is None and op not in agent_protocol.OPS:  # a control request this transport lacks
        fault = {"field": "op", "message": "Unknown operation: %r" % (op,)}
    if fault is not None:
        return None, None, {"error": fault, "id": rid}
    task = req.get("task")
    if task is not None and not agent_tasks.tag(rid, task):
        return None, None, {"error": {"field": "task", "message": "Cannot run the call: its task was cancelled"}, "id": rid}
    job = Job()
    with jobs_lock:
        jobs[rid] = job
    return req, job, None


def _settle(rid, reply):
    with jobs_lock:
        jobs.pop(rid, None)
    agent_tasks.untag(rid)
    reply["id"] = rid
    return reply


def _failed(e):
    if isinstance(e, FileFault):
        if e.code in agent_protocol.ERROR_CODES:
            return {"error": {"code": e.code, "message": str(e)}}
        return {"error": {"message": "Sandbox agent failed: file error code %r is not in protocol.json (%s)" % (e.code, e)}}
    return {"error": {"message": "Sandbox agent failed: %s: %s" % (type(e).__name__, e)}}


def _cancel(req):
    with jobs_lock:
        job = jobs.get(req.get("target"))
    if job is not None:
        job.cancel()


def handle(req):
    """Runs one request and returns its reply (None for a cancel, which has none)."""
    if req.get("op") == "cancel":
        _cancel(req)
        return None
    rid = req.get("id")
    req, job, reply = _admit(req)
    if reply is not None:
        return reply
    op = req.get("op")
    try:
        if op in JOB_OPS:
            reply = JOB_OPS[op](rid, req, job)
        else:
            reply = PLAIN_OPS[op](req)
    except Exception as e:  # report, never die: the sandbox must stay usable
        reply = _failed(e)
    return _settle(rid, reply)


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

    def reserve(self):
        """Starts an idle thread ahead of need: with `exec` on the main thread, a request could
        otherwise find no thread at all while a fork bomb holds the process budget."""
        with self.lock:
            self.idle += 1
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            fn, arg = self.work.get()
            try:
                fn(arg)
            finally:
                with self.lock:
                    self.idle += 1


_pool = _Pool()
dispatch = _pool.dispatch


def serve_pipe(fd):
    """Reads requests, one JSON line each, from `fd` (the pipe from the server) until it closes.
    `exec` requests run on this thread, side by side, each driven through one poll of all their
    descriptors: a hand-off to a pool thread costs more than starting the command. The others
    run on the pool; a cancel runs at once."""
    _pool.reserve()
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    running = set()
    pending = bytearray()

    def end(command, reply):
        running.discard(command)
        send(_settle(command.rid, reply))

    def fault(command, e):
        command.abandon()
        end(command, _failed(e))

    while True:
        now = time.monotonic()
        wake_at = None
        for command in list(running):
            try:
                at = command.wake(now)
            except Exception as e:
                fault(command, e)
                continue
            if at is None:
                end(command, command.reply)
            else:
                wake_at = at if wake_at is None else min(wake_at, at)
        timeout = None if wake_at is None else max(wake_at - now, 0) * 1000
        for ready, _ in poller.poll(timeout):
            if ready == fd:
                data = os.read(fd, 1 << 16)
                if not data:
                    return
                pending += data
                for req in _requests(pending):
                    command = _receive(req, poller)
                    if command is not None:
                        running.add(command)
                continue
            # A few commands at a time: finding the one that watches `ready` costs less than
            # keeping a second map of descriptors beside theirs.
            command = next((c for c in running if ready in c.watched), None)
            if command is not None:
                try:
                    command.ready(ready)
                except Exception as e:
                    fault(command, e)


def _requests(pending):
    """The complete lines in `pending` (taken out of it), as requests; lines that are not JSON
    objects are skipped."""
    while True:
        end = pending.find(b"\n")
        if end < 0:
            return
        line = bytes(pending[:end])
        del pending[:end + 1]
        try:
            req = json.loads(line)
        except ValueError:
            continue
        if isinstance(req, dict):
            yield req


def _receive(req, poller):
    """Starts a request from serve_pipe(); returns the started command of an `exec`, else None
    (a cancel done, a reply sent, or a request on the pool)."""
    op = req.get("op")
    if op == "cancel":
        _cancel(req)
        return None
    if op != "exec":
        dispatch(handle_and_send, req)
        return None
    rid = req.get("id")
    req, job, reply = _admit(req)
    if reply is not None:
        send(reply)
        return None
    command = Command(rid, req, job, poller)
    try:
        if command.start():
            return command
        reply = command.reply
    except Exception as e:
        reply = _failed(e)
    send(_settle(rid, reply))
    return None
