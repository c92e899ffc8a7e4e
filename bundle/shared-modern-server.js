// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  FILE_DATA
} from "./shared-daytona-modern-server.js";
import {
  credentialsFor
} from "./shared-cli-init-modern-server.js";
import {
  SandboxFileError
} from "./shared-cli-daytona-doctor-modern-server.js";
import {
  locateShared,
  openSharedFile,
  writeSharedFile
} from "./shared-cli-doctor-init-modern-server.js";
import {
  WORKSPACE_NAME
} from "./shared-cli-daytona-doctor-init-modern-server.js";
import {
  external_exports
} from "./shared-http-modern-server.js";
import {
  completeUtf8End,
  formatBytes,
  readAll,
  utf8Start
} from "./shared-cli-daytona-doctor-http-modern-server.js";
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/_call.ts
var HEARTBEAT_MS = 2e3;
var SANDBOX_ID = external_exports.string({
  error: "sandbox_id must be a string"
}).min(1).optional().describe("Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.");
var SANDBOX_META_KEY = "daytona-mcp-interpreter/sandbox_id";
var MAX_RESULT_BYTES = 10 * 1024 * 1024 - 4096;
function oversized(result) {
  const json = JSON.stringify(result);
  if (json.length * 3 <= MAX_RESULT_BYTES) return void 0;
  const bytes = new TextEncoder().encode(json).length;
  return bytes > MAX_RESULT_BYTES ? bytes : void 0;
}
__name(oversized, "oversized");
async function runCall(tool, setup, context, call) {
  const started = performance.now();
  const done = setup.session.begin();
  const { progressToken } = context;
  let progress = 0;
  let latest = `${tool.name} is running`;
  const report = /* @__PURE__ */ __name((message) => context.sendProgress({
    progressToken,
    progress: ++progress,
    message
  }), "report");
  const onProgress = progressToken === void 0 && !context.onStatus ? void 0 : (message) => {
    latest = message;
    context.onStatus?.(message);
    if (progressToken !== void 0) report(message);
  };
  const heartbeat = progressToken === void 0 ? void 0 : setInterval(() => report(latest), HEARTBEAT_MS);
  try {
    const output = await call({
      ...setup.limits,
      ...setup.credentials,
      shares: setup.shares,
      signal: context.signal,
      onProgress
    });
    let result = tool.present(output);
    const bytes = oversized(result);
    if (bytes !== void 0) {
      result = {
        content: [
          {
            type: "text",
            text: `Cannot return the result of ${tool.name}: it is ${(bytes / 1024 / 1024).toFixed(1)} MiB as JSON, over the 10 MiB a client reads in one message (text full of control characters grows sixfold when escaped); ask for less, or write the output to a file and read it in parts`
          }
        ],
        isError: true
      };
    }
    setup.log.debug(`${tool.name}: ${result.isError ? "failed" : "ok"} in ${Math.round(performance.now() - started)} ms`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    setup.log.warn(`${tool.name}: ${message}`);
    return {
      content: [
        {
          type: "text",
          text: message
        }
      ],
      isError: true
    };
  } finally {
    clearInterval(heartbeat);
    done();
  }
}
__name(runCall, "runCall");

// src/tools/_files.ts
var MIB = 1024 * 1024;
var INLINE_BYTES = MIB;
var HARD_CEILING = 7 * MIB;
var EXTENSION_TYPES = {
  txt: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  json: "application/json",
  xml: "application/xml",
  yaml: "application/yaml",
  yml: "application/yaml",
  html: "text/html",
  htm: "text/html",
  xhtml: "text/html",
  css: "text/css",
  js: "text/javascript",
  ts: "text/typescript",
  py: "text/x-python",
  sh: "text/x-shellscript",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
  gz: "application/gzip",
  zip: "application/zip",
  tar: "application/x-tar"
};
var SIGNATURES = [
  [
    "image/png",
    [
      137,
      80,
      78,
      71,
      13,
      10,
      26,
      10
    ]
  ],
  [
    "image/jpeg",
    [
      255,
      216,
      255
    ]
  ],
  [
    "image/gif",
    [
      71,
      73,
      70,
      56
    ]
  ],
  [
    "image/webp",
    [
      87,
      69,
      66,
      80
    ],
    8
  ],
  [
    "application/pdf",
    [
      37,
      80,
      68,
      70,
      45
    ]
  ],
  [
    "application/gzip",
    [
      31,
      139
    ]
  ],
  [
    "application/zip",
    [
      80,
      75,
      3,
      4
    ]
  ]
];
function sniffMimeType(head, path) {
  for (const [type, magic, at = 0] of SIGNATURES) {
    if (magic.every((byte, i) => head[at + i] === byte)) {
      if (type !== "image/webp" || head[0] === 82) return type;
    }
  }
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  const byExtension = path.includes(".") ? EXTENSION_TYPES[extension] : void 0;
  if (byExtension) return byExtension;
  return decodeText(head, {
    partial: true
  }) !== null ? "text/plain" : "application/octet-stream";
}
__name(sniffMimeType, "sniffMimeType");
function isImageType(mimeType) {
  return [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp"
  ].includes(mimeType);
}
__name(isImageType, "isImageType");
var strict = new TextDecoder("utf-8", {
  fatal: true
});
function decodeText(bytes, options = {}) {
  const view = options.partial ? bytes.subarray(utf8Start(bytes), completeUtf8End(bytes)) : bytes;
  if (view.includes(0)) return null;
  try {
    return strict.decode(view);
  } catch {
    return null;
  }
}
__name(decodeText, "decodeText");
async function sha256Tap() {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  return {
    stream: new TransformStream({
      transform(chunk, controller) {
        hash.update(chunk);
        controller.enqueue(chunk);
      }
    }),
    hex: /* @__PURE__ */ __name(() => hash.digest("hex"), "hex")
  };
}
__name(sha256Tap, "sha256Tap");
function sharedFileError(error, action, hostPath, inside) {
  if (!(error instanceof Error)) return new Error(String(error));
  const message = error.message.replaceAll(inside, hostPath).replace(/^Cannot \w+ /, "");
  const restated = `Cannot ${action} host_path ${hostPath}: ${message.replace(`${hostPath}: `, "")}`;
  const copy = error instanceof SandboxFileError ? new SandboxFileError(error.code, restated, {
    cause: error
  }) : new Error(restated, {
    cause: error
  });
  return copy;
}
__name(sharedFileError, "sharedFileError");
function sandboxUri(sandboxId, path) {
  const segment = /* @__PURE__ */ __name((text) => {
    let out = "";
    for (const char of text) {
      const code = char.codePointAt(0);
      if (code >= 56448 && code <= 56575) {
        out += `%${(code - 56320).toString(16).toUpperCase()}`;
      } else if (code >= 55296 && code <= 57343) {
        out += "%EF%BF%BD";
      } else out += encodeURIComponent(char);
    }
    return out;
  }, "segment");
  return `sandbox://${sandboxId}${path.split("/").map(segment).join("/")}`;
}
__name(sandboxUri, "sandboxUri");
var PATH_MAX = 4096;
function sandboxPath(encoded) {
  if (encoded.length > 3 * PATH_MAX) {
    throw new TypeError(`Cannot read the path: it is longer than the ${PATH_MAX} bytes of any path`);
  }
  const bytes = new Uint8Array(3 * encoded.length);
  const encoder = new TextEncoder();
  let length = 0;
  for (let i = 0; i < encoded.length; i++) {
    const hex = encoded[i] === "%" ? encoded.slice(i + 1, i + 3) : "";
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes[length++] = parseInt(hex, 16);
      i += 2;
    } else {
      const code = encoded.codePointAt(i);
      if (code > 65535) i++;
      length += encoder.encodeInto(String.fromCodePoint(code), bytes.subarray(length)).written;
    }
  }
  if (length > PATH_MAX) {
    throw new TypeError(`Cannot read the path: it is longer than the ${PATH_MAX} bytes of any path`);
  }
  const strict2 = new TextDecoder("utf-8", {
    fatal: true,
    ignoreBOM: true
  });
  try {
    return strict2.decode(bytes.subarray(0, length));
  } catch {
  }
  let out = "";
  for (let i = 0; i < length; ) {
    const lead = bytes[i];
    const size = lead < 128 ? 1 : lead < 194 ? 0 : lead < 224 ? 2 : lead < 240 ? 3 : lead < 245 ? 4 : 0;
    let text;
    try {
      if (size > 0 && i + size <= length) text = strict2.decode(bytes.subarray(i, i + size));
    } catch {
    }
    if (text !== void 0) {
      out += text;
      i += size;
    } else {
      out += String.fromCharCode(56320 + lead);
      i += 1;
    }
  }
  return out;
}
__name(sandboxPath, "sandboxPath");
var OPAQUE_ELEMENTS = [
  "script",
  "style",
  "noscript",
  "template"
];
var BLOCK_END = /^\/(p|div|section|article|li|tr|h[1-6]|pre|blockquote|table|ul|ol)\s*$/i;
function htmlToText(html) {
  const entities = {
    amp: "&",
    lt: "<",
    gt: ">",
    quot: '"',
    apos: "'",
    nbsp: " "
  };
  const lower = html.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
  const out = [];
  let at = 0;
  while (at < html.length) {
    const open = html.indexOf("<", at);
    if (open < 0) {
      out.push(html.slice(at));
      break;
    }
    out.push(html.slice(at, open));
    if (html.startsWith("<!--", open)) {
      const close2 = html.indexOf("-->", open + 4);
      out.push(" ");
      at = close2 < 0 ? html.length : close2 + 3;
      continue;
    }
    const close = html.indexOf(">", open + 1);
    if (close < 0) {
      out.push(html.slice(open));
      break;
    }
    if (close === open + 1) {
      out.push("<>");
      at = close + 1;
      continue;
    }
    const tag = html.slice(open + 1, close);
    const name = /^\/?([a-z][a-z0-9]*)/i.exec(tag)?.[1]?.toLowerCase();
    at = close + 1;
    if (name && tag[0] !== "/" && OPAQUE_ELEMENTS.includes(name)) {
      let end = lower.indexOf(`</${name}`, at);
      while (end >= 0 && !/^\s*>/.test(lower.slice(end + name.length + 2, end + name.length + 66))) {
        end = lower.indexOf(`</${name}`, end + 1);
      }
      out.push(" ");
      at = end < 0 ? html.length : lower.indexOf(">", end) + 1;
      continue;
    }
    out.push(name === "br" || name === "hr" || BLOCK_END.test(tag) ? "\n" : " ");
  }
  return out.join("").replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole2, name) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code <= 1114111 ? String.fromCodePoint(code) : whole2;
    }
    return entities[name.toLowerCase()] ?? whole2;
  }).replace(/[ \t\f\v\r]+/g, " ").replace(/ *\n */g, "\n").replace(/\n{3,}/g, "\n\n").trim();
}
__name(htmlToText, "htmlToText");

// src/resources.ts
var SANDBOX_URI_TEMPLATE = "sandbox://{sandbox}{+path}";
async function readSandboxResource(session, uri, variables, signal) {
  const sandbox = await session.sandbox({
    id: String(variables.sandbox),
    signal
  });
  const path = sandboxPath(String(variables.path));
  const info = await sandbox.stat(path, {
    signal
  });
  if (info.type !== "file") throw new TypeError(`Cannot read ${uri}: it is not a regular file`);
  if (info.size > HARD_CEILING) {
    throw new RangeError(`Cannot read ${uri}: it is ${formatBytes(info.size)}, over the ${formatBytes(HARD_CEILING)} one message carries; use file_download with download_partial`);
  }
  using _admitted = await FILE_DATA.enter(`sandbox ${sandbox.id}`, info.size, signal);
  const bytes = await readAll(sandbox.readFile(path, {
    signal
  }), HARD_CEILING);
  const mimeType = sniffMimeType(bytes.subarray(0, 4096), path);
  const text = mimeType.startsWith("image/") ? null : decodeText(bytes);
  const asText = text !== null && oversized({
    contents: [
      {
        uri,
        mimeType,
        text
      }
    ]
  }) === void 0;
  return {
    contents: [
      asText ? {
        uri,
        mimeType,
        text
      } : {
        uri,
        mimeType,
        blob: bytes.toBase64()
      }
    ]
  };
}
__name(readSandboxResource, "readSandboxResource");

// src/tools/_common.ts
var MAX_TIMEOUT_SECONDS = 86400;
function timeoutSchema(what) {
  return external_exports.number({
    error: "timeout must be a number of seconds"
  }).positive("timeout must be greater than 0 seconds").max(MAX_TIMEOUT_SECONDS, `timeout must be at most ${MAX_TIMEOUT_SECONDS} seconds`).optional().describe(`Seconds before ${what}.`);
}
__name(timeoutSchema, "timeoutSchema");
function noNul(field) {
  return external_exports.string({
    error: `${field} must be a string`
  }).refine((text) => !text.includes("\0"), `${field} must not contain NUL bytes`);
}
__name(noNul, "noNul");
async function budgetReading(sandbox) {
  return await sandbox.resources?.().catch(() => void 0);
}
__name(budgetReading, "budgetReading");
var lastReadings = /* @__PURE__ */ new WeakMap();
async function budgetBaseline(sandbox) {
  if (lastReadings.has(sandbox) || !sandbox.resources) return;
  const reading = await budgetReading(sandbox);
  if (reading) lastReadings.set(sandbox, reading);
}
__name(budgetBaseline, "budgetBaseline");
async function budgetHits(sandbox, suspicious) {
  const before = lastReadings.get(sandbox);
  if (!before || !suspicious) return [];
  const after = await budgetReading(sandbox);
  if (!after) return [];
  lastReadings.set(sandbox, after);
  return budgetNotes(before, after);
}
__name(budgetHits, "budgetHits");
var BUDGET_SIGNS = /Killed|Cannot fork|fork: Resource temporarily unavailable|Cannot allocate memory|MemoryError|No space left on device/;
function budgetNotes(before, after) {
  if (!before || !after) return [];
  const notes = [];
  const kills = after.oomKills - before.oomKills;
  if (kills > 0) {
    notes.push(`The sandbox's memory budget (${Math.round(after.memoryBudgetBytes / 1048576)} MiB) was hit and the kernel killed a process (${kills} out-of-memory kill${kills === 1 ? "" : "s"} since the last check); the sandbox carries on.`);
  }
  const disk = diskFullNote(after);
  if (disk) notes.push(`${disk}.`);
  const forks = (after.forkFailures ?? 0) - (before.forkFailures ?? 0);
  if (forks > 0) {
    notes.push(`The sandbox's process budget (${after.processBudget} processes and threads) was hit: ${forks} fork${forks === 1 ? "" : "s"} failed since the last check.`);
  }
  return notes;
}
__name(budgetNotes, "budgetNotes");
function diskFullNote(reading) {
  const budget = reading?.diskBudgetBytes;
  const free = reading?.diskFreeBytes;
  if (budget === void 0 || free === void 0) return void 0;
  if (free >= Math.max(budget / 100, 1048576)) return void 0;
  const size = budget >= 1 << 30 ? `${Math.round(budget / (1 << 30) * 10) / 10} GiB` : `${Math.round(budget / 1048576)} MiB`;
  return `The disk budget ${size} of the sandbox is full (its home and /tmp together); delete files to make room`;
}
__name(diskFullNote, "diskFullNote");

// src/tools/_define.ts
function defineTool(tool) {
  return finish(tool);
}
__name(defineTool, "defineTool");
function defineSessionTool(tool) {
  return finish(tool);
}
__name(defineSessionTool, "defineSessionTool");
function finish(spec) {
  return {
    ...spec,
    annotations: {
      title: spec.title,
      ...spec.annotations
    }
  };
}
__name(finish, "finish");
function presentJson(output, isError) {
  return {
    content: [
      {
        type: "text",
        text: JSON.stringify(output)
      }
    ],
    structuredContent: output,
    isError
  };
}
__name(presentJson, "presentJson");
var RUNS_CODE = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true
};
var WRITES_FILE = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false
};
var READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false
};

// src/tools/shell_exec.ts
async function shellExec(sandbox, input, options = {}) {
  if (input.command.trim() === "") {
    throw new TypeError("Cannot run command: 'command' is empty");
  }
  if (input.timeout !== void 0 && !(input.timeout > 0)) {
    throw new RangeError(`Cannot run command: 'timeout' must be positive, got ${input.timeout}`);
  }
  await budgetBaseline(sandbox);
  const result = await sandbox.exec(input.command, {
    cwd: input.cwd,
    env: input.env,
    timeoutMs: (input.timeout ?? options.defaultTimeout ?? 300) * 1e3,
    maxOutputBytes: options.maxOutputBytes,
    signal: options.signal,
    onOutput: options.onProgress,
    onWait: options.onProgress
  });
  const notes = [
    ...result.notes ?? [],
    ...await budgetHits(sandbox, result.signal === "SIGKILL" && !result.timedOut && !result.cancelled || result.exitCode === 137 || BUDGET_SIGNS.test(result.stderr))
  ];
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    exit_code: result.exitCode,
    signal: result.signal,
    timed_out: result.timedOut,
    duration_ms: Math.round(result.durationMs * 10) / 10,
    truncated: result.truncated,
    stdout_bytes: result.stdoutBytes,
    stderr_bytes: result.stderrBytes,
    ...notes.length ? {
      notes
    } : {}
  };
}
__name(shellExec, "shellExec");
var ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
var shellExecInputSchema = {
  command: noNul("command").min(1, "command must not be empty").describe("Shell command line, run with /bin/sh -c. End with `&` to leave a server running."),
  cwd: noNul("cwd").optional().describe("Working directory in the sandbox. Default: the sandbox's home directory."),
  env: external_exports.record(external_exports.string(), noNul("env values"), {
    error: "env must be an object of strings"
  }).refine((env) => Object.keys(env).every((name) => ENV_NAME.test(name)), "env names must be letters, digits and underscores, not starting with a digit").optional().describe("Extra environment variables for this command."),
  timeout: timeoutSchema("the command's process group is killed (default 300)")
};
var shellExecOutputSchema = {
  stdout: external_exports.string(),
  stderr: external_exports.string(),
  exit_code: external_exports.number().int().nullable(),
  signal: external_exports.string().nullable(),
  timed_out: external_exports.boolean(),
  duration_ms: external_exports.number(),
  truncated: external_exports.boolean(),
  stdout_bytes: external_exports.number().int(),
  stderr_bytes: external_exports.number().int(),
  notes: external_exports.array(external_exports.string()).optional()
};
var shellExecTool = defineTool({
  name: "shell_exec",
  title: "Run a shell command",
  description: "Run a shell command in the sandbox (/bin/sh -c, in the sandbox's home directory unless cwd is given). Returns stdout and stderr separately, the exit code and the duration. Long output keeps its head and tail. End a command with `&` to leave a server running in the background; the call returns at once. The command's whole process group is killed after `timeout` seconds (default 300).",
  inputSchema: shellExecInputSchema,
  outputSchema: shellExecOutputSchema,
  task: true,
  annotations: RUNS_CODE,
  run: shellExec,
  present: /* @__PURE__ */ __name((output) => presentJson(output, output.exit_code !== 0 || output.timed_out), "present")
});

// src/tools/python_exec.ts
async function pythonExec(sandbox, input, options = {}) {
  const blank = input.code.trim() === "";
  if (blank && !input.reset) {
    throw new TypeError("Cannot run code: 'code' is empty (pass reset: true to only reset)");
  }
  if (input.timeout !== void 0 && !(input.timeout > 0)) {
    throw new RangeError(`Cannot run code: 'timeout' must be positive, got ${input.timeout}`);
  }
  if (input.reset) {
    await sandbox.resetPython({
      signal: options.signal
    });
    if (blank) return resetOnly();
  }
  const timeout = input.timeout ?? options.defaultTimeout ?? 300;
  await budgetBaseline(sandbox);
  const result = await sandbox.runPython(input.code, {
    timeoutMs: timeout * 1e3,
    maxOutputBytes: options.maxOutputBytes,
    maxImageBytes: options.maxImageBytes,
    signal: options.signal,
    onOutput: options.onProgress,
    onWait: options.onProgress
  });
  const notes = [
    ...result.notes,
    ...await budgetHits(sandbox, result.died !== null || result.error?.type === "MemoryError" || BUDGET_SIGNS.test(result.stderr) || BUDGET_SIGNS.test(result.error?.message ?? ""))
  ];
  if (result.died) {
    const how = result.died.signal ? `was killed by ${result.died.signal}` : `exited with code ${result.died.exitCode}`;
    notes.push(`The Python interpreter ${how}${result.died.signal === "SIGKILL" ? " (possibly out of memory)" : ""}; its variables are lost. The next call starts a fresh interpreter.`);
  } else if (result.timedOut && result.state === "kept") {
    notes.push(`Interrupted after ${timeout} s with KeyboardInterrupt; variables set before the interruption are kept.`);
  } else if (result.timedOut) {
    notes.push(`Timed out after ${timeout} s and did not stop when interrupted, so the interpreter was killed; its variables are lost. The next call starts a fresh interpreter.`);
  }
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    result: result.result,
    error: result.error,
    images: result.images.map((image) => ({
      mime_type: image.mimeType,
      width: image.width,
      height: image.height,
      bytes: image.bytes,
      data: image.data
    })),
    timed_out: result.timedOut,
    state: result.state,
    fresh_interpreter: result.freshInterpreter,
    died: result.died && {
      exit_code: result.died.exitCode,
      signal: result.died.signal
    },
    notes,
    duration_ms: Math.round(result.durationMs * 10) / 10,
    truncated: result.truncated
  };
}
__name(pythonExec, "pythonExec");
function resetOnly() {
  return {
    stdout: "",
    stderr: "",
    result: null,
    error: null,
    images: [],
    timed_out: false,
    state: "kept",
    fresh_interpreter: true,
    died: null,
    notes: [
      "The interpreter was reset: all variables and imports are gone."
    ],
    duration_ms: 0,
    truncated: false
  };
}
__name(resetOnly, "resetOnly");
function pythonExecFailed(output) {
  return output.error !== null || output.timed_out || output.died !== null || output.state === "lost";
}
__name(pythonExecFailed, "pythonExecFailed");
var pythonExecInputSchema = {
  code: external_exports.string({
    error: "code must be a string of Python source"
  }).describe("Python source, run as written in a persistent interpreter (variables and imports survive between calls). The value of a final expression is returned; matplotlib figures come back as images."),
  timeout: timeoutSchema("the code is interrupted (default 300)"),
  reset: external_exports.boolean({
    error: "reset must be true or false"
  }).optional().describe("Start a fresh interpreter, dropping all variables, before running code.")
};
var pythonExecOutputSchema = {
  stdout: external_exports.string(),
  stderr: external_exports.string(),
  result: external_exports.string().nullable(),
  error: external_exports.object({
    type: external_exports.string(),
    message: external_exports.string(),
    traceback: external_exports.string()
  }).nullable(),
  images: external_exports.array(external_exports.object({
    mime_type: external_exports.string(),
    width: external_exports.number(),
    height: external_exports.number(),
    bytes: external_exports.number()
  })),
  timed_out: external_exports.boolean(),
  state: external_exports.enum([
    "kept",
    "lost"
  ]),
  fresh_interpreter: external_exports.boolean(),
  died: external_exports.object({
    exit_code: external_exports.number().nullable(),
    signal: external_exports.string().nullable()
  }).nullable(),
  notes: external_exports.array(external_exports.string()),
  duration_ms: external_exports.number(),
  truncated: external_exports.boolean()
};
function presentPythonExec(output) {
  const { images, ...rest } = output;
  const described = {
    ...rest,
    images: images.map(({ data: _, ...info }) => info)
  };
  const result = presentJson(described, pythonExecFailed(output));
  for (const image of images) {
    result.content.push({
      type: "image",
      data: image.data,
      mimeType: image.mime_type
    });
  }
  return result;
}
__name(presentPythonExec, "presentPythonExec");
var pythonExecTool = defineTool({
  name: "python_exec",
  title: "Run Python",
  description: "Run Python code in the sandbox's persistent interpreter, like a notebook cell: variables, imports and functions survive between calls. Returns stdout, stderr, the repr of a final expression, and the traceback if the code raised. matplotlib figures left open are returned as PNG images and closed. `reset: true` starts a fresh interpreter first. The code is interrupted after `timeout` seconds (default 300).",
  inputSchema: pythonExecInputSchema,
  outputSchema: pythonExecOutputSchema,
  task: true,
  annotations: RUNS_CODE,
  run: pythonExec,
  present: presentPythonExec
});

// src/tools/file_upload.ts
async function fileUpload(sandbox, input, options = {}) {
  if (input.content === void 0 === (input.host_path === void 0)) {
    throw new TypeError(`Cannot upload ${input.file_path}: pass either content (the data itself) or host_path (a file in a shared directory), ${input.content === void 0 ? "not neither" : "not both"}`);
  }
  if (input.host_path !== void 0) return await uploadFromHost(sandbox, input, options);
  const content = input.content;
  const bytes = input.encoding === "base64" ? decodeBase64(content) : new TextEncoder().encode(content);
  const info = await write(sandbox, input, bytes, options);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return {
    path: info.path,
    size: info.size,
    sha256: digest.toHex(),
    replaced: info.replaced
  };
}
__name(fileUpload, "fileUpload");
async function uploadFromHost(sandbox, input, options) {
  const action = "upload from";
  const hostPath = input.host_path;
  const location = locateShared(options.shares ?? [], hostPath, action);
  const mount = sandbox.info.shares?.find((mount2) => mount2.hostPath === location.share.path);
  const tap = await sha256Tap();
  let source;
  let inside;
  let opened;
  if (mount) {
    inside = `${mount.path}/${location.parts.join("/")}`;
    const info2 = await sandbox.stat(inside, {
      signal: options.signal
    }).catch((error) => {
      throw sharedFileError(error, action, location.hostPath, inside);
    });
    if (info2.type !== "file") {
      throw new TypeError(`Cannot ${action} host_path ${location.hostPath}: it is ${info2.type === "directory" ? "a directory" : "not a regular file"}`);
    }
    if (sandbox.copyFile) {
      const copied = await sandbox.copyFile(inside, input.file_path, {
        overwrite: input.overwrite ?? true,
        signal: options.signal
      }).catch(async (error) => {
        throw await uploadError(sandbox, input, error);
      });
      return {
        path: copied.file.path,
        size: copied.file.size,
        sha256: copied.sha256,
        replaced: copied.file.replaced,
        host_path: location.hostPath
      };
    }
    source = sandbox.readFile(inside, {
      signal: options.signal
    });
  } else {
    opened = (await openSharedFile(location, action)).file;
    source = opened.readable;
  }
  const info = await write(sandbox, input, source.pipeThrough(tap.stream), options).catch((error) => {
    throw inside ? sharedFileError(error, action, location.hostPath, inside) : error;
  }).finally(() => {
    try {
      opened?.close();
    } catch {
    }
  });
  return {
    path: info.path,
    size: info.size,
    sha256: tap.hex(),
    replaced: info.replaced,
    host_path: location.hostPath
  };
}
__name(uploadFromHost, "uploadFromHost");
async function write(sandbox, input, data, options) {
  const overwrite = input.overwrite ?? true;
  return await sandbox.writeFile(input.file_path, data, {
    overwrite,
    signal: options.signal,
    onWait: options.onProgress
  }).catch(async (error) => {
    throw await uploadError(sandbox, input, error);
  });
}
__name(write, "write");
async function uploadError(sandbox, input, error) {
  const full = error instanceof SandboxFileError && error.code === "no_space" && diskFullNote(await budgetReading(sandbox));
  if (!full) return error;
  return new SandboxFileError("no_space", `Cannot upload ${input.file_path}: ${full.replace(/^The/, "the")}`, {
    cause: error
  });
}
__name(uploadError, "uploadError");
function decodeBase64(content) {
  const body = content.replace(/^data:[^,]*;base64,/, "").replace(/\s+/g, "");
  try {
    return Uint8Array.fromBase64(body);
  } catch (error) {
    throw new TypeError(`Cannot upload file: content is not valid base64 (${error.message}); pass encoding: "text" for plain text`);
  }
}
__name(decodeBase64, "decodeBase64");
var fileUploadInputSchema = {
  file_path: noNul("file_path").min(1, "file_path must not be empty").describe("Destination in the sandbox, absolute or relative to the home directory."),
  content: external_exports.string({
    error: "content must be a string"
  }).optional().describe("The file's content: plain text, or base64 when encoding is base64."),
  host_path: noNul("host_path").min(1, "host_path must not be empty").optional().describe("Instead of content: an absolute path on the user's machine inside a directory the user shared (the server's instructions list them); the file is streamed into the sandbox, any size, without passing through this conversation."),
  encoding: external_exports.enum([
    "text",
    "base64"
  ], {
    error: "encoding must be text or base64"
  }).optional().describe("text (default) or base64 for binary files."),
  overwrite: external_exports.boolean({
    error: "overwrite must be true or false"
  }).optional().describe("Replace an existing file (default true). With false an existing file is an error.")
};
var fileUploadOutputSchema = {
  path: external_exports.string(),
  size: external_exports.number().int(),
  sha256: external_exports.string(),
  replaced: external_exports.boolean(),
  host_path: external_exports.string().optional()
};
var fileUploadTool = defineTool({
  name: "file_upload",
  title: "Upload a file",
  description: 'Write a file into the sandbox: text as is, or binary as base64 (encoding: "base64"); or, with host_path instead of content, copy a file of a directory the user shared (any size, streamed, not through the conversation). Parent directories are created. With overwrite: false an existing file is an error and stays untouched. Returns the path, the size written and its SHA-256.',
  inputSchema: fileUploadInputSchema,
  outputSchema: fileUploadOutputSchema,
  annotations: WRITES_FILE,
  run: fileUpload,
  present: /* @__PURE__ */ __name((output) => presentJson(output, false), "present")
});

// src/tools/file_download.ts
var DOWNLOAD_OPTIONS = [
  "download_partial",
  "convert_to_text",
  "compress_file",
  "force_download"
];
var HTML_READ_LIMIT = 2 * MIB;
async function fileDownload(sandbox, input, options = {}) {
  const output = await download(sandbox, input, options);
  const notes = sandbox.takeNotes?.() ?? [];
  return notes.length ? {
    ...output,
    notes
  } : output;
}
__name(fileDownload, "fileDownload");
async function download(sandbox, input, options) {
  const { signal } = options;
  if (input.host_path !== void 0) {
    locateShared(options.shares ?? [], input.host_path, "download to", {
      writable: true
    });
  }
  const info = await sandbox.stat(input.file_path, {
    signal
  });
  if (info.type === "directory") {
    throw new TypeError(`Cannot download ${info.path}: it is a directory; use file_list to see what it contains`);
  }
  if (info.type !== "file") {
    throw new TypeError(`Cannot download ${info.path}: it is not a regular file`);
  }
  const head = await readAll(sandbox.readFile(info.path, {
    length: 4096,
    signal
  }), 4096);
  const file = {
    sandbox,
    info,
    mimeType: sniffMimeType(head, info.path),
    signal
  };
  if (input.host_path !== void 0) return await saveToHost(file, input, options);
  const limit = (input.max_size_mb ?? 5) * MIB;
  switch (input.download_option) {
    case void 0:
      return info.size > limit ? choices(file, input) : await whole(file);
    case "force_download":
      if (info.size > HARD_CEILING) {
        throw new RangeError(`Cannot download ${info.path} whole: it is ${formatBytes(info.size)} and one MCP message carries at most ${formatBytes(HARD_CEILING)} of file data; use download_option="download_partial" to read it in chunks, or "compress_file"`);
      }
      return await whole(file);
    case "download_partial":
      return await partial(file, input.offset_kb ?? 0, input.chunk_size_kb ?? 100);
    case "convert_to_text":
      return await convert(file, options.maxOutputBytes ?? 1e5);
    case "compress_file":
      return await compress(file, input.force ? HARD_CEILING : Math.min(limit, HARD_CEILING), input);
  }
}
__name(download, "download");
function admit(file, bytes) {
  return FILE_DATA.enter(`sandbox ${file.sandbox.id}`, bytes, file.signal);
}
__name(admit, "admit");
function base(file) {
  return {
    path: file.info.path,
    size: file.info.size,
    mime_type: file.mimeType
  };
}
__name(base, "base");
async function whole(file) {
  const { sandbox, info, mimeType } = file;
  const uri = sandboxUri(sandbox.id, info.path);
  if (info.size > INLINE_BYTES) {
    return {
      ...base(file),
      result: "link",
      uri,
      bytes_returned: 0,
      message: `${info.path} (${formatBytes(info.size)}) is returned as a resource link, to keep it out of the conversation; a client reads it with resources/read. To look inside, use download_partial or convert_to_text.`,
      payload: {
        kind: "link",
        uri,
        mimeType,
        name: info.name,
        size: info.size
      }
    };
  }
  using _admitted = await admit(file, Math.min(info.size, INLINE_BYTES));
  const bytes = await readAll(sandbox.readFile(info.path, {
    signal: file.signal
  }), INLINE_BYTES);
  const text = isImageType(mimeType) ? null : decodeText(bytes);
  const payload = isImageType(mimeType) ? {
    kind: "image",
    data: bytes.toBase64(),
    mimeType
  } : text !== null ? {
    kind: "text",
    text
  } : {
    kind: "blob",
    data: bytes.toBase64(),
    mimeType,
    uri
  };
  const as = payload.kind === "image" ? "an image" : payload.kind === "text" ? "text" : "an embedded resource (base64)";
  return {
    ...base(file),
    result: "content",
    uri,
    bytes_returned: bytes.length,
    message: `The whole file (${formatBytes(bytes.length)}) follows as ${as}.`,
    payload
  };
}
__name(whole, "whole");
async function saveToHost(file, input, options) {
  const { sandbox, info, signal } = file;
  const action = "download to";
  const hostPath = input.host_path;
  if (input.download_option !== void 0) {
    throw new TypeError(`Cannot download ${info.path} to host_path ${hostPath} with download_option=${input.download_option}: host_path saves the whole file; leave download_option out`);
  }
  const location = locateShared(options.shares ?? [], hostPath, action, {
    writable: true
  });
  const mount = sandbox.info.shares?.find((mount2) => mount2.hostPath === location.share.path);
  const tap = await sha256Tap();
  const data = /* @__PURE__ */ __name(() => sandbox.readFile(info.path, {
    signal
  }).pipeThrough(tap.stream), "data");
  const overwrite = input.overwrite ?? false;
  let saved;
  let sha256;
  if (mount) {
    const inside = `${mount.path}/${location.parts.join("/")}`;
    const written = sandbox.copyFile ? sandbox.copyFile(info.path, inside, {
      overwrite,
      signal
    }).then((copied) => {
      sha256 = copied.sha256;
      return copied.file;
    }) : sandbox.writeFile(inside, data(), {
      overwrite,
      signal
    });
    saved = await written.catch((error) => {
      const restated = sharedFileError(error, action, location.hostPath, inside);
      if (error instanceof SandboxFileError && error.code === "exists") {
        restated.message = `Cannot ${action} host_path ${location.hostPath}: it already exists; pass overwrite: true to replace it`;
      }
      throw restated;
    });
  } else {
    saved = await writeSharedFile(location, data(), {
      overwrite,
      action,
      signal,
      expectedSize: info.size
    });
  }
  return {
    ...base(file),
    size: saved.size,
    result: "saved",
    host_path: location.hostPath,
    sha256: sha256 ?? tap.hex(),
    replaced: saved.replaced,
    bytes_returned: 0,
    message: `Saved ${info.path} (${formatBytes(saved.size)}) to ${location.hostPath} on the user's machine${saved.replaced ? ", replacing the file there" : ""}; the data is not in this result.`
  };
}
__name(saveToHost, "saveToHost");
function choices(file, input) {
  const { info } = file;
  const max = input.max_size_mb ?? 5;
  const call = /* @__PURE__ */ __name((extra) => `file_download(file_path=${JSON.stringify(info.path)}, ${extra})`, "call");
  const tooBig = info.size > HARD_CEILING;
  return {
    ...base(file),
    result: "options",
    bytes_returned: 0,
    message: `${info.path} is ${formatBytes(info.size)}, over the ${max} MB limit (max_size_mb), so nothing was returned. Choose one of the options.`,
    options: [
      {
        option: "download_partial",
        description: "Return one chunk of bytes; repeat with next_offset_kb to read on. Only the chunk is read.",
        example: call('download_option="download_partial", chunk_size_kb=100, offset_kb=0')
      },
      {
        option: "convert_to_text",
        description: "Extract the text (PDF with pdftotext, HTML without tags, text as is), capped at 100 KB.",
        example: call('download_option="convert_to_text"')
      },
      {
        option: "compress_file",
        description: `gzip the file and return the archive if it fits within ${max} MB.`,
        example: call('download_option="compress_file"')
      },
      {
        option: "force_download",
        description: tooBig ? `Not possible for this file: one message carries at most ${formatBytes(HARD_CEILING)}.` : "Return the whole file regardless of max_size_mb.",
        example: call('download_option="force_download"')
      }
    ]
  };
}
__name(choices, "choices");
async function partial(file, offsetKb, chunkKb) {
  const { sandbox, info } = file;
  const offset = offsetKb * 1024;
  if (offset > 0 && offset >= info.size) {
    throw new RangeError(`Cannot read from offset_kb=${offsetKb}: ${info.path} is only ${info.size} bytes (${Math.ceil(info.size / 1024)} KB)`);
  }
  const length = chunkKb * 1024;
  using _admitted = await admit(file, length);
  const bytes = await readAll(sandbox.readFile(info.path, {
    offset,
    length,
    signal: file.signal
  }), length);
  const end = offset + bytes.length >= info.size;
  const text = decodeText(bytes, {
    partial: true
  });
  const payload = text !== null ? {
    kind: "text",
    text
  } : {
    kind: "blob",
    data: bytes.toBase64(),
    mimeType: "application/octet-stream",
    uri: `${sandboxUri(sandbox.id, info.path)}#bytes=${offset}-${offset + bytes.length - 1}`
  };
  return {
    ...base(file),
    result: "partial",
    bytes_returned: bytes.length,
    offset_kb: offsetKb,
    next_offset_kb: end ? null : offsetKb + chunkKb,
    end_reached: end,
    message: `Bytes ${offset} to ${offset + bytes.length} of ${info.size}${end ? " (the end of the file)" : `; continue with offset_kb=${offsetKb + chunkKb}`}, as ${text !== null ? "text" : "base64"}.`,
    payload
  };
}
__name(partial, "partial");
async function convert(file, cap) {
  const { sandbox, info, mimeType, signal } = file;
  let text;
  let converter;
  let truncated;
  if (mimeType === "application/pdf") {
    converter = "pdftotext";
    const run = await sandbox.exec([
      "pdftotext",
      "-layout",
      "-enc",
      "UTF-8",
      info.path,
      "-"
    ], {
      maxOutputBytes: cap,
      timeoutMs: 12e4,
      signal
    }).catch((error) => {
      if (error instanceof TypeError && /not installed/.test(error.message)) {
        throw new TypeError("Cannot convert the PDF to text: pdftotext is not installed in the sandbox (Debian/Ubuntu package poppler-utils)");
      }
      throw error;
    });
    if (run.exitCode !== 0) {
      throw new Error(`Cannot convert ${info.path} to text: pdftotext failed: ${run.stderr.trim() || run.signal}`);
    }
    text = run.stdout;
    truncated = run.truncated;
  } else if (mimeType === "text/html") {
    converter = "html";
    const length = Math.min(info.size, HTML_READ_LIMIT);
    using _admitted = await admit(file, length);
    const bytes = await readAll(sandbox.readFile(info.path, {
      length,
      signal
    }), length);
    const full = htmlToText(new TextDecoder().decode(bytes));
    truncated = info.size > HTML_READ_LIMIT || full.length > cap;
    text = full.slice(0, cap);
  } else {
    const length = Math.min(info.size, cap);
    using _admitted = await admit(file, length);
    const bytes = await readAll(sandbox.readFile(info.path, {
      length,
      signal
    }), length);
    const decoded = decodeText(bytes, {
      partial: info.size > cap
    });
    if (decoded === null) {
      throw new TypeError(`Cannot convert ${info.path} to text: there is no converter for ${mimeType} files; use download_option="download_partial" for raw bytes or "compress_file"`);
    }
    converter = "text";
    text = decoded;
    truncated = info.size > cap;
  }
  return {
    ...base(file),
    result: "text",
    converter,
    truncated,
    bytes_returned: new TextEncoder().encode(text).length,
    message: truncated ? `Text of ${info.path} via ${converter}, cut to about ${formatBytes(cap)}; use download_partial for the rest.` : `The full text of ${info.path} via ${converter}.`,
    payload: {
      kind: "text",
      text
    }
  };
}
__name(convert, "convert");
var COMPRESS_TIMEOUT_MS = 3e5;
var SERVER_COMPRESS_LIMIT = 64 * MIB;
async function compress(file, limit, input) {
  const { sandbox, info, signal } = file;
  const inSandbox = await compressInSandbox(file, limit);
  let compressed;
  let archive;
  if (inSandbox) {
    ({ compressed, archive } = inSandbox);
  } else {
    if (info.size > SERVER_COMPRESS_LIMIT) {
      throw new RangeError(`Cannot compress ${info.path} (${formatBytes(info.size)}): the sandbox has no gzip, and the server compresses at most ${formatBytes(SERVER_COMPRESS_LIMIT)} itself; install gzip in the sandbox, or use download_option="download_partial"`);
    }
    const gzip = sandbox.readFile(info.path, {
      signal,
      length: info.size
    }).pipeThrough(new CompressionStream("gzip"));
    using _admitted = await admit(file, limit);
    const kept = [];
    compressed = 0;
    for await (const chunk of gzip) {
      compressed += chunk.length;
      if (compressed <= limit) kept.push(chunk);
    }
    if (compressed <= limit) archive = await readAll(ReadableStream.from(kept), limit);
  }
  const ratio = info.size === 0 ? 1 : Math.round(compressed / info.size * 1e4) / 1e4;
  const summary = `${formatBytes(info.size)} compressed to ${formatBytes(compressed)} (${Math.round(ratio * 1e3) / 10}% of the original)`;
  const uri = `${sandboxUri(sandbox.id, info.path)}.gz`;
  if (compressed > limit || archive === void 0) {
    const max = input.max_size_mb ?? 5;
    return {
      ...base(file),
      result: "not_returned",
      compressed_size: compressed,
      ratio,
      bytes_returned: 0,
      message: `${summary}: still over ${input.force ? `the ${formatBytes(HARD_CEILING)} ceiling` : `the ${max} MB limit`}, so it is not returned. Use download_partial or convert_to_text${input.force || compressed > HARD_CEILING ? "" : ", or force: true to return it anyway"}.`
    };
  }
  return {
    ...base(file),
    result: "compressed",
    compressed_size: compressed,
    ratio,
    uri,
    bytes_returned: archive.length,
    message: `${summary}; the gzip data follows as an embedded resource (base64).`,
    payload: {
      kind: "blob",
      data: archive.toBase64(),
      mimeType: "application/gzip",
      uri
    }
  };
}
__name(compress, "compress");
async function compressInSandbox(file, limit) {
  const { sandbox, info, signal } = file;
  const path = `/tmp/.file-download-${crypto.randomUUID()}.gz`;
  try {
    const run = await sandbox.exec([
      "/bin/sh",
      "-c",
      'command -v gzip >/dev/null || exit 127; head -c "$1" -- "$2" | gzip -c > "$3"',
      "sh",
      String(info.size),
      info.path,
      path
    ], {
      timeoutMs: COMPRESS_TIMEOUT_MS,
      maxOutputBytes: 4096,
      signal
    }).catch((error) => {
      if (error instanceof TypeError && /not installed/.test(error.message)) return void 0;
      throw error;
    });
    if (run === void 0 || run.exitCode === 127) return void 0;
    if (run.timedOut) {
      throw new Error(`Cannot compress ${info.path}: gzip took over ${COMPRESS_TIMEOUT_MS / 1e3} s; use download_partial to read it in chunks`);
    }
    if (run.exitCode !== 0 || run.stderr.trim() !== "") {
      throw new Error(`Cannot compress ${info.path}: ${run.stderr.trim() || `gzip failed (${run.signal})`}`);
    }
    const compressed = (await sandbox.stat(path, {
      signal
    })).size;
    if (compressed > limit) return {
      compressed
    };
    using _admitted = await admit(file, compressed);
    const archive = await readAll(sandbox.readFile(path, {
      length: compressed,
      signal
    }), limit);
    return {
      compressed: archive.length,
      archive
    };
  } finally {
    await sandbox.exec([
      "rm",
      "-f",
      "--",
      path
    ], {
      timeoutMs: 3e4
    }).catch(() => {
    });
  }
}
__name(compressInSandbox, "compressInSandbox");
var fileDownloadInputSchema = {
  file_path: noNul("file_path").min(1, "file_path must not be empty").describe("The file, absolute or relative to the sandbox's home directory."),
  max_size_mb: external_exports.number({
    error: "max_size_mb must be a number"
  }).positive("max_size_mb must be greater than 0").max(1024, "max_size_mb must be at most 1024").optional().describe("Largest file returned whole without an option (default 5)."),
  download_option: external_exports.enum(DOWNLOAD_OPTIONS, {
    error: "download_option must be download_partial, convert_to_text, compress_file or force_download"
  }).optional().describe("For files over max_size_mb: download_partial (a chunk), convert_to_text (PDF/HTML/text), compress_file (gzip), force_download (whole, up to 7 MiB)."),
  chunk_size_kb: external_exports.number({
    error: "chunk_size_kb must be a number"
  }).int("chunk_size_kb must be a whole number").min(1, "chunk_size_kb must be at least 1").max(1024, "chunk_size_kb must be at most 1024").optional().describe("download_partial: KB to return (default 100)."),
  offset_kb: external_exports.number({
    error: "offset_kb must be a number"
  }).int("offset_kb must be a whole number").min(0, "offset_kb must not be negative").optional().describe("download_partial: where to start, in KB (default 0)."),
  force: external_exports.boolean({
    error: "force must be true or false"
  }).optional().describe("compress_file: return the archive even when it exceeds max_size_mb."),
  host_path: noNul("host_path").min(1, "host_path must not be empty").optional().describe("Save the whole file, any size, to this absolute path on the user's machine inside a directory the user shared read-write (the server's instructions list them), instead of returning it; streamed, not through this conversation."),
  overwrite: external_exports.boolean({
    error: "overwrite must be true or false"
  }).optional().describe("With host_path: replace an existing file there (default false).")
};
var fileDownloadOutputSchema = {
  path: external_exports.string(),
  size: external_exports.number(),
  mime_type: external_exports.string(),
  result: external_exports.enum([
    "content",
    "link",
    "options",
    "partial",
    "text",
    "compressed",
    "not_returned",
    "saved"
  ]),
  message: external_exports.string(),
  bytes_returned: external_exports.number(),
  offset_kb: external_exports.number().optional(),
  next_offset_kb: external_exports.number().nullable().optional(),
  end_reached: external_exports.boolean().optional(),
  truncated: external_exports.boolean().optional(),
  converter: external_exports.string().optional(),
  compressed_size: external_exports.number().optional(),
  ratio: external_exports.number().optional(),
  options: external_exports.array(external_exports.object({
    option: external_exports.enum(DOWNLOAD_OPTIONS),
    description: external_exports.string(),
    example: external_exports.string()
  })).optional(),
  uri: external_exports.string().optional(),
  host_path: external_exports.string().optional(),
  sha256: external_exports.string().optional(),
  replaced: external_exports.boolean().optional(),
  notes: external_exports.array(external_exports.string()).optional()
};
function presentFileDownload(output) {
  const { payload, ...meta } = output;
  const result = presentJson(meta, false);
  switch (payload?.kind) {
    case "text":
      result.content.push({
        type: "text",
        text: payload.text
      });
      break;
    case "image":
      result.content.push({
        type: "image",
        data: payload.data,
        mimeType: payload.mimeType
      });
      break;
    case "blob":
      result.content.push({
        type: "resource",
        resource: {
          uri: payload.uri,
          mimeType: payload.mimeType,
          blob: payload.data
        }
      });
      break;
    case "link":
      result.content.push({
        type: "resource_link",
        uri: payload.uri,
        name: payload.name,
        mimeType: payload.mimeType,
        size: payload.size
      });
      break;
  }
  return result;
}
__name(presentFileDownload, "presentFileDownload");
var fileDownloadTool = defineTool({
  name: "file_download",
  title: "Download a file",
  description: "Read a file from the sandbox. Within max_size_mb (default 5) it comes back whole: text as text, images as images, other files as base64; files over 1 MiB come as a sandbox:// resource link. Over the limit, the result lists the options with exact calls: download_partial (chunk_size_kb from offset_kb), convert_to_text (PDF, HTML, text), compress_file (gzip), force_download. With host_path, the whole file (any size) is saved instead to the user's machine, inside a directory the user shared read-write, and not returned.",
  inputSchema: fileDownloadInputSchema,
  outputSchema: fileDownloadOutputSchema,
  // Reads the sandbox, but with host_path it writes (and with overwrite replaces) a user's file.
  annotations: WRITES_FILE,
  run: fileDownload,
  present: presentFileDownload
});

// src/tools/file_list.ts
var LIMIT = 1e3;
async function fileList(sandbox, input, options = {}) {
  return await sandbox.listFiles(input.path ?? ".", {
    depth: input.depth ?? 1,
    limit: LIMIT,
    signal: options.signal,
    onWait: options.onProgress
  });
}
__name(fileList, "fileList");
var fileListInputSchema = {
  path: noNul("path").optional().describe("Directory to list, absolute or relative to the home directory (default: home)."),
  depth: external_exports.number({
    error: "depth must be a number"
  }).int("depth must be a whole number").min(1, "depth must be at least 1").max(10, "depth must be at most 10").optional().describe("Levels to descend (default 1: only the directory's own entries).")
};
var fileListOutputSchema = {
  path: external_exports.string(),
  entries: external_exports.array(external_exports.object({
    path: external_exports.string(),
    name: external_exports.string(),
    type: external_exports.enum([
      "file",
      "directory",
      "symlink",
      "other"
    ]),
    size: external_exports.number(),
    modified: external_exports.string(),
    mode: external_exports.string(),
    target: external_exports.string().optional()
  })),
  truncated: external_exports.boolean()
};
var fileListTool = defineTool({
  name: "file_list",
  title: "List files",
  description: "List a directory of the sandbox (default: the home directory) with each entry's type, size, modification time and permissions; depth descends into subdirectories. Symlinks are shown, not followed.",
  inputSchema: fileListInputSchema,
  outputSchema: fileListOutputSchema,
  annotations: READ_ONLY,
  run: fileList,
  present: /* @__PURE__ */ __name((output) => presentJson(output, false), "present")
});

// src/tools/git_clone.ts
import { posix } from "node:path";
var FILES_SHOWN = 50;
async function gitClone(sandbox, input, options = {}) {
  const url = input.repo_url.trim();
  const target = posix.resolve(sandbox.info.home, input.target_path ?? defaultTarget(url));
  const depth = input.depth ?? 1;
  const secrets = [
    options.gitToken,
    options.githubToken
  ].filter((s) => !!s);
  const git = gitRunner(sandbox, url, secrets, options);
  const credentials = credentialsFor(url, options);
  const existing = await sandbox.stat(target, {
    signal: options.signal
  }).catch((error) => {
    if (error instanceof SandboxFileError && error.code === "not_found") return void 0;
    throw error;
  });
  const occupied = existing?.type === "directory" ? (await sandbox.listFiles(target, {
    limit: 1,
    signal: options.signal
  })).entries.length > 0 : existing !== void 0;
  if (occupied) {
    throw new TypeError(`Cannot clone into ${target}: it already exists and is not empty; pass another target_path`);
  }
  const depthArgs = depth > 0 ? [
    `--depth=${depth}`
  ] : [];
  const notes = [];
  let lfs = "not_requested";
  let lfsDone = false;
  const cloneDepth = depth > 0 && input.commit === void 0 ? depth : void 0;
  const failed = /* @__PURE__ */ __name((error) => {
    throw new Error(`Cannot clone ${withoutCredentials(url)}: ${git.redact(error.message)}`);
  }, "failed");
  if (credentials && sandbox.gitCloneWithCredentials) {
    ({ lfs } = await sandbox.gitCloneWithCredentials({
      url: new URL(url).href,
      path: target,
      branch: input.branch,
      commit: input.commit,
      depth: cloneDepth,
      username: credentials.username,
      password: credentials.password,
      lfs: input.lfs,
      timeoutMs: (options.defaultTimeout ?? 300) * 1e3,
      onProgress: options.onProgress && ((line) => options.onProgress(git.redact(line))),
      signal: options.signal
    }).catch(failed));
    lfsDone = true;
  } else if (sandbox.gitClone) {
    await sandbox.gitClone({
      url: credentials ? new URL(url).href : url,
      path: target,
      branch: input.branch,
      commit: input.commit,
      depth: cloneDepth,
      username: credentials?.username,
      password: credentials?.password,
      signal: options.signal
    }).catch(failed);
  } else {
    if (credentials) notes.push(tokenUnused(credentials));
    if (input.commit === void 0) {
      await git.run("clone", [
        "clone",
        "--progress",
        ...depthArgs,
        ...input.branch ? [
          "--branch",
          input.branch
        ] : [],
        "--",
        url,
        target
      ]);
    } else {
      await cloneCommit(sandbox, git, target, input.commit, input.branch, depthArgs, existing);
    }
  }
  if (input.lfs && !lfsDone) {
    const version = await git.exec([
      "git",
      "lfs",
      "version"
    ]);
    if (version.exitCode !== 0) {
      lfs = "missing";
    } else {
      await git.run("lfs pull", [
        "-C",
        target,
        "lfs",
        "install",
        "--local"
      ]);
      const pulled = await git.exec([
        "git",
        "-c",
        "protocol.ext.allow=never",
        "-C",
        target,
        "lfs",
        "pull"
      ]);
      if (pulled.timedOut || pulled.exitCode !== 0) {
        const why = pulled.timedOut ? `timed out after ${options.defaultTimeout ?? 300} s` : `failed: ${pulled.stderr.trim().slice(-2e3)}`;
        throw new Error(`Cannot fetch the LFS objects of ${withoutCredentials(url)}: git lfs pull ${why}${credentials && sandbox.gitClone ? ". It ran in the sandbox without the token, which never enters the sandbox, and this provider's git service does not fetch LFS objects" : ""}. The repository itself was cloned to ${target}`);
      }
      lfs = "pulled";
      if (credentials && sandbox.gitClone) {
        notes.push("LFS objects were fetched without the token: it never enters the sandbox, where git lfs pull runs on this provider, so only LFS objects readable without credentials can be fetched.");
      }
    }
  }
  if (lfs === "missing") {
    notes.push("LFS files were not fetched: git-lfs is not installed in the sandbox (Debian/Ubuntu package git-lfs); files tracked by LFS are pointer files.");
  } else if (lfs === "pulled") {
    notes.push("LFS objects were pulled.");
  }
  const commit = (await git.run("rev-parse", [
    "-C",
    target,
    "rev-parse",
    "HEAD"
  ])).stdout.trim();
  const branch = await git.exec([
    "git",
    "-C",
    target,
    "symbolic-ref",
    "-q",
    "--short",
    "HEAD"
  ]);
  const listed = await git.exec([
    "sh",
    "-c",
    `git -C "$1" ls-files | wc -l; git -C "$1" ls-files | head -n ${FILES_SHOWN}`,
    "sh",
    target
  ]);
  const [count, ...files] = listed.stdout.split("\n").filter(Boolean);
  return {
    path: target,
    url: withoutCredentials(url),
    commit,
    branch: branch.exitCode === 0 ? branch.stdout.trim() : null,
    depth,
    file_count: Number(count),
    files,
    lfs,
    notes
  };
}
__name(gitClone, "gitClone");
async function cloneCommit(sandbox, git, target, commit, branch, depthArgs, existing) {
  try {
    await git.run("init", [
      "init",
      "-q",
      target
    ]);
    await git.run("remote add", [
      "-C",
      target,
      "remote",
      "add",
      "origin",
      git.url
    ]);
    const direct = await git.exec([
      "git",
      "-C",
      target,
      "fetch",
      ...depthArgs,
      "origin",
      commit
    ]);
    if (direct.exitCode !== 0) {
      await git.run("fetch", [
        "-C",
        target,
        "fetch",
        "--progress",
        "origin",
        ...branch ? [
          branch
        ] : [
          "+refs/heads/*:refs/remotes/origin/*",
          "+refs/tags/*:refs/tags/*"
        ]
      ]);
    }
    await git.run("checkout", [
      "-C",
      target,
      "checkout",
      "-q",
      "--detach",
      commit
    ]);
  } catch (error) {
    const created = existing ? `${target}/.git` : target;
    await sandbox.exec([
      "rm",
      "-rf",
      "--",
      created
    ]).catch(() => {
    });
    throw error;
  }
}
__name(cloneCommit, "cloneCommit");
function hideUserinfo(text) {
  let out = "";
  let from = 0;
  for (let at = text.indexOf("://"); at !== -1; at = text.indexOf("://", at + 3)) {
    if (at === 0 || !/\w/.test(text[at - 1])) continue;
    let end = at + 3;
    while (end < text.length && text[end] !== "/" && text[end] !== "@" && !/\s/.test(text[end])) {
      end++;
    }
    if (text[end] !== "@" || end === at + 3) continue;
    out += `${text.slice(from, at + 3)}***`;
    from = end;
    at = end - 2;
  }
  return out + text.slice(from);
}
__name(hideUserinfo, "hideUserinfo");
function gitRunner(sandbox, url, secrets, options) {
  const env = gitEnvironment();
  const redact = /* @__PURE__ */ __name((text) => {
    let clean = text;
    for (const secret of secrets) clean = clean.replaceAll(secret, "***");
    return hideUserinfo(clean);
  }, "redact");
  const exec = /* @__PURE__ */ __name(async (argv) => {
    const result = await sandbox.exec(argv, {
      env,
      timeoutMs: (options.defaultTimeout ?? 300) * 1e3,
      signal: options.signal,
      onOutput: options.onProgress && ((line) => options.onProgress(redact(line)))
    });
    return {
      ...result,
      stdout: redact(result.stdout),
      stderr: redact(result.stderr)
    };
  }, "exec");
  return {
    url,
    exec,
    redact,
    async run(step, args) {
      const result = await exec([
        "git",
        "-c",
        "protocol.ext.allow=never",
        ...args
      ]);
      if (result.timedOut) {
        throw new Error(`Cannot clone: git ${step} timed out after ${options.defaultTimeout ?? 300} s`);
      }
      if (result.exitCode !== 0) {
        const message = result.stderr.trim().split("\n").filter((line) => !/^(Cloning into|remote: (Counting|Compressing|Enumerating|Total)|Receiving|Resolving)/.test(line)).join("\n").slice(-2e3);
        throw new Error(`Cannot clone ${withoutCredentials(url)}: git ${step} failed: ${message}`);
      }
      return result;
    }
  };
}
__name(gitRunner, "gitRunner");
function gitEnvironment() {
  return {
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false"
  };
}
__name(gitEnvironment, "gitEnvironment");
function tokenUnused(credentials) {
  return `A token applies to ${credentials.host} but was not used: this sandbox cannot keep it from its processes, so the clone ran without it.`;
}
__name(tokenUnused, "tokenUnused");
function defaultTarget(url) {
  const query = url.search(/[?#]/);
  let path = query === -1 ? url : url.slice(0, query);
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  path = path.slice(0, end);
  const last = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf(":")) + 1);
  const name = last.replace(/\.git$/, "");
  if (!name || name === "." || name === "..") {
    throw new TypeError(`Cannot clone: no directory name in '${url}'; pass target_path`);
  }
  return name;
}
__name(defaultTarget, "defaultTarget");
function withoutCredentials(url) {
  return url.replace(/^(\w+:\/\/)[^/@]+@/, "$1");
}
__name(withoutCredentials, "withoutCredentials");
var gitCloneInputSchema = {
  repo_url: noNul("repo_url").min(1, "repo_url must not be empty").refine((url) => !url.trim().startsWith("-"), "repo_url must not start with '-'").refine((url) => /^(https?|ssh|git|file):\/\//i.test(url.trim()) || /^[\w.-]+@[\w.-]+:/.test(url.trim()), "repo_url must be an https://, http://, ssh://, git:// or file:// URL, or user@host:path").describe("Repository URL (https://, ssh://, git://, file://, or user@host:path)."),
  target_path: noNul("target_path").optional().describe("Where to clone, relative to the home directory (default: the repository's name)."),
  branch: noNul("branch").regex(/^[^\s-][^\s]*$/, "branch must be a branch or tag name").optional().describe("Branch or tag to check out (default: the remote's default branch)."),
  depth: external_exports.number({
    error: "depth must be a number"
  }).int("depth must be a whole number").min(0, "depth must be 0 (full history) or more").optional().describe("Commits of history to fetch (default 1; 0 = full history)."),
  lfs: external_exports.boolean({
    error: "lfs must be true or false"
  }).optional().describe("Also fetch Git LFS files (default false)."),
  commit: external_exports.string({
    error: "commit must be a string"
  }).regex(/^[0-9a-fA-F]{4,64}$/, "commit must be a commit hash (4 to 64 hex digits)").optional().describe("A commit to check out (hash).")
};
var gitCloneOutputSchema = {
  path: external_exports.string(),
  url: external_exports.string(),
  commit: external_exports.string(),
  branch: external_exports.string().nullable(),
  depth: external_exports.number(),
  file_count: external_exports.number(),
  files: external_exports.array(external_exports.string()),
  lfs: external_exports.enum([
    "not_requested",
    "pulled",
    "missing"
  ]),
  notes: external_exports.array(external_exports.string())
};
var gitCloneTool = defineTool({
  name: "git_clone",
  title: "Clone a git repository",
  description: "Clone a git repository into the sandbox (default target: the repository's name in the home directory). depth defaults to 1 (0 = full history); branch picks a branch or tag, commit a specific commit; lfs: true also fetches Git LFS files. Private https repositories use the server's GIT_TOKEN / GITHUB_TOKEN. Returns the path, commit, branch and the tracked files.",
  inputSchema: gitCloneInputSchema,
  outputSchema: gitCloneOutputSchema,
  task: true,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true
  },
  run: gitClone,
  present: /* @__PURE__ */ __name((output) => presentJson(output, false), "present")
});

// src/tools/web_preview.ts
var PROBE = `
import json, os, sys, time, urllib.request, urllib.error
port = int(sys.argv[1])
status, error = None, None
deadline = time.monotonic() + 3
while True:
    try:
        status = urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=2).status
        error = None
    except urllib.error.HTTPError as e:
        status, error = e.code, None
    except Exception as e:
        error = str(getattr(e, "reason", e))
        if "refused" in error and time.monotonic() < deadline:
            time.sleep(0.1)
            continue
    break
listening = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        rows = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for row in rows:
        fields = row.split()
        if fields[3] == "0A" and int(fields[7]) == os.getuid():
            listening.add(int(fields[1].rsplit(":", 1)[1], 16))
print(json.dumps({"status": status, "error": error, "listening": sorted(listening)}))
`;
async function webPreview(sandbox, input, options = {}) {
  const link = await sandbox.preview(input.port, {
    signal: options.signal,
    onWait: options.onProgress
  });
  const url = link.url;
  const base2 = {
    port: input.port,
    url,
    description: input.description ?? "",
    ...link.token === void 0 ? {} : {
      token: link.token,
      signed_url: link.signedUrl ?? null,
      signed_url_expires_at: link.signedUrlExpiresAt ?? null,
      access: "The sandbox is private: open signed_url in a browser, or send the token as the X-Daytona-Preview-Token header with requests to url."
    }
  };
  const unchecked = /* @__PURE__ */ __name((why) => ({
    ...base2,
    accessible: null,
    status_code: null,
    error: null,
    listening_ports: [],
    message: `Preview URL for port ${input.port}: ${url} (not checked${why}).`
  }), "unchecked");
  if (input.check_server === false) return unchecked("");
  const probe = await sandbox.exec([
    "python3",
    "-c",
    PROBE,
    String(input.port)
  ], {
    timeoutMs: 15e3,
    signal: options.signal
  });
  if (probe.exitCode === 127 && /python3/.test(probe.stderr)) {
    return unchecked(": the sandbox's image has no python3 to probe the server with");
  }
  if (probe.exitCode !== 0) {
    throw new Error(`Cannot check port ${input.port}: the probe failed: ${probe.stderr.trim()}`);
  }
  const { status, error, listening: ports } = JSON.parse(probe.stdout);
  const accessible = status !== null;
  const reserved = new Set(sandbox.info.reservedPorts ?? []);
  const listening = ports.filter((port) => !reserved.has(port));
  const others = listening.filter((port) => port !== input.port);
  return {
    ...base2,
    accessible,
    status_code: status,
    error,
    listening_ports: listening,
    message: accessible ? `The server on port ${input.port} answers (HTTP ${status}) at ${url}.` : `Nothing answers on port ${input.port} (${error}). ${others.length ? `Processes in the sandbox listen on ${others.join(", ")}.` : "No process in the sandbox listens on a TCP port."} Start the server in the background, e.g. shell_exec(command="python3 -m http.server ${input.port} &").`
  };
}
__name(webPreview, "webPreview");
var webPreviewInputSchema = {
  port: external_exports.number({
    error: "port must be a number"
  }).int("port must be a whole number").min(1, "port must be between 1 and 65535").max(65535, "port must be between 1 and 65535").describe("Port the server listens on inside the sandbox."),
  description: external_exports.string({
    error: "description must be a string"
  }).max(500).optional().describe("What the server is, e.g. 'React dev server'."),
  check_server: external_exports.boolean({
    error: "check_server must be true or false"
  }).optional().describe("Probe the server first (default true).")
};
var webPreviewOutputSchema = {
  port: external_exports.number(),
  url: external_exports.string(),
  description: external_exports.string(),
  accessible: external_exports.boolean().nullable(),
  status_code: external_exports.number().nullable(),
  error: external_exports.string().nullable(),
  listening_ports: external_exports.array(external_exports.number()),
  message: external_exports.string(),
  token: external_exports.string().optional(),
  signed_url: external_exports.string().nullable().optional(),
  signed_url_expires_at: external_exports.string().nullable().optional(),
  access: external_exports.string().optional()
};
var webPreviewTool = defineTool({
  name: "web_preview",
  title: "Preview a web server",
  description: 'Get the URL of a web server running in the sandbox on the given port (start it first in the background, e.g. shell_exec(command="python3 -m http.server 8000 &")). With check_server (default true) the server is probed; if nothing answers, the result lists the ports that are listening.',
  inputSchema: webPreviewInputSchema,
  outputSchema: webPreviewOutputSchema,
  annotations: READ_ONLY,
  run: webPreview,
  present: /* @__PURE__ */ __name((output) => presentJson(output, output.accessible === false), "present")
});

// src/tools/sandbox_reset.ts
async function sandboxReset(sandbox, _input, options = {}) {
  const { killed } = await sandbox.killAll({
    signal: options.signal
  });
  return {
    killed,
    note: killed === 0 ? "No process was running. Files are unchanged." : `Stopped ${killed} process${killed === 1 ? "" : "es"}. Files are unchanged; background servers must be started again, and the next python_exec starts a fresh interpreter.`
  };
}
__name(sandboxReset, "sandboxReset");
var sandboxResetInputSchema = {};
var sandboxResetOutputSchema = {
  killed: external_exports.number().int(),
  note: external_exports.string()
};
var sandboxResetTool = defineTool({
  name: "sandbox_reset",
  title: "Stop all processes",
  description: "Stop every process in the sandbox: running and background commands, servers, the Python interpreter (its variables are lost), and anything they left behind, such as a runaway fork bomb. Files are kept. Use it when the sandbox is stuck or out of processes or memory; python_exec(reset=true) only restarts the interpreter.",
  inputSchema: sandboxResetInputSchema,
  outputSchema: sandboxResetOutputSchema,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  run: sandboxReset,
  present: /* @__PURE__ */ __name((output) => presentJson(output, false), "present")
});

// src/tools/sandbox_create.ts
async function sandboxCreate(session, input, options = {}) {
  const { name, persistent = false } = input;
  if (persistent && name === void 0) {
    throw new TypeError("Cannot create a persistent workspace without a name: pass name, the one to attach it by later");
  }
  if (!persistent && name !== void 0) {
    throw new TypeError(`Cannot name a sandbox that is not persistent: pass persistent=true to make (or attach again) the workspace ${name}`);
  }
  const existing = persistent ? (await session.workspaces({
    signal: options.signal
  })).find((w) => w.name === name) : void 0;
  const sandbox = await session.create({
    image: input.image,
    snapshot: input.snapshot,
    env: input.env,
    cpu: input.cpu,
    memory: input.memory,
    disk: input.disk,
    networkBlockAll: input.network_block_all,
    networkAllowList: input.network_allow_list,
    autoStopMinutes: input.auto_stop_minutes,
    labels: input.labels,
    workspace: persistent ? name : void 0,
    signal: options.signal
  });
  const use = `Pass sandbox_id="${sandbox.id}" to other tools to use it`;
  const unbudgeted = sandbox.info.unbudgeted === void 0 ? "" : ` This machine does not hold it to a budget for ${sandbox.info.unbudgeted}: only per-process limits bound it, so keep its memory, CPU and disk use modest.`;
  return {
    sandbox_id: sandbox.id,
    provider: sandbox.info.provider,
    home: sandbox.info.home,
    persistent,
    name: persistent ? name : null,
    reattached: existing !== void 0,
    message: (!persistent ? `Created sandbox ${sandbox.id}. ${use}; it is deleted when this session ends.` : existing?.state === "attached" ? `Workspace ${name} is already attached in this session as sandbox ${sandbox.id}. ${use}.` : existing ? `Attached workspace ${name} again as sandbox ${sandbox.id}: its files are as they were left, but no process from before runs and Python starts fresh (the options other than name apply only when a workspace is made). ${use}; it is kept when this session ends, and only sandbox_delete deletes it.` : `Created the persistent workspace ${name} as sandbox ${sandbox.id}: its files survive this session and a restart of the server (its processes do not); attach it again with sandbox_create(name="${name}", persistent=true). ${use}; only sandbox_delete deletes it.`) + unbudgeted
  };
}
__name(sandboxCreate, "sandboxCreate");
var labelName = /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,62}$/;
var sandboxCreateInputSchema = {
  image: external_exports.string().min(1).optional().describe("Container image (Daytona), e.g. python:3.12-slim."),
  snapshot: external_exports.string().min(1).optional().describe("Snapshot to start from (Daytona)."),
  env: external_exports.record(external_exports.string(), external_exports.string()).optional().describe("Environment variables for every process in the sandbox."),
  cpu: external_exports.number().int().positive().max(64).optional().describe("CPU cores (Daytona, with image; local: at most the server's budget)."),
  memory: external_exports.number().int().positive().max(256).optional().describe("Memory in GiB (Daytona; local: at most the server's budget)."),
  disk: external_exports.number().int().positive().max(1024).optional().describe("Disk in GiB (Daytona; local: home and /tmp together, at most the server's budget)."),
  network_block_all: external_exports.boolean().optional().describe("Cut the sandbox off the network."),
  network_allow_list: external_exports.array(external_exports.string().regex(/^(\*\.)?[A-Za-z0-9.-]+(\/\d{1,2})?$/, "network_allow_list entries are domains (*.example.org for subdomains) or CIDR blocks")).min(1).max(64).optional().describe("Only these may be reached: domains, *.example.org for subdomains (local provider, enforced by its proxy), or IPv4 CIDR blocks (Daytona)."),
  auto_stop_minutes: external_exports.number().int().min(0).max(10080).optional().describe("Minutes of inactivity before it stops (Daytona; 0 = never)."),
  labels: external_exports.record(external_exports.string().regex(labelName, "label names are letters, digits, '.', '_', '/' and '-'"), external_exports.string().max(63)).optional().describe("Labels to tell sandboxes apart."),
  name: external_exports.string().regex(WORKSPACE_NAME, "name is 1 to 63 lower-case letters, digits, '.', '_' and '-', starting with a letter or digit").optional().describe("With persistent=true: the workspace's name, to attach it again later (e.g. after a restart)."),
  persistent: external_exports.boolean().optional().describe("Keep the sandbox's files after the session ends, as the workspace `name`; an existing workspace of that name is attached again.")
};
var sandboxCreateOutputSchema = {
  sandbox_id: external_exports.string(),
  provider: external_exports.string(),
  home: external_exports.string(),
  persistent: external_exports.boolean(),
  name: external_exports.string().nullable(),
  reattached: external_exports.boolean(),
  message: external_exports.string()
};
var sandboxCreateTool = defineSessionTool({
  name: "sandbox_create",
  title: "Create a sandbox",
  description: "Create another sandbox for this session (the default one is created automatically on first use). Options: image or snapshot (Daytona), env, cpu/memory/disk (Daytona), network_block_all (both providers), network_allow_list (local: domains, enforced by the sandbox's proxy; Daytona: IPv4 CIDR blocks), auto_stop_minutes (Daytona), labels. Returns its sandbox_id, which every other tool accepts. It is deleted when the session ends, unless persistent=true with a name: then it is a persistent workspace, whose files survive the session and a server restart (not its processes), attached again by the same call with the same name; sandbox_list shows workspaces, sandbox_delete deletes one. Sandboxes are capped per session (the default one included) and per server; at a cap this fails and says how to free one.",
  inputSchema: sandboxCreateInputSchema,
  outputSchema: sandboxCreateOutputSchema,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true
  },
  run: sandboxCreate,
  present: /* @__PURE__ */ __name((output) => presentJson(output, false), "present")
});

// src/tools/sandbox_list.ts
async function sandboxList(session, _input, options = {}) {
  const found = await session.list({
    signal: options.signal
  });
  return {
    sandboxes: found.map((s) => ({
      sandbox_id: s.id,
      state: s.state,
      labels: s.labels,
      created_at: s.createdAt ?? null,
      default: s.default,
      persistent: s.workspace !== void 0,
      name: s.workspace ?? null,
      attached: s.attached,
      usage: s.usage && {
        memory_mib: Math.round(s.usage.memoryBytes / 1048576 * 10) / 10,
        memory_budget_mib: Math.round(s.usage.memoryBudgetBytes / 1048576),
        processes: s.usage.processes,
        processes_budget: s.usage.processBudget,
        cpu_seconds: Math.round(s.usage.cpuSeconds * 100) / 100,
        oom_kills: s.usage.oomKills,
        ...s.usage.diskBudgetBytes === void 0 ? {} : {
          disk_mib: Math.round((s.usage.diskBytes ?? 0) / 1048576 * 10) / 10,
          disk_budget_mib: Math.round(s.usage.diskBudgetBytes / 1048576)
        }
      }
    }))
  };
}
__name(sandboxList, "sandboxList");
var sandboxListInputSchema = {};
var sandboxListOutputSchema = {
  sandboxes: external_exports.array(external_exports.object({
    sandbox_id: external_exports.string(),
    state: external_exports.string(),
    labels: external_exports.record(external_exports.string(), external_exports.string()),
    created_at: external_exports.string().nullable(),
    default: external_exports.boolean(),
    persistent: external_exports.boolean(),
    name: external_exports.string().nullable(),
    attached: external_exports.boolean(),
    usage: external_exports.object({
      memory_mib: external_exports.number(),
      memory_budget_mib: external_exports.number(),
      processes: external_exports.number(),
      processes_budget: external_exports.number(),
      cpu_seconds: external_exports.number(),
      oom_kills: external_exports.number(),
      disk_mib: external_exports.number().optional(),
      disk_budget_mib: external_exports.number().optional()
    }).nullable().optional()
  }))
};
var sandboxListTool = defineSessionTool({
  name: "sandbox_list",
  title: "List sandboxes",
  description: "List this session's sandboxes (never another session's), with their state and labels; `default` marks the session's default sandbox. Persistent workspaces have `persistent: true` and their `name`; those not attached in this session are listed too (`attached: false`, state `stopped`, or `in_use` when another server holds one): attach one with sandbox_create(name, persistent=true).",
  inputSchema: sandboxListInputSchema,
  outputSchema: sandboxListOutputSchema,
  annotations: {
    ...READ_ONLY,
    openWorldHint: true
  },
  run: sandboxList,
  present: /* @__PURE__ */ __name((output) => presentJson(output, false), "present")
});

// src/tools/sandbox_delete.ts
async function sandboxDelete(session, input, options = {}) {
  const id = input.sandbox_id;
  const deleted = await session.delete(id, {
    signal: options.signal
  });
  const what = deleted.workspace === void 0 ? "" : ` and the persistent workspace ${deleted.workspace} with all its files`;
  return {
    sandbox_id: id,
    deleted: true,
    workspace: deleted.workspace ?? null,
    message: deleted.default ? `Deleted this session's default sandbox ${id}${what}; the next tool call starts a fresh one.` : `Deleted sandbox ${id}${what}.`
  };
}
__name(sandboxDelete, "sandboxDelete");
var sandboxDeleteInputSchema = {
  sandbox_id: external_exports.string({
    error: "sandbox_id must be a string"
  }).min(1, "sandbox_id must not be empty").describe("The sandbox to delete (from sandbox_create or sandbox_list); a persistent workspace's id deletes the workspace with all its files.")
};
var sandboxDeleteOutputSchema = {
  sandbox_id: external_exports.string(),
  deleted: external_exports.boolean(),
  workspace: external_exports.string().nullable(),
  message: external_exports.string()
};
var sandboxDeleteTool = defineSessionTool({
  name: "sandbox_delete",
  title: "Delete a sandbox",
  description: "Delete a sandbox of this session, with all its processes and files; this frees its place under the caps. Deleting the default sandbox is allowed; the next call gets a fresh one. A persistent workspace's sandbox_id (from sandbox_list, attached or not) deletes that workspace and all its files for good; ending the session never does. Any other id is not found.",
  inputSchema: sandboxDeleteInputSchema,
  outputSchema: sandboxDeleteOutputSchema,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: true
  },
  run: sandboxDelete,
  present: /* @__PURE__ */ __name((output) => presentJson(output, false), "present")
});

// src/registry.ts
var tools = [
  shellExecTool,
  pythonExecTool,
  fileUploadTool,
  fileDownloadTool,
  fileListTool,
  gitCloneTool,
  webPreviewTool,
  sandboxResetTool
];
var sessionTools = [
  sandboxCreateTool,
  sandboxListTool,
  sandboxDeleteTool
];

export {
  SANDBOX_ID,
  SANDBOX_META_KEY,
  runCall,
  SANDBOX_URI_TEMPLATE,
  readSandboxResource,
  tools,
  sessionTools
};
