// The one description of the protocol between the server and the supervisor inside each sandbox
// (agent/python/agent.py and its agent_*.py modules). Both sides are held to it:
//   - TypeScript: the request and result types of AgentTransport.request() are derived from
//     PROTOCOL below, so ops.ts cannot send a field the table lacks or omit a required one, and
//     reads results through the table's types;
//   - Python: `deno task gen` writes PROTOCOL as protocol.json next to the agent, which loads it
//     at start, refuses to start unless its handlers are exactly the table's operations, rejects
//     requests whose fields the table does not allow, and fails a handler that reads a field the
//     table does not declare for its operation (agent_protocol.py);
//   - tests/providers/agent_test.ts runs every operation against a real agent and checks each
//     reply against the table with checkValue().

/**
 * Field types, as text:
 * - `string`, `number`, `integer`, `boolean`, `null`;
 * - `base64`: a string of base64-encoded bytes;
 * - `bytes`: file data: raw bytes after the reply line on the pipe (`result._binary` says how
 *   many), base64 inside the line through the socket of remote mode;
 * - a name of {@linkcode PROTOCOL.shapes}: an object with exactly those fields;
 * - `'text'`: that string;
 * - `T[]`: a list of T; `{T}`: an object whose every value is a T;
 * - `A|B`: either.
 *
 * A field whose name ends in `?` may be absent (it is then never `null`, unless its type says so).
 */
export type FieldTypes = Readonly<Record<string, string>>;

/** One operation of the agent: what it does, its request's fields and its result. */
export interface OpDescription {
  /** What the operation does. */
  readonly doc: string;
  /** The request's fields, besides those of every request ({@linkcode PROTOCOL.request}). */
  readonly request: FieldTypes;
  /** The result's fields, or its type. */
  readonly result: FieldTypes | string;
  /** Whether the agent sends progress lines (`frames.progress`) while the operation runs. */
  readonly progress?: boolean;
}

/** The shape of {@linkcode PROTOCOL}. */
export interface ProtocolDescription {
  readonly request: FieldTypes;
  readonly ops: Readonly<Record<string, OpDescription>>;
  readonly control: Readonly<
    Record<string, { readonly doc: string; readonly request: FieldTypes }>
  >;
  readonly shapes: Readonly<Record<string, FieldTypes>>;
  readonly errorCodes: readonly string[];
  readonly frames: Readonly<Record<string, FieldTypes>>;
}

/**
 * The agent protocol. Requests are JSON objects, one a line; the agent answers each operation's
 * request with one `frames.reply` (`result`) or `frames.fault` (`error`). Locally the lines go
 * through the agent's stdin and stdout; for Daytona through `agent.py call SOCKET -`, one request
 * per process, to a server on a unix socket (see agent_server.py), where a call still running after
 * the request's `wait` seconds answers `frames.pending` and goes on, followed by `wait` requests.
 */
export const PROTOCOL = {
  request: {
    id: "integer|string",
    op: "string",
    "wait?": "number",
    /** The task this request works for (a call of a deployment's task): see `task_begin`. */
    "task?": "string",
  },
  ops: {
    exec: {
      doc:
        "Runs `command` through /bin/sh -c, or `argv`, in a process group of its own, in `cwd` (default: the home directory) with `env` added to the sandbox's environment; `timeout` in seconds kills the group; each stream keeps its first and last `max_output` / 2 bytes. Returns as soon as the command exits, leaving background processes running.",
      request: {
        "command?": "string",
        "argv?": "string[]",
        "cwd?": "string",
        "env?": "{string}",
        "timeout?": "number",
        "max_output?": "integer",
      },
      result: {
        stdout: "captured",
        stderr: "captured",
        exit_code: "integer|null",
        signal: "string|null",
        timed_out: "boolean",
        cancelled: "boolean",
        duration_ms: "number",
      },
      progress: true,
    },
    python: {
      doc:
        "Runs a cell of Python in the sandbox's long-lived interpreter (worker.py), started if needed; `timeout` interrupts the cell, which then has 2 s to unwind before the interpreter is killed (`state` 'lost'). `value` is the repr of a final expression, at most `max_repr` characters; matplotlib figures come back as PNG images.",
      request: {
        code: "string",
        "timeout?": "number",
        "max_output?": "integer",
        "max_image_bytes?": "integer",
        "max_images?": "integer",
        "max_repr?": "integer",
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
        duration_ms: "number",
      },
      progress: true,
    },
    python_reset: {
      doc: "Ends the interpreter and starts a fresh one.",
      request: {},
      result: { reset: "boolean" },
    },
    kill_all: {
      doc:
        "Kills every process of the sandbox but the supervisor (commands, background servers, the interpreter); files stay.",
      request: {},
      result: { killed: "integer" },
    },
    stat: {
      doc: "Describes a file; `path` is relative to the home directory, `~` allowed.",
      request: { path: "string" },
      result: "file_info",
    },
    read: {
      doc: "Reads up to `length` bytes (at most 4 MiB) of a regular file from `offset`.",
      request: { path: "string", "offset?": "integer", "length?": "integer" },
      result: { data: "bytes", size: "integer" },
    },
    write: {
      doc:
        "Writes one chunk of an upload (`upload` names it) into a hidden file beside `path`, which replaces `path` (or, without `overwrite`, takes its name only if free) at the `last` chunk; the `first` chunk creates the parents.",
      request: {
        path: "string",
        upload: "string",
        "overwrite?": "boolean",
        "first?": "boolean",
        "last?": "boolean",
        "data?": "base64",
      },
      result: "file_info|upload_part",
    },
    list: {
      doc:
        "Lists a directory `depth` levels deep, breadth first, names sorted, at most `limit` entries.",
      request: { "path?": "string", "depth?": "integer", "limit?": "integer" },
      result: { path: "string", entries: "file_info[]", truncated: "boolean" },
    },
    commit_upload: {
      doc:
        "Moves a file uploaded by other means (Daytona's toolbox) from `temp` to `path`, as write's last chunk does.",
      request: { path: "string", temp: "string", "overwrite?": "boolean" },
      result: "file_info",
    },
    copy: {
      doc:
        "Copies the regular file `from` to `to` in the sandbox's own view (a shared directory's file in or out), as write does: a hidden temporary file put in place at the end; `sha256` of what was copied.",
      request: { from: "string", to: "string", "overwrite?": "boolean" },
      result: { file: "file_info", sha256: "string" },
      progress: true,
    },
    task_begin: {
      doc:
        "Opens the record of task `task_id` (a call that became a task; its requests carry `task`), kept so that any server of a deployment can report or cancel it: working, with the latest output line of its running call as status message. Again for a record that exists, it renews it: in remote mode a working task not renewed for `abandon_after` seconds is reported failed (`abandoned`), its server having died.",
      request: { task_id: "string", created_at: "string", abandon_after: "number" },
      result: "task_record",
    },
    task_get: {
      doc: "The record of task `task_id`, or null when there is none (never begun, or expired).",
      request: { task_id: "string" },
      result: "task_record|null",
    },
    task_end: {
      doc:
        "Closes the record of a working task with its call's `result` (a tool result, or for `failed` an error); a task that has already ended (cancelled) keeps how it ended. Ended records are kept an hour, across restarts of the agent.",
      request: { task_id: "string", status: "'completed'|'failed'", result: "{any}" },
      result: "task_record|null",
    },
    task_cancel: {
      doc:
        "Ends a working task as cancelled and stops its running calls (a command's process group killed, a Python cell interrupted); calls it starts later are refused. An ended task stays as it ended.",
      request: { task_id: "string" },
      result: "task_record|null",
    },
    tunnel: {
      doc:
        "Connects 127.0.0.1:`port` inside to the server's `inbound` socket, sending `token` first: one web_preview connection (local sandboxes with a network of their own).",
      request: { port: "integer", token: "string", inbound: "string" },
      result: { port: "integer" },
    },
  },
  control: {
    cancel: {
      doc:
        "Stops the call `target`: kills a command's process group, interrupts a Python cell. No reply of its own; the call replies with `cancelled` set.",
      request: { target: "integer|string" },
    },
    wait: {
      doc:
        "Remote mode: waits up to `wait` seconds more for the detached call `target`; replies as that call, or `frames.pending` again.",
      request: { target: "integer|string", wait: "number" },
    },
  },
  shapes: {
    captured: { head: "base64", tail: "base64", total: "integer" },
    file_info: {
      path: "string",
      name: "string",
      type: "'file'|'directory'|'symlink'|'other'",
      size: "integer",
      modified: "number",
      mode: "string",
      "target?": "string",
      "replaced?": "boolean",
    },
    upload_part: { path: "string" },
    python_error: { type: "string", message: "string", traceback: "string" },
    image: {
      data: "base64",
      mime_type: "string",
      width: "integer",
      height: "integer",
      bytes: "integer",
    },
    exit: { exit_code: "integer|null", signal: "string|null" },
    task_record: {
      status: "'working'|'completed'|'failed'|'cancelled'",
      "status_message?": "string",
      created_at: "string",
      updated_at: "string",
      abandoned: "boolean",
      "result?": "{any}",
    },
    fault: { "field?": "string", "code?": "error_code", message: "string" },
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
    "io",
  ],
  frames: {
    hello: {
      ready: "boolean",
      python: "string",
      home: "string",
      uid: "integer",
      "protections?": "{string|null}",
    },
    reply: { id: "integer|string", result: "{any}" },
    fault: { id: "integer|string", error: "fault" },
    progress: { id: "integer|string", line: "string", bytes: "integer" },
    pending: { id: "integer|string", pending: "boolean", line: "string", bytes: "integer" },
  },
} as const satisfies ProtocolDescription;

type Protocol = typeof PROTOCOL;

/** The name of an operation of the agent. */
export type AgentOp = keyof Protocol["ops"];

/** A file error code of the protocol (`error.code` of `frames.fault`). */
export type AgentErrorCode = Protocol["errorCodes"][number];

interface BaseTypes {
  string: string;
  number: number;
  integer: number;
  boolean: boolean;
  null: null;
  base64: string;
  bytes: string | Uint8Array<ArrayBuffer>;
  error_code: AgentErrorCode;
  any: unknown;
}

type Simplify<T> = { [K in keyof T]: T[K] } & unknown;

/** The TypeScript type of a field type of {@linkcode FieldTypes}. */
export type TypeOf<T extends string> = T extends `{${infer V}}` ? Record<string, TypeOf<V>>
  : T extends `${infer A}|${infer B}` ? TypeOf<A> | TypeOf<B>
  : T extends `${infer A}[]` ? TypeOf<A>[]
  : T extends `'${infer L}'` ? L
  : T extends keyof BaseTypes ? BaseTypes[T]
  : T extends keyof Protocol["shapes"] ? FieldsOf<Protocol["shapes"][T]>
  : never;

/** The TypeScript type of an object with the fields `F`. */
export type FieldsOf<F> = Simplify<
  & { -readonly [K in keyof F as K extends `${string}?` ? never : K]: TypeOf<F[K] & string> }
  & { -readonly [K in keyof F as K extends `${infer N}?` ? N : never]?: TypeOf<F[K] & string> }
>;

/** The fields of a request for `Op` that its caller gives (the transport adds `id` and `op`). */
export type AgentRequest<Op extends AgentOp> =
  & FieldsOf<Protocol["ops"][Op]["request"]>
  & Pick<FieldsOf<Protocol["request"]>, "task">;

/** The result of `Op`. */
export type AgentResult<Op extends AgentOp> = Protocol["ops"][Op]["result"] extends
  infer R extends string ? TypeOf<R> : FieldsOf<Protocol["ops"][Op]["result"]>;

/** An object of the protocol's `shapes`. */
export type AgentShape<S extends keyof Protocol["shapes"]> = FieldsOf<Protocol["shapes"][S]>;

/** What the agent says once it is ready (`frames.hello`). */
export type AgentHello = FieldsOf<Protocol["frames"]["hello"]>;

const BASE_CHECKS: Readonly<Record<string, (value: unknown) => boolean>> = {
  string: (value) => typeof value === "string",
  base64: (value) => typeof value === "string",
  number: (value) => typeof value === "number",
  integer: (value) => Number.isInteger(value),
  boolean: (value) => typeof value === "boolean",
  null: (value) => value === null,
  bytes: (value) => typeof value === "string" || value instanceof Uint8Array,
  error_code: (value) => (PROTOCOL.errorCodes as readonly unknown[]).includes(value),
  any: () => true,
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks `value` against the fields `fields`: returns what is wrong (the first thing found), or
 * `undefined` when it conforms. A field that `fields` does not have is wrong too. `at` names the
 * value in the answer.
 *
 * @example A file description
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { checkFields, PROTOCOL } from "./protocol.ts";
 *
 * const info = { path: "/tmp/a", name: "a", type: "file", size: 1, modified: 0, mode: "-rw-r--r--" };
 * equal(checkFields(PROTOCOL.shapes.file_info, info), undefined);
 * equal(
 *   checkFields(PROTOCOL.shapes.file_info, { ...info, type: "fifo" }),
 *   `type is "fifo", not 'file'|'directory'|'symlink'|'other'`,
 * );
 * equal(checkFields(PROTOCOL.shapes.file_info, { ...info, owner: 0 }), "owner is not in the protocol");
 * ```
 */
export function checkFields(fields: FieldTypes, value: unknown, at = ""): string | undefined {
  const path = (name: string) => at ? `${at}.${name}` : name;
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
  return undefined;
}

/**
 * Checks `value` against the field type `type` (see {@linkcode FieldTypes}): returns what is
 * wrong, or `undefined` when it conforms. `at` names the value in the answer.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { checkValue } from "./protocol.ts";
 *
 * equal(checkValue("integer|null", null), undefined);
 * equal(checkValue("string[]", ["a", 1], "argv"), "argv[1] is 1, not string");
 * ```
 */
export function checkValue(type: string, value: unknown, at = "the value"): string | undefined {
  const shapes: Readonly<Record<string, FieldTypes>> = PROTOCOL.shapes;
  const wrong = () => `${at} is ${describe(value)}, not ${type}`;
  if (type.startsWith("{") && type.endsWith("}")) {
    if (!isObject(value)) return wrong();
    for (const [key, item] of Object.entries(value)) {
      const problem = checkValue(type.slice(1, -1), item, `${at}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (type.includes("|")) {
    const fits = type.split("|").some((alternative) => !checkValue(alternative, value, at));
    return fits ? undefined : wrong();
  }
  if (type.endsWith("[]")) {
    if (!Array.isArray(value)) return wrong();
    for (const [index, item] of value.entries()) {
      const problem = checkValue(type.slice(0, -2), item, `${at}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (type.startsWith("'")) return value === type.slice(1, -1) ? undefined : wrong();
  if (Object.hasOwn(shapes, type)) return checkFields(shapes[type], value, at);
  const check = BASE_CHECKS[type];
  if (!check) throw new TypeError(`Cannot check ${at}: the protocol has no type ${type}`);
  return check(value) ? undefined : wrong();
}

/**
 * Checks a result of `op` against the description: returns what is wrong, or `undefined` when it
 * conforms.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { checkResult } from "./protocol.ts";
 *
 * equal(checkResult("tunnel", { port: 8080 }), undefined);
 * equal(checkResult("tunnel", {}), "tunnel.port is missing");
 * ```
 */
export function checkResult(op: AgentOp, value: unknown): string | undefined {
  const result: FieldTypes | string = PROTOCOL.ops[op].result;
  return typeof result === "string"
    ? checkValue(result, value, op)
    : checkFields(result, value, op);
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
