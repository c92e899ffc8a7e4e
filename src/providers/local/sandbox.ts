// A local sandbox: its supervisor's operations, its protections and budget, previews, clones with
// a token, and closing it (processes, cgroup, files).

import {
  type CopiedFile,
  type CopyFileOptions,
  type ExecOptions,
  type ExecResult,
  type FileInfo,
  type FileListing,
  type GitCloneWithCredentialsRequest,
  type GitCloneWithCredentialsResult,
  type ListFilesOptions,
  type PreviewLink,
  type ProcessReset,
  type PythonOptions,
  type PythonResult,
  type ReadFileOptions,
  type Sandbox,
  SandboxError,
  type SandboxInfo,
  type SandboxResources,
  type SandboxTasks,
  type SignalOptions,
  type WriteFileOptions,
  type WrittenFile,
} from "../../sandbox.ts";
import type { AgentProcess } from "../agent/process.ts";
import { AgentOps } from "../agent/ops.ts";
import {
  DEFAULT_BUDGET,
  type SandboxBudget,
  type SandboxCgroup,
  type SandboxUsage,
} from "./cgroup.ts";
import type { EgressProxy } from "./_egress.ts";
import { GitIsolation, type GitIsolationOptions } from "./_git_isolation.ts";
import type { PreviewForwarder } from "./_preview.ts";
import { type BwrapFeatures, CURRENT_BWRAP } from "./_bwrap.ts";
import { removeTree, type SandboxDisk } from "./_disk.ts";
import type { SandboxNetwork } from "./provider.ts";
import type { WorkspaceHold } from "./_workspace.ts";

/**
 * A protection of a local sandbox that depends on the machine: `seccomp` (the system call filter:
 * keyrings, new namespaces, mounts, kernel modules, bpf, perf, io_uring), `supervisor` (the
 * supervisor is non-dumpable PID 1), `nestedNamespaces` (no user namespaces inside), `shmCap`
 * (/dev/shm capped at 64 MiB), `budget` (memory, processes and CPU of the whole sandbox, by a
 * control group), `disk` (its home and /tmp together capped at the disk budget), `quotas` (a share
 * of its host uid's inotify and fanotify quotas, in its user namespace).
 */
export type SandboxProtection =
  | "seccomp"
  | "supervisor"
  | "nestedNamespaces"
  | "shmCap"
  | "budget"
  | "disk"
  | "quotas";

/**
 * A sandbox on this machine. Create it with {@linkcode LocalProvider.create}.
 *
 * @example Label a sandbox, preview a port and close it early
 * ```ts ignore
 * import { deepEqual, equal, match } from "node:assert/strict";
 * import { LocalProvider } from "./mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create({ labels: { task: "demo" } });
 * match(sandbox.id, /^local-/);
 * deepEqual(sandbox.labels, { task: "demo" });
 * match((await sandbox.preview(8000)).url, /^http:\/\/127\.0\.0\.1:\d+$/);
 * await sandbox.close(); // kills its processes and deletes its files; `await using` would too
 * equal(sandbox.closed, true);
 * ```
 */
export class LocalSandbox implements Sandbox {
  /** `local-` and a random suffix. */
  readonly id: string;
  /** Facts about the sandbox. */
  readonly info: SandboxInfo;
  #root: string;
  #agent: AgentProcess;
  #ops: AgentOps;
  #closing: Promise<void> | undefined;
  #onClose: () => void | Promise<void>;
  #network: SandboxNetwork;
  #net: { proxy?: EgressProxy; preview?: PreviewForwarder };
  #git: GitIsolation;
  #features: BwrapFeatures;
  #budget: SandboxBudgetState;
  /** Labels given at creation. */
  readonly labels: Record<string, string>;
  /** When it was created (ISO 8601); for a workspace, when the workspace was made. */
  readonly createdAt: string = new Date().toISOString();
  /** The name of the persistent workspace it is, if it is one: closing it keeps its files. */
  readonly workspace?: string;
  #kept: KeptWorkspace | undefined;

  /** Use {@linkcode LocalProvider.create}. */
  constructor(
    id: string,
    root: string,
    agent: AgentProcess,
    info: SandboxInfo,
    network: SandboxNetwork,
    labels: Record<string, string>,
    onClose: () => void | Promise<void>,
    git: Omit<GitIsolationOptions, "root" | "network" | "isolated" | "adopt"> = {},
    net: { proxy?: EgressProxy; preview?: PreviewForwarder } = {},
    budget: SandboxBudgetState = { budget: DEFAULT_BUDGET },
    kept?: KeptWorkspace,
  ) {
    this.#kept = kept;
    if (kept) {
      this.workspace = kept.hold.name;
      this.createdAt = kept.hold.record.created_at;
    }
    this.#net = net;
    this.#budget = budget;
    this.labels = labels;
    this.id = id;
    this.info = info;
    this.#root = root;
    this.#agent = agent;
    this.#ops = new AgentOps(agent);
    this.#network = network;
    this.#onClose = onClose;
    // A clone with a token runs git (not sandbox code, and with a clean configuration) with the
    // sandbox's network: through its egress proxy (`git.egress`), or none, or the host's.
    const cgroup = budget.cgroup;
    this.#git = new GitIsolation({
      root,
      network: network === "host" ? "host" : "none",
      isolated: info.isolated,
      ...(cgroup ? { adopt: (pid: number) => cgroup.adopt(pid) } : {}),
      ...git,
    });
    this.#features = git.features ?? CURRENT_BWRAP;
    // What of its budget is not enforced, as its protections say (unisolated, nothing is).
    const { budget: whole, disk } = this.protections;
    const unbudgeted = info.isolated
      ? [whole && `memory, processes and CPU (${whole})`, disk && `disk (${disk})`].filter(Boolean)
      : [];
    if (unbudgeted.length > 0) this.info = { ...info, unbudgeted: unbudgeted.join("; ") };
  }

  /**
   * The protections of this sandbox beyond its namespaces and mounts, each mapped to `null` when
   * enforced or to why it is not (an old bubblewrap, python3-seccomp missing).
   */
  get protections(): Record<SandboxProtection, string | null> {
    if (!this.info.isolated) {
      const why = "the sandbox runs unisolated (--dangerously-run-unisolated)";
      return {
        seccomp: why,
        supervisor: why,
        nestedNamespaces: why,
        shmCap: why,
        budget: why,
        disk: why,
        quotas: why,
      };
    }
    const reported = this.#agent.hello.protections ?? {};
    const seccomp = reported.seccomp === undefined
      ? "the supervisor did not report it"
      : reported.seccomp;
    return {
      seccomp,
      supervisor: reported.not_dumpable === undefined
        ? "the supervisor did not report it"
        : reported.not_dumpable,
      nestedNamespaces: this.#features.disableUserns || seccomp === null
        ? null
        : "bubblewrap before 0.8 has no --disable-userns and the seccomp filter is missing",
      shmCap: this.#features.tmpfsSize
        ? null
        : "bubblewrap before 0.7 cannot size a tmpfs: /dev/shm is private but as large as the host's",
      budget: this.#budget.cgroup ? null : this.#budget.unenforced ?? "no control group was made",
      disk: this.#budget.disk ? null : this.#budget.diskUnenforced ?? "no disk image was made",
      quotas: this.#budget.quotasUnenforced ?? null,
    };
  }

  /** What the sandbox may use as a whole (enforced when `protections.budget` is null). */
  get budget(): SandboxBudget {
    return this.#budget.budget;
  }

  /** What the sandbox uses now, read from its control group; undefined without one. */
  async usage(): Promise<SandboxUsage | undefined> {
    if (this.#closing !== undefined) return undefined;
    return await this.#budget.cgroup?.usage();
  }

  /**
   * What the sandbox uses now against its budget (disk too where it has a disk image);
   * undefined without a control group.
   */
  async resources(): Promise<SandboxResources | undefined> {
    const disk = this.#closing === undefined ? this.#budget.disk : undefined;
    const [usage, stored] = await Promise.all([
      this.usage(),
      disk?.usage().catch(() => undefined),
    ]);
    if (!usage) return undefined;
    const { memoryMb, processes } = this.#budget.budget;
    return {
      memoryBytes: usage.memoryBytes,
      memoryBudgetBytes: memoryMb * 1024 * 1024,
      processes: usage.processes,
      processBudget: processes,
      cpuSeconds: usage.cpuSeconds,
      oomKills: usage.oomKills,
      ...(usage.forkFailures === undefined ? {} : { forkFailures: usage.forkFailures }),
      ...(disk && stored
        ? { diskBytes: stored.used, diskBudgetBytes: disk.bytes, diskFreeBytes: stored.free }
        : {}),
    };
  }

  /** Whether the sandbox was closed or its processes died. */
  get closed(): boolean {
    return this.#closing !== undefined || !this.#agent.alive;
  }

  exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.#ops.exec(command, options);
  }

  runPython(code: string, options?: PythonOptions): Promise<PythonResult> {
    return this.#ops.runPython(code, options);
  }

  resetPython(options?: SignalOptions): Promise<void> {
    return this.#ops.resetPython(options);
  }

  copyFile(from: string, to: string, options?: CopyFileOptions): Promise<CopiedFile> {
    return this.#ops.copyFile(from, to, options);
  }

  /** Task records, kept by the agent. */
  get tasks(): SandboxTasks {
    return this.#ops.tasks;
  }

  killAll(options?: SignalOptions): Promise<ProcessReset> {
    return this.#ops.killAll(options);
  }

  stat(path: string, options?: SignalOptions): Promise<FileInfo> {
    return this.#ops.stat(path, options);
  }

  readFile(path: string, options?: ReadFileOptions): ReadableStream<Uint8Array<ArrayBuffer>> {
    return this.#ops.readFile(path, options);
  }

  writeFile(
    path: string,
    data: Uint8Array | ReadableStream<Uint8Array>,
    options?: WriteFileOptions,
  ): Promise<WrittenFile> {
    return this.#ops.writeFile(path, data, options);
  }

  listFiles(path: string, options?: ListFilesOptions): Promise<FileListing> {
    return this.#ops.listFiles(path, options);
  }

  /**
   * A URL on this machine's 127.0.0.1 for `port` inside. With a network of its own (`internet`,
   * `none`) that is a port of the server's, forwarded into the sandbox until it closes; with
   * `host` it is the port itself.
   */
  preview(port: number): Promise<PreviewLink> {
    if (this.closed) {
      return Promise.reject(
        new SandboxError(`Cannot preview port ${port}: the sandbox is closed`, {
          sandboxId: this.id,
        }),
      );
    }
    if (this.#net.preview) return Promise.resolve({ url: this.#net.preview.url(port) });
    if (this.#network === "host" || !this.info.isolated) {
      return Promise.resolve({ url: `http://127.0.0.1:${port}` });
    }
    return Promise.reject(
      new SandboxError(`Cannot preview port ${port}: the sandbox is closed`, {
        sandboxId: this.id,
      }),
    );
  }

  /**
   * Clones with a token in separate short-lived bubblewrap isolations that share only the
   * sandbox's home and /tmp, and none of its processes (see {@linkcode Sandbox.gitCloneWithCredentials}).
   */
  gitCloneWithCredentials(
    request: GitCloneWithCredentialsRequest,
  ): Promise<GitCloneWithCredentialsResult> {
    return this.#git.clone(request);
  }

  /**
   * Kills every process of the sandbox and deletes its directory; a persistent workspace keeps
   * it (its disk image unmounted) and lets other servers attach it again.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#git.close();
      try {
        this.#net.preview?.close();
        await this.#net.proxy?.close();
        await this.#agent.close();
      } finally {
        await this.#budget.cgroup?.remove().catch(() => {});
        // Let go before the unmount, which an open file on the disk would hold up.
        this.#budget.ownerLock?.close();
        await this.#budget.disk?.remove().catch(() => {});
        try {
          // A workspace keeps its directory: only its sockets' directory goes.
          this.#kept?.netLock?.close();
          const dir = this.#kept ? this.#kept.netDir : this.#root;
          if (dir) await removeTree(dir);
        } finally {
          // Whatever stayed on disk (an error says what), the sandbox is gone: its workspace's
          // lock, its package cache lease and its place in the provider go with it.
          this.#kept?.hold.release();
          await this.#onClose();
        }
      }
    })();
    return this.#closing;
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** What a persistent workspace's sandbox keeps, and what it cleans up instead of its directory. */
interface KeptWorkspace {
  /** The workspace, locked while the sandbox is open. */
  hold: WorkspaceHold;
  /** The server's sockets for the sandbox, kept outside the workspace (paths must be short). */
  netDir?: string;
  /** The lock in `netDir` that says its server is alive (see _leftovers.ts). */
  netLock?: Deno.FsFile;
}

/**
 * A sandbox's budget, the cgroup and disk enforcing it, or why none does, and the lock that says
 * its server has it (see _leftovers.ts).
 */
interface SandboxBudgetState {
  budget: SandboxBudget;
  cgroup?: SandboxCgroup;
  ownerLock?: Deno.FsFile;
  unenforced?: string;
  disk?: SandboxDisk;
  diskUnenforced?: string;
  /** Why the sandbox has its uid's whole inotify quotas rather than its share, if it has. */
  quotasUnenforced?: string;
}
