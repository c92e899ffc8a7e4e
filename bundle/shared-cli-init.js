// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  isLogLevel
} from "./shared-cli-daytona-doctor-init.js";
import {
  gitTokenWarning,
  normalizeGitHost
} from "./shared-cli-init-modern-server.js";
import {
  checkShareNames,
  parseShare
} from "./shared-cli-doctor-init-modern-server.js";
import {
  WORKSPACE_NAME,
  defaultWorkspacesDir
} from "./shared-cli-daytona-doctor-init-modern-server.js";
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/_options.ts
function scan(args, options) {
  const known = /* @__PURE__ */ new Map();
  for (const option of options) {
    known.set(option.flag, option);
    if (option.short) known.set(`-${option.short}`, option);
  }
  const given = /* @__PURE__ */ new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const long = /^(--[^=]+)(?:=(.*))?$/s.exec(arg);
    if (!long && !/^-[^-]$/.test(arg)) {
      throw new TypeError(`Unexpected argument '${arg}': this command takes only flags`);
    }
    const option = known.get(long ? long[1] : arg);
    if (option === void 0) throw new TypeError(`Unknown option '${arg}'`);
    const inline = long?.[2];
    let text2;
    if (option.switch !== void 0) {
      if (inline !== void 0) {
        throw new TypeError(`Option '${option.flag}' does not take a value`);
      }
      text2 = true;
    } else if (inline !== void 0) {
      text2 = inline;
    } else if (i + 1 < args.length) {
      text2 = args[++i];
    } else {
      throw new TypeError(`Option '${option.flag} <value>' argument missing`);
    }
    const earlier = given.get(option);
    if (option.repeat && earlier && typeof text2 === "string") {
      (earlier.more ??= []).push(text2);
      continue;
    }
    given.set(option, {
      text: text2,
      source: option.flag
    });
  }
  return given;
}
__name(scan, "scan");
function resolve(option, given, env, read) {
  const flag = given.get(option);
  if (flag?.text === true) return {
    value: true,
    source: flag.source
  };
  const [text2, source] = flag ? [
    flag.text,
    flag.source
  ] : [
    option.env ? env(option.env) : void 0,
    option.env
  ];
  if (text2 !== void 0 && (flag || text2 !== "")) {
    const value = option.parse(text2, source);
    if (flag?.more) {
      const values = [
        value ?? [],
        ...flag.more.map((more) => option.parse(more, source) ?? [])
      ];
      return {
        value: values.flat(),
        source
      };
    }
    if (value !== void 0) return {
      value,
      source
    };
  }
  const fallback = option.fallback;
  return {
    value: typeof fallback === "function" ? fallback(read, env) : fallback
  };
}
__name(resolve, "resolve");
function resolveAll(table, given, env) {
  const values = {};
  for (const [key, option] of Object.entries(table)) {
    values[key] = resolve(option, given, env, void 0).value;
  }
  return values;
}
__name(resolveAll, "resolveAll");
function shownDefault(option) {
  const fallback = option.fallback;
  return option.default ?? (typeof fallback === "number" || typeof fallback === "string" ? String(fallback) : void 0);
}
__name(shownDefault, "shownDefault");
function helpRows(options) {
  return options.map((option) => {
    const name = (option.short ? `-${option.short}, ` : "") + option.flag + (option.switch === void 0 ? " <value>" : "");
    const more = [
      option.env && `env ${option.env}${typeof option.switch === "string" ? `=${option.switch}` : ""}`,
      shownDefault(option) && `default: ${shownDefault(option)}`
    ].filter(Boolean).join(", ");
    return `  ${name.padEnd(36)} ${option.description}${more && `
${" ".repeat(39)}${more}`}`;
  });
}
__name(helpRows, "helpRows");
function fail(source, rule, text2) {
  throw new TypeError(`Cannot configure: ${source} must ${rule}, got '${text2}'`);
}
__name(fail, "fail");
function text(value) {
  return value;
}
__name(text, "text");
function nonEmpty(value) {
  return value || void 0;
}
__name(nonEmpty, "nonEmpty");
function oneOf(allowed, said = allowed.join(" or ")) {
  return (value, source) => allowed.includes(value) ? value : fail(source, `be ${said}`, value);
}
__name(oneOf, "oneOf");
function numeric(ok, what) {
  return (value, source) => {
    const number = Number(value);
    return ok(number) ? number : fail(source, `be ${what}`, value);
  };
}
__name(numeric, "numeric");
function bool(value, source) {
  const normal = value.toLowerCase();
  if (normal === "" || normal === "0" || normal === "false") return false;
  if (normal === "1" || normal === "true") return true;
  return fail(source, "be true or false", value);
}
__name(bool, "bool");
function list(entry = (text2) => text2, must = "") {
  return (value, source) => value.split(",").map((text2) => text2.trim()).filter(Boolean).map((text2) => entry(text2) ?? fail(source, must, text2));
}
__name(list, "list");

// src/config.ts
function setting(row) {
  return row;
}
__name(setting, "setting");
var count = numeric((n) => Number.isInteger(n) && n >= 0, "a whole number (0 = no limit)");
var positive = /* @__PURE__ */ __name((max) => numeric((n) => Number.isFinite(n) && n > 0 && n <= max, `a number above 0 and at most ${max}`), "positive");
var ROWS = [
  setting({
    at: "provider",
    flag: "--provider",
    env: "MCP_SANDBOX_PROVIDER",
    parse: oneOf([
      "local",
      "daytona"
    ]),
    fallback: /* @__PURE__ */ __name((read) => read("daytona.apiKey") ? "daytona" : "local", "fallback"),
    default: "daytona with an API key, else local",
    description: "Where sandboxes run: local (bubblewrap on this machine) or daytona (cloud)"
  }),
  setting({
    at: "daytona.apiKey",
    flag: "--daytona-api-key",
    env: "MCP_DAYTONA_API_KEY",
    parse: nonEmpty,
    fallback: /* @__PURE__ */ __name((_, env) => env("DAYTONA_API_KEY") || void 0, "fallback"),
    default: "$DAYTONA_API_KEY",
    description: "Daytona API key (prefer the variable: flags show in process lists)"
  }),
  setting({
    at: "daytona.apiUrl",
    flag: "--daytona-server-url",
    env: "MCP_DAYTONA_SERVER_URL",
    parse: nonEmpty,
    fallback: /* @__PURE__ */ __name((_, env) => env("DAYTONA_API_URL") || "https://app.daytona.io/api", "fallback"),
    default: "$DAYTONA_API_URL, else https://app.daytona.io/api",
    description: "Daytona API URL"
  }),
  setting({
    at: "daytona.target",
    flag: "--daytona-target",
    env: "MCP_DAYTONA_TARGET",
    parse: nonEmpty,
    fallback: /* @__PURE__ */ __name((_, env) => env("DAYTONA_TARGET") || void 0, "fallback"),
    default: "$DAYTONA_TARGET, else the account's default",
    description: "Daytona region for new sandboxes, e.g. us or eu"
  }),
  setting({
    at: "daytona.timeoutSeconds",
    flag: "--daytona-timeout",
    env: "MCP_DAYTONA_TIMEOUT",
    parse: positive(86400),
    fallback: 180,
    description: "Seconds a Daytona API request may take (commands add their own timeout)"
  }),
  setting({
    at: "daytona.autoStopMinutes",
    flag: "--daytona-auto-stop",
    env: "MCP_DAYTONA_AUTO_STOP_MINUTES",
    // Daytona's autoStopInterval: whole minutes, 0 meaning never, at most 30 days.
    parse: numeric((n) => Number.isInteger(n) && n >= 0 && n <= 43200, "whole minutes from 0 (never) to 43200"),
    fallback: 15,
    description: "Minutes without calls before Daytona stops a sandbox (0 = never); the next call starts it again, with a fresh interpreter"
  }),
  setting({
    at: "daytona.verifySsl",
    flag: "--verify-ssl",
    env: "MCP_VERIFY_SSL",
    parse: bool,
    fallback: true,
    default: "true",
    description: "Verify the TLS certificates of the Daytona API; Deno always does, so false only warns: a self-signed server needs Deno's --unsafely-ignore-certificate-errors or DENO_CERT"
  }),
  setting({
    at: "local.network",
    flag: "--network",
    env: "MCP_SANDBOX_NETWORK",
    parse: oneOf([
      "internet",
      "none",
      "host"
    ]),
    fallback: "internet",
    description: "Local sandbox network: internet (public addresses only, through a filtering proxy), none, or host (this machine's network, shared: unsafe; with --http it needs a token)"
  }),
  setting({
    at: "local.egress.allowDomains",
    flag: "--network-allow",
    env: "MCP_SANDBOX_NETWORK_ALLOW",
    parse: list(),
    fallback: void 0,
    default: "any public address",
    description: "Comma-separated domains local sandboxes may reach (*.example.org for subdomains), in the internet mode"
  }),
  setting({
    at: "local.egress.allowHostPorts",
    flag: "--allow-host-port",
    env: "MCP_SANDBOX_ALLOW_HOST_PORTS",
    parse: list((entry) => {
      const port = Number(entry);
      return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : void 0;
    }, "list ports from 1 to 65535"),
    fallback: [],
    default: "none",
    description: "Comma-separated ports of this machine's 127.0.0.1 that local sandboxes reach on purpose (a database, a model server), as 127.0.0.1:PORT inside"
  }),
  setting({
    at: "shares",
    flag: "--share",
    env: "MCP_SHARE",
    repeat: true,
    parse: /* @__PURE__ */ __name((value, source) => value.split(",").map((entry) => entry.trim()).filter(Boolean).map((entry) => parseShare(entry, source)), "parse"),
    fallback: [],
    default: "none",
    description: "A directory of this machine to share, DIR or DIR:rw (read-only unless :rw; repeatable, the variable comma-separated): local sandboxes see it at /shared/<name>, and file_upload/file_download move files between it and any sandbox with host_path"
  }),
  setting({
    at: "local.baseDir",
    flag: "--sandbox-dir",
    env: "MCP_SANDBOX_DIR",
    parse: text,
    fallback: "/tmp",
    description: "Host directory that holds the local sandboxes' files"
  }),
  setting({
    at: "local.workspacesDir",
    flag: "--workspace-dir",
    env: "MCP_WORKSPACE_DIR",
    parse: /* @__PURE__ */ __name((value, source) => value.startsWith("/") ? value.replace(/(.)\/+$/, "$1") : fail(source, "be an absolute path", value), "parse"),
    fallback: /* @__PURE__ */ __name((_, env) => defaultWorkspacesDir(env), "fallback"),
    default: "$XDG_DATA_HOME/daytona-mcp-interpreter/workspaces, else ~/.local/share/\u2026",
    description: "Host directory that keeps the local provider's persistent workspaces, one directory each"
  }),
  setting({
    at: "local.python",
    flag: "--python",
    env: "MCP_SANDBOX_PYTHON",
    parse: text,
    fallback: "/usr/bin/python3",
    description: "Python interpreter used inside local sandboxes"
  }),
  setting({
    at: "local.limits.memoryMb",
    flag: "--memory-limit-mb",
    env: "MCP_SANDBOX_MEMORY_MB",
    parse: count,
    fallback: 8192,
    description: "Local sandboxes: address space per process, in MiB (0 = no limit)"
  }),
  setting({
    at: "local.limits.processes",
    flag: "--max-processes",
    env: "MCP_SANDBOX_MAX_PROCESSES",
    parse: count,
    fallback: 1024,
    description: "Local sandboxes: processes of the sandbox user at once (0 = no limit)"
  }),
  setting({
    at: "local.limits.fileMb",
    flag: "--max-file-size-mb",
    env: "MCP_SANDBOX_MAX_FILE_MB",
    parse: count,
    fallback: 4096,
    description: "Local sandboxes: largest file a process may write, in MiB (0 = no limit)"
  }),
  setting({
    at: "local.budget.memoryMb",
    flag: "--sandbox-memory-mb",
    env: "MCP_SANDBOX_BUDGET_MEMORY_MB",
    parse: count,
    fallback: 2048,
    description: "Local sandboxes: memory of all of one sandbox's processes and RAM files (/dev/shm), in MiB (0 = no budget)"
  }),
  setting({
    at: "local.budget.processes",
    flag: "--sandbox-pids",
    env: "MCP_SANDBOX_BUDGET_PIDS",
    parse: count,
    fallback: 512,
    description: "Local sandboxes: processes and threads of one sandbox at once (0 = no budget)"
  }),
  setting({
    at: "local.budget.cpus",
    flag: "--sandbox-cpus",
    env: "MCP_SANDBOX_BUDGET_CPUS",
    // Fractions of a core are fine.
    parse: numeric((n) => Number.isFinite(n) && n >= 0 && n <= 1024, "a number of cores from 0 (no budget) to 1024"),
    fallback: 2,
    description: "Local sandboxes: CPU time of one sandbox, in cores (0 = no budget)"
  }),
  setting({
    at: "local.budget.diskGb",
    flag: "--sandbox-disk-gb",
    env: "MCP_SANDBOX_BUDGET_DISK_GB",
    parse: count,
    fallback: 3,
    description: "Local sandboxes: bytes of one sandbox's home and /tmp, in GiB (0 = no budget; needs root)"
  }),
  setting({
    at: "sandboxes.max",
    flag: "--max-sandboxes",
    env: "MCP_MAX_SANDBOXES",
    parse: count,
    fallback: 16,
    description: "Sandboxes open at once across all sessions, those being created included (0 = no limit)"
  }),
  setting({
    at: "sandboxes.perSession",
    flag: "--max-sandboxes-per-session",
    env: "MCP_MAX_SANDBOXES_PER_SESSION",
    parse: count,
    fallback: 4,
    description: "Sandboxes one session may have at once, its default one included (0 = no limit)"
  }),
  setting({
    at: "workspace",
    flag: "--workspace",
    env: "MCP_WORKSPACE",
    parse: /* @__PURE__ */ __name((value, source) => WORKSPACE_NAME.test(value) ? value : fail(source, "be a workspace name: lower-case letters, digits, '.', '_', '-'", value), "parse"),
    fallback: void 0,
    default: "none: a throw-away sandbox",
    description: "Make the session's default sandbox the persistent workspace of this name (made if new, attached again if not): its files survive restarts. Over stdio only"
  }),
  setting({
    at: "limits.defaultTimeout",
    flag: "--timeout",
    env: "MCP_DEFAULT_TIMEOUT",
    parse: positive(86400),
    fallback: 300,
    description: "Seconds before a call without its own timeout is stopped"
  }),
  setting({
    at: "limits.maxOutputBytes",
    flag: "--max-output",
    env: "MCP_MAX_OUTPUT_BYTES",
    parse: positive(4e6),
    fallback: 1e5,
    description: "Bytes of stdout, and of stderr, kept per call (head and tail)"
  }),
  setting({
    at: "limits.maxImageBytes",
    flag: "--max-image",
    env: "MCP_MAX_IMAGE_BYTES",
    parse: positive(4e6),
    fallback: 4e5,
    description: "Largest PNG returned per figure (larger ones are re-rendered smaller)"
  }),
  setting({
    // The switch of the http group: the settings below it are read only when it is on.
    at: "http",
    flag: "--http",
    env: "MCP_TRANSPORT",
    switch: "http",
    parse: /* @__PURE__ */ __name((value, source) => oneOf([
      "stdio",
      "http"
    ])(value, source) === "http", "parse"),
    fallback: false,
    default: "stdio",
    description: "Serve Streamable HTTP at /mcp instead of stdio"
  }),
  setting({
    at: "http.hostname",
    flag: "--host",
    env: "MCP_HTTP_HOST",
    parse: text,
    fallback: "127.0.0.1",
    description: "HTTP address to listen on; anything but loopback requires a token"
  }),
  setting({
    at: "http.port",
    flag: "--port",
    env: "MCP_HTTP_PORT",
    parse: numeric((n) => Number.isInteger(n) && n >= 0 && n <= 65535, "a port from 0 to 65535"),
    fallback: 8765,
    description: "HTTP port"
  }),
  setting({
    at: "http.token",
    flag: "--auth-token",
    env: "MCP_AUTH_TOKEN",
    parse: text,
    fallback: void 0,
    default: "none",
    description: "Bearer token HTTP clients must send (prefer the variable)"
  }),
  setting({
    at: "http.idleMinutes",
    flag: "--idle-minutes",
    env: "MCP_HTTP_IDLE_MINUTES",
    parse: positive(10080),
    fallback: 30,
    description: "End an HTTP session (and delete its sandboxes) after this many minutes without calls"
  }),
  setting({
    at: "http.deployment",
    flag: "--deployment",
    env: "MCP_DEPLOYMENT",
    parse: /* @__PURE__ */ __name((value, source) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value) ? value : fail(source, "be letters, digits, '.', '_' or '-' (at most 63)", value), "parse"),
    fallback: void 0,
    default: "none: each server's sandboxes are its own",
    description: "Daytona only: the id of a deployment of several servers behind one balancer; they share the sandboxes of 2026-07-28 clients, which outlive the server that made them (see Scaling out over HTTP)"
  }),
  setting({
    at: "http.allowedOrigins",
    flag: "--allowed-origins",
    env: "MCP_ALLOWED_ORIGINS",
    parse: list(),
    fallback: [],
    default: "local origins only",
    description: "Comma-separated browser origins to accept besides localhost ones"
  }),
  setting({
    at: "http.allowedHosts",
    flag: "--allowed-hosts",
    env: "MCP_ALLOWED_HOSTS",
    parse: list(),
    fallback: [],
    default: "the listening address and localhost",
    description: "Comma-separated Host header values to accept, e.g. a name behind a proxy"
  }),
  setting({
    at: "credentials.gitTokenHosts",
    flag: "--git-token-hosts",
    env: "MCP_GIT_TOKEN_HOSTS",
    parse: list((entry) => {
      try {
        return normalizeGitHost(entry);
      } catch {
        return void 0;
      }
    }, "list host or host:port names"),
    fallback: [],
    default: "none: GIT_TOKEN is sent nowhere",
    description: "Comma-separated host or host:port names GIT_TOKEN is sent to (over https only), e.g. gitlab.example.com"
  }),
  setting({
    at: "logLevel",
    flag: "--log-level",
    env: "MCP_LOG_LEVEL",
    parse: /* @__PURE__ */ __name((value, source) => isLogLevel(value) ? value : fail(source, "be error, warn, info or debug", value), "parse"),
    fallback: "info",
    description: "error, warn, info or debug (logs go to stderr)"
  }),
  setting({
    at: "local.dangerouslyRunUnisolated",
    flag: "--dangerously-run-unisolated",
    env: "MCP_DANGEROUSLY_RUN_UNISOLATED",
    switch: "1",
    parse: bool,
    fallback: false,
    default: "off",
    description: "Without bubblewrap, run commands directly on this machine as your user. Unsafe: the model can read and change your files"
  })
];
var ROW_AT = new Map(ROWS.map((row) => [
  row.at,
  row
]));
var parentOf = /* @__PURE__ */ __name((at) => at.slice(0, Math.max(0, at.lastIndexOf("."))), "parentOf");
var COMMAND_OPTIONS = {
  help: {
    flag: "--help",
    short: "h",
    switch: true,
    parse: bool,
    fallback: false,
    description: "Show this help"
  },
  version: {
    flag: "--version",
    short: "V",
    switch: true,
    parse: bool,
    fallback: false,
    description: "Show the version"
  }
};
var SETTINGS = ROWS.map((row) => ({
  flag: row.flag,
  env: row.env,
  default: shownDefault(row),
  description: row.description,
  ...row.switch !== void 0 && {
    switch: row.switch
  }
}));
function parseCommand(args, env) {
  return parseCommandWith(args, env, {}).command;
}
__name(parseCommand, "parseCommand");
function parseCommandWith(args, env, more) {
  const given = scan(args, [
    ...ROWS,
    ...Object.values(more),
    ...Object.values(COMMAND_OPTIONS)
  ]);
  const options = resolveAll(more, given, env);
  const { help, version } = resolveAll(COMMAND_OPTIONS, given, env);
  if (help) return {
    command: {
      kind: "help"
    },
    options
  };
  if (version) return {
    command: {
      kind: "version"
    },
    options
  };
  return {
    command: {
      kind: "serve",
      config: readConfig(given, env)
    },
    options
  };
}
__name(parseCommandWith, "parseCommandWith");
function readConfig(given, env) {
  const values = /* @__PURE__ */ new Map();
  const read = /* @__PURE__ */ __name((at) => {
    if (!values.has(at)) values.set(at, resolve(ROW_AT.get(at), given, env, read));
    return values.get(at).value;
  }, "read");
  const tree = {};
  for (const { at } of ROWS) {
    const group = parentOf(at);
    if (ROW_AT.has(group) && !read(group)) continue;
    const value = read(at);
    const isSwitch = ROWS.some((row) => parentOf(row.at) === at);
    let node = tree;
    const path = at.split(".");
    for (const key of path.slice(0, -1)) node = node[key] ??= {};
    node[path.at(-1)] = isSwitch ? value ? {} : void 0 : value;
  }
  const config = tree;
  const sourceOf = /* @__PURE__ */ __name((at) => values.get(at)?.source, "sourceOf");
  if (config.provider === "daytona" && !config.daytona.apiKey) {
    throw new TypeError("Cannot use the Daytona provider: no API key; set MCP_DAYTONA_API_KEY (or DAYTONA_API_KEY) to your key from https://app.daytona.io/dashboard/keys");
  }
  const { http, local } = config;
  if (http && !http.token && config.provider === "local") {
    if (local.dangerouslyRunUnisolated) {
      throw new TypeError("Cannot serve HTTP without a token when running unisolated: commands run directly on this machine, so code the model runs could open its own MCP session on this server and drive it; set MCP_AUTH_TOKEN");
    }
    if (local.network === "host") {
      throw new TypeError(`Cannot serve HTTP without a token with ${sourceOf("local.network")} host: code in a sandbox would share this machine's network, so it could open its own MCP session on this server and drive it; set MCP_AUTH_TOKEN (clients then send it as a bearer token), or use --network internet`);
    }
    if (local.network === "internet" && local.egress.allowHostPorts.includes(http.port)) {
      throw new TypeError(`Cannot serve HTTP without a token on port ${http.port} and open that port to sandboxes (${sourceOf("local.egress.allowHostPorts")}): code in a sandbox could open its own MCP session on this server and drive it; set MCP_AUTH_TOKEN or open another port`);
    }
  }
  if (http?.deployment !== void 0 && config.provider !== "daytona") {
    throw new TypeError(`Cannot use ${sourceOf("http.deployment")} with the ${config.provider} provider: servers share sandboxes through Daytona; use the daytona provider`);
  }
  if (config.workspace !== void 0 && http) {
    throw new TypeError(`Cannot use ${sourceOf("workspace")} with --http: a server over HTTP may have several clients, and a persistent workspace would be shared between them; persistent workspaces are available over stdio`);
  }
  checkShareNames(config.shares);
  const credentials = {
    gitToken: env("GIT_TOKEN") || void 0,
    githubToken: env("GITHUB_TOKEN") || void 0,
    gitTokenHosts: config.credentials.gitTokenHosts
  };
  const tokenWarning = gitTokenWarning(credentials);
  return {
    ...config,
    credentials,
    notices: tokenWarning ? [
      tokenWarning
    ] : []
  };
}
__name(readConfig, "readConfig");
function usage() {
  return [
    "daytona-mcp-interpreter: an MCP server that gives AI assistants a sandboxed computer",
    "(shell commands, stateful Python with charts) over stdio.",
    "",
    "Usage: deno task start [options]",
    "       deno task doctor [options]     check this machine for the chosen provider",
    "       deno task init [options]       print (or write) MCP client configuration;",
    "                                      deno task init --help lists its own options",
    "",
    "Options:",
    ...helpRows([
      ...ROWS,
      ...Object.values(COMMAND_OPTIONS)
    ]),
    ""
  ].join("\n");
}
__name(usage, "usage");

export {
  helpRows,
  text,
  oneOf,
  bool,
  parseCommand,
  parseCommandWith,
  usage
};
