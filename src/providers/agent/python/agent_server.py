# Remote mode, for sandboxes reached only through a command API (Daytona): a long-lived server on
# a unix socket holds the state (the interpreter, background processes' pipes), and each API call
# runs `agent.py call SOCKET REQUEST` (agent_client.py), which starts the server if needed and
# prints the reply. One request per connection, one reply line back.
import collections
import json
import os
import socket
import threading

import agent_frames
import agent_tasks
import agent_venv
from agent_client import read_line
from agent_dispatch import handle
from agent_python import interpreter


def serve(path):
    agent_frames.progress = {}
    agent_tasks.directory = os.path.join(os.path.dirname(path), "tasks")
    agent_tasks.remote = True
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o600)
    server.listen(64)
    agent_venv.activate()
    threading.Thread(target=interpreter.warm, daemon=True).start()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve_one, args=(conn,), daemon=True).start()


# An HTTP client may silently send a request twice (a retry on a dropped keep-alive connection).
# Requests that must not run twice are remembered by id: a repeat waits for and gets the first
# one's reply instead of running again.
ONCE_OPS = {"exec", "python", "python_reset", "kill_all", "commit_upload", "write", "copy"}
recent = collections.OrderedDict()
recent_lock = threading.Lock()


# Calls that may run long enough to be detached (see await_reply).
DETACHABLE = {"exec", "python"}


def handle_once(req):
    if req.get("op") not in ONCE_OPS:
        return handle(req)
    rid = req.get("id")
    with recent_lock:
        entry = recent.get(rid)
        first = entry is None
        if first:
            entry = recent[rid] = {"done": threading.Event(), "reply": None}
            while len(recent) > 64:
                recent.popitem(last=False)
    wait = req.get("wait") if req.get("op") in DETACHABLE else None
    if first and wait is not None:
        # Detached: the call runs on whether or not this request is still there to hear it.
        threading.Thread(target=finish, args=(entry, req), daemon=True).start()
    elif first:
        finish(entry, req)
    return await_reply(rid, entry, wait)


def finish(entry, req):
    try:
        entry["reply"] = handle(req)
    finally:
        entry["done"].set()


def await_reply(rid, entry, wait):
    """The call's reply, or after `wait` seconds {"pending": true} with its latest output line:
    a request through a proxy must not last long, and the host follows the call with `wait`."""
    if not entry["done"].wait(wait):
        line, total = (agent_frames.progress or {}).get(rid, ("", 0))
        return {"id": rid, "pending": True, "line": line, "bytes": total}
    if agent_frames.progress is not None:
        agent_frames.progress.pop(rid, None)
    return entry["reply"]


def follow(req):
    """`{"op": "wait", "target": id, "wait": s}`: waits some more for a detached call."""
    rid = req.get("target")
    with recent_lock:
        entry = recent.get(rid)
    if entry is None:
        return {"id": rid, "error": {"message": "Cannot follow the call: the sandbox agent no longer knows it (it was restarted, e.g. because the sandbox stopped)"}}
    return await_reply(rid, entry, req.get("wait"))


def serve_one(conn):
    with conn:
        line = read_line(conn)
        if not line:
            return
        req = json.loads(line)
        reply = follow(req) if req.get("op") == "wait" else handle_once(req)
        if reply is not None:
            conn.sendall(agent_frames.socket_line(reply))
