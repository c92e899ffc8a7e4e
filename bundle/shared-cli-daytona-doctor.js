// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  decodeCaptured
} from "./shared-cli-daytona-doctor-server.js";
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-server.js";

// src/log.ts
var LEVELS = [
  "error",
  "warn",
  "info",
  "debug"
];
function isLogLevel(value) {
  return LEVELS.includes(value);
}
__name(isLogLevel, "isLogLevel");
function createLogger(level = "info") {
  const limit = LEVELS.indexOf(level);
  const encoder = new TextEncoder();
  const write = /* @__PURE__ */ __name((at, message) => {
    if (LEVELS.indexOf(at) > limit) return;
    Deno.stderr.writeSync(encoder.encode(`[daytona-mcp] ${at}: ${message}
`));
  }, "write");
  return {
    error: /* @__PURE__ */ __name((message) => write("error", message), "error"),
    warn: /* @__PURE__ */ __name((message) => write("warn", message), "warn"),
    info: /* @__PURE__ */ __name((message) => write("info", message), "info"),
    debug: /* @__PURE__ */ __name((message) => write("debug", message), "debug")
  };
}
__name(createLogger, "createLogger");
function silentLogger() {
  const drop = /* @__PURE__ */ __name(() => {
  }, "drop");
  return {
    error: drop,
    warn: drop,
    info: drop,
    debug: drop
  };
}
__name(silentLogger, "silentLogger");

// src/providers/agent/ops.ts
function toFileInfo(raw) {
  const { modified, replaced: _, ...rest } = raw;
  return {
    ...rest,
    modified: new Date(modified * 1e3).toISOString()
  };
}
__name(toFileInfo, "toFileInfo");
function toWrittenFile(raw) {
  return {
    ...toFileInfo(raw),
    replaced: raw.replaced === true
  };
}
__name(toWrittenFile, "toWrittenFile");
var MIB = 1024 * 1024;
function decodeStream(captured) {
  return decodeCaptured(Uint8Array.fromBase64(captured.head), Uint8Array.fromBase64(captured.tail), captured.total);
}
__name(decodeStream, "decodeStream");
var AgentOps = class {
  static {
    __name(this, "AgentOps");
  }
  #transport;
  constructor(transport) {
    this.#transport = transport;
  }
  async exec(command, options = {}) {
    const raw = await this.#transport.request("exec", {
      ...typeof command === "string" ? {
        command
      } : {
        argv: command
      },
      cwd: options.cwd,
      env: options.env,
      timeout: options.timeoutMs === void 0 ? void 0 : options.timeoutMs / 1e3,
      max_output: options.maxOutputBytes ?? 1e5
    }, {
      signal: options.signal,
      onLine: options.onOutput
    });
    const stdout = decodeStream(raw.stdout);
    const stderr = decodeStream(raw.stderr);
    return {
      stdout: stdout.text,
      stderr: stderr.text,
      exitCode: raw.exit_code,
      signal: raw.signal,
      timedOut: raw.timed_out,
      cancelled: raw.cancelled,
      durationMs: raw.duration_ms,
      truncated: stdout.truncated || stderr.truncated,
      stdoutBytes: raw.stdout.total,
      stderrBytes: raw.stderr.total
    };
  }
  async runPython(code, options = {}) {
    const raw = await this.#transport.request("python", {
      code,
      timeout: options.timeoutMs === void 0 ? void 0 : options.timeoutMs / 1e3,
      max_output: options.maxOutputBytes ?? 1e5,
      max_image_bytes: options.maxImageBytes ?? 4e5,
      max_images: options.maxImages ?? 8
    }, {
      signal: options.signal,
      onLine: options.onOutput
    });
    const stdout = decodeStream(raw.stdout);
    const stderr = decodeStream(raw.stderr);
    return {
      stdout: stdout.text,
      stderr: stderr.text,
      result: raw.value,
      error: raw.error,
      images: raw.images.map(({ mime_type, ...image }) => ({
        ...image,
        mimeType: mime_type
      })),
      notes: raw.notes,
      timedOut: raw.timed_out,
      cancelled: raw.cancelled,
      state: raw.state,
      freshInterpreter: raw.fresh,
      died: raw.died && {
        exitCode: raw.died.exit_code,
        signal: raw.died.signal
      },
      durationMs: raw.duration_ms,
      truncated: stdout.truncated || stderr.truncated
    };
  }
  async resetPython(options = {}) {
    await this.#transport.request("python_reset", {}, options);
  }
  async stat(path, options = {}) {
    return toFileInfo(await this.#transport.request("stat", {
      path
    }, options));
  }
  readFile(path, options = {}) {
    const transport = this.#transport;
    const chunkSize = Math.min(options.chunkSize ?? MIB, 4 * MIB);
    let offset = options.offset ?? 0;
    const end = options.length === void 0 ? Infinity : offset + options.length;
    return new ReadableStream({
      async pull(controller) {
        const want = Math.min(chunkSize, end - offset);
        if (want <= 0) return controller.close();
        const { data } = await transport.request("read", {
          path,
          offset,
          length: want
        }, {
          signal: options.signal
        });
        const bytes = typeof data === "string" ? Uint8Array.fromBase64(data) : data;
        offset += bytes.length;
        if (bytes.length > 0) controller.enqueue(bytes);
        if (bytes.length < want) controller.close();
      }
    });
  }
  async writeFile(path, data, options = {}) {
    const upload = crypto.randomUUID().slice(0, 8);
    const overwrite = options.overwrite ?? true;
    let raw;
    for (let start = 0; start === 0 || start < data.length; start += MIB) {
      const last = start + MIB >= data.length;
      raw = await this.#transport.request("write", {
        path,
        upload,
        overwrite,
        first: start === 0,
        last,
        data: data.subarray(start, start + MIB).toBase64()
      }, options);
      if (last) break;
    }
    return toWrittenFile(raw);
  }
  async listFiles(path, options = {}) {
    const raw = await this.#transport.request("list", {
      path,
      depth: options.depth ?? 1,
      limit: options.limit ?? 1e3
    }, options);
    return {
      path: raw.path,
      entries: raw.entries.map(toFileInfo),
      truncated: raw.truncated
    };
  }
  /** Moves a file uploaded to `temp` by other means to `path` (see writeFile's guarantees). */
  async commitUpload(temp, path, overwrite, options = {}) {
    return toWrittenFile(await this.#transport.request("commit_upload", {
      temp,
      path,
      overwrite
    }, options));
  }
};

// src/providers/agent/_runtime.ts
var AGENT_PY = '# Supervisor that runs inside the sandbox. It reads JSON requests, one per line, on stdin and writes\n# JSON replies, one per line, on stdout. Each command runs in its own process group so that a timeout\n# or a cancellation kills everything it started, while a command that backgrounds a server returns at\n# once and leaves the server running. One long-lived Python worker keeps notebook-like state.\nimport base64\nimport collections\nimport errno\nimport fcntl\nimport json\nimport os\nimport selectors\nimport signal\nimport socket\nimport stat\nimport subprocess\nimport sys\nimport queue\nimport threading\nimport time\n\nHOME = os.environ.get("HOME", "/")\nRUNTIME = os.path.dirname(os.path.abspath(__file__))\nPYTHON = os.environ.pop("SANDBOX_PYTHON", sys.executable)\nLIMITS = os.environ.pop("SANDBOX_LIMITS", "")\n# Set when the server moves the sandbox into its control group after the spawn: the agent then\n# starts nothing (no thread that could fork, no interpreter) until the server says "start".\nHOLD = os.environ.pop("SANDBOX_HOLD", "")\n# "pid1" when the agent is the sandbox\'s PID 1 (the local provider): it then protects itself and\n# reaps orphans (protect.py).\nSUPERVISOR = os.environ.pop("SANDBOX_SUPERVISOR", "")\n# The `internet` network mode\'s relay to the server\'s egress proxy (net.py), when set.\nNET = os.environ.pop("SANDBOX_NET", "")\nBASE_ENV = dict(os.environ)\n# After a command exits, how long to keep reading output that its background children may still hold.\nEXIT_GRACE = 0.05\n# How long an interrupted Python cell may take to unwind before the interpreter is killed.\nINTERRUPT_GRACE = 2.0\n# The largest reply the interpreter may send (figures included); a bigger one ends the interpreter.\nWORKER_REPLY_LIMIT = 64 * 1024 * 1024\nLINE_EVERY = 0.5\n\n_out = sys.stdout.buffer\n_out_lock = threading.Lock()\n\n\n# Remote mode keeps each request\'s latest progress line here for `wait` replies (see serve()).\nprogress = None\n\n\ndef send(message):\n    """Writes one reply line. File data (bytes in result["data"]) follows the line raw, its length\n    given as result["_binary"]: no base64, no JSON escaping for the bulk of a read."""\n    if progress is not None and "line" in message:\n        progress[message.get("id")] = (message["line"], message.get("bytes", 0))\n        return\n    result = message.get("result")\n    raw = None\n    if isinstance(result, dict) and isinstance(result.get("data"), bytes):\n        raw = result.pop("data")\n        result["_binary"] = len(raw)\n    data = (json.dumps(message, separators=(",", ":")) + "\\n").encode()\n    with _out_lock:\n        _out.write(data)\n        if raw is not None:\n            _out.write(raw)\n        _out.flush()\n\n\nclass Capture:\n    """Keeps the first and the last `limit // 2` bytes of a stream and counts all of it."""\n\n    def __init__(self, limit):\n        self.head_limit = limit // 2\n        self.tail_limit = limit - self.head_limit\n        self.head = bytearray()\n        self.tail = bytearray()\n        self.total = 0\n        self.recent = b""\n\n    def add(self, data):\n        self.total += len(data)\n        self.recent = (self.recent + data)[-512:]\n        room = self.head_limit - len(self.head)\n        if room > 0:\n            self.head += data[:room]\n            data = data[room:]\n        if data:\n            self.tail += data\n            if len(self.tail) > self.tail_limit:\n                del self.tail[: len(self.tail) - self.tail_limit]\n\n    def last_line(self):\n        lines = self.recent.rstrip(b"\\r\\n").replace(b"\\r", b"\\n").rsplit(b"\\n", 1)\n        return lines[-1][-200:].decode("utf-8", "replace")\n\n    def to_json(self):\n        return {\n            "head": base64.b64encode(bytes(self.head)).decode(),\n            "tail": base64.b64encode(bytes(self.tail)).decode(),\n            "total": self.total,\n        }\n\n\ndef shutil_which(name):\n    import shutil\n    return shutil.which(name, path=BASE_ENV.get("PATH"))\n\n\ndef open_pidfd(pid):\n    try:\n        return os.pidfd_open(pid)\n    except (AttributeError, OSError):\n        return None\n\n\ndef drain_forever(fds):\n    """Reads and discards what background processes still write, so they never get SIGPIPE."""\n    sel = selectors.DefaultSelector()\n    for fd in fds:\n        sel.register(fd, selectors.EVENT_READ)\n    while sel.get_map():\n        for key, _ in sel.select():\n            if not os.read(key.fd, 65536):\n                sel.unregister(key.fd)\n                os.close(key.fd)\n\n\nclass Job:\n    """One running command or Python cell that a cancel request can stop."""\n\n    def __init__(self):\n        self.cancelled = False\n        self.kill = lambda: None\n\n    def cancel(self):\n        self.cancelled = True\n        self.kill()\n\n\njobs = {}\njobs_lock = threading.Lock()\n# Every process group this agent started, so that none outlives the sandbox.\ngroups = set()\n\n\ndef kill_group(pid):\n    try:\n        os.killpg(pid, signal.SIGKILL)\n    except (ProcessLookupError, PermissionError):\n        pass\n\n\ndef signal_name(returncode):\n    if returncode is None or returncode >= 0:\n        return None\n    try:\n        return signal.Signals(-returncode).name\n    except ValueError:\n        return "SIG%d" % -returncode\n\n\nclass LineReporter:\n    """Sends the latest output line of a request now and then, for progress notifications."""\n\n    def __init__(self, rid, captures):\n        self.rid = rid\n        self.captures = captures\n        self.sent_total = 0\n        self.next_at = time.monotonic() + LINE_EVERY\n\n    def tick(self, now):\n        if now < self.next_at:\n            return self.next_at\n        self.next_at = now + LINE_EVERY\n        newest = max(self.captures, key=lambda c: c.total)\n        total = sum(c.total for c in self.captures)\n        if total != self.sent_total:\n            self.sent_total = total\n            send({"id": self.rid, "line": newest.last_line(), "bytes": total})\n        return self.next_at\n\n\ndef run_command(rid, req, job):\n    cwd = req.get("cwd") or HOME\n    if not os.path.isdir(cwd):\n        return {"error": {"field": "cwd", "message": "Cannot run command: cwd \'%s\' is not a directory in the sandbox" % cwd}}\n    env = dict(BASE_ENV)\n    env.update(req.get("env") or {})\n    limit = req.get("max_output", 100_000)\n    timeout = req.get("timeout")\n    started = time.monotonic()\n    argv = req.get("argv") or ["/bin/sh", "-c", req["command"]]\n    if LIMIT_PREFIX and shutil_which(argv[0]) is None and "/" not in argv[0]:\n        return {"error": {"field": "command", "message": "Cannot start command: %s is not installed in the sandbox" % argv[0]}}\n    try:\n        proc = spawner.spawn(lambda: subprocess.Popen(\n            LIMIT_PREFIX + argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,\n            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,\n        ))\n    except FileNotFoundError:\n        return {"error": {"field": "command", "message": "Cannot start command: %s is not installed in the sandbox" % argv[0]}}\n    except (OSError, ValueError) as e:\n        return {"error": {"field": "command", "message": "Cannot start command: %s" % e}}\n    groups.add(proc.pid)\n    job.kill = lambda: kill_group(proc.pid)\n    if job.cancelled:\n        job.kill()\n    out, err = Capture(limit), Capture(limit)\n    captures = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}\n    reporter = LineReporter(rid, [out, err])\n    sel = selectors.DefaultSelector()\n    for fd in captures:\n        sel.register(fd, selectors.EVENT_READ)\n    pidfd = open_pidfd(proc.pid)\n    if pidfd is not None:\n        sel.register(pidfd, selectors.EVENT_READ)\n    deadline = started + timeout if timeout else None\n    timed_out = False\n    exited_at = None\n    open_fds = set(captures)\n    while open_fds:\n        now = time.monotonic()\n        wait = reporter.tick(now) - now\n        if deadline is not None and not timed_out:\n            if now >= deadline:\n                timed_out = True\n                kill_group(proc.pid)\n            else:\n                wait = min(wait, deadline - now)\n        if exited_at is None and pidfd is None and proc.poll() is not None:\n            exited_at = now\n        if exited_at is not None:\n            if now - exited_at >= EXIT_GRACE:\n                break\n            wait = min(wait, exited_at + EXIT_GRACE - now)\n        elif pidfd is None:\n            wait = min(wait, 0.02)\n        for key, _ in sel.select(max(wait, 0)):\n            if key.fd == pidfd:\n                sel.unregister(pidfd)\n                exited_at = time.monotonic()\n                continue\n            data = os.read(key.fd, 65536)\n            if data:\n                captures[key.fd].add(data)\n            else:\n                sel.unregister(key.fd)\n                open_fds.discard(key.fd)\n    sel.close()\n    if pidfd is not None:\n        os.close(pidfd)\n    if open_fds:\n        # Background processes still hold the output pipes: keep them drained, return now.\n        fds = [os.dup(fd) for fd in open_fds]\n        threading.Thread(target=drain_forever, args=(fds,), daemon=True).start()\n    proc.stdout.close()\n    proc.stderr.close()\n    returncode = proc.wait()\n    spawner.release(proc.pid)\n    try:\n        os.killpg(proc.pid, 0)\n    except ProcessLookupError:\n        groups.discard(proc.pid)  # nothing of this command lives on\n    except PermissionError:\n        pass\n    return {"result": {\n        "stdout": out.to_json(), "stderr": err.to_json(),\n        "exit_code": returncode if returncode >= 0 else None,\n        "signal": signal_name(returncode),\n        "timed_out": timed_out, "cancelled": job.cancelled,\n        "duration_ms": (time.monotonic() - started) * 1000,\n    }}\n\n\nclass Interpreter:\n    """The long-lived Python worker. Cells run one at a time; state lives until reset or death."""\n\n    def __init__(self):\n        self.lock = threading.Lock()\n        self.proc = None\n        self.fresh = False\n\n    def start(self):\n        to_worker_r, to_worker_w = os.pipe()\n        from_worker_r, from_worker_w = os.pipe()\n        env = dict(BASE_ENV)\n        env["SANDBOX_WORKER_FDS"] = "%d,%d" % (to_worker_r, from_worker_w)\n        self.proc = spawner.spawn(lambda: subprocess.Popen(\n            LIMIT_PREFIX + [PYTHON, "-X", "utf8", os.path.join(RUNTIME, "worker.py")], cwd=HOME, env=env,\n            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,\n            pass_fds=(to_worker_r, from_worker_w), start_new_session=True,\n        ))\n        os.close(to_worker_r)\n        os.close(from_worker_w)\n        self.to_worker = to_worker_w\n        self.from_worker = from_worker_r\n        self.pending = b""\n        self.fresh = True\n        # One selector for the worker\'s life: its pipes, and the replies.\n        self.selector = selectors.DefaultSelector()\n        for fd in (self.proc.stdout.fileno(), self.proc.stderr.fileno(), self.from_worker):\n            self.selector.register(fd, selectors.EVENT_READ)\n\n    def stop(self):\n        if self.proc is None:\n            return\n        kill_group(self.proc.pid)\n        self.proc.wait()\n        spawner.release(self.proc.pid)\n        self.selector.close()\n        for f in (self.proc.stdout, self.proc.stderr):\n            f.close()\n        for fd in (self.to_worker, self.from_worker):\n            os.close(fd)\n        self.proc = None\n\n    def warm(self):\n        with self.lock:\n            if self.proc is None:\n                self.start()\n\n    def reset(self):\n        with self.lock:\n            self.stop()\n            self.start()\n        return {"result": {"reset": True}}\n\n    def run(self, rid, req, job):\n        with self.lock:\n            if self.proc is None:\n                self.start()\n            fresh, self.fresh = self.fresh, False\n            reply = self._run(rid, req, job)\n            reply["result"]["fresh"] = fresh\n            return reply\n\n    def _run(self, rid, req, job):\n        proc = self.proc\n        limit = req.get("max_output", 100_000)\n        timeout = req.get("timeout")\n        started = time.monotonic()\n        cell = {k: req[k] for k in ("code", "max_image_bytes", "max_images", "max_repr") if k in req}\n        try:\n            os.write(self.to_worker, (json.dumps(cell) + "\\n").encode())\n        except BrokenPipeError:\n            pass  # the worker is dead; the loop below notices and reports it\n        interrupted_at = None\n        job.kill = lambda: os.kill(proc.pid, signal.SIGINT)\n        if job.cancelled:\n            job.kill()\n        out, err = Capture(limit), Capture(limit)\n        captures = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}\n        reporter = LineReporter(rid, [out, err])\n        sel = self.selector\n        deadline = started + timeout if timeout else None\n        reply = None\n        state = "kept"\n        killed = False\n        oversize = False\n        while reply is None:\n            now = time.monotonic()\n            wait = reporter.tick(now) - now\n            if job.cancelled and interrupted_at is None:\n                interrupted_at = now\n            if deadline is not None and interrupted_at is None:\n                if now >= deadline:\n                    interrupted_at = now\n                    os.kill(proc.pid, signal.SIGINT)\n                else:\n                    wait = min(wait, deadline - now)\n            if interrupted_at is not None:\n                if now - interrupted_at >= INTERRUPT_GRACE:\n                    killed = True\n                    kill_group(proc.pid)\n                    break\n                wait = min(wait, interrupted_at + INTERRUPT_GRACE - now)\n            for key, _ in sel.select(max(wait, 0)):\n                data = os.read(key.fd, 65536)\n                if key.fd in captures:\n                    if data:\n                        captures[key.fd].add(data)\n                    else:\n                        sel.unregister(key.fd)\n                    continue\n                if not data:\n                    reply = False\n                    break\n                self.pending += data\n                if b"\\n" in self.pending:\n                    line, self.pending = self.pending.split(b"\\n", 1)\n                    try:\n                        reply = json.loads(line)\n                    except ValueError:\n                        reply = None\n                    if not isinstance(reply, dict):\n                        reply = None\n                        killed = True  # not a reply of worker.py: the cell\'s own code wrote it\n                        kill_group(proc.pid)\n                    break\n                if len(self.pending) > WORKER_REPLY_LIMIT:\n                    oversize = killed = True\n                    kill_group(proc.pid)\n                    break\n        # Output written before the reply is already in the pipes: collect it. Stop soon even if\n        # a background process of the cell keeps writing.\n        drain_until = time.monotonic() + EXIT_GRACE\n        while time.monotonic() < drain_until:\n            ready = [key for key, _ in sel.select(0) if key.fd in captures]\n            if not ready:\n                break\n            for key in ready:\n                data = os.read(key.fd, 65536)\n                if data:\n                    captures[key.fd].add(data)\n                else:\n                    sel.unregister(key.fd)\n        died = None\n        if not reply:\n            try:\n                returncode = proc.wait(timeout=1)\n            except subprocess.TimeoutExpired:\n                kill_group(proc.pid)\n                returncode = proc.wait()\n            died = {"exit_code": returncode if returncode >= 0 else None, "signal": signal_name(returncode)}\n            if killed:\n                died = None\n            state = "lost"\n            self.stop()\n            reply = {"notes": ["The interpreter was stopped: its reply to the sandbox\'s supervisor was %s; its state was lost" % (\n                "over %d MiB" % (WORKER_REPLY_LIMIT >> 20) if oversize else "not valid")]} if killed and interrupted_at is None else {}\n        return {"result": {\n            "stdout": out.to_json(), "stderr": err.to_json(),\n            "value": reply.get("value"), "error": reply.get("error"),\n            "images": reply.get("images", []), "notes": reply.get("notes", []),\n            "timed_out": interrupted_at is not None and not job.cancelled,\n            "cancelled": job.cancelled, "state": state, "died": died,\n            "duration_ms": (time.monotonic() - started) * 1000,\n        }}\n\n\ninterpreter = Interpreter()\n\n# File operations run here, inside the sandbox, as its user: paths and symlinks resolve exactly as\n# they do for the sandbox\'s processes, so nothing outside the sandbox can be reached through them.\nREAD_LIMIT = 4 * 1024 * 1024\n\nFILE_FAULTS = {\n    errno.ENOENT: ("not_found", "no such file or directory"),\n    errno.ENOTDIR: ("not_found", "a parent of it is not a directory"),\n    errno.EISDIR: ("is_directory", "it is a directory"),\n    errno.EACCES: ("permission", "permission denied"),\n    errno.EPERM: ("permission", "permission denied"),\n    errno.EROFS: ("read_only", "the file system is read-only there (only %s and /tmp are writable)" % HOME),\n    errno.EEXIST: ("exists", "it already exists"),\n    errno.ENOSPC: ("no_space", "no space left on the device"),\n    errno.ELOOP: ("not_found", "too many levels of symbolic links"),\n}\n\n\nclass FileFault(Exception):\n    def __init__(self, code, message):\n        super().__init__(message)\n        self.code = code\n\n\ndef fault(error, verb, path):\n    code, why = FILE_FAULTS.get(error.errno, ("io", error.strerror or str(error)))\n    return FileFault(code, "Cannot %s %s: %s" % (verb, path, why))\n\n\ndef resolve(path):\n    if path == "~" or path.startswith("~/"):\n        path = HOME + path[1:]\n    return os.path.normpath(os.path.join(HOME, path))\n\n\ndef describe(path, st, name=None):\n    mode = st.st_mode\n    kind = ("directory" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode)\n            else "symlink" if stat.S_ISLNK(mode) else "other")\n    info = {"path": path, "name": name or os.path.basename(path) or "/", "type": kind,\n            "size": st.st_size, "modified": st.st_mtime, "mode": stat.filemode(mode)}\n    if kind == "symlink":\n        try:\n            info["target"] = os.readlink(path)\n        except OSError:\n            pass\n    return info\n\n\ndef op_stat(req):\n    path = resolve(req["path"])\n    try:\n        return {"result": describe(path, os.stat(path))}\n    except OSError as e:\n        raise fault(e, "read", path)\n\n\ndef op_read(req):\n    path = resolve(req["path"])\n    offset = max(0, int(req.get("offset", 0)))\n    length = max(0, min(int(req.get("length", READ_LIMIT)), READ_LIMIT))\n    try:\n        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)\n    except OSError as e:\n        raise fault(e, "read", path)\n    try:\n        st = os.fstat(fd)\n        if not stat.S_ISREG(st.st_mode):\n            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"\n            raise FileFault("is_directory" if stat.S_ISDIR(st.st_mode) else "not_file",\n                            "Cannot read %s: it is %s" % (path, kind))\n        data = os.pread(fd, length, offset)\n    finally:\n        os.close(fd)\n    return {"result": {"data": data, "size": st.st_size}}\n\n\ndef op_write(req):\n    """Uploads arrive in chunks into a hidden temporary file that replaces the target at the end,\n    so a failed upload never leaves a half-written file in place of the old one."""\n    path = resolve(req["path"])\n    parent = os.path.dirname(path)\n    temp = os.path.join(parent, ".%s.upload-%s" % (os.path.basename(path), req["upload"]))\n    data = base64.b64decode(req.get("data", ""))\n    try:\n        if req.get("first"):\n            os.makedirs(parent, exist_ok=True)\n            if os.path.isdir(path):\n                raise FileFault("is_directory", "Cannot write %s: it is a directory" % path)\n            if not req.get("overwrite", True) and os.path.lexists(path):\n                raise FileFault("exists", "Cannot write %s: it already exists and overwrite is false" % path)\n            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL\n        else:\n            flags = os.O_WRONLY | os.O_APPEND\n        fd = os.open(temp, flags, 0o644)\n        try:\n            view = memoryview(data)\n            while view:\n                view = view[os.write(fd, view):]\n        finally:\n            os.close(fd)\n        if not req.get("last"):\n            return {"result": {"path": path}}\n        return {"result": _put_in_place(temp, path, req.get("overwrite", True))}\n    except FileFault:\n        raise\n    except OSError as e:\n        try:\n            os.unlink(temp)\n        except OSError:\n            pass\n        raise fault(e, "write", path)\n\n\ndef op_list(req):\n    root = resolve(req.get("path") or ".")\n    depth = max(1, int(req.get("depth", 1)))\n    limit = int(req.get("limit", 1000))\n    try:\n        if not stat.S_ISDIR(os.stat(root).st_mode):\n            raise FileFault("not_directory", "Cannot list %s: it is not a directory" % root)\n    except OSError as e:\n        raise fault(e, "list", root)\n    entries = []\n    truncated = False\n    pending = [(root, 1)]\n    while pending:\n        directory, level = pending.pop(0)\n        try:\n            with os.scandir(directory) as it:\n                children = sorted(it, key=lambda entry: entry.name)\n        except OSError:\n            continue  # unreadable subdirectory: list what can be listed\n        for entry in children:\n            if len(entries) >= limit:\n                truncated = True\n                break\n            try:\n                st = entry.stat(follow_symlinks=False)\n            except OSError:\n                continue\n            entries.append(describe(entry.path, st, entry.name))\n            if level < depth and entry.is_dir(follow_symlinks=False):\n                pending.append((entry.path, level + 1))\n    return {"result": {"path": root, "entries": entries, "truncated": truncated}}\n\n\ndef _put_in_place(temp, path, overwrite):\n    """Moves a finished upload to its name, and describes it, saying whether it replaced a file."""\n    replaced = False\n    if overwrite:\n        replaced = os.path.lexists(path)\n        os.replace(temp, path)\n    else:\n        os.link(temp, path)  # fails if the target appeared meanwhile: never clobbers\n        os.unlink(temp)\n    info = describe(path, os.stat(path))\n    info["replaced"] = replaced\n    return info\n\n\ndef op_commit_upload(req):\n    """Moves a file uploaded by other means (Daytona\'s toolbox) into place, like op_write\'s end."""\n    path = resolve(req["path"])\n    temp = resolve(req["temp"])\n    try:\n        if os.path.isdir(path):\n            raise FileFault("is_directory", "Cannot write %s: it is a directory" % path)\n        return {"result": _put_in_place(temp, path, req.get("overwrite", True))}\n    except OSError as e:\n        raise fault(e, "write", path)\n    finally:\n        if os.path.lexists(temp):\n            os.unlink(temp)\n\n\nrelay = None\n\n\ndef op_tunnel(req):\n    """Connects a port inside to the server for one web_preview connection (net.py)."""\n    port = int(req["port"])\n    if relay is None:\n        return {"error": {"field": "port", "message": "Cannot forward port %d: the sandbox has no relay" % port}}\n    try:\n        relay.tunnel(port, str(req["token"]), req["inbound"])\n    except OSError as e:\n        return {"error": {"message": "Cannot reach port %d in the sandbox: %s" % (port, e.strerror or e)}}\n    return {"result": {"port": port}}\n\n\nFILE_OPS = {"stat": op_stat, "read": op_read, "write": op_write, "list": op_list,\n            "commit_upload": op_commit_upload, "tunnel": op_tunnel}\n\n\ndef handle(req):\n    """Runs one request and returns its reply (None for a cancel, which has none)."""\n    rid = req.get("id")\n    op = req.get("op")\n    if op == "cancel":\n        with jobs_lock:\n            job = jobs.get(req.get("target"))\n        if job is not None:\n            job.cancel()\n        return None\n    job = Job()\n    with jobs_lock:\n        jobs[rid] = job\n    try:\n        if op == "exec":\n            reply = run_command(rid, req, job)\n        elif op == "python":\n            reply = interpreter.run(rid, req, job)\n        elif op == "python_reset":\n            reply = interpreter.reset()\n        elif op in FILE_OPS:\n            reply = FILE_OPS[op](req)\n        else:\n            reply = {"error": {"field": "op", "message": "Unknown operation: %r" % op}}\n    except FileFault as e:\n        reply = {"error": {"code": e.code, "message": str(e)}}\n    except Exception as e:  # report, never die: the sandbox must stay usable\n        reply = {"error": {"message": "Sandbox agent failed: %s: %s" % (type(e).__name__, e)}}\n    finally:\n        with jobs_lock:\n            jobs.pop(rid, None)\n    reply["id"] = rid\n    return reply\n\n\ndef handle_and_send(req):\n    reply = handle(req)\n    if reply is not None:\n        send(reply)\n\n\n# Remote mode, for sandboxes reached only through a command API (Daytona): a long-lived server on\n# a unix socket holds the state (the interpreter, background processes\' pipes), and each API call\n# runs `agent.py call SOCKET REQUEST`, which starts the server if needed and prints the reply.\n\n\ndef serve(path):\n    global progress\n    progress = {}\n    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)\n    if os.path.exists(path):\n        os.unlink(path)\n    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n    server.bind(path)\n    os.chmod(path, 0o600)\n    server.listen(64)\n    threading.Thread(target=interpreter.warm, daemon=True).start()\n    while True:\n        conn, _ = server.accept()\n        threading.Thread(target=serve_one, args=(conn,), daemon=True).start()\n\n\ndef read_line(conn):\n    data = b""\n    while not data.endswith(b"\\n"):\n        chunk = conn.recv(65536)\n        if not chunk:\n            break\n        data += chunk\n    return data\n\n\n# An HTTP client may silently send a request twice (a retry on a dropped keep-alive connection).\n# Requests that must not run twice are remembered by id: a repeat waits for and gets the first\n# one\'s reply instead of running again.\nONCE_OPS = {"exec", "python", "python_reset", "commit_upload", "write"}\nrecent = collections.OrderedDict()\nrecent_lock = threading.Lock()\n\n\n# Calls that may run long enough to be detached (see await_reply).\nDETACHABLE = {"exec", "python"}\n\n\ndef handle_once(req):\n    if req.get("op") not in ONCE_OPS:\n        return handle(req)\n    rid = req.get("id")\n    with recent_lock:\n        entry = recent.get(rid)\n        first = entry is None\n        if first:\n            entry = recent[rid] = {"done": threading.Event(), "reply": None}\n            while len(recent) > 64:\n                recent.popitem(last=False)\n    wait = req.get("wait") if req.get("op") in DETACHABLE else None\n    if first and wait is not None:\n        # Detached: the call runs on whether or not this request is still there to hear it.\n        threading.Thread(target=finish, args=(entry, req), daemon=True).start()\n    elif first:\n        finish(entry, req)\n    return await_reply(rid, entry, wait)\n\n\ndef finish(entry, req):\n    try:\n        entry["reply"] = handle(req)\n    finally:\n        entry["done"].set()\n\n\ndef await_reply(rid, entry, wait):\n    """The call\'s reply, or after `wait` seconds {"pending": true} with its latest output line:\n    a request through a proxy must not last long, and the host follows the call with `wait`."""\n    if not entry["done"].wait(wait):\n        line, total = (progress or {}).get(rid, ("", 0))\n        return {"id": rid, "pending": True, "line": line, "bytes": total}\n    if progress is not None:\n        progress.pop(rid, None)\n    return entry["reply"]\n\n\ndef follow(req):\n    """`{"op": "wait", "target": id, "wait": s}`: waits some more for a detached call."""\n    rid = req.get("target")\n    with recent_lock:\n        entry = recent.get(rid)\n    if entry is None:\n        return {"id": rid, "error": {"message": "Cannot follow the call: the sandbox agent no longer knows it (it was restarted, e.g. because the sandbox stopped)"}}\n    return await_reply(rid, entry, req.get("wait"))\n\n\ndef serve_one(conn):\n    with conn:\n        line = read_line(conn)\n        if not line:\n            return\n        req = json.loads(line)\n        reply = follow(req) if req.get("op") == "wait" else handle_once(req)\n        if reply is not None:\n            result = reply.get("result")\n            if isinstance(result, dict) and isinstance(result.get("data"), bytes):\n                result["data"] = base64.b64encode(result["data"]).decode()\n            conn.sendall((json.dumps(reply, separators=(",", ":")) + "\\n").encode())\n\n\ndef connect(path):\n    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n    try:\n        conn.connect(path)\n        return conn\n    except OSError:\n        conn.close()\n        return None\n\n\ndef connect_or_start(path):\n    conn = connect(path)\n    if conn is not None:\n        return conn\n    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)\n    with open(path + ".lock", "w") as lock:\n        fcntl.flock(lock, fcntl.LOCK_EX)  # one caller starts the server; the others wait for it\n        conn = connect(path)\n        if conn is not None:\n            return conn\n        with open(path + ".log", "ab") as log:\n            subprocess.Popen([PYTHON, "-X", "utf8", os.path.abspath(__file__), "serve", path],\n                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,\n                             start_new_session=True, cwd=HOME)\n        deadline = time.monotonic() + 10\n        while time.monotonic() < deadline:\n            conn = connect(path)\n            if conn is not None:\n                return conn\n            time.sleep(0.01)\n    raise SystemExit("Cannot start the sandbox agent; see %s.log" % path)\n\n\ndef call(path, argument):\n    """Sends one request, read from stdin (`-`) or a file (`@path`, deleted after), and prints\n    the reply."""\n    if argument.startswith("@"):\n        with open(argument[1:], "rb") as f:\n            raw = f.read()\n        os.unlink(argument[1:])\n    elif argument == "-":\n        raw = sys.stdin.buffer.read()\n    else:\n        raise SystemExit("agent.py call: the request must be - (stdin) or @file")\n    rid = json.loads(raw).get("id")\n    with connect_or_start(path) as conn:\n        conn.sendall(raw.rstrip(b"\\n") + b"\\n")\n        reply = read_line(conn)\n    if not reply:\n        reply = (json.dumps({"id": rid, "error": {"message": "Cannot finish: the sandbox agent stopped during the call; the next call starts a new one"}}) + "\\n").encode()\n    sys.stdout.buffer.write(reply)\n\n\nclass _Spawner:\n    """Starts children as they are; replaced by protect.py\'s reaper when the agent is PID 1."""\n\n    def spawn(self, start):\n        return start()\n\n    def release(self, pid):\n        pass\n\n\nspawner = _Spawner()\nPROTECTIONS = {}\n\n\n# Prepended to every command and to the interpreter: caps the number of processes of the\n# sandbox\'s user for them, but not for the agent, which must keep working after a fork bomb.\nLIMIT_PREFIX = []\n\n\ndef apply_limits(spec):\n    """Caps the sandbox\'s processes: address space and file size through the agent\'s own limits,\n    which every process inherits; the number of processes through `prlimit` on each command. A\n    process over a limit fails or is killed; the sandbox and the server carry on."""\n    import resource\n    import shutil\n    sizes = {"memory_mb": resource.RLIMIT_AS, "file_mb": resource.RLIMIT_FSIZE}\n    for item in filter(None, spec.split(",")):\n        name, _, value = item.partition("=")\n        if int(value or 0) <= 0:\n            continue\n        if name in sizes:\n            limit = int(value) * 1024 * 1024\n            resource.setrlimit(sizes[name], (limit, limit))\n        elif name == "processes" and shutil.which("prlimit"):\n            LIMIT_PREFIX[:] = [shutil.which("prlimit"), "--nproc=%d" % int(value), "--"]\n\n\nclass _Pool:\n    """Runs each request on a thread of its own, reusing idle threads: starting a thread costs\n    more than most requests."""\n\n    def __init__(self):\n        self.lock = threading.Lock()\n        self.idle = 0\n        self.work = queue.SimpleQueue()\n\n    def dispatch(self, fn, arg):\n        with self.lock:\n            reuse = self.idle > 0\n            if reuse:\n                self.idle -= 1  # reserved for this request: it never waits behind a busy one\n        self.work.put((fn, arg))\n        if not reuse:\n            threading.Thread(target=self._serve, daemon=True).start()\n\n    def _serve(self):\n        while True:\n            fn, arg = self.work.get()\n            try:\n                fn(arg)\n            finally:\n                with self.lock:\n                    self.idle += 1\n\n\ndispatch = _Pool().dispatch\n\n\ndef main():\n    global spawner, relay\n    if HOLD and sys.stdin.buffer.readline().strip() != b"start":\n        return\n    if SUPERVISOR == "pid1":\n        from protect import protect\n        spawner, status = protect()\n        PROTECTIONS.update(status)\n    if NET:\n        import net\n        relay = net.start(NET)\n    apply_limits(LIMITS)\n    signal.signal(signal.SIGPIPE, signal.SIG_DFL)\n    threading.Thread(target=interpreter.warm, daemon=True).start()\n    send({"ready": True, "python": sys.version.split()[0], "home": HOME, "uid": os.getuid(),\n          "protections": PROTECTIONS})\n    for line in sys.stdin.buffer:\n        try:\n            req = json.loads(line)\n        except ValueError:\n            continue\n        if req.get("op") == "cancel":\n            handle(req)\n        else:\n            dispatch(handle_and_send, req)\n    # The host went away: take every process of this sandbox with us.\n    with jobs_lock:\n        for job in list(jobs.values()):\n            job.cancel()\n    interpreter.stop()\n    for pid in list(groups):\n        kill_group(pid)\n\n\nif __name__ == "__main__":\n    if len(sys.argv) == 3 and sys.argv[1] == "serve":\n        serve(sys.argv[2])\n    elif len(sys.argv) == 4 and sys.argv[1] == "call":\n        call(sys.argv[2], sys.argv[3])\n    else:\n        main()\n';
var WORKER_PY = `# The sandbox's Python interpreter: runs cells in one namespace, like a notebook kernel. Requests
# arrive as JSON lines on one inherited pipe and replies leave on another, so that stdout and stderr
# stay free for the user's code (and for any subprocess it starts).
import ast
import base64
import io
import json
import linecache
import os
import signal
import sys
import traceback
import types

_in_fd, _out_fd = (int(fd) for fd in os.environ.pop("SANDBOX_WORKER_FDS").split(","))
_requests = os.fdopen(_in_fd, "rb")
_replies = os.fdopen(_out_fd, "wb")
_running = False
_cells = 0

# The user's code gets a real __main__ module of its own, so pickle and dataclasses find its classes.
_main = types.ModuleType("__main__")
sys.modules["__main__"] = _main
namespace = _main.__dict__
sys.stdout.reconfigure(line_buffering=True)
sys.stderr.reconfigure(line_buffering=True)


def _on_interrupt(signum, frame):
    # Interrupts stop user code only; one that arrives between cells is ignored.
    if _running:
        raise KeyboardInterrupt


signal.signal(signal.SIGINT, _on_interrupt)


def _format_error(error):
    if isinstance(error, SyntaxError) and error.filename and error.filename.startswith("<cell-"):
        lines = traceback.format_exception_only(type(error), error)
        return {"type": type(error).__name__, "message": str(error), "traceback": "".join(lines)}
    summary = traceback.TracebackException(type(error), error, error.__traceback__)
    # Hide this file's frames (the cell runner, the interrupt handler): show only the user's code.
    summary.stack = traceback.StackSummary.from_list([f for f in summary.stack if f.filename != __file__])
    return {"type": type(error).__name__, "message": str(error), "traceback": "".join(summary.format())}


def _run_cell(code):
    global _cells, _running
    _cells += 1
    filename = "<cell-%d>" % _cells
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, "exec")
    tail = compile(last, filename, "eval") if last is not None else None
    _running = True
    try:
        exec(body, namespace)
        value = eval(tail, namespace) if tail is not None else None
    finally:
        _running = False
    if value is not None:
        namespace["_"] = value
    return value


def _short_repr(value, limit):
    try:
        text = repr(value)
    except Exception as e:  # a broken __repr__ must not lose the cell's other results
        text = "<repr failed: %s: %s>" % (type(e).__name__, e)
    if len(text) > limit:
        text = text[:limit] + "... [%d more characters]" % (len(text) - limit)
    return text


def _collect_figures(max_bytes, max_images, notes):
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    images = []
    try:
        for number in plt.get_fignums():
            if len(images) >= max_images:
                notes.append("Figure %d was not returned: at most %d images per call" % (number, max_images))
                continue
            figure = plt.figure(number)
            dpi = figure.dpi
            for _ in range(4):
                buffer = io.BytesIO()
                figure.savefig(buffer, format="png", dpi=dpi)
                data = buffer.getvalue()
                if len(data) <= max_bytes:
                    break
                dpi *= max(0.3, min(0.9, (max_bytes / len(data)) ** 0.5 * 0.9))
            if len(data) > max_bytes:
                notes.append("Figure %d was not returned: still %d bytes at %d dpi (limit %d)" % (number, len(data), dpi, max_bytes))
                continue
            width, height = figure.get_size_inches()
            images.append({
                "data": base64.b64encode(data).decode(), "mime_type": "image/png",
                "width": round(width * dpi), "height": round(height * dpi), "bytes": len(data),
            })
    finally:
        plt.close("all")
    return images


def _handle(request):
    notes = []
    reply = {"value": None, "error": None}
    try:
        value = _run_cell(request["code"])
        if value is not None:
            reply["value"] = _short_repr(value, request.get("max_repr", 20_000))
    except BaseException as error:  # SystemExit and KeyboardInterrupt are the cell's results too
        reply["error"] = _format_error(error)
    try:
        reply["images"] = _collect_figures(request.get("max_image_bytes", 400_000), request.get("max_images", 8), notes)
    except Exception as error:
        notes.append("Figures could not be saved: %s: %s" % (type(error).__name__, error))
    reply["notes"] = notes
    return reply


def main():
    while True:
        try:
            line = _requests.readline()
            if not line:
                return
            reply = _handle(json.loads(line))
            for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
                try:
                    stream.flush()
                except Exception:
                    pass
            _replies.write((json.dumps(reply) + "\\n").encode())
            _replies.flush()
        except KeyboardInterrupt:
            continue


main()
`;
var PROTECT_PY = `# Protections the local sandbox's supervisor (agent.py) takes on before any sandbox code runs.
# The agent is PID 1 of the sandbox's PID namespace (bwrap --as-pid-1), so everything else in the
# sandbox descends from it and inherits what is set here:
#   - the agent is not dumpable: sandbox processes (same uid, no capabilities) can neither ptrace
#     it nor open its /proc entries (its pipes to the server, its memory, its environment);
#   - a seccomp filter denies the system calls sandboxed code has no use for and that reach
#     beyond the sandbox: kernel keyrings, new namespaces, mounts, modules, kexec, bpf, perf,
#     userfaultfd, io_uring, the clock, swap and reboot (the filter comes from libseccomp, through
#     Debian's python3-seccomp, which also checks the architecture of every call);
#   - as PID 1 it reaps orphaned processes, which would otherwise stay zombies.
# Signals from sandbox processes cannot stop or kill the agent: the kernel does not deliver a
# signal to a PID namespace's init from inside the namespace unless init handles it.
import ctypes
import errno
import os
import select
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
UNAVAILABLE = ["clone3", "io_uring_setup", "io_uring_enter", "io_uring_register"]
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
        for flag in NAMESPACE_FLAGS:
            rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone",
                           seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        rules.load()
    except Exception as error:  # an old libseccomp, an unknown architecture
        return "the seccomp filter could not be loaded: %s: %s" % (type(error).__name__, error)
    return None


class Reaper:
    """Reaps orphans: as PID 1 the agent inherits every process whose parent exited. Children
    the agent waits for itself (commands, the interpreter) are registered, and left alone."""

    def __init__(self):
        self.lock = threading.Lock()
        self.managed = set()

    def start(self):
        # The C-level handler writes a byte to the wakeup pipe; the Python-level one does nothing
        # (a handler that took a lock could deadlock when signals arrive while it holds it).
        read_end, self.wakeup = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.set_wakeup_fd(self.wakeup, warn_on_full_buffer=False)
        threading.Thread(target=self._run, args=(read_end,), daemon=True).start()

    def spawn(self, start):
        """Runs \`start()\`, which starts a child and returns its Popen, and registers the child
        before the reaper can see it exit."""
        with self.lock:
            proc = start()
            self.managed.add(proc.pid)
            return proc

    def release(self, pid):
        """The child was waited for; orphans that exited behind it can be reaped now."""
        with self.lock:
            self.managed.discard(pid)
        try:
            os.write(self.wakeup, b"\\0")
        except OSError:
            pass

    def _run(self, wakeup):
        while True:
            select.select([wakeup], [], [], 5)
            try:
                while os.read(wakeup, 4096):
                    pass
            except BlockingIOError:
                pass
            with self.lock:
                self._reap()

    def _reap(self):
        """Reaps exited children nobody waits for, without touching those somebody does: the
        kernel shows one exited child at a time (WNOWAIT leaves it in place), so this stops at
        a registered one, whose release() starts another round."""
        while True:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if info is None or info.si_pid in self.managed:
                return
            try:
                os.waitpid(info.si_pid, os.WNOHANG)
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
`;
var NET_PY = `# The sandbox's side of its network in the \`internet\` mode. The sandbox has a network namespace of
# its own (a loopback, nothing else); the server's egress proxy listens on a unix socket bound into
# it. This relay, run by the supervisor, makes that proxy reachable the way programs expect:
#   - 127.0.0.1:3128, an HTTP proxy (HTTP_PROXY, HTTPS_PROXY), and 127.0.0.1:1080, a SOCKS5 proxy
#     (ALL_PROXY): bytes go unchanged to the proxy's socket, which tells the two apart;
#   - 127.0.0.1:PORT for each host port opened on purpose (--allow-host-port): a CONNECT to the
#     host's 127.0.0.1:PORT through the proxy, so a client inside just connects to localhost;
#   - for web_preview, a tunnel per browser connection: asked by the server (op "tunnel"), the
#     supervisor connects to 127.0.0.1:PORT inside and to the server's inbound socket, sends the
#     server's one-time token first and relays the rest.
# One thread and one selector carry every connection. Both sockets are the server's own listeners,
# bound read-only: sandbox code cannot replace them, and without a token it cannot pose as a tunnel.
import fcntl
import os
import selectors
import socket
import threading

CHUNK = 1024 * 1024
HEAD_LIMIT = 8192


class _Pipe:
    """One direction of a relayed connection. Bytes move from \`source\` to \`sink\` through a kernel
    pipe with splice(2), so they are never copied into this process (plain recv and send where
    splice is missing); \`waiting\` is what the sink has not taken yet."""

    SPLICE = hasattr(os, "splice")
    FLAGS = getattr(os, "SPLICE_F_MOVE", 1) | getattr(os, "SPLICE_F_NONBLOCK", 2)

    def __init__(self, source, sink):
        self.source = source
        self.sink = sink
        self.eof = False
        self.held = b""  # without splice, and for bytes handed over at the start
        self.queued = 0  # bytes in the kernel pipe
        self.r = self.w = None
        if self.SPLICE:
            self.r, self.w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            try:
                fcntl.fcntl(self.w, 1031, CHUNK)  # F_SETPIPE_SZ
            except OSError:
                pass

    @property
    def waiting(self):
        return bool(self.held) or self.queued > 0

    def fill(self):
        """Reads what the source has, noting its end; raises OSError when it is gone."""
        if self.r is not None:
            try:
                n = os.splice(self.source.fileno(), self.w, CHUNK, flags=self.FLAGS)
            except BlockingIOError:
                return
            self.queued += n
        else:
            try:
                data = self.source.recv(CHUNK)
            except BlockingIOError:
                return
            self.held = data
            n = len(data)
        if n == 0:
            self.eof = True

    def drain(self):
        """Writes what waits to the sink, shutting its writing side after the source's end;
        returns False when the sink is gone."""
        try:
            while self.held:
                self.held = self.held[self.sink.send(self.held):]
            while self.queued:
                self.queued -= os.splice(self.r, self.sink.fileno(), self.queued, flags=self.FLAGS)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if self.eof:
            try:
                self.sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        return True

    def close(self):
        for fd in (self.r, self.w):
            if fd is not None:
                os.close(fd)
        self.r = self.w = None


class Relay:
    def __init__(self, proxy_path):
        self.proxy_path = proxy_path
        self.selector = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.waker_r, self.waker_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.selector.register(self.waker_r, selectors.EVENT_READ, ("wake", None))
        self.todo = []

    def start(self, http_port, socks_port, host_ports):
        for port in (http_port, socks_port):
            self._listen_tcp(port, lambda conn: self._pair(conn, self._to_proxy(), b""))
        for port in host_ports:
            self._listen_tcp(port, lambda conn, port=port: self._host_port(conn, port))
        threading.Thread(target=self._run, daemon=True).start()

    def tunnel(self, port, token, inbound_path):
        """Connects 127.0.0.1:\`port\` inside to the server's inbound socket for one web_preview
        connection; raises OSError when nothing listens on the port."""
        inside = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.settimeout(5)
            server.connect(inbound_path)
            server.sendall(token.encode() + b"\\n")
        except OSError:
            inside.close()
            raise
        inside.settimeout(None)
        server.settimeout(None)
        self._later(lambda: self._pair(server, inside, b""))

    def _listen_tcp(self, port, on_accept):
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(128)
        server.setblocking(False)
        self.selector.register(server, selectors.EVENT_READ, ("accept", on_accept))

    def _to_proxy(self):
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.connect(self.proxy_path)
        return upstream

    def _host_port(self, conn, port):
        """A CONNECT to the host's port, answered before the client's bytes flow (in a thread: the
        proxy's answer is awaited)."""
        def work():
            try:
                upstream = self._to_proxy()
                upstream.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\\r\\nHost: 127.0.0.1:%d\\r\\n\\r\\n" % (port, port))
                head = b""
                while b"\\r\\n\\r\\n" not in head and len(head) < HEAD_LIMIT:
                    data = upstream.recv(4096)
                    if not data:
                        break
                    head += data
                status, _, rest = head.partition(b"\\r\\n\\r\\n")
                if b" 200 " not in status.split(b"\\r\\n", 1)[0] + b" ":
                    upstream.close()
                    conn.close()
                    return
                self._later(lambda: self._pair(conn, upstream, rest))
            except OSError:
                conn.close()
        threading.Thread(target=work, daemon=True).start()

    def _later(self, fn):
        with self.lock:
            self.todo.append(fn)
        try:
            os.write(self.waker_w, b"\\0")
        except OSError:
            pass

    def _pair(self, a, b, first):
        a.setblocking(False)
        b.setblocking(False)
        forward, backward = _Pipe(a, b), _Pipe(b, a)
        backward.held = first  # bytes the other side already sent (after a CONNECT's answer)
        if first:
            backward.drain()
        self._update(a, forward, backward)
        self._update(b, backward, forward)

    def _close(self, pipes):
        for pipe in pipes:
            try:
                self.selector.unregister(pipe.source)
            except (KeyError, ValueError):
                pass
            pipe.source.close()
            pipe.close()

    def _update(self, sock, mine, theirs):
        """Sets what \`sock\` waits for: reading while its outgoing pipe is drained and open,
        writing while the other side's data waits for it; nothing (unregistered) otherwise."""
        if sock.fileno() < 0:
            return
        reading = not mine.eof and not mine.waiting
        writing = theirs.waiting
        events = (selectors.EVENT_READ if reading else 0) | (selectors.EVENT_WRITE if writing else 0)
        try:
            key = self.selector.get_key(sock)
        except (KeyError, ValueError):
            key = None
        if events == 0:
            if key is not None:
                self.selector.unregister(sock)
        elif key is None:
            self.selector.register(sock, events, ("conn", (mine, theirs)))
        elif key.events != events:
            self.selector.modify(sock, events, key.data)

    def _run(self):
        while True:
            for key, events in self.selector.select():
                kind, data = key.data
                if kind == "wake":
                    try:
                        while os.read(self.waker_r, 4096):
                            pass
                    except BlockingIOError:
                        pass
                    with self.lock:
                        todo, self.todo = self.todo, []
                    for fn in todo:
                        fn()
                elif kind == "accept":
                    try:
                        conn, _ = key.fileobj.accept()
                    except OSError:
                        continue
                    try:
                        data(conn)
                    except OSError:
                        conn.close()
                else:
                    try:
                        self._service(key.fileobj, data, events)
                    except Exception:  # one broken connection never stops the relay
                        self._close(data)

    def _service(self, sock, pipes, events):
        mine, theirs = pipes  # mine: sock -> other; theirs: other -> sock
        if events & selectors.EVENT_WRITE and not theirs.drain():
            self._close(pipes)
            return
        if events & selectors.EVENT_READ and not mine.eof and not mine.waiting:
            try:
                mine.fill()
            except OSError:
                self._close(pipes)
                return
            if not mine.drain():
                self._close(pipes)
                return
        if mine.eof and not mine.waiting and theirs.eof and not theirs.waiting:
            self._close(pipes)
            return
        self._update(sock, mine, theirs)
        self._update(mine.sink, theirs, mine)


def start(spec):
    """Starts the relay from SANDBOX_NET: "proxy=PATH,http=PORT,socks=PORT,host_ports=P:P", or
    "tunnels" for web_preview's tunnels alone (a sandbox without network)."""
    settings = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
    relay = Relay(settings.get("proxy"))
    if relay.proxy_path:
        host_ports = [int(p) for p in settings.get("host_ports", "").split(":") if p]
        relay.start(int(settings["http"]), int(settings["socks"]), host_ports)
    else:
        threading.Thread(target=relay._run, daemon=True).start()
    return relay
`;
var CGROUPS_PY = `# The server's hands on control groups (src/providers/local/cgroup.ts holds the logic). Deno lets a
# program touch /sys and /proc only with every permission, so the server starts this helper once,
# through bwrap with the host's file system, and asks it over JSON lines on stdin and stdout:
#   {"id": N, "op": "snapshot", "root": R}  what planCgroups() needs to know about the hierarchies
#   {"id": N, "op": "mkdir" | "rmdir", "path": P}
#   {"id": N, "op": "write", "path": P, "value": V}
#   {"id": N, "op": "read", "paths": [P, ...]}  each file's text, or null
#   {"id": N, "op": "adopt", "pid": PID, "dirs": [D, ...]}  moves PID and all its descendants
# Replies: {"id": N, "result": ...} or {"id": N, "error": "..."}. Paths must lie under ROOT.
import json
import os
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "/sys/fs/cgroup"


def checked(path):
    path = os.path.normpath(path)
    if path != ROOT and not path.startswith(ROOT + "/"):
        raise ValueError("not under %s: %s" % (ROOT, path))
    return path


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def snapshot(root):
    """/proc/self/cgroup (this helper shares the server's cgroups), the controllers files and
    owners of each hierarchy's root and of the server's cgroup in it."""
    own = read("/proc/self/cgroup") or ""
    dirs = {root, root + "/unified"}
    try:
        dirs.update(os.path.join(root, name) for name in os.listdir(root))
    except OSError:
        pass
    for mount in list(dirs):
        for line in own.splitlines():
            path = line.split(":", 2)[-1]
            dirs.add(mount + (path if path != "/" else ""))
    files, owners = {}, {}
    for d in dirs:
        if os.path.islink(d):
            continue
        for name in ("cgroup.controllers", "cgroup.procs"):
            text = read(os.path.join(d, name)) if name == "cgroup.controllers" else (
                "" if os.path.exists(os.path.join(d, name)) else None)
            if text is not None:
                files[os.path.join(d, name)] = text
        try:
            owners[d] = os.stat(d).st_uid
        except OSError:
            pass
    return {"selfCgroup": own, "files": files, "owners": owners}


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


def adopt(pid, dirs):
    """Moves \`pid\`, then its descendants: a child forked after the move is born inside, one
    forked before shows in /proc/PID/task/*/children once the move is done."""
    moved, todo = [], [pid]
    while todo:
        p = todo.pop()
        for d in dirs:
            try:
                with open(os.path.join(checked(d), "cgroup.procs"), "w") as f:
                    f.write(str(p))
            except ProcessLookupError:
                break
        else:
            moved.append(p)
            todo.extend(children(p))
    return moved


def handle(req):
    op = req["op"]
    if op == "snapshot":
        return snapshot(checked(req["root"]))
    if op == "mkdir":
        try:
            os.mkdir(checked(req["path"]))
        except FileExistsError:
            pass
        return None
    if op == "rmdir":
        try:
            os.rmdir(checked(req["path"]))
        except FileNotFoundError:
            pass
        return None
    if op == "write":
        with open(checked(req["path"]), "w") as f:
            f.write(req["value"])
        return None
    if op == "read":
        return [read(checked(p)) for p in req["paths"]]
    if op == "adopt":
        return adopt(int(req["pid"]), req["dirs"])
    raise ValueError("unknown op %r" % op)


def main():
    for line in sys.stdin:
        req = json.loads(line)
        try:
            reply = {"id": req.get("id"), "result": handle(req)}
        except Exception as error:  # reported to the server, which decides what it means
            reply = {"id": req.get("id"), "error": "%s: %s" % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(reply) + "\\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
`;

export {
  isLogLevel,
  createLogger,
  silentLogger,
  AgentOps,
  AGENT_PY,
  WORKER_PY,
  PROTECT_PY,
  NET_PY,
  CGROUPS_PY
};
