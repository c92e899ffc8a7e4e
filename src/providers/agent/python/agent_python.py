# The interpreter behind python_exec: one long-lived worker.py process per sandbox, driven over a
# pair of pipes of its own, so that its stdout and stderr stay the cell's. Cells run one at a time;
# an interrupted cell gets a grace to unwind before the worker is killed and its state lost.
import json
import os
import re
import selectors
import signal
import subprocess
import threading
import time

import agent_procs
import agent_venv
from agent_env import BASE_ENV, HOME, PYTHON, RUNTIME
from agent_output import Capture, LineReporter
from agent_procs import EXIT_GRACE, kill_group, signal_name

# How long an interrupted Python cell may take to unwind before the interpreter is killed.
INTERRUPT_GRACE = 2.0
# The largest reply the interpreter may send (figures included); a bigger one ends the interpreter.
WORKER_REPLY_LIMIT = 64 * 1024 * 1024


class Interpreter:
    """The long-lived Python worker. Cells run one at a time; state lives until reset or death."""

    def __init__(self):
        self.lock = threading.Lock()
        self.proc = None
        self.fresh = False

    def start(self):
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        env = dict(BASE_ENV)
        env["SANDBOX_WORKER_FDS"] = "%d,%d" % (to_worker_r, from_worker_w)
        self.proc = agent_procs.spawner.spawn(lambda: subprocess.Popen(
            agent_procs.LIMIT_PREFIX + [agent_venv.interpreter(PYTHON), "-X", "utf8", os.path.join(RUNTIME, "worker.py")], cwd=HOME, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(to_worker_r, from_worker_w), **agent_procs.NEW_GROUP,
        ))
        os.close(to_worker_r)
        os.close(from_worker_w)
        # Kills reach the worker wherever its cell moved it (see kill_group).
        self.pidfd = agent_procs.open_pidfd(self.proc.pid)
        self.to_worker = to_worker_w
        self.from_worker = from_worker_r
        self.pending = bytearray()
        self.fresh = True
        # One selector for the worker's life: its pipes, and the replies.
        self.selector = selectors.DefaultSelector()
        for fd in (self.proc.stdout.fileno(), self.proc.stderr.fileno(), self.from_worker):
            self.selector.register(fd, selectors.EVENT_READ)

    def stop(self):
        if self.proc is None:
            return
        self.kill()
        agent_procs.reap(self.proc, self.kill)
        agent_procs.spawner.release(self.proc.pid)
        if self.pidfd is not None:
            os.close(self.pidfd)
        self.selector.close()
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()
        for fd in (self.to_worker, self.from_worker):
            os.close(fd)
        self.proc = None

    def kill(self):
        """Kills the worker and its process group."""
        kill_group(self.proc.pid, self.pidfd)

    def stop_now(self):
        """Ends the interpreter, waiting for a cell that is running to notice it was cancelled."""
        with self.lock:
            self.stop()

    def warm(self):
        with self.lock:
            if self.proc is None:
                self.start()

    def reset(self):
        with self.lock:
            self.stop()
            self.start()
        return {"result": {"reset": True}}

    def run(self, rid, req, job):
        with self.lock:
            if self.proc is None:
                self.start()
            fresh, self.fresh = self.fresh, False
            reply = self._run(rid, req, job)
            reply["result"]["fresh"] = fresh
            return reply

    def _run(self, rid, req, job):
        proc = self.proc
        limit = req.get("max_output", 100_000)
        timeout = req.get("timeout")
        started = time.monotonic()
        cell = {k: req[k] for k in ("code", "max_output", "max_image_bytes", "max_images", "max_repr") if k in req}
        try:
            os.write(self.to_worker, (json.dumps(cell) + "\n").encode())
        except BrokenPipeError:
            pass  # the worker is dead; the loop below notices and reports it
        interrupted_at = None
        job.kill = lambda: os.kill(proc.pid, signal.SIGINT)
        if job.cancelled:
            job.kill()
        out, err = Capture(limit), Capture(limit)
        captures = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
        reporter = LineReporter(rid, [out, err])
        sel = self.selector
        deadline = started + timeout if timeout else None
        reply = None
        state = "kept"
        killed = False
        oversize = False
        while reply is None:
            now = time.monotonic()
            wait = reporter.tick(now) - now
            if job.cancelled and interrupted_at is None:
                interrupted_at = now
            if deadline is not None and interrupted_at is None:
                if now >= deadline:
                    interrupted_at = now
                    os.kill(proc.pid, signal.SIGINT)
                else:
                    wait = min(wait, deadline - now)
            if interrupted_at is not None:
                if now - interrupted_at >= INTERRUPT_GRACE:
                    killed = True
                    self.kill()
                    break
                wait = min(wait, interrupted_at + INTERRUPT_GRACE - now)
            for key, _ in sel.select(max(wait, 0)):
                data = os.read(key.fd, 65536)
                if key.fd in captures:
                    if data:
                        captures[key.fd].add(data)
                    else:
                        sel.unregister(key.fd)
                    continue
                if not data:
                    reply = False
                    break
                searched = len(self.pending)
                self.pending += data
                end = self.pending.find(b"\n", searched)
                if end != -1:
                    line = bytes(self.pending[:end])
                    del self.pending[:end + 1]
                    try:
                        reply = json.loads(line)
                    except ValueError:
                        reply = None
                    if not isinstance(reply, dict):
                        reply = None
                        killed = True  # not a reply of worker.py: the cell's own code wrote it
                        self.kill()
                    break
                if len(self.pending) > WORKER_REPLY_LIMIT:
                    oversize = killed = True
                    self.kill()
                    break
        # Output written before the reply is already in the pipes: collect it. Stop soon even if
        # a background process of the cell keeps writing.
        drain_until = time.monotonic() + EXIT_GRACE
        while time.monotonic() < drain_until:
            ready = [key for key, _ in sel.select(0) if key.fd in captures]
            if not ready:
                break
            for key in ready:
                data = os.read(key.fd, 65536)
                if data:
                    captures[key.fd].add(data)
                else:
                    sel.unregister(key.fd)
        died = None
        if not reply:
            try:
                returncode = proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self.kill()
                returncode = agent_procs.reap(proc, self.kill)
            died = {"exit_code": returncode if returncode >= 0 else None, "signal": signal_name(returncode)}
            if killed:
                died = None
            state = "lost"
            self.stop()
            reply = {"notes": ["The interpreter was stopped: its reply to the sandbox's supervisor was %s; its state was lost" % (
                "over %d MiB" % (WORKER_REPLY_LIMIT >> 20) if oversize else "not valid")]} if killed and interrupted_at is None else {}
        value, error, images, notes = _checked(reply, req)
        return {"result": {
            "stdout": out.to_json(), "stderr": err.to_json(),
            "value": value, "error": error, "images": images, "notes": notes,
            "timed_out": interrupted_at is not None and not job.cancelled,
            "cancelled": job.cancelled, "state": state, "died": died,
            "duration_ms": (time.monotonic() - started) * 1000,
        }}


# Most notes relayed, and characters of each (the server keeps as many).
MAX_NOTES = 16
MAX_NOTE = 2000
# Characters a text may run over its limit: room for the note of a cut the worker made.
CUT_ROOM = 64
# The media types an image may say it has, and what its data may be: base64, whose characters
# JSON writes as themselves (the server checks the same). Characters it escapes took six or twelve
# bytes each: nine images of 533 336 emoji made a reply of 58 MB, +114 MiB in the server.
IMAGE_TYPE = re.compile(r"image/[a-z0-9.+-]{1,40}\Z")
BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}\Z")
# The largest width or height an image may say it has.
IMAGE_SIDE = 100_000


def cut(text, limit):
    """`text` cut to `limit` characters with a note saying how many more it had, the way the
    worker and the server cut (the server keeps a text at most CUT_ROOM over its limit)."""
    if len(text) <= limit + CUT_ROOM:
        return text
    return text[:limit] + "\n[... %d more characters omitted ...]" % (len(text) - limit)


def _checked(reply, req):
    """The parts of the worker's reply the server reads, of the types it reads, with no more
    images than it keeps (and one more, so that it says some were left out) and no more notes.
    Texts are cut to the request's `max_output`, as the server cuts them. The cell's own code can
    write that reply: millions of tiny values in it cost the server gigabytes of memory and seconds
    to parse, and a 60 MB value 180 MB, which no sandbox's budget counts."""
    limit = int(req.get("max_output", 100_000))

    def text(v, most=limit):
        return cut(v, most) if isinstance(v, str) else None

    value = text(reply.get("value"))
    error = reply.get("error")
    if isinstance(error, dict):
        error = {k: text(error.get(k), 200 if k == "type" else limit) or "" for k in ("type", "message", "traceback")}
    else:
        error = None
    images = []
    left_out = 0
    # Base64 of the largest image the server keeps: a larger one is not sent on (7 MB images, or
    # types of 7 MB, in a reply the cell wrote took the server 250 to 530 MiB a call).
    max_bytes = int(req.get("max_image_bytes", 400_000))
    most = 4 * -(-max_bytes // 3)
    raw = reply.get("images")
    for image in raw[:int(req.get("max_images", 8)) + 1] if isinstance(raw, list) else ():
        if not isinstance(image, dict):
            continue
        kept = {k: image.get(k) for k in ("data", "mime_type", "width", "height", "bytes")}
        if (all(isinstance(kept[k], str) for k in ("data", "mime_type")) and
                all(type(kept[k]) is int for k in ("width", "height", "bytes"))):
            if (len(kept["data"]) > most or not IMAGE_TYPE.match(kept["mime_type"]) or
                    not BASE64.match(kept["data"]) or
                    not all(0 <= kept[k] <= IMAGE_SIDE for k in ("width", "height")) or
                    not 0 <= kept["bytes"] <= max_bytes):
                left_out += 1
            else:
                images.append(kept)
    raw = reply.get("notes")
    notes = [n[:MAX_NOTE] for n in raw[:MAX_NOTES] if isinstance(n, str)] if isinstance(raw, list) else []
    if left_out:
        notes = notes[:MAX_NOTES - 1] + ["%d image(s) the interpreter sent were left out: over %d bytes, or not a base64 image" % (left_out, max_bytes)]
    return value, error, images, notes


interpreter = Interpreter()
