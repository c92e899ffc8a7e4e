# The client of remote mode (agent_server.py), run once per API call as
# `agent.py call SOCKET -` (the request on stdin) or `agent.py call SOCKET @FILE`: it starts the
# server if none answers, hands it the request and prints the reply. It imports nothing else of the
# agent, so that each call starts fast.
import fcntl
import json
import os
import socket
import subprocess
import sys
import time

from agent_env import HOME, PYTHON, RUNTIME


def read_line(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def connect(path):
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        return conn
    except OSError:
        conn.close()
        return None


def connect_or_start(path):
    conn = connect(path)
    if conn is not None:
        return conn
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one caller starts the server; the others wait for it
        conn = connect(path)
        if conn is not None:
            return conn
        with open(path + ".log", "ab") as log:
            subprocess.Popen([PYTHON, "-X", "utf8", os.path.join(RUNTIME, "agent.py"), "serve", path],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                             start_new_session=True, cwd=HOME)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            conn = connect(path)
            if conn is not None:
                return conn
            time.sleep(0.01)
    raise SystemExit("Cannot start the sandbox agent; see %s.log" % path)


def call(path, argument):
    """Sends one request, read from stdin (`-`) or a file (`@path`, deleted after), and prints
    the reply."""
    if argument.startswith("@"):
        with open(argument[1:], "rb") as f:
            raw = f.read()
        os.unlink(argument[1:])
    elif argument == "-":
        raw = sys.stdin.buffer.read()
    else:
        raise SystemExit("agent.py call: the request must be - (stdin) or @file")
    rid = json.loads(raw).get("id")
    with connect_or_start(path) as conn:
        conn.sendall(raw.rstrip(b"\n") + b"\n")
        reply = read_line(conn)
    if not reply:
        reply = (json.dumps({"id": rid, "error": {"message": "Cannot finish: the sandbox agent stopped during the call; the next call starts a new one"}}) + "\n").encode()
    sys.stdout.buffer.write(reply)
