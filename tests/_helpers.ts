// Shared test fixtures: a real server and a real MCP client, linked in memory.

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/inMemory"
import { InMemoryTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/inMemory.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { CallToolResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import {
  type EgressOptions,
  LocalProvider,
  type LocalProviderOptions,
} from "../src/providers/local/mod.ts";
import { createServer } from "../src/server.ts";
import { SandboxSession } from "../src/session.ts";
import { silentLogger } from "../src/log.ts";
import type { SandboxProvider } from "../src/sandbox.ts";
import type { ToolCredentials, ToolLimits } from "../src/registry.ts";
import type { SharedDirectory } from "../src/shares.ts";

/** Whether bubblewrap can run here; sandbox tests are ignored without it (CI installs it). */
export const hasBwrap: boolean = await new Deno.Command("bwrap", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
}).output().then((out) => out.success, () => false);

/** The checkout's root directory. */
export const ROOT: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * Makes a spawned `deno` use the checkout's lockfile, which deno.json leaves off by default (see
 * the README's Development section).
 */
export const LOCK_FLAG = `--lock=${ROOT}/deno.lock`;

/**
 * The egress policy of tests' local sandboxes: tests send no traffic beyond 127.0.0.0/8, so their
 * sandboxes' proxy allows only names of the `.test` domain, which resolve to loopback (reachable
 * only on ports a test opens with `allowHostPorts`). Tests that need more pass their own.
 */
export const TEST_EGRESS: EgressOptions = {
  allowDomains: ["*.test"],
  resolve: () => Promise.resolve(["127.0.0.1"]),
  connect: loopbackOnly,
};

/** The proxy's connect for tests: 127.0.0.0/8 only, whatever the code under test decided. */
export function loopbackOnly(address: string, port: number): Promise<Deno.TcpConn> {
  if (!/^127\.\d+\.\d+\.\d+$/.test(address)) {
    return Promise.reject(new Error(`test refused to connect to ${address}: not loopback`));
  }
  return Deno.connect({ hostname: address, port });
}

/** A connected MCP client with its server, session and provider; dispose to tear all down. */
export interface Connected extends AsyncDisposable {
  client: Client;
  session: SandboxSession;
  provider: SandboxProvider;
  /** Calls a tool and returns its result (tool errors come back with isError, never thrown). */
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
}

/** Starts a server over the SDK's linked in-memory transport and connects a client to it. */
export async function connect(
  options: {
    local?: LocalProviderOptions;
    limits?: Partial<ToolLimits>;
    credentials?: ToolCredentials;
    /** Another provider than a local one; the connection closes it. */
    provider?: SandboxProvider;
    /** Shared directories: for the tools' host_path, and mounted by the local provider. */
    shares?: readonly SharedDirectory[];
  } = {},
): Promise<Connected> {
  const log = silentLogger();
  const provider = options.provider ??
    new LocalProvider({ log, egress: TEST_EGRESS, shares: options.shares, ...options.local });
  const session = new SandboxSession(provider, log);
  const server = createServer({
    session,
    log,
    instructions: "test",
    credentials: options.credentials,
    shares: options.shares,
    limits: {
      maxOutputBytes: 100_000,
      defaultTimeout: 300,
      maxImageBytes: 400_000,
      ...options.limits,
    },
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "test", version: "1" });
  await client.connect(clientSide);
  return {
    client,
    session,
    provider,
    call: async (name, args) => await client.callTool({ name, arguments: args }) as CallToolResult,
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
      await session.close();
      await provider.close();
    },
  };
}

/** The structured content of a result, typed for the test. */
export function structured<T>(result: CallToolResult): T {
  if (!result.structuredContent) {
    throw new Error(`No structured content in ${JSON.stringify(result.content)}`);
  }
  return result.structuredContent as T;
}

/** The text of a result's first content block. */
export function text(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === "text" ? first.text : "";
}

/** Lists host processes whose command line contains `marker` (excluding pgrep itself). */
export async function hostProcesses(marker: string): Promise<string[]> {
  const out = await new Deno.Command("pgrep", { args: ["-af", marker], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((line) =>
    line && !line.includes("pgrep")
  );
}

/**
 * Host pids of the sandbox supervisors (agent.py, PID 1 of each local sandbox) started by this
 * test process, oldest first.
 */
export async function sandboxAgents(): Promise<number[]> {
  // ps, because Deno asks for --allow-all to read /proc itself.
  const out = await new Deno.Command("ps", { args: ["-eo", "pid=,ppid=,args="], stdout: "piped" })
    .output();
  const parents = new Map<number, number>();
  const agents: number[] = [];
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const [, pid, ppid, args] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line) ?? [];
    if (!pid) continue;
    parents.set(Number(pid), Number(ppid));
    if (/^\/usr\/bin\/python3 .*\/opt\/sandbox\/agent\.py/.test(args)) agents.push(Number(pid));
  }
  const ours = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === Deno.pid) return true;
    }
    return false;
  };
  return agents.filter(ours).sort((a, b) => a - b);
}

/** Waits until `check` is true, polling; throws after `ms`. For conditions, not for timing. */
export async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Calls `tool` with each bad argument set and checks for a tool error matching its message. */
export async function assertToolErrors(
  mcp: Connected,
  tool: string,
  cases: [Record<string, unknown>, RegExp][],
): Promise<void> {
  for (const [args, message] of cases) {
    const result = await mcp.call(tool, args);
    if (result.isError !== true) throw new Error(`${tool}(${JSON.stringify(args)}) did not fail`);
    const got = text(result);
    if (!message.test(got)) throw new Error(`${tool}(${JSON.stringify(args)}): ${got}`);
  }
}

/** SHA-256 of bytes, hex. */
export async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).toHex();
}

/** Runs a shell command in the session's sandbox through shell_exec; fails the test unless it exits 0. */
export async function sh(mcp: Connected, command: string): Promise<string> {
  const result = await mcp.call("shell_exec", { command, timeout: 120 });
  const out = structured<{ stdout: string; stderr: string; exit_code: number }>(result);
  if (out.exit_code !== 0) throw new Error(`${command} failed: ${out.stderr}`);
  return out.stdout;
}

/** An MCP initialize request with the given id, for tests that speak raw JSON-RPC. */
export function initializeRequest(id = 1): Record<string, unknown> {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "test", version: "1" },
    },
  };
}

/** A server process spoken to with raw JSON-RPC lines, to test how it ends. */
export interface RawServer {
  child: Deno.ChildProcess;
  /** Calls tools in order, after the handshake, and waits for all their replies. */
  callTools(calls: { name: string; arguments: Record<string, unknown> }[]): Promise<void>;
  /**
   * Ends it: closes stdin, or sends the signal to the server, or to its whole process group (as
   * Ctrl-C in a terminal does), or to it and every process it started at once (as a service
   * manager stopping its unit does); returns the exit status.
   */
  end(how: ServerEnding): Promise<Deno.CommandStatus>;
}

/** How a test ends a server: see {@linkcode RawServer.end}. */
export type ServerEnding =
  | "stdin end"
  | Deno.Signal
  | "SIGINT to its process group"
  | "SIGTERM to all its processes";

/**
 * Spawns `deno run <args> bundle/cli.js` (what the start tasks run) with exactly `env`, as the
 * leader of a process group of its own (a terminal's foreground job).
 */
export function spawnServer(args: string[], env: Record<string, string>): RawServer {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...args, "bundle/cli.js"],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    detached: true,
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const send = (message: object) =>
    writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  return {
    child,
    async callTools(calls) {
      await send(initializeRequest(0));
      await send({ jsonrpc: "2.0", method: "notifications/initialized" });
      for (const [i, params] of calls.entries()) {
        await send({ jsonrpc: "2.0", id: i + 1, method: "tools/call", params });
      }
      let seen = "";
      while (!calls.every((_, i) => seen.includes(`"id":${i + 1}`))) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the server exited; it said: ${seen}`);
        seen += value;
      }
    },
    async end(how) {
      if (how === "stdin end") await writer.close();
      else if (how === "SIGINT to its process group") Deno.kill(-child.pid, "SIGINT");
      else if (how === "SIGTERM to all its processes") {
        for (const pid of [child.pid, ...await descendants(child.pid)]) {
          try {
            Deno.kill(pid, "SIGTERM");
          } catch {
            // It has exited meanwhile.
          }
        }
      } else child.kill(how);
      const status = await child.status;
      await reader.cancel();
      if (how !== "stdin end") await writer.close().catch(() => {});
      return status;
    },
  };
}

/** The pids of every process descended from `pid`, from ps (Deno needs --allow-all for /proc). */
export async function descendants(pid: number): Promise<number[]> {
  const out = await new Deno.Command("ps", { args: ["-eo", "pid=,ppid="], stdout: "piped" })
    .output();
  const children = new Map<number, number[]>();
  for (const line of new TextDecoder().decode(out.stdout).trim().split("\n")) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent, [...children.get(parent) ?? [], child]);
  }
  const found: number[] = [];
  for (let next = [pid]; next.length;) {
    next = next.flatMap((p) => children.get(p) ?? []);
    found.push(...next);
  }
  return found;
}

const TASKS = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks;

/** The Deno flags of a deno.json task: what comes between `deno run` and bundle/cli.js. */
export function denoFlags(task: string): string[] {
  const words = (TASKS[task] as string).split(" ");
  return words.slice(2, words.indexOf("bundle/cli.js"));
}

/** `ln -s`: Deno.symlink needs unscoped write access, which the tests do not have. */
export async function symlink(target: string, path: string): Promise<void> {
  const made = await new Deno.Command("ln", { args: ["-s", target, path] }).output();
  if (!made.success) {
    throw new Error(`Cannot link ${path}: ${new TextDecoder().decode(made.stderr)}`);
  }
}

/** How many descriptors this process has open (Deno reads /proc/self only with --allow-all). */
export async function openDescriptors(): Promise<number> {
  const out = await new Deno.Command("ls", { args: [`/proc/${Deno.pid}/fd`], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).length;
}

/** The tasks extension's identifier (io.modelcontextprotocol/tasks). */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** A JSON-RPC answer, with the HTTP status it came with. */
export interface Rpc {
  status: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/**
 * One raw 2026-07-28 request, with the headers and `_meta` envelope the revision asks for; its
 * client capabilities declare the tasks extension unless `tasks` is false (the v2 client 2.4.0
 * cannot follow tasks).
 */
export async function modernRpc(
  url: string,
  method: string,
  params: Record<string, unknown>,
  { tasks = true, token = "alpha" }: { tasks?: boolean; token?: string } = {},
): Promise<Rpc> {
  const name = (params.taskId ?? params.name) as string | undefined;
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${token}`,
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": method,
      ...name && { "mcp-name": name },
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": tasks
            ? { extensions: { [TASKS_EXTENSION]: {} } }
            : {},
          "io.modelcontextprotocol/clientInfo": { name: "test", version: "1" },
        },
      },
    }),
  });
  const text = await response.text();
  // The answer comes as JSON or as the last event of an SSE stream.
  const data = text.split("\n").filter((line) => line.startsWith("data:")).at(-1)?.slice(5) ?? text;
  return { status: response.status, ...JSON.parse(data) };
}

/**
 * The server as `deno task start:http` runs it, from the sources (`src/cli.ts --http`), on a free
 * port, with `args`; `fileLimit` runs it under `ulimit -n`, and `permissions` replaces the task's
 * permission flags. `until` waits for what it says.
 */
export async function startHttpServer(
  args: string[],
  env: Record<string, string> = {},
  { fileLimit, permissions }: { fileLimit?: number; permissions?: string[] } = {},
) {
  const limited = fileLimit === undefined
    ? []
    : ["sh", "-c", `ulimit -n ${fileLimit}; exec "$@"`, "sh"];
  const [program, ...prefix] = [...limited, Deno.execPath()];
  const child = new Deno.Command(program, {
    args: [
      ...prefix,
      "run",
      LOCK_FLAG,
      ...permissions ?? [
        "--allow-run=bwrap,setpriv",
        "--allow-read=/tmp",
        "--allow-write=/tmp",
        "--allow-sys=uid",
        "--allow-env=MCP_*,DAYTONA_*,GIT_TOKEN,GITHUB_TOKEN",
        "--allow-net",
      ],
      "src/cli.ts",
      "--http",
      "--port",
      "0",
      ...args,
    ],
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH")!,
      HOME: Deno.env.get("HOME")!,
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
      NO_COLOR: "1",
      ...env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  /** Reads what the server says on stderr until `pattern` matches it; the match. */
  const until = async (pattern: RegExp) => {
    let found;
    while (!(found = said.match(pattern))) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`the server exited; it said: ${said}`);
      said += value;
    }
    return found;
  };
  const url = (await until(/serving MCP at (\S+)/))[1];
  let exited = false;
  child.status.then(() => exited = true);
  return {
    url,
    /** Its process id. */
    pid: child.pid,
    /** What it has said so far. */
    get said() {
      return said;
    },
    until,
    /** Whether the process has ended. */
    get exited() {
      return exited;
    },
    async [Symbol.asyncDispose]() {
      if (!exited) child.kill("SIGTERM");
      await child.status;
      await lines.cancel();
    },
  };
}
