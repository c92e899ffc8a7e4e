# Task records: the tasks that servers of a deployment run in this sandbox (MCP's tasks extension),
# kept here so that every server can report and cancel them, not only the one that runs the call.
# The server that runs a task's call tags each of its requests with the task (`task`), opens the
# record once the call becomes a task (task_begin), renews it while the call runs (task_begin
# again) and closes it with the call's result (task_end); any server reads it (task_get) or
# cancels it (task_cancel: the task's running calls are stopped and later ones refused). While the
# task works, its status message is the latest output line of its running call.
#
# A server that dies stops renewing its tasks: in remote mode a working task not renewed for its
# `abandon_after` seconds is reported failed (what it started goes on, as any call of a server that
# died). Locally the server and the agent end together. Records are kept in files too (ended ones
# for an hour), so they survive a restart of the agent (a sandbox that stopped and started again):
# a task whose call died with it then ends failed when its server says so, or reads as abandoned.
import json
import os
import threading
import time

import agent_frames
from agent_procs import jobs, jobs_lock

KEEP_SECONDS = 3600  # an ended task's record is kept this long
MAX_TASKS = 256  # records kept in memory, the oldest ended ones dropped first
ENDED = ("completed", "failed", "cancelled")

lock = threading.Lock()
records = {}  # task id -> record (dict, as task_get reports it, plus private "_" fields)
calls = {}  # task id -> ids of its calls running now, in the order they came
task_of = {}  # call id -> task id
# Where records are written (remote mode: beside the socket), or None to keep them in memory only.
directory = None
# Whether a server can die and leave its tasks behind (remote mode); locally the pipe is the server.
remote = False


def _now():
    return time.time()


def _iso(at):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + ".%03dZ" % int(at % 1 * 1000)


def _path(task):
    # Task ids are the server's UUIDs; anything else never names a file.
    if directory is None or not task or not all(c in "0123456789abcdef-" for c in task):
        return None
    return os.path.join(directory, task + ".json")


def tag(rid, task):
    """Registers call `rid` as one of `task`'s; False when the task was cancelled or ended (the
    call must not run)."""
    with lock:
        record = records.get(task)
        if record is not None and record["status"] in ENDED:
            return False
        calls.setdefault(task, []).append(rid)
        task_of[rid] = task
    return True


def untag(rid):
    with lock:
        task = task_of.pop(rid, None)
        if task is None:
            return
        running = calls.get(task, [])
        if rid in running:
            running.remove(rid)
        if not running:
            calls.pop(task, None)


def _view(task, record, now):
    """The record as task_get reports it: the latest output line while working, and a working
    task its server stopped renewing as failed."""
    view = {k: v for k, v in record.items() if not k.startswith("_")}
    if record["status"] != "working":
        return view
    progress = agent_frames.progress or {}
    for rid in reversed(calls.get(task, [])):
        line = progress.get(rid, ("", 0))[0]
        if line:
            view["status_message"] = line
            break
    if remote and now - record["_renewed_at"] > record["_abandon_after"]:
        view["status"] = "failed"
        view["abandoned"] = True
        view["status_message"] = ("The server that ran this task stopped before it ended; what the "
                                  "task started may still be running in the sandbox")
    return view


def _sweep(now):
    """Drops records kept long enough, and the oldest ended ones beyond MAX_TASKS."""
    ended = sorted((r["_ended_at"], t) for t, r in records.items() if "_ended_at" in r)
    for at, task in ended:
        if now - at > KEEP_SECONDS or len(records) > MAX_TASKS:
            del records[task]
    if directory is not None and os.path.isdir(directory):
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            try:
                if now - os.stat(path).st_mtime > KEEP_SECONDS:
                    os.unlink(path)
            except OSError:
                pass


def _load(task):
    """A record written before the agent restarted (a sandbox stopped and started again), if it is
    still kept and still one: the sandbox's own code can write the file."""
    path = _path(task)
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except (OSError, ValueError):
        return None
    number = (int, float)
    if not (isinstance(record, dict) and record.get("status") in ENDED + ("working",)
            and all(isinstance(record.get(k), str) for k in ("created_at", "updated_at"))
            and isinstance(record.get("abandoned"), bool)
            and isinstance(record.get("_renewed_at"), number)
            and isinstance(record.get("_abandon_after"), number)
            and isinstance(record.get("_ended_at", 0), number)
            and isinstance(record.get("result", {}), dict)
            and isinstance(record.get("status_message", ""), str)):
        return None
    if _now() - record.get("_ended_at", _now()) > KEEP_SECONDS:
        return None
    records[task] = record
    return record


def _store(task, record):
    """Writes the record to its file, so that it outlives the agent."""
    path = _path(task)
    if path is None:
        return
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        temp = "%s.%d.tmp" % (path, threading.get_ident())
        with open(temp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(temp, path)
    except OSError:
        pass  # kept in memory still; only a restart of the agent loses it


def _end(record, status, message, now):
    record["status"] = status
    if message is not None:
        record["status_message"] = message
    record["updated_at"] = _iso(now)
    record["_ended_at"] = now


def op_task_begin(req):
    task = req["task_id"]
    now = _now()
    with lock:
        _sweep(now)
        record = records.get(task) or _load(task)
        if record is not None:
            record["_renewed_at"] = now
        else:
            if len(records) >= MAX_TASKS:
                return {"error": {"field": "task_id", "message": "Cannot keep the task: %d tasks are kept in this sandbox" % MAX_TASKS}}
            record = records[task] = {
                "status": "working",
                "created_at": req["created_at"],
                "updated_at": _iso(now),
                "abandoned": False,
                "_renewed_at": now,
                "_abandon_after": float(req["abandon_after"]),
            }
            _store(task, record)
        return {"result": _view(task, record, now)}


def op_task_get(req):
    task = req["task_id"]
    now = _now()
    with lock:
        record = records.get(task) or _load(task)
        return {"result": None if record is None else _view(task, record, now)}


def op_task_end(req):
    """Closes the record with the call's result; a task already ended (cancelled meanwhile) keeps
    how it ended, which the reply tells the server."""
    task = req["task_id"]
    now = _now()
    with lock:
        record = records.get(task) or _load(task)
        if record is None:
            return {"result": None}
        if record["status"] not in ENDED:
            _end(record, req["status"], None, now)
            record["result"] = req["result"]
            _store(task, record)
        return {"result": _view(task, record, now)}


def op_task_cancel(req):
    """Ends the task as cancelled and stops its running calls; an ended task stays as it ended."""
    task = req["task_id"]
    now = _now()
    with lock:
        record = records.get(task) or _load(task)
        if record is None:
            return {"result": None}
        if record["status"] not in ENDED:
            _end(record, "cancelled", "Cancelled by the client", now)
            _store(task, record)
        running = list(calls.get(task, []))
        view = _view(task, record, now)
    with jobs_lock:
        stopping = [jobs.get(rid) for rid in running]
    for job in stopping:
        if job is not None:
            job.cancel()
    return {"result": view}


OPS = {"task_begin": op_task_begin, "task_get": op_task_get, "task_end": op_task_end,
       "task_cancel": op_task_cancel}
