// Budgets for a whole local sandbox with control groups: memory (its processes and the RAM behind
// its tmpfs files, /dev/shm included), processes and threads, and CPU time. One cgroup per sandbox
// under a parent of the server's own, `<server's cgroup>/mcp-sandbox/<id>`, so that whatever limits
// the server itself lives under still apply to its sandboxes.
//
// How the sandbox gets into its cgroup without a race: the cgroup and its limits are made in one
// request to the helper, while the sandbox's disk image is made; the sandbox is spawned with
// SANDBOX_HOLD, and the helper moves its first process and the supervisor bwrap forked (found
// through /proc/PID/task/*/children) into it; only then is the supervisor told "start", so no
// sandbox code runs outside. In cgroup v1 the first move after a quiet spell waits for an RCU
// grace period (the kernel's cgroup_threadgroup_rwsem; the moves right after it are cheap):
// about 10 ms here, spent while the supervisor's Python starts, so it mostly overlaps. Moving the
// server itself into the cgroup around the spawn was rejected: it moves every thread of the
// server twice, and another spawn of the server could land inside.
//
// A sandbox's cgroups are named by its id, which leads to its directory and the lock there that
// says whether its server is alive: see _leftovers.ts for how cgroups of servers that died go.

/** What a local sandbox may use as a whole; 0 leaves one uncapped. */
export interface SandboxBudget {
  /** Memory of all its processes together, RAM-backed files included, in MiB. */
  memoryMb: number;
  /** Processes and threads at once. */
  processes: number;
  /** CPU time per wall-clock second, in CPUs (1.5 = one and a half cores). */
  cpus: number;
  /**
   * Bytes of its home and /tmp together, in GiB (not a control group's: a disk image of this
   * size, where the server runs as root).
   */
  diskGb: number;
}

/**
 * The budget of a sandbox when nothing else is said: room for a notebook on a laptop, and
 * Daytona's default disk (3 GiB: a venv with pandas and a CPU build of torch, and its data).
 */
export const DEFAULT_BUDGET: SandboxBudget = { memoryMb: 2048, processes: 512, cpus: 2, diskGb: 3 };

/** The controllers a budget needs. */
export const CONTROLLERS: readonly Controller[] = ["memory", "pids", "cpu"];
/** A controller a budget needs. */
export type Controller = "memory" | "pids" | "cpu";

/**
 * How budgets are enforced on this machine: `v2` (a unified hierarchy the server may write: root,
 * or a subtree delegated to its user), `v1` (separate hierarchies; root only) or `none` (then
 * each process keeps its rlimits, and `why` says what is missing).
 */
export type CgroupPlan =
  | {
    kind: "v2";
    /** The server's own cgroup directory. */
    own: string;
    /** The root of the hierarchy (a root server falls back to it). */
    mount: string;
    /** Budgets the hierarchy cannot enforce, each with why. */
    missing: Partial<Record<Controller, string>>;
  }
  | {
    kind: "v1";
    /** The server's own cgroup directory in each hierarchy (cpuacct for CPU seconds). */
    own: Partial<Record<Controller | "cpuacct", string>>;
    /** Where each hierarchy is mounted. */
    mounts?: Partial<Record<Controller | "cpuacct", string>>;
    missing: Partial<Record<Controller, string>>;
  }
  | { kind: "none"; why: string };

/** The few file facts {@linkcode planCgroups} needs: from the helper, or a test's directory. */
export interface CgroupFiles {
  /** Whether the file or directory exists. */
  exists(path: string): boolean;
  /** The file's text, or undefined. */
  read(path: string): string | undefined;
  /** The uid owning the path, or undefined. */
  owner(path: string): number | undefined;
}

/** What {@linkcode planCgroups} looks at: the files of a real machine, or of a test. */
export interface CgroupProbe {
  /** Where cgroup file systems are mounted. @default "/sys/fs/cgroup" */
  root?: string;
  /** The text of /proc/self/cgroup. */
  selfCgroup: string;
  /** The server's uid. */
  uid: number;
  /** Where facts come from. @default this machine's files, read by Deno */
  files?: CgroupFiles;
}

/** File facts read with Deno (a test's fake tree; Deno refuses /sys without --allow-all). */
export const DENO_FILES: CgroupFiles = {
  exists: (path) => exists(path),
  read: (path) => readText(path),
  owner: (path) => {
    try {
      return Deno.statSync(path).uid ?? undefined;
    } catch {
      return undefined;
    }
  },
};

/**
 * Picks how budgets are enforced, from /proc/self/cgroup and the files under `root`: v2 where the
 * server's own cgroup has the controllers and the server may write it (root, or a delegated
 * subtree), else v1 when root, else none, saying why.
 */
export function planCgroups(probe: CgroupProbe): CgroupPlan {
  const root = probe.root ?? "/sys/fs/cgroup";
  const { exists, read: readText, owner: ownerOf } = probe.files ?? DENO_FILES;
  const lines = probe.selfCgroup.split("\n").filter(Boolean).map((line) => {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    return { controllers: controllers?.split(",") ?? [], path: path ?? "" };
  });
  const unified = lines.find((line) => line.controllers.length === 1 && line.controllers[0] === "");
  let v2Why = "no cgroup v2 hierarchy";
  const mount = exists(`${root}/cgroup.controllers`)
    ? root
    : exists(`${root}/unified/cgroup.controllers`)
    ? `${root}/unified`
    : undefined;
  if (unified && mount) {
    const own = join(mount, unified.path);
    const available = (readText(`${own}/cgroup.controllers`) ?? "").split(/\s+/);
    const writable = probe.uid === 0 || ownerOf(own) === probe.uid;
    const missing: Partial<Record<Controller, string>> = {};
    for (const controller of CONTROLLERS) {
      if (!available.includes(controller)) {
        missing[controller] = `the cgroup v2 controller '${controller}' is not available in ${own}`;
      }
    }
    if (!writable) {
      v2Why =
        `the server's cgroup ${own} is not delegated to uid ${probe.uid} (start the server under \`systemd-run --user --scope -p Delegate=yes\`)`;
    } else if (missing.memory || missing.pids) {
      v2Why = `${own} lacks the memory and pids controllers`;
    } else {
      return { kind: "v2", own, mount, missing };
    }
  }
  const v1own: Partial<Record<Controller | "cpuacct", string>> = {};
  const mounts: Partial<Record<Controller | "cpuacct", string>> = {};
  for (const controller of [...CONTROLLERS, "cpuacct"] as const) {
    const line = lines.find((line) => line.controllers.includes(controller));
    if (!line) continue;
    const dir = [line.controllers.join(","), controller].map((name) => `${root}/${name}`)
      .find((dir) => exists(`${dir}/cgroup.procs`));
    if (dir) {
      v1own[controller] = join(dir, line.path);
      mounts[controller] = dir;
    }
  }
  if (v1own.memory && v1own.pids) {
    if (probe.uid !== 0) {
      return {
        kind: "none",
        why:
          `control groups here are v1, which only root may divide (${v2Why}): memory and processes are capped per process only, and the CPU only by a lower priority`,
      };
    }
    const missing: Partial<Record<Controller, string>> = {};
    if (!v1own.cpu) missing.cpu = "the cgroup v1 cpu controller is not mounted";
    return { kind: "v1", own: v1own, mounts, missing };
  }
  return {
    kind: "none",
    why:
      `${v2Why}, and no cgroup v1 memory and pids hierarchies: memory and processes are capped per process only, and the CPU only by a lower priority`,
  };
}

/** What a sandbox uses now, read from its cgroup. */
export interface SandboxUsage {
  /** Bytes of memory charged to it, page cache and tmpfs files included. */
  memoryBytes: number;
  /** Processes and threads. */
  processes: number;
  /** CPU seconds used since it started. */
  cpuSeconds: number;
  /** Processes the kernel killed for going over the memory budget, since it started. */
  oomKills: number;
  /** Times a fork failed at the process budget, where the kernel counts them (v2). */
  forkFailures?: number;
}

/** Where the server keeps the cgroups of its sandboxes. */
const PARENT = "mcp-sandbox";

/** A sandbox's cgroup found on the machine, in each hierarchy it has a directory in. */
export interface FoundCgroup {
  /** Its name: the sandbox's id. */
  name: string;
  /** Its directories. */
  dirs: string[];
  /** Processes in it (in the hierarchy that holds most). */
  processes: number;
  /** Seconds since it was made (the youngest of its directories). */
  ageSeconds: number;
}

/** How a helper process runs: JSON lines on stdin and stdout, in a process group of its own. */
const HELPER_PROCESS = {
  stdin: "piped",
  stdout: "piped",
  stderr: "null",
  clearEnv: true,
  env: { PATH: "/usr/bin:/bin" },
  detached: true,
} as const;

/** What a helper call that a helper could not answer rejects with. */
class HelperGone extends Error {}

/** One run of a helper process. */
interface HelperRun {
  child: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  pending: Map<number, { resolve(value: unknown): void; reject(error: Error): void }>;
  reading: Promise<void>;
  /** Its output has ended: it exited, and takes no more calls. */
  ended: boolean;
}

/**
 * The helper that reads and writes cgroup files for the server (agent/python/cgroups.py), one per
 * provider, started through bwrap with the host's file system. Requires `--allow-run=bwrap`.
 * Other helpers (disks, quotas) speak the same JSON lines through it.
 *
 * A helper runs in a process group of its own, so that Ctrl-C in the terminal that started the
 * server reaches only the server, which then closes its sandboxes through it; it dies with the
 * server (bwrap's `--die-with-parent`, setpriv's parent-death signal). A helper that died anyway
 * (a service manager signals every process of its unit at once) is started again by the next
 * call, and a call made to say a sandbox is gone (see {@linkcode call}'s `again`) is sent again.
 */
export class CgroupKeeper {
  #spawn: () => Deno.ChildProcess;
  #run: HelperRun | undefined;
  #next = 1;
  #closed = false;

  private constructor(spawn: () => Deno.ChildProcess) {
    this.#spawn = spawn;
    this.#run = this.#start();
  }

  /** Starts the helper with `python` (its source is `script`), given `root` and `more` arguments. */
  static start(
    python: string,
    script: string,
    root = "/sys/fs/cgroup",
    ...more: string[]
  ): CgroupKeeper {
    const asRoot = Deno.uid() === 0;
    return new CgroupKeeper(() =>
      new Deno.Command("bwrap", {
        args: [
          // An ordinary user needs a user namespace to mount; mapped to itself, it keeps its uid.
          ...(asRoot ? [] : ["--unshare-user", "--uid", String(Deno.uid()), "--gid", "0"]),
          "--bind",
          "/",
          "/",
          "--die-with-parent",
          python,
          "-I",
          "-S",
          "-c",
          script,
          root,
          ...more,
        ],
        ...HELPER_PROCESS,
      }).spawn()
    );
  }

  /**
   * Starts the helper with `python` (its source is `script`) as the server's own user in the
   * host's namespaces, through setpriv (which changes nothing here but the parent-death signal):
   * bwrap would give an ordinary user a user namespace of its own. Requires `--allow-run=setpriv`.
   */
  static startInHostNamespaces(python: string, script: string): CgroupKeeper {
    return new CgroupKeeper(() =>
      new Deno.Command("setpriv", {
        args: ["--pdeathsig=KILL", python, "-I", "-S", "-c", script],
        ...HELPER_PROCESS,
      }).spawn()
    );
  }

  /**
   * Sends one request; rejects with the helper's error. With `again`, a request that the helper
   * did not answer because it died is sent once more, to a new one: for requests that are the
   * same done twice and must not be lost (unmounting a closed sandbox's disk, removing its
   * cgroups).
   */
  async call(
    op: string,
    args: Record<string, unknown> = {},
    { again = false }: { again?: boolean } = {},
  ): Promise<unknown> {
    try {
      return await this.#send(op, args);
    } catch (error) {
      if (!again || !(error instanceof HelperGone) || this.#closed) throw error;
      return await this.#send(op, args);
    }
  }

  #send(op: string, args: Record<string, unknown>): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error("Cannot reach the cgroup helper: closed"));
    if (!this.#run || this.#run.ended) this.#run = this.#start();
    const run = this.#run;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      run.pending.set(id, { resolve, reject });
      run.writer.write(new TextEncoder().encode(JSON.stringify({ id, op, ...args }) + "\n"))
        .catch((error) => {
          run.pending.delete(id);
          reject(new HelperGone(`Cannot reach the cgroup helper: ${errorText(error)}`));
        });
    });
  }

  #start(): HelperRun {
    const child = this.#spawn();
    const run: HelperRun = {
      child,
      writer: child.stdin.getWriter(),
      pending: new Map(),
      reading: Promise.resolve(),
      ended: false,
    };
    run.reading = this.#read(run);
    return run;
  }

  async #read(run: HelperRun): Promise<void> {
    let buffer = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of run.child.stdout) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const reply = JSON.parse(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
          const pending = run.pending.get(reply.id);
          run.pending.delete(reply.id);
          if (reply.error !== undefined) pending?.reject(new Error(reply.error));
          else pending?.resolve(reply.result);
        }
      }
    } finally {
      run.ended = true;
      for (const pending of run.pending.values()) {
        pending.reject(new HelperGone("Cannot reach the cgroup helper: it exited"));
      }
      run.pending.clear();
      // Its end of stdin is closed: a write now would fail, and the next call starts a new one.
      await run.writer.close().catch(() => {});
    }
  }

  /** Stops the helper. */
  async close(): Promise<void> {
    this.#closed = true;
    const run = this.#run;
    if (!run) return;
    await run.writer.close().catch(() => {});
    await run.reading.catch(() => {});
    await run.child.status;
  }
}

/** A snapshot of the hierarchies from the helper, as {@linkcode CgroupFiles}. */
function snapshotFiles(
  snapshot: { files: Record<string, string>; owners: Record<string, number> },
): CgroupFiles {
  return {
    exists: (path) => path in snapshot.files || path in snapshot.owners,
    read: (path) => snapshot.files[path],
    owner: (path) => snapshot.owners[path],
  };
}

/**
 * The server's side of budgets: makes a cgroup for each sandbox. Build it with
 * {@linkcode SandboxCgroups.open}; a pool whose plan is `none` makes none.
 */
export class SandboxCgroups {
  /** How budgets are enforced. */
  readonly plan: CgroupPlan;
  /** Why the pool makes no cgroups, when it does not. */
  readonly unavailable: string | undefined;
  #keeper: CgroupKeeper | undefined;
  #parents: string[] = [];
  #roots: string[] = [];
  #v2 = false;

  private constructor(plan: CgroupPlan, keeper?: CgroupKeeper, unavailable?: string) {
    this.plan = plan;
    this.#keeper = keeper;
    this.unavailable = unavailable ?? (plan.kind === "none" ? plan.why : undefined);
  }

  /** A pool that makes no cgroups, saying why (tests simulate machines without them so). */
  static none(why: string): SandboxCgroups {
    return new SandboxCgroups({ kind: "none", why });
  }

  /**
   * Finds how budgets can be enforced here and makes the parent cgroups, through a helper run
   * with `python`. On failure the pool makes none and says why.
   */
  static async open(python: string, script: string): Promise<SandboxCgroups> {
    let keeper: CgroupKeeper | undefined;
    try {
      keeper = CgroupKeeper.start(python, script);
      const snapshot = await keeper.call("snapshot", { root: "/sys/fs/cgroup" }) as {
        selfCgroup: string;
        files: Record<string, string>;
        owners: Record<string, number>;
      };
      const plan = planCgroups({
        selfCgroup: snapshot.selfCgroup,
        uid: Deno.uid() ?? -1,
        files: snapshotFiles(snapshot),
      });
      if (plan.kind === "none") {
        await keeper.close();
        return new SandboxCgroups(plan);
      }
      const pool = new SandboxCgroups(plan, keeper);
      pool.#roots = plan.kind === "v1"
        ? [...new Set(Object.values(plan.mounts ?? {}))]
        : [plan.mount];
      if (plan.kind === "v1") {
        for (const dir of new Set(Object.values(plan.own))) {
          await keeper.call("mkdir", { path: `${dir}/${PARENT}` });
          pool.#parents.push(`${dir}/${PARENT}`);
        }
        return pool;
      }
      pool.#v2 = true;
      const enable = CONTROLLERS.filter((name) => !plan.missing[name]).map((name) => `+${name}`)
        .join(" ");
      // v2 lets only leaves hold processes: the server moves into a leaf of its own cgroup, whose
      // children then get the controllers. A root server whose cgroup holds other processes
      // (a login session) uses a parent at the top of the hierarchy instead.
      try {
        await keeper.call("mkdir", { path: `${plan.own}/${PARENT}-server` });
        await keeper.call("adopt", { pid: Deno.pid, dirs: [`${plan.own}/${PARENT}-server`] });
        await keeper.call("write", { path: `${plan.own}/cgroup.subtree_control`, value: enable });
        pool.#parents.push(`${plan.own}/${PARENT}`);
      } catch (error) {
        if (Deno.uid() !== 0) throw error;
        pool.#parents.push(`${plan.mount}/${PARENT}`);
      }
      await keeper.call("mkdir", { path: pool.#parents[0] });
      await keeper.call("write", {
        path: `${pool.#parents[0]}/cgroup.subtree_control`,
        value: enable,
      });
      return pool;
    } catch (error) {
      await keeper?.close();
      return SandboxCgroups.none(`cgroups could not be set up: ${errorText(error)}`);
    }
  }

  /**
   * Makes the cgroup of one sandbox with its budget (0 fields uncapped), in one request to the
   * helper.
   */
  async create(id: string, budget: SandboxBudget): Promise<SandboxCgroup | undefined> {
    const keeper = this.#keeper;
    if (this.unavailable !== undefined || !keeper) return undefined;
    const dirs = this.#parents.map((parent) => `${parent}/${id}`);
    const group = new SandboxCgroup(keeper, dirs, this.#v2, budget);
    await group.limit();
    return group;
  }

  /**
   * The sandboxes' cgroups on this machine, of every server: those in a `mcp-sandbox` parent
   * in any of the hierarchies this pool uses.
   */
  async found(): Promise<FoundCgroup[]> {
    if (!this.#keeper) return [];
    const entries = await this.#keeper.call("scan", { roots: this.#roots }) as {
      path: string;
      procs: number;
      age: number;
    }[];
    const byName = new Map<string, FoundCgroup>();
    for (const { path, procs, age } of entries) {
      const name = path.slice(path.lastIndexOf("/") + 1);
      const found = byName.get(name) ?? { name, dirs: [], processes: 0, ageSeconds: age };
      found.dirs.push(path);
      found.processes = Math.max(found.processes, procs);
      found.ageSeconds = Math.min(found.ageSeconds, age);
      byName.set(name, found);
    }
    return [...byName.values()];
  }

  /** Kills what is left in a cgroup of {@linkcode SandboxCgroups.found} and removes it. */
  async removeFound(found: FoundCgroup): Promise<void> {
    if (!this.#keeper) return;
    await this.#keeper.call("kill", { dirs: found.dirs }, { again: true });
    for (const dir of found.dirs) await this.#keeper.call("rmdir", { path: dir }, { again: true });
  }

  /** Stops the helper (the sandboxes' cgroups are removed as they close). */
  async close(): Promise<void> {
    await this.#keeper?.close();
  }
}

/** The cgroup of one sandbox (in v1, one directory per hierarchy). */
export class SandboxCgroup {
  /** The budget it enforces. */
  readonly budget: SandboxBudget;
  #keeper: CgroupKeeper;
  #dirs: string[];
  #v2: boolean;

  /** Use {@linkcode SandboxCgroups.create}. */
  constructor(keeper: CgroupKeeper, dirs: string[], v2: boolean, budget: SandboxBudget) {
    this.#keeper = keeper;
    this.#dirs = dirs;
    this.#v2 = v2;
    this.budget = budget;
  }

  /**
   * Makes its directories where missing and writes the limits, in one request to the helper;
   * if one fails, the directories are removed again.
   */
  async limit(): Promise<void> {
    await this.#keeper.call("make", {
      dirs: this.#dirs,
      limits: limitFiles(this.budget, this.#v2),
    });
  }

  /** Moves a freshly spawned process and everything it started into this cgroup. */
  async adopt(pid: number): Promise<number[]> {
    return await this.#keeper.call("adopt", { pid, dirs: this.#dirs }) as number[];
  }

  /** What the sandbox uses now; fields its hierarchies do not count are 0. */
  async usage(): Promise<SandboxUsage> {
    const names = this.#v2
      ? ["memory.current", "pids.current", "cpu.stat", "memory.events", "pids.events"]
      : [
        "memory.usage_in_bytes",
        "pids.current",
        "cpuacct.usage",
        "memory.oom_control",
        "pids.events",
      ];
    const paths = this.#dirs.flatMap((dir) => names.map((name) => `${dir}/${name}`));
    const texts = await this.#keeper.call("read", { paths }) as (string | null)[];
    const value = (name: string) =>
      names.flatMap((n, i) =>
        n === name ? this.#dirs.map((_, d) => texts[d * names.length + i]) : []
      ).find((text) => text !== null) ?? undefined;
    if (this.#v2) {
      return {
        memoryBytes: Number(value("memory.current") ?? 0),
        processes: Number(value("pids.current") ?? 0),
        cpuSeconds: (keyValues(value("cpu.stat")).usage_usec ?? 0) / 1e6,
        oomKills: keyValues(value("memory.events")).oom_kill ?? 0,
        forkFailures: keyValues(value("pids.events")).max ?? 0,
      };
    }
    return {
      memoryBytes: Number(value("memory.usage_in_bytes") ?? 0),
      processes: Number(value("pids.current") ?? 0),
      cpuSeconds: Number(value("cpuacct.usage") ?? 0) / 1e9,
      oomKills: keyValues(value("memory.oom_control")).oom_kill ?? 0,
      forkFailures: keyValues(value("pids.events")).max,
    };
  }

  /**
   * Removes the cgroup once its processes are gone (the caller ends them: the sandbox's PID 1
   * takes its whole PID namespace along). In v2 anything left is killed with cgroup.kill.
   */
  async remove(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (this.#v2) {
        await this.#keeper.call("write", { path: `${this.#dirs[0]}/cgroup.kill`, value: "1" })
          .catch(() => {});
      }
      let left = false;
      for (const dir of this.#dirs) {
        await this.#keeper.call("rmdir", { path: dir }, { again: true }).catch(() => left = true);
      }
      if (!left) return;
      await new Promise((done) => setTimeout(done, attempt < 10 ? 5 : 50));
    }
    throw new Error(`Cannot remove cgroup ${this.#dirs[0]}: processes are still in it`);
  }
}

/**
 * The files that hold a budget, each written in the first of a cgroup's directories (hierarchies)
 * that takes it: `[file, value, optional]`.
 */
function limitFiles(budget: SandboxBudget, v2: boolean): [string, string, boolean][] {
  const { memoryMb, cpus, processes } = budget;
  const memory = memoryMb > 0 ? String(memoryMb * 1024 * 1024) : undefined;
  const quota = cpus > 0 ? Math.max(1000, Math.round(cpus * 100_000)) : undefined;
  const pids = processes > 0 ? String(processes) : "max";
  if (v2) {
    return [
      ["memory.max", memory ?? "max", false],
      // Swap would let a sandbox hold more than its budget: its memory is RAM or nothing.
      ["memory.swap.max", memory ? "0" : "max", true],
      ["cpu.max", quota ? `${quota} 100000` : "max 100000", true],
      ["pids.max", pids, false],
    ];
  }
  return [
    ...(memory
      ? [
        ["memory.limit_in_bytes", memory, false],
        ["memory.memsw.limit_in_bytes", memory, true],
      ] as [string, string, boolean][]
      : []),
    ...(quota
      ? [
        ["cpu.cfs_period_us", "100000", true],
        ["cpu.cfs_quota_us", String(quota), true],
      ] as [string, string, boolean][]
      : []),
    ["pids.max", pids, false],
  ];
}

/** The "key value" lines of a cgroup file as numbers. */
function keyValues(text: string | undefined): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of (text ?? "").split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) values[key] = Number(value);
  }
  return values;
}

function join(mount: string, path: string): string {
  return path === "/" || path === "" ? mount : `${mount}${path}`;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
