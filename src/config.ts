/**
 * Configuration: command-line flags and `MCP_*` environment variables, parsed once into a typed
 * object that is passed down. A flag wins over its variable.
 *
 * One table says, once for each setting, its flag, its variable, how its text is read and checked,
 * its default, what it means and where it goes in {@linkcode Config}; parsing, `--help`,
 * {@linkcode SETTINGS} and (through a test) the README's table all follow from it.
 *
 * @module
 */

import { gitTokenWarning, normalizeGitHost } from "./_git_credentials.ts";
import { isLogLevel, type LogLevel } from "./log.ts";
import { checkShareNames, parseShare, type SharedDirectory } from "./shares.ts";
import { defaultWorkspacesDir, WORKSPACE_NAME } from "./workspace.ts";
import type { ToolCredentials, ToolLimits } from "./registry.ts";
import {
  bool,
  type Env,
  fail,
  type Given,
  helpRows,
  list,
  nonEmpty,
  numeric,
  oneOf,
  type Option,
  resolve,
  resolveAll,
  scan,
  shownDefault,
  text,
  type Values,
} from "./_options.ts";

/**
 * The server's configuration.
 *
 * @example Make a local provider as the server would
 * ```ts
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * import { LocalProvider, parseCommand } from "../mod.ts";
 * const args = ["--network", "none", "--memory-limit-mb", "2048"];
 * const command = parseCommand(args, () => undefined);
 * assert(command.kind === "serve");
 * assertEquals(command.config.provider, "local");
 * const { network, baseDir, python, limits } = command.config.local;
 * assertEquals([network, limits.memoryMb], ["none", 2048]);
 * await using provider = new LocalProvider({ network, baseDir, python, limits });
 * ```
 */
export interface Config {
  /** Where sandboxes come from. */
  provider: "local" | "daytona";
  /** Settings of the Daytona provider. */
  daytona: {
    /** The API key, if one is configured. */
    apiKey?: string;
    apiUrl: string;
    target?: string;
    timeoutSeconds: number;
    /** Idle minutes before Daytona stops a sandbox; 0 never stops it. */
    autoStopMinutes: number;
    /** MCP_VERIFY_SSL. TLS is verified unless Deno itself is told otherwise. */
    verifySsl: boolean;
  };
  /** Settings of the local provider. */
  local: {
    network: "internet" | "none" | "host";
    /** The egress policy of the `internet` mode. */
    egress: { allowDomains?: string[]; allowHostPorts: number[] };
    baseDir: string;
    /** Where persistent workspaces live; undefined when it cannot be worked out (no HOME). */
    workspacesDir?: string;
    python: string;
    dangerouslyRunUnisolated: boolean;
    limits: { memoryMb: number; processes: number; fileMb: number };
    /** What each sandbox may use as a whole (control groups); 0 leaves one uncapped. */
    budget: { memoryMb: number; processes: number; cpus: number; diskGb: number };
  };
  /**
   * Directories of this machine shared on purpose: mounted into local sandboxes at
   * `/shared/<name>`, and reachable on either provider through file_upload's and file_download's
   * `host_path`.
   */
  shares: readonly SharedDirectory[];
  /** Limits applied to every tool call. */
  limits: ToolLimits;
  /** The persistent workspace that is the session's default sandbox (stdio only). */
  workspace?: string;
  /** Caps on open sandboxes (those being created included); 0 means no cap. */
  sandboxes: {
    /** Across all sessions of the server. */
    max: number;
    /** Per session, its default sandbox included. */
    perSession: number;
  };
  /** How much the server logs to stderr. */
  logLevel: LogLevel;
  /** Streamable HTTP instead of stdio, when set. */
  http?: {
    hostname: string;
    port: number;
    token?: string;
    idleMinutes: number;
    /**
     * The deployment whose servers (replicas behind one balancer) share their Daytona sandboxes;
     * unset, each server's sandboxes are its own.
     */
    deployment?: string;
    allowedHosts: string[];
    allowedOrigins: string[];
  };
  /**
   * Git tokens from GIT_TOKEN and GITHUB_TOKEN, for git_clone of private repositories, and the
   * hosts GIT_TOKEN goes to.
   */
  credentials: ToolCredentials;
  /** What the server should log at start: settings chosen for the user, and why. */
  notices: string[];
}

/**
 * What the command line asked for: serve with a configuration, or print help or the version.
 *
 * @example Act on the command line
 * ```ts
 * import { equal as assertEqual } from "node:assert/strict";
 * import { type Command, parseCommand } from "../mod.ts";
 * const command: Command = parseCommand(["--version"], () => undefined);
 * assertEqual(command.kind, "version");
 * assertEqual(parseCommand(["-h"], () => undefined).kind, "help");
 * ```
 */
export type Command =
  | { kind: "serve"; config: Config }
  | { kind: "help" }
  | { kind: "version" };

/**
 * One configuration setting: its flag, its environment variable, its default and its meaning.
 *
 * @example Look up a setting by its flag
 * ```ts
 * import { equal as assertEqual } from "node:assert/strict";
 * import { type Setting, SETTINGS } from "../mod.ts";
 * const network: Setting | undefined = SETTINGS.find((setting) => setting.flag === "--network");
 * assertEqual(network?.env, "MCP_SANDBOX_NETWORK");
 * assertEqual(network?.default, "internet");
 * ```
 */
export interface Setting {
  /** The command-line flag, e.g. "--network". */
  flag: string;
  /** The environment variable, e.g. "MCP_SANDBOX_NETWORK". */
  env: string;
  /** The default, as shown to people. */
  default: string;
  /** What it does. */
  description: string;
  /**
   * Set when the flag takes no value: what the variable is set to instead, e.g. "1" for
   * `MCP_DANGEROUSLY_RUN_UNISOLATED=1`.
   */
  switch?: string;
}

// Where a setting can go in Config: the dotted path of each field and the field's type. An
// optional group (`http`) takes a switch: the group exists when it is on.
type Leaf = string | number | boolean | readonly unknown[] | undefined;
type Slots<T, P extends string = ""> = {
  [K in keyof T & string]-?: T[K] extends Leaf ? [`${P}${K}`, T[K]]
    : undefined extends T[K] ? [`${P}${K}`, boolean] | Slots<Exclude<T[K], undefined>, `${P}${K}.`>
    : Slots<T[K], `${P}${K}.`>;
}[keyof T & string];
type Slot = Slots<Config>[0];
type SlotType<P extends Slot> = Extract<Slots<Config>, [P, unknown]>[1];
/** Reads another setting, for a default that depends on it. */
type Read = <P extends Slot>(at: P) => SlotType<P>;

/**
 * A row of the table: a setting and where its value goes in Config. Its default is shown as its
 * fallback unless it says otherwise.
 */
interface Row<P extends Slot> extends Option<SlotType<P>, Read> {
  at: P;
  env: string;
  switch?: string;
}

function setting<P extends Slot>(row: Row<P>): Row<P> {
  return row;
}

const count = numeric((n) => Number.isInteger(n) && n >= 0, "a whole number (0 = no limit)");
const positive = (max: number) =>
  numeric((n) => Number.isFinite(n) && n > 0 && n <= max, `a number above 0 and at most ${max}`);

/** The settings, in the order of `--help` and the README. */
const ROWS = [
  setting({
    at: "provider",
    flag: "--provider",
    env: "MCP_SANDBOX_PROVIDER",
    parse: oneOf(["local", "daytona"]),
    fallback: (read) => read("daytona.apiKey") ? "daytona" : "local",
    default: "daytona with an API key, else local",
    description: "Where sandboxes run: local (bubblewrap on this machine) or daytona (cloud)",
  }),
  setting({
    at: "daytona.apiKey",
    flag: "--daytona-api-key",
    env: "MCP_DAYTONA_API_KEY",
    parse: nonEmpty,
    fallback: (_, env) => env("DAYTONA_API_KEY") || undefined,
    default: "$DAYTONA_API_KEY",
    description: "Daytona API key (prefer the variable: flags show in process lists)",
  }),
  setting({
    at: "daytona.apiUrl",
    flag: "--daytona-server-url",
    env: "MCP_DAYTONA_SERVER_URL",
    parse: nonEmpty,
    fallback: (_, env) => env("DAYTONA_API_URL") || "https://app.daytona.io/api",
    default: "$DAYTONA_API_URL, else https://app.daytona.io/api",
    description: "Daytona API URL",
  }),
  setting({
    at: "daytona.target",
    flag: "--daytona-target",
    env: "MCP_DAYTONA_TARGET",
    parse: nonEmpty,
    fallback: (_, env) => env("DAYTONA_TARGET") || undefined,
    default: "$DAYTONA_TARGET, else the account's default",
    description: "Daytona region for new sandboxes, e.g. us or eu",
  }),
  setting({
    at: "daytona.timeoutSeconds",
    flag: "--daytona-timeout",
    env: "MCP_DAYTONA_TIMEOUT",
    parse: positive(86_400),
    fallback: 180,
    description: "Seconds a Daytona API request may take (commands add their own timeout)",
  }),
  setting({
    at: "daytona.autoStopMinutes",
    flag: "--daytona-auto-stop",
    env: "MCP_DAYTONA_AUTO_STOP_MINUTES",
    // Daytona's autoStopInterval: whole minutes, 0 meaning never, at most 30 days.
    parse: numeric(
      (n) => Number.isInteger(n) && n >= 0 && n <= 43_200,
      "whole minutes from 0 (never) to 43200",
    ),
    fallback: 15,
    description:
      "Minutes without calls before Daytona stops a sandbox (0 = never); the next call starts it again, with a fresh interpreter",
  }),
  setting({
    at: "daytona.verifySsl",
    flag: "--verify-ssl",
    env: "MCP_VERIFY_SSL",
    parse: bool,
    fallback: true,
    default: "true",
    description:
      "Verify the TLS certificates of the Daytona API; Deno always does, so false only warns: a self-signed server needs Deno's --unsafely-ignore-certificate-errors or DENO_CERT",
  }),
  setting({
    at: "local.network",
    flag: "--network",
    env: "MCP_SANDBOX_NETWORK",
    parse: oneOf(["internet", "none", "host"]),
    fallback: "internet",
    description:
      "Local sandbox network: internet (public addresses only, through a filtering proxy), none, or host (this machine's network, shared: unsafe; with --http it needs a token)",
  }),
  setting({
    at: "local.egress.allowDomains",
    flag: "--network-allow",
    env: "MCP_SANDBOX_NETWORK_ALLOW",
    parse: list(),
    fallback: undefined,
    default: "any public address",
    description:
      "Comma-separated domains local sandboxes may reach (*.example.org for subdomains), in the internet mode",
  }),
  setting({
    at: "local.egress.allowHostPorts",
    flag: "--allow-host-port",
    env: "MCP_SANDBOX_ALLOW_HOST_PORTS",
    parse: list((entry) => {
      const port = Number(entry);
      return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
    }, "list ports from 1 to 65535"),
    fallback: [],
    default: "none",
    description:
      "Comma-separated ports of this machine's 127.0.0.1 that local sandboxes reach on purpose (a database, a model server), as 127.0.0.1:PORT inside",
  }),
  setting({
    at: "shares",
    flag: "--share",
    env: "MCP_SHARE",
    repeat: true,
    parse: (value, source) =>
      value.split(",").map((entry) => entry.trim()).filter(Boolean).map((entry) =>
        parseShare(entry, source)
      ),
    fallback: [],
    default: "none",
    description:
      "A directory of this machine to share, DIR or DIR:rw (read-only unless :rw; repeatable, the variable comma-separated): local sandboxes see it at /shared/<name>, and file_upload/file_download move files between it and any sandbox with host_path",
  }),
  setting({
    at: "local.baseDir",
    flag: "--sandbox-dir",
    env: "MCP_SANDBOX_DIR",
    parse: text,
    fallback: "/tmp",
    description: "Host directory that holds the local sandboxes' files",
  }),
  setting({
    at: "local.workspacesDir",
    flag: "--workspace-dir",
    env: "MCP_WORKSPACE_DIR",
    parse: (value, source) =>
      value.startsWith("/")
        ? value.replace(/(.)\/+$/, "$1")
        : fail(source, "be an absolute path", value),
    fallback: (_, env) => defaultWorkspacesDir(env),
    default: "$XDG_DATA_HOME/daytona-mcp-interpreter/workspaces, else ~/.local/share/…",
    description:
      "Host directory that keeps the local provider's persistent workspaces, one directory each",
  }),
  setting({
    at: "local.python",
    flag: "--python",
    env: "MCP_SANDBOX_PYTHON",
    parse: text,
    fallback: "/usr/bin/python3",
    description: "Python interpreter used inside local sandboxes",
  }),
  setting({
    at: "local.limits.memoryMb",
    flag: "--memory-limit-mb",
    env: "MCP_SANDBOX_MEMORY_MB",
    parse: count,
    fallback: 8192,
    description: "Local sandboxes: address space per process, in MiB (0 = no limit)",
  }),
  setting({
    at: "local.limits.processes",
    flag: "--max-processes",
    env: "MCP_SANDBOX_MAX_PROCESSES",
    parse: count,
    fallback: 1024,
    description: "Local sandboxes: processes of the sandbox user at once (0 = no limit)",
  }),
  setting({
    at: "local.limits.fileMb",
    flag: "--max-file-size-mb",
    env: "MCP_SANDBOX_MAX_FILE_MB",
    parse: count,
    fallback: 4096,
    description: "Local sandboxes: largest file a process may write, in MiB (0 = no limit)",
  }),
  setting({
    at: "local.budget.memoryMb",
    flag: "--sandbox-memory-mb",
    env: "MCP_SANDBOX_BUDGET_MEMORY_MB",
    parse: count,
    fallback: 2048,
    description:
      "Local sandboxes: memory of all of one sandbox's processes and RAM files (/dev/shm), in MiB (0 = no budget)",
  }),
  setting({
    at: "local.budget.processes",
    flag: "--sandbox-pids",
    env: "MCP_SANDBOX_BUDGET_PIDS",
    parse: count,
    fallback: 512,
    description: "Local sandboxes: processes and threads of one sandbox at once (0 = no budget)",
  }),
  setting({
    at: "local.budget.cpus",
    flag: "--sandbox-cpus",
    env: "MCP_SANDBOX_BUDGET_CPUS",
    // Fractions of a core are fine.
    parse: numeric(
      (n) => Number.isFinite(n) && n >= 0 && n <= 1024,
      "a number of cores from 0 (no budget) to 1024",
    ),
    fallback: 2,
    description: "Local sandboxes: CPU time of one sandbox, in cores (0 = no budget)",
  }),
  setting({
    at: "local.budget.diskGb",
    flag: "--sandbox-disk-gb",
    env: "MCP_SANDBOX_BUDGET_DISK_GB",
    parse: count,
    fallback: 3,
    description:
      "Local sandboxes: bytes of one sandbox's home and /tmp, in GiB (0 = no budget; needs root)",
  }),
  setting({
    at: "sandboxes.max",
    flag: "--max-sandboxes",
    env: "MCP_MAX_SANDBOXES",
    parse: count,
    fallback: 16,
    description:
      "Sandboxes open at once across all sessions, those being created included (0 = no limit)",
  }),
  setting({
    at: "sandboxes.perSession",
    flag: "--max-sandboxes-per-session",
    env: "MCP_MAX_SANDBOXES_PER_SESSION",
    parse: count,
    fallback: 4,
    description: "Sandboxes one session may have at once, its default one included (0 = no limit)",
  }),
  setting({
    at: "workspace",
    flag: "--workspace",
    env: "MCP_WORKSPACE",
    parse: (value, source) =>
      WORKSPACE_NAME.test(value)
        ? value
        : fail(source, "be a workspace name: lower-case letters, digits, '.', '_', '-'", value),
    fallback: undefined,
    default: "none: a throw-away sandbox",
    description:
      "Make the session's default sandbox the persistent workspace of this name (made if new, attached again if not): its files survive restarts. Over stdio only",
  }),
  setting({
    at: "limits.defaultTimeout",
    flag: "--timeout",
    env: "MCP_DEFAULT_TIMEOUT",
    parse: positive(86_400),
    fallback: 300,
    description: "Seconds before a call without its own timeout is stopped",
  }),
  setting({
    at: "limits.maxOutputBytes",
    flag: "--max-output",
    env: "MCP_MAX_OUTPUT_BYTES",
    parse: positive(4_000_000),
    fallback: 100_000,
    description: "Bytes of stdout, and of stderr, kept per call (head and tail)",
  }),
  setting({
    at: "limits.maxImageBytes",
    flag: "--max-image",
    env: "MCP_MAX_IMAGE_BYTES",
    parse: positive(4_000_000),
    fallback: 400_000,
    description: "Largest PNG returned per figure (larger ones are re-rendered smaller)",
  }),
  setting({
    // The switch of the http group: the settings below it are read only when it is on.
    at: "http",
    flag: "--http",
    env: "MCP_TRANSPORT",
    switch: "http",
    parse: (value, source) => oneOf(["stdio", "http"])(value, source) === "http",
    fallback: false,
    default: "stdio",
    description: "Serve Streamable HTTP at /mcp instead of stdio",
  }),
  setting({
    at: "http.hostname",
    flag: "--host",
    env: "MCP_HTTP_HOST",
    parse: text,
    fallback: "127.0.0.1",
    description: "HTTP address to listen on; anything but loopback requires a token",
  }),
  setting({
    at: "http.port",
    flag: "--port",
    env: "MCP_HTTP_PORT",
    parse: numeric((n) => Number.isInteger(n) && n >= 0 && n <= 65535, "a port from 0 to 65535"),
    fallback: 8765,
    description: "HTTP port",
  }),
  setting({
    at: "http.token",
    flag: "--auth-token",
    env: "MCP_AUTH_TOKEN",
    parse: text,
    fallback: undefined,
    default: "none",
    description: "Bearer token HTTP clients must send (prefer the variable)",
  }),
  setting({
    at: "http.idleMinutes",
    flag: "--idle-minutes",
    env: "MCP_HTTP_IDLE_MINUTES",
    parse: positive(10_080),
    fallback: 30,
    description:
      "End an HTTP session (and delete its sandboxes) after this many minutes without calls",
  }),
  setting({
    at: "http.deployment",
    flag: "--deployment",
    env: "MCP_DEPLOYMENT",
    parse: (value, source) =>
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)
        ? value
        : fail(source, "be letters, digits, '.', '_' or '-' (at most 63)", value),
    fallback: undefined,
    default: "none: each server's sandboxes are its own",
    description:
      "Daytona only: the id of a deployment of several servers behind one balancer; they share the sandboxes of 2026-07-28 clients, which outlive the server that made them (see Scaling out over HTTP)",
  }),
  setting({
    at: "http.allowedOrigins",
    flag: "--allowed-origins",
    env: "MCP_ALLOWED_ORIGINS",
    parse: list(),
    fallback: [],
    default: "local origins only",
    description: "Comma-separated browser origins to accept besides localhost ones",
  }),
  setting({
    at: "http.allowedHosts",
    flag: "--allowed-hosts",
    env: "MCP_ALLOWED_HOSTS",
    parse: list(),
    fallback: [],
    default: "the listening address and localhost",
    description: "Comma-separated Host header values to accept, e.g. a name behind a proxy",
  }),
  setting({
    at: "credentials.gitTokenHosts",
    flag: "--git-token-hosts",
    env: "MCP_GIT_TOKEN_HOSTS",
    parse: list((entry) => {
      try {
        return normalizeGitHost(entry);
      } catch {
        return undefined;
      }
    }, "list host or host:port names"),
    fallback: [],
    default: "none: GIT_TOKEN is sent nowhere",
    description:
      "Comma-separated host or host:port names GIT_TOKEN is sent to (over https only), e.g. gitlab.example.com",
  }),
  setting({
    at: "logLevel",
    flag: "--log-level",
    env: "MCP_LOG_LEVEL",
    parse: (value, source) =>
      isLogLevel(value) ? value : fail(source, "be error, warn, info or debug", value),
    fallback: "info",
    description: "error, warn, info or debug (logs go to stderr)",
  }),
  setting({
    at: "local.dangerouslyRunUnisolated",
    flag: "--dangerously-run-unisolated",
    env: "MCP_DANGEROUSLY_RUN_UNISOLATED",
    switch: "1",
    parse: bool,
    fallback: false,
    default: "off",
    description:
      "Without bubblewrap, run commands directly on this machine as your user. Unsafe: the model can read and change your files",
  }),
];

// Every field of Config comes from a row, except what is not a setting: the git tokens (read from
// GIT_TOKEN and GITHUB_TOKEN as they are) and the notices.
type Unplaced = Exclude<
  Slot,
  (typeof ROWS)[number]["at"] | "credentials.gitToken" | "credentials.githubToken" | "notices"
>;
const _everyFieldHasARow: [Unplaced] extends [never] ? true : Unplaced = true;

const ROW_AT = new Map<Slot, Row<Slot>>(ROWS.map((row) => [row.at, row as Row<Slot>]));
const parentOf = (at: string) => at.slice(0, Math.max(0, at.lastIndexOf(".")));

/** The options of every command besides the settings. */
const COMMAND_OPTIONS = {
  help: {
    flag: "--help",
    short: "h",
    switch: true,
    parse: bool,
    fallback: false,
    description: "Show this help",
  },
  version: {
    flag: "--version",
    short: "V",
    switch: true,
    parse: bool,
    fallback: false,
    description: "Show the version",
  },
} satisfies Record<string, Option<boolean>>;

/**
 * Every setting, for `--help` and the README.
 *
 * @example List the environment variables
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { SETTINGS } from "./config.ts";
 * const variables = SETTINGS.map((setting) => setting.env);
 * assert(variables.includes("MCP_SANDBOX_NETWORK"));
 * assert(variables.every((name) => name.startsWith("MCP_")));
 * ```
 */
export const SETTINGS: readonly Setting[] = ROWS.map((row) => ({
  flag: row.flag,
  env: row.env,
  default: shownDefault(row)!,
  description: row.description,
  ...(row.switch !== undefined && { switch: row.switch }),
}));

/**
 * Parses the command line and environment. Throws a `TypeError` naming the bad flag or variable.
 *
 * @example Read the configuration
 * ```ts
 * import { equal as assertEqual, ok as assert, throws as assertThrows } from "node:assert/strict";
 * import { parseCommand } from "./config.ts";
 * const env = (name: string) => name === "MCP_SANDBOX_NETWORK" ? "host" : undefined;
 * const command = parseCommand(["--network", "none"], env);
 * assert(command.kind === "serve");
 * assertEqual(command.config.local.network, "none"); // the flag wins over its variable
 * assertThrows(
 *   () => parseCommand(["--timeout", "soon"], env),
 *   /--timeout must be a number above 0 and at most 86400, got 'soon'/,
 * );
 * ```
 */
export function parseCommand(args: string[], env: (name: string) => string | undefined): Command {
  return parseCommandWith(args, env, {}).command;
}

/**
 * {@linkcode parseCommand} for a subcommand with options of its own (`more`), which it takes
 * beside the settings and returns read.
 *
 * @example Take a `--dry-run` switch as well
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { parseCommandWith } from "./config.ts";
 * import { bool } from "./_options.ts";
 * const more = {
 *   dryRun: { flag: "--dry-run", switch: true, parse: bool, fallback: false, description: "" },
 * } as const;
 * const args = ["--dry-run", "--timeout=5"];
 * const { command, options } = parseCommandWith(args, () => undefined, more);
 * assertEquals(options, { dryRun: true });
 * assertEquals(command.kind === "serve" && command.config.limits.defaultTimeout, 5);
 * ```
 */
export function parseCommandWith<T extends Record<string, Option<unknown>>>(
  args: string[],
  env: Env,
  more: T,
): { command: Command; options: Values<T> } {
  const given = scan(args, [...ROWS, ...Object.values(more), ...Object.values(COMMAND_OPTIONS)]);
  const options = resolveAll(more, given, env);
  const { help, version } = resolveAll(COMMAND_OPTIONS, given, env);
  if (help) return { command: { kind: "help" }, options };
  if (version) return { command: { kind: "version" }, options };
  return { command: { kind: "serve", config: readConfig(given, env) }, options };
}

/** The configuration from `given` flags and `env`; then the checks that span several settings. */
function readConfig(given: Given, env: Env): Config {
  const values = new Map<Slot, { value: unknown; source?: string }>();
  const read: Read = (at) => {
    if (!values.has(at)) values.set(at, resolve(ROW_AT.get(at)!, given, env, read));
    return values.get(at)!.value as SlotType<typeof at>;
  };
  const tree: Record<string, unknown> = {};
  for (const { at } of ROWS) {
    const group = parentOf(at) as Slot;
    if (ROW_AT.has(group) && !read(group)) continue; // an http setting without --http
    const value = read(at);
    const isSwitch = ROWS.some((row) => parentOf(row.at) === at);
    let node = tree;
    const path = at.split(".");
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = isSwitch ? (value ? {} : undefined) : value;
  }
  const config = tree as unknown as Config;
  const sourceOf = (at: Slot) => values.get(at)?.source;
  if (config.provider === "daytona" && !config.daytona.apiKey) {
    throw new TypeError(
      "Cannot use the Daytona provider: no API key; set MCP_DAYTONA_API_KEY (or DAYTONA_API_KEY) to your key from https://app.daytona.io/dashboard/keys",
    );
  }
  // Code in a local sandbox that shares this machine's network reaches an HTTP server on
  // 127.0.0.1: without a token it could open its own MCP session there and drive the server.
  const { http, local } = config;
  if (http && !http.token && config.provider === "local") {
    if (local.dangerouslyRunUnisolated) {
      throw new TypeError(
        "Cannot serve HTTP without a token when running unisolated: commands run directly on this machine, so code the model runs could open its own MCP session on this server and drive it; set MCP_AUTH_TOKEN",
      );
    }
    if (local.network === "host") {
      throw new TypeError(
        `Cannot serve HTTP without a token with ${
          sourceOf("local.network")
        } host: code in a sandbox would share this machine's network, so it could open its own MCP session on this server and drive it; set MCP_AUTH_TOKEN (clients then send it as a bearer token), or use --network internet`,
      );
    }
    if (local.network === "internet" && local.egress.allowHostPorts.includes(http.port)) {
      throw new TypeError(
        `Cannot serve HTTP without a token on port ${http.port} and open that port to sandboxes (${
          sourceOf("local.egress.allowHostPorts")
        }): code in a sandbox could open its own MCP session on this server and drive it; set MCP_AUTH_TOKEN or open another port`,
      );
    }
  }
  if (http?.deployment !== undefined && config.provider !== "daytona") {
    throw new TypeError(
      `Cannot use ${
        sourceOf("http.deployment")
      } with the ${config.provider} provider: servers share sandboxes through Daytona; use the daytona provider`,
    );
  }
  if (config.workspace !== undefined && http) {
    throw new TypeError(
      `Cannot use ${
        sourceOf("workspace")
      } with --http: a server over HTTP may have several clients, and a persistent workspace would be shared between them; persistent workspaces are available over stdio`,
    );
  }
  checkShareNames(config.shares);
  const credentials: ToolCredentials = {
    gitToken: env("GIT_TOKEN") || undefined,
    githubToken: env("GITHUB_TOKEN") || undefined,
    gitTokenHosts: config.credentials.gitTokenHosts,
  };
  const tokenWarning = gitTokenWarning(credentials);
  return { ...config, credentials, notices: tokenWarning ? [tokenWarning] : [] };
}

/** The `--help` text. */
export function usage(): string {
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
    ...helpRows([...ROWS, ...Object.values(COMMAND_OPTIONS)]),
    "",
  ].join("\n");
}
