// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  AGENT_FILES,
  AgentOps,
  REPLY_GRACE_MS,
  UNTIMED_DEADLINE_MS,
  faultToError
} from "./shared-cli-daytona-doctor.js";
import {
  createLogger
} from "./shared-cli-daytona-doctor-init.js";
import {
  parseBoundedJson
} from "./shared-daytona-http.js";
import "./shared-cli-daytona-doctor-modern.js";
import {
  ByteGate
} from "./shared-daytona-modern-server.js";
import {
  SandboxError,
  SandboxFileError
} from "./shared-cli-daytona-doctor-modern-server.js";
import {
  WORKSPACE_NAME,
  checkWorkspaceName
} from "./shared-cli-daytona-doctor-init-modern-server.js";
import {
  concatBytes,
  formatBytes
} from "./shared-cli-daytona-doctor-http-modern-server.js";
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/providers/daytona/provider.ts
import { Daytona } from "npm:@daytonaio/sdk@0.218.0";

// src/providers/daytona/_errors.ts
import { DaytonaError } from "npm:@daytonaio/sdk@0.218.0";
var TransientError = class extends Error {
  static {
    __name(this, "TransientError");
  }
  status;
  connection;
  /** What the server asked to wait (Retry-After-*), in milliseconds. */
  retryAfterMs;
  constructor(message, options) {
    super(message, options);
    this.status = options.status;
    this.connection = options.connection ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
};
var StoppedError = class extends SandboxError {
  static {
    __name(this, "StoppedError");
  }
};
var ConflictError = class extends SandboxError {
  static {
    __name(this, "ConflictError");
  }
};
var ToolboxRefused = class extends SandboxError {
  static {
    __name(this, "ToolboxRefused");
  }
  status;
  constructor(status, message) {
    super(message);
    this.status = status;
  }
};
function isNotFound(error) {
  return error instanceof SandboxError && /not found|404/i.test(error.message);
}
__name(isNotFound, "isNotFound");
function retryAfterMs(headers) {
  if (!headers || typeof headers !== "object") return void 0;
  const entries = headers instanceof Headers ? [
    ...headers.entries()
  ] : Object.entries(typeof headers.toJSON === "function" ? headers.toJSON() : headers);
  let wait;
  for (const [name, value] of entries) {
    if (!/^retry-after(-.+)?$/i.test(name)) continue;
    const text = String(value).trim();
    const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : (Date.parse(text) - Date.now()) / 1e3;
    if (Number.isFinite(seconds)) wait = Math.max(wait ?? 0, Math.max(0, seconds) * 1e3);
  }
  return wait;
}
__name(retryAfterMs, "retryAfterMs");
function toolboxError(status, said, headers) {
  const message = withoutCredentials(said);
  if (status === 400 && /no IP address found|Is the Sandbox started/i.test(message)) {
    return new StoppedError(`Daytona stopped the sandbox (400: ${message})`);
  }
  if (status === 401 || status === 404) return new ToolboxRefused(status, message);
  return httpError(status, message, headers);
}
__name(toolboxError, "toolboxError");
function withoutCredentials(message) {
  return message.replace(/\b(Bearer|Basic|token)([\s:=]+)[\w.~+/=-]{8,}/gi, "$1$2[hidden]").replace(/\bdtn_[\w-]+/g, "dtn_[hidden]");
}
__name(withoutCredentials, "withoutCredentials");
function httpError(status, said, headers) {
  const message = withoutCredentials(said);
  if (status === 401) {
    return new SandboxError(`Daytona rejected the API key (401: ${message}); check MCP_DAYTONA_API_KEY (or DAYTONA_API_KEY)`);
  }
  if (status === 403) {
    return new SandboxError(`Daytona refused the request (403: ${message}); check the key's permissions`);
  }
  if (status === 409) return new ConflictError(`Daytona answered 409: ${message}`);
  if (status === 400 && /quota|limit exceeded|exceeded.*limit/i.test(message.slice(0, 2e3))) {
    return new SandboxError(`Daytona's quota for the organization is used up (400: ${message}); delete sandboxes you no longer need (sandbox_list, sandbox_delete) or raise the limits in Daytona's dashboard`);
  }
  if (status === 429 || status >= 500) {
    return new TransientError(status === 429 ? `Daytona's rate limit was hit (429: ${message})` : `Daytona failed (${status}: ${message})`, {
      status,
      retryAfterMs: status === 429 ? retryAfterMs(headers) : void 0
    });
  }
  return new SandboxError(`Daytona answered ${status}: ${message}`);
}
__name(httpError, "httpError");
function gitError(status, message, git) {
  if (status === 401 || status === 403) {
    return new SandboxError(`Cannot clone ${git.url}: the git host refused the credentials (${status}: ${message}); for a private repository set GIT_TOKEN (or GITHUB_TOKEN) to a token that can read it`);
  }
  if (status === 404) {
    const what = /branch|reference|ref /i.test(message) && git.branch ? `branch ${git.branch} of ${git.url}` : `repository ${git.url}`;
    return new SandboxError(`Cannot clone ${git.url}: the ${what} does not exist, or is private and needs GIT_TOKEN (404: ${message})`);
  }
  return new SandboxError(`Cannot clone ${git.url}: ${status}: ${message}`);
}
__name(gitError, "gitError");
function fromSdkError(error, git) {
  if (!(error instanceof DaytonaError)) {
    if (error instanceof Error && /ECONN|socket|network|timeout/i.test(error.message)) {
      return new TransientError(error.message, {
        cause: error,
        connection: true
      });
    }
    return error;
  }
  const status = error.statusCode ?? 0;
  const toolbox = error.source === "DAYTONA_DAEMON" || git !== void 0;
  if (toolbox) {
    if (git && String(error.code ?? "").startsWith("GIT_")) {
      return gitError(status, error.message, git);
    }
    if (status === 401 || status === 404 || status === 400 && /no IP address/i.test(error.message)) {
      return toolboxError(status, error.message);
    }
    if (git && (status === 403 || /auth/i.test(error.message))) {
      return gitError(status, error.message, git);
    }
  }
  if (status === 401 || status === 403 || status === 409 || status === 429 || status >= 500 || status === 400 && /quota|limit exceeded/i.test(error.message)) {
    return httpError(status, error.message, error.headers);
  }
  if (error.name === "DaytonaConnectionError" || error.name === "DaytonaConnectionTimeoutError") {
    return new TransientError(error.message, {
      cause: error,
      connection: true
    });
  }
  return new SandboxError(`Daytona: ${error.message}`, {
    cause: error
  });
}
__name(fromSdkError, "fromSdkError");
function downloadError(path, code, message = "") {
  switch (code) {
    case "FILE_ACCESS_DENIED":
      return new SandboxFileError("permission", `Cannot read ${path}: permission denied (the sandbox user cannot read it)`);
    case "INVALID_FILE_PATH":
      return new SandboxFileError("is_directory", `Cannot read ${path}: it is a directory (or the path is empty); use file_list for a directory`);
    default:
      return new SandboxFileError("not_found", `Cannot read ${path}: ${message || "the toolbox reported an error"}`);
  }
}
__name(downloadError, "downloadError");

// src/providers/daytona/_retry.ts
async function withRetries(fn, options) {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (raw) {
      const error = fromSdkError(raw, options.git);
      const retryable = error instanceof TransientError && (options.idempotent || error.status === 429 || error.status === 503);
      const told = error instanceof TransientError ? error.retryAfterMs : void 0;
      if (retryable && told !== void 0 && told > 0 && attempt < attempts) {
        const at = Date.now() + told;
        if (options.deadline !== void 0 && at > options.deadline) {
          throw new SandboxError(`Cannot ${options.what}: Daytona's rate limit was hit (429) and allows more requests in ${Math.ceil(told / 1e3)} s (at ${new Date(at).toISOString()}); try again then`, {
            cause: error
          });
        }
        const seconds = Math.ceil(told / 1e3);
        options.log.warn(`${options.what}: Daytona's rate limit was hit; waiting ${seconds} s`);
        options.onWait?.(`Daytona's rate limit was hit: waiting ${seconds} s, as it asks, to ${options.what}`);
        await sleep(told, options.signal);
        continue;
      }
      if (!retryable || attempt >= attempts) {
        if (error instanceof TransientError) {
          throw new SandboxError(`Cannot ${options.what}: ${error.message}`, {
            cause: error
          });
        }
        throw error;
      }
      const delay = 200 * 2 ** (attempt - 1) * (0.5 + Math.random());
      options.log.warn(`${options.what}: ${error.message}; retrying in ${Math.round(delay)} ms`);
      await sleep(delay);
    }
  }
}
__name(withRetries, "withRetries");
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const abort = /* @__PURE__ */ __name(() => {
      clearTimeout(timer);
      reject(signal.reason);
    }, "abort");
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", abort, {
      once: true
    });
  });
}
__name(sleep, "sleep");
function callApi(settings, what, idempotent, fn, wait = {}) {
  return withRetries(fn, {
    idempotent,
    what,
    log: settings.log,
    deadline: Date.now() + settings.timeoutSeconds * 1e3,
    onWait: wait.onWait,
    signal: wait.signal
  });
}
__name(callApi, "callApi");

// src/providers/daytona/_lifecycle.ts
async function wakeSandbox(sdk, settings, wait = {}) {
  const { log, timeoutSeconds } = settings;
  const deadline = Date.now() + timeoutSeconds * 1e3;
  const retry = {
    idempotent: true,
    log,
    deadline,
    onWait: wait.onWait,
    signal: wait.signal
  };
  for (; ; ) {
    await withRetries(() => sdk.refreshData(), {
      ...retry,
      what: "read the sandbox's state"
    });
    const state = String(sdk.state);
    if (state === "started") return;
    if (state === "stopped" || state === "archived") {
      log.info(`daytona sandbox ${sdk.id} is ${state}; starting it again`);
      try {
        await withRetries(() => sdk.start(timeoutSeconds), {
          ...retry,
          what: "start the sandbox"
        });
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    } else if (state === "destroyed" || state === "destroying" || state === "error" || state === "build_failed") {
      throw new SandboxError(`Cannot start sandbox ${sdk.id} again: it is ${state}`, {
        sandboxId: sdk.id
      });
    }
    if (Date.now() > deadline) {
      throw new SandboxError(`Cannot start sandbox ${sdk.id} again: it stayed ${state}`, {
        sandboxId: sdk.id
      });
    }
    await sleep(500);
  }
}
__name(wakeSandbox, "wakeSandbox");
async function stopSandbox(client, sdk, settings) {
  await pastConflicts(sdk, settings, "stop", () => sdk.stop(settings.timeoutSeconds), async () => {
    const state = await sandboxState(client, sdk.id, settings).catch(() => "unknown");
    return [
      "stopped",
      "archived",
      "gone",
      "destroyed"
    ].includes(state);
  });
}
__name(stopSandbox, "stopSandbox");
async function pastConflicts(sdk, settings, verb, call, done = () => Promise.resolve(false)) {
  const deadline = Date.now() + settings.timeoutSeconds * 1e3;
  for (let wait = 250; ; wait = Math.min(wait * 2, 2e3)) {
    try {
      await callApi(settings, `${verb} the sandbox`, true, call);
      return;
    } catch (error) {
      if (isNotFound(error) || await done()) return;
      if (!(error instanceof ConflictError) || Date.now() + wait > deadline) throw error;
      settings.log.info(`sandbox ${sdk.id}: ${error.message}; retrying the ${verb}`);
      await sleep(wait);
    }
  }
}
__name(pastConflicts, "pastConflicts");
async function sandboxState(client, id, settings, wait = {}) {
  try {
    const found = await callApi(settings, "find the sandbox", true, () => client.get(id), wait);
    return String(found.state ?? "unknown");
  } catch (error) {
    if (isNotFound(error)) return "gone";
    throw error;
  }
}
__name(sandboxState, "sandboxState");
async function destroySandbox(client, sdk, settings) {
  await pastConflicts(sdk, settings, "delete", () => client.delete(sdk));
}
__name(destroySandbox, "destroySandbox");

// src/providers/daytona/_remote_agent.ts
var REMOTE_RUNTIME_DIR = ".mcp-sandbox";
var INLINE_REQUEST = 512 * 1024;
var PLAIN_TIMEOUT_SECONDS = 60;
var REQUEST_MARGIN_SECONDS = 30;
var MIN_POLL_MS = 1e3;
var RemoteAgent = class {
  static {
    __name(this, "RemoteAgent");
  }
  #toolbox;
  #runtime;
  #pollSeconds;
  #graceMs;
  /**
   * `home` is the sandbox user's, as {@linkcode installAgent} found it; a call is waited for at
   * most `graceMs` past its timeout, and after its cancellation.
   */
  constructor(toolbox, home, pollSeconds, graceMs = REPLY_GRACE_MS) {
    this.#toolbox = toolbox;
    this.#runtime = `${home}/${REMOTE_RUNTIME_DIR}`;
    this.#pollSeconds = pollSeconds;
    this.#graceMs = graceMs;
  }
  /**
   * The command that hands one request to the agent: the JSON as a quoted here-doc (taken
   * literally; JSON has no raw newline, so no line of it can end the here-doc), or `@file`.
   */
  #client(request) {
    const runtime = shellQuote(this.#runtime);
    const call = `python3 ${runtime}/agent.py call ${runtime}/agent.sock`;
    return request.startsWith("@") ? `${call} ${shellQuote(request)}` : `${call} - <<'MCP_REQUEST'
${request}
MCP_REQUEST`;
  }
  async request(op, body, options = {}) {
    const id = crypto.randomUUID();
    const wait = this.#pollSeconds;
    const json = JSON.stringify({
      ...body,
      op,
      id,
      wait
    });
    let command = this.#client(json);
    if (json.length > INLINE_REQUEST) {
      const file = `${this.#runtime}/request-${id}.json`;
      await this.#toolbox.upload([
        {
          path: file,
          data: new TextEncoder().encode(json)
        }
      ], options.signal);
      command = this.#client(`@${file}`);
    }
    const cancel = /* @__PURE__ */ __name(() => {
      const request = JSON.stringify({
        op: "cancel",
        target: id,
        id: `${id}-cancel`
      });
      this.#toolbox.execute(this.#client(request), PLAIN_TIMEOUT_SECONDS).catch(() => {
      });
    }, "cancel");
    const graceMs = this.#graceMs;
    const seconds = body.timeout;
    const deadlineMs = typeof seconds === "number" ? seconds * 1e3 + graceMs : op === "exec" || op === "python" ? void 0 : UNTIMED_DEADLINE_MS;
    const started = performance.now();
    let cancelledAt;
    const stop = new AbortController();
    const timers = [];
    if (deadlineMs !== void 0) timers.push(setTimeout(() => stop.abort(), deadlineMs));
    const onAbort = /* @__PURE__ */ __name(() => {
      cancelledAt = performance.now();
      cancel();
      timers.push(setTimeout(() => stop.abort(), graceMs));
    }, "onAbort");
    options.signal?.addEventListener("abort", onAbort, {
      once: true
    });
    const late = /* @__PURE__ */ __name((reason) => {
      cancel();
      return new SandboxError(`Cannot finish: the sandbox's agent ${reason}, so the server stopped waiting for it (a cancel was sent; code in the sandbox may have replaced the agent)`);
    }, "late");
    const lateness = /* @__PURE__ */ __name(() => cancelledAt !== void 0 ? `did not stop the call within ${graceMs / 1e3} s of its cancellation` : `did not answer within ${deadlineMs / 1e3} s (the call's timeout and a grace)`, "lateness");
    const ask = /* @__PURE__ */ __name((request) => this.#toolbox.execute(request, wait + REQUEST_MARGIN_SECONDS, stop.signal).catch((error) => {
      throw stop.signal.aborted ? late(lateness()) : error;
    }), "ask");
    try {
      let asked = performance.now();
      let output = await ask(command);
      for (; ; ) {
        const reply = findReply(output, id);
        if (reply.error) throw faultToError(reply.error);
        if (reply.pending !== true) return reply.result;
        if (typeof reply.line === "string" && reply.line) options.onLine?.(reply.line);
        const now = performance.now();
        if (deadlineMs !== void 0 && now - started > deadlineMs || cancelledAt !== void 0 && now - cancelledAt > graceMs) {
          throw late(lateness());
        }
        if (now - asked < MIN_POLL_MS) {
          await new Promise((resolve) => setTimeout(resolve, MIN_POLL_MS - (now - asked)));
        }
        asked = performance.now();
        const follow = JSON.stringify({
          op: "wait",
          target: id,
          id: `${id}-wait`,
          wait
        });
        output = await ask(this.#client(follow));
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      timers.forEach(clearTimeout);
    }
  }
};
async function plainExec(toolbox, command, options) {
  const text = typeof command === "string" ? command : command.map(shellQuote).join(" ");
  const marker = `MCP-${crypto.randomUUID()}`;
  const errFile = `/tmp/.${marker}.err`;
  const env = Object.entries(options.env ?? {}).map(([name, value]) => `export ${name}=${shellQuote(value)}; `).join("");
  const pidFile = `/tmp/.${marker}.pid`;
  const cd = options.cwd ? `cd ${shellQuote(options.cwd)} || exit 1; ` : "";
  const script = `command -v setsid >/dev/null 2>&1 && MCP_SETSID=setsid || MCP_SETSID=
{ ( ${cd}${env}exec $MCP_SETSID /bin/sh -c ${shellQuote(text)} ) </dev/null 2>${errFile} &
echo $! >${pidFile}; wait $!; } 2>/dev/null
rc=$?; rm -f ${pidFile}; printf '\\n${marker} %d\\n' "$rc"; cat ${errFile} 2>/dev/null; rm -f ${errFile}`;
  const kill = `for i in 1 2 3 4 5 6 7 8 9 10; do [ -s ${pidFile} ] && break; sleep 0.2; done
pid=$(cat ${pidFile} 2>/dev/null) && { kill -KILL -- -"$pid" 2>/dev/null || kill -KILL "$pid"; }`;
  let cancelled = false;
  const onAbort = /* @__PURE__ */ __name(() => {
    cancelled = true;
    toolbox.execute(kill, PLAIN_TIMEOUT_SECONDS).catch(() => {
    });
  }, "onAbort");
  options.signal?.throwIfAborted();
  options.signal?.addEventListener("abort", onAbort, {
    once: true
  });
  const timeout = options.timeoutMs === void 0 ? PLAIN_TIMEOUT_SECONDS : options.timeoutMs / 1e3;
  const started = performance.now();
  let output;
  try {
    output = await toolbox.execute(script, timeout);
  } catch (error) {
    if (error instanceof SandboxError && /\b408\b/.test(error.message)) {
      const durationMs = performance.now() - started;
      return {
        ...EMPTY_EXEC,
        exitCode: null,
        signal: "SIGKILL",
        timedOut: true,
        durationMs
      };
    }
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  const at = output.lastIndexOf(`
${marker} `);
  const stdout = at < 0 ? output : output.slice(0, at);
  const rest = at < 0 ? "" : output.slice(at + marker.length + 2);
  const newline = rest.indexOf("\n");
  const code = Number.parseInt(newline < 0 ? rest : rest.slice(0, newline), 10);
  const stderr = newline < 0 ? "" : rest.slice(newline + 1);
  const max = options.maxOutputBytes ?? 1e5;
  const cut = /* @__PURE__ */ __name((value) => value.length > max ? value.slice(0, max / 2) + value.slice(value.length - max / 2) : value, "cut");
  return {
    ...EMPTY_EXEC,
    stdout: cut(stdout),
    stderr: cut(stderr),
    exitCode: Number.isInteger(code) && !cancelled ? code : null,
    signal: cancelled ? "SIGKILL" : null,
    cancelled,
    durationMs: performance.now() - started,
    truncated: stdout.length > max || stderr.length > max,
    stdoutBytes: new TextEncoder().encode(stdout).length,
    stderrBytes: new TextEncoder().encode(stderr).length
  };
}
__name(plainExec, "plainExec");
var EMPTY_EXEC = {
  stdout: "",
  stderr: "",
  exitCode: 0,
  signal: null,
  timedOut: false,
  cancelled: false,
  durationMs: 0,
  truncated: false,
  stdoutBytes: 0,
  stderrBytes: 0
};
function shellQuote(word) {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
__name(shellQuote, "shellQuote");
async function installAgent(toolbox) {
  const files = JSON.stringify(AGENT_FILES);
  const script = [
    "import json, os",
    "home = os.path.expanduser('~')",
    `runtime = os.path.join(home, ${JSON.stringify(REMOTE_RUNTIME_DIR)})`,
    "os.makedirs(runtime, mode=0o700, exist_ok=True)",
    // A JSON string literal is also a valid Python string literal.
    `for name, text in json.loads(${JSON.stringify(files)}).items():`,
    "    temp = os.path.join(runtime, '.%s.%d' % (name, os.getpid()))",
    "    with open(temp, 'w', encoding='utf-8') as f:",
    "        f.write(text)",
    "    os.replace(temp, os.path.join(runtime, name))",
    "print(json.dumps({'installed': home}))"
  ].join("\n");
  const output = await toolbox.execute(`python3 - <<'MCP_INSTALL'
${script}
MCP_INSTALL
[ $? = 127 ] && printf '\\n{"nopython": "%s"}\\n' "$HOME"`, PLAIN_TIMEOUT_SECONDS);
  const reply = lastJsonLine(output, (value) => typeof value.installed === "string");
  if (reply) return {
    home: reply.installed,
    python: true
  };
  const bare = lastJsonLine(output, (value) => typeof value.nopython === "string");
  if (bare && PYTHON_MISSING.test(output)) return {
    home: bare.nopython,
    python: false
  };
  throw noReply(output, "Cannot install the agent in the Daytona sandbox");
}
__name(installAgent, "installAgent");
var PYTHON_MISSING = /command not found: python3|python3: command not found|python3: not found|python3: No such file/;
function findReply(output, id) {
  const reply = lastJsonLine(output, (value) => value.id === id);
  if (!reply) throw noReply(output, "Cannot read the sandbox agent's reply");
  return reply;
}
__name(findReply, "findReply");
var REPLY_LINES = 16;
var REPLY_PARSES = 4;
var REPLY_BOUNDS = {
  depth: 32,
  containers: 1e5
};
function lastJsonLine(output, accept) {
  let end = output.length;
  for (let lines = 0, parses = 0; lines < REPLY_LINES && parses < REPLY_PARSES && end >= 0; lines++) {
    const start = output.lastIndexOf("\n", end - 1) + 1;
    const line = output.slice(start, end);
    end = start - 1;
    if (!line.startsWith("{")) continue;
    parses++;
    try {
      const value = parseBoundedJson(line, REPLY_BOUNDS);
      if (accept(value)) return value;
    } catch {
    }
  }
  return void 0;
}
__name(lastJsonLine, "lastJsonLine");
function noReply(output, what) {
  const detail = output.trim().slice(-500);
  if (PYTHON_MISSING.test(detail)) {
    return new SandboxError(`Cannot use the Daytona sandbox: python3 is missing from its image (${detail}); use an image or snapshot with Python 3`);
  }
  return new SandboxError(`${what}: ${detail || "no output"}`);
}
__name(noReply, "noReply");

// src/providers/daytona/_toolbox.ts
import { posix } from "node:path";

// src/providers/daytona/_multipart.ts
function multipartFirstPart(response, path) {
  let reader;
  let closing;
  let pending = new Uint8Array(0);
  let inBody = false;
  let searched = 0;
  const append = /* @__PURE__ */ __name((chunk) => {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    pending = joined;
  }, "append");
  return new ReadableStream({
    async start() {
      const res = await response;
      const boundary = /boundary="?([^";]+)"?/.exec(res.headers.get("content-type") ?? "")?.[1];
      if (!boundary || !res.body) {
        throw new SandboxError(`Cannot download ${path}: the toolbox sent no multipart body`);
      }
      closing = new TextEncoder().encode(`\r
--${boundary}`);
      reader = res.body.getReader();
    },
    async pull(controller) {
      for (; ; ) {
        if (inBody) {
          const end = indexOf(pending, closing);
          if (end >= 0) {
            if (end > 0) controller.enqueue(pending.slice(0, end));
            controller.close();
            await reader.cancel();
            return;
          }
          const safe = pending.length - closing.length;
          if (safe > 0) {
            controller.enqueue(pending.slice(0, safe));
            pending = pending.slice(safe);
            return;
          }
        } else {
          const headerEnd = indexOf(pending, HEADER_END, searched);
          searched = Math.max(0, pending.length - HEADER_END.length + 1);
          if (headerEnd < 0 && pending.length > MAX_HEADER_BYTES) {
            throw new SandboxError(`Cannot download ${path}: the toolbox's answer has over ${MAX_HEADER_BYTES / 1024} KiB of part headers`);
          }
          if (headerEnd >= 0) {
            const headers = new TextDecoder().decode(pending.subarray(0, headerEnd));
            pending = pending.slice(headerEnd + HEADER_END.length);
            if (/name="error"/.test(headers)) {
              const parts = [
                pending
              ];
              let length = pending.length;
              while (length < MAX_ERROR_BYTES) {
                const next = await reader.read();
                if (next.done) break;
                parts.push(next.value);
                length += next.value.length;
              }
              await reader.cancel().catch(() => {
              });
              const joined = concatBytes(parts, length).subarray(0, MAX_ERROR_BYTES);
              const text = new TextDecoder().decode(joined);
              const body = (() => {
                try {
                  return JSON.parse(text.slice(0, text.lastIndexOf("}") + 1));
                } catch {
                  return {
                    message: text
                  };
                }
              })();
              throw downloadError(path, body.code, body.message);
            }
            inBody = true;
            continue;
          }
        }
        const { value, done } = await reader.read();
        if (done) {
          throw new SandboxError(`Cannot download ${path}: the toolbox's answer ended early`);
        }
        append(value);
      }
    },
    async cancel() {
      await reader?.cancel();
    }
  });
}
__name(multipartFirstPart, "multipartFirstPart");
var HEADER_END = new TextEncoder().encode("\r\n\r\n");
var MAX_HEADER_BYTES = 64 * 1024;
var MAX_ERROR_BYTES = 64 * 1024;
function indexOf(haystack, needle, from = 0) {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}
__name(indexOf, "indexOf");

// src/providers/daytona/_toolbox.ts
var MAX_EXECUTE_ANSWER = 100 * 1024 * 1024;
var MAX_ERROR_ANSWER = 64 * 1024;
var MAX_INFO_ANSWER = 64 * 1024;
var MAX_LISTING_ANSWER = 16 * 1024 * 1024;
var LARGE_ANSWER = 8 * 1024 * 1024;
var largeAnswers = new ByteGate(1, 64);
var LARGE_READ_MS = 3e4;
var ANSWERS_AT_ONCE = 8;
var ANSWERS_WAITING = 64;
var EXECUTE_GRACE_SECONDS = 15;
var SDK_HEADERS = {
  "X-Daytona-Source": "sdk-typescript",
  "X-Daytona-SDK-Version": "0.218.0"
};
var Toolbox = class {
  static {
    __name(this, "Toolbox");
  }
  #base;
  #apiKey;
  #timeoutSeconds;
  #log;
  /** This sandbox's command answers being read, and its large one (see LARGE_ANSWER). */
  #answers = new ByteGate(ANSWERS_AT_ONCE, ANSWERS_WAITING);
  #large = new ByteGate(1, ANSWERS_WAITING);
  constructor(base, apiKey, timeoutSeconds, log) {
    this.#base = base;
    this.#apiKey = apiKey;
    this.#timeoutSeconds = timeoutSeconds;
    this.#log = log;
  }
  /**
   * Runs a command; returns its combined output. Not retried: a command may not run twice. The
   * daemon's timeout is a uint32 of seconds, so it is always sent, rounded up to a whole second;
   * the request ends a grace after it, or when `signal` aborts.
   */
  async execute(command, timeoutSeconds, signal) {
    const timeout = Math.max(1, Math.ceil(timeoutSeconds));
    const response = await this.#fetch("process/execute", "run a command in the sandbox", {
      method: "POST",
      headers: {
        "Content-Type": "application/json"
      },
      body: JSON.stringify({
        command,
        timeout
      }),
      signal
    }, false, {
      seconds: timeout + EXECUTE_GRACE_SECONDS
    });
    const held = [];
    try {
      held.push(await this.#answers.enter(1, signal));
      const answer = await readAnswer(response, MAX_EXECUTE_ANSWER, "the command's output", {
        past: LARGE_ANSWER,
        enter: /* @__PURE__ */ __name(async () => {
          held.push(await this.#large.enter(1, signal));
          held.push(await largeAnswers.enter(1, signal));
          return AbortSignal.timeout(LARGE_READ_MS);
        }, "enter")
      });
      const body = parseAnswer(answer, {
        depth: 2,
        containers: 4
      }, "the command's answer");
      const output = body.result ?? body.stdout ?? "";
      if (typeof output !== "string") {
        throw new SandboxError("Cannot read the command's output: the sandbox's toolbox answered with something other than text");
      }
      return output;
    } catch (error) {
      await unread(response);
      throw error;
    } finally {
      for (const handle of held) handle[Symbol.dispose]();
    }
  }
  /**
   * Streams one file from the multipart bulk-download endpoint: the body of its single part, or
   * a SandboxFileError from an error part.
   */
  download(path, signal) {
    const response = this.#fetch("files/bulk-download", "download a file", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "multipart/form-data"
      },
      body: JSON.stringify({
        paths: [
          path
        ]
      }),
      signal
    }, true);
    return multipartFirstPart(response, path);
  }
  /** The toolbox's file details, as a FileInfo. */
  async fileInfo(path, signal) {
    const response = await this.#fetch(`files/info?path=${encodeURIComponent(path)}`, "stat", {
      signal
    }, true).catch((error) => {
      if (error instanceof SandboxError && /\b404\b/.test(error.message)) {
        throw new SandboxFileError("not_found", `Cannot stat ${path}: it does not exist`);
      }
      throw error;
    });
    const answer = await readAnswer(response, MAX_INFO_ANSWER, "the file's details");
    const raw = parseAnswer(answer, {
      depth: 4,
      containers: 16
    }, "the file's details");
    return fromDaemonInfo(isRecord(raw) ? raw : {}, path);
  }
  /** The toolbox's listing of a directory, as a FileListing. */
  async listFiles(path, options = {}) {
    const depth = options.depth ?? 1;
    const response = await this.#fetch(`files?path=${encodeURIComponent(path)}&depth=${depth}`, "list files", {
      signal: options.signal
    }, true);
    const answer = await readAnswer(response, MAX_LISTING_ANSWER, "the listing");
    const raw = parseAnswer(answer, {
      depth: 4,
      containers: 4e5
    }, "the listing");
    const items = (Array.isArray(raw) ? raw : []).filter(isRecord);
    const limit = options.limit ?? 1e3;
    return {
      path,
      entries: items.slice(0, limit).map((item) => fromDaemonInfo(item, String(item.path ?? `${path}/${item.name}`))),
      truncated: items.length > limit
    };
  }
  /**
   * Clones with the daemon's git service (go-git in the sandbox's container). Not retried: a clone
   * half made is not undone. Here rather than through the SDK, whose axios follows a redirect
   * within the origin with the API key and the body, the token in it.
   */
  async gitClone(clone, signal) {
    const git = {
      url: clone.url,
      branch: clone.branch
    };
    const response = await this.#fetch("git/clone", "clone the repository", {
      method: "POST",
      headers: {
        "Content-Type": "application/json"
      },
      body: JSON.stringify({
        url: clone.url,
        path: clone.path,
        branch: clone.branch,
        commit_id: clone.commit,
        username: clone.username,
        password: clone.password,
        insecure_skip_tls: false,
        depth: clone.depth
      }),
      signal
    }, false, {
      // A clone takes as long as the repository needs: the request's own timeout and then some.
      extraSeconds: 600,
      onError: /* @__PURE__ */ __name((status, message, code, headers) => cloneError(status, message, code, headers, git), "onError")
    });
    await unread(response);
  }
  /** Uploads files with the multipart bulk-upload endpoint; throws unless it answers 2xx. */
  async upload(files, signal) {
    const response = await this.#fetch("files/bulk-upload", "upload files", () => {
      const form = new FormData();
      files.forEach((file, i) => {
        form.append(`files[${i}].path`, file.path);
        form.append(`files[${i}].file`, new Blob([
          file.data
        ], {
          type: "application/octet-stream"
        }), file.path);
      });
      return {
        method: "POST",
        body: form,
        signal
      };
    }, true);
    await unread(response);
  }
  /**
   * Uploads one file from a stream with the bulk-upload endpoint, as the stream is read (a
   * multipart body written by hand: FormData would hold the whole file). Sent once, never
   * retried, since the stream cannot be read again; throws unless the endpoint answers 2xx.
   */
  async uploadStream(path, data, signal) {
    const boundary = `----mcp-${crypto.randomUUID()}`;
    const encoder = new TextEncoder();
    const quoted = path.replace(/["\\\r\n]/g, (c) => encodeURIComponent(c));
    const head = encoder.encode(`--${boundary}\r
Content-Disposition: form-data; name="files[0].path"\r
\r
${path}\r
--${boundary}\r
Content-Disposition: form-data; name="files[0].file"; filename="${quoted}"\r
Content-Type: application/octet-stream\r
\r
`);
    const tail = encoder.encode(`\r
--${boundary}--\r
`);
    async function* body() {
      yield head;
      for await (const chunk of data) yield chunk;
      yield tail;
    }
    __name(body, "body");
    const response = await this.#fetch("files/bulk-upload", "upload a file", {
      method: "POST",
      headers: {
        "Content-Type": `multipart/form-data; boundary=${boundary}`
      },
      body: ReadableStream.from(body()),
      signal
    }, false, {
      attempts: 1
    });
    await unread(response);
  }
  async #fetch(path, what, init, idempotent, options = {}) {
    const seconds = options.seconds ?? this.#timeoutSeconds + (options.extraSeconds ?? 0);
    const onError = options.onError ?? ((status, message, _code, headers) => toolboxError(status, message, headers));
    return await withRetries(async () => {
      const request = typeof init === "function" ? init() : init;
      const timeout = AbortSignal.timeout(seconds * 1e3);
      let response;
      try {
        response = await fetch(`${this.#base}/${path}`, {
          ...request,
          // The toolbox answers from the sandbox, whose code can replace it: followed within the
          // origin, with the API key and a 307's body, a redirect ran the command in another
          // client's sandbox and read its files.
          redirect: "manual",
          signal: request.signal ? AbortSignal.any([
            request.signal,
            timeout
          ]) : timeout,
          headers: {
            ...request.headers,
            ...SDK_HEADERS,
            Authorization: `Bearer ${this.#apiKey}`
          }
        });
      } catch (error) {
        throw new TransientError(`the toolbox did not answer: ${error.message}`, {
          cause: error,
          connection: true
        });
      }
      if (response.ok) return response;
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        throw new SandboxError(`Cannot ${what}: the sandbox's toolbox answered with a redirect (${response.status}), which is never followed`);
      }
      const text = new TextDecoder().decode(await readPrefix(response, MAX_ERROR_ANSWER));
      let message = text;
      let code = "";
      try {
        const parsed = parseBoundedJson(text, {
          depth: 4,
          containers: 64
        });
        message = String(parsed.message ?? parsed.error ?? text);
        code = String(parsed.code ?? "");
      } catch {
      }
      throw onError(response.status, message.slice(0, 500), code, response.headers);
    }, {
      idempotent,
      attempts: options.attempts,
      what,
      log: this.#log,
      deadline: Date.now() + seconds * 1e3
    });
  }
};
async function unread(response) {
  await response.body?.cancel().catch(() => {
  });
}
__name(unread, "unread");
function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
__name(isRecord, "isRecord");
async function readAnswer(response, limit, what, large) {
  const chunks = [];
  let size = 0;
  let deadline;
  const reader = (response.body ?? ReadableStream.from([])).getReader();
  const late = /* @__PURE__ */ __name(() => new SandboxError(`Cannot read ${what}: over ${formatBytes(large.past)}, the rest did not come within ${LARGE_READ_MS / 1e3} s`), "late");
  try {
    for (; ; ) {
      const { done, value } = deadline ? await within(reader.read(), deadline, late) : await reader.read();
      if (done) return concatBytes(chunks, size);
      size += value.length;
      if (size > limit) {
        throw new SandboxError(`Cannot read ${what}: it is over ${formatBytes(limit)} (a command in the sandbox printed without end, or code there answered for its toolbox?)`);
      }
      chunks.push(value);
      if (large && !deadline && size > large.past) deadline = await large.enter();
    }
  } catch (error) {
    await reader.cancel().catch(() => {
    });
    throw error;
  }
}
__name(readAnswer, "readAnswer");
function within(promise, signal, fail) {
  if (signal.aborted) return Promise.reject(fail());
  return new Promise((resolve, reject) => {
    const abort = /* @__PURE__ */ __name(() => reject(fail()), "abort");
    signal.addEventListener("abort", abort, {
      once: true
    });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
__name(within, "within");
async function readPrefix(response, limit) {
  const chunks = [];
  let size = 0;
  const reader = (response.body ?? ReadableStream.from([])).getReader();
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
  }
  await reader.cancel().catch(() => {
  });
  return concatBytes(chunks, size).subarray(0, limit);
}
__name(readPrefix, "readPrefix");
function parseAnswer(answer, bounds, what) {
  try {
    return parseBoundedJson(new TextDecoder().decode(answer), bounds);
  } catch (error) {
    throw new SandboxError(`Cannot read ${what}: the sandbox's toolbox answered with what its daemon does not send (${error.message})`);
  }
}
__name(parseAnswer, "parseAnswer");
function cloneError(status, message, code, headers, git) {
  if (code.startsWith("GIT_")) return gitError(status, message, git);
  if (status === 401 || status === 404 || status === 400 && /no IP address/i.test(message)) {
    return toolboxError(status, message, headers);
  }
  if (status === 403 || /auth/i.test(message)) return gitError(status, message, git);
  return toolboxError(status, message, headers);
}
__name(cloneError, "cloneError");
function fromDaemonInfo(raw, path) {
  const mode = String(raw.mode ?? "");
  const type = raw.isDir === true ? "directory" : mode.startsWith("L") ? "symlink" : "file";
  return {
    path,
    name: String(raw.name ?? posix.basename(path)),
    type,
    size: Number(raw.size ?? 0),
    modified: new Date(String(raw.modTime ?? raw.modifiedAt ?? 0)).toISOString(),
    mode
  };
}
__name(fromDaemonInfo, "fromDaemonInfo");

// src/providers/daytona/sandbox.ts
import { posix as posix2 } from "node:path";

// src/providers/daytona/_streams.ts
function skipStream(source, offset) {
  if (offset <= 0) return source;
  let left = offset;
  return source.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return;
      }
      controller.enqueue(chunk.slice(left));
      left = 0;
    }
  }));
}
__name(skipStream, "skipStream");
function limitStream(source, length) {
  if (length === void 0) return source;
  let left = length;
  const reader = source.getReader();
  return new ReadableStream({
    async pull(controller) {
      if (left <= 0) {
        controller.close();
        await reader.cancel();
        return;
      }
      const { value, done } = await reader.read();
      if (done) return controller.close();
      const piece = value.length > left ? value.subarray(0, left) : value;
      left -= piece.length;
      controller.enqueue(piece);
    },
    cancel: /* @__PURE__ */ __name((reason) => reader.cancel(reason), "cancel")
  });
}
__name(limitStream, "limitStream");

// src/providers/daytona/sandbox.ts
var INLINE_WRITE = 256 * 1024;
var DaytonaSandbox = class {
  static {
    __name(this, "DaytonaSandbox");
  }
  /** Daytona's sandbox id. */
  id;
  /** Facts about the sandbox. */
  info;
  /** The name of the persistent workspace it is, if it is one: closing it stops it. */
  workspace;
  #parts;
  #ops;
  #toolbox;
  #closing;
  /** Set once the sandbox was found deleted behind our back. */
  #gone = false;
  #waking;
  /** What the next result must say: the sandbox was started again and lost its processes. */
  #notice;
  #busy = 0;
  #activity;
  /** Use {@linkcode DaytonaProvider.create}. */
  constructor(parts) {
    this.#parts = parts;
    this.id = parts.sdkSandbox.id;
    if (parts.workspace !== void 0) this.workspace = parts.workspace;
    this.info = {
      provider: "daytona",
      home: parts.home,
      pythonVersion: "",
      isolated: true
    };
    this.#toolbox = parts.toolbox;
    this.#ops = new AgentOps(new RemoteAgent(this.#toolbox, parts.home, parts.pollSeconds, parts.replyGraceMs));
  }
  /** Whether the sandbox was deleted (or found gone). */
  get closed() {
    return this.#closing !== void 0 || this.#gone;
  }
  async exec(command, options = {}) {
    const result = await this.#guard(() => this.#parts.python ? this.#ops.exec(command, options) : plainExec(this.#toolbox, command, options), options);
    const notice = this.#takeNotice();
    return notice ? {
      ...result,
      notes: [
        notice,
        ...result.notes ?? []
      ]
    } : result;
  }
  async runPython(code, options = {}) {
    this.#needPython("run Python");
    const result = await this.#guard(() => this.#ops.runPython(code, options), options);
    const notice = this.#takeNotice();
    return notice ? {
      ...result,
      freshInterpreter: true,
      notes: [
        notice,
        ...result.notes
      ]
    } : result;
  }
  /** Task records, kept by the agent: none in an image without python3. */
  get tasks() {
    if (!this.#parts.python) return void 0;
    const tasks = this.#ops.tasks;
    return {
      begin: /* @__PURE__ */ __name((task, createdAt, abandonAfterS, options = {}) => this.#guard(() => tasks.begin(task, createdAt, abandonAfterS, options), options), "begin"),
      get: /* @__PURE__ */ __name((task, options = {}) => this.#guard(() => tasks.get(task, options), options), "get"),
      end: /* @__PURE__ */ __name((task, status, result, options = {}) => this.#guard(() => tasks.end(task, status, result, options), options), "end"),
      cancel: /* @__PURE__ */ __name((task, options = {}) => this.#guard(() => tasks.cancel(task, options), options), "cancel")
    };
  }
  async resetPython(options = {}) {
    this.#needPython("reset Python");
    await this.#guard(() => this.#ops.resetPython(options), options);
  }
  async killAll(options = {}) {
    this.#needPython("stop its processes");
    return await this.#guard(() => this.#ops.killAll(options), options);
  }
  stat(path, options = {}) {
    return this.#guard(() => this.#parts.python ? this.#ops.stat(path, options) : this.#toolbox.fileInfo(resolvePath(this.info.home, path), options.signal), options);
  }
  #needPython(what) {
    if (this.#parts.python) return;
    throw new SandboxError(`Cannot ${what}: the sandbox's image has no python3. Create the sandbox from an image that has Python (e.g. image "python:3.12-slim") or from Daytona's default snapshot; shell_exec and the file tools work in this one`, {
      sandboxId: this.id
    });
  }
  #takeNotice() {
    const notice = this.#notice;
    this.#notice = void 0;
    return notice;
  }
  /**
   * Runs one operation on the sandbox, keeping it active while it runs, and survives Daytona's
   * lifecycle: a stopped or archived sandbox is started again and the operation repeated (it
   * never reached the sandbox); a sandbox deleted behind our back is reported gone.
   */
  async #guard(operation, wait = {}) {
    wait.signal?.throwIfAborted();
    this.#enter();
    try {
      try {
        return await operation();
      } catch (error) {
        if (error instanceof StoppedError) {
          await this.#wake(wait);
          return await operation();
        }
        if (!(error instanceof ToolboxRefused)) throw error;
        const state = await this.#parts.state(wait);
        if (state === "gone" || state === "destroyed" || state === "destroying") {
          this.#gone = true;
          this.#parts.forget();
          throw new SandboxError(`Cannot use sandbox ${this.id}: it was deleted outside this server (the toolbox answered ${error.status}); it is gone with its files, and the next call without a sandbox_id starts a new sandbox`, {
            sandboxId: this.id,
            cause: error
          });
        }
        if (state === "stopped" || state === "archived" || state === "stopping") {
          await this.#wake(wait);
          return await operation();
        }
        throw new SandboxError(`Cannot use sandbox ${this.id}: its toolbox refused the request (${error.status}: ${error.message}) while the API reports it ${state}`, {
          sandboxId: this.id,
          cause: error
        });
      }
    } finally {
      this.#leave();
    }
  }
  /** Starts the sandbox again (once, however many calls found it stopped). */
  #wake(wait) {
    this.#waking ??= (async () => {
      await this.#parts.wake(wait);
      this.noteStartedAgain();
    })().finally(() => this.#waking = void 0);
    return this.#waking;
  }
  /**
   * Says, in the next call's result, that the sandbox had stopped and was started again (by this
   * sandbox, or by the provider that found it stopped), so the model knows its processes are gone.
   */
  noteStartedAgain() {
    const why = this.#parts.autoStopMinutes > 0 ? ` (Daytona stops a sandbox after ${this.#parts.autoStopMinutes} idle minutes)` : "";
    this.#notice = `Sandbox ${this.id} had stopped${why} and was started again: its files are kept, but every process was gone, so the Python interpreter is fresh (variables and imports were lost) and background servers must be started again.`;
  }
  /** While any call runs, tells Daytona the sandbox is active now and then. */
  #enter() {
    if (this.#busy++ > 0) return;
    this.#activity = setInterval(() => {
      this.#parts.sdkSandbox.refreshActivity().catch((error) => this.#parts.log.warn(`sandbox ${this.id}: cannot refresh its activity: ${error.message}`));
    }, this.#parts.activitySeconds * 1e3);
  }
  #leave() {
    if (--this.#busy > 0) return;
    clearInterval(this.#activity);
    this.#activity = void 0;
  }
  /**
   * A read from the start of a file streams it through the toolbox's bulk-download endpoint with
   * fetch, stopping the transfer once `length` bytes arrived; a read at an offset asks the agent
   * for just that range, so nothing before it is transferred.
   */
  readFile(path, options = {}) {
    const open = /* @__PURE__ */ __name(() => {
      if (options.offset && this.#parts.python) return this.#ops.readFile(path, options);
      const target = resolvePath(this.info.home, path);
      return limitStream(skipStream(this.#toolbox.download(target, options.signal), options.offset ?? 0), options.length);
    }, "open");
    return this.#guardStream(open, options);
  }
  /**
   * A stream opened under `#guard`: its first chunk is read inside the guard, so a stopped
   * sandbox is started again and the stream opened anew. Once bytes were delivered, a failure
   * ends the stream: a read is never repeated halfway.
   */
  #guardStream(open, wait) {
    let reader;
    return new ReadableStream({
      pull: /* @__PURE__ */ __name(async (controller) => {
        const { value, done } = reader ? await reader.read() : await this.#guard(() => {
          reader = open().getReader();
          return reader.read();
        }, wait);
        if (done) controller.close();
        else controller.enqueue(value);
      }, "pull"),
      cancel: /* @__PURE__ */ __name((reason) => reader?.cancel(reason), "cancel")
    }, {
      highWaterMark: 0
    });
  }
  /** The note that the sandbox was started again, once, if no result has carried it yet. */
  takeNotes() {
    const notice = this.#takeNotice();
    return notice ? [
      notice
    ] : [];
  }
  /**
   * A file up to 256 KiB travels inside the agent's request: one API call. A larger one is
   * uploaded through the toolbox's bulk-upload endpoint (checking its answer) into a temporary
   * name, then moved into place by the agent. Either way there is never a half-written file, and
   * `overwrite: false` never replaces anything. A stream is read up to 256 KiB to choose; a
   * larger one is streamed to the endpoint as it is read, in constant memory, and not retried.
   */
  async writeFile(path, given, options = {}) {
    const target = resolvePath(this.info.home, path);
    const data = given instanceof Uint8Array ? given : await peek(given, INLINE_WRITE);
    if (data instanceof Uint8Array && data.length <= INLINE_WRITE && this.#parts.python) {
      return await this.#guard(() => this.#ops.writeFile(target, data, options), options);
    }
    const overwrite = options.overwrite ?? true;
    if (!overwrite) {
      const exists = await this.stat(target, options).then(() => true, (error) => {
        if (error instanceof SandboxFileError && error.code === "not_found") return false;
        throw error;
      });
      if (exists) {
        throw new SandboxFileError("exists", `Cannot write ${target}: it already exists and overwrite is false`);
      }
    }
    const temp = `${posix2.dirname(target)}/.${posix2.basename(target)}.upload-${crypto.randomUUID().slice(0, 8)}`;
    if (data instanceof Uint8Array) {
      await this.#guard(() => this.#toolbox.upload([
        {
          path: temp,
          data
        }
      ], options.signal), options);
    } else {
      await this.stat(posix2.dirname(target), options).catch((error) => {
        if (!(error instanceof SandboxFileError)) throw error;
      });
      await this.#guard(() => this.#toolbox.uploadStream(temp, data, options.signal), options);
    }
    if (!this.#parts.python) {
      const existed = await this.stat(target, options).then(() => true, () => false);
      const moved = await this.#guard(() => plainExec(this.#toolbox, [
        "mv",
        "-f",
        "--",
        temp,
        target
      ], {
        timeoutMs: PLAIN_TIMEOUT_SECONDS * 1e3
      }));
      if (moved.exitCode !== 0) {
        throw new SandboxFileError("permission", `Cannot write ${target}: ${moved.stderr.trim()}`);
      }
      return {
        ...await this.stat(target, options),
        replaced: existed
      };
    }
    return await this.#guard(() => this.#ops.commitUpload(temp, target, overwrite, options));
  }
  listFiles(path, options = {}) {
    return this.#guard(() => this.#parts.python ? this.#ops.listFiles(path, options) : this.#toolbox.listFiles(resolvePath(this.info.home, path), options), options);
  }
  /** Clones with the toolbox's git API: credentials go to Daytona, not into the sandbox. */
  async gitClone(request) {
    request.signal?.throwIfAborted();
    const { url, path, branch, commit, username, password, depth } = request;
    await this.#guard(() => withRetries(() => this.#toolbox.gitClone({
      url,
      path,
      branch,
      commit,
      username,
      password,
      depth
    }, request.signal), {
      idempotent: false,
      what: "clone the repository",
      log: this.#parts.log,
      git: {
        url,
        branch
      },
      onWait: request.onWait,
      signal: request.signal
    }), request);
  }
  /** Daytona's preview URL for `port`, its token, and a signed URL valid for an hour. */
  async preview(port, options = {}) {
    options.signal?.throwIfAborted();
    const sdk = this.#parts.sdkSandbox;
    const retry = {
      idempotent: true,
      log: this.#parts.log,
      ...options
    };
    const link = await withRetries(() => sdk.getPreviewLink(port), {
      ...retry,
      what: "get a preview link"
    });
    const signed = await withRetries(() => sdk.getSignedPreviewUrl(port, 3600), {
      ...retry,
      what: "get a signed preview link"
    }).catch(() => void 0);
    return {
      url: link.url,
      token: link.token,
      signedUrl: signed?.url,
      signedUrlExpiresAt: signed ? new Date(Date.now() + 36e5).toISOString() : void 0
    };
  }
  /** Deletes the sandbox in Daytona; a persistent workspace is stopped instead. Idempotent. */
  close() {
    this.#closing ??= (async () => {
      try {
        if (!this.#gone) await this.#parts.remove();
        this.#parts.log.info(`daytona sandbox ${this.id} ${this.workspace === void 0 ? "deleted" : "stopped"}`);
      } finally {
        this.#parts.forget();
      }
    })();
    return this.#closing;
  }
  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose]() {
    await this.close();
  }
};
function resolvePath(home, path) {
  const expanded = path === "~" || path.startsWith("~/") ? home + path.slice(1) : path;
  return posix2.resolve(home, expanded);
}
__name(resolvePath, "resolvePath");
async function peek(stream, limit) {
  const reader = stream.getReader();
  const head = [];
  let size = 0;
  while (size <= limit) {
    const { value, done } = await reader.read();
    if (done) {
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const chunk of head) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      return bytes;
    }
    head.push(value);
    size += value.length;
  }
  return new ReadableStream({
    async pull(controller) {
      const next = head.shift();
      if (next) return controller.enqueue(next);
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: /* @__PURE__ */ __name((reason) => reader.cancel(reason), "cancel")
  });
}
__name(peek, "peek");

// src/providers/daytona/provider.ts
var DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
var CREATOR_LABEL = "created-by";
var CREATOR = "daytona-mcp-interpreter";
var INSTANCE_LABEL = "mcp-instance";
var WORKSPACE_LABEL = "mcp-workspace";
var DEPLOYMENT_LABEL = "mcp-deployment";
var TENANT_LABEL = "mcp-tenant";
var DaytonaProvider = class _DaytonaProvider {
  static {
    __name(this, "DaytonaProvider");
  }
  /** Always `"daytona"`. */
  name = "daytona";
  /** The value of this instance's {@linkcode INSTANCE_LABEL}. */
  instance = crypto.randomUUID();
  /** The deployment whose servers share its sandboxes ({@linkcode DaytonaProviderOptions.deployment}). */
  deployment;
  #client;
  #options;
  /** The labels of one create request, so a create that fails half-way can be cleaned up. */
  static #CREATE_LABEL = "mcp-create";
  #sandboxes = /* @__PURE__ */ new Map();
  /** Sandboxes being found ({@linkcode DaytonaProvider.find}), so concurrent finds attach once. */
  #finding = /* @__PURE__ */ new Map();
  /** The tenant label of each sandbox held, for {@linkcode DaytonaProvider.find}. */
  #tenants = /* @__PURE__ */ new Map();
  /** Creates a provider; no request is made until a sandbox is needed. */
  constructor(options) {
    if (!options.apiKey) {
      throw new TypeError("Cannot use Daytona: no API key; set MCP_DAYTONA_API_KEY (or DAYTONA_API_KEY)");
    }
    if (options.deployment !== void 0) {
      if (!DEPLOYMENT_NAME.test(options.deployment)) {
        throw new TypeError(`Cannot use Daytona: the deployment must be letters, digits, '.', '_' or '-' (at most 63), got '${options.deployment}'`);
      }
      this.deployment = options.deployment;
    }
    this.#options = {
      apiKey: options.apiKey,
      apiUrl: (options.apiUrl ?? "https://app.daytona.io/api").replace(/\/+$/, ""),
      target: options.target,
      timeoutSeconds: options.timeoutSeconds ?? 180,
      autoStopMinutes: options.autoStopMinutes ?? 15,
      autoDeleteMinutes: options.autoDeleteMinutes ?? 60,
      log: options.log ?? createLogger("warn"),
      pollSeconds: options.pollSeconds ?? 45,
      replyGraceMs: options.replyGraceMs ?? REPLY_GRACE_MS,
      activitySeconds: options.activitySeconds ?? 120
    };
    if (!(Number.isInteger(this.#options.pollSeconds) && this.#options.pollSeconds >= 1)) {
      throw new RangeError(`Cannot use Daytona: pollSeconds must be a positive integer, got ${this.#options.pollSeconds}`);
    }
    this.#client = new Daytona({
      apiKey: this.#options.apiKey,
      apiUrl: this.#options.apiUrl,
      target: this.#options.target,
      requestTimeoutMs: this.#options.timeoutSeconds * 1e3,
      // Polling instead of a Socket.IO connection: nothing lingers when the server exits.
      useDeprecatedPolling: true
    });
  }
  /** The labels that mark sandboxes of this instance. */
  get labels() {
    return this.deployment === void 0 ? {
      [CREATOR_LABEL]: CREATOR,
      [INSTANCE_LABEL]: this.instance
    } : {
      [CREATOR_LABEL]: CREATOR,
      [DEPLOYMENT_LABEL]: this.deployment
    };
  }
  /** Checks the API key and that the API answers, by listing this instance's sandboxes. */
  async check(options = {}) {
    await this.list(options);
  }
  /**
   * Creates a sandbox (from an image or snapshot if given) and installs the agent in it. With
   * `workspace`, the sandbox labelled as that persistent workspace is found and started again
   * if it exists (the other options are then ignored), and made otherwise, without auto-delete;
   * closing it stops it.
   */
  async create(options = {}) {
    if (options.workspace !== void 0) {
      const name = checkWorkspaceName(options.workspace);
      const held = [
        ...this.#sandboxes.values()
      ].find((s) => !s.closed && s.workspace === name);
      if (held) {
        throw new SandboxError(`Cannot attach workspace ${name}: it is already attached in this server, as sandbox ${held.id}`, {
          sandboxId: held.id
        });
      }
      const [found] = await this.#findWorkspaces(options, name);
      if (found) return await this.#reattach(found.id, name, options);
    }
    const { log, timeoutSeconds } = this.#options;
    const allow = options.networkAllowList;
    const notCidr = allow?.find((entry) => !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(entry));
    if (notCidr !== void 0) {
      throw new TypeError(`Cannot create a Daytona sandbox with network_allow_list entry '${notCidr}': Daytona takes IPv4 CIDR blocks (e.g. 203.0.113.0/24); domain names are for the local provider`);
    }
    const attempt = crypto.randomUUID();
    const owner = options.workspace !== void 0 ? {
      [CREATOR_LABEL]: CREATOR,
      [WORKSPACE_LABEL]: options.workspace
    } : this.deployment !== void 0 && options.tenant !== void 0 ? {
      ...this.labels,
      [TENANT_LABEL]: options.tenant
    } : this.labels;
    const params = {
      language: "python",
      labels: {
        ...options.labels,
        ...owner,
        [_DaytonaProvider.#CREATE_LABEL]: attempt
      },
      envVars: options.env,
      networkBlockAll: options.networkBlockAll,
      ...allow ? {
        networkAllowList: allow.join(",")
      } : {},
      autoStopInterval: options.autoStopMinutes ?? this.#options.autoStopMinutes,
      autoDeleteInterval: options.workspace === void 0 ? this.#options.autoDeleteMinutes : -1
    };
    const resources = options.cpu || options.memory || options.disk ? {
      cpu: options.cpu,
      memory: options.memory,
      disk: options.disk
    } : void 0;
    if (resources && !options.image) {
      throw new TypeError("Cannot create a Daytona sandbox with cpu, memory or disk but no image: Daytona sets resources only for sandboxes built from an image");
    }
    let sdkSandbox;
    try {
      sdkSandbox = await this.#call("create a sandbox", false, () => options.image ? this.#client.create({
        ...params,
        image: options.image,
        resources
      }, {
        timeout: timeoutSeconds
      }) : this.#client.create({
        ...params,
        snapshot: options.snapshot
      }, {
        timeout: timeoutSeconds
      }), options);
    } catch (error) {
      const left = await this.#findCreated(owner, attempt);
      if (left.length === 0) throw error;
      const reason = left.map((sandbox) => `${sandbox.state}${sandbox.errorReason ? `: ${sandbox.errorReason}` : ""}`).join("; ");
      await Promise.all(left.map((sandbox) => this.#destroy(sandbox).catch(() => {
      })));
      throw new SandboxError(`Cannot create the Daytona sandbox: it ended in ${reason} (${error.message}); the failed sandbox was deleted`, {
        cause: error
      });
    }
    log.info(`daytona sandbox ${sdkSandbox.id} created`);
    try {
      return await this.#attach(sdkSandbox, true, options.workspace);
    } catch (error) {
      await this.#call("delete a sandbox", true, () => this.#client.delete(sdkSandbox)).catch(() => {
      });
      throw error;
    }
  }
  /** Sandboxes (with their state) of one create request, found by its label. */
  async #findCreated(owner, attempt) {
    const found = [];
    try {
      const labels = {
        ...owner,
        [_DaytonaProvider.#CREATE_LABEL]: attempt
      };
      for await (const item of this.#client.list({
        labels
      })) {
        if (item.labels?.[_DaytonaProvider.#CREATE_LABEL] !== attempt) continue;
        if (item.labels?.[CREATOR_LABEL] === CREATOR) found.push(await this.#client.get(item.id));
      }
    } catch {
    }
    return found;
  }
  /** A sandbox this instance created, by id. */
  async get(id, options = {}) {
    const known = this.#sandboxes.get(id);
    if (known && !known.closed) return known;
    options.signal?.throwIfAborted();
    const sdkSandbox = await this.#call("find the sandbox", true, () => this.#client.get(id)).catch((error) => {
      throw new SandboxError(`Cannot find sandbox ${id}: ${error.message}`);
    });
    if (!this.#isOurs(sdkSandbox.labels)) {
      throw new SandboxError(`Cannot use sandbox ${id}: this server did not create it, and never touches sandboxes it did not create`);
    }
    return await this.#attach(sdkSandbox, false);
  }
  /**
   * A sandbox of this deployment made for `options.tenant`, by id, whichever server of the
   * deployment made it; undefined for any other id (missing, deleted, another tenant's, another
   * deployment's or another server's), so that no answer tells them apart. A sandbox found the
   * first time is attached: the agent's files are written again (one request), and the agent
   * already running there, with its Python state, goes on serving. Throws a TypeError without
   * a deployment.
   */
  find(id, options) {
    if (this.deployment === void 0) {
      throw new TypeError("Cannot find another server's sandbox: this provider belongs to no deployment (DaytonaProviderOptions.deployment)");
    }
    const known = this.#sandboxes.get(id);
    if (known && !known.closed) {
      return Promise.resolve(this.#tenants.get(id) === options.tenant ? known : void 0);
    }
    const key = `${options.tenant}/${id}`;
    let finding = this.#finding.get(key);
    if (!finding) {
      finding = this.#findRemote(id, options).finally(() => this.#finding.delete(key));
      this.#finding.set(key, finding);
    }
    return finding;
  }
  async #findRemote(id, options) {
    options.signal?.throwIfAborted();
    const sdk = await this.#call("find the sandbox", true, () => this.#client.get(id), options).catch((error) => {
      if (isNotFound(error)) return void 0;
      throw error;
    });
    if (!sdk || sdk.id !== id || !this.#isOurs(sdk.labels)) return void 0;
    if (sdk.labels[TENANT_LABEL] !== options.tenant) return void 0;
    const state = String(sdk.state);
    if ([
      "destroyed",
      "destroying",
      "error",
      "build_failed"
    ].includes(state)) return void 0;
    if (state === "started") return await this.#attach(sdk, false);
    await wakeSandbox(sdk, this.#options, options);
    const sandbox = await this.#attach(sdk, false);
    sandbox.noteStartedAgain();
    return sandbox;
  }
  /** The sandboxes this instance created that still exist, and the workspaces it attached. */
  async list(options = {}) {
    options.signal?.throwIfAborted();
    const attached = [
      ...this.#sandboxes.values()
    ].filter((s) => !s.closed && s.workspace);
    const [own, ...workspaces] = await Promise.all([
      this.#call("list sandboxes", true, async () => {
        const found = [];
        for await (const sandbox of this.#client.list({
          labels: this.labels
        })) {
          if (!this.#isOurs(sandbox.labels)) continue;
          const tenant = this.deployment === void 0 ? void 0 : sandbox.labels[TENANT_LABEL];
          found.push({
            id: sandbox.id,
            state: String(sandbox.state ?? "unknown"),
            labels: sandbox.labels,
            createdAt: sandbox.createdAt,
            ...tenant === void 0 ? {} : {
              tenant
            }
          });
        }
        return found;
      }),
      ...attached.map((sandbox) => this.#findWorkspaces(options, sandbox.workspace))
    ]);
    const ids = new Set(attached.map((sandbox) => sandbox.id));
    return [
      ...own,
      ...workspaces.flat().filter((summary) => ids.has(summary.id)).map((summary) => ({
        id: summary.id,
        state: summary.state,
        labels: summary.labels,
        createdAt: summary.createdAt,
        workspace: summary.workspace
      }))
    ];
  }
  /**
   * Every persistent workspace of the account made by this software, by its label: `"attached"`
   * when open in this provider, else the sandbox's state (`"stopped"`, `"started"`, …).
   */
  async workspaces(options = {}) {
    const found = await this.#findWorkspaces(options);
    return found.map((summary) => {
      const open = this.#sandboxes.get(summary.id);
      return {
        name: summary.workspace,
        id: summary.id,
        state: open && !open.closed ? "attached" : summary.state,
        ...summary.createdAt ? {
          createdAt: summary.createdAt
        } : {}
      };
    }).sort((a, b) => a.name.localeCompare(b.name));
  }
  /**
   * Deletes a persistent workspace's sandbox with its files (stopping it first if it is attached
   * here). Throws a SandboxError when there is no workspace of that name.
   */
  async deleteWorkspace(name, options = {}) {
    checkWorkspaceName(name);
    const found = await this.#findWorkspaces(options, name);
    if (found.length === 0) {
      throw new SandboxError(`Cannot delete workspace ${name}: there is no workspace of that name`);
    }
    for (const summary of found) {
      await this.#sandboxes.get(summary.id)?.close();
      const sdk = await this.#call("find the workspace", true, () => this.#client.get(summary.id));
      await this.#destroy(sdk);
      this.#options.log.info(`daytona workspace ${name} (sandbox ${summary.id}) deleted`);
    }
  }
  /** The workspaces' sandboxes (all, or those named `name`), oldest first. */
  async #findWorkspaces(wait, name) {
    wait.signal?.throwIfAborted();
    const labels = {
      [CREATOR_LABEL]: CREATOR,
      ...name ? {
        [WORKSPACE_LABEL]: name
      } : {}
    };
    const found = await this.#call("list workspaces", true, async () => {
      const found2 = [];
      for await (const sandbox of this.#client.list({
        labels
      })) {
        const workspace = sandbox.labels?.[WORKSPACE_LABEL];
        if (sandbox.labels?.[CREATOR_LABEL] !== CREATOR || !workspace) continue;
        if (!WORKSPACE_NAME.test(workspace) || name && workspace !== name) continue;
        if ([
          "destroyed",
          "destroying"
        ].includes(String(sandbox.state))) continue;
        found2.push({
          id: sandbox.id,
          state: String(sandbox.state ?? "unknown"),
          labels: sandbox.labels,
          createdAt: sandbox.createdAt,
          workspace
        });
      }
      return found2;
    }, wait);
    return found.sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""));
  }
  /** Attaches a workspace's existing sandbox: started again if Daytona stopped or archived it. */
  async #reattach(id, name, options) {
    const sdk = await this.#call("find the workspace", true, () => this.#client.get(id), options);
    const state = String(sdk.state);
    if (state !== "started") {
      this.#options.log.info(`daytona workspace ${name} (sandbox ${id}) is ${state}; starting it`);
      await wakeSandbox(sdk, this.#options, options);
    }
    return await this.#attach(sdk, false, name);
  }
  /** Deletes a sandbox this instance created. */
  async delete(id, options = {}) {
    const sandbox = await this.get(id, options);
    await sandbox.close();
  }
  /**
   * Deletes every sandbox this instance created, then releases the SDK. Besides the sandboxes it
   * holds, it deletes any others carrying its instance label: an HTTP client may resend a create
   * request whose connection dropped, leaving a duplicate behind.
   */
  async close() {
    try {
      if (this.deployment !== void 0) return;
      await Promise.all([
        ...this.#sandboxes.values()
      ].map((sandbox) => sandbox.close()));
      const leftovers = await this.list().catch(() => []);
      await Promise.all(leftovers.map((summary) => this.#call("find a leftover sandbox", true, () => this.#client.get(summary.id)).then((sandbox) => this.#destroy(sandbox)).catch((error) => this.#options.log.warn(`${summary.id}: ${error.message}`))));
    } finally {
      await this.#client[Symbol.asyncDispose]();
    }
  }
  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose]() {
    await this.close();
  }
  /** Deletes a sandbox, waiting out a pending state change; one already gone is deleted enough. */
  #destroy(sdkSandbox) {
    return destroySandbox(this.#client, sdkSandbox, this.#options);
  }
  #isOurs(labels) {
    return Object.entries(this.labels).every(([name, value]) => labels?.[name] === value);
  }
  async #attach(sdkSandbox, fresh, workspace) {
    const toolbox = new Toolbox(`${sdkSandbox.toolboxProxyUrl.replace(/\/+$/, "")}/${sdkSandbox.id}`, this.#options.apiKey, this.#options.timeoutSeconds, this.#options.log);
    const wake = /* @__PURE__ */ __name((wait = {}) => wakeSandbox(sdkSandbox, this.#options, wait), "wake");
    const installed = await installAgent(toolbox).catch(async (error) => {
      if (!(error instanceof StoppedError)) throw error;
      await wake();
      return await installAgent(toolbox);
    });
    const sandbox = new DaytonaSandbox({
      sdkSandbox,
      home: installed.home,
      python: installed.python,
      toolbox,
      log: this.#options.log,
      remove: /* @__PURE__ */ __name(() => workspace === void 0 ? this.#destroy(sdkSandbox) : stopSandbox(this.#client, sdkSandbox, this.#options), "remove"),
      forget: /* @__PURE__ */ __name(() => {
        this.#sandboxes.delete(sdkSandbox.id);
        this.#tenants.delete(sdkSandbox.id);
      }, "forget"),
      workspace,
      fresh,
      wake,
      state: /* @__PURE__ */ __name((wait) => sandboxState(this.#client, sdkSandbox.id, this.#options, wait), "state"),
      autoStopMinutes: this.#options.autoStopMinutes,
      pollSeconds: this.#options.pollSeconds,
      replyGraceMs: this.#options.replyGraceMs,
      activitySeconds: this.#options.activitySeconds
    });
    this.#sandboxes.set(sandbox.id, sandbox);
    this.#tenants.set(sandbox.id, sdkSandbox.labels?.[TENANT_LABEL]);
    return sandbox;
  }
  /** Runs an API call, retrying transient failures when it is safe, and explains failures. */
  #call(what, idempotent, fn, wait = {}) {
    return callApi(this.#options, what, idempotent, fn, wait);
  }
};
export {
  CREATOR,
  CREATOR_LABEL,
  DEPLOYMENT_LABEL,
  DEPLOYMENT_NAME,
  DaytonaProvider,
  DaytonaSandbox,
  INSTANCE_LABEL,
  TENANT_LABEL,
  WORKSPACE_LABEL
};
