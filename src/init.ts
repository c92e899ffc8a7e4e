/**
 * `init`: the MCP client configuration for this server: Claude Desktop, Cursor and Claude Code,
 * started with `deno run` (from JSR or this checkout) or a compiled binary, with the permission
 * flags the chosen provider needs. Prints it; with `--write`, shows the change and writes it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Config } from "./config.ts";

/** How a client starts the server. */
export interface ServerEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** The flags `deno run` needs for `config`'s provider, and nothing more. */
export function permissionFlags(config: Config): string[] {
  if (config.provider === "daytona") return ["--allow-net", "--allow-env"];
  const dir = config.local.baseDir;
  return [
    "--allow-run=bwrap,setpriv",
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
    "--allow-sys=uid",
    "--allow-env=MCP_*,DAYTONA_*,GIT_TOKEN,GITHUB_TOKEN",
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

/** The entry for `config`; `target` is a module to `deno run`, or `binary` a compiled server. */
export function serverEntry(config: Config, target: string, binary?: string): ServerEntry {
  const providerArgs = config.provider === "daytona" ? ["--provider", "daytona"] : [];
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

/** Runs `init`; returns the exit code. */
export async function runInit(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: false,
    options: {
      client: { type: "string" },
      binary: { type: "string" },
      write: { type: "boolean" },
      jsr: { type: "boolean" },
    },
  });
  const clients = values.client
    ? [String(values.client)]
    : ["claude-desktop", "cursor", "claude-code"];
  const unknown = clients.filter((c) => !["claude-desktop", "cursor", "claude-code"].includes(c));
  if (unknown.length > 0) {
    console.error(
      `Cannot configure ${
        unknown.join(", ")
      }: --client must be claude-desktop, cursor or claude-code`,
    );
    return 2;
  }
  // The configured command runs the server the way this one was started: from the same file when
  // that is on this machine, otherwise from JSR.
  const local = new URL(Deno.mainModule);
  const target = values.jsr || local.protocol !== "file:"
    ? "jsr:@daytona-mcp/interpreter/cli"
    : local.pathname;
  const entry = serverEntry(config, target, values.binary as string | undefined);
  const paths = configPaths();
  for (const client of clients) {
    if (client === "claude-code") {
      const env = Object.entries(entry.env ?? {}).map(([k, v]) => `-e ${k}="${v}" `).join("");
      console.log(
        `Claude Code:\n  claude mcp add sandbox ${env}-- ${entry.command} ${
          entry.args.join(" ")
        }\n`,
      );
      continue;
    }
    const path = paths[client as "claude-desktop" | "cursor"];
    const snippet = { mcpServers: { sandbox: entry } };
    if (!values.write) {
      console.log(`${client} (${path}):\n${JSON.stringify(snippet, null, 2)}\n`);
      continue;
    }
    let current: { mcpServers?: Record<string, unknown> } = {};
    try {
      current = JSON.parse(await Deno.readTextFile(path));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        console.error(`Cannot update ${path}: ${(error as Error).message}`);
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
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, JSON.stringify(next, null, 2) + "\n");
    console.log(
      entry.env
        ? "  written; put your API key in place of the placeholder\n"
        : "  written; restart the client\n",
    );
  }
  return 0;
}
