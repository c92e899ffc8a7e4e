// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  currentTask
} from "./shared-cli-daytona-doctor-modern.js";
import {
  SandboxError,
  SandboxFileError
} from "./shared-cli-daytona-doctor-modern-server.js";
import {
  decodeCaptured
} from "./shared-cli-daytona-doctor-http-modern-server.js";
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/providers/agent/protocol.ts
var PROTOCOL = {
  request: {
    id: "integer|string",
    op: "string",
    "wait?": "number",
    /** The task this request works for (a call of a deployment's task): see `task_begin`. */
    "task?": "string"
  },
  ops: {
    exec: {
      doc: "Runs `command` through /bin/sh -c, or `argv`, in a process group of its own, in `cwd` (default: the home directory) with `env` added to the sandbox's environment; `timeout` in seconds kills the group; each stream keeps its first and last `max_output` / 2 bytes. Returns as soon as the command exits, leaving background processes running.",
      request: {
        "command?": "string",
        "argv?": "string[]",
        "cwd?": "string",
        "env?": "{string}",
        "timeout?": "number",
        "max_output?": "integer"
      },
      result: {
        stdout: "captured",
        stderr: "captured",
        exit_code: "integer|null",
        signal: "string|null",
        timed_out: "boolean",
        cancelled: "boolean",
        duration_ms: "number"
      },
      progress: true
    },
    python: {
      doc: "Runs a cell of Python in the sandbox's long-lived interpreter (worker.py), started if needed; `timeout` interrupts the cell, which then has 2 s to unwind before the interpreter is killed (`state` 'lost'). `value` is the repr of a final expression, at most `max_repr` characters; matplotlib figures come back as PNG images.",
      request: {
        code: "string",
        "timeout?": "number",
        "max_output?": "integer",
        "max_image_bytes?": "integer",
        "max_images?": "integer",
        "max_repr?": "integer"
      },
      result: {
        stdout: "captured",
        stderr: "captured",
        value: "string|null",
        error: "python_error|null",
        images: "image[]",
        notes: "string[]",
        timed_out: "boolean",
        cancelled: "boolean",
        state: "'kept'|'lost'",
        died: "exit|null",
        fresh: "boolean",
        duration_ms: "number"
      },
      progress: true
    },
    python_reset: {
      doc: "Ends the interpreter and starts a fresh one.",
      request: {},
      result: {
        reset: "boolean"
      }
    },
    kill_all: {
      doc: "Kills every process of the sandbox but the supervisor (commands, background servers, the interpreter); files stay.",
      request: {},
      result: {
        killed: "integer"
      }
    },
    stat: {
      doc: "Describes a file; `path` is relative to the home directory, `~` allowed.",
      request: {
        path: "string"
      },
      result: "file_info"
    },
    read: {
      doc: "Reads up to `length` bytes (at most 4 MiB) of a regular file from `offset`.",
      request: {
        path: "string",
        "offset?": "integer",
        "length?": "integer"
      },
      result: {
        data: "bytes",
        size: "integer"
      }
    },
    write: {
      doc: "Writes one chunk of an upload (`upload` names it) into a hidden file beside `path`, which replaces `path` (or, without `overwrite`, takes its name only if free) at the `last` chunk; the `first` chunk creates the parents.",
      request: {
        path: "string",
        upload: "string",
        "overwrite?": "boolean",
        "first?": "boolean",
        "last?": "boolean",
        "data?": "base64"
      },
      result: "file_info|upload_part"
    },
    list: {
      doc: "Lists a directory `depth` levels deep, breadth first, names sorted, at most `limit` entries.",
      request: {
        "path?": "string",
        "depth?": "integer",
        "limit?": "integer"
      },
      result: {
        path: "string",
        entries: "file_info[]",
        truncated: "boolean"
      }
    },
    commit_upload: {
      doc: "Moves a file uploaded by other means (Daytona's toolbox) from `temp` to `path`, as write's last chunk does.",
      request: {
        path: "string",
        temp: "string",
        "overwrite?": "boolean"
      },
      result: "file_info"
    },
    copy: {
      doc: "Copies the regular file `from` to `to` in the sandbox's own view (a shared directory's file in or out), as write does: a hidden temporary file put in place at the end; `sha256` of what was copied.",
      request: {
        from: "string",
        to: "string",
        "overwrite?": "boolean"
      },
      result: {
        file: "file_info",
        sha256: "string"
      },
      progress: true
    },
    task_begin: {
      doc: "Opens the record of task `task_id` (a call that became a task; its requests carry `task`), kept so that any server of a deployment can report or cancel it: working, with the latest output line of its running call as status message. Again for a record that exists, it renews it: in remote mode a working task not renewed for `abandon_after` seconds is reported failed (`abandoned`), its server having died.",
      request: {
        task_id: "string",
        created_at: "string",
        abandon_after: "number"
      },
      result: "task_record"
    },
    task_get: {
      doc: "The record of task `task_id`, or null when there is none (never begun, or expired).",
      request: {
        task_id: "string"
      },
      result: "task_record|null"
    },
    task_end: {
      doc: "Closes the record of a working task with its call's `result` (a tool result, or for `failed` an error); a task that has already ended (cancelled) keeps how it ended. Ended records are kept an hour, across restarts of the agent.",
      request: {
        task_id: "string",
        status: "'completed'|'failed'",
        result: "{any}"
      },
      result: "task_record|null"
    },
    task_cancel: {
      doc: "Ends a working task as cancelled and stops its running calls (a command's process group killed, a Python cell interrupted); calls it starts later are refused. An ended task stays as it ended.",
      request: {
        task_id: "string"
      },
      result: "task_record|null"
    },
    tunnel: {
      doc: "Connects 127.0.0.1:`port` inside to the server's `inbound` socket, sending `token` first: one web_preview connection (local sandboxes with a network of their own).",
      request: {
        port: "integer",
        token: "string",
        inbound: "string"
      },
      result: {
        port: "integer"
      }
    }
  },
  control: {
    cancel: {
      doc: "Stops the call `target`: kills a command's process group, interrupts a Python cell. No reply of its own; the call replies with `cancelled` set.",
      request: {
        target: "integer|string"
      }
    },
    wait: {
      doc: "Remote mode: waits up to `wait` seconds more for the detached call `target`; replies as that call, or `frames.pending` again.",
      request: {
        target: "integer|string",
        wait: "number"
      }
    }
  },
  shapes: {
    captured: {
      head: "base64",
      tail: "base64",
      total: "integer"
    },
    file_info: {
      path: "string",
      name: "string",
      type: "'file'|'directory'|'symlink'|'other'",
      size: "integer",
      modified: "number",
      mode: "string",
      "target?": "string",
      "replaced?": "boolean"
    },
    upload_part: {
      path: "string"
    },
    python_error: {
      type: "string",
      message: "string",
      traceback: "string"
    },
    image: {
      data: "base64",
      mime_type: "string",
      width: "integer",
      height: "integer",
      bytes: "integer"
    },
    exit: {
      exit_code: "integer|null",
      signal: "string|null"
    },
    task_record: {
      status: "'working'|'completed'|'failed'|'cancelled'",
      "status_message?": "string",
      created_at: "string",
      updated_at: "string",
      abandoned: "boolean",
      "result?": "{any}"
    },
    fault: {
      "field?": "string",
      "code?": "error_code",
      message: "string"
    }
  },
  errorCodes: [
    "not_found",
    "is_directory",
    "not_directory",
    "not_file",
    "permission",
    "read_only",
    "exists",
    "no_space",
    "io"
  ],
  frames: {
    hello: {
      ready: "boolean",
      python: "string",
      home: "string",
      uid: "integer",
      "protections?": "{string|null}"
    },
    reply: {
      id: "integer|string",
      result: "{any}"
    },
    fault: {
      id: "integer|string",
      error: "fault"
    },
    progress: {
      id: "integer|string",
      line: "string",
      bytes: "integer"
    },
    pending: {
      id: "integer|string",
      pending: "boolean",
      line: "string",
      bytes: "integer"
    }
  }
};
var BASE_CHECKS = {
  string: /* @__PURE__ */ __name((value) => typeof value === "string", "string"),
  base64: /* @__PURE__ */ __name((value) => typeof value === "string", "base64"),
  number: /* @__PURE__ */ __name((value) => typeof value === "number", "number"),
  integer: /* @__PURE__ */ __name((value) => Number.isInteger(value), "integer"),
  boolean: /* @__PURE__ */ __name((value) => typeof value === "boolean", "boolean"),
  null: /* @__PURE__ */ __name((value) => value === null, "null"),
  bytes: /* @__PURE__ */ __name((value) => typeof value === "string" || value instanceof Uint8Array, "bytes"),
  error_code: /* @__PURE__ */ __name((value) => PROTOCOL.errorCodes.includes(value), "error_code"),
  any: /* @__PURE__ */ __name(() => true, "any")
};
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
__name(isObject, "isObject");
function checkFields(fields, value, at = "") {
  const path = /* @__PURE__ */ __name((name) => at ? `${at}.${name}` : name, "path");
  if (!isObject(value)) return `${at || "the value"} is ${describe(value)}, not an object`;
  for (const [key, type] of Object.entries(fields)) {
    const name = key.endsWith("?") ? key.slice(0, -1) : key;
    if (!(name in value)) {
      if (name === key) return `${path(name)} is missing`;
      continue;
    }
    const wrong = checkValue(type, value[name], path(name));
    if (wrong) return wrong;
  }
  for (const name of Object.keys(value)) {
    if (!(name in fields) && !(`${name}?` in fields)) return `${path(name)} is not in the protocol`;
  }
  return void 0;
}
__name(checkFields, "checkFields");
function checkValue(type, value, at = "the value") {
  const shapes = PROTOCOL.shapes;
  const wrong = /* @__PURE__ */ __name(() => `${at} is ${describe(value)}, not ${type}`, "wrong");
  if (type.startsWith("{") && type.endsWith("}")) {
    if (!isObject(value)) return wrong();
    for (const [key, item] of Object.entries(value)) {
      const problem = checkValue(type.slice(1, -1), item, `${at}.${key}`);
      if (problem) return problem;
    }
    return void 0;
  }
  if (type.includes("|")) {
    const fits = type.split("|").some((alternative) => !checkValue(alternative, value, at));
    return fits ? void 0 : wrong();
  }
  if (type.endsWith("[]")) {
    if (!Array.isArray(value)) return wrong();
    for (const [index, item] of value.entries()) {
      const problem = checkValue(type.slice(0, -2), item, `${at}[${index}]`);
      if (problem) return problem;
    }
    return void 0;
  }
  if (type.startsWith("'")) return value === type.slice(1, -1) ? void 0 : wrong();
  if (Object.hasOwn(shapes, type)) return checkFields(shapes[type], value, at);
  const check = BASE_CHECKS[type];
  if (!check) throw new TypeError(`Cannot check ${at}: the protocol has no type ${type}`);
  return check(value) ? void 0 : wrong();
}
__name(checkValue, "checkValue");
function describe(value) {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}\u2026` : text;
}
__name(describe, "describe");

// src/providers/agent/process.ts
var MAX_REPLY_LINE = 96 * 1024 * 1024;
var MAX_REPLY_DATA = 16 * 1024 * 1024;
var REPLY_GRACE_MS = 15e3;
var UNTIMED_DEADLINE_MS = 12e4;
var ProtocolError = class extends Error {
  static {
    __name(this, "ProtocolError");
  }
};
var AgentProcess = class _AgentProcess {
  static {
    __name(this, "AgentProcess");
  }
  hello;
  #child;
  #writer;
  #pending = /* @__PURE__ */ new Map();
  #nextId = 1;
  #exited;
  #reading;
  #stderrDone;
  /** Set when close() was called. */
  #closing = false;
  /** Set when close() was called or the process exited. */
  #stopping = false;
  #sandboxId;
  #log;
  #graceMs;
  constructor(child, hello, frames, stderrDone, sandboxId, log, graceMs) {
    this.#child = child;
    this.#graceMs = graceMs;
    this.#stderrDone = stderrDone;
    this.hello = hello;
    this.#sandboxId = sandboxId;
    this.#log = log;
    this.#writer = child.stdin.getWriter();
    this.#exited = child.status;
    this.#reading = this.#readReplies(frames, log);
  }
  /** Spawns the agent and waits for its hello line. */
  static async start(command, sandboxId, log, options = {}) {
    const child = command.spawn();
    if (options.started) {
      try {
        await options.started(child);
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode("start\n"));
        writer.releaseLock();
      } catch (error) {
        let timer;
        const exited = await Promise.race([
          child.status.then(() => true),
          new Promise((resolve) => timer = setTimeout(resolve, 100, false))
        ]).finally(() => clearTimeout(timer));
        await child.stdout.cancel().catch(() => {
        });
        if (exited) {
          const said = await new Response(child.stderr).text().catch(() => "");
          throw exitedError(await child.status, said.slice(0, 2e3), sandboxId, error);
        }
        try {
          child.kill("SIGKILL");
        } catch {
        }
        await child.status;
        await child.stderr.cancel().catch(() => {
        });
        throw new SandboxError(`Cannot start sandbox: its budget could not be applied: ${error.message}`, {
          sandboxId,
          cause: error
        });
      }
    }
    options.running?.();
    const stderrDone = forwardStderr(child.stderr, sandboxId, log);
    const frames = readFrames(child.stdout);
    const first = await frames.next().catch((error) => {
      child.kill("SIGKILL");
      throw new SandboxError(`Cannot start sandbox: its supervisor sent ${error.message}`, {
        sandboxId
      });
    });
    if (first.done) throw exitedError(await child.status, await stderrDone, sandboxId);
    const hello = first.value;
    if (hello.ready !== true || checkFields(PROTOCOL.frames.hello, hello) !== void 0) {
      child.kill("SIGKILL");
      throw new SandboxError("Cannot start sandbox: its supervisor did not say it is ready", {
        sandboxId
      });
    }
    return new _AgentProcess(child, hello, frames, stderrDone, sandboxId, log, options.replyGraceMs ?? REPLY_GRACE_MS);
  }
  /** Whether the agent process is still running. */
  get alive() {
    return !this.#stopping;
  }
  /**
   * Sends one request and resolves with its result; rejects with the agent's fault message. A
   * request whose answer is late (its `timeout`, in seconds, plus {@linkcode REPLY_GRACE_MS};
   * {@linkcode UNTIMED_DEADLINE_MS} for file operations) means the agent no longer works: the
   * sandbox is ended and the call fails.
   */
  request(op, body, options = {}) {
    if (this.#stopping) {
      return Promise.reject(new SandboxError("Cannot use sandbox: it is closed", {
        sandboxId: this.#sandboxId
      }));
    }
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers();
    const { signal, onLine } = options;
    const onAbort = /* @__PURE__ */ __name(() => this.#send({
      op: "cancel",
      target: id
    }).catch(() => {
    }), "onAbort");
    signal?.addEventListener("abort", onAbort, {
      once: true
    });
    this.#pending.set(id, {
      resolve,
      reject,
      onLine
    });
    const seconds = body.timeout;
    const timeout = typeof seconds === "number" ? seconds * 1e3 : void 0;
    const deadline = timeout !== void 0 ? timeout + this.#graceMs : op === "exec" || op === "python" ? void 0 : UNTIMED_DEADLINE_MS;
    const timer = deadline === void 0 ? void 0 : setTimeout(() => {
      this.#violation(`did not answer within ${deadline / 1e3} s (the call's timeout and a grace)`);
    }, deadline);
    this.#send({
      ...body,
      op,
      id
    }).then(() => {
      if (signal?.aborted) onAbort();
    }).catch((error) => this.#fail(id, error));
    return promise.finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    });
  }
  /**
   * Ends a sandbox whose agent misbehaved or stopped answering: kills its processes and fails
   * every call waiting on it, saying why. The server and other sandboxes are not affected.
   */
  #violation(reason) {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.warn(`sandbox ${this.#sandboxId}: its supervisor ${reason}; ending the sandbox`);
    const error = new SandboxError(`Cannot finish: the sandbox's supervisor ${reason}, so the sandbox was ended (its processes and files are gone); the next call starts a new sandbox`, {
      sandboxId: this.#sandboxId
    });
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    try {
      this.#child.kill("SIGKILL");
    } catch {
    }
  }
  /** Ends the agent: closing its stdin makes it kill its processes; SIGKILL after a grace. */
  async close() {
    if (!this.#closing) {
      this.#closing = true;
      this.#stopping = true;
      await this.#writer.close().catch(() => {
      });
      const timer = setTimeout(() => {
        try {
          this.#child.kill("SIGKILL");
        } catch {
        }
      }, 1e3);
      await this.#exited;
      clearTimeout(timer);
    }
    await this.#reading;
    await this.#stderrDone;
  }
  async [Symbol.asyncDispose]() {
    await this.close();
  }
  async #send(message) {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  }
  #fail(id, error) {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    pending?.reject(error);
  }
  async #readReplies(frames, log) {
    try {
      for (let next = await frames.next(); !next.done; next = await frames.next()) {
        if (this.#stopping && !this.#closing) break;
        const reply = next.value;
        const pending = typeof reply.id === "number" ? this.#pending.get(reply.id) : void 0;
        if (!pending) {
          throw new ProtocolError(`a reply for no request it was sent (id ${String(reply.id)})`);
        }
        if ("line" in reply) {
          if (typeof reply.line !== "string") {
            throw new ProtocolError("a progress line that is not text");
          }
          pending.onLine?.(reply.line);
          continue;
        }
        this.#pending.delete(reply.id);
        const fault = reply.error;
        if (fault !== void 0) {
          if (typeof fault?.message !== "string") {
            throw new ProtocolError("an error without a message");
          }
          pending.reject(faultToError(fault));
        } else if (typeof reply.result === "object" && reply.result !== null) {
          pending.resolve(reply.result);
        } else {
          throw new ProtocolError("a reply without a result");
        }
      }
    } catch (error2) {
      if (!(error2 instanceof ProtocolError)) throw error2;
      this.#violation(`sent ${error2.message}`);
    }
    const ended = this.#stopping && !this.#closing;
    const status = await this.#exited;
    this.#stopping = true;
    if (!this.#closing && !ended) {
      log.warn(`sandbox ${this.#sandboxId}: stopped unexpectedly (exit code ${status.code})`);
    }
    const error = new SandboxError(this.#closing ? "Cannot finish: the sandbox was closed" : `Cannot finish: the sandbox stopped unexpectedly (exit code ${status.code}); the next call starts a new sandbox`, {
      sandboxId: this.#sandboxId
    });
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
};
function faultToError(fault) {
  if (fault.field) return new TypeError(fault.message);
  if (fault.code) return new SandboxFileError(fault.code, fault.message);
  return new SandboxError(fault.message);
}
__name(faultToError, "faultToError");
async function* readFrames(stream) {
  const queue = new ByteQueue();
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let waiting;
  try {
    for (; ; ) {
      for (; ; ) {
        if (!waiting) {
          const end = queue.indexOf(10);
          if (end < 0) {
            if (queue.length > MAX_REPLY_LINE) {
              throw new ProtocolError(`a reply line over ${MAX_REPLY_LINE >> 20} MiB`);
            }
            break;
          }
          if (end > MAX_REPLY_LINE) {
            throw new ProtocolError(`a reply line over ${MAX_REPLY_LINE >> 20} MiB`);
          }
          const line = decoder.decode(queue.take(end + 1).subarray(0, end));
          if (!line) continue;
          let frame;
          try {
            frame = JSON.parse(line);
          } catch {
            throw new ProtocolError("a reply that is not JSON");
          }
          if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
            throw new ProtocolError("a reply that is not a JSON object");
          }
          const result = frame.result;
          if (typeof result !== "object" || result === null || !("_binary" in result)) {
            yield frame;
            continue;
          }
          const bytes = result._binary;
          if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > MAX_REPLY_DATA) {
            throw new ProtocolError(`file data of a size it may not send (${String(bytes)})`);
          }
          waiting = {
            frame,
            result,
            bytes
          };
        }
        if (queue.length < waiting.bytes) break;
        waiting.result.data = queue.take(waiting.bytes);
        delete waiting.result._binary;
        yield waiting.frame;
        waiting = void 0;
      }
      const { value, done } = await reader.read();
      if (done) return;
      queue.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {
    });
    throw error;
  } finally {
    reader.releaseLock();
  }
}
__name(readFrames, "readFrames");
var ByteQueue = class {
  static {
    __name(this, "ByteQueue");
  }
  #chunks = [];
  #length = 0;
  #scanned = 0;
  get length() {
    return this.#length;
  }
  push(chunk) {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }
  /** Offset of the first `byte`, or -1; bytes already searched are not searched again. */
  indexOf(byte) {
    let offset = 0;
    for (const chunk of this.#chunks) {
      if (offset + chunk.length > this.#scanned) {
        const found = chunk.indexOf(byte, Math.max(0, this.#scanned - offset));
        if (found >= 0) return offset + found;
      }
      offset += chunk.length;
    }
    this.#scanned = this.#length;
    return -1;
  }
  /** Removes and returns the first `n` bytes. */
  take(n) {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0];
      const need = n - filled;
      if (chunk.length <= need) {
        out.set(chunk, filled);
        filled += chunk.length;
        this.#chunks.shift();
      } else {
        out.set(chunk.subarray(0, need), filled);
        this.#chunks[0] = chunk.subarray(need);
        filled = n;
      }
    }
    this.#length -= n;
    this.#scanned = 0;
    return out;
  }
};
function splitLines(stream) {
  let parts = [];
  return stream.pipeThrough(new TextDecoderStream()).pipeThrough(new TransformStream({
    transform(chunk, controller) {
      let start = 0;
      for (let end = chunk.indexOf("\n"); end !== -1; end = chunk.indexOf("\n", start)) {
        parts.push(chunk.slice(start, end));
        const line = parts.join("");
        parts = [];
        if (line) controller.enqueue(line);
        start = end + 1;
      }
      if (start < chunk.length) parts.push(chunk.slice(start));
    },
    flush(controller) {
      const line = parts.join("");
      if (line) controller.enqueue(line);
    }
  }));
}
__name(splitLines, "splitLines");
async function forwardStderr(stream, sandboxId, log) {
  let kept = "";
  for await (const line of splitLines(stream)) {
    if (kept.length < 4096) kept += line + "\n";
    log.debug(`sandbox ${sandboxId}: ${line}`);
  }
  return kept;
}
__name(forwardStderr, "forwardStderr");
function exitedError(status, said, sandboxId, cause) {
  const detail = said.trim();
  return new SandboxError(`Cannot start sandbox: its process exited with code ${status.code}${detail ? `: ${detail}` : ""}`, {
    sandboxId,
    cause
  });
}
__name(exitedError, "exitedError");

// src/providers/agent/ops.ts
var DATE_LIMIT = 864e13;
function toFileInfo(raw) {
  const { modified, replaced: _, ...rest } = raw;
  const ms = Math.min(Math.max(modified * 1e3, -DATE_LIMIT), DATE_LIMIT);
  return {
    ...rest,
    modified: new Date(Number.isNaN(ms) ? 0 : ms).toISOString()
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
function toTaskRecord(raw) {
  if (raw === null) return null;
  const { status_message, created_at, updated_at, ...rest } = raw;
  return {
    ...rest,
    ...status_message !== void 0 && {
      statusMessage: status_message
    },
    createdAt: created_at,
    updatedAt: updated_at
  };
}
__name(toTaskRecord, "toTaskRecord");
var MIB = 1024 * 1024;
var WRITE_CHUNK = 4 * MIB;
function decodeStream(captured, max) {
  let head = Uint8Array.fromBase64(captured.head);
  let tail = Uint8Array.fromBase64(captured.tail);
  let total = Math.max(captured.total, head.length + tail.length);
  if (head.length + tail.length > max) {
    head = head.subarray(0, Math.ceil(max / 2));
    tail = tail.subarray(Math.max(0, tail.length - Math.floor(max / 2)));
    total = Math.max(total, head.length + tail.length + 1);
  }
  return decodeCaptured(head, tail, total);
}
__name(decodeStream, "decodeStream");
var CUT_ROOM = 64;
function capText(text, max) {
  if (text.length <= max + CUT_ROOM) return {
    text,
    cut: text.length > max
  };
  return {
    text: `${text.slice(0, max)}
[... ${text.length - max} more characters omitted ...]`,
    cut: true
  };
}
__name(capText, "capText");
var notRun = /* @__PURE__ */ __name(() => ({
  stdout: "",
  stderr: "",
  result: null,
  error: null,
  images: [],
  notes: [],
  timedOut: false,
  cancelled: true,
  state: "kept",
  freshInterpreter: false,
  died: null,
  durationMs: 0,
  truncated: false
}), "notRun");
async function waitUnlessAborted(promise, signal) {
  if (!signal) return void await promise;
  if (signal.aborted) return;
  const { promise: aborted, resolve } = Promise.withResolvers();
  signal.addEventListener("abort", () => resolve(), {
    once: true
  });
  await Promise.race([
    promise,
    aborted
  ]);
}
__name(waitUnlessAborted, "waitUnlessAborted");
var MAX_TARGET = 256;
var MAX_WAITING_CELLS = 16;
var MAX_NOTES = 16;
var MAX_NOTE = 2e3;
var IMAGE_TYPE = /^image\/[a-z0-9.+-]{1,40}$/;
var BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
var AgentOps = class {
  static {
    __name(this, "AgentOps");
  }
  #transport;
  /** Whether the agent predates task records (see #tagged). */
  #untagged = false;
  /** Settles when the cells sent so far have ended (see runPython). */
  #cells = Promise.resolve();
  /** Cells sent but not yet running. */
  #waiting = 0;
  constructor(transport) {
    this.#transport = transport;
  }
  /**
   * Sends a request of the current task's call (if any) tagged with the task. An agent started by
   * an earlier version of the server (a sandbox older than a rolling update) has no task records
   * and refuses the tag before running anything: it gets its requests untagged from then on.
   */
  async #tagged(op, body, options) {
    const task = this.#untagged ? void 0 : currentTask();
    if (task === void 0) return await this.#transport.request(op, body, options);
    try {
      return await this.#transport.request(op, {
        ...body,
        task
      }, options);
    } catch (error) {
      if (!(error instanceof TypeError && /the protocol has no field task\b/.test(error.message))) {
        throw error;
      }
      this.#untagged = true;
      return await this.#transport.request(op, body, options);
    }
  }
  async exec(command, options = {}) {
    const raw = await this.#tagged("exec", {
      ...typeof command === "string" ? {
        command
      } : {
        argv: [
          ...command
        ]
      },
      cwd: options.cwd,
      env: options.env,
      timeout: options.timeoutMs === void 0 ? void 0 : options.timeoutMs / 1e3,
      max_output: options.maxOutputBytes ?? 1e5
    }, {
      signal: options.signal,
      onLine: options.onOutput
    });
    const stdout = decodeStream(raw.stdout, options.maxOutputBytes ?? 1e5);
    const stderr = decodeStream(raw.stderr, options.maxOutputBytes ?? 1e5);
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
    if (this.#waiting >= MAX_WAITING_CELLS) {
      throw new SandboxError(`Cannot run the cell: ${MAX_WAITING_CELLS} cells wait already for the one running in this sandbox; wait for their answers (or cancel them) and send it again`);
    }
    const before = this.#cells;
    const { promise: ended, resolve: end } = Promise.withResolvers();
    this.#cells = before.then(() => ended);
    let raw;
    try {
      this.#waiting++;
      try {
        await waitUnlessAborted(before, options.signal);
      } finally {
        this.#waiting--;
      }
      if (options.signal?.aborted) return notRun();
      raw = await this.#tagged("python", {
        code,
        timeout: options.timeoutMs === void 0 ? void 0 : options.timeoutMs / 1e3,
        max_output: options.maxOutputBytes ?? 1e5,
        max_image_bytes: options.maxImageBytes ?? 4e5,
        max_images: options.maxImages ?? 8
      }, {
        signal: options.signal,
        onLine: options.onOutput
      });
    } finally {
      end();
    }
    const maxOutput = options.maxOutputBytes ?? 1e5;
    const maxImageBytes = options.maxImageBytes ?? 4e5;
    const maxImages = options.maxImages ?? 8;
    const stdout = decodeStream(raw.stdout, maxOutput);
    const stderr = decodeStream(raw.stderr, maxOutput);
    const value = raw.value === null ? null : capText(raw.value, maxOutput);
    const error = raw.error && {
      type: capText(raw.error.type, 200).text,
      message: capText(raw.error.message, maxOutput),
      traceback: capText(raw.error.traceback, maxOutput)
    };
    const notes = raw.notes.slice(0, MAX_NOTES).map((note) => capText(note, MAX_NOTE).text);
    const images = [];
    for (const { mime_type, data, width, height } of raw.images) {
      const bytes = Math.floor(data.length * 3 / 4) - (data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0);
      if (images.length >= maxImages || bytes > maxImageBytes || !IMAGE_TYPE.test(mime_type) || !BASE64.test(data) || !(width >= 0 && width <= 1e5 && height >= 0 && height <= 1e5)) {
        if (notes.length < MAX_NOTES + 1) {
          notes.push(`an image the sandbox sent was left out: over ${maxImages} images or ${maxImageBytes} bytes, or not a base64 image`);
        }
        continue;
      }
      images.push({
        mimeType: mime_type,
        data,
        width,
        height,
        bytes
      });
    }
    return {
      stdout: stdout.text,
      stderr: stderr.text,
      result: value?.text ?? null,
      error: error && {
        type: error.type,
        message: error.message.text,
        traceback: error.traceback.text
      },
      images,
      notes,
      timedOut: raw.timed_out,
      cancelled: raw.cancelled,
      state: raw.state,
      freshInterpreter: raw.fresh,
      died: raw.died && {
        exitCode: raw.died.exit_code,
        signal: raw.died.signal
      },
      durationMs: raw.duration_ms,
      truncated: stdout.truncated || stderr.truncated || !!value?.cut || !!error?.message.cut || !!error?.traceback.cut
    };
  }
  async resetPython(options = {}) {
    await this.#transport.request("python_reset", {}, options);
  }
  async killAll(options = {}) {
    const { killed } = await this.#transport.request("kill_all", {}, options);
    return {
      killed
    };
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
        options.signal?.throwIfAborted();
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
    let first = true;
    for await (const [chunk, last] of chunksOf(data, WRITE_CHUNK)) {
      options.signal?.throwIfAborted();
      const raw = await this.#transport.request("write", {
        path,
        upload,
        overwrite,
        first,
        last,
        data: chunk.toBase64()
      }, options);
      first = false;
      if (!last) continue;
      if ("type" in raw) return toWrittenFile(raw);
      throw new SandboxError(`Cannot write ${path}: the sandbox agent did not describe the file`);
    }
    throw new SandboxError(`Cannot write ${path}: no chunk was sent`);
  }
  async listFiles(path, options = {}) {
    const raw = await this.#transport.request("list", {
      path,
      depth: options.depth ?? 1,
      limit: options.limit ?? 1e3
    }, options);
    const limit = options.limit ?? 1e3;
    const entries = raw.entries.slice(0, limit).map(toFileInfo).map((entry) => entry.target !== void 0 && entry.target.length > MAX_TARGET ? {
      ...entry,
      target: `${entry.target.slice(0, MAX_TARGET)}\u2026`
    } : entry);
    return {
      path: raw.path,
      entries,
      truncated: raw.truncated || raw.entries.length > limit
    };
  }
  /** Copies the file `from` to `to` inside the sandbox (see writeFile's guarantees). */
  async copyFile(from, to, options = {}) {
    const raw = await this.#tagged("copy", {
      from,
      to,
      overwrite: options.overwrite ?? true
    }, options);
    return {
      file: toWrittenFile(raw.file),
      sha256: raw.sha256
    };
  }
  /** The agent's records of MCP tasks (agent_tasks.py). */
  tasks = {
    begin: /* @__PURE__ */ __name(async (task, createdAt, abandonAfterS, options = {}) => {
      if (this.#untagged) {
        throw new SandboxError("Cannot keep a task record: the sandbox's agent predates them");
      }
      return toTaskRecord(await this.#transport.request("task_begin", {
        task_id: task,
        created_at: createdAt,
        abandon_after: abandonAfterS
      }, options));
    }, "begin"),
    get: /* @__PURE__ */ __name(async (task, options = {}) => toTaskRecord(await this.#transport.request("task_get", {
      task_id: task
    }, options)), "get"),
    end: /* @__PURE__ */ __name(async (task, status, result, options = {}) => toTaskRecord(await this.#transport.request("task_end", {
      task_id: task,
      status,
      result
    }, options)), "end"),
    cancel: /* @__PURE__ */ __name(async (task, options = {}) => toTaskRecord(await this.#transport.request("task_cancel", {
      task_id: task
    }, options)), "cancel")
  };
  /** Moves a file uploaded to `temp` by other means to `path` (see writeFile's guarantees). */
  async commitUpload(temp, path, overwrite, options = {}) {
    return toWrittenFile(await this.#transport.request("commit_upload", {
      temp,
      path,
      overwrite
    }, options));
  }
};
async function* chunksOf(data, size) {
  if (data instanceof Uint8Array) {
    for (let start = 0; ; start += size) {
      const last = start + size >= data.length;
      yield [
        data.subarray(start, start + size),
        last
      ];
      if (last) return;
    }
  }
  let pending;
  let buffer = new Uint8Array(size);
  let filled = 0;
  for await (const piece of data) {
    for (let at = 0; at < piece.length; ) {
      const take = Math.min(size - filled, piece.length - at);
      buffer.set(piece.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === size) {
        if (pending) yield [
          pending,
          false
        ];
        pending = buffer;
        buffer = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0 || !pending) {
    if (pending) yield [
      pending,
      false
    ];
    yield [
      buffer.subarray(0, filled),
      true
    ];
  } else {
    yield [
      pending,
      true
    ];
  }
}
__name(chunksOf, "chunksOf");

// src/providers/agent/_runtime.ts
var AGENT_FILES = {
  "protocol.json": `{"request":{"id":"integer|string","op":"string","wait?":"number","task?":"string"},"ops":{"exec":{"request":{"command?":"string","argv?":"string[]","cwd?":"string","env?":"{string}","timeout?":"number","max_output?":"integer"},"result":{"stdout":"captured","stderr":"captured","exit_code":"integer|null","signal":"string|null","timed_out":"boolean","cancelled":"boolean","duration_ms":"number"},"progress":true},"python":{"request":{"code":"string","timeout?":"number","max_output?":"integer","max_image_bytes?":"integer","max_images?":"integer","max_repr?":"integer"},"result":{"stdout":"captured","stderr":"captured","value":"string|null","error":"python_error|null","images":"image[]","notes":"string[]","timed_out":"boolean","cancelled":"boolean","state":"'kept'|'lost'","died":"exit|null","fresh":"boolean","duration_ms":"number"},"progress":true},"python_reset":{"request":{},"result":{"reset":"boolean"}},"kill_all":{"request":{},"result":{"killed":"integer"}},"stat":{"request":{"path":"string"},"result":"file_info"},"read":{"request":{"path":"string","offset?":"integer","length?":"integer"},"result":{"data":"bytes","size":"integer"}},"write":{"request":{"path":"string","upload":"string","overwrite?":"boolean","first?":"boolean","last?":"boolean","data?":"base64"},"result":"file_info|upload_part"},"list":{"request":{"path?":"string","depth?":"integer","limit?":"integer"},"result":{"path":"string","entries":"file_info[]","truncated":"boolean"}},"commit_upload":{"request":{"path":"string","temp":"string","overwrite?":"boolean"},"result":"file_info"},"copy":{"request":{"from":"string","to":"string","overwrite?":"boolean"},"result":{"file":"file_info","sha256":"string"},"progress":true},"task_begin":{"request":{"task_id":"string","created_at":"string","abandon_after":"number"},"result":"task_record"},"task_get":{"request":{"task_id":"string"},"result":"task_record|null"},"task_end":{"request":{"task_id":"string","status":"'completed'|'failed'","result":"{any}"},"result":"task_record|null"},"task_cancel":{"request":{"task_id":"string"},"result":"task_record|null"},"tunnel":{"request":{"port":"integer","token":"string","inbound":"string"},"result":{"port":"integer"}}},"control":{"cancel":{"request":{"target":"integer|string"}},"wait":{"request":{"target":"integer|string","wait":"number"}}},"shapes":{"captured":{"head":"base64","tail":"base64","total":"integer"},"file_info":{"path":"string","name":"string","type":"'file'|'directory'|'symlink'|'other'","size":"integer","modified":"number","mode":"string","target?":"string","replaced?":"boolean"},"upload_part":{"path":"string"},"python_error":{"type":"string","message":"string","traceback":"string"},"image":{"data":"base64","mime_type":"string","width":"integer","height":"integer","bytes":"integer"},"exit":{"exit_code":"integer|null","signal":"string|null"},"task_record":{"status":"'working'|'completed'|'failed'|'cancelled'","status_message?":"string","created_at":"string","updated_at":"string","abandoned":"boolean","result?":"{any}"},"fault":{"field?":"string","code?":"error_code","message":"string"}},"errorCodes":["not_found","is_directory","not_directory","not_file","permission","read_only","exists","no_space","io"],"frames":{"hello":{"ready":"boolean","python":"string","home":"string","uid":"integer","protections?":"{string|null}"},"reply":{"id":"integer|string","result":"{any}"},"fault":{"id":"integer|string","error":"fault"},"progress":{"id":"integer|string","line":"string","bytes":"integer"},"pending":{"id":"integer|string","pending":"boolean","line":"string","bytes":"integer"}}}
`,
  "agent.py": '# The supervisor that runs inside the sandbox: its entry point. Without arguments (local sandboxes, where\n# it is PID 1) it reads JSON requests, one per line, on stdin and writes JSON replies, one per line,\n# on stdout; `agent.py serve SOCKET` and `agent.py call SOCKET REQUEST` are remote mode\'s server\n# and client (Daytona). The protocol is described once, in src/providers/agent/protocol.ts.\n#   agent_env.py       what the server says through the environment\n#   agent_frames.py    how replies are framed (pipe, socket)\n#   agent_protocol.py  requests checked against protocol.json\n#   agent_dispatch.py  one request to its handler, on a pool of threads\n#   agent_procs.py     commands in process groups, jobs, limits\n#   agent_output.py    output capture and progress lines\n#   agent_python.py    the interpreter (worker.py) behind python_exec\n#   agent_venv.py      the Python environment pip installs into\n#   agent_files.py     file operations\n#   agent_server.py, agent_client.py  remote mode\nimport os\nimport sys\n\n\ndef _read_line(fd):\n    """One line from `fd`, read a byte at a time: nothing after it is taken from the pipe."""\n    line = bytearray()\n    while not line.endswith(b"\\n"):\n        byte = os.read(fd, 1)\n        if not byte:\n            break\n        line += byte\n    return bytes(line)\n\n\ndef _close_inherited():\n    """Closes the descriptors past stdio that the server\'s own parent left open without\n    close-on-exec (a shell\'s, for one): they reached every sandbox\'s supervisor and helpers."""\n    for name in os.listdir("/proc/self/fd"):\n        if int(name) > 2:\n            try:\n                os.close(int(name))\n            except OSError:\n                pass  # the listing\'s own\n\n\ndef main():\n    if os.environ.get("SANDBOX_SUPERVISOR") == "pid1":\n        _close_inherited()\n    import signal\n    import threading\n\n    import agent_dispatch\n    import agent_frames\n    import agent_procs\n    import agent_venv\n    from agent_env import HOLD, HOME, LIMITS, NET, SUPERVISOR\n    from agent_python import interpreter\n\n    if HOLD and _read_line(0).strip() != b"start":\n        return\n    protections = {}\n    if SUPERVISOR == "pid1":\n        from protect import protect\n        agent_procs.spawner, status = protect()\n        protections.update(status)\n    if NET:\n        import net\n        agent_dispatch.relay = net.start(NET)\n    agent_procs.apply_limits(LIMITS)\n    agent_venv.activate()\n    signal.signal(signal.SIGPIPE, signal.SIG_DFL)\n    threading.Thread(target=interpreter.warm, daemon=True).start()\n    agent_frames.send({"ready": True, "python": sys.version.split()[0], "home": HOME, "uid": os.getuid(),\n                       "protections": protections})\n    agent_dispatch.serve_pipe(0)\n    # The host went away: take every process of this sandbox with us.\n    agent_procs.stop_jobs()\n    interpreter.stop()\n    agent_procs.kill_groups()\n\n\nif __name__ == "__main__":\n    if len(sys.argv) == 3 and sys.argv[1] == "serve":\n        from agent_server import serve\n        serve(sys.argv[2])\n    elif len(sys.argv) == 4 and sys.argv[1] == "call":\n        from agent_client import call\n        call(sys.argv[2], sys.argv[3])\n    else:\n        main()\n',
  "agent_client.py": '# The client of remote mode (agent_server.py), run once per API call as\n# `agent.py call SOCKET -` (the request on stdin) or `agent.py call SOCKET @FILE`: it starts the\n# server if none answers, hands it the request and prints the reply. It imports nothing else of the\n# agent, so that each call starts fast.\nimport fcntl\nimport json\nimport os\nimport socket\nimport subprocess\nimport sys\nimport time\n\nfrom agent_env import HOME, PYTHON, RUNTIME\n\n\ndef read_line(conn):\n    data = b""\n    while not data.endswith(b"\\n"):\n        chunk = conn.recv(65536)\n        if not chunk:\n            break\n        data += chunk\n    return data\n\n\ndef connect(path):\n    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n    try:\n        conn.connect(path)\n        return conn\n    except OSError:\n        conn.close()\n        return None\n\n\ndef connect_or_start(path):\n    conn = connect(path)\n    if conn is not None:\n        return conn\n    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)\n    with open(path + ".lock", "w") as lock:\n        fcntl.flock(lock, fcntl.LOCK_EX)  # one caller starts the server; the others wait for it\n        conn = connect(path)\n        if conn is not None:\n            return conn\n        with open(path + ".log", "ab") as log:\n            subprocess.Popen([PYTHON, "-X", "utf8", os.path.join(RUNTIME, "agent.py"), "serve", path],\n                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,\n                             start_new_session=True, cwd=HOME)\n        deadline = time.monotonic() + 10\n        while time.monotonic() < deadline:\n            conn = connect(path)\n            if conn is not None:\n                return conn\n            time.sleep(0.01)\n    raise SystemExit("Cannot start the sandbox agent; see %s.log" % path)\n\n\ndef call(path, argument):\n    """Sends one request, read from stdin (`-`) or a file (`@path`, deleted after), and prints\n    the reply."""\n    if argument.startswith("@"):\n        with open(argument[1:], "rb") as f:\n            raw = f.read()\n        os.unlink(argument[1:])\n    elif argument == "-":\n        raw = sys.stdin.buffer.read()\n    else:\n        raise SystemExit("agent.py call: the request must be - (stdin) or @file")\n    rid = json.loads(raw).get("id")\n    with connect_or_start(path) as conn:\n        conn.sendall(raw.rstrip(b"\\n") + b"\\n")\n        reply = read_line(conn)\n    if not reply:\n        reply = (json.dumps({"id": rid, "error": {"message": "Cannot finish: the sandbox agent stopped during the call; the next call starts a new one"}}) + "\\n").encode()\n    sys.stdout.buffer.write(reply)\n',
  "agent_dispatch.py": '# Dispatch: each request is checked against the protocol (agent_protocol.py), runs its operation\'s\n# handler and gets one reply; a cancel stops a running call. The handlers are exactly the\n# protocol\'s operations, or the agent does not start.\nimport json\nimport os\nimport queue\nimport select\nimport threading\nimport time\n\nimport agent_protocol\nimport agent_tasks\nfrom agent_frames import send\nfrom agent_files import FileFault, op_commit_upload, op_copy, op_list, op_read, op_stat, op_write\nfrom agent_procs import (Command, Job, jobs, jobs_lock, kill_all, kill_groups, run_command,\n                         sandbox_processes, stop_jobs)\nfrom agent_python import interpreter\n\n# The relay of web_preview\'s tunnels (net.py), set by agent.main() where the sandbox has one.\nrelay = None\n\n\ndef op_tunnel(req):\n    """Connects a port inside to the server for one web_preview connection (net.py)."""\n    port = int(req["port"])\n    if relay is None:\n        return {"error": {"field": "port", "message": "Cannot forward port %d: the sandbox has no relay" % port}}\n    try:\n        relay.tunnel(port, str(req["token"]), req["inbound"])\n    except OSError as e:\n        return {"error": {"message": "Cannot reach port %d in the sandbox: %s" % (port, e.strerror or e)}}\n    return {"result": {"port": port}}\n\n\ndef op_kill_all(req):\n    """Stops every process of the sandbox (commands, background servers, the interpreter, what\n    they left behind) and keeps its files; the next python_exec starts a fresh interpreter."""\n    before = sandbox_processes()\n    stop_jobs()\n    interpreter.stop_now()\n    kill_groups()\n    return {"result": {"killed": len(before | kill_all())}}\n\n\n# Operations that run as a job a cancel request can stop: handler(rid, req, job).\nJOB_OPS = {"exec": run_command, "python": interpreter.run, "copy": op_copy}\n# The others: handler(req).\nPLAIN_OPS = {"python_reset": lambda req: interpreter.reset(), "stat": op_stat, "read": op_read,\n             "write": op_write, "list": op_list, "commit_upload": op_commit_upload, "tunnel": op_tunnel, "kill_all": op_kill_all,\n             **agent_tasks.OPS}\n\nif set(JOB_OPS) | set(PLAIN_OPS) != agent_protocol.OPS:\n    raise SystemExit("Cannot start the sandbox agent: its operations (%s) are not those of protocol.json (%s)" % (\n        ", ".join(sorted(set(JOB_OPS) | set(PLAIN_OPS))), ", ".join(sorted(agent_protocol.OPS))))\n\n\ndef _admit(req):\n    """Checks a request and registers it as a job a cancel can stop: (req, job, None) when it\n    may run, else (None, None, the fault\'s reply)."""\n    rid = req.get("id")\n    op = req.get("op")\n    req, fault = agent_protocol.check_request(req)\n    if fault is None and op not in agent_protocol.OPS:  # a control request this transport lacks\n        fault = {"field": "op", "message": "Unknown operation: %r" % (op,)}\n    if fault is not None:\n        return None, None, {"error": fault, "id": rid}\n    task = req.get("task")\n    if task is not None and not agent_tasks.tag(rid, task):\n        return None, None, {"error": {"field": "task", "message": "Cannot run the call: its task was cancelled"}, "id": rid}\n    job = Job()\n    with jobs_lock:\n        jobs[rid] = job\n    return req, job, None\n\n\ndef _settle(rid, reply):\n    with jobs_lock:\n        jobs.pop(rid, None)\n    agent_tasks.untag(rid)\n    reply["id"] = rid\n    return reply\n\n\ndef _failed(e):\n    if isinstance(e, FileFault):\n        if e.code in agent_protocol.ERROR_CODES:\n            return {"error": {"code": e.code, "message": str(e)}}\n        return {"error": {"message": "Sandbox agent failed: file error code %r is not in protocol.json (%s)" % (e.code, e)}}\n    return {"error": {"message": "Sandbox agent failed: %s: %s" % (type(e).__name__, e)}}\n\n\ndef _cancel(req):\n    with jobs_lock:\n        job = jobs.get(req.get("target"))\n    if job is not None:\n        job.cancel()\n\n\ndef handle(req):\n    """Runs one request and returns its reply (None for a cancel, which has none)."""\n    if req.get("op") == "cancel":\n        _cancel(req)\n        return None\n    rid = req.get("id")\n    req, job, reply = _admit(req)\n    if reply is not None:\n        return reply\n    op = req.get("op")\n    try:\n        if op in JOB_OPS:\n            reply = JOB_OPS[op](rid, req, job)\n        else:\n            reply = PLAIN_OPS[op](req)\n    except Exception as e:  # report, never die: the sandbox must stay usable\n        reply = _failed(e)\n    return _settle(rid, reply)\n\n\ndef handle_and_send(req):\n    reply = handle(req)\n    if reply is not None:\n        send(reply)\n\n\nclass _Pool:\n    """Runs each request on a thread of its own, reusing idle threads: starting a thread costs\n    more than most requests."""\n\n    def __init__(self):\n        self.lock = threading.Lock()\n        self.idle = 0\n        self.work = queue.SimpleQueue()\n\n    def dispatch(self, fn, arg):\n        with self.lock:\n            reuse = self.idle > 0\n            if reuse:\n                self.idle -= 1  # reserved for this request: it never waits behind a busy one\n        self.work.put((fn, arg))\n        if not reuse:\n            try:\n                threading.Thread(target=self._serve, daemon=True).start()\n            except RuntimeError:\n                # No new thread while the sandbox\'s processes are at their cap (a fork bomb in\n                # its cgroup): the request waits for the next thread to come free.\n                with self.lock:\n                    self.idle -= 1\n\n    def reserve(self):\n        """Starts an idle thread ahead of need: with `exec` on the main thread, a request could\n        otherwise find no thread at all while a fork bomb holds the process budget."""\n        with self.lock:\n            self.idle += 1\n        threading.Thread(target=self._serve, daemon=True).start()\n\n    def _serve(self):\n        while True:\n            fn, arg = self.work.get()\n            try:\n                fn(arg)\n            finally:\n                with self.lock:\n                    self.idle += 1\n\n\n_pool = _Pool()\ndispatch = _pool.dispatch\n\n\ndef serve_pipe(fd):\n    """Reads requests, one JSON line each, from `fd` (the pipe from the server) until it closes.\n    `exec` requests run on this thread, side by side, each driven through one poll of all their\n    descriptors: a hand-off to a pool thread costs more than starting the command. The others\n    run on the pool; a cancel runs at once."""\n    _pool.reserve()\n    poller = select.poll()\n    poller.register(fd, select.POLLIN)\n    running = set()\n    pending = bytearray()\n\n    def end(command, reply):\n        running.discard(command)\n        send(_settle(command.rid, reply))\n\n    def fault(command, e):\n        command.abandon()\n        end(command, _failed(e))\n\n    while True:\n        now = time.monotonic()\n        wake_at = None\n        for command in list(running):\n            try:\n                at = command.wake(now)\n            except Exception as e:\n                fault(command, e)\n                continue\n            if at is None:\n                end(command, command.reply)\n            else:\n                wake_at = at if wake_at is None else min(wake_at, at)\n        timeout = None if wake_at is None else max(wake_at - now, 0) * 1000\n        for ready, _ in poller.poll(timeout):\n            if ready == fd:\n                data = os.read(fd, 1 << 16)\n                if not data:\n                    return\n                pending += data\n                for req in _requests(pending):\n                    command = _receive(req, poller)\n                    if command is not None:\n                        running.add(command)\n                continue\n            # A few commands at a time: finding the one that watches `ready` costs less than\n            # keeping a second map of descriptors beside theirs.\n            command = next((c for c in running if ready in c.watched), None)\n            if command is not None:\n                try:\n                    command.ready(ready)\n                except Exception as e:\n                    fault(command, e)\n\n\ndef _requests(pending):\n    """The complete lines in `pending` (taken out of it), as requests; lines that are not JSON\n    objects are skipped."""\n    while True:\n        end = pending.find(b"\\n")\n        if end < 0:\n            return\n        line = bytes(pending[:end])\n        del pending[:end + 1]\n        try:\n            req = json.loads(line)\n        except ValueError:\n            continue\n        if isinstance(req, dict):\n            yield req\n\n\ndef _receive(req, poller):\n    """Starts a request from serve_pipe(); returns the started command of an `exec`, else None\n    (a cancel done, a reply sent, or a request on the pool)."""\n    op = req.get("op")\n    if op == "cancel":\n        _cancel(req)\n        return None\n    if op != "exec":\n        dispatch(handle_and_send, req)\n        return None\n    rid = req.get("id")\n    req, job, reply = _admit(req)\n    if reply is not None:\n        send(reply)\n        return None\n    command = Command(rid, req, job, poller)\n    try:\n        if command.start():\n            return command\n        reply = command.reply\n    except Exception as e:\n        reply = _failed(e)\n    send(_settle(rid, reply))\n    return None\n',
  "agent_env.py": `# What the server tells the supervisor through its environment, read once at start. The variables
# meant for the supervisor alone are removed, so that no command or interpreter inherits them.
import os
import sys

HOME = os.environ.get("HOME", "/")
# The runtime directory: the supervisor's modules, worker.py and protocol.json.
RUNTIME = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.environ.pop("SANDBOX_PYTHON", sys.executable)
LIMITS = os.environ.pop("SANDBOX_LIMITS", "")
# Set when the server moves the sandbox into its control group after the spawn: the agent then
# starts nothing (no thread that could fork, no interpreter) until the server says "start".
HOLD = os.environ.pop("SANDBOX_HOLD", "")
# "pid1" when the agent is the sandbox's PID 1 (the local provider): it then protects itself and
# reaps orphans (protect.py).
SUPERVISOR = os.environ.pop("SANDBOX_SUPERVISOR", "")
# The \`internet\` network mode's relay to the server's egress proxy (net.py), when set.
NET = os.environ.pop("SANDBOX_NET", "")
# Where the sandbox's Python environment lives (agent_venv.py), when the server gives one.
VENV = os.environ.pop("SANDBOX_VENV", "")
# The environment of every command and of the interpreter.
BASE_ENV = dict(os.environ)
`,
  "agent_files.py": `# File operations: they run here, inside the sandbox, as its user: paths and symlinks resolve
# exactly as they do for the sandbox's processes, so nothing outside the sandbox can be reached
# through them. Failures are FileFaults, whose codes are the protocol's error codes.
import base64
import errno
import json
import os
import stat

from agent_env import HOME

# The most bytes one read returns.
READ_LIMIT = 4 * 1024 * 1024

FILE_FAULTS = {
    errno.ENOENT: ("not_found", "no such file or directory"),
    errno.ENOTDIR: ("not_found", "a parent of it is not a directory"),
    errno.EISDIR: ("is_directory", "it is a directory"),
    errno.EACCES: ("permission", "permission denied"),
    errno.EPERM: ("permission", "permission denied"),
    errno.EROFS: ("read_only", "the file system is read-only there (only %s and /tmp are writable)" % HOME),
    errno.EEXIST: ("exists", "it already exists"),
    errno.ENOSPC: ("no_space", "no space left on the device"),
    errno.ELOOP: ("not_found", "too many levels of symbolic links"),
}


class FileFault(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def fault(error, verb, path):
    code, why = FILE_FAULTS.get(error.errno, ("io", error.strerror or str(error)))
    return FileFault(code, "Cannot %s %s: %s" % (verb, path, why))


def resolve(path):
    if path == "~" or path.startswith("~/"):
        path = HOME + path[1:]
    return os.path.normpath(os.path.join(HOME, path))


def describe(path, st, name=None, dir_fd=None):
    """A file's info; a symlink's target is read from \`dir_fd\` (by \`name\`) when given: by path, a
    directory swapped for a link to /proc/1/fd after it was checked showed the supervisor's."""
    mode = st.st_mode
    kind = ("directory" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode)
            else "symlink" if stat.S_ISLNK(mode) else "other")
    info = {"path": path, "name": name or os.path.basename(path) or "/", "type": kind,
            "size": st.st_size, "modified": st.st_mtime, "mode": stat.filemode(mode)}
    if kind == "symlink":
        try:
            info["target"] = os.readlink(name, dir_fd=dir_fd) if dir_fd is not None else os.readlink(path)
        except OSError:
            pass
    return info


def _refuse_supervisors(fd, verb, path):
    """Raises when \`fd\` is on this supervisor's own /proc files, which sandbox code may not see
    (a listing of /proc/1/fd named its pipes, /proc/1/map_files its memory map)."""
    if _supervisors(fd):
        raise FileFault("permission", "Cannot %s %s: permission denied" % (verb, path))


def op_stat(req):
    path = resolve(req["path"])
    fds = []
    try:
        # The name itself (/proc/1/fd/0 is a link of the supervisor's) and where it leads.
        for flags in (os.O_PATH | os.O_NOFOLLOW, os.O_PATH):
            fds.append(os.open(path, flags))
            _refuse_supervisors(fds[-1], "read", path)
        return {"result": describe(path, os.stat(fds[-1]))}
    except OSError as e:
        raise fault(e, "read", path)
    finally:
        for fd in fds:
            os.close(fd)


def _regular_file(fd, path):
    """The stat of the file open on \`fd\`, which must be a regular file to be read, and not one of
    this supervisor's own /proc files: sandbox code may not read those (its memory map, its
    environment), and would otherwise have the supervisor read them for it."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise FileFault("is_directory" if stat.S_ISDIR(st.st_mode) else "not_file",
                        "Cannot read %s: it is %s" % (path, kind))
    if _supervisors(fd):
        raise FileFault("permission", "Cannot read %s: it is a file of the sandbox's supervisor" % path)
    return st


def _supervisors(fd):
    """Whether \`fd\` is open on a /proc file of this process (or of one of its threads)."""
    try:
        where = os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        return False
    parts = where.split("/")
    if len(parts) < 3 or parts[1] != "proc" or not parts[2].isdigit():
        return False
    try:
        with open("/proc/%s/status" % parts[2]) as f:
            for line in f:
                if line.startswith("Tgid:"):
                    return int(line.split()[1]) == os.getpid()
    except OSError:
        return True  # gone, or hidden: not worth the risk
    return False


def op_read(req):
    path = resolve(req["path"])
    offset = max(0, int(req.get("offset", 0)))
    length = max(0, min(int(req.get("length", READ_LIMIT)), READ_LIMIT))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise fault(e, "read", path)
    try:
        st = _regular_file(fd, path)
        data = os.pread(fd, length, offset)
    finally:
        os.close(fd)
    return {"result": {"data": data, "size": st.st_size}}


def _prepare_target(path, overwrite):
    """Makes \`path\`'s parent directories, and refuses a directory there, or any file unless
    \`overwrite\`: what a write or a copy checks before its first byte."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.isdir(path):
        raise FileFault("is_directory", "Cannot write %s: it is a directory" % path)
    if not overwrite and os.path.lexists(path):
        raise FileFault("exists", "Cannot write %s: it already exists and overwrite is false" % path)


def op_write(req):
    """Uploads arrive in chunks into a hidden temporary file that replaces the target at the end,
    so a failed upload never leaves a half-written file in place of the old one."""
    path = resolve(req["path"])
    parent = os.path.dirname(path)
    temp = os.path.join(parent, ".%s.upload-%s" % (os.path.basename(path), req["upload"]))
    data = base64.b64decode(req.get("data", ""))
    try:
        if req.get("first"):
            _prepare_target(path, req.get("overwrite", True))
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        else:
            flags = os.O_WRONLY | os.O_APPEND
        fd = os.open(temp, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        if not req.get("last"):
            return {"result": {"path": path}}
        return {"result": _put_in_place(temp, path, req.get("overwrite", True))}
    except FileFault:
        raise
    except OSError as e:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise fault(e, "write", path)


# The most a listing's entries take as JSON: the tool's result holds them twice (as its structure
# and as its text), within the 10 MiB an MCP client reads in one message. Names of 250 escaped
# control characters, ten levels deep, made 1000 entries 34 MiB, and the whole listing failed.
LIST_BYTES = 2 * 1024 * 1024


def op_list(req):
    root = resolve(req.get("path") or ".")
    depth = max(1, int(req.get("depth", 1)))
    limit = int(req.get("limit", 1000))
    try:
        if not stat.S_ISDIR(os.stat(root).st_mode):
            raise FileFault("not_directory", "Cannot list %s: it is not a directory" % root)
    except OSError as e:
        raise fault(e, "list", root)
    entries = []
    size = 0
    truncated = False
    pending = [(root, 1)]
    while pending and not truncated:
        directory, level = pending.pop(0)
        try:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue  # unreadable subdirectory: list what can be listed
        try:
            if _supervisors(fd):
                if directory == root:
                    raise FileFault("permission", "Cannot list %s: permission denied" % root)
                continue
            with os.scandir(fd) as it:
                children = sorted(it, key=lambda entry: entry.name)
            for entry in children:
                if len(entries) >= limit:
                    truncated = True
                    break
                path = os.path.join(directory, entry.name)
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                info = describe(path, st, entry.name, fd)
                size += len(json.dumps(info))
                if size > LIST_BYTES:
                    truncated = True
                    break
                entries.append(info)
                if level < depth and entry.is_dir(follow_symlinks=False):
                    pending.append((path, level + 1))
        except OSError:
            continue
        finally:
            os.close(fd)
    return {"result": {"path": root, "entries": entries, "truncated": truncated}}


def _put_in_place(temp, path, overwrite):
    """Moves a finished upload to its name, and describes it, saying whether it replaced a file."""
    replaced = False
    if overwrite:
        replaced = os.path.lexists(path)
        os.replace(temp, path)
    else:
        os.link(temp, path)  # fails if the target appeared meanwhile: never clobbers
        os.unlink(temp)
    info = describe(path, os.stat(path))
    info["replaced"] = replaced
    return info


def op_copy(rid, req, job):
    """Copies a file within the sandbox's view, hashing it on the way: how a file of a shared
    directory comes in or goes out without passing through the server."""
    import hashlib
    source = resolve(req["from"])
    path = resolve(req["to"])
    overwrite = req.get("overwrite", True)
    try:
        fd_in = os.open(source, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise fault(e, "read", source)
    parent = os.path.dirname(path)
    temp = os.path.join(parent, ".%s.upload-%s" % (os.path.basename(path), os.urandom(4).hex()))
    made = False
    try:
        _regular_file(fd_in, source)
        _prepare_target(path, overwrite)
        digest = hashlib.sha256()
        fd_out = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        made = True
        try:
            while True:
                if job.cancelled:
                    return {"error": {"message": "Cannot copy %s to %s: cancelled" % (source, path)}}
                chunk = os.read(fd_in, 1 << 20)
                if not chunk:
                    break
                digest.update(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd_out, view):]
        finally:
            os.close(fd_out)
        info = _put_in_place(temp, path, overwrite)
        made = False
        return {"result": {"file": info, "sha256": digest.hexdigest()}}
    except OSError as e:
        raise fault(e, "write", path)
    finally:
        os.close(fd_in)
        if made:
            try:
                os.unlink(temp)
            except OSError:
                pass


def op_commit_upload(req):
    """Moves a file uploaded by other means (Daytona's toolbox) into place, like op_write's end."""
    path = resolve(req["path"])
    temp = resolve(req["temp"])
    try:
        if os.path.isdir(path):
            raise FileFault("is_directory", "Cannot write %s: it is a directory" % path)
        return {"result": _put_in_place(temp, path, req.get("overwrite", True))}
    except OSError as e:
        raise fault(e, "write", path)
    finally:
        if os.path.lexists(temp):
            os.unlink(temp)
`,
  "agent_frames.py": '# How replies leave the supervisor (the frames of src/providers/agent/protocol.ts). On the pipe to\n# the server (local sandboxes) each reply is one JSON line, and file data follows it raw; through\n# the socket of remote mode (agent_server.py) file data is base64 inside the line, and progress\n# lines are kept for the `wait` requests that follow a detached call.\nimport base64\nimport json\nimport sys\nimport threading\n\n_out = sys.stdout.buffer\n_out_lock = threading.Lock()\n\n# Remote mode keeps each request\'s latest progress line here for `wait` replies (see\n# agent_server.serve()); None in pipe mode, where progress lines are sent as they come.\nprogress = None\n\n\ndef send(message):\n    """Writes one reply line. File data (bytes in result["data"]) follows the line raw, its length\n    given as result["_binary"]: no base64, no JSON escaping for the bulk of a read."""\n    if progress is not None and "line" in message:\n        progress[message.get("id")] = (message["line"], message.get("bytes", 0))\n        return\n    result = message.get("result")\n    raw = None\n    if isinstance(result, dict) and isinstance(result.get("data"), bytes):\n        raw = result.pop("data")\n        result["_binary"] = len(raw)\n    data = (json.dumps(message, separators=(",", ":")) + "\\n").encode()\n    with _out_lock:\n        _out.write(data)\n        if raw is not None:\n            _out.write(raw)\n        _out.flush()\n\n\ndef socket_line(reply):\n    """One reply as a line for the socket of remote mode: file data base64 in the JSON."""\n    result = reply.get("result")\n    if isinstance(result, dict) and isinstance(result.get("data"), bytes):\n        result["data"] = base64.b64encode(result["data"]).decode()\n    return (json.dumps(reply, separators=(",", ":")) + "\\n").encode()\n',
  "agent_output.py": '# What a command or a Python cell writes: kept in part, counted in full, and reported now and then\n# as progress lines.\nimport base64\nimport time\n\nimport agent_frames\n\n# How often a running call reports its latest output line, in seconds.\nLINE_EVERY = 0.5\n\n\nclass Capture:\n    """Keeps the first and the last `limit // 2` bytes of a stream and counts all of it."""\n\n    def __init__(self, limit):\n        self.head_limit = limit // 2\n        self.tail_limit = limit - self.head_limit\n        self.head = bytearray()\n        self.tail = bytearray()\n        self.total = 0\n        self.recent = b""\n\n    def add(self, data):\n        self.total += len(data)\n        self.recent = (self.recent + data)[-512:]\n        room = self.head_limit - len(self.head)\n        if room > 0:\n            self.head += data[:room]\n            data = data[room:]\n        if data:\n            self.tail += data\n            if len(self.tail) > self.tail_limit:\n                del self.tail[: len(self.tail) - self.tail_limit]\n\n    def last_line(self):\n        lines = self.recent.rstrip(b"\\r\\n").replace(b"\\r", b"\\n").rsplit(b"\\n", 1)\n        return lines[-1][-200:].decode("utf-8", "replace")\n\n    def to_json(self):\n        return {\n            "head": base64.b64encode(bytes(self.head)).decode(),\n            "tail": base64.b64encode(bytes(self.tail)).decode(),\n            "total": self.total,\n        }\n\n\nclass LineReporter:\n    """Sends the latest output line of a request now and then, for progress notifications."""\n\n    def __init__(self, rid, captures):\n        self.rid = rid\n        self.captures = captures\n        self.sent_total = 0\n        self.next_at = time.monotonic() + LINE_EVERY\n\n    def tick(self, now):\n        if now < self.next_at:\n            return self.next_at\n        self.next_at = now + LINE_EVERY\n        newest = max(self.captures, key=lambda c: c.total)\n        total = sum(c.total for c in self.captures)\n        if total != self.sent_total:\n            self.sent_total = total\n            agent_frames.send({"id": self.rid, "line": newest.last_line(), "bytes": total})\n        return self.next_at\n',
  "agent_procs.py": '# Process supervision: each command runs in its own process group so that a timeout or a\n# cancellation kills everything it started, while a command that backgrounds a server returns at\n# once and leaves the server running. Every group started is remembered, so that none outlives the\n# sandbox.\nimport os\nimport select\nimport selectors\nimport signal\nimport subprocess\nimport threading\nimport time\n\nfrom agent_env import BASE_ENV, HOME\nfrom agent_output import Capture, LineReporter\n\n# After a command exits, how long to keep reading output that its background children may still hold.\nEXIT_GRACE = 0.05\n\n\nclass Job:\n    """One running command or Python cell that a cancel request can stop."""\n\n    def __init__(self):\n        self.cancelled = False\n        self.kill = lambda: None\n\n    def cancel(self):\n        self.cancelled = True\n        self.kill()\n\n\njobs = {}\njobs_lock = threading.Lock()\n# Every process group this agent started, so that none outlives the sandbox.\ngroups = set()\n\n\nclass _Spawner:\n    """Starts children as they are; replaced by protect.py\'s reaper when the agent is PID 1."""\n\n    def spawn(self, start):\n        return start()\n\n    def release(self, pid):\n        pass\n\n\nspawner = _Spawner()\n\n# Prepended to every command and to the interpreter: caps the number of processes of the\n# sandbox\'s user for them, but not for the agent, which must keep working after a fork bomb.\nLIMIT_PREFIX = []\n\n\ndef apply_limits(spec):\n    """Caps the sandbox\'s processes: address space and file size through the agent\'s own limits,\n    which every process inherits; the number of processes through `prlimit` on each command; the\n    CPU, where no cgroup budgets it, only by a lower priority (`nice`), inherited too. A process\n    over a limit fails or is killed; the sandbox and the server carry on."""\n    import resource\n    sizes = {"memory_mb": resource.RLIMIT_AS, "file_mb": resource.RLIMIT_FSIZE}\n    for item in filter(None, spec.split(",")):\n        name, _, value = item.partition("=")\n        if int(value or 0) <= 0:\n            continue\n        if name in sizes:\n            limit = int(value) * 1024 * 1024\n            resource.setrlimit(sizes[name], (limit, limit))\n        elif name == "processes":\n            prlimit = which("prlimit")\n            if prlimit:\n                LIMIT_PREFIX[:] = [prlimit, "--nproc=%d" % int(value), "--"]\n        elif name == "nice":\n            # No CPU budget: the host\'s own programs go first when the CPU is busy. A process may\n            # lower its priority further, never raise it again (RLIMIT_NICE 0 allows no raise).\n            resource.setrlimit(resource.RLIMIT_NICE, (0, 0))\n            os.nice(int(value))\n\n\ndef which(program):\n    """`program` on the sandbox\'s PATH, or None: shutil.which\'s answer, without the 4 ms its\n    import adds to a sandbox\'s start."""\n    for directory in BASE_ENV.get("PATH", os.defpath).split(os.pathsep):\n        path = os.path.join(directory or ".", program)\n        if os.path.isfile(path) and os.access(path, os.X_OK):\n            return path\n    return None\n\n\ndef _new_group():\n    """Popen arguments that give a child a process group of its own (what timeouts, cancels and\n    kill_groups() signal). Where the agent leads a session of its own (local sandboxes, whose\n    bwrap runs --new-session; remote mode\'s server) its children stay in that session: setsid()\n    also makes a scheduler autogroup where the kernel has them (sched_autogroup_enabled), which\n    costs more than the rest of a spawn. Elsewhere (unisolated, or Python before 3.11) each child\n    gets a session of its own, as it always did."""\n    import sys\n    if sys.version_info >= (3, 11) and os.getsid(0) == os.getpid():\n        return {"process_group": 0}\n    return {"start_new_session": True}\n\n\nNEW_GROUP = _new_group()\n\n\ndef kill_group(pid, pidfd=None):\n    """Kills the process group `pid` leads, and with `pidfd` (the leader\'s, not yet reaped) the\n    leader itself wherever it went: a command that moved into another group with setpgid() was\n    out of reach of its timeout, and its sandbox was ended for not answering."""\n    try:\n        os.killpg(pid, signal.SIGKILL)\n    except (ProcessLookupError, PermissionError):\n        pass\n    if pidfd is not None:\n        try:\n            signal.pidfd_send_signal(pidfd, signal.SIGKILL)\n        except (AttributeError, OSError):\n            pass\n\n\n# How long a killed process may take to go before whatever traces it is killed too.\nKILL_GRACE = 1.0\n\n\ndef kill_tracer(pid):\n    """Kills the process that ptraces `pid`, if any: a tracee killed with SIGKILL waits in its\n    exit stop, for good, while its tracer (a process of the sandbox that seized it) lets it."""\n    try:\n        with open("/proc/%d/status" % pid) as f:\n            for line in f:\n                if line.startswith("TracerPid:"):\n                    tracer = int(line.split()[1])\n                    if tracer > 0:\n                        os.kill(tracer, signal.SIGKILL)\n                    return\n    except (OSError, ValueError):\n        pass\n\n\ndef reap(proc, kill):\n    """Waits for `proc`, which `kill` has been told to kill, killing its tracer and it again each\n    KILL_GRACE it stays; returns its exit status."""\n    while True:\n        try:\n            return proc.wait(timeout=KILL_GRACE)\n        except subprocess.TimeoutExpired:\n            kill_tracer(proc.pid)\n            kill()\n\n\ndef stop_jobs():\n    """Cancels every running command and cell."""\n    with jobs_lock:\n        for job in list(jobs.values()):\n            job.cancel()\n\n\ndef kill_groups():\n    """Kills every process group this agent started."""\n    for pid in list(groups):\n        kill_group(pid)\n\n\ndef signal_name(returncode):\n    if returncode is None or returncode >= 0:\n        return None\n    try:\n        return signal.Signals(-returncode).name\n    except ValueError:\n        return "SIG%d" % -returncode\n\n\ndef open_pidfd(pid):\n    try:\n        return os.pidfd_open(pid)\n    except (AttributeError, OSError):\n        return None\n\n\nclass _Drain:\n    """Reads and discards what background processes still write to the pipes of commands that\n    returned, so they never get SIGPIPE. One thread for all, started with the first: a command\n    must not need a new thread (none can start while a fork bomb holds the process budget)."""\n\n    def __init__(self):\n        self.lock = threading.Lock()\n        self.sel = None\n        self.wakeup = None\n\n    def add(self, fds):\n        with self.lock:\n            if self.sel is None:\n                sel = selectors.DefaultSelector()\n                read_end, wakeup = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)\n                sel.register(read_end, selectors.EVENT_READ)\n                try:\n                    threading.Thread(target=self._run, args=(sel, read_end), daemon=True).start()\n                except RuntimeError:  # at the process cap: the pipes close, the writers get SIGPIPE\n                    for fd in fds + [read_end, wakeup]:\n                        os.close(fd)\n                    sel.close()\n                    return\n                self.sel, self.wakeup = sel, wakeup\n            for fd in fds:\n                self.sel.register(fd, selectors.EVENT_READ)\n        os.write(self.wakeup, b"\\0")\n\n    def _run(self, sel, wakeup):\n        while True:\n            for key, _ in sel.select():\n                if key.fd == wakeup:\n                    try:\n                        os.read(wakeup, 4096)\n                    except BlockingIOError:\n                        pass\n                elif not os.read(key.fd, 65536):\n                    with self.lock:\n                        sel.unregister(key.fd)\n                    os.close(key.fd)\n\n\ndrain = _Drain()\n\n# Every command\'s stdin: /dev/null, opened once (close-on-exec; each child gets it as its fd 0).\n_DEVNULL = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)\n\n\nclass Command:\n    """One `exec` request: start() starts it, then whoever polls its file descriptors drives it\n    (run_command() alone, or the agent\'s main loop beside other commands: a hand-off to another\n    thread costs more than starting the command) by calling ready() for each descriptor that is\n    readable and wake() when it asks to be woken, until wake() returns None and `reply` is set.\n    It is finished when the command has exited and its output is read (or, when background\n    processes keep the pipes open, EXIT_GRACE after the exit); a timeout or a cancel kills its\n    process group, even after it closed its output."""\n\n    def __init__(self, rid, req, job, poller):\n        self.rid = rid\n        self.req = req\n        self.job = job\n        self.poller = poller\n        self.reply = None\n        self.watched = {}  # fd -> Capture, or None for the pidfd\n\n    def start(self):\n        """Starts the command; False (and `reply` set) when it cannot start."""\n        req = self.req\n        cwd = req.get("cwd") or HOME\n        if not os.path.isdir(cwd):\n            return self._fail("cwd", "Cannot run command: cwd \'%s\' is not a directory in the sandbox" % cwd)\n        env = dict(BASE_ENV)\n        env.update(req.get("env") or {})\n        limit = req.get("max_output", 100_000)\n        timeout = req.get("timeout")\n        self.started = time.monotonic()\n        argv = req.get("argv") or ["/bin/sh", "-c", req["command"]]\n        if LIMIT_PREFIX and "/" not in argv[0] and which(argv[0]) is None:\n            return self._fail("command", "Cannot start command: %s is not installed in the sandbox" % argv[0])\n        try:\n            self.proc = proc = spawner.spawn(lambda: subprocess.Popen(\n                LIMIT_PREFIX + argv, cwd=cwd, env=env, stdin=_DEVNULL,\n                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **NEW_GROUP,\n            ))\n        except FileNotFoundError:\n            return self._fail("command", "Cannot start command: %s is not installed in the sandbox" % argv[0])\n        except (OSError, ValueError) as e:\n            return self._fail("command", "Cannot start command: %s" % e)\n        groups.add(proc.pid)\n        self.pidfd = open_pidfd(proc.pid)\n        self.job.kill = lambda: kill_group(proc.pid, self.pidfd)\n        if self.job.cancelled:\n            self.job.kill()\n        self.out, self.err = Capture(limit), Capture(limit)\n        self.reporter = LineReporter(self.rid, [self.out, self.err])\n        self.deadline = self.started + timeout if timeout else None\n        self.timed_out = False\n        self.killed_at = None\n        self.exited_at = None\n        for fd, capture in ((proc.stdout.fileno(), self.out), (proc.stderr.fileno(), self.err)):\n            self._watch(fd, capture)\n        if self.pidfd is not None:\n            self._watch(self.pidfd, None)\n        return True\n\n    def _fail(self, field, message):\n        self.reply = {"error": {"field": field, "message": message}}\n        return False\n\n    def _watch(self, fd, capture):\n        self.watched[fd] = capture\n        self.poller.register(fd, select.POLLIN)\n\n    def _unwatch(self, fd):\n        del self.watched[fd]\n        self.poller.unregister(fd)\n\n    def ready(self, fd):\n        """Reads what `fd` has: output, the end of a stream, or (the pidfd) the exit."""\n        capture = self.watched[fd]\n        if capture is None:\n            self._unwatch(fd)\n            self.exited_at = time.monotonic()\n            return\n        data = os.read(fd, 65536)\n        if data:\n            capture.add(data)\n        else:\n            self._unwatch(fd)\n\n    def wake(self, now):\n        """Does what is due at `now` (a progress line, the timeout\'s kill); returns when it next\n        needs waking, or None once it is finished."""\n        wait_until = self.reporter.tick(now)\n        if self.deadline is not None and not self.timed_out:\n            if now >= self.deadline:\n                self.timed_out = True\n                kill_group(self.proc.pid, self.pidfd)\n            else:\n                wait_until = min(wait_until, self.deadline)\n        if (self.timed_out or self.job.cancelled) and self.exited_at is None:\n            # Killed, and still there after a grace: something traces it and holds it.\n            if self.killed_at is None:\n                self.killed_at = now\n            elif now - self.killed_at >= KILL_GRACE:\n                kill_tracer(self.proc.pid)\n                kill_group(self.proc.pid, self.pidfd)\n                self.killed_at = now\n            wait_until = min(wait_until, self.killed_at + KILL_GRACE)\n        if self.exited_at is None and self.pidfd is None and self.proc.poll() is not None:\n            self.exited_at = now\n        output_open = any(capture is not None for capture in self.watched.values())\n        if self.exited_at is not None:\n            if not output_open or now - self.exited_at >= EXIT_GRACE:\n                self._finish()\n                return None\n            wait_until = min(wait_until, self.exited_at + EXIT_GRACE)\n        elif self.pidfd is None:\n            wait_until = min(wait_until, now + 0.02)\n        return wait_until\n\n    def _finish(self):\n        proc = self.proc\n        held = []\n        for fd in list(self.watched):\n            if self.watched[fd] is not None:\n                held.append(os.dup(fd))\n            self._unwatch(fd)\n        if self.pidfd is not None:\n            os.close(self.pidfd)\n            self.pidfd = None\n        if held:\n            # Background processes still hold the output pipes: keep them drained, return now.\n            drain.add(held)\n        proc.stdout.close()\n        proc.stderr.close()\n        returncode = proc.wait()  # at once: the command has exited\n        spawner.release(proc.pid)\n        try:\n            os.killpg(proc.pid, 0)\n        except ProcessLookupError:\n            groups.discard(proc.pid)  # nothing of this command lives on\n        except PermissionError:\n            pass\n        self.reply = {"result": {\n            "stdout": self.out.to_json(), "stderr": self.err.to_json(),\n            "exit_code": returncode if returncode >= 0 else None,\n            "signal": signal_name(returncode),\n            "timed_out": self.timed_out, "cancelled": self.job.cancelled,\n            "duration_ms": (time.monotonic() - self.started) * 1000,\n        }}\n\n    def abandon(self):\n        """After a fault in this agent: kills the command, forgets its descriptors and leaves its\n        exit to the reaper."""\n        kill_group(self.proc.pid, self.pidfd)\n        for fd in list(self.watched):\n            self._unwatch(fd)\n        if self.pidfd is not None:\n            os.close(self.pidfd)\n            self.pidfd = None\n        spawner.release(self.proc.pid)\n\n\ndef run_command(rid, req, job):\n    """The `exec` operation, on the calling thread."""\n    poller = select.poll()\n    command = Command(rid, req, job, poller)\n    if not command.start():\n        return command.reply\n    try:\n        while True:\n            now = time.monotonic()\n            wait_until = command.wake(now)\n            if wait_until is None:\n                return command.reply\n            for fd, _ in poller.poll(max(wait_until - now, 0) * 1000):\n                command.ready(fd)\n    except BaseException:\n        if command.reply is None:\n            command.abandon()\n        raise\n\n\ndef _live_processes():\n    """The sandbox\'s live processes other than the agent, as (pid, ppid, pgrp, session) tuples,\n    from /proc (zombies, already dead, left out)."""\n    me = os.getpid()\n    found = []\n    for name in os.listdir("/proc"):\n        if not name.isdigit() or int(name) == me:\n            continue\n        try:\n            with open("/proc/%s/stat" % name, "rb") as f:\n                stat = f.read().decode("ascii", "replace")\n        except OSError:\n            continue\n        fields = stat[stat.rindex(")") + 2:].split()\n        if fields[0] in ("Z", "X"):\n            continue\n        found.append((int(name), int(fields[1]), int(fields[2]), int(fields[3])))\n    return found\n\n\ndef _ours(processes):\n    """Which of `processes` this agent started, in remote mode where the machine has others: its\n    descendants, and members of the process groups and sessions of its commands (which keeps a\n    daemon that double-forked, unless it also left the session with setsid). Where the agent\n    leads its session its commands share it (see _new_group): then that session counts."""\n    me = os.getpid()\n    children = {}\n    for pid, ppid, _, _ in processes:\n        children.setdefault(ppid, []).append(pid)\n    mine = set()\n    todo = [me]\n    while todo:\n        for child in children.get(todo.pop(), ()):\n            if child not in mine:\n                mine.add(child)\n                todo.append(child)\n    started = set(groups)\n    if "process_group" in NEW_GROUP:\n        started.add(me)\n    return [pid for pid, _, pgrp, sid in processes if pid in mine or pgrp in started or sid in started]\n\n\ndef sandbox_processes():\n    """The pids of the sandbox\'s live processes but the agent: every other one where the agent is\n    PID 1, else those it started."""\n    live = _live_processes()\n    return {p[0] for p in live} if os.getpid() == 1 else set(_ours(live))\n\n\ndef kill_all():\n    """Kills every process of the sandbox but the agent itself, a fork bomb included, and returns\n    how many there were. As PID 1 of the sandbox (local sandboxes) that is every other process:\n    kill(-1) signals them all at once while no new one can be forked. Elsewhere (remote mode) it is\n    the processes the agent started, found in /proc and killed until none is left. Returns the pids\n    it saw."""\n    pid1 = os.getpid() == 1\n    seen = set()\n    for _ in range(100):\n        victims = sandbox_processes()\n        if not victims:\n            break\n        seen.update(victims)\n        if pid1:\n            try:\n                os.kill(-1, signal.SIGKILL)\n            except ProcessLookupError:\n                pass\n        else:\n            for pid in victims:\n                try:\n                    os.kill(pid, signal.SIGKILL)\n                except (ProcessLookupError, PermissionError):\n                    pass\n        time.sleep(0.005)  # let the reaper collect them before looking again\n    return seen\n',
  "agent_protocol.py": `# The agent's side of the protocol's one description (src/providers/agent/protocol.ts, written
# beside this file as protocol.json by \`deno task gen\`): every request is checked against it before
# its handler runs, and a handler sees the request as a Request, which refuses to read a field the
# description does not declare for the operation. So a field added on one side only fails at once.
import json
import os

from agent_env import RUNTIME

with open(os.path.join(RUNTIME, "protocol.json"), "rb") as _f:
    PROTOCOL = json.load(_f)

ERROR_CODES = frozenset(PROTOCOL["errorCodes"])


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_BASE = {
    "string": lambda value: isinstance(value, str),
    "base64": lambda value: isinstance(value, str),
    "number": _is_number,
    "integer": _is_int,
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "bytes": lambda value: isinstance(value, (bytes, str)),
    "error_code": lambda value: value in ERROR_CODES,
    "any": lambda value: True,
}


def checker(text):
    """A function that tells whether a value has the field type \`text\` (see protocol.ts's
    FieldTypes). Raises ValueError for a type the description does not define."""
    if text.startswith("{") and text.endswith("}"):
        item = checker(text[1:-1])
        return lambda value: isinstance(value, dict) and all(item(v) for v in value.values())
    if "|" in text:
        alternatives = [checker(part) for part in text.split("|")]
        return lambda value: any(check(value) for check in alternatives)
    if text.endswith("[]"):
        item = checker(text[:-2])
        return lambda value: isinstance(value, list) and all(item(v) for v in value)
    if text.startswith("'") and text.endswith("'"):
        literal = text[1:-1]
        return lambda value: value == literal
    if text in PROTOCOL["shapes"]:
        fields = _fields(PROTOCOL["shapes"][text])
        return lambda value: isinstance(value, dict) and _conforms(fields, value)
    if text in _BASE:
        return _BASE[text]
    raise ValueError("protocol.json has a type it does not define: %r" % text)


def _fields(spec):
    """{name: (required, check, type text)} for a table of fields."""
    return {name.rstrip("?"): (not name.endswith("?"), checker(text), text) for name, text in spec.items()}


def _conforms(fields, value):
    return (all(name in value for name, (required, _, _) in fields.items() if required)
            and all(name in fields and fields[name][1](v) for name, v in value.items()))


_COMMON = _fields(PROTOCOL["request"])
# Every request's fields by operation: its own and those of every request.
REQUEST_FIELDS = {op: dict(_COMMON, **_fields(spec["request"]))
                  for section in ("ops", "control") for op, spec in PROTOCOL[section].items()}
# The operations with handlers (control requests are the transports' business).
OPS = frozenset(PROTOCOL["ops"])
# Checked at load, so that a type the description does not define stops the agent at once.
for _spec in PROTOCOL["ops"].values():
    if isinstance(_spec["result"], str):
        checker(_spec["result"])
    else:
        _fields(_spec["result"])
for _spec in PROTOCOL["frames"].values():
    _fields(_spec)


class UndeclaredField(Exception):
    """A handler read a field that the protocol does not declare for its operation."""


class Request(dict):
    """A checked request. Reading a field its operation does not declare raises UndeclaredField:
    the handler and the description disagree."""

    __slots__ = ("declared",)

    def __init__(self, req, declared):
        super().__init__(req)
        self.declared = declared

    def _declared(self, key):
        if key not in self.declared:
            raise UndeclaredField("the %s handler reads field %r, which protocol.json does not declare"
                                  % (dict.get(self, "op"), key))

    def __getitem__(self, key):
        self._declared(key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        self._declared(key)
        return dict.get(self, key, default)

    def __contains__(self, key):
        self._declared(key)
        return dict.__contains__(self, key)


def check_request(req):
    """Returns (Request, None) when \`req\` conforms to its operation's fields, else (None, fault)."""
    op = req.get("op")
    fields = REQUEST_FIELDS.get(op)
    if fields is None:
        return None, {"field": "op", "message": "Unknown operation: %r" % (op,)}
    for name, value in req.items():
        field = fields.get(name)
        if field is None:
            return None, {"field": name, "message": "Cannot run %s: the protocol has no field %s for it" % (op, name)}
        if not field[1](value):
            return None, {"field": name, "message": "Cannot run %s: its field %s must be %s, not %s"
                          % (op, name, field[2], json.dumps(value)[:40])}
    for name, (required, _, text) in fields.items():
        if required and name not in req:
            return None, {"field": name, "message": "Cannot run %s: its field %s (%s) is missing" % (op, name, text)}
    return Request(req, fields), None
`,
  "agent_python.py": `# The interpreter behind python_exec: one long-lived worker.py process per sandbox, driven over a
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
            os.write(self.to_worker, (json.dumps(cell) + "\\n").encode())
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
                end = self.pending.find(b"\\n", searched)
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
IMAGE_TYPE = re.compile(r"image/[a-z0-9.+-]{1,40}\\Z")
BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}\\Z")
# The largest width or height an image may say it has.
IMAGE_SIDE = 100_000


def cut(text, limit):
    """\`text\` cut to \`limit\` characters with a note saying how many more it had, the way the
    worker and the server cut (the server keeps a text at most CUT_ROOM over its limit)."""
    if len(text) <= limit + CUT_ROOM:
        return text
    return text[:limit] + "\\n[... %d more characters omitted ...]" % (len(text) - limit)


def _checked(reply, req):
    """The parts of the worker's reply the server reads, of the types it reads, with no more
    images than it keeps (and one more, so that it says some were left out) and no more notes.
    Texts are cut to the request's \`max_output\`, as the server cuts them. The cell's own code can
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
`,
  "agent_server.py": '# Remote mode, for sandboxes reached only through a command API (Daytona): a long-lived server on\n# a unix socket holds the state (the interpreter, background processes\' pipes), and each API call\n# runs `agent.py call SOCKET REQUEST` (agent_client.py), which starts the server if needed and\n# prints the reply. One request per connection, one reply line back.\nimport collections\nimport json\nimport os\nimport socket\nimport threading\n\nimport agent_frames\nimport agent_tasks\nimport agent_venv\nfrom agent_client import read_line\nfrom agent_dispatch import handle\nfrom agent_python import interpreter\n\n\ndef serve(path):\n    agent_frames.progress = {}\n    agent_tasks.directory = os.path.join(os.path.dirname(path), "tasks")\n    agent_tasks.remote = True\n    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)\n    if os.path.exists(path):\n        os.unlink(path)\n    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n    server.bind(path)\n    os.chmod(path, 0o600)\n    server.listen(64)\n    agent_venv.activate()\n    threading.Thread(target=interpreter.warm, daemon=True).start()\n    while True:\n        conn, _ = server.accept()\n        threading.Thread(target=serve_one, args=(conn,), daemon=True).start()\n\n\n# An HTTP client may silently send a request twice (a retry on a dropped keep-alive connection).\n# Requests that must not run twice are remembered by id: a repeat waits for and gets the first\n# one\'s reply instead of running again.\nONCE_OPS = {"exec", "python", "python_reset", "kill_all", "commit_upload", "write", "copy"}\nrecent = collections.OrderedDict()\nrecent_lock = threading.Lock()\n\n\n# Calls that may run long enough to be detached (see await_reply).\nDETACHABLE = {"exec", "python"}\n\n\ndef handle_once(req):\n    if req.get("op") not in ONCE_OPS:\n        return handle(req)\n    rid = req.get("id")\n    with recent_lock:\n        entry = recent.get(rid)\n        first = entry is None\n        if first:\n            entry = recent[rid] = {"done": threading.Event(), "reply": None}\n            while len(recent) > 64:\n                recent.popitem(last=False)\n    wait = req.get("wait") if req.get("op") in DETACHABLE else None\n    if first and wait is not None:\n        # Detached: the call runs on whether or not this request is still there to hear it.\n        threading.Thread(target=finish, args=(entry, req), daemon=True).start()\n    elif first:\n        finish(entry, req)\n    return await_reply(rid, entry, wait)\n\n\ndef finish(entry, req):\n    try:\n        entry["reply"] = handle(req)\n    finally:\n        entry["done"].set()\n\n\ndef await_reply(rid, entry, wait):\n    """The call\'s reply, or after `wait` seconds {"pending": true} with its latest output line:\n    a request through a proxy must not last long, and the host follows the call with `wait`."""\n    if not entry["done"].wait(wait):\n        line, total = (agent_frames.progress or {}).get(rid, ("", 0))\n        return {"id": rid, "pending": True, "line": line, "bytes": total}\n    if agent_frames.progress is not None:\n        agent_frames.progress.pop(rid, None)\n    return entry["reply"]\n\n\ndef follow(req):\n    """`{"op": "wait", "target": id, "wait": s}`: waits some more for a detached call."""\n    rid = req.get("target")\n    with recent_lock:\n        entry = recent.get(rid)\n    if entry is None:\n        return {"id": rid, "error": {"message": "Cannot follow the call: the sandbox agent no longer knows it (it was restarted, e.g. because the sandbox stopped)"}}\n    return await_reply(rid, entry, req.get("wait"))\n\n\ndef serve_one(conn):\n    with conn:\n        line = read_line(conn)\n        if not line:\n            return\n        req = json.loads(line)\n        reply = follow(req) if req.get("op") == "wait" else handle_once(req)\n        if reply is not None:\n            conn.sendall(agent_frames.socket_line(reply))\n',
  "agent_tasks.py": `# Task records: the tasks that servers of a deployment run in this sandbox (MCP's tasks extension),
# kept here so that every server can report and cancel them, not only the one that runs the call.
# The server that runs a task's call tags each of its requests with the task (\`task\`), opens the
# record once the call becomes a task (task_begin), renews it while the call runs (task_begin
# again) and closes it with the call's result (task_end); any server reads it (task_get) or
# cancels it (task_cancel: the task's running calls are stopped and later ones refused). While the
# task works, its status message is the latest output line of its running call.
#
# A server that dies stops renewing its tasks: in remote mode a working task not renewed for its
# \`abandon_after\` seconds is reported failed (what it started goes on, as any call of a server that
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
    """Registers call \`rid\` as one of \`task\`'s; False when the task was cancelled or ended (the
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
`,
  "agent_venv.py": '# The sandbox\'s Python environment: a virtual environment that sees the host\'s packages\n# (include-system-site-packages), first on every command\'s PATH and running python_exec, so that\n# `pip install x`, `python -m pip install x` and `uv pip install x` install into it without flags.\n# A Debian or Ubuntu python3 refuses installs outside a virtual environment (PEP 668,\n# EXTERNALLY-MANAGED); inside one pip and uv install into the environment, which the interpreter\n# of python_exec imports from. Written by hand: a pyvenv.cfg, three symlinks to the base\n# interpreter, an empty site-packages and pip\'s scripts take well under a millisecond, where\n# `python -m venv` takes about 50.\nimport os\nimport sys\n\nfrom agent_env import BASE_ENV, HOME, VENV\n\n# The interpreter python_exec runs (agent_python.py): the environment\'s once it exists.\npython = None\n# Where the environment is: where the server says (local sandboxes), else ~/.venv when this\n# Python would refuse installs (a Debian python3 on a Daytona image), else none.\npath = None\n\n\ndef externally_managed():\n    """Whether this interpreter refuses pip installs (PEP 668) and runs outside any environment."""\n    stdlib = os.path.dirname(os.__file__)\n    return sys.prefix == sys.base_prefix and os.path.exists(os.path.join(stdlib, "EXTERNALLY-MANAGED"))\n\n\ndef ensure(path):\n    """Makes the environment at `path` unless one is there (a user\'s own is kept as it is).\n    Returns its interpreter, or None when it cannot be made (a full disk, a file in the way)."""\n    interpreter = os.path.join(path, "bin", "python3")\n    site = os.path.join(path, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")\n    try:\n        if os.path.exists(os.path.join(path, "pyvenv.cfg")) and os.path.exists(interpreter):\n            # A newer host Python gets a site-packages of its own version.\n            os.makedirs(site, exist_ok=True)\n            return interpreter\n        base = getattr(sys, "_base_executable", sys.executable)\n        bin_dir = os.path.join(path, "bin")\n        os.makedirs(bin_dir, exist_ok=True)\n        os.makedirs(site, exist_ok=True)\n        if sys.maxsize > 2 ** 32 and not os.path.lexists(os.path.join(path, "lib64")):\n            os.symlink("lib", os.path.join(path, "lib64"))  # as `python -m venv` does\n        links = {"python": base, "python3": "python", "python%d.%d" % sys.version_info[:2]: "python"}\n        for name, target in links.items():\n            link = os.path.join(bin_dir, name)\n            if os.path.lexists(link):\n                os.unlink(link)\n            os.symlink(target, link)\n        if any(os.path.isdir(os.path.join(entry, "pip")) for entry in sys.path if entry):\n            # The host\'s pip, run by the environment\'s interpreter (a host /usr/bin/pip would\n            # run the host\'s, and refuse).\n            script = ("#!%s\\nimport sys\\nfrom pip._internal.cli.main import main\\nsys.exit(main())\\n"\n                      % os.path.join(bin_dir, "python"))\n            for name in ("pip", "pip3", "pip%d.%d" % sys.version_info[:2]):\n                with open(os.path.join(bin_dir, name), "w") as f:\n                    f.write(script)\n                os.chmod(os.path.join(bin_dir, name), 0o755)\n        # Written last: a half-made environment (no pyvenv.cfg) is made again next time.\n        with open(os.path.join(path, "pyvenv.cfg"), "w") as f:\n            f.write("home = %s\\ninclude-system-site-packages = true\\nversion = %s\\nexecutable = %s\\n"\n                    % (os.path.dirname(base), sys.version.split()[0], os.path.realpath(base)))\n        return interpreter\n    except OSError:\n        return None\n\n\ndef activate():\n    """Makes the environment (when the server asked for one, or this Python is externally\n    managed) and puts it first on every command\'s PATH; python_exec then runs it."""\n    global path, python\n    path = VENV or (os.path.join(HOME, ".venv") if externally_managed() else None)\n    if not path:\n        return\n    python = ensure(path)\n    if python is None:\n        return\n    BASE_ENV["VIRTUAL_ENV"] = path\n    BASE_ENV["PATH"] = os.path.join(path, "bin") + os.pathsep + BASE_ENV.get("PATH", os.defpath)\n    BASE_ENV.pop("PYTHONHOME", None)\n\n\ndef interpreter(default):\n    """The interpreter for a new python_exec worker: the environment\'s (made again if it was\n    deleted meanwhile), else `default`."""\n    global python\n    if python is not None and not os.path.exists(python):\n        python = ensure(path)\n    return python or default\n',
  "worker.py": `# The sandbox's Python interpreter: runs cells in one namespace, like a notebook kernel. Requests
# arrive as JSON lines on one inherited pipe and replies leave on another, so that stdout and stderr
# stay free for the user's code (and for any subprocess it starts).
import ast
import base64
import importlib
import io
import json
import linecache
import os
import signal
import site
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


def _site_dirs():
    """The directories packages get installed into: the environment's and the system's
    site-packages on sys.path, and the user's (\`pip install --user\`), which joins sys.path only
    once it exists."""
    dirs = [entry for entry in sys.path if entry.endswith(("site-packages", "dist-packages"))]
    user = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user and user not in dirs:
        dirs.insert(0, user)
    return dirs


def _stamp(path):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _pth_files(path):
    try:
        return {(path, name) for name in os.listdir(path) if name.endswith(".pth")}
    except OSError:
        return set()


_watched = _site_dirs()
_stamps = [_stamp(path) for path in _watched]
_pth_seen = set().union(*(_pth_files(path) for path in _watched))  # site.py processed these


def _refresh_packages():
    """Lets a cell import what \`pip install\` put in place since the last cell, without a reset:
    a new user site directory joins sys.path, new .pth files are processed, and the import
    system forgets its listings of the directories that changed. A few stat calls when nothing
    did."""
    global _stamps
    stamps = [_stamp(path) for path in _watched]
    if stamps == _stamps:
        return
    changed = [path for path, old, new in zip(_watched, _stamps, stamps) if new is not None and new != old]
    _stamps = stamps
    known = set(sys.path)
    for path in changed:
        if path not in known:
            # Where site.py puts it: before the environment's and the system's site-packages.
            sys.path.insert(next((i for i, e in enumerate(sys.path) if e in _watched), len(sys.path)), path)
            known.add(path)
        for _, name in sorted(_pth_files(path) - _pth_seen):
            _pth_seen.add((path, name))
            site.addpackage(path, name, known)
    importlib.invalidate_caches()


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


def _cut(text, limit):
    """\`text\` cut to \`limit\` characters with a note saying how many more it had, as the server
    cuts texts: an exception's message of 60 MB is not sent whole (twice, with its traceback)."""
    if len(text) <= limit:
        return text
    return text[:limit] + "\\n[... %d more characters omitted ...]" % (len(text) - limit)


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
        _refresh_packages()
        value = _run_cell(request["code"])
        if value is not None:
            reply["value"] = _short_repr(value, request.get("max_repr", 20_000))
    except BaseException as error:  # SystemExit and KeyboardInterrupt are the cell's results too
        limit = request.get("max_output", 100_000)
        reply["error"] = {k: _cut(v, limit) for k, v in _format_error(error).items()}
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
`
};
var LOCAL_AGENT_FILES = {
  "net.py": `# The sandbox's side of its network in the \`internet\` mode. The sandbox has a network namespace of
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
`,
  "protect.py": `# Protections the local sandbox's supervisor (agent.py) takes on before any sandbox code runs.
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
# share could run it as the sandbox's uid (\`nobody\` under a root server, which owns every other
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
        """Runs \`start()\`, which starts a child and returns its Popen, and registers the child
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
`
};
var CGROUPS_PY = `# The server's hands on control groups (src/providers/local/cgroup.ts holds the logic). Deno lets a
# program touch /sys and /proc only with every permission, so the server starts this helper once,
# through bwrap with the host's file system, and asks it over JSON lines on stdin and stdout:
#   {"id": N, "op": "snapshot", "root": R}  what planCgroups() needs to know about the hierarchies
#   {"id": N, "op": "mkdir" | "rmdir", "path": P}
#   {"id": N, "op": "write", "path": P, "value": V}
#   {"id": N, "op": "read", "paths": [P, ...]}  each file's text, or null
#   {"id": N, "op": "adopt", "pid": PID, "dirs": [D, ...]}  moves PID and all its descendants
#   {"id": N, "op": "make", "dirs": [D, ...], "limits": [[FILE, VALUE, OPTIONAL], ...]}  makes the
#       directories and writes each limit in the first of them that takes it, in one round trip;
#       on failure removes them again. Until the next "adopt" (or WARM_SECONDS), moves stay
#       cheap: see Warmer
#   {"id": N, "op": "scan", "roots": [R, ...]}  every cgroup directly in a "mcp-sandbox" directory
#       under the roots: [{"path", "procs" (how many processes), "age" (seconds since made)}]
#   {"id": N, "op": "kill", "dirs": [D, ...]}  SIGKILLs every process in the cgroups until none
#       is left; the number killed
# Replies: {"id": N, "result": ...} or {"id": N, "error": "..."}. Paths must lie under ROOT.
import json
import os
import signal
import sys
import threading
import time

ROOT = sys.argv[1] if len(sys.argv) > 1 else "/sys/fs/cgroup"


class Warmer:
    """Keeps moves into cgroups cheap while a sandbox is being made. A move takes the kernel's
    cgroup_threadgroup_rwsem for writing, and the first writer after a quiet spell waits for an
    RCU grace period (10 ms or more on a busy machine) to switch its readers to the slow path;
    a writer within one grace period of the last one does not wait. So from "make" until the
    sandbox's "adopt", a thread moves this helper into the cgroup it is already in (a move that
    changes nothing) every few milliseconds: the wait is paid once, in the background, while the
    server makes the sandbox's disk and directories, instead of when the sandbox holds at its
    start. Best effort: where such a move is refused, moves are as slow as without."""

    def __init__(self):
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.pending = 0
        self.until = 0.0
        self.thread = None
        self.target = None

    def start(self):
        with self.lock:
            self.pending += 1
            self.until = time.monotonic() + WARM_SECONDS
            self.wake.set()
        if self.thread is None:
            self.thread = threading.Thread(target=self.run, daemon=True)
            self.thread.start()

    def done(self):
        with self.lock:
            self.pending = max(0, self.pending - 1)

    def run(self):
        while True:
            self.wake.wait()
            with self.lock:
                if self.pending == 0 or time.monotonic() > self.until:
                    self.pending = 0
                    self.wake.clear()
                    continue
            if not self.touch():
                return
            time.sleep(WARM_INTERVAL)

    def touch(self):
        """Moves this helper into its own cgroup; False where that is refused."""
        if self.target is None:
            self.target = self.own_procs()
        if not self.target:
            return False
        try:
            with open(self.target, "w") as f:
                f.write(str(os.getpid()))
            return True
        except OSError:
            self.target = ""
            return False

    @staticmethod
    def own_procs():
        """The cgroup.procs file of this helper's own cgroup in some hierarchy (pids first)."""
        lines = (read("/proc/self/cgroup") or "").splitlines()
        lines.sort(key=lambda line: "pids" not in line.split(":")[1].split(","))
        for line in lines:
            _, controllers, path = line.split(":", 2)
            path = "" if path == "/" else path
            names = [controllers.replace("name=", "")] if controllers else ["", "unified"]
            for name in names:
                procs = os.path.join(ROOT, name) + path + "/cgroup.procs"
                if os.path.exists(procs):
                    return procs
        return ""


WARM_SECONDS = 2.0
WARM_INTERVAL = 0.004
warmer = Warmer()


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


def make(dirs, limits):
    dirs = [checked(d) for d in dirs]
    try:
        for d in dirs:
            try:
                os.mkdir(d)
            except FileExistsError:
                pass
        for name, value, optional in limits:
            error = None
            for d in dirs:
                try:
                    with open(os.path.join(d, name), "w") as f:
                        f.write(value)
                    break
                except OSError as e:
                    error = e
            else:
                if not optional:
                    raise error or OSError("no cgroup takes %s" % name)
    except BaseException:
        for d in dirs:
            try:
                os.rmdir(d)
            except OSError:
                pass
        raise


PARENT = "mcp-sandbox"
SCAN_LIMIT = 20000  # directories visited at most: a bound on a host with a huge tree


def scan(roots):
    found, seen, todo = [], 0, [checked(r) for r in roots]
    now = time.time()
    while todo and seen < SCAN_LIMIT:
        d = todo.pop()
        seen += 1
        try:
            entries = [e for e in os.scandir(d) if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for e in entries:
            if os.path.basename(d) != PARENT:
                todo.append(e.path)
                continue
            procs = read(os.path.join(e.path, "cgroup.procs"))
            try:
                age = now - e.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
            found.append({"path": e.path, "procs": len((procs or "").split()), "age": age})
    return found


def in_cgroup(pid, dirs):
    """Whether \`pid\` is in one of the cgroups \`dirs\` (its /proc/PID/cgroup names them)."""
    text = read("/proc/%d/cgroup" % pid) or ""
    paths = {line.split(":", 2)[-1] for line in text.splitlines()}
    return any(d.endswith(p) and p != "/" for d in dirs for p in paths)


def kill(dirs):
    """SIGKILLs what is in the cgroups, through a pidfd checked to be still in them, so that a pid
    reused by another process meanwhile is never signalled."""
    dirs = [checked(d) for d in dirs]
    killed = 0
    for _ in range(200):
        pids = set()
        for d in dirs:
            pids.update(int(p) for p in (read(os.path.join(d, "cgroup.procs")) or "").split())
        if not pids:
            return killed
        for pid in pids:
            try:
                fd = os.pidfd_open(pid)
            except OSError:
                continue
            try:
                if in_cgroup(pid, dirs):
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
                    killed += 1
            except OSError:
                pass
            finally:
                os.close(fd)
        time.sleep(0.01)
    raise OSError("processes are still in %s" % dirs[0])


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
        try:
            return adopt(int(req["pid"]), req["dirs"])
        finally:
            warmer.done()
    if op == "make":
        # After the directories are made: a move waiting for its grace period holds cgroup_mutex,
        # which mkdir needs too.
        make(req["dirs"], req["limits"])
        warmer.start()
        return None
    if op == "scan":
        return scan(req["roots"])
    if op == "kill":
        return kill(req["dirs"])
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
var DISK_PY = `# The server's hands on the disks of local sandboxes (src/providers/local/_disk.ts holds the
# logic), used only when the server runs as root. Each sandbox's directory is a mounted ext4
# image of the sandbox's disk budget (sparse: it takes host disk only as it fills), so writes to
# its home and /tmp stop there with ENOSPC, and the server and the git clones with a token still
# reach those files at their host paths. Deno may not mount, so the server starts this helper
# once through bwrap with the host's file system; it joins the server's mount namespace (that of
# bwrap's monitor, its parent) and answers JSON lines on stdin and stdout:
#   {"id": N, "op": "make", "dir": D, "bytes": B, "uid": U}  an image of B bytes mounted on D
#   {"id": N, "op": "make", "dir": D, "keep": true, ...}  a persistent workspace's: its image is
#       mounted again if D has one (or left as it is if it is still mounted), made otherwise
#   {"id": N, "op": "remove", "dir": D}  unmounts D and detaches loop devices left on its image;
#       fails unless nothing is mounted on D or below it any more (the server then deletes D with
#       the image: it must not reach into a file system that is not the sandbox's)
#   {"id": N, "op": "usage", "dir": D}  {"total": T, "used": U, "free": F} in bytes
# Replies: {"id": N, "result": ...} or {"id": N, "error": "..."}. D must be a directory
# mcp-sandbox-* directly in BASE, or the sandbox directory WORKSPACES/<name>/sandbox of a
# persistent workspace (WORKSPACES is the second argument, if any).
import ctypes
import fcntl
import json
import os
import re
import struct
import subprocess
import sys

BASE = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else "/tmp")
WORKSPACES = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
WORKSPACE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
IMAGE = "disk.img"
CLONE_NEWNS = 0x00020000
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
# From <linux/loop.h>, <sys/mount.h> and <errno.h>.
LOOP_CTL_GET_FREE = 0x4C82
LOOP_CONFIGURE = 0x4C0A
LO_FLAGS_AUTOCLEAR = 4
LO_FLAGS_DIRECT_IO = 16
MS_NOSUID, MS_NODEV, MS_NOATIME = 0x2, 0x4, 0x400
EBUSY = 16
libc = ctypes.CDLL(None, use_errno=True)


def join_server_namespace():
    fd = os.open("/proc/%d/ns/mnt" % os.getppid(), os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNS) != 0:
            raise OSError(ctypes.get_errno(), "setns")
    finally:
        os.close(fd)


def in_workspaces(path):
    workspace = os.path.dirname(path)
    return (WORKSPACES is not None and os.path.basename(path) == "sandbox" and
            WORKSPACE_NAME.match(os.path.basename(workspace)) is not None and
            os.path.dirname(workspace) == os.path.realpath(WORKSPACES))


def checked(path):
    path = os.path.normpath(path)
    name = os.path.basename(path)
    throwaway = os.path.dirname(path) == BASE and name.startswith("mcp-sandbox-")
    if not throwaway and not in_workspaces(path):
        raise ValueError("not a sandbox directory in %s: %s" % (BASE, path))
    if os.path.islink(path) or not os.path.isdir(path):
        raise ValueError("not a directory: %s" % path)
    return path


def run(argv):
    done = subprocess.run(argv, env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        raise OSError("%s failed: %s" % (argv[0], (done.stderr or done.stdout).strip()))


def make(path, size, uid, keep=False):
    image = os.path.join(path, IMAGE)
    if keep and mounted(path):
        return None  # a server that died left it mounted: it is in use again as it is
    if keep and os.path.exists(image):
        os.chmod(image, 0o600)  # older servers left it readable by everyone
        mount_image(image, path)
        return None
    # Only root reads it (it mounts it): the sandbox's files are in there.
    with os.fdopen(os.open(image, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), "wb") as f:
        f.truncate(size)
    # No journal (the files die with the sandbox; a workspace's outlive it and get one), no
    # reserved blocks (the budget is all the sandbox's); \`discard\` on the mount hands deleted
    # files' blocks back to the host.
    run(["mkfs.ext4", "-q", "-F", "-m", "0", *([] if keep else ["-O", "^has_journal"]),
         "-E", "root_owner=%d:%d,nodiscard" % (uid, uid), image])
    mount_image(image, path)
    try:
        os.rmdir(os.path.join(path, "lost+found"))
    except OSError:
        pass


def mount_image(image, path):
    """Mounts \`image\` on \`path\` through a loop device that detaches itself once unmounted, with
    direct I/O: that keeps the image's pages out of the host's page cache a second time, so an
    fsync'd write runs at the host disk's speed (about 3x faster here); the kernel does without
    where the host's file system cannot. Done here, with direct I/O set as the device is set up,
    rather than by \`mount -o loop\` and \`losetup --direct-io\`: those took about 40 ms, mostly to
    switch direct I/O on under the mounted file system; this takes 1 to 3."""
    try:
        loop, number = attach(image)
    except OSError:
        # A kernel without LOOP_CONFIGURE (before 5.8), or no loop-control device: mount's way.
        run(["mount", "-t", "ext4", "-o", "loop,nosuid,nodev,noatime,discard", image, path])
        try:
            run(["losetup", "--direct-io=on", source(path)])
        except OSError:
            pass  # a host file system without direct I/O: the disk works without
        return
    try:
        flags = MS_NOSUID | MS_NODEV | MS_NOATIME
        if libc.mount(b"/dev/loop%d" % number, os.fsencode(path), b"ext4", flags, b"discard") != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, "mount %s: %s" % (image, os.strerror(errno)))
    finally:
        os.close(loop)  # the mount holds the device now; without one, it detaches


def attach(image):
    """A free loop device set up on \`image\`, detaching itself when last closed: (an open
    descriptor of it, its number)."""
    backing = os.open(image, os.O_RDWR | os.O_CLOEXEC)
    control = os.open("/dev/loop-control", os.O_RDWR | os.O_CLOEXEC)
    try:
        # struct loop_config: the backing file, the block size (0: the default), a loop_info64.
        info = struct.pack("=5Q4I64s64s32s2Q", 0, 0, 0, 0, 0, 0, 0, 0,
                           LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO, os.fsencode(image)[:63],
                           b"", b"", 0, 0)
        config = struct.pack("=II", backing, 0) + info + bytes(64)
        for _ in range(16):
            number = fcntl.ioctl(control, LOOP_CTL_GET_FREE)
            loop = os.open("/dev/loop%d" % number, os.O_RDWR | os.O_CLOEXEC)
            try:
                fcntl.ioctl(loop, LOOP_CONFIGURE, config)
                return loop, number
            except OSError as error:
                os.close(loop)
                if error.errno != EBUSY:  # EBUSY: another process took it meanwhile
                    raise
        raise OSError(EBUSY, "no free loop device")
    finally:
        os.close(control)
        os.close(backing)


def source(path):
    """The device mounted on \`path\`, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == path:
                return fields[fields.index("-") + 2]
    return None


def mounted(path):
    return source(path) is not None


def mounts_at_or_under(path):
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    return [p for p in points if p == path or p.startswith(path + "/")]


def loops_on(image):
    """Loop devices whose backing file is \`image\` (its name ends in " (deleted)" once unlinked)."""
    found = []
    try:
        names = os.listdir("/sys/block")
    except OSError:
        return found
    for name in names:
        try:
            with open("/sys/block/%s/loop/backing_file" % name) as f:
                backing = f.read().strip()
        except OSError:
            continue
        if backing in (image, image + " (deleted)"):
            found.append("/dev/" + name)
    return found


def remove(path):
    if mounted(path):
        try:
            run(["umount", path])
        except OSError:
            run(["umount", "-l", path])  # a straggler holds a file: detach now, freed when it lets go
    # A loop the mount set up clears itself once unmounted; one left by a server that died
    # between losetup and mount does not.
    for device in loops_on(os.path.join(path, IMAGE)):
        try:
            run(["losetup", "-d", device])
        except OSError:
            pass
    left = mounts_at_or_under(path)
    if left:
        raise OSError("still mounted: %s" % " ".join(left))
    return None


def usage(path):
    if not mounted(path):
        raise ValueError("no disk is mounted on %s" % path)
    st = os.statvfs(path)
    return {
        "total": st.f_blocks * st.f_frsize,
        "used": (st.f_blocks - st.f_bfree) * st.f_frsize,
        "free": st.f_bavail * st.f_frsize,
    }


def handle(req):
    op = req["op"]
    if op == "make":
        return make(checked(req["dir"]), int(req["bytes"]), int(req["uid"]), req.get("keep") is True)
    if op == "remove":
        return remove(checked(req["dir"]))
    if op == "usage":
        return usage(checked(req["dir"]))
    raise ValueError("unknown op %r" % op)


def main():
    join_server_namespace()
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
var QUOTAS_PY = `# The server's helper for the per-user quotas of local sandboxes. The kernel counts inotify
# instances and watches, and fanotify groups and marks, per host uid: every sandbox of one uid
# draws on the same allowance as the uid's other processes (a desktop user's editor and file
# manager, or the other sandboxes of a server running as nobody), and one sandbox could take it
# all. A user namespace has allowances of its own, counted on top of its owner's: this helper sets
# those of each sandbox's namespace to a share of the uid's.
# It runs as the server's user in the host's user namespace, where the owner of a sandbox's
# namespace may enter it (from a namespace of its own it could not).
# Requests, one JSON object per line on stdin; replies on stdout, {"id": N, "result": ...} or
# {"id": N, "error": "..."}:
#   {"id": N, "op": "cap", "pid": PID, "share": S}  finds the first process under PID (bwrap) in
#       a user namespace other than PID's, waiting for it up to 5 s, makes PID and the processes
#       under it the OOM killer's first choice (see oom_first), and sets that namespace's
#       allowance of each quota to the uid's divided by S; the allowances set
import json
import os
import sys
import time

QUOTAS = ("max_inotify_instances", "max_inotify_watches", "max_fanotify_groups", "max_fanotify_marks")
CLONE_NEWUSER = 0x10000000


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


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


def namespaced(pid, timeout=5.0):
    """The first process under \`pid\` whose user namespace is not \`pid\`'s."""
    own = os.readlink("/proc/%d/ns/user" % pid)
    deadline = time.monotonic() + timeout
    while True:
        todo = children(pid)
        while todo:
            p = todo.pop()
            try:
                if os.readlink("/proc/%d/ns/user" % p) != own:
                    return p
            except OSError:
                continue
            todo.extend(children(p))
        if time.monotonic() > deadline:
            raise OSError("no process under %d has a user namespace of its own" % pid)
        time.sleep(0.001)


# A sandbox's processes are what the kernel's OOM killer takes first. Where the host runs out of
# memory before a sandbox reaches its own budget (a desktop's session, or a machine without memory
# cgroups), the processes it would pick by their size are the user's: memory a sandbox holds in a
# memfd or in files of a tmpfs counts towards no process, and a sandbox holding 1.4 GiB that way
# looked smaller than a 300 MiB browser, which was killed first.
OOM_FIRST = 1000


def oom_first(pid):
    """Sets the OOM score adjustment of \`pid\` and every process under it (a sandbox held at its
    start, whose later processes inherit it). Code that means to can lower its own back to 0, the
    host's default (not below: that takes a capability the sandbox has not): this is for a
    program that grows by mistake, as a data analysis does; against code that means harm, only a
    memory budget (a cgroup) holds."""
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/oom_score_adj" % p, "w") as f:
                f.write(str(OOM_FIRST))
        except (FileNotFoundError, ProcessLookupError):  # it ended meanwhile
            continue
        except PermissionError:
            pass  # not dumpable (bwrap's own, for an ordinary user's server): the ones below are
        todo.extend(children(p))


def setns(fd):
    if hasattr(os, "setns"):  # Python 3.12
        os.setns(fd, CLONE_NEWUSER)
        return
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWUSER) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


def cap(pid, share):
    """Sets the allowances of the namespace of the sandbox that \`pid\` runs, in a child process:
    entering a user namespace is for good, and only a single-threaded process may."""
    allowances = {}
    for name in QUOTAS:
        text = read("/proc/sys/user/" + name)
        if text is not None and int(text) > 0:
            allowances[name] = max(1, int(text) // share)
    inner = namespaced(pid)
    oom_first(pid)
    if not allowances:
        raise OSError("this kernel has no per-namespace inotify allowances (Linux 5.11 and later)")
    fd = os.open("/proc/%d/ns/user" % inner, os.O_RDONLY)
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        said = b""
        try:
            os.close(r)
            setns(fd)
            for name, value in allowances.items():
                with open("/proc/sys/user/" + name, "w") as f:
                    f.write(str(value))
        except BaseException as error:
            said = ("%s: %s" % (type(error).__name__, error)).encode()
        finally:
            os.write(w, said or b"ok")
            os._exit(0)
    os.close(w)
    os.close(fd)
    said = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        said += chunk
    os.close(r)
    os.waitpid(child, 0)
    if said != b"ok":
        raise OSError(said.decode(errors="replace"))
    return allowances


def handle(req):
    if req["op"] == "cap":
        return cap(int(req["pid"]), int(req["share"]))
    raise ValueError("unknown op %r" % req["op"])


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
  REPLY_GRACE_MS,
  UNTIMED_DEADLINE_MS,
  AgentProcess,
  faultToError,
  AgentOps,
  AGENT_FILES,
  LOCAL_AGENT_FILES,
  CGROUPS_PY,
  DISK_PY,
  QUOTAS_PY
};
