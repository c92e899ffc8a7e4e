// Running things in a Daytona sandbox through the toolbox's `process/execute`: installing the
// agent, calling it (one request per call, long calls followed with short `wait` requests), and
// plain commands for images without python3.

import type { ExecOptions, ExecResult } from "../../sandbox.ts";
import { SandboxError } from "../../sandbox.ts";
import { parseBoundedJson } from "../../_json.ts";
import {
  type AgentFault,
  faultToError,
  REPLY_GRACE_MS,
  type RequestOptions,
  UNTIMED_DEADLINE_MS,
} from "../agent/process.ts";
import type { AgentTransport } from "../agent/ops.ts";
import { AGENT_FILES } from "../agent/_runtime.ts";
import type { Toolbox } from "./_toolbox.ts";

/**
 * The agent's directory, relative to the sandbox user's home (the local provider's agent lives
 * in `/opt/sandbox` instead).
 */
const REMOTE_RUNTIME_DIR = ".mcp-sandbox";
/**
 * Requests up to this size travel inside the command that runs the agent's client, as a here-doc
 * on its stdin: one API call. Longer ones are uploaded as a file first.
 */
const INLINE_REQUEST = 512 * 1024;
/** The execute timeout of a command with no timeout of its own (installing the agent, a cancel). */
export const PLAIN_TIMEOUT_SECONDS = 60;
/** Extra seconds an agent request's execute may take beyond the time it waits for the call. */
const REQUEST_MARGIN_SECONDS = 30;
/**
 * The agent answers "pending" after waiting `pollSeconds` for the call; one that answers at once
 * (code in the sandbox may have replaced it) is asked again at most this often.
 */
const MIN_POLL_MS = 1000;

/**
 * The agent, reached by running its client through `process/execute`: one request per call that
 * ends within `pollSeconds`. A longer call goes on detached in the agent, and short `wait`
 * requests follow it, each bringing back the latest output line as progress.
 */
export class RemoteAgent implements AgentTransport {
  #toolbox: Toolbox;
  #runtime: string;
  #pollSeconds: number;
  #graceMs: number;

  /**
   * `home` is the sandbox user's, as {@linkcode installAgent} found it; a call is waited for at
   * most `graceMs` past its timeout, and after its cancellation.
   */
  constructor(toolbox: Toolbox, home: string, pollSeconds: number, graceMs = REPLY_GRACE_MS) {
    this.#toolbox = toolbox;
    this.#runtime = `${home}/${REMOTE_RUNTIME_DIR}`;
    this.#pollSeconds = pollSeconds;
    this.#graceMs = graceMs;
  }

  /**
   * The command that hands one request to the agent: the JSON as a quoted here-doc (taken
   * literally; JSON has no raw newline, so no line of it can end the here-doc), or `@file`.
   */
  #client(request: string): string {
    const runtime = shellQuote(this.#runtime);
    const call = `python3 ${runtime}/agent.py call ${runtime}/agent.sock`;
    return request.startsWith("@")
      ? `${call} ${shellQuote(request)}`
      : `${call} - <<'MCP_REQUEST'\n${request}\nMCP_REQUEST`;
  }

  async request<T>(
    op: string,
    body: Record<string, unknown>,
    options: RequestOptions = {},
  ): Promise<T> {
    const id = crypto.randomUUID();
    const wait = this.#pollSeconds;
    const json = JSON.stringify({ ...body, op, id, wait });
    let command = this.#client(json);
    if (json.length > INLINE_REQUEST) {
      const file = `${this.#runtime}/request-${id}.json`;
      await this.#toolbox.upload(
        [{ path: file, data: new TextEncoder().encode(json) }],
        options.signal,
      );
      command = this.#client(`@${file}`);
    }
    const cancel = () => {
      const request = JSON.stringify({ op: "cancel", target: id, id: `${id}-cancel` });
      this.#toolbox.execute(this.#client(request), PLAIN_TIMEOUT_SECONDS).catch(() => {});
    };
    // As with a local sandbox's supervisor: "pending" later than the call's timeout and a grace
    // (or a file operation's fixed deadline), or than a grace after a cancel, is not waited on.
    const graceMs = this.#graceMs;
    const seconds = (body as { timeout?: unknown }).timeout;
    const deadlineMs = typeof seconds === "number"
      ? seconds * 1000 + graceMs
      : op === "exec" || op === "python"
      ? undefined // the caller asked for no time limit
      : UNTIMED_DEADLINE_MS;
    const started = performance.now();
    let cancelledAt: number | undefined;
    // A toolbox that holds its answer back (code in the sandbox can answer for it) is not waited
    // on past the deadline, nor past a grace after a cancel: a stalled answer held each cancelled
    // call's connection for 255 s, and 200 such calls 565 connections.
    const stop = new AbortController();
    const timers: ReturnType<typeof setTimeout>[] = [];
    if (deadlineMs !== undefined) timers.push(setTimeout(() => stop.abort(), deadlineMs));
    const onAbort = () => {
      cancelledAt = performance.now();
      cancel();
      timers.push(setTimeout(() => stop.abort(), graceMs));
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const late = (reason: string) => {
      cancel();
      return new SandboxError(
        `Cannot finish: the sandbox's agent ${reason}, so the server stopped waiting for it (a cancel was sent; code in the sandbox may have replaced the agent)`,
      );
    };
    const lateness = () =>
      cancelledAt !== undefined
        ? `did not stop the call within ${graceMs / 1000} s of its cancellation`
        : `did not answer within ${deadlineMs! / 1000} s (the call's timeout and a grace)`;
    const ask = (request: string) =>
      this.#toolbox.execute(request, wait + REQUEST_MARGIN_SECONDS, stop.signal).catch((error) => {
        throw stop.signal.aborted ? late(lateness()) : error;
      });
    try {
      // Each request waits at most `wait` seconds for the call; its execute gets a margin more.
      let asked = performance.now();
      let output = await ask(command);
      for (;;) {
        const reply = findReply(output, id);
        if (reply.error) throw faultToError(reply.error);
        if (reply.pending !== true) return reply.result as T;
        if (typeof reply.line === "string" && reply.line) options.onLine?.(reply.line);
        const now = performance.now();
        if (
          (deadlineMs !== undefined && now - started > deadlineMs) ||
          (cancelledAt !== undefined && now - cancelledAt > graceMs)
        ) {
          throw late(lateness());
        }
        if (now - asked < MIN_POLL_MS) {
          await new Promise((resolve) => setTimeout(resolve, MIN_POLL_MS - (now - asked)));
        }
        asked = performance.now();
        const follow = JSON.stringify({ op: "wait", target: id, id: `${id}-wait`, wait });
        output = await ask(this.#client(follow));
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      timers.forEach(clearTimeout);
    }
  }
}

/**
 * A command through plain `process/execute`, for images without python3: stdout and stderr kept
 * apart by sending stderr to a file that is printed after a marker, all in one request. The
 * command runs in a session of its own (setsid, where the image has it) whose id goes to a file,
 * so an abort can kill its whole process group with a second request; the first then returns.
 */
export async function plainExec(
  toolbox: Toolbox,
  command: string | readonly string[],
  options: ExecOptions,
): Promise<ExecResult> {
  const text = typeof command === "string" ? command : command.map(shellQuote).join(" ");
  const marker = `MCP-${crypto.randomUUID()}`;
  const errFile = `/tmp/.${marker}.err`;
  const env = Object.entries(options.env ?? {})
    .map(([name, value]) => `export ${name}=${shellQuote(value)}; `).join("");
  const pidFile = `/tmp/.${marker}.pid`;
  const cd = options.cwd ? `cd ${shellQuote(options.cwd)} || exit 1; ` : "";
  const script = `command -v setsid >/dev/null 2>&1 && MCP_SETSID=setsid || MCP_SETSID=\n` +
    // The braces' stderr takes the shell's own "Killed" report, which is not the command's.
    `{ ( ${cd}${env}exec $MCP_SETSID /bin/sh -c ${shellQuote(text)} ) </dev/null 2>${errFile} &\n` +
    `echo $! >${pidFile}; wait $!; } 2>/dev/null\n` +
    `rc=$?; rm -f ${pidFile}; printf '\\n${marker} %d\\n' "$rc"; cat ${errFile} 2>/dev/null; ` +
    `rm -f ${errFile}`;
  // The kill waits a moment for the pid file, in case the abort came before the command started.
  const kill = `for i in 1 2 3 4 5 6 7 8 9 10; do [ -s ${pidFile} ] && break; sleep 0.2; done\n` +
    `pid=$(cat ${pidFile} 2>/dev/null) && { kill -KILL -- -"$pid" 2>/dev/null || kill -KILL "$pid"; }`;
  let cancelled = false;
  const onAbort = () => {
    cancelled = true;
    toolbox.execute(kill, PLAIN_TIMEOUT_SECONDS).catch(() => {});
  };
  options.signal?.throwIfAborted();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const timeout = options.timeoutMs === undefined
    ? PLAIN_TIMEOUT_SECONDS
    : options.timeoutMs / 1000;
  const started = performance.now();
  let output: string;
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
        durationMs,
      };
    }
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  const at = output.lastIndexOf(`\n${marker} `);
  const stdout = at < 0 ? output : output.slice(0, at);
  const rest = at < 0 ? "" : output.slice(at + marker.length + 2);
  const newline = rest.indexOf("\n");
  const code = Number.parseInt(newline < 0 ? rest : rest.slice(0, newline), 10);
  const stderr = newline < 0 ? "" : rest.slice(newline + 1);
  const max = options.maxOutputBytes ?? 100_000;
  const cut = (value: string) =>
    value.length > max ? value.slice(0, max / 2) + value.slice(value.length - max / 2) : value;
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
    stderrBytes: new TextEncoder().encode(stderr).length,
  };
}

const EMPTY_EXEC: ExecResult = {
  stdout: "",
  stderr: "",
  exitCode: 0,
  signal: null,
  timedOut: false,
  cancelled: false,
  durationMs: 0,
  truncated: false,
  stdoutBytes: 0,
  stderrBytes: 0,
};

/** Quotes a word for the sandbox's shell. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Writes the agent into the sandbox and returns the sandbox user's home directory, in one
 * command: Daytona's API cannot attach files to a new sandbox, so this is the one call a
 * sandbox costs beyond its creation. Each file is replaced atomically, so an agent client
 * already running never reads half a file.
 */
export async function installAgent(toolbox: Toolbox): Promise<{ home: string; python: boolean }> {
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
    "print(json.dumps({'installed': home}))",
  ].join("\n");
  // Exit status 127 is every shell's "command not found": an image without python3.
  const output = await toolbox.execute(
    `python3 - <<'MCP_INSTALL'\n${script}\nMCP_INSTALL\n` +
      `[ $? = 127 ] && printf '\\n{"nopython": "%s"}\\n' "$HOME"`,
    PLAIN_TIMEOUT_SECONDS,
  );
  const reply = lastJsonLine(output, (value) => typeof value.installed === "string");
  if (reply) return { home: reply.installed as string, python: true };
  const bare = lastJsonLine(output, (value) => typeof value.nopython === "string");
  if (bare && PYTHON_MISSING.test(output)) return { home: bare.nopython as string, python: false };
  throw noReply(output, "Cannot install the agent in the Daytona sandbox");
}

/** How zsh, bash and sh (dash, busybox) say python3 is missing. */
const PYTHON_MISSING =
  /command not found: python3|python3: command not found|python3: not found|python3: No such file/;

function findReply(
  output: string,
  id: string,
): { result?: unknown; error?: AgentFault; pending?: boolean; line?: string } {
  const reply = lastJsonLine(output, (value) => value.id === id);
  if (!reply) throw noReply(output, "Cannot read the sandbox agent's reply");
  return reply;
}

/**
 * How far from the end of a command's output a reply is looked for: the agent's reply is its last
 * line, or close to it. Output from the sandbox can hold millions of lines that look like JSON,
 * and parsing them all would hold the server's event loop for minutes.
 */
const REPLY_LINES = 16;
const REPLY_PARSES = 4;
/**
 * How complex a reply line may be: a listing's entries, a cell's images and notes, each an object
 * or two (a line nested 1 000 000 deep would take the server a gigabyte to parse).
 */
const REPLY_BOUNDS = { depth: 32, containers: 100_000 };

/** The last line of a command's output that is a JSON object `accept` takes, near its end. */
function lastJsonLine(
  output: string,
  accept: (value: Record<string, unknown>) => boolean,
): Record<string, unknown> | undefined {
  let end = output.length;
  for (
    let lines = 0, parses = 0;
    lines < REPLY_LINES && parses < REPLY_PARSES && end >= 0;
    lines++
  ) {
    const start = output.lastIndexOf("\n", end - 1) + 1;
    const line = output.slice(start, end);
    end = start - 1;
    if (!line.startsWith("{")) continue;
    parses++;
    try {
      const value = parseBoundedJson(line, REPLY_BOUNDS) as Record<string, unknown>;
      if (accept(value)) return value;
    } catch { /* not a reply */ }
  }
  return undefined;
}

/** Explains a command that printed no reply: python3 missing from the image, or its output. */
function noReply(output: string, what: string): SandboxError {
  const detail = output.trim().slice(-500);
  if (PYTHON_MISSING.test(detail)) {
    return new SandboxError(
      `Cannot use the Daytona sandbox: python3 is missing from its image (${detail}); use an image or snapshot with Python 3`,
    );
  }
  return new SandboxError(`${what}: ${detail || "no output"}`);
}
