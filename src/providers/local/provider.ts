// The local provider: makes sandboxes on this machine, each a long-lived bwrap holding the
// supervisor, with its own directory, control group, egress proxy and preview forwarder.

import { createLogger, type Logger } from "../../log.ts";
import {
  type CreateSandboxOptions,
  SandboxError,
  type SandboxProvider,
  type SandboxSummary,
  type SharedMount,
  type WorkspaceSummary,
} from "../../sandbox.ts";
import { defaultWorkspacesDir } from "../../workspace.ts";
import { AgentProcess } from "../agent/process.ts";
import {
  DEFAULT_BUDGET,
  type SandboxBudget,
  type SandboxCgroup,
  SandboxCgroups,
} from "./cgroup.ts";
import { EgressProxy, matchesDomain } from "./_egress.ts";
import { PreviewForwarder } from "./_preview.ts";
import {
  bwrapArgs,
  bwrapCommand,
  type BwrapFeatures,
  bwrapFeatures,
  CURRENT_BWRAP,
  defaultEnvironment,
  HTTP_PROXY_PORT,
  identityFiles,
  NET_DIR,
  SANDBOX_HOME,
  SOCKS_PROXY_PORT,
  SYSTEM_DIRS,
  tenantUid,
  UNPRIVILEGED_UID,
} from "./_bwrap.ts";
import { compileModules } from "./_bytecode.ts";
import { hostPaths, onHost, removeTree, type SandboxDisk, SandboxDisks } from "./_disk.ts";
import { lockSandbox, sweepLeftovers } from "./_leftovers.ts";
import { SandboxQuotas } from "./_quotas.ts";
import { LocalSandbox } from "./sandbox.ts";
import {
  findWorkspaces,
  holdWorkspace,
  removeWorkspace,
  type WorkspaceHold,
  workspaceSandboxId,
} from "./_workspace.ts";
import {
  checkShareNames,
  checkSharePlacement,
  type KeptDirectory,
  SHARED_ROOT,
  type SharedDirectory,
} from "../../shares.ts";
import {
  packageCacheEnvironment,
  type PackageCacheLease,
  PackageCaches,
} from "./_package_cache.ts";
import {
  AGENT_FILES,
  CGROUPS_PY,
  DISK_PY,
  LOCAL_AGENT_FILES,
  QUOTAS_PY,
} from "../agent/_runtime.ts";

/** The supervisor's files in a local sandbox's runtime directory. */
const RUNTIME_FILES: Readonly<Record<string, string>> = { ...AGENT_FILES, ...LOCAL_AGENT_FILES };

/** How a local sandbox reaches the network. */
export type SandboxNetwork = "internet" | "none" | "host";

/**
 * Options for {@linkcode LocalProvider}.
 *
 * @example Sandboxes with a private network
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "./mod.ts";
 * await using provider = new LocalProvider({ network: "none", python: "/usr/bin/python3" });
 * await provider.check(); // throws, saying how to fix it, when bubblewrap is missing
 * await using sandbox = await provider.create();
 * const code = "import socket; print(socket.if_nameindex())";
 * equal((await sandbox.exec(["python3", "-c", code])).stdout, "[(1, 'lo')]\n");
 * ```
 */
export interface LocalProviderOptions {
  /**
   * `"internet"`: each sandbox has a network of its own and reaches public internet addresses
   * only through the server's egress proxy (see `egress`); this machine's loopback, LAN and
   * cloud metadata are refused. `"none"`: a private loopback only. `"host"`: this machine's
   * network, shared; unsafe, since sandbox code then reaches every service on it.
   * @default "internet"
   */
  network?: SandboxNetwork;
  /** The egress policy of the `internet` mode. */
  egress?: EgressOptions;
  /**
   * Run commands directly on this machine, as the server's user, without bubblewrap. Anything the
   * model runs can then read and change your files. Only for machines without bubblewrap that
   * are disposable themselves.
   * @default false
   */
  dangerouslyRunUnisolated?: boolean;
  /** Host directory under which each sandbox gets a private directory. @default "/tmp" */
  baseDir?: string;
  /**
   * Host directory that keeps persistent workspaces (`create({ workspace })`), one directory
   * each; Deno must be allowed to read and write it. When the server runs as root, others must
   * be able to pass every directory above it (bubblewrap then runs as nobody).
   * @default `$XDG_DATA_HOME/daytona-mcp-interpreter/workspaces`, else `~/.local/share/…`, where Deno may read those variables
   */
  workspacesDir?: string;
  /** The Python interpreter to run inside sandboxes. @default "/usr/bin/python3" */
  python?: string;
  /** Where diagnostics go. @default a logger writing warnings to stderr */
  log?: Logger;
  /** Caps for every process in a sandbox; 0 turns one off. */
  limits?: LocalLimits;
  /**
   * What each sandbox may use as a whole (control groups; where the server may not use them,
   * only the per-process `limits` apply); 0 leaves one uncapped. `create({ cpu, memory, disk })`
   * lowers it for one sandbox, and is refused above it. The disk budget (home and /tmp) is a
   * mounted image of its size, only where the server runs as root. @default { memoryMb: 2048, processes: 512, cpus: 2, diskGb: 3 }
   */
  budget?: Partial<SandboxBudget>;
  /** The control groups to make sandboxes' cgroups in. @default found on this machine */
  cgroups?: SandboxCgroups;
  /**
   * Give the sandboxes of one tenant (`create({ tenant })`, an MCP session) one pip and uv
   * cache, so that a package installed in one of them installs from the cache in the next.
   * Another tenant's sandboxes never see it. As root it is a disk image of the disk budget's
   * size, like each sandbox's directory. @default true
   */
  packageCache?: boolean;
  /**
   * When the server runs as root, run each tenant's sandboxes (`create({ tenant })`, an MCP
   * session or a token over HTTP) as a host uid of its own instead of all as `nobody`. The kernel
   * counts some quotas per uid (inotify instances, pipe buffer pages): with one uid for all, one
   * tenant's sandbox can use them up for every other tenant. The uids come from a range no
   * account uses (see `TENANT_UIDS` in _bwrap.ts); a workspace attached by another tenant is
   * given to that tenant's uid, file by file. The HTTP server turns it on. @default false
   */
  uidPerTenant?: boolean;
  /**
   * A PEM file of certificate authorities that clones with a token trust besides the system's
   * (a git server with a private CA); readable by `nobody` when the server runs as root. The
   * sandbox's own git settings never apply to those clones.
   */
  gitCaFile?: string;
  /**
   * Directories of this machine mounted into every sandbox at `/shared/<name>`, read-only unless
   * their mode is `"rw"`. Symlinks inside them resolve in the sandbox's own file system, where
   * nothing else of this machine exists. Unisolated sandboxes see them at their own paths.
   * @default none
   */
  shares?: readonly SharedDirectory[];
}

/**
 * What sandboxes in the `internet` mode may reach besides public internet addresses, or instead.
 *
 * @example Allow PyPI only, and a database on this machine
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "./mod.ts";
 * const egress = { allowDomains: ["pypi.org", "*.pythonhosted.org"], allowHostPorts: [5432] };
 * await using provider = new LocalProvider({ egress });
 * await using sandbox = await provider.create();
 * equal((await sandbox.exec("pip download --no-deps six")).exitCode, 0);
 * ```
 */
export interface EgressOptions {
  /** Only these domains (`*.example.org` for subdomains) may be reached. @default any public */
  allowDomains?: readonly string[];
  /** Ports of this machine's loopback that sandboxes reach on purpose, as 127.0.0.1:PORT. */
  allowHostPorts?: readonly number[];
  /** Resolves names for the proxy (tests map names to loopback with it). @default DNS */
  resolve?: (hostname: string) => Promise<string[]>;
  /** Opens the proxy's connection to an allowed address (tests confine it). @default Deno.connect */
  connect?: (address: string, port: number, signal: AbortSignal) => Promise<Deno.TcpConn>;
}

/**
 * Per-process resource limits inside local sandboxes (setrlimit, inherited by every process).
 *
 * @example Give each process more memory and fewer processes
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { type LocalLimits, LocalProvider } from "./mod.ts";
 * // Room for a JVM, at most 256 processes, and no cap on file size.
 * const limits: LocalLimits = { memoryMb: 16_384, processes: 256, fileMb: 0 };
 * await using provider = new LocalProvider({ limits });
 * await using sandbox = await provider.create();
 * equal((await sandbox.exec("ulimit -v")).stdout, "16777216\n");
 * ```
 */
export interface LocalLimits {
  /**
   * Address space of one process, in MiB (runtimes that reserve large address ranges, like
   * Node.js or a JVM, may need more). @default 8192
   */
  memoryMb?: number;
  /**
   * Processes the sandbox's user may have at once (a fork bomb stops there). On the host this
   * user is `nobody` (or its tenant's, with `uidPerTenant`) when the server runs as root, else the
   * server's own user. Where the
   * sandbox's process budget is enforced by its control group (see `budget`), that budget caps
   * the same count instead and this limit is not set. @default 1024
   */
  processes?: number;
  /** Largest file a process may write, in MiB. @default 4096 */
  fileMb?: number;
}

const INSTALL_BWRAP =
  "install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install bubblewrap`; Arch: `sudo pacman -S bubblewrap`), or, only on a disposable machine, pass --dangerously-run-unisolated to run commands without isolation";

/**
 * Makes local sandboxes.
 *
 * @example Run a command and Python in a local sandbox
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "./mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * equal((await sandbox.exec("uname -s")).stdout, "Linux\n");
 * equal((await sandbox.runPython("6 * 7")).result, "42");
 * ```
 */
export class LocalProvider implements SandboxProvider {
  /** Always `"local"`. */
  readonly name = "local";
  #options: Required<
    Omit<
      LocalProviderOptions,
      | "limits"
      | "gitCaFile"
      | "egress"
      | "budget"
      | "cgroups"
      | "workspacesDir"
      | "shares"
      | "packageCache"
      | "uidPerTenant"
    >
  >;
  #workspacesDir: string | undefined;
  #budget: SandboxBudget;
  #cgroups: Promise<SandboxCgroups> | undefined;
  #disks: SandboxDisks | undefined;
  #quotas: SandboxQuotas | undefined;
  #caches: PackageCaches | undefined;
  #givenCgroups: boolean;
  #egress: EgressOptions;
  #gitCaFile: string | undefined;
  #features: BwrapFeatures = CURRENT_BWRAP;
  #warned = false;
  #limits: Required<LocalLimits>;
  #sandboxes = new Map<string, LocalSandbox>();
  #shares: readonly SharedDirectory[];
  #swept: Promise<void> | undefined;
  /**
   * The supervisor's compiled modules, made at the second sandbox: compiling costs more than one
   * sandbox saves, and a server that makes only one (a desktop client's) starts it sooner without.
   */
  #bytecode: Promise<Map<string, Uint8Array>> | undefined;
  #creations = 0;
  /** Sandboxes being made. */
  #making = new Set<Promise<LocalSandbox>>();
  #resolvedShares: Promise<string[]> | undefined;
  /** The key of {@linkcode tenantUid}, when each tenant has a uid of its own. */
  #uidKey: Uint8Array | undefined;

  /** Creates a provider; nothing starts until {@linkcode LocalProvider.create}. */
  constructor(options: LocalProviderOptions = {}) {
    this.#options = {
      network: options.network ?? "internet",
      dangerouslyRunUnisolated: options.dangerouslyRunUnisolated ?? false,
      baseDir: options.baseDir ?? "/tmp",
      python: options.python ?? "/usr/bin/python3",
      log: options.log ?? createLogger("warn"),
    };
    this.#gitCaFile = options.gitCaFile;
    this.#workspacesDir = options.workspacesDir ?? defaultWorkspacesDir(readableEnv);
    this.#shares = options.shares ?? [];
    checkShareNames(this.#shares);
    checkSharePlacement(this.#shares, this.#kept());
    if (options.uidPerTenant) this.#uidKey = crypto.getRandomValues(new Uint8Array(32));
    this.#egress = options.egress ?? {};
    this.#budget = { ...DEFAULT_BUDGET, ...options.budget };
    this.#cgroups = options.cgroups && Promise.resolve(options.cgroups);
    this.#givenCgroups = options.cgroups !== undefined;
    if (options.packageCache ?? true) {
      this.#caches = new PackageCaches(
        this.#options.baseDir,
        (tenant) => Deno.uid() === 0 ? this.#uidOf(tenant) : undefined,
        () => {
          if (this.#options.dangerouslyRunUnisolated || this.#budget.diskGb <= 0) return undefined;
          return { disks: this.#diskPool(), bytes: Math.ceil(this.#budget.diskGb * 1024) * MIB };
        },
      );
    }
    const limits = options.limits ?? {};
    this.#limits = {
      memoryMb: limits.memoryMb ?? 8192,
      processes: limits.processes ?? 1024,
      fileMb: limits.fileMb ?? 4096,
    };
  }

  /** The directories sandboxes keep their state in, which shares must leave alone. */
  #kept(): KeptDirectory[] {
    return [
      {
        path: this.#options.baseDir,
        what: "the sandboxes' own directories and package caches (--sandbox-dir)",
        readableByShares: false,
        sharesInside: true,
      },
      ...this.#workspacesDir === undefined ? [] : [{
        path: this.#workspacesDir,
        what: "the persistent workspaces (--workspace-dir)",
        readableByShares: true,
        sharesInside: false,
      }],
    ];
  }

  /**
   * Each share's directory as the host resolves it, every symlink followed, once: what sandboxes
   * get mounted. The constructor's check resolves only what Deno may read, and bubblewrap follows
   * symlinks when it mounts, so a share given as a symlink Deno may not read (`deno task start`
   * reads only /tmp and its own files) could be the sandboxes' directory or lie inside a
   * read-write share; here the placement is checked again with every path resolved.
   */
  #hostShares(): Promise<string[]> {
    return this.#resolvedShares ??= (async () => {
      const kept = this.#kept();
      const paths = [...this.#shares.map((share) => share.path), ...kept.map((dir) => dir.path)];
      const resolved = await hostPaths(this.#options.python, paths).catch((error) => {
        throw new SandboxError(`Cannot share: ${error.message}`, { cause: error });
      });
      const found = new Map(paths.map((path, i) => [path, resolved[i]]));
      checkSharePlacement(this.#shares, kept, (path) => found.get(path)!);
      return this.#shares.map((share) => found.get(share.path)!.real);
    })();
  }

  /** The host uid `tenant`'s sandboxes run as when the server runs as root. */
  #uidOf(tenant: string | undefined): number {
    return this.#uidKey && tenant ? tenantUid(this.#uidKey, tenant) : UNPRIVILEGED_UID;
  }

  /**
   * The agent's limits for one sandbox (SANDBOX_LIMITS). The process cap is left out where the
   * sandbox's cgroup caps its processes: it counts the same tasks (every process and thread of the
   * sandbox's user namespace), and setting it costs an exec of `prlimit` before every command.
   */
  #limitsFor(cgroup: SandboxCgroup | undefined): string {
    const { memoryMb, processes, fileMb } = this.#limits;
    const capped = cgroup !== undefined && cgroup.budget.processes > 0;
    return [
      `memory_mb=${memoryMb}`,
      ...(capped ? [] : [`processes=${processes}`]),
      `file_mb=${fileMb}`,
      // Without a cgroup nothing budgets its CPU: a busy loop left running took a core for the
      // sandbox's life, at the priority of the user's own programs.
      ...(cgroup === undefined ? [`nice=${UNBUDGETED_NICE}`] : []),
    ].join(",");
  }

  /**
   * Checks that sandboxes can be made here: bubblewrap is installed (unless running unisolated).
   * Throws a {@linkcode SandboxError} that says how to fix it otherwise.
   */
  async check(): Promise<void> {
    if (this.#options.dangerouslyRunUnisolated) {
      for (const share of this.#shares) {
        const info = await Deno.stat(share.path).catch((error) => {
          throw new SandboxError(`Cannot share ${share.path}: ${error.message}`, { cause: error });
        });
        if (!info.isDirectory) {
          throw new SandboxError(`Cannot share ${share.path}: it is not a directory`);
        }
      }
      return;
    }
    try {
      const { success, stdout } = await new Deno.Command("bwrap", {
        args: ["--version"],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (!success) throw new Error("bwrap --version failed");
      this.#features = bwrapFeatures(new TextDecoder().decode(stdout));
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw new SandboxError(
          "Cannot start the local sandbox: Deno may not run bwrap; start deno with --allow-run=bwrap,setpriv",
          { cause: error },
        );
      }
      throw new SandboxError(
        `Cannot start the local sandbox: bubblewrap (bwrap) is not installed or does not work; ${INSTALL_BWRAP}`,
        { cause: error },
      );
    }
    if (this.#shares.length > 0) await this.#checkShares();
  }

  /**
   * Mounts the shares the way sandboxes will (as `nobody` when the server runs as root) and checks
   * that each is a directory, so that a wrong --share fails at start, not at every create().
   */
  async #checkShares(): Promise<void> {
    const sources = await this.#hostShares();
    const args = ["--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr"];
    for (const dir of SYSTEM_DIRS) args.push("--ro-bind-try", `/${dir}`, `/${dir}`);
    sources.forEach((source, i) => args.push("--ro-bind", source, `/s/${i}`));
    args.push(
      "/bin/sh",
      "-c",
      'i=0; for d; do test -d "$d" || echo "$i"; i=$((i+1)); done',
      "sh",
      ...this.#shares.map((_, i) => `/s/${i}`),
    );
    const { success, stdout, stderr } = await bwrapCommand(args, {
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(stderr).trim();
    if (!success) {
      const share = this.#shares.find((share, i) =>
        said.includes(share.path) || said.includes(sources[i])
      );
      throw new SandboxError(
        `Cannot share ${share?.path ?? this.#shares.map((share) => share.path).join(", ")}: ${
          said || "bwrap failed"
        }${
          Deno.uid() === 0
            ? " (the server runs as root, so sandboxes are the user nobody, who must be able to reach it)"
            : ""
        }`,
      );
    }
    const bad = new TextDecoder().decode(stdout).split("\n").filter(Boolean).map(Number);
    if (bad.length > 0) {
      throw new SandboxError(`Cannot share ${this.#shares[bad[0]].path}: it is not a directory`);
    }
  }

  /**
   * Where each share is in a sandbox: /shared/<name>, or its own path when unisolated; `sources`
   * (what bubblewrap mounts) replace the shares' paths as given.
   */
  #mounts(isolated: boolean, sources?: readonly string[]): SharedMount[] {
    return this.#shares.map((share, i) => ({
      hostPath: sources?.[i] ?? share.path,
      path: isolated ? `${SHARED_ROOT}/${share.name}` : share.path,
      mode: share.mode,
    }));
  }

  /** How budgets are enforced here: the control groups found at the first create(). */
  cgroups(): Promise<SandboxCgroups> {
    return this.#cgroups ??= SandboxCgroups.open(this.#options.python, CGROUPS_PY);
  }

  /**
   * Creates a sandbox: a private directory and a running, isolated agent. Of the
   * {@linkcode CreateSandboxOptions}, `env`, `networkBlockAll`, `labels`, `tenant` (whose package cache it shares) and the budget (`cpu`
   * in cores, `memory` and `disk` in GiB, as on Daytona) apply; images, snapshots and auto-stop are
   * Daytona's and rejected with a TypeError. With `workspace`, the sandbox's directory is that
   * persistent workspace's, in the workspaces directory: made if new, attached again if not (its
   * home is as it was left; its /tmp and processes start afresh), locked against other servers
   * while open, and kept when the sandbox closes.
   */
  async create(options: CreateSandboxOptions = {}): Promise<LocalSandbox> {
    // Close waits for sandboxes being made: closing the helpers under one left its disk mounted.
    const making = this.#create(options);
    this.#making.add(making);
    try {
      return await making;
    } finally {
      this.#making.delete(making);
    }
  }

  async #create(options: CreateSandboxOptions): Promise<LocalSandbox> {
    options.signal?.throwIfAborted();
    const unsupported = (["image", "snapshot", "autoStopMinutes"] as const)
      .filter((key) => options[key] !== undefined);
    if (unsupported.length > 0) {
      throw new TypeError(
        `Cannot create a local sandbox with ${
          unsupported.join(", ")
        }: only the Daytona provider supports that`,
      );
    }
    const { baseDir, python, log } = this.#options;
    const network: SandboxNetwork = options.networkBlockAll ? "none" : this.#options.network;
    const cidr = options.networkAllowList?.find((entry) => entry.includes("/"));
    if (cidr !== undefined) {
      throw new TypeError(
        `Cannot create a local sandbox with network_allow_list entry '${cidr}': the local provider takes domain names (*.example.org for subdomains), which its egress proxy enforces; CIDR blocks are Daytona's`,
      );
    }
    if (options.networkAllowList && network !== "internet") {
      throw new TypeError(
        `Cannot create a local sandbox with network_allow_list: its network is ${network}; the allow-list applies to the internet mode`,
      );
    }
    const env = options.env ?? {};
    const isolated = !this.#options.dangerouslyRunUnisolated;
    const uid = this.#uidOf(options.tenant);
    let budget = budgetOf(this.#budget, options);
    const sources = isolated && this.#shares.length > 0 ? await this.#hostShares() : undefined;
    const hold = options.workspace === undefined ? undefined : this.#hold(options.workspace);
    // Everything up to the spawn is synchronous but for the requests to the helpers (the disk
    // image and the cgroup, made at the same time), so the sandbox starts coming up even while
    // the event loop is busy (the server loading its SDK).
    // What servers that died left behind is removed at the first sandbox, alongside it.
    this.#swept ??= this.#sweep(isolated);
    if (++this.#creations > 1) this.#bytecode ??= compileModules(python, RUNTIME_FILES);
    const root = hold?.root ?? makeSandboxDir(baseDir);
    const id = hold
      ? workspaceSandboxId(hold.name)
      : `local-${root.slice(root.lastIndexOf("mcp-sandbox-") + 12)}`;
    const internet = isolated && network === "internet";
    if (
      isolated && network !== "host" &&
      Deno.permissions.querySync({ name: "net" }).state !== "granted"
    ) {
      hold?.release();
      throw new SandboxError(
        `Cannot create a local sandbox with network ${network}: Deno may not use the network, which its egress proxy and web_preview need (unix sockets count as network); start deno with --allow-net, or use network "host"`,
      );
    }
    // Its own network (internet or none): previews go through a tunnel of the supervisor's.
    const tunnelled = isolated && network !== "host";
    let proxy: EgressProxy | undefined;
    let preview: PreviewForwarder | undefined;
    let cgroup: SandboxCgroup | undefined;
    let disk: SandboxDisk | string | undefined;
    let cache: PackageCacheLease | undefined;
    let quotasUnenforced: string | undefined;
    // The server's sockets, read-only inside, owned by the server; a workspace's live outside it,
    // since a socket's path must be short.
    let netDir = `${root}/net`;
    let owned: Deno.FsFile | undefined;
    let netLock: Deno.FsFile | undefined;
    // Its control group, made while the disk is; the agent holds until it is inside. A
    // workspace's id is its name's: its cgroup gets a name of its own, in case a server that died
    // left the last one behind.
    const pool = isolated ? this.cgroups() : undefined;
    const made = pool?.then((pool) =>
      pool.create(hold ? `${id}-${crypto.randomUUID().slice(0, 8)}` : id, budget)
    );
    made?.catch(() => {}); // awaited below; not unhandled meanwhile
    try {
      // A workspace made with a disk image keeps it: its files are in there.
      const imaged = hold && !hold.made ? hold.record.disk_bytes : undefined;
      if (typeof imaged === "number") {
        if (!isolated || Deno.uid() !== 0) {
          throw new SandboxError(
            `Cannot attach workspace ${
              hold!.name
            }: its files are in a disk image, which only a server running as root can mount`,
            { sandboxId: id },
          );
        }
        budget = { ...budget, diskGb: imaged / GIB };
      }
      // Its disk: an image of the budget's size mounted on its directory, before anything is in it.
      if (isolated && (hold && !hold.made ? typeof imaged === "number" : budget.diskGb > 0)) {
        const bytes = imaged ?? Math.ceil(budget.diskGb * 1024) * MIB;
        disk = await this.#diskPool().make(
          Deno.realPathSync(root),
          bytes,
          uid,
          !!hold,
        );
        if (typeof imaged === "number" && typeof disk === "string") {
          throw new SandboxError(`Cannot attach workspace ${hold!.name}: ${disk}`, {
            sandboxId: id,
          });
        }
      }
      if (hold?.made) {
        hold.save({ ...hold.record, disk_bytes: typeof disk === "object" ? disk.bytes : null });
      }
      // Locked while this server has the sandbox, on its disk: see _leftovers.ts (a workspace
      // has its own lock, and lives outside the base directory the sweep looks in).
      if (!hold) owned = lockSandbox(root);
      // The tenant's package cache (made with its first sandbox); a sandbox does without one.
      cache = await this.#caches?.lease(options.tenant ?? "").catch((error) => {
        log.warn(`sandbox ${id}: no package cache (${error?.message ?? error})`);
        return undefined;
      });
      const dirs = { home: `${root}/home`, tmp: `${root}/tmp`, runtime: `${root}/runtime` };
      if (hold) {
        // Attached again: home is as it was left; what lived for the last attach goes.
        for (const dir of [dirs.tmp, dirs.runtime, `${root}/git`]) await removeTree(dir);
        Deno.mkdirSync(dirs.home, { recursive: true });
        Deno.mkdirSync(dirs.tmp);
        Deno.mkdirSync(dirs.runtime);
      } else {
        for (const dir of Object.values(dirs)) Deno.mkdirSync(dir);
      }
      const files = { ...RUNTIME_FILES, ...identityFiles() };
      for (const [name, text] of Object.entries(files)) {
        Deno.writeTextFileSync(`${dirs.runtime}/${name}`, text);
      }
      const bytecode = await this.#bytecode ?? new Map<string, Uint8Array>();
      if (bytecode.size > 0) Deno.mkdirSync(`${dirs.runtime}/__pycache__`);
      for (const [name, data] of bytecode) {
        Deno.writeFileSync(`${dirs.runtime}/__pycache__/${name}`, data);
      }
      if (tunnelled && hold) {
        // The sandbox's alone (0700, its uid's): with its sockets open to every local user, one
        // used the sandbox's egress proxy and filled its connections.
        netDir = Deno.makeTempDirSync({ dir: baseDir, prefix: "mcp-workspace-net-" });
        // Locked like a sandbox's directory, so that the next server removes it if this one dies.
        netLock = lockSandbox(netDir);
        if (isolated && Deno.uid() === 0) Deno.chownSync(netDir, uid, uid);
      } else if (tunnelled) Deno.mkdirSync(netDir);
      if (internet) {
        proxy = EgressProxy.listen(`${netDir}/proxy.sock`, {
          ...this.#egress,
          allowDomains: allowedDomains(this.#egress.allowDomains, options.networkAllowList),
          log: (message) => log.debug(`sandbox ${id}: ${message}`),
        });
      }
      cgroup = await made;
      let command: Deno.Command;
      if (isolated) {
        const asRoot = Deno.uid() === 0;
        if (asRoot) {
          // Inside a user namespace root stays root on host files: drop to the tenant's uid
          // first. A workspace that another uid used last becomes this one's.
          if (hold && !hold.made) await giveTree(dirs.home, uid);
          for (const path of [root, ...Object.values(dirs)]) Deno.chownSync(path, uid, uid);
        }
        // The sandbox's files are its user's alone: a disk image's root, and directories made
        // under the umask, let every user of this machine read them.
        Deno.chmodSync(root, 0o700);
        Deno.chmodSync(dirs.home, 0o700);
        const args = bwrapArgs({
          ...dirs,
          network,
          python,
          env,
          limits: this.#limitsFor(cgroup),
          features: this.#features,
          hold: true, // for its share of the uid's quotas, and its cgroup
          shares: this.#mounts(true, sources),
          packageCache: cache?.dir,
          ...(tunnelled ? { netDir, hostPorts: this.#egress.allowHostPorts } : {}),
        });
        command = bwrapCommand(args, STDIO, uid);
      } else {
        log.warn(`sandbox ${id}: running UNISOLATED in ${dirs.home}`);
        command = new Deno.Command(python, {
          args: ["-X", "utf8", `${dirs.runtime}/agent.py`],
          cwd: dirs.home,
          ...STDIO,
          env: {
            ...defaultEnvironment(dirs.home),
            ...(cache ? packageCacheEnvironment(cache.dir) : {}),
            ...env,
            SANDBOX_PYTHON: python,
            SANDBOX_VENV: `${dirs.home}/.venv`,
            SANDBOX_LIMITS: this.#limitsFor(undefined),
          },
        });
      }
      // Held at its start until it is in its cgroup and has its share of the uid's quotas.
      const quotas = isolated ? this.#quotas ??= SandboxQuotas.open(python, QUOTAS_PY) : undefined;
      const agent = await AgentProcess.start(command, id, log, {
        started: quotas && (async (child) => {
          [, quotasUnenforced] = await Promise.all([
            cgroup?.adopt(child.pid),
            quotas.cap(child.pid),
          ]);
        }),
        running: options.onStarted,
      });
      if (tunnelled) {
        preview = new PreviewForwarder(agent, `${netDir}/inbound.sock`, `${NET_DIR}/inbound.sock`);
      }
      const sandbox = new LocalSandbox(
        id,
        root,
        agent,
        {
          provider: "local",
          home: isolated ? SANDBOX_HOME : dirs.home,
          pythonVersion: agent.hello.python,
          isolated,
          ...(this.#shares.length ? { shares: this.#mounts(isolated) } : {}),
          ...(internet
            ? {
              reservedPorts: [
                HTTP_PROXY_PORT,
                SOCKS_PROXY_PORT,
                ...(this.#egress.allowHostPorts ?? []),
              ],
            }
            : {}),
        },
        network,
        { ...options.labels },
        async () => {
          this.#sandboxes.delete(sandbox.id);
          await cache?.release();
        },
        {
          caFile: this.#gitCaFile,
          features: this.#features,
          uid,
          python,
          ...(internet ? { egress: { netDir, hostPorts: this.#egress.allowHostPorts ?? [] } } : {}),
        },
        { proxy, preview },
        {
          cgroup,
          budget,
          ownerLock: owned,
          unenforced: (await pool)?.unavailable,
          quotasUnenforced,
          disk: typeof disk === "string" ? undefined : disk,
          diskUnenforced: !isolated
            ? undefined
            : typeof disk === "string"
            ? disk
            : hold && !hold.made && disk === undefined
            ? "the workspace was made without a disk image: its files are on the host's disk"
            : budget.diskGb <= 0
            ? "the disk budget is 0 (none)"
            : undefined,
        },
        hold && { hold, netDir: tunnelled ? netDir : undefined, netLock },
      );
      this.#sandboxes.set(sandbox.id, sandbox);
      log.debug(`sandbox ${id}: started in ${root}`);
      await this.#swept;
      const missing = Object.entries(sandbox.protections).filter(([, why]) => why !== null);
      if (missing.length > 0 && !this.#warned) {
        this.#warned = true;
        log.warn(
          `local sandboxes lack protections: ${
            missing.map(([name, why]) => `${name} (${why})`).join("; ")
          }; \`deno task doctor\` says how to fix this`,
        );
      }
      return sandbox;
    } catch (error) {
      preview?.close();
      await proxy?.close();
      cgroup ??= await made?.catch(() => undefined);
      await cgroup?.remove();
      owned?.close();
      if (typeof disk === "object") await disk.remove().catch(() => {});
      if (hold) {
        netLock?.close();
        if (tunnelled && netDir !== `${root}/net`) await removeTree(netDir);
        if (hold.made) await removeTree(hold.dir);
        hold.release();
      } else {
        await removeTree(root);
      }
      await cache?.release();
      if (error instanceof Deno.errors.NotFound) {
        throw new SandboxError(
          `Cannot start sandbox: ${isolated ? "bwrap" : python} was not found; ${INSTALL_BWRAP}`,
          { cause: error },
        );
      }
      if (
        isolated && error instanceof SandboxError && /Permission denied/.test(error.message) &&
        error.message.includes(baseDir)
      ) {
        // A sandbox runs as a user of its own, who must pass every directory above its own.
        throw new SandboxError(
          `${error.message} (sandboxes run as users of their own, who cannot pass a directory of ${baseDir}'s path that only its owner may enter: choose a --sandbox-dir every user can pass, such as /tmp)`,
          { sandboxId: error.sandboxId, cause: error },
        );
      }
      throw error;
    }
  }

  /** An open sandbox this provider created. */
  get(id: string): Promise<LocalSandbox> {
    const sandbox = this.#sandboxes.get(id);
    if (!sandbox || sandbox.closed) {
      return Promise.reject(
        new SandboxError(
          `Cannot find sandbox ${id}: this server did not create it, or it was deleted`,
        ),
      );
    }
    return Promise.resolve(sandbox);
  }

  /** The open sandboxes this provider created. */
  list(): Promise<SandboxSummary[]> {
    return Promise.resolve(
      [...this.#sandboxes.values()].filter((sandbox) => !sandbox.closed).map((sandbox) => ({
        id: sandbox.id,
        state: "started",
        labels: sandbox.labels,
        createdAt: sandbox.createdAt,
        ...(sandbox.workspace === undefined ? {} : { workspace: sandbox.workspace }),
      })),
    );
  }

  /**
   * The persistent workspaces in the workspaces directory: `"attached"` when open here,
   * `"in_use"` when another server holds one, `"stopped"` otherwise.
   */
  workspaces(): Promise<WorkspaceSummary[]> {
    return Promise.resolve(
      findWorkspaces(this.#workspacesDir).map((found) => {
        const id = workspaceSandboxId(found.name);
        const open = this.#sandboxes.get(id);
        return {
          name: found.name,
          id,
          state: open && !open.closed ? "attached" : found.held ? "in_use" : "stopped",
          ...(found.createdAt ? { createdAt: found.createdAt } : {}),
        };
      }),
    );
  }

  /**
   * Deletes a persistent workspace with all its files (closing its sandbox first if it is open
   * here). Throws a SandboxError when there is none of that name or another server holds it.
   */
  async deleteWorkspace(name: string): Promise<void> {
    await this.#sandboxes.get(workspaceSandboxId(name))?.close();
    await removeWorkspace(this.#workspacesDir, name, async (root) => {
      // A root server that died leaves the image mounted: unmount it rather than empty it.
      if (Deno.uid() !== 0 || this.#options.dangerouslyRunUnisolated) return;
      await this.#diskPool().unmount(Deno.realPathSync(root));
    });
  }

  /** Takes a workspace for a sandbox about to be made, or says why it cannot. */
  #hold(name: string): WorkspaceHold {
    const open = this.#sandboxes.get(workspaceSandboxId(name));
    if (open && !open.closed) {
      throw new SandboxError(
        `Cannot attach workspace ${name}: it is already attached in this server, as sandbox ${open.id}`,
        { sandboxId: open.id },
      );
    }
    if (!this.#workspacesDir) {
      throw new SandboxError(
        `Cannot attach workspace ${name}: there is no workspaces directory, since Deno may not read HOME or XDG_DATA_HOME; set MCP_WORKSPACE_DIR (--workspace-dir), or grant --allow-env=HOME,XDG_DATA_HOME`,
      );
    }
    return holdWorkspace(this.#workspacesDir, name);
  }

  /** Closes a sandbox this provider created: kills its processes and deletes its files. */
  async delete(id: string): Promise<void> {
    const sandbox = this.#sandboxes.get(id);
    if (!sandbox) {
      throw new SandboxError(`Cannot delete sandbox ${id}: this server did not create it`);
    }
    await sandbox.close();
  }

  /** Closes every sandbox this provider created that is still open. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#making);
    await this.#swept;
    await Promise.all([...this.#sandboxes.values()].map((sandbox) => sandbox.close()));
    if (!this.#givenCgroups) await (await this.#cgroups)?.close();
    await this.#disks?.close();
    this.#disks = undefined;
    await this.#quotas?.close();
    this.#quotas = undefined;
  }

  /** The disk helper of a root server, started on first use. */
  #diskPool(): SandboxDisks {
    const { python, baseDir } = this.#options;
    return this.#disks ??= SandboxDisks.open(python, DISK_PY, baseDir, this.#workspacesDir);
  }

  /** Removes what servers that died left in this provider's base directory and cgroups. */
  async #sweep(isolated: boolean): Promise<void> {
    const { baseDir, log } = this.#options;
    const report = await sweepLeftovers({
      baseDir,
      cgroups: isolated ? await this.cgroups() : undefined,
      disks: isolated && Deno.uid() === 0 ? () => this.#diskPool() : undefined,
      log,
    });
    if (report.sandboxes.length > 0) {
      log.info(
        `removed ${report.sandboxes.length} sandbox(es) left by servers that died: ${
          report.sandboxes.join(", ")
        }`,
      );
    }
    if (report.unjudgedCgroups > 0) {
      log.debug(`removed ${report.unjudgedCgroups} empty cgroup(s) of unknown servers`);
    }
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

// bwrap (pid 1 inside the sandbox) and setpriv start with an empty environment: the sandbox user
// can read /proc/1/environ, and the server's environment may hold API keys.
const STDIO = {
  stdin: "piped",
  stdout: "piped",
  stderr: "piped",
  clearEnv: true,
  env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
} as const;

/** The priority (nice value) of a sandbox that no cgroup gives a CPU budget. */
const UNBUDGETED_NICE = 10;
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** An environment variable, or undefined where Deno may not read it (asked first: no prompt). */
/**
 * A new sandbox directory, `<baseDir>/mcp-sandbox-<16 hex digits>` (0700): its name gives the
 * sandbox's id, so that every id has the same length (Deno's temporary names dropped leading zeros).
 */
function makeSandboxDir(baseDir: string): string {
  while (true) {
    const suffix = crypto.getRandomValues(new Uint8Array(8)).toHex();
    const path = `${baseDir}/mcp-sandbox-${suffix}`;
    try {
      Deno.mkdirSync(path, { mode: 0o700 });
      return path;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
}

function readableEnv(name: string): string | undefined {
  return Deno.permissions.querySync({ name: "env", variable: name }).state === "granted"
    ? Deno.env.get(name)
    : undefined;
}

/**
 * The provider's budget with a sandbox's own `cpu` (cores), `memory` and `disk` (GiB) on top. The
 * provider's budget is the most any sandbox gets (the server's `--sandbox-*` flags): a sandbox
 * may ask for less, never more, so that a client cannot take what the operator kept for others.
 */
function budgetOf(base: SandboxBudget, options: CreateSandboxOptions): SandboxBudget {
  const asked = [
    {
      option: "cpu",
      key: "cpus",
      value: options.cpu,
      scale: 1,
      unit: "cores",
      flag: "--sandbox-cpus",
    },
    {
      option: "memory",
      key: "memoryMb",
      value: options.memory,
      scale: 1024,
      unit: "GiB",
      flag: "--sandbox-memory-mb",
    },
    {
      option: "disk",
      key: "diskGb",
      value: options.disk,
      scale: 1,
      unit: "GiB",
      flag: "--sandbox-disk-gb",
    },
  ] as const;
  const budget = { ...base };
  for (const { option, key, value, scale, unit, flag } of asked) {
    if (value === undefined) continue;
    if (!(Number.isFinite(value) && value > 0)) {
      throw new RangeError(
        `Cannot create a local sandbox with ${option} ${value}: it must be a number above 0`,
      );
    }
    const wanted = key === "memoryMb" ? Math.round(value * scale) : value;
    if (base[key] > 0 && wanted > base[key]) {
      throw new RangeError(
        `Cannot create a local sandbox with ${option} ${value} ${unit}: this server gives a sandbox at most ${
          Number((base[key] / scale).toFixed(3))
        } ${unit} (${flag}); ask for that or less, or restart the server with a larger budget`,
      );
    }
    budget[key] = wanted;
  }
  return budget;
}

/**
 * The domains a sandbox may reach: the server's list, narrowed by the sandbox's own (an entry of
 * the sandbox's list stays when the server's list allows what it names).
 */
function allowedDomains(
  server: readonly string[] | undefined,
  sandbox: readonly string[] | undefined,
): readonly string[] | undefined {
  if (!sandbox) return server;
  if (!server) return sandbox;
  return sandbox.filter((entry) => matchesDomain(entry.replace(/^\*\./, "x."), server));
}

/**
 * Gives every file under `dir` to `uid` (a workspace attached by a tenant with another uid), unless
 * `dir` is that uid's already. GNU chown walks any depth (a tree deeper than a path can name
 * stopped a walk by whole paths), never follows a symlink (it changes the link itself, which
 * grants nothing), and changes a directory after what it holds, so `dir` goes last and a server
 * that stops halfway leaves the rest to the next attach. No process of the workspace runs while
 * it is being attached, so none can swap a file for a symlink meanwhile.
 */
async function giveTree(dir: string, uid: number): Promise<void> {
  const info = await Deno.lstat(dir);
  if (info.uid === uid || info.isSymlink) return;
  const complaint = await onHost(["chown", "-R", "-P", `${uid}:${uid}`, "--", dir]);
  if (complaint !== undefined) throw new Error(`Cannot give ${dir} to uid ${uid}: ${complaint}`);
}
