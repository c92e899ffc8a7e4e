/**
 * Configuration: command-line flags and `MCP_*` environment variables, parsed once into a typed
 * object that is passed down. A flag wins over its variable.
 *
 * @module
 */

import { gitTokenWarning, normalizeGitHost } from "./_git_credentials.ts";
import { isLogLevel, type LogLevel } from "./log.ts";
import type { ToolCredentials, ToolLimits } from "./registry.ts";

/**
 * The server's configuration.
 *
 * @example Make a local provider as the server would
 * ```ts
 * import { LocalProvider, parseCommand } from "../mod.ts";
 * const args = ["--network", "none", "--memory-limit-mb", "2048"];
 * const command = parseCommand(args, () => undefined);
 * if (command.kind === "serve" && command.config.provider === "local") {
 *   const { network, baseDir, python, limits } = command.config.local;
 *   console.log(network, limits.memoryMb); // "none" 2048
 *   await using provider = new LocalProvider({ network, baseDir, python, limits });
 * }
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
    python: string;
    dangerouslyRunUnisolated: boolean;
    limits: { memoryMb: number; processes: number; fileMb: number };
    /** What each sandbox may use as a whole (control groups); 0 leaves one uncapped. */
    budget: { memoryMb: number; processes: number; cpus: number; diskGb: number };
  };
  /** Limits applied to every tool call. */
  limits: ToolLimits;
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
 * import { type Command, parseCommand, VERSION } from "../mod.ts";
 * const command: Command = parseCommand(["--version"], () => undefined);
 * if (command.kind === "version") console.log(VERSION);
 * else if (command.kind === "serve") console.log(`serving ${command.config.provider} sandboxes`);
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
 * import { type Setting, SETTINGS } from "../mod.ts";
 * const network: Setting | undefined = SETTINGS.find((setting) => setting.flag === "--network");
 * console.log(network?.env); // "MCP_SANDBOX_NETWORK"
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
}

/**
 * Every setting, for `--help` and the README.
 *
 * @example List the environment variables
 * ```ts
 * import { SETTINGS } from "./config.ts";
 * console.log(SETTINGS.map((setting) => setting.env).join("\n"));
 * ```
 */
export const SETTINGS: readonly Setting[] = [
  {
    flag: "--provider",
    env: "MCP_SANDBOX_PROVIDER",
    default: "daytona with an API key, else local",
    description: "Where sandboxes run: local (bubblewrap on this machine) or daytona (cloud)",
  },
  {
    flag: "--daytona-api-key",
    env: "MCP_DAYTONA_API_KEY",
    default: "$DAYTONA_API_KEY",
    description: "Daytona API key (prefer the variable: flags show in process lists)",
  },
  {
    flag: "--daytona-server-url",
    env: "MCP_DAYTONA_SERVER_URL",
    default: "$DAYTONA_API_URL or https://app.daytona.io/api",
    description: "Daytona API URL",
  },
  {
    flag: "--daytona-target",
    env: "MCP_DAYTONA_TARGET",
    default: "$DAYTONA_TARGET or the account's default",
    description: "Daytona region for new sandboxes, e.g. us or eu",
  },
  {
    flag: "--daytona-timeout",
    env: "MCP_DAYTONA_TIMEOUT",
    default: "180",
    description: "Seconds a Daytona API request may take (commands add their own timeout)",
  },
  {
    flag: "--daytona-auto-stop",
    env: "MCP_DAYTONA_AUTO_STOP_MINUTES",
    default: "15",
    description:
      "Minutes without calls before Daytona stops a sandbox (0 = never); the next call starts it again, with a fresh interpreter",
  },
  {
    flag: "--verify-ssl",
    env: "MCP_VERIFY_SSL",
    default: "true",
    description:
      "Verify TLS certificates of the Daytona API (on by default; see the README for self-signed servers)",
  },
  {
    flag: "--network",
    env: "MCP_SANDBOX_NETWORK",
    default: "internet",
    description:
      "Local sandbox network: internet (public addresses only, through a filtering proxy), none, or host (this machine's network, shared: unsafe; with --http it needs a token)",
  },
  {
    flag: "--network-allow",
    env: "MCP_SANDBOX_NETWORK_ALLOW",
    default: "any public address",
    description:
      "Comma-separated domains local sandboxes may reach (*.example.org for subdomains), in the internet mode",
  },
  {
    flag: "--allow-host-port",
    env: "MCP_SANDBOX_ALLOW_HOST_PORTS",
    default: "none",
    description:
      "Comma-separated ports of this machine's 127.0.0.1 that local sandboxes reach on purpose (a database, a model server), as 127.0.0.1:PORT inside",
  },
  {
    flag: "--sandbox-dir",
    env: "MCP_SANDBOX_DIR",
    default: "/tmp",
    description: "Host directory that holds the local sandboxes' files",
  },
  {
    flag: "--python",
    env: "MCP_SANDBOX_PYTHON",
    default: "/usr/bin/python3",
    description: "Python interpreter used inside local sandboxes",
  },
  {
    flag: "--memory-limit-mb",
    env: "MCP_SANDBOX_MEMORY_MB",
    default: "8192",
    description: "Local sandboxes: address space per process in MiB (0 = no limit)",
  },
  {
    flag: "--max-processes",
    env: "MCP_SANDBOX_MAX_PROCESSES",
    default: "1024",
    description: "Local sandboxes: processes of the sandbox user at once (0 = no limit)",
  },
  {
    flag: "--max-file-size-mb",
    env: "MCP_SANDBOX_MAX_FILE_MB",
    default: "4096",
    description: "Local sandboxes: largest file a process may write, in MiB (0 = no limit)",
  },
  {
    flag: "--sandbox-memory-mb",
    env: "MCP_SANDBOX_BUDGET_MEMORY_MB",
    default: "2048",
    description:
      "Local sandboxes: memory of all of one sandbox's processes and RAM files, in MiB (0 = no budget)",
  },
  {
    flag: "--sandbox-pids",
    env: "MCP_SANDBOX_BUDGET_PIDS",
    default: "512",
    description: "Local sandboxes: processes and threads of one sandbox at once (0 = no budget)",
  },
  {
    flag: "--sandbox-cpus",
    env: "MCP_SANDBOX_BUDGET_CPUS",
    default: "2",
    description: "Local sandboxes: CPU time of one sandbox, in cores (0 = no budget)",
  },
  {
    flag: "--sandbox-disk-gb",
    env: "MCP_SANDBOX_BUDGET_DISK_GB",
    default: "3",
    description:
      "Local sandboxes: bytes of one sandbox's home and /tmp, in GiB (0 = no budget; needs root)",
  },
  {
    flag: "--max-sandboxes",
    env: "MCP_MAX_SANDBOXES",
    default: "16",
    description:
      "Sandboxes open at once across all sessions, those being created included (0 = no limit)",
  },
  {
    flag: "--max-sandboxes-per-session",
    env: "MCP_MAX_SANDBOXES_PER_SESSION",
    default: "4",
    description: "Sandboxes one session may have at once, its default one included (0 = no limit)",
  },
  {
    flag: "--timeout",
    env: "MCP_DEFAULT_TIMEOUT",
    default: "300",
    description: "Seconds before a call without its own timeout is stopped",
  },
  {
    flag: "--max-output",
    env: "MCP_MAX_OUTPUT_BYTES",
    default: "100000",
    description: "Bytes of stdout, and of stderr, kept per call (head and tail)",
  },
  {
    flag: "--max-image",
    env: "MCP_MAX_IMAGE_BYTES",
    default: "400000",
    description: "Largest PNG returned per figure (larger ones are re-rendered smaller)",
  },
  {
    flag: "--http",
    env: "MCP_TRANSPORT",
    default: "stdio",
    description: "Serve Streamable HTTP at /mcp instead of stdio (MCP_TRANSPORT=http)",
  },
  {
    flag: "--host",
    env: "MCP_HTTP_HOST",
    default: "127.0.0.1",
    description: "HTTP address to listen on; anything but loopback requires a token",
  },
  {
    flag: "--port",
    env: "MCP_HTTP_PORT",
    default: "8765",
    description: "HTTP port",
  },
  {
    flag: "--auth-token",
    env: "MCP_AUTH_TOKEN",
    default: "none",
    description: "Bearer token HTTP clients must send (prefer the variable)",
  },
  {
    flag: "--idle-minutes",
    env: "MCP_HTTP_IDLE_MINUTES",
    default: "30",
    description: "End an HTTP session (and delete its sandboxes) after this long without calls",
  },
  {
    flag: "--allowed-origins",
    env: "MCP_ALLOWED_ORIGINS",
    default: "local origins only",
    description: "Comma-separated browser origins to accept besides localhost ones",
  },
  {
    flag: "--allowed-hosts",
    env: "MCP_ALLOWED_HOSTS",
    default: "the listening address and localhost",
    description: "Comma-separated Host header values to accept, e.g. a name behind a proxy",
  },
  {
    flag: "--git-token-hosts",
    env: "MCP_GIT_TOKEN_HOSTS",
    default: "none (GIT_TOKEN is sent nowhere)",
    description:
      "Comma-separated host or host:port names GIT_TOKEN is sent to (over https only), e.g. gitlab.example.com",
  },
  {
    flag: "--log-level",
    env: "MCP_LOG_LEVEL",
    default: "info",
    description: "error, warn, info or debug (logs go to stderr)",
  },
  {
    flag: "--dangerously-run-unisolated",
    env: "MCP_DANGEROUSLY_RUN_UNISOLATED",
    default: "off",
    description:
      "Without bubblewrap, run commands directly on this machine as your user. Unsafe: the model can read and change your files",
  },
];

type FlagSpec = Record<string, { type: "boolean" | "string"; short?: string }>;
type FlagValues<T extends FlagSpec> = {
  [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string;
};

/**
 * Reads `--name value`, `--name=value`, boolean `--name` and short `-x` flags; throws a TypeError
 * naming an unknown flag, a missing value or a stray argument. (node:util's parseArgs does the
 * same, but loading Node compatibility costs the server's start-up about 15 ms.)
 */
function parseFlags<T extends FlagSpec>(args: string[], spec: T): FlagValues<T> {
  const values: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const long = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    const short = /^-([^-])$/.exec(arg);
    if (!long && !short) {
      throw new TypeError(`Unexpected argument '${arg}': this command takes only flags`);
    }
    const name = long ? long[1] : Object.keys(spec).find((key) => spec[key].short === short![1]);
    if (name === undefined || !Object.hasOwn(spec, name)) {
      throw new TypeError(`Unknown option '${arg}'`);
    }
    const inline = long?.[2];
    if (spec[name].type === "boolean") {
      if (inline !== undefined) throw new TypeError(`Option '--${name}' does not take a value`);
      values[name] = true;
    } else if (inline !== undefined) {
      values[name] = inline;
    } else if (i + 1 < args.length) {
      values[name] = args[++i];
    } else {
      throw new TypeError(`Option '--${name} <value>' argument missing`);
    }
  }
  return values as FlagValues<T>;
}

/**
 * Parses the command line and environment. Throws a `TypeError` naming the bad flag or variable.
 *
 * @example Read the configuration
 * ```ts
 * import { parseCommand } from "./config.ts";
 * const command = parseCommand(["--network", "none"], () => undefined);
 * if (command.kind === "serve") console.log(command.config.local.network); // "none"
 * ```
 */
export function parseCommand(
  args: string[],
  env: (name: string) => string | undefined,
): Command {
  const values = parseFlags(args, {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "V" },
    provider: { type: "string" },
    network: { type: "string" },
    "network-allow": { type: "string" },
    "allow-host-port": { type: "string" },
    "sandbox-dir": { type: "string" },
    python: { type: "string" },
    timeout: { type: "string" },
    "max-output": { type: "string" },
    "max-image": { type: "string" },
    "log-level": { type: "string" },
    "dangerously-run-unisolated": { type: "boolean" },
    "daytona-api-key": { type: "string" },
    "daytona-server-url": { type: "string" },
    "daytona-target": { type: "string" },
    "daytona-timeout": { type: "string" },
    "daytona-auto-stop": { type: "string" },
    "verify-ssl": { type: "string" },
    "memory-limit-mb": { type: "string" },
    "max-processes": { type: "string" },
    "max-file-size-mb": { type: "string" },
    "max-sandboxes": { type: "string" },
    "sandbox-memory-mb": { type: "string" },
    "sandbox-pids": { type: "string" },
    "sandbox-cpus": { type: "string" },
    "sandbox-disk-gb": { type: "string" },
    "max-sandboxes-per-session": { type: "string" },
    http: { type: "boolean" },
    host: { type: "string" },
    port: { type: "string" },
    "auth-token": { type: "string" },
    "idle-minutes": { type: "string" },
    "allowed-origins": { type: "string" },
    "allowed-hosts": { type: "string" },
    "git-token-hosts": { type: "string" },
  });
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const pick = (flag: keyof typeof values, name: string): [string, string] | undefined => {
    const value = values[flag];
    if (typeof value === "string") return [value, `--${flag}`];
    const fromEnv = env(name);
    return fromEnv === undefined || fromEnv === "" ? undefined : [fromEnv, name];
  };
  const apiKey = pick("daytona-api-key", "MCP_DAYTONA_API_KEY")?.[0] || env("DAYTONA_API_KEY") ||
    undefined;
  const provider = oneOf(
    pick("provider", "MCP_SANDBOX_PROVIDER"),
    ["local", "daytona"],
    apiKey ? "daytona" : "local",
  );
  if (provider === "daytona" && !apiKey) {
    throw new TypeError(
      "Cannot use the Daytona provider: no API key; set MCP_DAYTONA_API_KEY (or DAYTONA_API_KEY) to your key from https://app.daytona.io/dashboard/keys",
    );
  }
  const verify = pick("verify-ssl", "MCP_VERIFY_SSL");
  const transport = values.http ? "http" : oneOf(
    env("MCP_TRANSPORT") ? [env("MCP_TRANSPORT")!, "MCP_TRANSPORT"] : undefined,
    ["stdio", "http"],
    "stdio",
  );
  const list = (picked: [string, string] | undefined) =>
    picked?.[0].split(",").map((item) => item.trim()).filter(Boolean) ?? [];
  const http = transport === "http"
    ? {
      hostname: pick("host", "MCP_HTTP_HOST")?.[0] ?? "127.0.0.1",
      port: port(pick("port", "MCP_HTTP_PORT")),
      token: pick("auth-token", "MCP_AUTH_TOKEN")?.[0],
      idleMinutes: positive(pick("idle-minutes", "MCP_HTTP_IDLE_MINUTES"), 30, 10_080),
      allowedHosts: list(pick("allowed-hosts", "MCP_ALLOWED_HOSTS")),
      allowedOrigins: list(pick("allowed-origins", "MCP_ALLOWED_ORIGINS")),
    }
    : undefined;
  const networkPicked = pick("network", "MCP_SANDBOX_NETWORK");
  const network = oneOf(networkPicked, ["internet", "none", "host"], "internet");
  const allowPicked = pick("network-allow", "MCP_SANDBOX_NETWORK_ALLOW");
  const portsPicked = pick("allow-host-port", "MCP_SANDBOX_ALLOW_HOST_PORTS");
  const allowHostPorts = list(portsPicked).map((entry) => {
    const number = Number(entry);
    if (!Number.isInteger(number) || number < 1 || number > 65535) {
      throw new TypeError(
        `Cannot configure: ${portsPicked![1]} must list ports from 1 to 65535, got '${entry}'`,
      );
    }
    return number;
  });
  const logLevel = pick("log-level", "MCP_LOG_LEVEL") ?? ["info", ""];
  if (!isLogLevel(logLevel[0])) {
    throw new TypeError(
      `Cannot configure: ${logLevel[1]} must be error, warn, info or debug, got '${logLevel[0]}'`,
    );
  }
  const unisolated = values["dangerously-run-unisolated"] ??
    flagValue(env("MCP_DANGEROUSLY_RUN_UNISOLATED"), "MCP_DANGEROUSLY_RUN_UNISOLATED");
  // Code in a local sandbox that shares this machine's network reaches an HTTP server on
  // 127.0.0.1: without a token it could open its own MCP session there and drive the server.
  const notices: string[] = [];
  if (http && !http.token && provider === "local") {
    if (unisolated) {
      throw new TypeError(
        "Cannot serve HTTP without a token when running unisolated: commands run directly on this machine, so code the model runs could open its own MCP session on this server and drive it; set MCP_AUTH_TOKEN",
      );
    }
    if (network === "host") {
      throw new TypeError(
        `Cannot serve HTTP without a token with ${
          networkPicked![1]
        } host: code in a sandbox would share this machine's network, so it could open its own MCP session on this server and drive it; set MCP_AUTH_TOKEN (clients then send it as a bearer token), or use --network internet`,
      );
    }
    if (network === "internet" && allowHostPorts.includes(http.port)) {
      throw new TypeError(
        `Cannot serve HTTP without a token on port ${http.port} and open that port to sandboxes (${
          portsPicked![1]
        }): code in a sandbox could open its own MCP session on this server and drive it; set MCP_AUTH_TOKEN or open another port`,
      );
    }
  }
  const tokenHosts = pick("git-token-hosts", "MCP_GIT_TOKEN_HOSTS");
  const credentials = {
    gitToken: env("GIT_TOKEN") || undefined,
    githubToken: env("GITHUB_TOKEN") || undefined,
    gitTokenHosts: list(tokenHosts).map((entry) => {
      try {
        return normalizeGitHost(entry);
      } catch {
        throw new TypeError(
          `Cannot configure: ${tokenHosts![1]} must list host or host:port names, got '${entry}'`,
        );
      }
    }),
  };
  const tokenWarning = gitTokenWarning(credentials);
  if (tokenWarning) notices.push(tokenWarning);
  return {
    kind: "serve",
    config: {
      provider,
      daytona: {
        apiKey,
        apiUrl: pick("daytona-server-url", "MCP_DAYTONA_SERVER_URL")?.[0] ||
          env("DAYTONA_API_URL") || "https://app.daytona.io/api",
        target: pick("daytona-target", "MCP_DAYTONA_TARGET")?.[0] || env("DAYTONA_TARGET") ||
          undefined,
        timeoutSeconds: positive(pick("daytona-timeout", "MCP_DAYTONA_TIMEOUT"), 180, 86_400),
        autoStopMinutes: minutes(pick("daytona-auto-stop", "MCP_DAYTONA_AUTO_STOP_MINUTES"), 15),
        verifySsl: verify ? flagValue(verify[0], verify[1]) : true,
      },
      local: {
        network,
        egress: {
          allowDomains: allowPicked ? list(allowPicked) : undefined,
          allowHostPorts,
        },
        baseDir: pick("sandbox-dir", "MCP_SANDBOX_DIR")?.[0] ?? "/tmp",
        python: pick("python", "MCP_SANDBOX_PYTHON")?.[0] ?? "/usr/bin/python3",
        dangerouslyRunUnisolated: unisolated,
        limits: {
          memoryMb: count(pick("memory-limit-mb", "MCP_SANDBOX_MEMORY_MB"), 8192),
          processes: count(pick("max-processes", "MCP_SANDBOX_MAX_PROCESSES"), 1024),
          fileMb: count(pick("max-file-size-mb", "MCP_SANDBOX_MAX_FILE_MB"), 4096),
        },
        budget: {
          memoryMb: count(pick("sandbox-memory-mb", "MCP_SANDBOX_BUDGET_MEMORY_MB"), 2048),
          processes: count(pick("sandbox-pids", "MCP_SANDBOX_BUDGET_PIDS"), 512),
          cpus: cores(pick("sandbox-cpus", "MCP_SANDBOX_BUDGET_CPUS"), 2),
          diskGb: count(pick("sandbox-disk-gb", "MCP_SANDBOX_BUDGET_DISK_GB"), 3),
        },
      },
      limits: {
        defaultTimeout: positive(pick("timeout", "MCP_DEFAULT_TIMEOUT"), 300, 86_400),
        maxOutputBytes: positive(pick("max-output", "MCP_MAX_OUTPUT_BYTES"), 100_000, 4_000_000),
        maxImageBytes: positive(pick("max-image", "MCP_MAX_IMAGE_BYTES"), 400_000, 4_000_000),
      },
      sandboxes: {
        max: count(pick("max-sandboxes", "MCP_MAX_SANDBOXES"), 16),
        perSession: count(pick("max-sandboxes-per-session", "MCP_MAX_SANDBOXES_PER_SESSION"), 4),
      },
      logLevel: logLevel[0],
      http,
      credentials,
      notices,
    },
  };
}

function oneOf<T extends string>(
  picked: [string, string] | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (!picked) return fallback;
  const [value, source] = picked;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new TypeError(
    `Cannot configure: ${source} must be ${allowed.join(" or ")}, got '${value}'`,
  );
}

function positive(picked: [string, string] | undefined, fallback: number, max: number): number {
  if (!picked) return fallback;
  const [value, source] = picked;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > max) {
    throw new TypeError(
      `Cannot configure: ${source} must be a number above 0 and at most ${max}, got '${value}'`,
    );
  }
  return number;
}

function count(picked: [string, string] | undefined, fallback: number): number {
  if (!picked) return fallback;
  const [value, source] = picked;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new TypeError(
      `Cannot configure: ${source} must be a whole number (0 = no limit), got '${value}'`,
    );
  }
  return number;
}

/** A number of CPU cores, fractions allowed, 0 meaning no budget. */
function cores(picked: [string, string] | undefined, fallback: number): number {
  if (!picked) return fallback;
  const [value, source] = picked;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1024) {
    throw new TypeError(
      `Cannot configure: ${source} must be a number of cores from 0 (no budget) to 1024, got '${value}'`,
    );
  }
  return number;
}

/** Whole minutes, 0 meaning never (Daytona's autoStopInterval), at most 30 days. */
function minutes(picked: [string, string] | undefined, fallback: number): number {
  if (!picked) return fallback;
  const [value, source] = picked;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 43_200) {
    throw new TypeError(
      `Cannot configure: ${source} must be whole minutes from 0 (never) to 43200, got '${value}'`,
    );
  }
  return number;
}

function port(picked: [string, string] | undefined): number {
  if (!picked) return 8765;
  const [value, source] = picked;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    throw new TypeError(
      `Cannot configure: ${source} must be a port from 0 to 65535, got '${value}'`,
    );
  }
  return number;
}

function flagValue(value: string | undefined, name: string): boolean {
  const normal = value?.toLowerCase();
  if (normal === undefined || normal === "" || normal === "0" || normal === "false") return false;
  if (normal === "1" || normal === "true") return true;
  throw new TypeError(`Cannot configure: ${name} must be true or false, got '${value}'`);
}

/** The `--help` text. */
export function usage(): string {
  const rows = SETTINGS.map((s) =>
    `  ${
      (s.flag + (s.default === "off" || s.flag === "--http" ? "" : " <value>")).padEnd(36)
    } ${s.description}\n${" ".repeat(39)}env ${s.env}${
      s.default === "off" ? "=1" : `, default: ${s.default}`
    }`
  );
  return [
    "daytona-mcp-interpreter: an MCP server that gives AI assistants a sandboxed computer",
    "(shell commands, stateful Python with charts) over stdio.",
    "",
    "Usage: deno task start [options]",
    "       deno task doctor [options]     check this machine for the chosen provider",
    "       deno task init [options] [--client claude-desktop|cursor|claude-code] [--jsr]",
    "                      [--binary PATH] [--write]   print (or write) MCP client configuration",
    "",
    "Options:",
    ...rows,
    `  ${"-h, --help".padEnd(36)} Show this help`,
    `  ${"-V, --version".padEnd(36)} Show the version`,
    "",
  ].join("\n");
}
