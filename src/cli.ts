/**
 * The server's command line: parses the configuration, serves MCP over stdio (or HTTP with
 * `--http`), and on stdin end, SIGINT or SIGTERM closes the sandbox (killing its processes,
 * deleting its files) and exits. `doctor` checks the machine; `init` writes client configuration.
 *
 * ```sh
 * deno run --allow-run=bwrap,setpriv --allow-read=/tmp --allow-write=/tmp --allow-sys=uid --allow-env=MCP_*,DAYTONA_*,GIT_TOKEN,GITHUB_TOKEN --allow-net jsr:@daytona-mcp/interpreter/cli
 * ```
 *
 * @module
 */

// The MCP SDK is loaded with a dynamic import: `doctor`, `init`, `--help` and `--version` do
// without it, and over stdio the handshake is answered while it loads.
import { type Config, parseCommand, usage } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { createLogRelay } from "./log_relay.ts";
import type { SandboxProvider } from "./sandbox.ts";
import { LocalProvider } from "./providers/local/mod.ts";
import { SANDBOX_HOME } from "./providers/local/_bwrap.ts";
import type { HttpServer } from "./http.ts";
import { SandboxCounter, SandboxSession } from "./session.ts";
import { StdioTransport } from "./_stdio.ts";
import { describeShares, SHARED_ROOT } from "./shares.ts";
import { VERSION } from "./version.ts";

/**
 * Reads an environment variable, treating one Deno may not read as unset. It asks first, so that
 * in a terminal Deno never stops to prompt for a variable the flags did not grant.
 */
function readEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return undefined;
  }
  return Deno.env.get(name);
}

/** Waits for `promise`, but at most `ms` milliseconds. */
async function within(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((done) => timer = setTimeout(done, ms))]);
  clearTimeout(timer);
}

/** What the model is told about the sandbox when it connects. */
function instructions(config: Config): string {
  const { local, limits } = config;
  const where = config.provider === "daytona"
    ? "in a Daytona cloud sandbox (a Linux container with Python 3) created for this session; its home directory is the working directory"
    : local.dangerouslyRunUnisolated
    ? "directly on the server's machine WITHOUT isolation, in a private working directory"
    : `in an isolated Linux sandbox (bubblewrap) whose home and working directory is ${SANDBOX_HOME}; only that directory and /tmp are writable, the rest of the system is read-only, and you run as the unprivileged user 'sandbox'`;
  const network = config.provider === "daytona"
    ? "The sandbox has internet access unless it was created with network_block_all."
    : local.network === "none"
    ? "The sandbox has no network access."
    : local.network === "internet"
    ? `The sandbox reaches public internet addresses through a filtering proxy (HTTP_PROXY and ALL_PROXY are set: pip, git, curl and npm work); this machine's own services and private networks are refused, and a refused connection says why.${
      local.egress.allowDomains
        ? ` Only these domains are allowed: ${local.egress.allowDomains.join(", ")}.`
        : ""
    }${
      local.egress.allowHostPorts.length
        ? ` Ports ${
          local.egress.allowHostPorts.join(", ")
        } of this machine are reachable as 127.0.0.1:PORT.`
        : ""
    }`
    : "The sandbox shares the machine's network; pip or apt may still be unavailable if the machine is offline.";
  const kept = config.workspace
    ? `The sandbox is the persistent workspace '${config.workspace}': its files survive the session and restarts of the server (its processes and Python variables do not).`
    : config.http?.deployment
    ? "The sandbox is private to this session and deleted, with everything in it, when the session ends; without a session (protocol 2026-07-28), it is kept until sandbox_delete deletes it, or Daytona after it sat unused for a while."
    : "The sandbox is private to this session and deleted, with everything in it, when the session ends.";
  return [
    `Commands and Python run ${where}. ${kept}`,
    // Tools are not named here: each tool's description says how to use it, and a tool added to
    // the registry needs no word in this text.
    "Files, background processes and the Python interpreter's variables, imports and functions persist between calls, like a notebook; each tool's description says how to use it.",
    network,
    `Every tool that works in a sandbox takes an optional sandbox_id to work in another sandbox than the session's default one; the sandbox_* tools create, list and delete them${
      config.http ? "" : ", and persistent workspaces that outlive the session"
    }.${
      config.sandboxes.perSession
        ? ` This session may have ${config.sandboxes.perSession} sandboxes at once, its default one included.`
        : ""
    }`,
    `Calls stop after ${limits.defaultTimeout} s unless given a timeout; stdout and stderr are each capped at ${limits.maxOutputBytes} bytes (head and tail kept), so redirect big outputs to files.`,
    ...(config.shares.length ? [sharesSentence(config)] : []),
  ].join("\n");
}

/** What the model is told about the user's shared directories. */
function sharesSentence(config: Config): string {
  const mounted = config.provider === "local";
  const where = mounted
    ? mountsShares(config)
      ? ` Inside local sandboxes each is mounted at ${SHARED_ROOT}/<name> (read-only ones cannot be changed there), so commands can use the files directly.`
      : " Unisolated sandboxes see each at its own path."
    : "";
  return `The user shared these directories of their machine: ${
    describeShares(config.shares, mounted && mountsShares(config))
  }.${where} To copy a file between one and a sandbox without passing its bytes through this conversation (any size), give file_upload a host_path (the path on the user's machine) instead of content, or file_download a host_path to save the file there (read-write directories only); nothing outside these directories is reachable that way.`;
}

function mountsShares(config: Config): boolean {
  return config.provider === "local" && !config.local.dangerouslyRunUnisolated;
}

/**
 * The configured provider. The Daytona SDK is imported only here, only when Daytona is chosen;
 * the local provider checks for bubblewrap before the server answers anything.
 */
async function createProvider(config: Config, log: Logger): Promise<SandboxProvider> {
  if (config.provider === "daytona") {
    if (Deno.permissions.querySync({ name: "net" }).state !== "granted") {
      throw new TypeError(
        "Cannot use the Daytona provider: Deno may not use the network; start it with --allow-net --allow-env (deno task start:daytona)",
      );
    }
    if (!config.daytona.verifySsl) {
      log.warn(
        "MCP_VERIFY_SSL=false: certificates are still verified; for a self-signed Daytona server start Deno with --unsafely-ignore-certificate-errors=<host> or add its CA with DENO_CERT",
      );
    }
    const { DaytonaProvider } = await import("./providers/daytona/mod.ts");
    return new DaytonaProvider({
      apiKey: config.daytona.apiKey!,
      apiUrl: config.daytona.apiUrl,
      target: config.daytona.target,
      timeoutSeconds: config.daytona.timeoutSeconds,
      autoStopMinutes: config.daytona.autoStopMinutes,
      deployment: config.http?.deployment,
      log,
    });
  }
  if (
    config.local.network !== "host" && !config.local.dangerouslyRunUnisolated &&
    Deno.permissions.querySync({ name: "net" }).state !== "granted"
  ) {
    throw new TypeError(
      `Cannot start local sandboxes with --network ${config.local.network}: Deno may not use the network, which their egress proxy and web_preview need; start it with --allow-net (deno task start), or use --network host`,
    );
  }
  // Over HTTP each client is a tenant of its own, and a root server keeps them apart by uid too.
  const local = new LocalProvider({
    ...config.local,
    shares: config.shares,
    uidPerTenant: config.http !== undefined,
    log,
  });
  await local.check();
  return local;
}

/**
 * Runs the server until the client goes away or a signal arrives. Returns the exit code for
 * `--help`, `--version` and bad configuration; otherwise exits the process itself after cleanup.
 *
 * @example Print the version, as `--version` does
 * ```ts
 * import { equal as assertEqual } from "node:assert/strict";
 * import { main } from "./cli.ts";
 * assertEqual(await main(["--version"]), 0); // after printing "daytona-mcp-interpreter 0.1.0"
 * ```
 */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "init") {
    const { runInit } = await import("./init.ts");
    return await runInit(args.slice(1), readEnv);
  }
  if (args[0] === "doctor") {
    let config: Config;
    try {
      const command = parseCommand(args.slice(1), readEnv);
      if (command.kind !== "serve") {
        console.log(usage());
        return 0;
      }
      config = command.config;
    } catch (error) {
      console.error((error as Error).message);
      return 2;
    }
    const { diagnose, report } = await import("./doctor.ts");
    return report(await diagnose(config), config.provider);
  }
  let config: Config;
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
    console.error(`${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  const log = createLogger(config.logLevel);
  for (const notice of config.notices) log.warn(notice);
  // The provider's checks (a bwrap run, or loading the Daytona SDK) overlap the handshake.
  const providing = createProvider(config, log);
  providing.catch(() => {}); // reported below
  // Over stdio, the handshake is answered while the MCP SDK loads (see _stdio.ts). Requests that
  // arrived just before the end of stdin (a client that writes and closes at once) are still
  // answered before the exit.
  let stdinEnded = () => {};
  const told = instructions(config);
  const transport = config.http ? undefined : new StdioTransport({
    instructions: told,
    onEnd: () => stdinEnded(),
  });
  let provider: SandboxProvider;
  try {
    provider = await providing;
  } catch (error) {
    log.error((error as Error).message);
    return 1;
  }
  if (transport) {
    // Loading the SDK keeps the event loop busy for a while: first let a client that spoke at
    // once finish its handshake, and get the tool list it usually asks for right after.
    await within(50, transport.greeted);
    await within(100, transport.initialized);
    await within(15, transport.listed);
  }
  try {
    // One count across all sessions, so that together they stay within --max-sandboxes.
    const counter = new SandboxCounter(config.sandboxes.max);
    // Stdio serves one client, so its sandbox can start now and be ready for the first tool call;
    // a local one costs little. Not before the handshake is answered: on a small machine its
    // start-up would slow the server's own. Daytona sandboxes are billed, and HTTP sessions come
    // and go: those start on the first call.
    // `tenant` is given for a 2026-07-28 client's token over HTTP: in a deployment, the servers
    // share that tenant's sandboxes.
    const newSession = (tenant?: string) => {
      const relay = createLogRelay(log);
      const shared = tenant !== undefined && config.http?.deployment !== undefined;
      const session = new SandboxSession(provider, relay.log, {
        maxSandboxes: config.sandboxes.perSession,
        counter,
        // Workspaces are the user's: over HTTP, with several clients, they would be shared.
        workspaces: !config.http,
        workspace: config.workspace,
        ...(shared ? { shared, tenant } : {}),
      });
      return { relay, session };
    };
    const stdio = transport ? newSession() : undefined;
    const warming = config.provider === "local" ? stdio?.session.warm() : undefined;
    // A 2026-07-28 client (its first message says so) is served by the v2 SDK, loaded only then.
    const era = transport ? await transport.era : "legacy";
    // Loading the SDK holds the event loop for 150-300 ms on a small machine, and the sandbox's
    // start needs it between its steps (disk, cgroup, spawn): the SDK loads once the sandbox's
    // processes run, and they boot while it does (the first call comes about 150 ms sooner here).
    // Never more than 3 s later, whatever the sandbox does.
    if (warming) await within(3_000, warming);
    const { createServer, JSONRPCMessageSchema } = era === "modern"
      ? { createServer: undefined, JSONRPCMessageSchema: undefined }
      : await import("./server.ts");
    // Tasks outlive the HTTP session that started them: one registry for the whole server.
    const { TaskRegistry } = await import("./tasks.ts");
    const tasks = new TaskRegistry();
    // A 2026-07-28 client's tasks belong to its owner: its bearer token (HTTP), or the process.
    const modernOptions = (
      session: SandboxSession,
      withoutId: "default" | "new",
      owner: string,
    ) => ({
      session,
      withoutId,
      limits: config.limits,
      instructions: told,
      log,
      credentials: config.credentials,
      shares: config.shares,
      // In a deployment any server may get a task's next request: its record lives in its sandbox.
      tasks: { registry: tasks, owner, inSandbox: config.http?.deployment !== undefined },
    });
    const makeServer = ({ relay, session }: ReturnType<typeof newSession>) => {
      const server = createServer!({
        tasks,
        session,
        limits: config.limits,
        instructions: told,
        log: relay.log,
        credentials: config.credentials,
        shares: config.shares,
        onLogLevel: relay.setLevel,
      });
      relay.attach(server);
      return { session, server };
    };

    let stopping = false;
    let stopTransports = async () => {};
    const shutdown = async (reason: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`shutting down: ${reason}`);
      // Exit even if a sandbox refuses to die quickly; bwrap's --die-with-parent finishes the job.
      const force = setTimeout(() => Deno.exit(0), 10_000);
      try {
        tasks.close();
        await stopTransports();
        await provider.close();
      } catch (error) {
        log.error(`cleanup failed: ${(error as Error).message}`);
      } finally {
        clearTimeout(force);
        // Let the last replies leave stdout before the process ends.
        await transport?.drain();
        Deno.exit(0);
      }
    };
    stdinEnded = () => setTimeout(() => shutdown("stdin closed"), 250);
    Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
    Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));

    if (config.http) {
      if (
        Deno.permissions.querySync({ name: "net", host: config.http.hostname }).state !== "granted"
      ) {
        log.error(
          `Cannot serve HTTP: Deno may not listen on ${config.http.hostname}; add --allow-net=${config.http.hostname} (deno task start:http)`,
        );
        return 1;
      }
      const { serveHttp } = await import("./http.ts");
      let http: HttpServer;
      try {
        http = serveHttp(
          {
            ...config.http,
            log,
            onSessionEnd: (id) => tasks.sessionEnded(id),
          },
          () => makeServer(newSession()),
          {
            session: (tenant) => newSession(tenant).session,
            load: async () => {
              const { createModernHttp, createModernServer } = await import("./modern.ts");
              // Called once per bearer token, as its session is. Its tasks are the token's: when
              // its sandboxes idle out, a random owner made their results unreachable, though
              // promised for an hour.
              return (session, tenant) => {
                const owner = `token:${tenant}`;
                return createModernHttp(
                  () => createModernServer(modernOptions(session, "new", owner)),
                  (error) => log.debug(`2026-07-28 request: ${error.message}`),
                );
              };
            },
          },
        );
      } catch (error) {
        log.error((error as Error).message);
        return 1;
      }
      stopTransports = () => http.close();
      log.info(
        `daytona-mcp-interpreter ${VERSION} serving MCP at ${http.url} (provider: ${config.provider}${
          config.http.token ? ", bearer token required" : ""
        }${config.http.deployment ? `, deployment ${config.http.deployment}` : ""})`,
      );
      return await new Promise<number>(() => {});
    }

    if (era === "modern") {
      const { createModernServer, serveModernStdio } = await import("./modern.ts");
      const { session } = stdio!;
      const served = serveModernStdio(
        transport,
        () => createModernServer(modernOptions(session, "default", "stdio")),
      );
      stopTransports = async () => {
        await session.close();
        await served.close();
      };
      log.info(
        `daytona-mcp-interpreter ${VERSION} ready on stdio, protocol 2026-07-28 (provider: ${config.provider})`,
      );
      return await new Promise<number>(() => {});
    }
    const { session, server } = makeServer(stdio!);
    stopTransports = async () => {
      await session.close();
      await server.close();
    };
    transport!.validate = (message) => JSONRPCMessageSchema!.parse(message);
    await server.connect(transport!);
    log.info(`daytona-mcp-interpreter ${VERSION} ready on stdio (provider: ${config.provider})`);
    if (Deno.stdin.isTerminal()) {
      // Started by hand: say what this is waiting for, on stderr (stdout belongs to the protocol).
      console.error(
        [
          "This is an MCP server: it is waiting for an MCP client to speak JSON-RPC on stdin.",
          "Try it:   npx @modelcontextprotocol/inspector --cli deno task start --method tools/list",
          "Or run a scripted session:   deno task demo",
          "Or connect Claude Desktop, Cursor or Claude Code (see the README). Ctrl-C quits.",
        ].join("\n"),
      );
    }
    return await new Promise<number>(() => {}); // runs until shutdown() exits the process
  } catch (error) {
    // Whatever failed, the sandboxes made so far must not outlive the server.
    log.error(`Cannot serve: ${(error as Error).message}`);
    await provider.close().catch(() => {});
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
