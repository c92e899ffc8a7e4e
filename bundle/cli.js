// @ts-self-types="../src/cli.ts"
// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  parseCommand,
  usage
} from "./shared-cli-init.js";
import {
  LocalProvider,
  SANDBOX_HOME
} from "./shared-cli-doctor.js";
import "./shared-cli-daytona-doctor.js";
import {
  createLogger
} from "./shared-cli-daytona-doctor-init.js";
import {
  isModern
} from "./shared-cli-http.js";
import "./shared-cli-daytona-doctor-modern.js";
import {
  VERSION
} from "./shared-cli-modern-server.js";
import "./shared-cli-init-modern-server.js";
import {
  SandboxError
} from "./shared-cli-daytona-doctor-modern-server.js";
import {
  SHARED_ROOT,
  describeShares
} from "./shared-cli-doctor-init-modern-server.js";
import {
  checkWorkspaceName
} from "./shared-cli-daytona-doctor-init-modern-server.js";
import {
  concatBytes
} from "./shared-cli-daytona-doctor-http-modern-server.js";
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/log_relay.ts
var MCP_LEVELS = {
  error: "error",
  warn: "warning",
  info: "info",
  debug: "debug"
};
var SEVERITY = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7
};
function createLogRelay(base) {
  let target;
  let chosen = "info";
  const send = /* @__PURE__ */ __name((level, message) => {
    base[level](message);
    if (!target?.isConnected() || SEVERITY[MCP_LEVELS[level]] < SEVERITY[chosen]) return;
    target.server.sendLoggingMessage({
      level: MCP_LEVELS[level],
      logger: "daytona-mcp",
      data: message
    }).catch(() => {
    });
  }, "send");
  return {
    log: {
      error: /* @__PURE__ */ __name((message) => send("error", message), "error"),
      warn: /* @__PURE__ */ __name((message) => send("warn", message), "warn"),
      info: /* @__PURE__ */ __name((message) => send("info", message), "info"),
      debug: /* @__PURE__ */ __name((message) => send("debug", message), "debug")
    },
    attach(server) {
      target = server;
    },
    setLevel(level) {
      chosen = level;
    }
  };
}
__name(createLogRelay, "createLogRelay");

// src/session.ts
var SandboxCounter = class {
  static {
    __name(this, "SandboxCounter");
  }
  /** The most sandboxes counted at once; 0 means no limit. */
  max;
  #slots = /* @__PURE__ */ new Set();
  /** A counter allowing `max` sandboxes at once (0: no limit). Throws a RangeError for others. */
  constructor(max) {
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`Cannot count sandboxes: max must be a whole number, got ${max}`);
    }
    this.max = max;
  }
  /** How many sandboxes are being created or open now. */
  get count() {
    for (const slot of this.#slots) if (slot.sandbox?.closed) this.#slots.delete(slot);
    return this.#slots.size;
  }
  /** Takes a place for a sandbox about to be created, or returns undefined at the cap. */
  take() {
    if (this.max > 0 && this.count >= this.max) return void 0;
    const slot = {};
    this.#slots.add(slot);
    return {
      hold: /* @__PURE__ */ __name((sandbox) => slot.sandbox = sandbox, "hold"),
      release: /* @__PURE__ */ __name(() => this.#slots.delete(slot), "release")
    };
  }
};
var SandboxSession = class {
  static {
    __name(this, "SandboxSession");
  }
  #provider;
  #log;
  #current;
  #extra = /* @__PURE__ */ new Map();
  #own;
  #server;
  #tenant;
  #closed = false;
  #busy = 0;
  #lastActive = Date.now();
  #workspaces;
  #workspace;
  #shared;
  /** Places in the caps taken by sandboxes this shared session made; freed when it closes. */
  #slots = [];
  /**
   * A session whose sandboxes come from `provider`, at most `options.maxSandboxes` of them, and
   * counted in `options.counter` when the server caps all its sessions together.
   */
  constructor(provider, log, options = {}) {
    this.#provider = provider;
    this.#log = log;
    this.#own = new SandboxCounter(options.maxSandboxes ?? 4);
    this.#server = options.counter;
    this.#tenant = options.tenant ?? `session-${crypto.randomUUID()}`;
    this.#workspaces = options.workspaces ?? true;
    this.#shared = options.shared ?? false;
    if (this.#shared && (!provider.find || options.tenant === void 0)) {
      throw new TypeError(`Cannot share a session's sandboxes: ${provider.find ? "the session has no tenant" : `the ${provider.name} provider cannot find another server's sandboxes`}`);
    }
    if (options.workspace !== void 0) {
      checkWorkspaceName(options.workspace);
      if (!this.#workspaces) {
        throw new TypeError(`Cannot make workspace ${options.workspace} the default sandbox: this session does not allow persistent workspaces`);
      }
      this.#workspace = options.workspace;
    }
  }
  /** Whether this session may attach, list and delete persistent workspaces. */
  get allowsWorkspaces() {
    return this.#workspaces;
  }
  /** How many sandboxes the session has open or being created. */
  get sandboxCount() {
    return this.#own.count;
  }
  /** Marks a tool call as running until the returned function is called. */
  begin() {
    this.#busy++;
    this.#lastActive = Date.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#busy--;
      this.#lastActive = Date.now();
    };
  }
  /** Milliseconds since the last tool call ended; 0 while one is running. */
  idleSince(now = Date.now()) {
    return this.#busy > 0 ? 0 : now - this.#lastActive;
  }
  /**
   * The sandbox with `options.id`, or the session's default sandbox: created on the first call
   * (concurrent first calls share one), and created anew when the previous one died. An id of
   * no open sandbox of this session throws the same {@linkcode SandboxError} whether the sandbox
   * belongs to another session or never existed. Creating the default sandbox at a cap throws.
   */
  async sandbox(options = {}) {
    if (this.#closed) throw new Error("Cannot get a sandbox: the session is closed");
    if (options.id !== void 0) {
      const current2 = await this.existing();
      if (current2?.id === options.id) return current2;
      const known = this.#extra.get(options.id);
      if (known && !known.closed) return known;
      const found = await this.#find(options.id, options);
      if (found) return found;
      throw notFound(options.id);
    }
    const current = this.#current;
    if (current) {
      const sandbox = await current.catch(() => void 0);
      if (sandbox && !sandbox.closed) return sandbox;
      if (this.#current === current) {
        if (sandbox) await sandbox.close().catch(() => {
        });
        this.#current = void 0;
      }
      return this.sandbox(options);
    }
    const slot = this.#reserve();
    const created = this.#provider.create({
      signal: options.signal,
      workspace: this.#workspace,
      tenant: this.#tenant,
      onStarted: options.onStarted
    });
    this.#current = created;
    created.then((sandbox) => {
      slot.hold(sandbox);
      this.#log.info(`sandbox ${sandbox.id} created`);
    }, (error) => {
      slot.release();
      this.#log.error(`sandbox creation failed: ${error.message}`);
      if (this.#current === created) this.#current = void 0;
    });
    return await created;
  }
  /**
   * Starts creating the default sandbox now, in the background, so that the first tool call
   * finds it ready. A failure is logged and the first call tries again. Resolves once the
   * sandbox's processes run (see {@linkcode CreateSandboxOptions.onStarted}), or once the creation
   * ends, whichever comes first; never rejects.
   */
  warm() {
    if (this.#closed || this.#current) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers();
    this.sandbox({
      onStarted: /* @__PURE__ */ __name(() => resolve(), "onStarted")
    }).then(() => resolve(), () => resolve());
    return promise;
  }
  /** The default sandbox if it exists and is open; never creates one. */
  async existing() {
    const sandbox = await this.#current?.catch(() => void 0);
    return sandbox && !sandbox.closed ? sandbox : void 0;
  }
  /**
   * Creates an additional sandbox for this session's tenant (whatever `options.tenant` says),
   * deleted with the session unless deleted before. Throws a
   * {@linkcode SandboxError} naming the cap when the session or the server is at its cap.
   */
  async create(options = {}) {
    if (this.#closed) throw new Error("Cannot create a sandbox: the session is closed");
    if (options.workspace !== void 0) {
      checkWorkspaceName(options.workspace);
      this.#needWorkspaces(`attach workspace ${options.workspace}`);
      const mine = await this.#attached(options.workspace);
      if (mine) return mine;
    }
    const slot = this.#reserve();
    let sandbox;
    try {
      sandbox = await this.#provider.create({
        ...options,
        tenant: this.#tenant
      });
    } catch (error) {
      slot.release();
      throw error;
    }
    slot.hold(sandbox);
    if (this.#shared) this.#slots.push(slot);
    if (this.#closed) {
      await sandbox.close();
      throw new Error("Cannot create a sandbox: the session closed meanwhile");
    }
    this.#extra.set(sandbox.id, sandbox);
    this.#log.info(`sandbox ${sandbox.id} ${sandbox.workspace ? `attached (workspace ${sandbox.workspace})` : "created"} on request`);
    return sandbox;
  }
  /**
   * The persistent workspaces the provider keeps, attached or not; none where the session does
   * not allow them or the provider has none.
   */
  async workspaces(options = {}) {
    if (!this.#workspaces || !this.#provider.workspaces) return [];
    return await this.#provider.workspaces(options);
  }
  /**
   * This session's sandboxes that still exist (never another session's), as the provider reports
   * them, marking the default one.
   */
  async list(options = {}) {
    if (this.#shared) {
      const listed2 = await this.#provider.list(options);
      const current2 = await this.existing();
      return await Promise.all(listed2.filter((summary) => summary.tenant === this.#tenant).map(async (summary) => {
        const open2 = current2?.id === summary.id ? current2 : this.#extra.get(summary.id);
        return {
          ...summary,
          default: summary.id === current2?.id,
          attached: true,
          usage: await open2?.resources?.().catch(() => void 0) ?? null
        };
      }));
    }
    const current = await this.existing();
    const mine = new Map([
      ...this.#extra.values()
    ].filter((s) => !s.closed).map((s) => [
      s.id,
      s
    ]));
    if (current) mine.set(current.id, current);
    const listing = mine.size === 0 ? Promise.resolve([]) : this.#provider.list(options);
    const finding = this.workspaces(options);
    finding.catch(() => {
    });
    const listed = await listing;
    const workspaces = await finding;
    const found = listed.filter((summary) => mine.has(summary.id));
    const own = await Promise.all(found.map(async (summary) => ({
      ...summary,
      default: summary.id === current?.id,
      attached: true,
      usage: await mine.get(summary.id).resources?.().catch(() => void 0) ?? null
    })));
    const open = new Set(own.map((summary) => summary.workspace).filter(Boolean));
    const available = workspaces.filter((workspace) => !open.has(workspace.name)).map((workspace) => ({
      id: workspace.id,
      // Attached here but not by this session: in use, as when another server holds it.
      state: workspace.state === "attached" ? "in_use" : workspace.state,
      labels: {},
      ...workspace.createdAt ? {
        createdAt: workspace.createdAt
      } : {},
      workspace: workspace.name,
      default: false,
      attached: false,
      usage: null
    }));
    return [
      ...own,
      ...available
    ];
  }
  /**
   * Deletes a sandbox of this session; the default one is replaced on the next call. A
   * persistent workspace is deleted with its files, whether this session attached it or not
   * (where the session allows workspaces). Any other id throws the same {@linkcode SandboxError}
   * as {@linkcode SandboxSession.sandbox}.
   */
  async delete(id, options = {}) {
    const pending = this.#current;
    const current = await pending?.catch(() => void 0);
    const extra = this.#extra.get(id);
    let deleted;
    if (current?.id === id) {
      if (this.#current === pending) this.#current = void 0;
      await current.close();
      deleted = {
        default: true,
        workspace: current.workspace
      };
    } else if (extra) {
      this.#extra.delete(id);
      await extra.close();
      deleted = {
        default: false,
        workspace: extra.workspace
      };
    } else if (this.#shared) {
      const found = await this.#find(id, options);
      if (!found) throw notFound(id);
      this.#extra.delete(id);
      await found.close();
      deleted = {
        default: false
      };
    } else {
      const workspace = (await this.workspaces(options)).find((found) => found.id === id);
      if (!workspace) throw notFound(id);
      if (workspace.state === "attached") {
        throw new SandboxError(`Cannot delete workspace ${workspace.name}: another session of this server has it attached`, {
          sandboxId: id
        });
      }
      deleted = {
        default: false,
        workspace: workspace.name
      };
    }
    if (deleted.workspace !== void 0) {
      await this.#provider.deleteWorkspace(deleted.workspace, options);
    }
    this.#log.info(`sandbox ${id} deleted on request${deleted.workspace ? ` with workspace ${deleted.workspace}` : ""}`);
    return deleted;
  }
  /**
   * Deletes the default sandbox and those created on request; a shared session forgets them
   * instead, for another server to find. Idempotent.
   */
  async close() {
    this.#closed = true;
    if (this.#shared) {
      this.#current = void 0;
      this.#extra.clear();
      for (const slot of this.#slots.splice(0)) slot.release();
      return;
    }
    const current = this.#current;
    this.#current = void 0;
    const sandboxes = [
      ...this.#extra.values()
    ];
    this.#extra.clear();
    const sandbox = await current?.catch(() => void 0);
    if (sandbox) sandboxes.push(sandbox);
    const results = await Promise.allSettled(sandboxes.map((s) => s.close()));
    results.forEach((result, i) => {
      if (result.status === "rejected") {
        this.#log.error(`closing sandbox ${sandboxes[i].id} failed: ${result.reason?.message}`);
      } else this.#log.info(`sandbox ${sandboxes[i].id} closed`);
    });
  }
  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose]() {
    await this.close();
  }
  /** A sandbox of this shared session's tenant that this session has not seen yet, by id. */
  async #find(id, options) {
    if (!this.#shared) return void 0;
    const found = await this.#provider.find(id, {
      tenant: this.#tenant,
      signal: options.signal
    });
    if (!found || found.closed) return void 0;
    if (this.#closed) return void 0;
    this.#extra.set(found.id, found);
    this.#log.info(`sandbox ${found.id} found (made by this deployment for this tenant)`);
    return found;
  }
  /** This session's open sandbox of workspace `name`, if it has one. */
  async #attached(name) {
    const current = await this.existing();
    if (current?.workspace === name) return current;
    return [
      ...this.#extra.values()
    ].find((s) => !s.closed && s.workspace === name);
  }
  #needWorkspaces(what) {
    if (this.#workspaces && this.#provider.workspaces) return;
    throw new SandboxError(this.#workspaces ? `Cannot ${what}: the ${this.#provider.name} provider has no persistent workspaces` : `Cannot ${what}: this server has several clients (it serves HTTP), and a persistent workspace would be shared between them; persistent workspaces are available when the server runs over stdio, for one user`);
  }
  /** Takes a place for a new sandbox in the session's count and the server's, or says which cap. */
  #reserve() {
    const own = this.#own.take();
    if (!own) {
      throw new SandboxError(`Cannot create a sandbox: this session already has ${this.#own.max} sandboxes (its default one included), the most one session may have (--max-sandboxes-per-session); delete one it no longer needs with sandbox_delete, or restart the server with a higher --max-sandboxes-per-session (MCP_MAX_SANDBOXES_PER_SESSION)`);
    }
    const server = this.#server ? this.#server.take() : {
      hold() {
      },
      release() {
      }
    };
    if (!server) {
      own.release();
      throw new SandboxError(`Cannot create a sandbox: the server already has ${this.#server.max} sandboxes across its sessions, the most it may have (--max-sandboxes); delete one this session no longer needs with sandbox_delete, wait for other sessions to end, or restart the server with a higher --max-sandboxes (MCP_MAX_SANDBOXES)`);
    }
    return {
      hold(sandbox) {
        own.hold(sandbox);
        server.hold(sandbox);
      },
      release() {
        own.release();
        server.release();
      }
    };
  }
};
function notFound(id) {
  return new SandboxError(`Cannot find sandbox ${id}: this session did not create it, or it was deleted; sandbox_list shows this session's sandboxes`, {
    sandboxId: id
  });
}
__name(notFound, "notFound");

// src/_handshake.ts
var PROTOCOL_VERSIONS = [
  "2025-11-25",
  "2025-06-18",
  "2025-03-26",
  "2024-11-05",
  "2024-10-07"
];
var LATEST_PROTOCOL_VERSION = "2025-11-25";
var INITIALIZE_RESULT = {
  "capabilities": {
    "tools": {
      "listChanged": true
    },
    "resources": {
      "listChanged": true
    },
    "logging": {},
    "tasks": {
      "list": {},
      "cancel": {},
      "requests": {
        "tools": {
          "call": {}
        }
      }
    }
  },
  "serverInfo": {
    "name": "daytona-mcp-interpreter",
    "title": "Daytona MCP Interpreter",
    "version": "0.1.0"
  }
};
var TOOLS_LIST_RESULT = {
  "tools": [
    {
      "name": "shell_exec",
      "title": "Run a shell command",
      "description": "Run a shell command in the sandbox (/bin/sh -c, in the sandbox's home directory unless cwd is given). Returns stdout and stderr separately, the exit code and the duration. Long output keeps its head and tail. End a command with `&` to leave a server running in the background; the call returns at once. The command's whole process group is killed after `timeout` seconds (default 300).",
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "command": {
            "type": "string",
            "minLength": 1,
            "description": "Shell command line, run with /bin/sh -c. End with `&` to leave a server running."
          },
          "cwd": {
            "description": "Working directory in the sandbox. Default: the sandbox's home directory.",
            "type": "string"
          },
          "env": {
            "description": "Extra environment variables for this command.",
            "type": "object",
            "propertyNames": {
              "type": "string"
            },
            "additionalProperties": {
              "type": "string"
            }
          },
          "timeout": {
            "description": "Seconds before the command's process group is killed (default 300).",
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 86400
          },
          "sandbox_id": {
            "description": "Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.",
            "type": "string",
            "minLength": 1
          }
        },
        "required": [
          "command"
        ]
      },
      "annotations": {
        "title": "Run a shell command",
        "readOnlyHint": false,
        "destructiveHint": true,
        "idempotentHint": false,
        "openWorldHint": true
      },
      "execution": {
        "taskSupport": "optional"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "stdout": {
            "type": "string"
          },
          "stderr": {
            "type": "string"
          },
          "exit_code": {
            "anyOf": [
              {
                "type": "integer",
                "minimum": -9007199254740991,
                "maximum": 9007199254740991
              },
              {
                "type": "null"
              }
            ]
          },
          "signal": {
            "type": [
              "string",
              "null"
            ]
          },
          "timed_out": {
            "type": "boolean"
          },
          "duration_ms": {
            "type": "number"
          },
          "truncated": {
            "type": "boolean"
          },
          "stdout_bytes": {
            "type": "integer",
            "minimum": -9007199254740991,
            "maximum": 9007199254740991
          },
          "stderr_bytes": {
            "type": "integer",
            "minimum": -9007199254740991,
            "maximum": 9007199254740991
          },
          "notes": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        },
        "required": [
          "stdout",
          "stderr",
          "exit_code",
          "signal",
          "timed_out",
          "duration_ms",
          "truncated",
          "stdout_bytes",
          "stderr_bytes"
        ],
        "additionalProperties": false
      }
    },
    {
      "name": "python_exec",
      "title": "Run Python",
      "description": "Run Python code in the sandbox's persistent interpreter, like a notebook cell: variables, imports and functions survive between calls. Returns stdout, stderr, the repr of a final expression, and the traceback if the code raised. matplotlib figures left open are returned as PNG images and closed. `reset: true` starts a fresh interpreter first. The code is interrupted after `timeout` seconds (default 300).",
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "code": {
            "type": "string",
            "description": "Python source, run as written in a persistent interpreter (variables and imports survive between calls). The value of a final expression is returned; matplotlib figures come back as images."
          },
          "timeout": {
            "description": "Seconds before the code is interrupted (default 300).",
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 86400
          },
          "reset": {
            "description": "Start a fresh interpreter, dropping all variables, before running code.",
            "type": "boolean"
          },
          "sandbox_id": {
            "description": "Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.",
            "type": "string",
            "minLength": 1
          }
        },
        "required": [
          "code"
        ]
      },
      "annotations": {
        "title": "Run Python",
        "readOnlyHint": false,
        "destructiveHint": true,
        "idempotentHint": false,
        "openWorldHint": true
      },
      "execution": {
        "taskSupport": "optional"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "stdout": {
            "type": "string"
          },
          "stderr": {
            "type": "string"
          },
          "result": {
            "type": [
              "string",
              "null"
            ]
          },
          "error": {
            "anyOf": [
              {
                "type": "object",
                "properties": {
                  "type": {
                    "type": "string"
                  },
                  "message": {
                    "type": "string"
                  },
                  "traceback": {
                    "type": "string"
                  }
                },
                "required": [
                  "type",
                  "message",
                  "traceback"
                ],
                "additionalProperties": false
              },
              {
                "type": "null"
              }
            ]
          },
          "images": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "mime_type": {
                  "type": "string"
                },
                "width": {
                  "type": "number"
                },
                "height": {
                  "type": "number"
                },
                "bytes": {
                  "type": "number"
                }
              },
              "required": [
                "mime_type",
                "width",
                "height",
                "bytes"
              ],
              "additionalProperties": false
            }
          },
          "timed_out": {
            "type": "boolean"
          },
          "state": {
            "type": "string",
            "enum": [
              "kept",
              "lost"
            ]
          },
          "fresh_interpreter": {
            "type": "boolean"
          },
          "died": {
            "anyOf": [
              {
                "type": "object",
                "properties": {
                  "exit_code": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "signal": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                },
                "required": [
                  "exit_code",
                  "signal"
                ],
                "additionalProperties": false
              },
              {
                "type": "null"
              }
            ]
          },
          "notes": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "duration_ms": {
            "type": "number"
          },
          "truncated": {
            "type": "boolean"
          }
        },
        "required": [
          "stdout",
          "stderr",
          "result",
          "error",
          "images",
          "timed_out",
          "state",
          "fresh_interpreter",
          "died",
          "notes",
          "duration_ms",
          "truncated"
        ],
        "additionalProperties": false
      }
    },
    {
      "name": "file_upload",
      "title": "Upload a file",
      "description": 'Write a file into the sandbox: text as is, or binary as base64 (encoding: "base64"); or, with host_path instead of content, copy a file of a directory the user shared (any size, streamed, not through the conversation). Parent directories are created. With overwrite: false an existing file is an error and stays untouched. Returns the path, the size written and its SHA-256.',
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "file_path": {
            "type": "string",
            "minLength": 1,
            "description": "Destination in the sandbox, absolute or relative to the home directory."
          },
          "content": {
            "description": "The file's content: plain text, or base64 when encoding is base64.",
            "type": "string"
          },
          "host_path": {
            "description": "Instead of content: an absolute path on the user's machine inside a directory the user shared (the server's instructions list them); the file is streamed into the sandbox, any size, without passing through this conversation.",
            "type": "string",
            "minLength": 1
          },
          "encoding": {
            "description": "text (default) or base64 for binary files.",
            "type": "string",
            "enum": [
              "text",
              "base64"
            ]
          },
          "overwrite": {
            "description": "Replace an existing file (default true). With false an existing file is an error.",
            "type": "boolean"
          },
          "sandbox_id": {
            "description": "Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.",
            "type": "string",
            "minLength": 1
          }
        },
        "required": [
          "file_path"
        ]
      },
      "annotations": {
        "title": "Upload a file",
        "readOnlyHint": false,
        "destructiveHint": true,
        "idempotentHint": true,
        "openWorldHint": false
      },
      "execution": {
        "taskSupport": "forbidden"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "path": {
            "type": "string"
          },
          "size": {
            "type": "integer",
            "minimum": -9007199254740991,
            "maximum": 9007199254740991
          },
          "sha256": {
            "type": "string"
          },
          "replaced": {
            "type": "boolean"
          },
          "host_path": {
            "type": "string"
          }
        },
        "required": [
          "path",
          "size",
          "sha256",
          "replaced"
        ],
        "additionalProperties": false
      }
    },
    {
      "name": "file_download",
      "title": "Download a file",
      "description": "Read a file from the sandbox. Within max_size_mb (default 5) it comes back whole: text as text, images as images, other files as base64; files over 1 MiB come as a sandbox:// resource link. Over the limit, the result lists the options with exact calls: download_partial (chunk_size_kb from offset_kb), convert_to_text (PDF, HTML, text), compress_file (gzip), force_download. With host_path, the whole file (any size) is saved instead to the user's machine, inside a directory the user shared read-write, and not returned.",
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "file_path": {
            "type": "string",
            "minLength": 1,
            "description": "The file, absolute or relative to the sandbox's home directory."
          },
          "max_size_mb": {
            "description": "Largest file returned whole without an option (default 5).",
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1024
          },
          "download_option": {
            "description": "For files over max_size_mb: download_partial (a chunk), convert_to_text (PDF/HTML/text), compress_file (gzip), force_download (whole, up to 7 MiB).",
            "type": "string",
            "enum": [
              "download_partial",
              "convert_to_text",
              "compress_file",
              "force_download"
            ]
          },
          "chunk_size_kb": {
            "description": "download_partial: KB to return (default 100).",
            "type": "integer",
            "minimum": 1,
            "maximum": 1024
          },
          "offset_kb": {
            "description": "download_partial: where to start, in KB (default 0).",
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "force": {
            "description": "compress_file: return the archive even when it exceeds max_size_mb.",
            "type": "boolean"
          },
          "host_path": {
            "description": "Save the whole file, any size, to this absolute path on the user's machine inside a directory the user shared read-write (the server's instructions list them), instead of returning it; streamed, not through this conversation.",
            "type": "string",
            "minLength": 1
          },
          "overwrite": {
            "description": "With host_path: replace an existing file there (default false).",
            "type": "boolean"
          },
          "sandbox_id": {
            "description": "Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.",
            "type": "string",
            "minLength": 1
          }
        },
        "required": [
          "file_path"
        ]
      },
      "annotations": {
        "title": "Download a file",
        "readOnlyHint": false,
        "destructiveHint": true,
        "idempotentHint": true,
        "openWorldHint": false
      },
      "execution": {
        "taskSupport": "forbidden"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "path": {
            "type": "string"
          },
          "size": {
            "type": "number"
          },
          "mime_type": {
            "type": "string"
          },
          "result": {
            "type": "string",
            "enum": [
              "content",
              "link",
              "options",
              "partial",
              "text",
              "compressed",
              "not_returned",
              "saved"
            ]
          },
          "message": {
            "type": "string"
          },
          "bytes_returned": {
            "type": "number"
          },
          "offset_kb": {
            "type": "number"
          },
          "next_offset_kb": {
            "type": [
              "number",
              "null"
            ]
          },
          "end_reached": {
            "type": "boolean"
          },
          "truncated": {
            "type": "boolean"
          },
          "converter": {
            "type": "string"
          },
          "compressed_size": {
            "type": "number"
          },
          "ratio": {
            "type": "number"
          },
          "options": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "option": {
                  "type": "string",
                  "enum": [
                    "download_partial",
                    "convert_to_text",
                    "compress_file",
                    "force_download"
                  ]
                },
                "description": {
                  "type": "string"
                },
                "example": {
                  "type": "string"
                }
              },
              "required": [
                "option",
                "description",
                "example"
              ],
              "additionalProperties": false
            }
          },
          "uri": {
            "type": "string"
          },
          "host_path": {
            "type": "string"
          },
          "sha256": {
            "type": "string"
          },
          "replaced": {
            "type": "boolean"
          },
          "notes": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        },
        "required": [
          "path",
          "size",
          "mime_type",
          "result",
          "message",
          "bytes_returned"
        ],
        "additionalProperties": false
      }
    },
    {
      "name": "file_list",
      "title": "List files",
      "description": "List a directory of the sandbox (default: the home directory) with each entry's type, size, modification time and permissions; depth descends into subdirectories. Symlinks are shown, not followed.",
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "path": {
            "description": "Directory to list, absolute or relative to the home directory (default: home).",
            "type": "string"
          },
          "depth": {
            "description": "Levels to descend (default 1: only the directory's own entries).",
            "type": "integer",
            "minimum": 1,
            "maximum": 10
          },
          "sandbox_id": {
            "description": "Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.",
            "type": "string",
            "minLength": 1
          }
        }
      },
      "annotations": {
        "title": "List files",
        "readOnlyHint": true,
        "destructiveHint": false,
        "idempotentHint": true,
        "openWorldHint": false
      },
      "execution": {
        "taskSupport": "forbidden"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "path": {
            "type": "string"
          },
          "entries": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "path": {
                  "type": "string"
                },
                "name": {
                  "type": "string"
                },
                "type": {
                  "type": "string",
                  "enum": [
                    "file",
                    "directory",
                    "symlink",
                    "other"
                  ]
                },
                "size": {
                  "type": "number"
                },
                "modified": {
                  "type": "string"
                },
                "mode": {
                  "type": "string"
                },
                "target": {
                  "type": "string"
                }
              },
              "required": [
                "path",
                "name",
                "type",
                "size",
                "modified",
                "mode"
              ],
              "additionalProperties": false
            }
          },
          "truncated": {
            "type": "boolean"
          }
        },
        "required": [
          "path",
          "entries",
          "truncated"
        ],
        "additionalProperties": false
      }
    },
    {
      "name": "git_clone",
      "title": "Clone a git repository",
      "description": "Clone a git repository into the sandbox (default target: the repository's name in the home directory). depth defaults to 1 (0 = full history); branch picks a branch or tag, commit a specific commit; lfs: true also fetches Git LFS files. Private https repositories use the server's GIT_TOKEN / GITHUB_TOKEN. Returns the path, commit, branch and the tracked files.",
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "repo_url": {
            "type": "string",
            "minLength": 1,
            "description": "Repository URL (https://, ssh://, git://, file://, or user@host:path)."
          },
          "target_path": {
            "description": "Where to clone, relative to the home directory (default: the repository's name).",
            "type": "string"
          },
          "branch": {
            "description": "Branch or tag to check out (default: the remote's default branch).",
            "type": "string",
            "pattern": "^[^\\s-][^\\s]*$"
          },
          "depth": {
            "description": "Commits of history to fetch (default 1; 0 = full history).",
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "lfs": {
            "description": "Also fetch Git LFS files (default false).",
            "type": "boolean"
          },
          "commit": {
            "description": "A commit to check out (hash).",
            "type": "string",
            "pattern": "^[0-9a-fA-F]{4,64}$"
          },
          "sandbox_id": {
            "description": "Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.",
            "type": "string",
            "minLength": 1
          }
        },
        "required": [
          "repo_url"
        ]
      },
      "annotations": {
        "title": "Clone a git repository",
        "readOnlyHint": false,
        "destructiveHint": false,
        "idempotentHint": false,
        "openWorldHint": true
      },
      "execution": {
        "taskSupport": "optional"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "path": {
            "type": "string"
          },
          "url": {
            "type": "string"
          },
          "commit": {
            "type": "string"
          },
          "branch": {
            "type": [
              "string",
              "null"
            ]
          },
          "depth": {
            "type": "number"
          },
          "file_count": {
            "type": "number"
          },
          "files": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "lfs": {
            "type": "string",
            "enum": [
              "not_requested",
              "pulled",
              "missing"
            ]
          },
          "notes": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        },
        "required": [
          "path",
          "url",
          "commit",
          "branch",
          "depth",
          "file_count",
          "files",
          "lfs",
          "notes"
        ],
        "additionalProperties": false
      }
    },
    {
      "name": "web_preview",
      "title": "Preview a web server",
      "description": 'Get the URL of a web server running in the sandbox on the given port (start it first in the background, e.g. shell_exec(command="python3 -m http.server 8000 &")). With check_server (default true) the server is probed; if nothing answers, the result lists the ports that are listening.',
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "port": {
            "type": "integer",
            "minimum": 1,
            "maximum": 65535,
            "description": "Port the server listens on inside the sandbox."
          },
          "description": {
            "description": "What the server is, e.g. 'React dev server'.",
            "type": "string",
            "maxLength": 500
          },
          "check_server": {
            "description": "Probe the server first (default true).",
            "type": "boolean"
          },
          "sandbox_id": {
            "description": "Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.",
            "type": "string",
            "minLength": 1
          }
        },
        "required": [
          "port"
        ]
      },
      "annotations": {
        "title": "Preview a web server",
        "readOnlyHint": true,
        "destructiveHint": false,
        "idempotentHint": true,
        "openWorldHint": false
      },
      "execution": {
        "taskSupport": "forbidden"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "port": {
            "type": "number"
          },
          "url": {
            "type": "string"
          },
          "description": {
            "type": "string"
          },
          "accessible": {
            "type": [
              "boolean",
              "null"
            ]
          },
          "status_code": {
            "type": [
              "number",
              "null"
            ]
          },
          "error": {
            "type": [
              "string",
              "null"
            ]
          },
          "listening_ports": {
            "type": "array",
            "items": {
              "type": "number"
            }
          },
          "message": {
            "type": "string"
          },
          "token": {
            "type": "string"
          },
          "signed_url": {
            "type": [
              "string",
              "null"
            ]
          },
          "signed_url_expires_at": {
            "type": [
              "string",
              "null"
            ]
          },
          "access": {
            "type": "string"
          }
        },
        "required": [
          "port",
          "url",
          "description",
          "accessible",
          "status_code",
          "error",
          "listening_ports",
          "message"
        ],
        "additionalProperties": false
      }
    },
    {
      "name": "sandbox_reset",
      "title": "Stop all processes",
      "description": "Stop every process in the sandbox: running and background commands, servers, the Python interpreter (its variables are lost), and anything they left behind, such as a runaway fork bomb. Files are kept. Use it when the sandbox is stuck or out of processes or memory; python_exec(reset=true) only restarts the interpreter.",
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "sandbox_id": {
            "description": "Work in this sandbox (from sandbox_create or sandbox_list) instead of the session's default one.",
            "type": "string",
            "minLength": 1
          }
        }
      },
      "annotations": {
        "title": "Stop all processes",
        "readOnlyHint": false,
        "destructiveHint": true,
        "idempotentHint": true,
        "openWorldHint": false
      },
      "execution": {
        "taskSupport": "forbidden"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "killed": {
            "type": "integer",
            "minimum": -9007199254740991,
            "maximum": 9007199254740991
          },
          "note": {
            "type": "string"
          }
        },
        "required": [
          "killed",
          "note"
        ],
        "additionalProperties": false
      }
    },
    {
      "name": "sandbox_create",
      "title": "Create a sandbox",
      "description": "Create another sandbox for this session (the default one is created automatically on first use). Options: image or snapshot (Daytona), env, cpu/memory/disk (Daytona), network_block_all (both providers), network_allow_list (local: domains, enforced by the sandbox's proxy; Daytona: IPv4 CIDR blocks), auto_stop_minutes (Daytona), labels. Returns its sandbox_id, which every other tool accepts. It is deleted when the session ends, unless persistent=true with a name: then it is a persistent workspace, whose files survive the session and a server restart (not its processes), attached again by the same call with the same name; sandbox_list shows workspaces, sandbox_delete deletes one. Sandboxes are capped per session (the default one included) and per server; at a cap this fails and says how to free one.",
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "image": {
            "description": "Container image (Daytona), e.g. python:3.12-slim.",
            "type": "string",
            "minLength": 1
          },
          "snapshot": {
            "description": "Snapshot to start from (Daytona).",
            "type": "string",
            "minLength": 1
          },
          "env": {
            "description": "Environment variables for every process in the sandbox.",
            "type": "object",
            "propertyNames": {
              "type": "string"
            },
            "additionalProperties": {
              "type": "string"
            }
          },
          "cpu": {
            "description": "CPU cores (Daytona, with image; local: at most the server's budget).",
            "type": "integer",
            "exclusiveMinimum": 0,
            "maximum": 64
          },
          "memory": {
            "description": "Memory in GiB (Daytona; local: at most the server's budget).",
            "type": "integer",
            "exclusiveMinimum": 0,
            "maximum": 256
          },
          "disk": {
            "description": "Disk in GiB (Daytona; local: home and /tmp together, at most the server's budget).",
            "type": "integer",
            "exclusiveMinimum": 0,
            "maximum": 1024
          },
          "network_block_all": {
            "description": "Cut the sandbox off the network.",
            "type": "boolean"
          },
          "network_allow_list": {
            "description": "Only these may be reached: domains, *.example.org for subdomains (local provider, enforced by its proxy), or IPv4 CIDR blocks (Daytona).",
            "minItems": 1,
            "maxItems": 64,
            "type": "array",
            "items": {
              "type": "string",
              "pattern": "^(\\*\\.)?[A-Za-z0-9.-]+(\\/\\d{1,2})?$"
            }
          },
          "auto_stop_minutes": {
            "description": "Minutes of inactivity before it stops (Daytona; 0 = never).",
            "type": "integer",
            "minimum": 0,
            "maximum": 10080
          },
          "labels": {
            "description": "Labels to tell sandboxes apart.",
            "type": "object",
            "propertyNames": {
              "type": "string",
              "pattern": "^[A-Za-z0-9][A-Za-z0-9._\\/-]{0,62}$"
            },
            "additionalProperties": {
              "type": "string",
              "maxLength": 63
            }
          },
          "name": {
            "description": "With persistent=true: the workspace's name, to attach it again later (e.g. after a restart).",
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9._-]{0,62}$"
          },
          "persistent": {
            "description": "Keep the sandbox's files after the session ends, as the workspace `name`; an existing workspace of that name is attached again.",
            "type": "boolean"
          }
        }
      },
      "annotations": {
        "title": "Create a sandbox",
        "readOnlyHint": false,
        "destructiveHint": false,
        "idempotentHint": false,
        "openWorldHint": true
      },
      "execution": {
        "taskSupport": "forbidden"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "sandbox_id": {
            "type": "string"
          },
          "provider": {
            "type": "string"
          },
          "home": {
            "type": "string"
          },
          "persistent": {
            "type": "boolean"
          },
          "name": {
            "type": [
              "string",
              "null"
            ]
          },
          "reattached": {
            "type": "boolean"
          },
          "message": {
            "type": "string"
          }
        },
        "required": [
          "sandbox_id",
          "provider",
          "home",
          "persistent",
          "name",
          "reattached",
          "message"
        ],
        "additionalProperties": false
      }
    },
    {
      "name": "sandbox_list",
      "title": "List sandboxes",
      "description": "List this session's sandboxes (never another session's), with their state and labels; `default` marks the session's default sandbox. Persistent workspaces have `persistent: true` and their `name`; those not attached in this session are listed too (`attached: false`, state `stopped`, or `in_use` when another server holds one): attach one with sandbox_create(name, persistent=true).",
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {}
      },
      "annotations": {
        "title": "List sandboxes",
        "readOnlyHint": true,
        "destructiveHint": false,
        "idempotentHint": true,
        "openWorldHint": true
      },
      "execution": {
        "taskSupport": "forbidden"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "sandboxes": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "sandbox_id": {
                  "type": "string"
                },
                "state": {
                  "type": "string"
                },
                "labels": {
                  "type": "object",
                  "propertyNames": {
                    "type": "string"
                  },
                  "additionalProperties": {
                    "type": "string"
                  }
                },
                "created_at": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "default": {
                  "type": "boolean"
                },
                "persistent": {
                  "type": "boolean"
                },
                "name": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "attached": {
                  "type": "boolean"
                },
                "usage": {
                  "anyOf": [
                    {
                      "type": "object",
                      "properties": {
                        "memory_mib": {
                          "type": "number"
                        },
                        "memory_budget_mib": {
                          "type": "number"
                        },
                        "processes": {
                          "type": "number"
                        },
                        "processes_budget": {
                          "type": "number"
                        },
                        "cpu_seconds": {
                          "type": "number"
                        },
                        "oom_kills": {
                          "type": "number"
                        },
                        "disk_mib": {
                          "type": "number"
                        },
                        "disk_budget_mib": {
                          "type": "number"
                        }
                      },
                      "required": [
                        "memory_mib",
                        "memory_budget_mib",
                        "processes",
                        "processes_budget",
                        "cpu_seconds",
                        "oom_kills"
                      ],
                      "additionalProperties": false
                    },
                    {
                      "type": "null"
                    }
                  ]
                }
              },
              "required": [
                "sandbox_id",
                "state",
                "labels",
                "created_at",
                "default",
                "persistent",
                "name",
                "attached"
              ],
              "additionalProperties": false
            }
          }
        },
        "required": [
          "sandboxes"
        ],
        "additionalProperties": false
      }
    },
    {
      "name": "sandbox_delete",
      "title": "Delete a sandbox",
      "description": "Delete a sandbox of this session, with all its processes and files; this frees its place under the caps. Deleting the default sandbox is allowed; the next call gets a fresh one. A persistent workspace's sandbox_id (from sandbox_list, attached or not) deletes that workspace and all its files for good; ending the session never does. Any other id is not found.",
      "inputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "sandbox_id": {
            "type": "string",
            "minLength": 1,
            "description": "The sandbox to delete (from sandbox_create or sandbox_list); a persistent workspace's id deletes the workspace with all its files."
          }
        },
        "required": [
          "sandbox_id"
        ]
      },
      "annotations": {
        "title": "Delete a sandbox",
        "readOnlyHint": false,
        "destructiveHint": true,
        "idempotentHint": true,
        "openWorldHint": true
      },
      "execution": {
        "taskSupport": "forbidden"
      },
      "outputSchema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "sandbox_id": {
            "type": "string"
          },
          "deleted": {
            "type": "boolean"
          },
          "workspace": {
            "type": [
              "string",
              "null"
            ]
          },
          "message": {
            "type": "string"
          }
        },
        "required": [
          "sandbox_id",
          "deleted",
          "workspace",
          "message"
        ],
        "additionalProperties": false
      }
    }
  ]
};

// src/_stdio.ts
var SYNC_WRITE_BYTES = 16 * 1024;
var MAX_LINE_BYTES = 64 * 1024 * 1024;
var StdioTransport = class {
  static {
    __name(this, "StdioTransport");
  }
  onclose;
  onerror;
  onmessage;
  #options;
  /** Messages read before the server connected, for it to see in order. */
  #waiting = [];
  /** Ids of the `initialize` requests answered early: the server's own answers are dropped. */
  #answered = /* @__PURE__ */ new Set();
  #validate = /* @__PURE__ */ __name((message) => message, "#validate");
  #connected = false;
  #ended = false;
  #closed = false;
  #writing = Promise.resolve();
  /** Asynchronous writes not finished yet. */
  #queued = 0;
  #encoder = new TextEncoder();
  #greeted = Promise.withResolvers();
  #listed = Promise.withResolvers();
  #initialized = Promise.withResolvers();
  #era = Promise.withResolvers();
  #modern = false;
  #decided = false;
  /** Starts reading stdin now; the server connects later with `server.connect(transport)`. */
  constructor(options) {
    this.#options = options;
    this.#read(Deno.stdin.readable).catch((error) => this.#error(error));
  }
  /**
   * Resolves once an `initialize` request has been answered. Loading the SDK blocks the event
   * loop for a while, so the server waits for this (briefly) before loading it.
   */
  get greeted() {
    return this.#greeted.promise;
  }
  /** Resolves once the client said `notifications/initialized`, which ends its handshake. */
  get initialized() {
    return this.#initialized.promise;
  }
  /** Resolves once a `tools/list` request has been answered, which clients send next. */
  get listed() {
    return this.#listed.promise;
  }
  /**
   * The client's protocol era, known from its first message: `"modern"` when it carries a
   * 2026-07-28 `_meta` envelope (then nothing is answered early: the v2 SDK answers everything),
   * `"legacy"` otherwise, or when stdin ends before any message.
   */
  get era() {
    return this.#era.promise;
  }
  /** Checks each message the server gets, as the SDK's own transport does. */
  set validate(validate) {
    this.#validate = validate;
  }
  /** Called by `server.connect()`: hands over what arrived meanwhile. */
  start() {
    this.#connected = true;
    for (const message of this.#waiting.splice(0)) this.#deliver(message);
    if (this.#ended) this.#options.onEnd();
    return Promise.resolve();
  }
  send(message) {
    if ("id" in message && !("method" in message) && this.#answered.delete(message.id)) {
      return Promise.resolve();
    }
    return this.#write(message);
  }
  /** Resolves once everything sent so far is written. */
  drain() {
    return this.#writing.catch(() => {
    });
  }
  close() {
    if (!this.#closed) {
      this.#closed = true;
      this.onclose?.();
    }
    return Promise.resolve();
  }
  async #read(stdin) {
    const decoder = new TextDecoder();
    let pending = [];
    let pendingBytes = 0;
    let dropping = false;
    for await (const chunk of stdin) {
      let start = 0;
      for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
        if (!dropping) {
          pending.push(chunk.subarray(start, end));
          const line = pending.length === 1 ? pending[0] : concatBytes(pending, pendingBytes + end - start);
          this.#line(decoder.decode(line));
        }
        pending = [];
        pendingBytes = 0;
        dropping = false;
        start = end + 1;
      }
      if (start < chunk.length && !dropping) {
        pending.push(chunk.slice(start));
        pendingBytes += chunk.length - start;
        if (pendingBytes > MAX_LINE_BYTES) {
          this.#error(new Error(`Dropped a message longer than ${MAX_LINE_BYTES} bytes`));
          pending = [];
          pendingBytes = 0;
          dropping = true;
        }
      }
    }
    this.#ended = true;
    this.#era.resolve("legacy");
    if (this.#connected) this.#options.onEnd();
  }
  #line(text) {
    const line = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (line.trim() === "") return;
    let message;
    try {
      message = JSON.parse(line);
    } catch (error) {
      this.#error(error);
      return;
    }
    if (message.method === "notifications/initialized") this.#initialized.resolve();
    this.#decideEra(message);
    if (this.#connected) {
      this.#deliver(message);
    } else if (!this.#answerEarly(message)) {
      this.#waiting.push(message);
    }
  }
  /** The first message decides the era; a modern client has no handshake to wait for. */
  #decideEra(message) {
    if (this.#decided) return;
    this.#decided = true;
    if (!isModern(message)) {
      this.#era.resolve("legacy");
      return;
    }
    this.#modern = true;
    this.#era.resolve("modern");
    this.#greeted.resolve();
    this.#initialized.resolve();
    this.#listed.resolve();
  }
  /** Answers what needs no server; returns false for anything the server must see. */
  #answerEarly(message) {
    if (this.#modern) return false;
    const { id, method, params } = message;
    if (message.jsonrpc !== "2.0" || typeof id !== "string" && typeof id !== "number") {
      return false;
    }
    let result;
    if (method === "initialize") {
      if (!isInitializeParams(params)) return false;
      const asked = params.protocolVersion;
      result = {
        protocolVersion: PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION,
        ...INITIALIZE_RESULT,
        instructions: this.#options.instructions
      };
      this.#answered.add(id);
      this.#waiting.push(message);
    } else if (method === "tools/list") {
      result = TOOLS_LIST_RESULT;
    } else if (method === "ping") {
      result = {};
    } else {
      return false;
    }
    this.#write({
      jsonrpc: "2.0",
      id,
      result
    }).then(() => (method === "initialize" ? this.#greeted : this.#listed).resolve(), (error) => this.#error(error));
    return true;
  }
  #deliver(message) {
    let valid;
    try {
      valid = this.#validate(message);
    } catch (error) {
      this.#error(error);
      return;
    }
    this.onmessage?.(valid);
  }
  /**
   * Writes messages one after another, each whole. A small message with nothing queued before it
   * is written at once, on this thread: an asynchronous write of stdout goes through Deno's pool of
   * blocking threads, a hand-off that costs more than the write. Larger ones, which could fill the
   * pipe and block while the client reads, are written asynchronously.
   */
  #write(message) {
    const data = this.#encoder.encode(JSON.stringify(message) + "\n");
    if (this.#queued === 0 && data.length <= SYNC_WRITE_BYTES) {
      try {
        for (let done = 0; done < data.length; ) done += Deno.stdout.writeSync(data.subarray(done));
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve();
    }
    this.#queued++;
    this.#writing = this.#writing.then(async () => {
      for (let done = 0; done < data.length; ) {
        done += await Deno.stdout.write(data.subarray(done));
      }
    }).finally(() => this.#queued--);
    return this.#writing;
  }
  #error(error) {
    this.onerror?.(error instanceof Error ? error : new Error(String(error)));
  }
};
function isInitializeParams(params) {
  if (typeof params !== "object" || params === null) return false;
  const { protocolVersion, capabilities, clientInfo } = params;
  const info = clientInfo;
  return typeof protocolVersion === "string" && typeof capabilities === "object" && capabilities !== null && typeof info === "object" && info !== null && typeof info.name === "string" && typeof info.version === "string";
}
__name(isInitializeParams, "isInitializeParams");

// src/cli.ts
function readEnv(name) {
  if (Deno.permissions.querySync({
    name: "env",
    variable: name
  }).state !== "granted") {
    return void 0;
  }
  return Deno.env.get(name);
}
__name(readEnv, "readEnv");
async function within(ms, promise) {
  let timer;
  await Promise.race([
    promise,
    new Promise((done) => timer = setTimeout(done, ms))
  ]);
  clearTimeout(timer);
}
__name(within, "within");
function instructions(config) {
  const { local, limits } = config;
  const where = config.provider === "daytona" ? "in a Daytona cloud sandbox (a Linux container with Python 3) created for this session; its home directory is the working directory" : local.dangerouslyRunUnisolated ? "directly on the server's machine WITHOUT isolation, in a private working directory" : `in an isolated Linux sandbox (bubblewrap) whose home and working directory is ${SANDBOX_HOME}; only that directory and /tmp are writable, the rest of the system is read-only, and you run as the unprivileged user 'sandbox'`;
  const network = config.provider === "daytona" ? "The sandbox has internet access unless it was created with network_block_all." : local.network === "none" ? "The sandbox has no network access." : local.network === "internet" ? `The sandbox reaches public internet addresses through a filtering proxy (HTTP_PROXY and ALL_PROXY are set: pip, git, curl and npm work); this machine's own services and private networks are refused, and a refused connection says why.${local.egress.allowDomains ? ` Only these domains are allowed: ${local.egress.allowDomains.join(", ")}.` : ""}${local.egress.allowHostPorts.length ? ` Ports ${local.egress.allowHostPorts.join(", ")} of this machine are reachable as 127.0.0.1:PORT.` : ""}` : "The sandbox shares the machine's network; pip or apt may still be unavailable if the machine is offline.";
  const kept = config.workspace ? `The sandbox is the persistent workspace '${config.workspace}': its files survive the session and restarts of the server (its processes and Python variables do not).` : config.http?.deployment ? "The sandbox is private to this session and deleted, with everything in it, when the session ends; without a session (protocol 2026-07-28), it is kept until sandbox_delete deletes it, or Daytona after it sat unused for a while." : "The sandbox is private to this session and deleted, with everything in it, when the session ends.";
  return [
    `Commands and Python run ${where}. ${kept}`,
    // Tools are not named here: each tool's description says how to use it, and a tool added to
    // the registry needs no word in this text.
    "Files, background processes and the Python interpreter's variables, imports and functions persist between calls, like a notebook; each tool's description says how to use it.",
    network,
    `Every tool that works in a sandbox takes an optional sandbox_id to work in another sandbox than the session's default one; the sandbox_* tools create, list and delete them${config.http ? "" : ", and persistent workspaces that outlive the session"}.${config.sandboxes.perSession ? ` This session may have ${config.sandboxes.perSession} sandboxes at once, its default one included.` : ""}`,
    `Calls stop after ${limits.defaultTimeout} s unless given a timeout; stdout and stderr are each capped at ${limits.maxOutputBytes} bytes (head and tail kept), so redirect big outputs to files.`,
    ...config.shares.length ? [
      sharesSentence(config)
    ] : []
  ].join("\n");
}
__name(instructions, "instructions");
function sharesSentence(config) {
  const mounted = config.provider === "local";
  const where = mounted ? mountsShares(config) ? ` Inside local sandboxes each is mounted at ${SHARED_ROOT}/<name> (read-only ones cannot be changed there), so commands can use the files directly.` : " Unisolated sandboxes see each at its own path." : "";
  return `The user shared these directories of their machine: ${describeShares(config.shares, mounted && mountsShares(config))}.${where} To copy a file between one and a sandbox without passing its bytes through this conversation (any size), give file_upload a host_path (the path on the user's machine) instead of content, or file_download a host_path to save the file there (read-write directories only); nothing outside these directories is reachable that way.`;
}
__name(sharesSentence, "sharesSentence");
function mountsShares(config) {
  return config.provider === "local" && !config.local.dangerouslyRunUnisolated;
}
__name(mountsShares, "mountsShares");
async function createProvider(config, log) {
  if (config.provider === "daytona") {
    if (Deno.permissions.querySync({
      name: "net"
    }).state !== "granted") {
      throw new TypeError("Cannot use the Daytona provider: Deno may not use the network; start it with --allow-net --allow-env (deno task start:daytona)");
    }
    if (!config.daytona.verifySsl) {
      log.warn("MCP_VERIFY_SSL=false: certificates are still verified; for a self-signed Daytona server start Deno with --unsafely-ignore-certificate-errors=<host> or add its CA with DENO_CERT");
    }
    const { DaytonaProvider } = await import("./daytona.js");
    return new DaytonaProvider({
      apiKey: config.daytona.apiKey,
      apiUrl: config.daytona.apiUrl,
      target: config.daytona.target,
      timeoutSeconds: config.daytona.timeoutSeconds,
      autoStopMinutes: config.daytona.autoStopMinutes,
      deployment: config.http?.deployment,
      log
    });
  }
  if (config.local.network !== "host" && !config.local.dangerouslyRunUnisolated && Deno.permissions.querySync({
    name: "net"
  }).state !== "granted") {
    throw new TypeError(`Cannot start local sandboxes with --network ${config.local.network}: Deno may not use the network, which their egress proxy and web_preview need; start it with --allow-net (deno task start), or use --network host`);
  }
  const local = new LocalProvider({
    ...config.local,
    shares: config.shares,
    uidPerTenant: config.http !== void 0,
    log
  });
  await local.check();
  return local;
}
__name(createProvider, "createProvider");
async function main(args) {
  if (args[0] === "init") {
    const { runInit } = await import("./init.js");
    return await runInit(args.slice(1), readEnv);
  }
  if (args[0] === "doctor") {
    let config2;
    try {
      const command = parseCommand(args.slice(1), readEnv);
      if (command.kind !== "serve") {
        console.log(usage());
        return 0;
      }
      config2 = command.config;
    } catch (error) {
      console.error(error.message);
      return 2;
    }
    const { diagnose, report } = await import("./doctor.js");
    return report(await diagnose(config2), config2.provider);
  }
  let config;
  try {
    const command = parseCommand(args, readEnv);
    if (command.kind === "help") {
      console.log(usage());
      return 0;
    }
    if (command.kind === "version") {
      console.log(`daytona-mcp-interpreter ${VERSION}`);
      return 0;
    }
    config = command.config;
  } catch (error) {
    console.error(`${error.message}

${usage()}`);
    return 2;
  }
  const log = createLogger(config.logLevel);
  for (const notice of config.notices) log.warn(notice);
  const providing = createProvider(config, log);
  providing.catch(() => {
  });
  let stdinEnded = /* @__PURE__ */ __name(() => {
  }, "stdinEnded");
  const told = instructions(config);
  const transport = config.http ? void 0 : new StdioTransport({
    instructions: told,
    onEnd: /* @__PURE__ */ __name(() => stdinEnded(), "onEnd")
  });
  let provider;
  try {
    provider = await providing;
  } catch (error) {
    log.error(error.message);
    return 1;
  }
  if (transport) {
    await within(50, transport.greeted);
    await within(100, transport.initialized);
    await within(15, transport.listed);
  }
  try {
    const counter = new SandboxCounter(config.sandboxes.max);
    const newSession = /* @__PURE__ */ __name((tenant) => {
      const relay = createLogRelay(log);
      const shared = tenant !== void 0 && config.http?.deployment !== void 0;
      const session2 = new SandboxSession(provider, relay.log, {
        maxSandboxes: config.sandboxes.perSession,
        counter,
        // Workspaces are the user's: over HTTP, with several clients, they would be shared.
        workspaces: !config.http,
        workspace: config.workspace,
        ...shared ? {
          shared,
          tenant
        } : {}
      });
      return {
        relay,
        session: session2
      };
    }, "newSession");
    const stdio = transport ? newSession() : void 0;
    const warming = config.provider === "local" ? stdio?.session.warm() : void 0;
    const era = transport ? await transport.era : "legacy";
    if (warming) await within(3e3, warming);
    const { createServer, JSONRPCMessageSchema } = era === "modern" ? {
      createServer: void 0,
      JSONRPCMessageSchema: void 0
    } : await import("./server.js");
    const { TaskRegistry } = await import("./tasks.js");
    const tasks = new TaskRegistry();
    const modernOptions = /* @__PURE__ */ __name((session2, withoutId, owner) => ({
      session: session2,
      withoutId,
      limits: config.limits,
      instructions: told,
      log,
      credentials: config.credentials,
      shares: config.shares,
      // In a deployment any server may get a task's next request: its record lives in its sandbox.
      tasks: {
        registry: tasks,
        owner,
        inSandbox: config.http?.deployment !== void 0
      }
    }), "modernOptions");
    const makeServer = /* @__PURE__ */ __name(({ relay, session: session2 }) => {
      const server2 = createServer({
        tasks,
        session: session2,
        limits: config.limits,
        instructions: told,
        log: relay.log,
        credentials: config.credentials,
        shares: config.shares,
        onLogLevel: relay.setLevel
      });
      relay.attach(server2);
      return {
        session: session2,
        server: server2
      };
    }, "makeServer");
    let stopping = false;
    let stopTransports = /* @__PURE__ */ __name(async () => {
    }, "stopTransports");
    const shutdown = /* @__PURE__ */ __name(async (reason) => {
      if (stopping) return;
      stopping = true;
      log.info(`shutting down: ${reason}`);
      const force = setTimeout(() => Deno.exit(0), 1e4);
      try {
        tasks.close();
        await stopTransports();
        await provider.close();
      } catch (error) {
        log.error(`cleanup failed: ${error.message}`);
      } finally {
        clearTimeout(force);
        await transport?.drain();
        Deno.exit(0);
      }
    }, "shutdown");
    stdinEnded = /* @__PURE__ */ __name(() => setTimeout(() => shutdown("stdin closed"), 250), "stdinEnded");
    Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
    Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
    if (config.http) {
      if (Deno.permissions.querySync({
        name: "net",
        host: config.http.hostname
      }).state !== "granted") {
        log.error(`Cannot serve HTTP: Deno may not listen on ${config.http.hostname}; add --allow-net=${config.http.hostname} (deno task start:http)`);
        return 1;
      }
      const { serveHttp } = await import("./http.js");
      let http;
      try {
        http = serveHttp({
          ...config.http,
          log,
          onSessionEnd: /* @__PURE__ */ __name((id) => tasks.sessionEnded(id), "onSessionEnd")
        }, () => makeServer(newSession()), {
          session: /* @__PURE__ */ __name((tenant) => newSession(tenant).session, "session"),
          load: /* @__PURE__ */ __name(async () => {
            const { createModernHttp, createModernServer } = await import("./modern.js");
            return (session2, tenant) => {
              const owner = `token:${tenant}`;
              return createModernHttp(() => createModernServer(modernOptions(session2, "new", owner)), (error) => log.debug(`2026-07-28 request: ${error.message}`));
            };
          }, "load")
        });
      } catch (error) {
        log.error(error.message);
        return 1;
      }
      stopTransports = /* @__PURE__ */ __name(() => http.close(), "stopTransports");
      log.info(`daytona-mcp-interpreter ${VERSION} serving MCP at ${http.url} (provider: ${config.provider}${config.http.token ? ", bearer token required" : ""}${config.http.deployment ? `, deployment ${config.http.deployment}` : ""})`);
      return await new Promise(() => {
      });
    }
    if (era === "modern") {
      const { createModernServer, serveModernStdio } = await import("./modern.js");
      const { session: session2 } = stdio;
      const served = serveModernStdio(transport, () => createModernServer(modernOptions(session2, "default", "stdio")));
      stopTransports = /* @__PURE__ */ __name(async () => {
        await session2.close();
        await served.close();
      }, "stopTransports");
      log.info(`daytona-mcp-interpreter ${VERSION} ready on stdio, protocol 2026-07-28 (provider: ${config.provider})`);
      return await new Promise(() => {
      });
    }
    const { session, server } = makeServer(stdio);
    stopTransports = /* @__PURE__ */ __name(async () => {
      await session.close();
      await server.close();
    }, "stopTransports");
    transport.validate = (message) => JSONRPCMessageSchema.parse(message);
    await server.connect(transport);
    log.info(`daytona-mcp-interpreter ${VERSION} ready on stdio (provider: ${config.provider})`);
    if (Deno.stdin.isTerminal()) {
      console.error([
        "This is an MCP server: it is waiting for an MCP client to speak JSON-RPC on stdin.",
        "Try it:   npx @modelcontextprotocol/inspector --cli deno task start --method tools/list",
        "Or run a scripted session:   deno task demo",
        "Or connect Claude Desktop, Cursor or Claude Code (see the README). Ctrl-C quits."
      ].join("\n"));
    }
    return await new Promise(() => {
    });
  } catch (error) {
    log.error(`Cannot serve: ${error.message}`);
    await provider.close().catch(() => {
    });
    return 1;
  }
}
__name(main, "main");
if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
export {
  main
};
