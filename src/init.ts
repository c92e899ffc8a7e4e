/**
 * `init`: the MCP client configuration for this server: Claude Desktop, Cursor and Claude Code,
 * started with `deno run` (from JSR or this checkout) or a compiled binary, with the permission
 * flags the chosen provider needs. Prints it; with `--write`, shows the change and writes it.
 *
 * @module
 */

import { type Config, parseCommandWith, usage } from "./config.ts";
import { bool, type Env, helpRows, oneOf, type Option, text } from "./_options.ts";

/** The clients `init` configures. */
export type Client = "claude-desktop" | "cursor" | "claude-code";

const CLIENTS: readonly Client[] = ["claude-desktop", "cursor", "claude-code"];

/** `init`'s own options, read beside the server's settings, which choose the provider. */
export const INIT_OPTIONS: {
  client: Option<Client | undefined>;
  binary: Option<string | undefined>;
  jsr: Option<boolean>;
  write: Option<boolean>;
} = {
  client: {
    flag: "--client",
    parse: oneOf(CLIENTS, "claude-desktop, cursor or claude-code"),
    fallback: undefined,
    default: "all three",
    description: "The client to configure: claude-desktop, cursor or claude-code",
  },
  binary: {
    flag: "--binary",
    parse: text,
    fallback: undefined,
    default: "deno run",
    description: "A compiled server (deno task compile) for the client to start, by its path",
  },
  jsr: {
    flag: "--jsr",
    switch: true,
    parse: bool,
    fallback: false,
    description: "Start the server from JSR even when this one runs from a checkout",
  },
  write: {
    flag: "--write",
    switch: true,
    parse: bool,
    fallback: false,
    description: "Write the entry into the clients' configuration files, showing the change",
  },
};

/** The `init --help` text: its own options, then the server's. */
export function initUsage(): string {
  return [
    "Usage: deno task init [options]",
    "Prints the MCP client configuration that starts this server with the options given, for the",
    "provider they choose; with --write, writes it.",
    "",
    "Options of init:",
    ...helpRows(Object.values(INIT_OPTIONS)),
    "",
    usage(),
  ].join("\n");
}

/** How a client starts the server. */
export interface ServerEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * The flags `deno run` needs for `config`'s provider, and nothing more. Shared directories need
 * none on the local provider (bwrap mounts them and the sandbox moves their files); on Daytona the
 * server reads them, and writes the read-write ones.
 */
export function permissionFlags(config: Config): string[] {
  if (config.provider === "daytona") {
    const read = config.shares.map((share) => share.path);
    const write = config.shares.filter((share) => share.mode === "rw").map((share) => share.path);
    return [
      "--allow-net",
      "--allow-env",
      ...(read.length ? [`--allow-read=${read.join(",")}`] : []),
      ...(write.length ? [`--allow-write=${write.join(",")}`] : []),
    ];
  }
  // The persistent workspaces' directory too, and the variables the server finds it by.
  const dirs = [config.local.baseDir, config.local.workspacesDir].filter(Boolean).join(",");
  return [
    "--allow-run=bwrap,setpriv",
    `--allow-read=${dirs}`,
    `--allow-write=${dirs}`,
    "--allow-sys=uid",
    "--allow-env=MCP_*,DAYTONA_*,GIT_TOKEN,GITHUB_TOKEN,HOME,XDG_DATA_HOME",
    // The internet mode's egress proxy connects to the destinations sandboxes ask for, and a
    // preview listens on 127.0.0.1.
    ...(config.local.network === "host" ? [] : ["--allow-net"]),
  ];
}

/**
 * The `deno run` flags for `target`. A checkout's bundle (`…/bundle/cli.js`) on the local provider
 * also gets what `deno task start` uses: the checkout's lockfile, and what loads the bundle's parts
 * only when they are needed, `--unstable-lazy-dynamic-imports` and read access to the bundle, which
 * Deno then reads at run time.
 */
export function runFlags(config: Config, target: string): string[] {
  const flags = permissionFlags(config);
  const checkout = target.match(/^(\/.*)\/bundle\/cli\.js$/)?.[1];
  if (!checkout || config.provider === "daytona") return flags;
  return [
    `--lock=${checkout}/deno.lock`,
    "--unstable-lazy-dynamic-imports",
    ...flags.map((flag) => flag.startsWith("--allow-read=") ? `${flag},${checkout}/bundle` : flag),
  ];
}

/**
 * The entry for `config`; `target` is a module to `deno run`, or `binary` a compiled server.
 *
 * @example The entry of a Daytona server run from JSR
 * ```ts
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * import { parseCommand } from "./config.ts";
 * import { serverEntry } from "./init.ts";
 * const env = (name: string) => name === "MCP_DAYTONA_API_KEY" ? "dtn_key" : undefined;
 * const command = parseCommand(["--provider", "daytona"], env);
 * assert(command.kind === "serve");
 * const target = "jsr:@daytona-mcp/interpreter/cli";
 * assertEquals(serverEntry(command.config, target), {
 *   command: "deno",
 *   args: ["run", "--allow-net", "--allow-env", target, "--provider", "daytona"],
 *   env: { MCP_DAYTONA_API_KEY: "<your Daytona API key>" }, // the key itself is never written
 * });
 * ```
 */
export function serverEntry(config: Config, target: string, binary?: string): ServerEntry {
  const providerArgs = [
    ...(config.provider === "daytona" ? ["--provider", "daytona"] : []),
    ...config.shares.flatMap((share) => [
      "--share",
      share.mode === "rw" ? `${share.path}:rw` : share.path,
    ]),
  ];
  const env = config.provider === "daytona"
    ? { MCP_DAYTONA_API_KEY: "<your Daytona API key>" }
    : undefined;
  return binary ? { command: binary, args: providerArgs, ...(env && { env }) } : {
    command: "deno",
    args: ["run", ...runFlags(config, target), target, ...providerArgs],
    ...(env && { env }),
  };
}

function home(): string {
  return Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".";
}

/** Where each JSON-configured client keeps its MCP servers. */
export function configPaths(): Record<"claude-desktop" | "cursor", string> {
  const base = Deno.build.os === "darwin"
    ? `${home()}/Library/Application Support/Claude`
    : Deno.build.os === "windows"
    ? `${Deno.env.get("APPDATA") ?? home()}/Claude`
    : `${home()}/.config/Claude`;
  return {
    "claude-desktop": `${base}/claude_desktop_config.json`,
    cursor: `${home()}/.cursor/mcp.json`,
  };
}

/**
 * Runs `init` with its arguments (its own options and the server's), reading the server's
 * variables from `env`; returns the exit code.
 */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `word` as one word of a POSIX shell's command line: as it is, or single-quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Replaces the file at `path` (or where its symlink leads) with `text` whole or not at all: written
 * beside it, with its mode, then renamed over it, so that a failure or a second run at the same
 * time never leaves half a config.
 */
async function replaceFile(path: string, text: string): Promise<void> {
  let target = path;
  let mode = 0o644;
  const link = await Deno.lstat(path).catch(() => undefined);
  if (link?.isSymlink) {
    target = await Deno.realPath(path).catch(() => {
      throw new Error("it is a symlink to a file that does not exist");
    });
  }
  if (link) mode = (await Deno.stat(target)).mode! & 0o7777;
  await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
  const temporary = `${target}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeTextFile(temporary, text, { createNew: true, mode });
    await Deno.chmod(temporary, mode); // past the umask
    await Deno.rename(temporary, target);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

export async function runInit(args: string[], env: Env): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandWith(args, env, INIT_OPTIONS);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (parsed.command.kind !== "serve") {
    console.log(initUsage());
    return 0;
  }
  const { command: { config }, options } = parsed;
  const clients = options.client ? [options.client] : CLIENTS;
  // The configured command runs the server the way this one was started: from the same file when
  // that is on this machine, otherwise from JSR.
  const local = new URL(Deno.mainModule);
  const target = options.jsr || local.protocol !== "file:"
    ? "jsr:@daytona-mcp/interpreter/cli"
    : local.pathname;
  const entry = serverEntry(config, target, options.binary);
  const paths = configPaths();
  for (const client of clients) {
    if (client === "claude-code") {
      const vars = Object.entries(entry.env ?? {}).map(([k, v]) => `-e ${shellWord(`${k}=${v}`)} `)
        .join("");
      console.log(
        `Claude Code:\n  claude mcp add sandbox ${vars}-- ${
          [entry.command, ...entry.args].map(shellWord).join(" ")
        }\n`,
      );
      continue;
    }
    const path = paths[client];
    const snippet = { mcpServers: { sandbox: entry } };
    if (!options.write) {
      console.log(`${client} (${path}):\n${JSON.stringify(snippet, null, 2)}\n`);
      continue;
    }
    let current: { mcpServers?: Record<string, unknown> } = {};
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        console.error(`Cannot update ${path}: ${(error as Error).message}`);
        return 1;
      }
    }
    if (text !== undefined) {
      try {
        // Numbers are written back as they were written (12345678901234567891 stays itself).
        current = JSON.parse(
          text,
          (_key, value, context?: { source?: string }) =>
            typeof value === "number" && context?.source !== undefined
              ? (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(context.source)
              : value,
        );
      } catch (error) {
        console.error(`Cannot update ${path}: ${(error as Error).message}`);
        return 1;
      }
      if (
        !isObject(current) || (current.mcpServers !== undefined && !isObject(current.mcpServers))
      ) {
        console.error(
          `Cannot update ${path}: it is not a JSON object whose "mcpServers" is an object; left as it is. Add this to it by hand:\n${
            JSON.stringify(snippet, null, 2)
          }`,
        );
        return 1;
      }
    }
    const before = JSON.stringify(current.mcpServers?.sandbox ?? null, null, 2);
    const after = JSON.stringify(entry, null, 2);
    console.log(`${client}: ${path}`);
    if (before === after) {
      console.log("  already configured\n");
      continue;
    }
    for (const line of before.split("\n")) console.log(`  - ${line}`);
    for (const line of after.split("\n")) console.log(`  + ${line}`);
    const next = { ...current, mcpServers: { ...current.mcpServers, sandbox: entry } };
    try {
      await replaceFile(path, JSON.stringify(next, null, 2) + "\n");
    } catch (error) {
      console.error(`Cannot update ${path}: ${(error as Error).message}`);
      return 1;
    }
    console.log(
      entry.env
        ? "  written; put your API key in place of the placeholder\n"
        : "  written; restart the client\n",
    );
  }
  return 0;
}
