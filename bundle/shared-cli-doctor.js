// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  AGENT_FILES,
  AgentOps,
  AgentProcess,
  CGROUPS_PY,
  DISK_PY,
  LOCAL_AGENT_FILES,
  QUOTAS_PY
} from "./shared-cli-daytona-doctor.js";
import {
  createLogger
} from "./shared-cli-daytona-doctor-init.js";
import {
  SandboxError
} from "./shared-cli-daytona-doctor-modern-server.js";
import {
  SHARED_ROOT,
  checkShareNames,
  checkSharePlacement
} from "./shared-cli-doctor-init-modern-server.js";
import {
  WORKSPACE_NAME,
  checkWorkspaceName,
  defaultWorkspacesDir
} from "./shared-cli-daytona-doctor-init-modern-server.js";
import {
  concatBytes
} from "./shared-cli-daytona-doctor-http-modern-server.js";
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/providers/local/_bwrap.ts
import { createHmac } from "node:crypto";

// src/providers/local/cgroup.ts
var DEFAULT_BUDGET = {
  memoryMb: 2048,
  processes: 512,
  cpus: 2,
  diskGb: 3
};
var CONTROLLERS = [
  "memory",
  "pids",
  "cpu"
];
var DENO_FILES = {
  exists: /* @__PURE__ */ __name((path) => exists(path), "exists"),
  read: /* @__PURE__ */ __name((path) => readText(path), "read"),
  owner: /* @__PURE__ */ __name((path) => {
    try {
      return Deno.statSync(path).uid ?? void 0;
    } catch {
      return void 0;
    }
  }, "owner")
};
function planCgroups(probe) {
  const root = probe.root ?? "/sys/fs/cgroup";
  const { exists: exists3, read: readText2, owner: ownerOf } = probe.files ?? DENO_FILES;
  const lines = probe.selfCgroup.split("\n").filter(Boolean).map((line) => {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    return {
      controllers: controllers?.split(",") ?? [],
      path: path ?? ""
    };
  });
  const unified = lines.find((line) => line.controllers.length === 1 && line.controllers[0] === "");
  let v2Why = "no cgroup v2 hierarchy";
  const mount = exists3(`${root}/cgroup.controllers`) ? root : exists3(`${root}/unified/cgroup.controllers`) ? `${root}/unified` : void 0;
  if (unified && mount) {
    const own = join(mount, unified.path);
    const available = (readText2(`${own}/cgroup.controllers`) ?? "").split(/\s+/);
    const writable = probe.uid === 0 || ownerOf(own) === probe.uid;
    const missing = {};
    for (const controller of CONTROLLERS) {
      if (!available.includes(controller)) {
        missing[controller] = `the cgroup v2 controller '${controller}' is not available in ${own}`;
      }
    }
    if (!writable) {
      v2Why = `the server's cgroup ${own} is not delegated to uid ${probe.uid} (start the server under \`systemd-run --user --scope -p Delegate=yes\`)`;
    } else if (missing.memory || missing.pids) {
      v2Why = `${own} lacks the memory and pids controllers`;
    } else {
      return {
        kind: "v2",
        own,
        mount,
        missing
      };
    }
  }
  const v1own = {};
  const mounts = {};
  for (const controller of [
    ...CONTROLLERS,
    "cpuacct"
  ]) {
    const line = lines.find((line2) => line2.controllers.includes(controller));
    if (!line) continue;
    const dir = [
      line.controllers.join(","),
      controller
    ].map((name) => `${root}/${name}`).find((dir2) => exists3(`${dir2}/cgroup.procs`));
    if (dir) {
      v1own[controller] = join(dir, line.path);
      mounts[controller] = dir;
    }
  }
  if (v1own.memory && v1own.pids) {
    if (probe.uid !== 0) {
      return {
        kind: "none",
        why: `control groups here are v1, which only root may divide (${v2Why}): memory and processes are capped per process only, and the CPU only by a lower priority`
      };
    }
    const missing = {};
    if (!v1own.cpu) missing.cpu = "the cgroup v1 cpu controller is not mounted";
    return {
      kind: "v1",
      own: v1own,
      mounts,
      missing
    };
  }
  return {
    kind: "none",
    why: `${v2Why}, and no cgroup v1 memory and pids hierarchies: memory and processes are capped per process only, and the CPU only by a lower priority`
  };
}
__name(planCgroups, "planCgroups");
var PARENT = "mcp-sandbox";
var HELPER_PROCESS = {
  stdin: "piped",
  stdout: "piped",
  stderr: "null",
  clearEnv: true,
  env: {
    PATH: "/usr/bin:/bin"
  },
  detached: true
};
var HelperGone = class extends Error {
  static {
    __name(this, "HelperGone");
  }
};
var CgroupKeeper = class _CgroupKeeper {
  static {
    __name(this, "CgroupKeeper");
  }
  #spawn;
  #run;
  #next = 1;
  #closed = false;
  constructor(spawn) {
    this.#spawn = spawn;
    this.#run = this.#start();
  }
  /** Starts the helper with `python` (its source is `script`), given `root` and `more` arguments. */
  static start(python, script, root = "/sys/fs/cgroup", ...more) {
    const asRoot = Deno.uid() === 0;
    return new _CgroupKeeper(() => new Deno.Command("bwrap", {
      args: [
        // An ordinary user needs a user namespace to mount; mapped to itself, it keeps its uid.
        ...asRoot ? [] : [
          "--unshare-user",
          "--uid",
          String(Deno.uid()),
          "--gid",
          "0"
        ],
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
        ...more
      ],
      ...HELPER_PROCESS
    }).spawn());
  }
  /**
   * Starts the helper with `python` (its source is `script`) as the server's own user in the
   * host's namespaces, through setpriv (which changes nothing here but the parent-death signal):
   * bwrap would give an ordinary user a user namespace of its own. Requires `--allow-run=setpriv`.
   */
  static startInHostNamespaces(python, script) {
    return new _CgroupKeeper(() => new Deno.Command("setpriv", {
      args: [
        "--pdeathsig=KILL",
        python,
        "-I",
        "-S",
        "-c",
        script
      ],
      ...HELPER_PROCESS
    }).spawn());
  }
  /**
   * Sends one request; rejects with the helper's error. With `again`, a request that the helper
   * did not answer because it died is sent once more, to a new one: for requests that are the
   * same done twice and must not be lost (unmounting a closed sandbox's disk, removing its
   * cgroups).
   */
  async call(op, args = {}, { again = false } = {}) {
    try {
      return await this.#send(op, args);
    } catch (error) {
      if (!again || !(error instanceof HelperGone) || this.#closed) throw error;
      return await this.#send(op, args);
    }
  }
  #send(op, args) {
    if (this.#closed) return Promise.reject(new Error("Cannot reach the cgroup helper: closed"));
    if (!this.#run || this.#run.ended) this.#run = this.#start();
    const run = this.#run;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      run.pending.set(id, {
        resolve,
        reject
      });
      run.writer.write(new TextEncoder().encode(JSON.stringify({
        id,
        op,
        ...args
      }) + "\n")).catch((error) => {
        run.pending.delete(id);
        reject(new HelperGone(`Cannot reach the cgroup helper: ${errorText(error)}`));
      });
    });
  }
  #start() {
    const child = this.#spawn();
    const run = {
      child,
      writer: child.stdin.getWriter(),
      pending: /* @__PURE__ */ new Map(),
      reading: Promise.resolve(),
      ended: false
    };
    run.reading = this.#read(run);
    return run;
  }
  async #read(run) {
    let buffer = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of run.child.stdout) {
        buffer += decoder.decode(chunk, {
          stream: true
        });
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const reply = JSON.parse(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
          const pending = run.pending.get(reply.id);
          run.pending.delete(reply.id);
          if (reply.error !== void 0) pending?.reject(new Error(reply.error));
          else pending?.resolve(reply.result);
        }
      }
    } finally {
      run.ended = true;
      for (const pending of run.pending.values()) {
        pending.reject(new HelperGone("Cannot reach the cgroup helper: it exited"));
      }
      run.pending.clear();
      await run.writer.close().catch(() => {
      });
    }
  }
  /** Stops the helper. */
  async close() {
    this.#closed = true;
    const run = this.#run;
    if (!run) return;
    await run.writer.close().catch(() => {
    });
    await run.reading.catch(() => {
    });
    await run.child.status;
  }
};
function snapshotFiles(snapshot) {
  return {
    exists: /* @__PURE__ */ __name((path) => path in snapshot.files || path in snapshot.owners, "exists"),
    read: /* @__PURE__ */ __name((path) => snapshot.files[path], "read"),
    owner: /* @__PURE__ */ __name((path) => snapshot.owners[path], "owner")
  };
}
__name(snapshotFiles, "snapshotFiles");
var SandboxCgroups = class _SandboxCgroups {
  static {
    __name(this, "SandboxCgroups");
  }
  /** How budgets are enforced. */
  plan;
  /** Why the pool makes no cgroups, when it does not. */
  unavailable;
  #keeper;
  #parents = [];
  #roots = [];
  #v2 = false;
  constructor(plan, keeper, unavailable) {
    this.plan = plan;
    this.#keeper = keeper;
    this.unavailable = unavailable ?? (plan.kind === "none" ? plan.why : void 0);
  }
  /** A pool that makes no cgroups, saying why (tests simulate machines without them so). */
  static none(why) {
    return new _SandboxCgroups({
      kind: "none",
      why
    });
  }
  /**
   * Finds how budgets can be enforced here and makes the parent cgroups, through a helper run
   * with `python`. On failure the pool makes none and says why.
   */
  static async open(python, script) {
    let keeper;
    try {
      keeper = CgroupKeeper.start(python, script);
      const snapshot = await keeper.call("snapshot", {
        root: "/sys/fs/cgroup"
      });
      const plan = planCgroups({
        selfCgroup: snapshot.selfCgroup,
        uid: Deno.uid() ?? -1,
        files: snapshotFiles(snapshot)
      });
      if (plan.kind === "none") {
        await keeper.close();
        return new _SandboxCgroups(plan);
      }
      const pool = new _SandboxCgroups(plan, keeper);
      pool.#roots = plan.kind === "v1" ? [
        ...new Set(Object.values(plan.mounts ?? {}))
      ] : [
        plan.mount
      ];
      if (plan.kind === "v1") {
        for (const dir of new Set(Object.values(plan.own))) {
          await keeper.call("mkdir", {
            path: `${dir}/${PARENT}`
          });
          pool.#parents.push(`${dir}/${PARENT}`);
        }
        return pool;
      }
      pool.#v2 = true;
      const enable = CONTROLLERS.filter((name) => !plan.missing[name]).map((name) => `+${name}`).join(" ");
      try {
        await keeper.call("mkdir", {
          path: `${plan.own}/${PARENT}-server`
        });
        await keeper.call("adopt", {
          pid: Deno.pid,
          dirs: [
            `${plan.own}/${PARENT}-server`
          ]
        });
        await keeper.call("write", {
          path: `${plan.own}/cgroup.subtree_control`,
          value: enable
        });
        pool.#parents.push(`${plan.own}/${PARENT}`);
      } catch (error) {
        if (Deno.uid() !== 0) throw error;
        pool.#parents.push(`${plan.mount}/${PARENT}`);
      }
      await keeper.call("mkdir", {
        path: pool.#parents[0]
      });
      await keeper.call("write", {
        path: `${pool.#parents[0]}/cgroup.subtree_control`,
        value: enable
      });
      return pool;
    } catch (error) {
      await keeper?.close();
      return _SandboxCgroups.none(`cgroups could not be set up: ${errorText(error)}`);
    }
  }
  /**
   * Makes the cgroup of one sandbox with its budget (0 fields uncapped), in one request to the
   * helper.
   */
  async create(id, budget) {
    const keeper = this.#keeper;
    if (this.unavailable !== void 0 || !keeper) return void 0;
    const dirs = this.#parents.map((parent) => `${parent}/${id}`);
    const group = new SandboxCgroup(keeper, dirs, this.#v2, budget);
    await group.limit();
    return group;
  }
  /**
   * The sandboxes' cgroups on this machine, of every server: those in a `mcp-sandbox` parent
   * in any of the hierarchies this pool uses.
   */
  async found() {
    if (!this.#keeper) return [];
    const entries = await this.#keeper.call("scan", {
      roots: this.#roots
    });
    const byName = /* @__PURE__ */ new Map();
    for (const { path, procs, age } of entries) {
      const name = path.slice(path.lastIndexOf("/") + 1);
      const found = byName.get(name) ?? {
        name,
        dirs: [],
        processes: 0,
        ageSeconds: age
      };
      found.dirs.push(path);
      found.processes = Math.max(found.processes, procs);
      found.ageSeconds = Math.min(found.ageSeconds, age);
      byName.set(name, found);
    }
    return [
      ...byName.values()
    ];
  }
  /** Kills what is left in a cgroup of {@linkcode SandboxCgroups.found} and removes it. */
  async removeFound(found) {
    if (!this.#keeper) return;
    await this.#keeper.call("kill", {
      dirs: found.dirs
    }, {
      again: true
    });
    for (const dir of found.dirs) await this.#keeper.call("rmdir", {
      path: dir
    }, {
      again: true
    });
  }
  /** Stops the helper (the sandboxes' cgroups are removed as they close). */
  async close() {
    await this.#keeper?.close();
  }
};
var SandboxCgroup = class {
  static {
    __name(this, "SandboxCgroup");
  }
  /** The budget it enforces. */
  budget;
  #keeper;
  #dirs;
  #v2;
  /** Use {@linkcode SandboxCgroups.create}. */
  constructor(keeper, dirs, v2, budget) {
    this.#keeper = keeper;
    this.#dirs = dirs;
    this.#v2 = v2;
    this.budget = budget;
  }
  /**
   * Makes its directories where missing and writes the limits, in one request to the helper;
   * if one fails, the directories are removed again.
   */
  async limit() {
    await this.#keeper.call("make", {
      dirs: this.#dirs,
      limits: limitFiles(this.budget, this.#v2)
    });
  }
  /** Moves a freshly spawned process and everything it started into this cgroup. */
  async adopt(pid) {
    return await this.#keeper.call("adopt", {
      pid,
      dirs: this.#dirs
    });
  }
  /** What the sandbox uses now; fields its hierarchies do not count are 0. */
  async usage() {
    const names = this.#v2 ? [
      "memory.current",
      "pids.current",
      "cpu.stat",
      "memory.events",
      "pids.events"
    ] : [
      "memory.usage_in_bytes",
      "pids.current",
      "cpuacct.usage",
      "memory.oom_control",
      "pids.events"
    ];
    const paths = this.#dirs.flatMap((dir) => names.map((name) => `${dir}/${name}`));
    const texts = await this.#keeper.call("read", {
      paths
    });
    const value = /* @__PURE__ */ __name((name) => names.flatMap((n, i) => n === name ? this.#dirs.map((_, d) => texts[d * names.length + i]) : []).find((text) => text !== null) ?? void 0, "value");
    if (this.#v2) {
      return {
        memoryBytes: Number(value("memory.current") ?? 0),
        processes: Number(value("pids.current") ?? 0),
        cpuSeconds: (keyValues(value("cpu.stat")).usage_usec ?? 0) / 1e6,
        oomKills: keyValues(value("memory.events")).oom_kill ?? 0,
        forkFailures: keyValues(value("pids.events")).max ?? 0
      };
    }
    return {
      memoryBytes: Number(value("memory.usage_in_bytes") ?? 0),
      processes: Number(value("pids.current") ?? 0),
      cpuSeconds: Number(value("cpuacct.usage") ?? 0) / 1e9,
      oomKills: keyValues(value("memory.oom_control")).oom_kill ?? 0,
      forkFailures: keyValues(value("pids.events")).max
    };
  }
  /**
   * Removes the cgroup once its processes are gone (the caller ends them: the sandbox's PID 1
   * takes its whole PID namespace along). In v2 anything left is killed with cgroup.kill.
   */
  async remove() {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (this.#v2) {
        await this.#keeper.call("write", {
          path: `${this.#dirs[0]}/cgroup.kill`,
          value: "1"
        }).catch(() => {
        });
      }
      let left = false;
      for (const dir of this.#dirs) {
        await this.#keeper.call("rmdir", {
          path: dir
        }, {
          again: true
        }).catch(() => left = true);
      }
      if (!left) return;
      await new Promise((done) => setTimeout(done, attempt < 10 ? 5 : 50));
    }
    throw new Error(`Cannot remove cgroup ${this.#dirs[0]}: processes are still in it`);
  }
};
function limitFiles(budget, v2) {
  const { memoryMb, cpus, processes } = budget;
  const memory = memoryMb > 0 ? String(memoryMb * 1024 * 1024) : void 0;
  const quota = cpus > 0 ? Math.max(1e3, Math.round(cpus * 1e5)) : void 0;
  const pids = processes > 0 ? String(processes) : "max";
  if (v2) {
    return [
      [
        "memory.max",
        memory ?? "max",
        false
      ],
      // Swap would let a sandbox hold more than its budget: its memory is RAM or nothing.
      [
        "memory.swap.max",
        memory ? "0" : "max",
        true
      ],
      [
        "cpu.max",
        quota ? `${quota} 100000` : "max 100000",
        true
      ],
      [
        "pids.max",
        pids,
        false
      ]
    ];
  }
  return [
    ...memory ? [
      [
        "memory.limit_in_bytes",
        memory,
        false
      ],
      [
        "memory.memsw.limit_in_bytes",
        memory,
        true
      ]
    ] : [],
    ...quota ? [
      [
        "cpu.cfs_period_us",
        "100000",
        true
      ],
      [
        "cpu.cfs_quota_us",
        String(quota),
        true
      ]
    ] : [],
    [
      "pids.max",
      pids,
      false
    ]
  ];
}
__name(limitFiles, "limitFiles");
function keyValues(text) {
  const values = {};
  for (const line of (text ?? "").split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== void 0) values[key] = Number(value);
  }
  return values;
}
__name(keyValues, "keyValues");
function join(mount, path) {
  return path === "/" || path === "" ? mount : `${mount}${path}`;
}
__name(join, "join");
function exists(path) {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
__name(exists, "exists");
function readText(path) {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return void 0;
  }
}
__name(readText, "readText");
function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}
__name(errorText, "errorText");

// src/providers/local/_disk.ts
var SandboxDisks = class _SandboxDisks {
  static {
    __name(this, "SandboxDisks");
  }
  /** Why sandboxes get no disk budget here, or undefined when they do. */
  unavailable;
  #helper;
  constructor(helper, unavailable) {
    this.#helper = helper;
    this.unavailable = unavailable;
  }
  /** A pool that makes no disks, saying why. */
  static none(why) {
    return new _SandboxDisks(void 0, why);
  }
  /**
   * Starts the helper for sandbox directories in `baseDir` and for those of the persistent
   * workspaces in `workspacesDir`, run with `python` (its source is `script`). Only a root
   * server can mount; others get a pool that says so.
   */
  static open(python, script, baseDir, workspacesDir) {
    if (Deno.uid() !== 0) {
      return _SandboxDisks.none("mounting an image of the budget's size needs root: home and /tmp are bounded only by the host's disk");
    }
    return new _SandboxDisks(CgroupKeeper.start(python, script, baseDir, ...workspacesDir ? [
      workspacesDir
    ] : []));
  }
  /**
   * Mounts an image of `bytes` on `dir` (an empty sandbox directory in the base directory),
   * its root owned by `uid`. Returns the disk, or why there is none. With `keep` (a persistent
   * workspace's `sandbox` directory) the image `dir` already holds is mounted again, or left
   * mounted if it still is, and only made when there is none.
   */
  async make(dir, bytes, uid, keep = false) {
    if (!this.#helper) return this.unavailable ?? "no disk helper";
    try {
      await this.#helper.call("make", {
        dir,
        bytes,
        uid,
        keep
      });
    } catch (error) {
      if (keep) {
        return `the workspace's disk image could not be mounted (${error instanceof Error ? error.message : error})`;
      }
      await this.#helper.call("remove", {
        dir
      }).catch(() => {
      });
      return `the sandbox's disk image could not be mounted (${error instanceof Error ? error.message : error})`;
    }
    return new SandboxDisk(this.#helper, dir, bytes);
  }
  /**
   * Unmounts whatever disk is on `dir` (a sandbox directory in the base directory, perhaps of a
   * server that died) and detaches its loop device; rejects unless nothing is mounted on `dir`
   * or below it afterwards, so that deleting `dir` stays within the sandbox's files.
   */
  async unmount(dir) {
    if (!this.#helper) throw new Error(this.unavailable ?? "no disk helper");
    await this.#helper.call("remove", {
      dir
    }, {
      again: true
    });
  }
  /** Stops the helper (the disks are unmounted as their sandboxes close). */
  async close() {
    await this.#helper?.close();
  }
};
var SandboxDisk = class {
  static {
    __name(this, "SandboxDisk");
  }
  /** Its size, in bytes: the sandbox's disk budget. */
  bytes;
  #helper;
  #dir;
  /** Use {@linkcode SandboxDisks.make}. */
  constructor(helper, dir, bytes) {
    this.#helper = helper;
    this.#dir = dir;
    this.bytes = bytes;
  }
  /** What it holds now. */
  async usage() {
    return await this.#helper.call("usage", {
      dir: this.#dir
    });
  }
  /** Unmounts it; the image stays in the directory, deleted with it (or kept with a workspace). */
  async remove() {
    await this.#helper.call("remove", {
      dir: this.#dir
    }, {
      again: true
    });
  }
};
async function removeTree(path) {
  const remove = [
    "rm",
    "-rf",
    "--one-file-system",
    "--",
    path
  ];
  let complaint = await onHost(remove);
  if (complaint === void 0) return;
  if ((await Deno.lstat(path).catch(() => void 0))?.isDirectory) {
    await onHost([
      "chmod",
      "-R",
      "u+rwx",
      "--",
      path
    ]);
    complaint = await onHost(remove);
    if (complaint === void 0) return;
  }
  throw new Error(`Cannot delete ${path}: ${complaint}`);
}
__name(removeTree, "removeTree");
async function hostPaths(python, paths) {
  if (paths.length === 0) return [];
  const out = [];
  const complaint = await onHost([
    python,
    "-I",
    "-S",
    "-c",
    HOST_PATHS_PY,
    ...paths
  ], out);
  if (complaint !== void 0) throw new Error(`Cannot resolve ${paths.join(", ")}: ${complaint}`);
  const text = new TextDecoder().decode(concatBytes(out, out.reduce((sum, part) => sum + part.length, 0)));
  const found = JSON.parse(text);
  if (found.length !== paths.length) throw new Error(`Cannot resolve ${paths.join(", ")}`);
  return found;
}
__name(hostPaths, "hostPaths");
var HOST_PATHS_PY = `
import json, os, sys

def ident(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return "%d:%d" % (st.st_dev, st.st_ino)

def chain(path):
    found = []
    while True:
        i = ident(path)
        if i is not None:
            found.append(i)
        if path == "/":
            return found
        path = os.path.dirname(path)

def resolve(path):
    current, links, hops = "/", [], 0
    todo = [part for part in path.split("/") if part not in ("", ".")]
    while todo:
        part = todo.pop(0)
        if part == "..":
            current = os.path.dirname(current)
            continue
        step = os.path.join(current, part)
        if os.path.islink(step):
            hops += 1
            if hops > 40:
                raise OSError("%s: too many levels of symbolic links" % path)
            links.append(chain(current))
            target = os.readlink(step)
            if target.startswith("/"):
                current = "/"
            todo[:0] = [part for part in target.split("/") if part not in ("", ".")]
        else:
            current = step
    return {"real": current, "id": ident(current), "chain": chain(current), "links": links}

print(json.dumps([resolve(path) for path in sys.argv[1:]]))
`;
var COMPLAINT_BYTES = 2048;
async function onHost(argv, out) {
  const child = new Deno.Command("bwrap", {
    args: [
      "--bind",
      "/",
      "/",
      "--die-with-parent",
      "--",
      ...argv
    ],
    clearEnv: true,
    env: {
      PATH: "/usr/bin:/bin",
      LC_ALL: "C"
    },
    stdin: "null",
    stdout: out ? "piped" : "null",
    stderr: "piped"
  }).spawn();
  const reading = out && (async () => {
    for await (const chunk of child.stdout) out.push(chunk);
  })();
  const kept = [];
  let length = 0;
  for await (const chunk of child.stderr) {
    if (length >= COMPLAINT_BYTES) continue;
    kept.push(chunk.subarray(0, COMPLAINT_BYTES - length));
    length += kept.at(-1).length;
  }
  await reading;
  const { success, code } = await child.status;
  if (success) return void 0;
  const text = new TextDecoder().decode(concatBytes(kept, length)).trim().split("\n")[0];
  return text ? text.slice(0, 500) : `${argv[0]} exited with ${code}`;
}
__name(onHost, "onHost");

// src/providers/local/_leftovers.ts
var DIR = /^mcp-sandbox-((?:cache-)?[0-9A-Za-z_]+)$/;
var NET_DIR = /^mcp-workspace-net-[0-9A-Za-z_]+$/;
var CGROUP = /^local-([0-9A-Za-z_]+|ws-[a-z0-9][a-z0-9._-]*-[0-9a-f]{8})$/;
var LOCK = "owner.lock";
var UNJUDGED_GRACE_SECONDS = 60;
function lockSandbox(root) {
  const temporary = `${root}/.${LOCK}`;
  const file = Deno.openSync(temporary, {
    createNew: true,
    write: true,
    mode: 420
  });
  try {
    file.lockSync(true);
    const owner = {
      pid: Deno.pid,
      since: (/* @__PURE__ */ new Date()).toISOString()
    };
    file.writeSync(new TextEncoder().encode(JSON.stringify(owner) + "\n"));
    Deno.renameSync(temporary, `${root}/${LOCK}`);
    return file;
  } catch (error) {
    file.close();
    throw error;
  }
}
__name(lockSandbox, "lockSandbox");
async function sweepLeftovers(options) {
  const { baseDir, cgroups, log } = options;
  const report = {
    sandboxes: [],
    unjudgedCgroups: 0,
    workspaceNets: 0
  };
  const dirs = /* @__PURE__ */ new Map();
  const nets = [];
  try {
    for (const entry of Deno.readDirSync(baseDir)) {
      const name = DIR.exec(entry.name)?.[1];
      if (entry.isDirectory && name !== void 0) dirs.set(name, `${baseDir}/${entry.name}`);
      if (entry.isDirectory && NET_DIR.test(entry.name)) nets.push(`${baseDir}/${entry.name}`);
    }
  } catch (error) {
    log.debug(`leftovers: cannot list ${baseDir}: ${errorText2(error)}`);
  }
  for (const dir of nets) {
    const lock = judge(dir);
    if (typeof lock === "string") continue;
    try {
      lock.close();
      if (Deno.uid() !== 0 && Deno.statSync(dir).uid !== Deno.uid()) {
        throw new Error("it belongs to another user");
      }
      await removeTree(dir);
      report.workspaceNets++;
    } catch (error) {
      if (exists2(dir)) log.warn(`leftovers: cannot remove ${dir}: ${errorText2(error)}`);
    }
  }
  const groups = /* @__PURE__ */ new Map();
  try {
    for (const found of await cgroups?.found() ?? []) {
      const name = CGROUP.exec(found.name)?.[1];
      if (name !== void 0) groups.set(name, found);
    }
  } catch (error) {
    log.debug(`leftovers: cannot scan cgroups: ${errorText2(error)}`);
  }
  for (const name of /* @__PURE__ */ new Set([
    ...dirs.keys(),
    ...groups.keys()
  ])) {
    const dir = dirs.get(name);
    const group = groups.get(name);
    const lock = dir === void 0 ? "unjudged" : judge(dir);
    if (lock === "alive") continue;
    if (lock === "unjudged") {
      if (!group || group.processes > 0 || group.ageSeconds < UNJUDGED_GRACE_SECONDS) continue;
      try {
        await cgroups.removeFound(group);
        report.unjudgedCgroups++;
      } catch (error) {
        log.debug(`leftovers: cannot remove cgroup ${group.dirs[0]}: ${errorText2(error)}`);
      }
      continue;
    }
    try {
      try {
        if (group) await cgroups.removeFound(group);
      } finally {
        lock.close();
      }
      if (Deno.uid() === 0) {
        if (!options.disks) throw new Error("no disk helper can unmount it");
        await options.disks().unmount(Deno.realPathSync(dir));
      } else if (Deno.statSync(dir).uid !== Deno.uid()) {
        throw new Error("it belongs to another user");
      }
      await removeTree(dir);
      report.sandboxes.push(`local-${name}`);
    } catch (error) {
      if (!exists2(dir)) continue;
      log.warn(`leftovers: cannot remove sandbox local-${name}: ${errorText2(error)}`);
    }
  }
  return report;
}
__name(sweepLeftovers, "sweepLeftovers");
function judge(dir) {
  let file;
  try {
    file = Deno.openSync(`${dir}/${LOCK}`, {
      read: true
    });
  } catch {
    return "unjudged";
  }
  try {
    if (file.statSync().uid === Deno.uid() && file.tryLockSync(true)) return file;
  } catch {
  }
  file.close();
  return "alive";
}
__name(judge, "judge");
function exists2(path) {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
__name(exists2, "exists");
function errorText2(error) {
  return error instanceof Error ? error.message : String(error);
}
__name(errorText2, "errorText");

// src/providers/local/_package_cache.ts
var PACKAGE_CACHE_DIR = "/var/cache/packages";
function packageCacheEnvironment(dir) {
  return {
    PIP_CACHE_DIR: `${dir}/pip`,
    UV_CACHE_DIR: `${dir}/uv`,
    // uv hard-links from its cache, which lies on another file system than the environment.
    UV_LINK_MODE: "copy"
  };
}
__name(packageCacheEnvironment, "packageCacheEnvironment");
var PackageCaches = class {
  static {
    __name(this, "PackageCaches");
  }
  #baseDir;
  #owner;
  #disk;
  #entries = /* @__PURE__ */ new Map();
  /**
   * Caches in `baseDir`, each owned by `owner(tenant)` when it gives a uid (the host uid a root
   * server's sandboxes of that tenant run as), each on a disk from `disk()` when it gives one.
   */
  constructor(baseDir, owner, disk) {
    this.#baseDir = baseDir;
    this.#owner = owner;
    this.#disk = disk;
  }
  /** The cache of `tenant`, made on its first lease. */
  async lease(tenant) {
    let entry = this.#entries.get(tenant);
    if (!entry) {
      entry = {
        made: this.#make(tenant),
        holders: 0
      };
      this.#entries.set(tenant, entry);
      const made = entry;
      made.made.catch(() => {
        if (this.#entries.get(tenant) === made) this.#entries.delete(tenant);
      });
    }
    entry.holders++;
    let cache;
    try {
      cache = await entry.made;
    } catch (error) {
      entry.holders--;
      throw error;
    }
    let released = false;
    const held = entry;
    return {
      dir: cache.dir,
      release: /* @__PURE__ */ __name(async () => {
        if (released) return;
        released = true;
        if (--held.holders > 0) return;
        if (this.#entries.get(tenant) === held) this.#entries.delete(tenant);
        cache.owned.close();
        await cache.disk?.remove().catch(() => {
        });
        await removeTree(cache.root);
      }, "release")
    };
  }
  async #make(tenant) {
    const dir = Deno.makeTempDirSync({
      dir: this.#baseDir,
      prefix: "mcp-sandbox-cache-"
    });
    try {
      const wanted = this.#disk?.();
      const owner = this.#owner(tenant);
      let disk;
      if (wanted) {
        const made = await wanted.disks.make(Deno.realPathSync(dir), wanted.bytes, owner ?? 0);
        if (typeof made !== "string") disk = made;
      }
      const owned = lockSandbox(dir);
      const data = `${dir}/data`;
      Deno.mkdirSync(data);
      Deno.chmodSync(data, 448);
      Deno.chmodSync(dir, 457);
      if (owner !== void 0) Deno.chownSync(data, owner, owner);
      return {
        root: dir,
        dir: data,
        disk,
        owned
      };
    } catch (error) {
      await removeTree(dir);
      throw error;
    }
  }
};

// src/providers/local/_bwrap.ts
var SANDBOX_HOME = "/home/sandbox";
var SANDBOX_USER = "sandbox";
var RUNTIME_DIR = "/opt/sandbox";
var SANDBOX_VENV = `${SANDBOX_HOME}/.venv`;
var SANDBOX_UID = 1e3;
var UNPRIVILEGED_UID = 65534;
var TENANT_UIDS = {
  first: 1879048192,
  count: 268304384
};
function tenantUid(key, tenant) {
  const digest = createHmac("sha256", key).update(tenant).digest();
  return TENANT_UIDS.first + digest.readUInt32BE(0) % TENANT_UIDS.count;
}
__name(tenantUid, "tenantUid");
function defaultEnvironment(home) {
  return {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: home,
    USER: SANDBOX_USER,
    LOGNAME: SANDBOX_USER,
    SHELL: "/bin/sh",
    LANG: "C.UTF-8",
    TERM: "dumb",
    TMPDIR: "/tmp",
    PYTHONUNBUFFERED: "1",
    MPLBACKEND: "Agg",
    // Each pip run would otherwise ask the index whether pip itself is outdated: a request and
    // hundreds of ms spent on advice the sandbox cannot act on (pip belongs to the host).
    PIP_DISABLE_PIP_VERSION_CHECK: "1"
  };
}
__name(defaultEnvironment, "defaultEnvironment");
var NET_DIR2 = "/run/sandbox-net";
var HTTP_PROXY_PORT = 3128;
var SOCKS_PROXY_PORT = 1080;
function proxyEnvironment() {
  const http = `http://127.0.0.1:${HTTP_PROXY_PORT}`;
  const socks = `socks5h://127.0.0.1:${SOCKS_PROXY_PORT}`;
  const local = "localhost,127.0.0.1,::1";
  return {
    HTTP_PROXY: http,
    http_proxy: http,
    HTTPS_PROXY: http,
    https_proxy: http,
    ALL_PROXY: socks,
    all_proxy: socks,
    NO_PROXY: local,
    no_proxy: local,
    npm_config_proxy: http,
    npm_config_https_proxy: http,
    NODE_USE_ENV_PROXY: "1"
  };
}
__name(proxyEnvironment, "proxyEnvironment");
var SYSTEM_DIRS = [
  "bin",
  "sbin",
  "lib",
  "lib32",
  "lib64",
  "libx32"
];
var ETC_ENTRIES = [
  "ssl/certs",
  "ssl/openssl.cnf",
  "pki/tls/certs",
  "pki/ca-trust/extracted",
  "ca-certificates",
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "alternatives",
  "fonts",
  "localtime",
  "timezone",
  "resolv.conf",
  "nsswitch.conf",
  "gai.conf",
  "host.conf",
  "services",
  "protocols",
  "mime.types",
  "magic",
  "magic.mime",
  "locale.alias",
  "terminfo",
  "inputrc",
  "os-release",
  "debian_version",
  "lsb-release",
  "matplotlibrc",
  "python3",
  ...Array.from({
    length: 8
  }, (_, i) => `python3.${i + 9}`)
];
var MASKED_PROC = [
  "keys",
  "key-users"
];
var CURRENT_BWRAP = {
  disableUserns: true,
  tmpfsSize: true
};
function bwrapFeatures(version) {
  const [, major, minor] = /(\d+)\.(\d+)/.exec(version) ?? [];
  if (major === void 0) return CURRENT_BWRAP;
  const at = /* @__PURE__ */ __name((m, n) => Number(major) > m || Number(major) === m && Number(minor) >= n, "at");
  return {
    disableUserns: at(0, 8),
    tmpfsSize: at(0, 7)
  };
}
__name(bwrapFeatures, "bwrapFeatures");
var SHM_BYTES = 64 * 1024 * 1024;
function systemMounts(runtime, features = CURRENT_BWRAP) {
  const args = [
    "--ro-bind",
    "/usr",
    "/usr"
  ];
  for (const dir of SYSTEM_DIRS) args.push("--ro-bind-try", `/${dir}`, `/${dir}`);
  for (const entry of ETC_ENTRIES) args.push("--ro-bind-try", `/etc/${entry}`, `/etc/${entry}`);
  for (const file of [
    "passwd",
    "group",
    "hostname",
    "hosts"
  ]) {
    args.push("--ro-bind", `${runtime}/${file}`, `/etc/${file}`);
  }
  args.push("--dev", "/dev");
  if (features.tmpfsSize) args.push("--perms", "1777", "--size", String(SHM_BYTES));
  args.push("--tmpfs", "/dev/shm", "--remount-ro", "/dev", "--proc", "/proc");
  for (const file of MASKED_PROC) {
    if (procHas(file)) args.push("--ro-bind", "/dev/null", `/proc/${file}`);
  }
  return args;
}
__name(systemMounts, "systemMounts");
function procHas(file) {
  const path = `/proc/${file}`;
  if (Deno.permissions.querySync({
    name: "read",
    path
  }).state !== "granted") return true;
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound);
  }
}
__name(procHas, "procHas");
function namespaceArgs(network, features = CURRENT_BWRAP) {
  return [
    "--unshare-all",
    "--unshare-user",
    ...features.disableUserns ? [
      "--disable-userns"
    ] : [],
    ...network === "host" ? [
      "--share-net"
    ] : [],
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_UID),
    "--hostname",
    "sandbox",
    "--die-with-parent",
    "--new-session"
  ];
}
__name(namespaceArgs, "namespaceArgs");
function bwrapCommand(args, options, uid = UNPRIVILEGED_UID) {
  return Deno.uid() === 0 ? new Deno.Command("setpriv", {
    ...options,
    args: [
      `--reuid=${uid}`,
      `--regid=${uid}`,
      "--clear-groups",
      "--inh-caps=-all",
      "bwrap",
      ...args
    ]
  }) : new Deno.Command("bwrap", {
    ...options,
    args: [
      ...args
    ]
  });
}
__name(bwrapCommand, "bwrapCommand");
function bwrapArgs(layout) {
  const features = layout.features ?? CURRENT_BWRAP;
  const args = [
    ...namespaceArgs(layout.network, features),
    ...layout.network !== "host" && layout.netDir ? [
      "--ro-bind",
      layout.netDir,
      NET_DIR2
    ] : [],
    // The agent is PID 1: no bwrap process in the sandbox holds its pipes, and signals from
    // sandbox processes (SIGSTOP, SIGKILL) cannot reach it.
    "--as-pid-1",
    ...systemMounts(layout.runtime, features),
    "--bind",
    layout.tmp,
    "/tmp",
    "--bind",
    layout.home,
    SANDBOX_HOME,
    // Shared host directories. A symlink inside one resolves here, in the sandbox's own file
    // system, so it leads nowhere outside the shares, home and /tmp.
    ...(layout.shares ?? []).flatMap((share) => [
      share.mode === "rw" ? "--bind" : "--ro-bind",
      share.hostPath,
      share.path
    ]),
    ...layout.packageCache ? [
      "--bind",
      layout.packageCache,
      PACKAGE_CACHE_DIR
    ] : [],
    "--ro-bind",
    layout.runtime,
    RUNTIME_DIR,
    // Everything else, including bwrap's own root, is read-only.
    "--remount-ro",
    "/",
    "--chdir",
    SANDBOX_HOME,
    "--clearenv"
  ];
  const internet = layout.network === "internet";
  const env = {
    ...defaultEnvironment(SANDBOX_HOME),
    ...internet ? proxyEnvironment() : {},
    ...layout.packageCache ? packageCacheEnvironment(PACKAGE_CACHE_DIR) : {},
    ...layout.env,
    SANDBOX_PYTHON: layout.python,
    SANDBOX_VENV,
    SANDBOX_LIMITS: layout.limits ?? "",
    SANDBOX_SUPERVISOR: "pid1",
    ...layout.hold ? {
      SANDBOX_HOLD: "1"
    } : {},
    // The relay to the egress proxy (internet), or only the tunnels of web_preview (none).
    SANDBOX_NET: internet ? [
      `proxy=${NET_DIR2}/proxy.sock`,
      `http=${HTTP_PROXY_PORT}`,
      `socks=${SOCKS_PROXY_PORT}`,
      `host_ports=${(layout.hostPorts ?? []).join(":")}`
    ].join(",") : layout.netDir && layout.network === "none" ? "tunnels" : ""
  };
  for (const [name, value] of Object.entries(env)) args.push("--setenv", name, value);
  args.push(layout.python, "-s", "-E", "-X", "utf8", `${RUNTIME_DIR}/agent.py`);
  return args;
}
__name(bwrapArgs, "bwrapArgs");
function identityFiles() {
  return {
    hostname: "sandbox\n",
    hosts: "127.0.0.1	localhost sandbox\n::1	localhost ip6-localhost ip6-loopback\n",
    passwd: [
      "root:x:0:0:root:/root:/bin/sh",
      `${SANDBOX_USER}:x:${SANDBOX_UID}:${SANDBOX_UID}:sandbox:${SANDBOX_HOME}:/bin/sh`,
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
      ""
    ].join("\n"),
    group: [
      "root:x:0:",
      `${SANDBOX_USER}:x:${SANDBOX_UID}:`,
      "nogroup:x:65534:",
      ""
    ].join("\n")
  };
}
__name(identityFiles, "identityFiles");

// src/providers/local/_egress.ts
var IPV4_RANGES = [
  {
    cidr: "0.0.0.0/8",
    class: "unspecified",
    name: "this network"
  },
  {
    cidr: "10.0.0.0/8",
    class: "private",
    name: "RFC 1918"
  },
  {
    cidr: "100.64.0.0/10",
    class: "private",
    name: "shared address space (carrier-grade NAT)"
  },
  {
    cidr: "127.0.0.0/8",
    class: "loopback",
    name: "loopback"
  },
  {
    cidr: "169.254.0.0/16",
    class: "link-local",
    name: "link-local (cloud metadata)"
  },
  {
    cidr: "172.16.0.0/12",
    class: "private",
    name: "RFC 1918"
  },
  {
    cidr: "192.0.0.0/24",
    class: "reserved",
    name: "IETF protocol assignments"
  },
  {
    cidr: "192.0.2.0/24",
    class: "reserved",
    name: "documentation (TEST-NET-1)"
  },
  {
    cidr: "192.88.99.0/24",
    class: "reserved",
    name: "6to4 relay anycast (deprecated)"
  },
  {
    cidr: "192.168.0.0/16",
    class: "private",
    name: "RFC 1918"
  },
  {
    cidr: "198.18.0.0/15",
    class: "reserved",
    name: "benchmarking"
  },
  {
    cidr: "198.51.100.0/24",
    class: "reserved",
    name: "documentation (TEST-NET-2)"
  },
  {
    cidr: "203.0.113.0/24",
    class: "reserved",
    name: "documentation (TEST-NET-3)"
  },
  {
    cidr: "224.0.0.0/4",
    class: "multicast",
    name: "multicast"
  },
  {
    cidr: "255.255.255.255/32",
    class: "reserved",
    name: "limited broadcast"
  },
  {
    cidr: "240.0.0.0/4",
    class: "reserved",
    name: "reserved for future use"
  }
];
var IPV6_RANGES = [
  {
    cidr: "::/128",
    class: "unspecified",
    name: "unspecified"
  },
  {
    cidr: "::1/128",
    class: "loopback",
    name: "loopback"
  },
  // Inside ::/8, so before it.
  {
    cidr: "64:ff9b:1::/48",
    class: "private",
    name: "local-use NAT64"
  },
  {
    cidr: "::/8",
    class: "reserved",
    name: "IPv4-compatible and other reserved"
  },
  {
    cidr: "100::/64",
    class: "reserved",
    name: "discard-only"
  },
  {
    cidr: "2001::/23",
    class: "reserved",
    name: "IETF protocol assignments (Teredo and others)"
  },
  {
    cidr: "2001:db8::/32",
    class: "reserved",
    name: "documentation"
  },
  {
    cidr: "3fff::/20",
    class: "reserved",
    name: "documentation"
  },
  {
    cidr: "fc00::/7",
    class: "private",
    name: "unique local"
  },
  {
    cidr: "fe80::/10",
    class: "link-local",
    name: "link-local"
  },
  {
    cidr: "fec0::/10",
    class: "private",
    name: "site-local (deprecated)"
  },
  {
    cidr: "ff00::/8",
    class: "multicast",
    name: "multicast"
  }
];
function parseIpv4(text) {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}
__name(parseIpv4, "parseIpv4");
function parseIpv6(text) {
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = /* @__PURE__ */ __name((half) => {
    if (half === "") return [];
    const out = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 65535);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return null;
      }
    }
    return out;
  }, "groups");
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === null || tail === null) return null;
  let all;
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    all = [
      ...head,
      ...new Array(fill).fill(0),
      ...tail
    ];
  } else {
    if (head.length !== 8) return null;
    all = head;
  }
  let value = 0n;
  for (const group of all) value = value << 16n | BigInt(group);
  return value;
}
__name(parseIpv6, "parseIpv6");
function formatIpv4(value) {
  return [
    value >>> 24,
    value >>> 16 & 255,
    value >>> 8 & 255,
    value & 255
  ].join(".");
}
__name(formatIpv4, "formatIpv4");
function formatIpv6(value) {
  const groups = [];
  for (let i = 7; i >= 0; i--) groups.push(Number(value >> BigInt(i * 16) & 0xffffn));
  let best = -1, bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [
      i,
      j - i
    ];
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best === -1) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLength).join(":")}`;
}
__name(formatIpv6, "formatIpv6");
function parseIp(text) {
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const v4 = parseIpv4(text);
  if (v4 !== null) return {
    version: 4,
    value: BigInt(v4),
    text: formatIpv4(v4)
  };
  if (!text.includes(":")) return null;
  const v6 = parseIpv6(text);
  if (v6 === null || text.includes("%")) return null;
  return {
    version: 6,
    value: v6,
    text: formatIpv6(v6)
  };
}
__name(parseIp, "parseIp");
function compile(ranges, bits) {
  return ranges.map((range) => {
    const [address, length] = range.cidr.split("/");
    const value = bits === 32 ? BigInt(parseIpv4(address)) : parseIpv6(address);
    const shift = BigInt(bits - Number(length));
    return {
      ...range,
      base: value >> shift,
      shift
    };
  });
}
__name(compile, "compile");
var V4 = compile(IPV4_RANGES, 32);
var V6 = compile(IPV6_RANGES, 128);
function judgeV4(value) {
  const range = V4.find((r) => value >> r.shift === r.base);
  return range ? {
    class: range.class,
    range
  } : {
    class: "public"
  };
}
__name(judgeV4, "judgeV4");
function judge2(ip) {
  if (ip.version === 4) return judgeV4(ip.value);
  const v = ip.value;
  const embedded = /* @__PURE__ */ __name((v4) => ({
    ...judgeV4(v4),
    embedded: formatIpv4(Number(v4))
  }), "embedded");
  if (v >> 32n === 0xffffn) return embedded(v & 0xffffffffn);
  if (v >> 32n === 0x0064ff9b0000000000000000n) return embedded(v & 0xffffffffn);
  if (v >> 112n === 0x2002n) return embedded(v >> 80n & 0xffffffffn);
  const range = V6.find((r) => v >> r.shift === r.base);
  if (range) return {
    class: range.class,
    range
  };
  if (v >> 125n !== 1n) {
    return {
      class: "reserved",
      range: {
        cidr: "outside 2000::/3",
        class: "reserved",
        name: "not global unicast",
        base: 0n,
        shift: 0n
      }
    };
  }
  return {
    class: "public"
  };
}
__name(judge2, "judge");
function normalizeHost(host) {
  host = host.toLowerCase();
  if (host.endsWith(".")) host = host.slice(0, -1);
  return host;
}
__name(normalizeHost, "normalizeHost");
function matchesDomain(host, patterns) {
  const ip = parseIp(host);
  if (ip !== null) return patterns.some((pattern) => parseIp(pattern)?.text === ip.text);
  host = normalizeHost(host);
  if (host === "") return false;
  return patterns.some((raw) => {
    const pattern = normalizeHost(raw);
    if (pattern.startsWith("*.")) {
      const suffix = pattern.slice(1);
      return suffix.length > 1 && host.length > suffix.length && host.endsWith(suffix);
    }
    return pattern !== "" && !pattern.includes("*") && host === pattern;
  });
}
__name(matchesDomain, "matchesDomain");
var POLICY_PREFIX = "Refused by the sandbox's network policy";
var HINT = "sandboxes reach only public internet addresses (host ports opened with --allow-host-port, domains allowed with --network-allow)";
var MAX_HEAD_BYTES = 64 * 1024;
var RESOLVE_TIMEOUT_MS = 1e4;
var CONNECT_TIMEOUT_MS = 1e4;
var MAX_ATTEMPTS = 3;
var COPY_BUFFER_BYTES = [
  16 * 1024,
  256 * 1024
];
var LARGE_BUFFERS = 32;
var LOG_BURST = 50;
var LOG_PER_SECOND = 10;
var LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
function describe(address, j) {
  const range = j.range ? ` (${j.range.cidr}, ${j.range.name})` : "";
  const via = j.embedded ? ` embedding ${j.embedded}` : "";
  return `${address}${via} is ${j.class === "unspecified" ? "an" : "a"} ${j.class} address${range}`;
}
__name(describe, "describe");
function isLocalhost(ip) {
  return ip.version === 4 ? ip.value === 0x7f000001n : ip.value === 1n || ip.value === 0xffff7f000001n;
}
__name(isLocalhost, "isLocalhost");
function isHostLoopback(ip) {
  if (ip.version === 4) return ip.value >> 24n === 127n;
  return ip.value === 1n || ip.value >> 24n === 0xffff7fn;
}
__name(isHostLoopback, "isHostLoopback");
async function defaultResolve(hostname, signal) {
  const [a, aaaa] = await Promise.allSettled([
    Deno.resolveDns(hostname, "A", {
      signal
    }),
    Deno.resolveDns(hostname, "AAAA", {
      signal
    })
  ]);
  if (a.status === "rejected" && aaaa.status === "rejected") throw a.reason;
  return [
    ...a.status === "fulfilled" ? a.value : [],
    ...aaaa.status === "fulfilled" ? aaaa.value : []
  ];
}
__name(defaultResolve, "defaultResolve");
function defaultConnect(address, port, signal) {
  return Deno.connect({
    hostname: address,
    port,
    signal,
    autoSelectFamily: false
  });
}
__name(defaultConnect, "defaultConnect");
async function bounded(task, ms, closing, what) {
  const controller = new AbortController();
  let timer;
  let onClose;
  const stop = new Promise((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${what} timed out after ${ms / 1e3} s`));
    }, ms);
    onClose = /* @__PURE__ */ __name(() => {
      controller.abort();
      reject(new Error("the proxy is closing"));
    }, "onClose");
    closing.addEventListener("abort", onClose, {
      once: true
    });
  });
  try {
    if (closing.aborted) throw new Error("the proxy is closing");
    return await Promise.race([
      task(controller.signal),
      stop
    ]);
  } finally {
    clearTimeout(timer);
    closing.removeEventListener("abort", onClose);
  }
}
__name(bounded, "bounded");
async function judgeDestination(rawHost, port, policy, signal = new AbortController().signal) {
  const refuse = /* @__PURE__ */ __name((message) => ({
    ok: false,
    kind: "policy",
    message: `${POLICY_PREFIX}: ${message}`
  }), "refuse");
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return refuse(`port ${port} is not a port a connection can go to`);
  }
  const literal = parseIp(rawHost);
  const host = literal ? literal.text : normalizeHost(rawHost);
  const hostPorts = policy.allowHostPorts ?? [];
  const hostPortOpen = hostPorts.includes(port);
  const portsNote = hostPorts.length > 0 ? `only host ports ${hostPorts.join(", ")} are opened with --allow-host-port` : "no host port is opened with --allow-host-port";
  let localhost = false;
  if (!literal) {
    const labels = host.split(".");
    if (host.length === 0 || host.length > 253 || !labels.every((l) => LABEL.test(l))) {
      return refuse(`"${rawHost.slice(0, 100)}" is not a valid host name`);
    }
    if (/^(?:[0-9]+|0x[0-9a-f]*)$/.test(labels[labels.length - 1])) {
      return refuse(`"${host}" is not a valid IP address (write IPv4 as a dotted quad)`);
    }
    localhost = host === "localhost" || host.endsWith(".localhost");
  }
  const namedLoopback = localhost || literal !== null && isHostLoopback(literal);
  if (policy.allowDomains && !(namedLoopback && hostPortOpen)) {
    if (!matchesDomain(host, policy.allowDomains)) {
      const list2 = policy.allowDomains.slice(0, 8).join(", ") + (policy.allowDomains.length > 8 ? ", ..." : "");
      return refuse(`${host} is not on the sandbox's domain allow-list (${list2 || "empty"}); domains are allowed with --network-allow`);
    }
  }
  let resolved;
  if (literal) resolved = [
    literal.text
  ];
  else if (localhost) resolved = [
    "127.0.0.1",
    "::1"
  ];
  else {
    try {
      resolved = await bounded((s) => (policy.resolve ?? defaultResolve)(host, s), RESOLVE_TIMEOUT_MS, signal, "name resolution");
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        kind: "resolve",
        message: `Cannot resolve ${host}: ${reason}`
      };
    }
  }
  const parsed = resolved.map((text) => parseIp(text)).filter((ip) => ip !== null);
  if (parsed.length === 0) {
    return {
      ok: false,
      kind: "resolve",
      message: `Cannot resolve ${host}: no A or AAAA records`
    };
  }
  const addresses = [];
  const refusals = [];
  for (const ip of parsed) {
    const judgement = judge2(ip);
    if (judgement.class === "public" || hostPortOpen && isLocalhost(ip)) {
      if (!addresses.includes(ip.text)) addresses.push(ip.text);
    } else {
      refusals.push(describe(ip.text, judgement));
    }
  }
  if (addresses.length > 0) return {
    ok: true,
    addresses
  };
  const loopbackNote = parsed.some(isHostLoopback) ? ` and ${portsNote}` : "";
  if (literal) return refuse(`${refusals[0]}${loopbackNote}; ${HINT}`);
  const classes = [
    ...new Set(parsed.map((ip) => judge2(ip).class))
  ].join(" and ");
  const list = parsed.slice(0, 4).map((ip) => ip.text).join(", ") + (parsed.length > 4 ? ", ..." : "");
  return refuse(`${host} resolves only to ${classes} addresses (${list})${loopbackNote}; ${HINT}`);
}
__name(judgeDestination, "judgeDestination");
var HeadReader = class {
  static {
    __name(this, "HeadReader");
  }
  #conn;
  #buffer = new Uint8Array(4096);
  #start = 0;
  #end = 0;
  constructor(conn) {
    this.#conn = conn;
  }
  /** Reads more bytes; false at the end of the stream. */
  async #fill(limit) {
    if (this.#end === this.#buffer.length) {
      const size = this.#end - this.#start;
      if (this.#start > 0 && size < this.#buffer.length / 2) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
      } else {
        const bigger = new Uint8Array(Math.min(limit + 1, this.#buffer.length * 2));
        if (bigger.length <= size) throw new HeadError(431, "the request head is too large");
        bigger.set(this.#buffer.subarray(this.#start, this.#end));
        this.#buffer = bigger;
      }
      this.#start = 0;
      this.#end = size;
    }
    const n = await this.#conn.read(this.#buffer.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }
  /** The next byte, left unread; null at the end of the stream. */
  async peek() {
    while (this.#end === this.#start) {
      if (!await this.#fill(4096)) return null;
    }
    return this.#buffer[this.#start];
  }
  /** Exactly `n` bytes (n ≤ 4096). */
  async exact(n) {
    while (this.#end - this.#start < n) {
      if (!await this.#fill(4096)) throw new HeadError(400, "the client closed the connection");
    }
    const out = this.#buffer.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }
  /** The bytes up to and including the blank line that ends an HTTP head. */
  async head() {
    let searched = 0;
    while (true) {
      const from = this.#start + Math.max(0, searched - 3);
      const end = indexOfBlankLine(this.#buffer, from, this.#end);
      if (end !== -1) {
        const out = this.#buffer.slice(this.#start, end);
        this.#start = end;
        return out;
      }
      searched = this.#end - this.#start;
      if (searched > MAX_HEAD_BYTES) {
        throw new HeadError(431, `the request head is larger than ${MAX_HEAD_BYTES / 1024} KiB`);
      }
      if (!await this.#fill(MAX_HEAD_BYTES)) {
        throw new HeadError(400, "the client closed the connection before the end of the head");
      }
    }
  }
  /** What was read past the head: the first bytes of the tunnel or body. */
  rest() {
    return this.#buffer.subarray(this.#start, this.#end);
  }
};
function indexOfBlankLine(buffer, from, to) {
  for (let i = from; i + 3 < to; i++) {
    if (buffer[i] === 13 && buffer[i + 1] === 10 && buffer[i + 2] === 13 && buffer[i + 3] === 10) {
      return i + 4;
    }
  }
  return -1;
}
__name(indexOfBlankLine, "indexOfBlankLine");
var HeadError = class extends Error {
  static {
    __name(this, "HeadError");
  }
  status;
  constructor(status, message) {
    super(message);
    this.status = status;
  }
};
function latin1(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}
__name(latin1, "latin1");
function fromLatin1(text) {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 255;
  return out;
}
__name(fromLatin1, "fromLatin1");
var STATUS_TEXT = {
  400: "Bad Request",
  403: "Forbidden",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  503: "Service Unavailable"
};
function splitAuthority(authority, defaultPort) {
  let host, portText;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) return {
      host: authority,
      port: NaN
    };
    host = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) return {
      host,
      port: NaN
    };
    portText = after === "" ? void 0 : after.slice(1);
  } else {
    const colon = authority.lastIndexOf(":");
    host = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? void 0 : authority.slice(colon + 1);
  }
  if (portText === void 0 || portText === "") return {
    host,
    port: defaultPort ?? NaN
  };
  return {
    host,
    port: /^[0-9]{1,10}$/.test(portText) ? Number(portText) : NaN
  };
}
__name(splitAuthority, "splitAuthority");
var HOP_BY_HOP = /* @__PURE__ */ new Set([
  "connection",
  "proxy-connection",
  "proxy-authorization",
  "keep-alive",
  "host"
]);
var REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\s]+) HTTP\/1\.[01]$/;
var FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
function parseHeaderLine(line) {
  if (/[\r\n\0]/.test(line)) return void 0;
  const colon = line.indexOf(":");
  const name = line.slice(0, colon);
  if (colon <= 0 || !FIELD_NAME.test(name)) return void 0;
  let start = colon + 1;
  let end = line.length;
  while (start < end && (line[start] === " " || line[start] === "	")) start++;
  while (end > start && (line[end - 1] === " " || line[end - 1] === "	")) end--;
  return [
    name,
    line.slice(start, end)
  ];
}
__name(parseHeaderLine, "parseHeaderLine");
var SOCKS = {
  succeeded: 0,
  generalFailure: 1,
  notAllowed: 2,
  hostUnreachable: 4,
  connectionRefused: 5,
  commandNotSupported: 7,
  addressTypeNotSupported: 8
};
function socksReply(code) {
  return new Uint8Array([
    5,
    code,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0
  ]);
}
__name(socksReply, "socksReply");
async function writeAll(conn, bytes) {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}
__name(writeAll, "writeAll");
async function copy(from, to, quota) {
  let buffer = new Uint8Array(COPY_BUFFER_BYTES[0]);
  try {
    while (true) {
      const n = await from.read(buffer);
      if (n === null) return;
      let offset = 0;
      while (offset < n) offset += await to.write(buffer.subarray(offset, n));
      if (n === buffer.length && n < COPY_BUFFER_BYTES[1] && quota.large > 0) {
        quota.large--;
        buffer = new Uint8Array(COPY_BUFFER_BYTES[1]);
      }
    }
  } finally {
    if (buffer.length === COPY_BUFFER_BYTES[1]) quota.large++;
  }
}
__name(copy, "copy");
function closeQuietly(conn) {
  try {
    conn.close();
  } catch {
  }
}
__name(closeQuietly, "closeQuietly");
var EgressProxy = class _EgressProxy {
  static {
    __name(this, "EgressProxy");
  }
  /** The unix socket's path. */
  path;
  /** Counters for tests and diagnostics: destinations allowed and refused (policy or resolution). */
  stats = {
    allowed: 0,
    refused: 0
  };
  #policy;
  #listener;
  #clients = /* @__PURE__ */ new Set();
  #upstreams = /* @__PURE__ */ new Set();
  #buffers = {
    large: LARGE_BUFFERS
  };
  #tasks = /* @__PURE__ */ new Set();
  #closing = new AbortController();
  #logAllowance = LOG_BURST;
  #logRefilled = performance.now();
  #logDropped = 0;
  #serving;
  #closed;
  /** Tunnel directions holding a large copy buffer now (at most {@linkcode LARGE_BUFFERS}). */
  get largeBuffers() {
    return LARGE_BUFFERS - this.#buffers.large;
  }
  constructor(path, policy, listener) {
    this.path = path;
    this.#policy = policy;
    this.#listener = listener;
    this.#serving = this.#serve();
  }
  /**
   * Listens on a unix socket at `path`, made mode 0666 so that a sandbox running as another uid can
   * connect (the directory holding it decides who can reach it).
   *
   * @throws {Deno.errors.AddrInUse} When something exists at `path`.
   */
  static listen(path, policy) {
    const listener = Deno.listen({
      transport: "unix",
      path
    });
    try {
      Deno.chmodSync(path, 438);
    } catch (error) {
      listener.close();
      throw error;
    }
    return new _EgressProxy(path, policy, listener);
  }
  async #serve() {
    const max = this.#policy.maxConnections ?? 256;
    while (true) {
      let conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closing.signal.aborted) return;
        this.#log(`egress: accept failed: ${error}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      if (this.#closing.signal.aborted) {
        closeQuietly(conn);
        return;
      }
      if (this.#clients.size >= max) {
        this.#log(`egress: refused a connection: ${max} connections are open`);
        closeQuietly(conn);
        continue;
      }
      this.#clients.add(conn);
      const task = this.#handle(conn).catch((error) => {
        this.#log(`egress: connection failed: ${error instanceof Error ? error.message : error}`);
      }).finally(() => {
        this.#clients.delete(conn);
        closeQuietly(conn);
        this.#tasks.delete(task);
      });
      this.#tasks.add(task);
    }
  }
  #log(message) {
    if (!this.#policy.log) return;
    const now = performance.now();
    this.#logAllowance = Math.min(LOG_BURST, this.#logAllowance + (now - this.#logRefilled) / 1e3 * LOG_PER_SECOND);
    this.#logRefilled = now;
    if (this.#logAllowance < 1) {
      this.#logDropped++;
      return;
    }
    this.#logAllowance--;
    if (this.#logDropped > 0) {
      message += ` (and ${this.#logDropped} earlier message(s) not logged: more than ${LOG_PER_SECOND} a second)`;
      this.#logDropped = 0;
    }
    try {
      this.#policy.log(message);
    } catch {
    }
  }
  async #handle(client) {
    const reader = new HeadReader(client);
    let headDone = false, timedOut = false;
    const timer = setTimeout(() => {
      if (headDone) return;
      timedOut = true;
      this.#log("egress: closed a connection that sent no complete request in time");
      closeQuietly(client);
    }, this.#policy.headTimeoutMs ?? 3e4);
    try {
      const first = await reader.peek();
      if (first === null) return;
      if (first === 5) await this.#socks(client, reader, () => headDone = true);
      else await this.#http(client, reader, () => headDone = true);
    } catch (error) {
      if (!timedOut && !this.#closing.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
  }
  async #respond(client, status, message) {
    const body = new TextEncoder().encode(message + "\n");
    const reason = status === 403 ? message.replace(/[^\x20-\x7e]/g, "?") : STATUS_TEXT[status];
    const head = `HTTP/1.1 ${status} ${reason}\r
Content-Type: text/plain; charset=utf-8\r
Content-Length: ${body.length}\r
` + (status === 403 ? "X-Proxy-Error: blocked-by-sandbox-policy\r\n" : "") + "Connection: close\r\n\r\n";
    const bytes = new Uint8Array(head.length + body.length);
    bytes.set(fromLatin1(head));
    bytes.set(body, head.length);
    try {
      await writeAll(client, bytes);
    } catch {
    }
  }
  async #http(client, reader, headRead) {
    let headBytes;
    try {
      headBytes = await reader.head();
    } catch (error) {
      if (error instanceof HeadError && !error.message.startsWith("the client closed")) {
        this.#log(`egress: bad request: ${error.message}`);
        await this.#respond(client, error.status, `Cannot proxy the request: ${error.message}`);
      }
      return;
    }
    headRead();
    const lines = latin1(headBytes).slice(0, -4).split("\r\n");
    const bad = /* @__PURE__ */ __name((message) => {
      this.#log(`egress: bad request: ${message}`);
      return this.#respond(client, 400, `Cannot proxy the request: ${message}`);
    }, "bad");
    const match = REQUEST_LINE.exec(lines[0]);
    if (!match) return bad("the request line is not HTTP/1.x");
    const [, method, target] = match;
    const headers = [];
    for (const line of lines.slice(1)) {
      const header = parseHeaderLine(line);
      if (!header) return bad("a header line is malformed");
      headers.push(header);
    }
    if (method.toUpperCase() === "CONNECT") {
      const { host: host2, port: port2 } = splitAuthority(target);
      if (host2 === "" || Number.isNaN(port2)) return bad(`CONNECT needs host:port, not ${target}`);
      const upstream2 = await this.#open(host2, port2, "CONNECT", async (status, message) => {
        await this.#respond(client, status, message);
      });
      if (!upstream2) return;
      await this.#tunnel(client, upstream2, reader.rest(), false, {
        toClient: fromLatin1("HTTP/1.1 200 Connection established\r\n\r\n")
      });
      return;
    }
    if (!/^http:\/\//i.test(target)) {
      return bad(`this is the sandbox's egress proxy: send http://host/path requests or CONNECT host:port`);
    }
    const afterScheme = target.slice(7);
    const end = afterScheme.search(/[/?#]/);
    const authority = end === -1 ? afterScheme : afterScheme.slice(0, end);
    let path = end === -1 ? "/" : afterScheme.slice(end);
    if (path.startsWith("?")) path = "/" + path;
    const hash = path.indexOf("#");
    if (hash !== -1) path = path.slice(0, hash) || "/";
    if (authority.includes("@")) return bad("credentials in the URL are not supported");
    const { host, port } = splitAuthority(authority, 80);
    if (host === "" || Number.isNaN(port)) {
      return bad(`the URL's authority ${authority} is invalid`);
    }
    const upstream = await this.#open(host, port, "GET", async (status, message) => {
      await this.#respond(client, status, message);
    });
    if (!upstream) return;
    let head = `${method} ${path} HTTP/1.1\r
Host: ${authority}\r
`;
    for (const [name, value] of headers) {
      if (!HOP_BY_HOP.has(name.toLowerCase())) head += `${name}: ${value}\r
`;
    }
    head += "Connection: close\r\n\r\n";
    await this.#tunnel(client, upstream, reader.rest(), true, {
      toUpstream: fromLatin1(head)
    });
  }
  async #socks(client, reader, headRead) {
    try {
      const [, count] = await reader.exact(2);
      const methods = await reader.exact(count);
      if (!methods.includes(0)) {
        await writeAll(client, new Uint8Array([
          5,
          255
        ]));
        return;
      }
      await writeAll(client, new Uint8Array([
        5,
        0
      ]));
      const [version, command, , type] = await reader.exact(4);
      let host;
      if (type === 1) host = formatIpv4(new DataView((await reader.exact(4)).buffer).getUint32(0));
      else if (type === 4) {
        const bytes = await reader.exact(16);
        let value = 0n;
        for (const byte of bytes) value = value << 8n | BigInt(byte);
        host = formatIpv6(value);
      } else if (type === 3) {
        host = latin1(await reader.exact((await reader.exact(1))[0]));
      } else {
        await writeAll(client, socksReply(SOCKS.addressTypeNotSupported));
        return;
      }
      const portBytes = await reader.exact(2);
      headRead();
      const port = portBytes[0] * 256 + portBytes[1];
      if (version !== 5 || command !== 1) {
        this.#log(`egress: refused SOCKS5 command ${command}: only CONNECT is supported`);
        await writeAll(client, socksReply(SOCKS.commandNotSupported));
        return;
      }
      const upstream = await this.#open(host, port, "SOCKS5", async (status, _message, code) => {
        await writeAll(client, socksReply(code ?? (status === 403 ? SOCKS.notAllowed : SOCKS.hostUnreachable)));
      });
      if (!upstream) return;
      await this.#tunnel(client, upstream, reader.rest(), false, {
        toClient: socksReply(SOCKS.succeeded)
      });
    } catch (error) {
      if (error instanceof HeadError) return;
      throw error;
    }
  }
  /**
   * Judges a destination and connects to the first address allowed; on refusal or failure calls
   * `fail` with an HTTP status, a message and a SOCKS5 code, and returns null.
   */
  async #open(host, port, protocol, fail) {
    const verdict = await judgeDestination(host, port, this.#policy, this.#closing.signal);
    if (!verdict.ok) {
      this.stats.refused++;
      this.#log(`egress: refused ${protocol} ${host}:${port}: ${verdict.message}`);
      await fail(verdict.kind === "policy" ? 403 : 502, verdict.message);
      return null;
    }
    this.stats.allowed++;
    let lastError;
    for (const address of verdict.addresses.slice(0, MAX_ATTEMPTS)) {
      try {
        const connect = this.#policy.connect ?? defaultConnect;
        const conn = await bounded((signal) => connect(address, port, signal), CONNECT_TIMEOUT_MS, this.#closing.signal, "connecting");
        if (this.#closing.signal.aborted) {
          closeQuietly(conn);
          return null;
        }
        this.#upstreams.add(conn);
        conn.setNoDelay(true);
        return conn;
      } catch (error) {
        lastError = error;
        if (this.#closing.signal.aborted) return null;
      }
    }
    const refused = lastError instanceof Deno.errors.ConnectionRefused;
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    const message = `Cannot connect to ${host}:${port} (${verdict.addresses[0]}): ${reason}`;
    this.#log(`egress: ${protocol} ${message}`);
    await fail(502, message, refused ? SOCKS.connectionRefused : SOCKS.hostUnreachable);
    return null;
  }
  /**
   * Copies both ways between client and upstream: first `toClient` to the client, and `toUpstream`
   * then the bytes read past the head to upstream. Each end of stream is passed on as a half-close;
   * with `endWithUpstream` (a plain http request) the client is closed as soon as the response ends.
   */
  async #tunnel(client, upstream, early, endWithUpstream, { toClient, toUpstream }) {
    const closeBoth = /* @__PURE__ */ __name(() => {
      closeQuietly(client);
      closeQuietly(upstream);
    }, "closeBoth");
    try {
      if (this.#closing.signal.aborted) return;
      if (toClient) await writeAll(client, toClient);
      const up = (async () => {
        if (toUpstream) await writeAll(upstream, toUpstream);
        if (early.length > 0) await writeAll(upstream, early.slice());
        await copy(client, upstream, this.#buffers);
        upstream.closeWrite();
      })().catch(closeBoth);
      const down = copy(upstream, client, this.#buffers).then(() => endWithUpstream ? closeBoth() : client.closeWrite()).catch(closeBoth);
      await Promise.all([
        up,
        down
      ]);
    } finally {
      this.#upstreams.delete(upstream);
      closeBoth();
    }
  }
  /** Closes the listener and every open connection and tunnel, and waits for them; idempotent. */
  close() {
    this.#closed ??= (async () => {
      this.#closing.abort();
      try {
        this.#listener.close();
      } catch {
      }
      for (const conn of [
        ...this.#clients,
        ...this.#upstreams
      ]) closeQuietly(conn);
      await this.#serving;
      while (this.#tasks.size > 0) await Promise.allSettled([
        ...this.#tasks
      ]);
    })();
    return this.#closed;
  }
  /** Same as {@linkcode EgressProxy.close}. */
  [Symbol.asyncDispose]() {
    return this.close();
  }
};

// src/providers/local/_preview.ts
var TOKEN_WAIT_MS = 1e4;
var MAX_PORTS = 16;
var MAX_CONNECTIONS = 256;
var PreviewForwarder = class {
  static {
    __name(this, "PreviewForwarder");
  }
  #agent;
  #inbound;
  #inboundInside;
  #listeners = /* @__PURE__ */ new Map();
  #waiting = /* @__PURE__ */ new Map();
  #conns = /* @__PURE__ */ new Set();
  /** Connections from the host being forwarded (reading their request, or tunnelled). */
  #forwarded = 0;
  /** Connections from inside that have not sent their token yet. */
  #unpaired = 0;
  #closed = false;
  /**
   * Listens on `inboundPath` (host side; `inboundInside` is the same socket as the sandbox sees
   * it). Requires `--allow-read`, `--allow-write` there and `--allow-net=127.0.0.1`.
   */
  constructor(agent, inboundPath, inboundInside) {
    this.#agent = agent;
    this.#inboundInside = inboundInside;
    this.#inbound = Deno.listen({
      transport: "unix",
      path: inboundPath
    });
    Deno.chmodSync(inboundPath, 438);
    this.#acceptInbound();
  }
  /** The host URL for `port` inside, listening from now until the sandbox closes. */
  url(port) {
    if (this.#closed) throw new Error(`Cannot preview port ${port}: the sandbox is closed`);
    let listener = this.#listeners.get(port);
    if (!listener) {
      if (this.#listeners.size >= MAX_PORTS) {
        throw new Error(`Cannot preview port ${port}: the sandbox already previews ${MAX_PORTS} ports (${[
          ...this.#listeners.keys()
        ].join(", ")}), the most one sandbox may; serve from one of them, or use another sandbox`);
      }
      listener = Deno.listen({
        hostname: "127.0.0.1",
        port: 0
      });
      this.#listeners.set(port, listener);
      this.#accept(listener, port);
    }
    return `http://127.0.0.1:${listener.addr.port}`;
  }
  /** Stops listening and ends every forwarded connection. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#inbound.close();
    for (const listener of this.#listeners.values()) listener.close();
    for (const conn of this.#conns) closeQuietly2(conn);
    this.#conns.clear();
  }
  async #accept(listener, port) {
    const host = listener.addr.port;
    for (let client; client = await this.#next(listener); ) {
      if (this.#forwarded >= MAX_CONNECTIONS) {
        closeQuietly2(client);
        continue;
      }
      this.#forwarded++;
      this.#conns.add(client);
      this.#forward(client, port, host).finally(() => this.#forwarded--);
    }
  }
  /**
   * The next connection to `listener`, or undefined once the sandbox is closed. A failed accept
   * (the server out of descriptors, for one) is tried again a moment later: a loop that ended
   * there left the port listening and never answering, for the sandbox's whole life.
   */
  async #next(listener) {
    while (!this.#closed) {
      try {
        return await listener.accept();
      } catch {
        if (!this.#closed) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return void 0;
  }
  /** Reads the client's first request head, checks its Host, then tunnels it into the sandbox. */
  async #forward(client, port, host) {
    const timer = setTimeout(() => this.#drop(client), TOKEN_WAIT_MS);
    const reader = new HeadReader(client);
    let head;
    try {
      head = await reader.head();
    } catch {
      clearTimeout(timer);
      return this.#drop(client);
    }
    clearTimeout(timer);
    const named = hostHeader(head)?.toLowerCase();
    if (named !== `127.0.0.1:${host}` && named !== `localhost:${host}`) {
      const body = `Forbidden: this preview answers requests for http://127.0.0.1:${host} or http://localhost:${host} only
`;
      await client.write(new TextEncoder().encode(`HTTP/1.1 403 Forbidden\r
content-type: text/plain\r
content-length: ${body.length}\r
connection: close\r
\r
${body}`)).catch(() => {
      });
      return this.#drop(client);
    }
    const tunnelled = Promise.withResolvers();
    const sent = concatBytes([
      head,
      reader.rest()
    ], head.length + reader.rest().length);
    this.#tunnel(client, port, sent, tunnelled.resolve);
    await tunnelled.promise;
  }
  #tunnel(client, port, head, done) {
    const token = crypto.randomUUID();
    const timer = setTimeout(() => {
      this.#waiting.delete(token);
      this.#drop(client);
      done();
    }, TOKEN_WAIT_MS);
    this.#waiting.set(token, (inside, leftover) => {
      clearTimeout(timer);
      this.#waiting.delete(token);
      this.#splice(client, inside, head, leftover).finally(done);
    });
    this.#agent.request("tunnel", {
      port,
      token,
      inbound: this.#inboundInside
    }).catch(() => {
      clearTimeout(timer);
      this.#waiting.delete(token);
      this.#drop(client);
      done();
    });
  }
  async #acceptInbound() {
    for (let conn; conn = await this.#next(this.#inbound); ) this.#identify(conn);
  }
  /**
   * Reads the token line of a connection from inside and pairs it with its client. Only as many
   * connections wait for their token as there are tunnels waiting for one: sandbox code that
   * connects on its own would otherwise hold as many of the server's descriptors as it likes.
   */
  async #identify(conn) {
    if (this.#unpaired >= this.#waiting.size) return closeQuietly2(conn);
    this.#unpaired++;
    try {
      await this.#pair(conn);
    } finally {
      this.#unpaired--;
    }
  }
  async #pair(conn) {
    this.#conns.add(conn);
    const timer = setTimeout(() => this.#drop(conn), TOKEN_WAIT_MS);
    const buffer = new Uint8Array(128);
    let filled = 0;
    try {
      while (filled < buffer.length) {
        const n = await conn.read(buffer.subarray(filled));
        if (n === null) break;
        filled += n;
        const end = buffer.subarray(0, filled).indexOf(10);
        if (end < 0) continue;
        const token = new TextDecoder().decode(buffer.subarray(0, end));
        const pair = this.#waiting.get(token);
        if (!pair) break;
        clearTimeout(timer);
        pair(conn, buffer.slice(end + 1, filled));
        return;
      }
    } catch {
    }
    clearTimeout(timer);
    this.#drop(conn);
  }
  async #splice(client, inside, head, leftover) {
    try {
      for (let at = 0; at < head.length; ) at += await inside.write(head.subarray(at));
      for (let at = 0; at < leftover.length; ) at += await client.write(leftover.subarray(at));
      await Promise.all([
        client.readable.pipeTo(inside.writable, {
          preventClose: true
        }).then(() => inside.closeWrite()),
        inside.readable.pipeTo(client.writable, {
          preventClose: true
        }).then(() => client.closeWrite())
      ]);
    } catch {
    }
    this.#drop(client);
    this.#drop(inside);
  }
  #drop(conn) {
    this.#conns.delete(conn);
    closeQuietly2(conn);
  }
};
function hostHeader(head) {
  const hosts = latin1(head).split("\r\n").slice(1).map(parseHeaderLine).filter((header) => header?.[0].toLowerCase() === "host");
  return hosts.length === 1 ? hosts[0][1] : void 0;
}
__name(hostHeader, "hostHeader");
function closeQuietly2(conn) {
  try {
    conn.close();
  } catch {
  }
}
__name(closeQuietly2, "closeQuietly");

// src/providers/local/_bytecode.ts
var COMPILE = `
import base64, importlib.util, json, sys
from importlib import _bootstrap_external as external
files = json.load(sys.stdin)
out = {}
if hasattr(external, "_code_to_hash_pyc") and sys.implementation.cache_tag:
    for name, text in files.items():
        data = text.encode()
        code = compile(data, "${RUNTIME_DIR}/" + name, "exec", dont_inherit=True)
        pyc = external._code_to_hash_pyc(code, importlib.util.source_hash(data), True)
        out["%s.%s.pyc" % (name[:-3], sys.implementation.cache_tag)] = base64.b64encode(pyc).decode()
json.dump(out, sys.stdout)
`;
async function compileModules(python, files) {
  const modules = Object.fromEntries(Object.entries(files).filter(([name]) => /^[a-z_][a-z0-9_]*\.py$/.test(name)));
  try {
    const isolation = [
      "--unshare-all",
      "--die-with-parent",
      "--ro-bind",
      "/",
      "/",
      "--clearenv"
    ];
    const child = bwrapCommand([
      ...isolation,
      python,
      "-I",
      "-S",
      "-c",
      COMPILE
    ], {
      stdin: "piped",
      stdout: "piped",
      stderr: "null"
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(modules)));
    await writer.close();
    const { success, stdout } = await child.output();
    if (!success) return /* @__PURE__ */ new Map();
    const compiled = JSON.parse(new TextDecoder().decode(stdout));
    return new Map(Object.entries(compiled).map(([name, data]) => [
      name,
      Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
    ]));
  } catch {
    return /* @__PURE__ */ new Map();
  }
}
__name(compileModules, "compileModules");

// src/providers/local/_quotas.ts
var QUOTA_SHARE = 4;
var SandboxQuotas = class _SandboxQuotas {
  static {
    __name(this, "SandboxQuotas");
  }
  #helper;
  constructor(helper) {
    this.#helper = helper;
  }
  /** Starts the helper with `python` (its source is `script`). */
  static open(python, script) {
    return new _SandboxQuotas(CgroupKeeper.startInHostNamespaces(python, script));
  }
  /**
   * Gives the sandbox whose bwrap is process `pid` its share of each quota. Returns undefined when
   * it has, else why not (the sandbox then runs with its uid's whole allowance).
   */
  async cap(pid) {
    try {
      await this.#helper.call("cap", {
        pid,
        share: QUOTA_SHARE
      });
      return void 0;
    } catch (error) {
      return `its share of the host uid's inotify quotas could not be set (${error instanceof Error ? error.message : error})`;
    }
  }
  /** Stops the helper. */
  async close() {
    await this.#helper.close();
  }
};

// src/providers/local/_git_isolation.ts
var ROOT_INSIDE = "/run/sandbox";
var GIT_HOME = "/run/git";
var CA_INSIDE = "/run/git-ca.pem";
var ONLINE_STEPS = [
  "clone",
  "fetch",
  "lfs pull"
];
var NET_INSIDE = "/run/git-net";
var RELAY = `${LOCAL_AGENT_FILES["net.py"]}
import sys, threading
start(sys.argv[1])
print("listening", flush=True)
threading.Event().wait()
`;
var SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt";
var PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
var STDERR_TAIL = 16384;
var LINE_TAIL = 4096;
var PRELUDE = [
  // The OOM killer's first choice, as the sandbox's own processes are (see quotas.py): in the
  // sandbox's cgroup it took the supervisor before git, which ended the sandbox.
  "{ echo 1000 > /proc/self/oom_score_adj; } 2>/dev/null",
  // Says it runs: bubblewrap has then set up the isolation to die with it (see #step's kill).
  "echo ready",
  // The relay to the egress proxy, listening before git starts (and without the token).
  'if [ -n "${CLONE_RELAY:-}" ]; then',
  '  mkfifo "$HOME/relay" || exit 1',
  '  "$CLONE_PYTHON" -I -S -c "$CLONE_RELAY" "$CLONE_RELAY_SPEC" > "$HOME/relay" &',
  '  IFS= read -r _ < "$HOME/relay" || { echo "cannot reach the egress proxy" >&2; exit 1; }',
  "  unset CLONE_RELAY CLONE_RELAY_SPEC CLONE_PYTHON",
  "fi",
  'IFS= read -r CLONE_PASSWORD || [ -n "$CLONE_PASSWORD" ]',
  "export CLONE_PASSWORD",
  'if [ -n "${CLONE_CA:-}" ]; then cat "$CLONE_SYSTEM_CA" "$CLONE_CA" > "$HOME/ca.pem" 2>/dev/null || cat "$CLONE_CA" > "$HOME/ca.pem"; fi',
  'exec "$@"'
].join("\n");
var MOVE = `
import errno, os, sys
source, target = sys.argv[1], sys.argv[2]
ROOTS = (("${SANDBOX_HOME}", "${ROOT_INSIDE}/home"), ("/tmp", "${ROOT_INSIDE}/tmp"))
DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

def fail(why):
    sys.stderr.write("cannot move the clone to %s: %s\\n" % (target, why))
    sys.exit(1)

def start(path, via):
    for inside, here in ROOTS:
        if path == inside or path.startswith(inside + "/"):
            names = [p for p in path[len(inside):].split("/") if p]
            return inside, [os.open(here, DIRECTORY)], names
    fail("%s leads to %s, outside ${SANDBOX_HOME} and /tmp" % (via, path))

root, dirs, names = start(target, target)
hops = 0
while True:
    if not names:
        fail("it is not a path under ${SANDBOX_HOME} or /tmp")
    name = names.pop(0)
    if name == ".":
        continue
    if name == "..":
        if len(dirs) > 1:
            os.close(dirs.pop())
            continue
        # Above home or /tmp: the sandbox's fixed directories (/home, /), none of them its own.
        above = os.path.dirname(root)
        while names and names[0] in (".", ".."):
            if names.pop(0) == "..":
                above = os.path.dirname(above)
        os.close(dirs[0])
        path = os.path.join(above, *names)
        root, dirs, names = start(path, path)
        continue
    if not names:
        break
    try:
        os.mkdir(name, dir_fd=dirs[-1])
    except FileExistsError:
        pass
    try:
        dirs.append(os.open(name, DIRECTORY, dir_fd=dirs[-1]))
        continue
    except OSError as e:
        if e.errno not in (errno.ELOOP, errno.ENOTDIR):
            fail("%s: %s" % (name, e.strerror))
    try:
        link = os.readlink(name, dir_fd=dirs[-1])
    except OSError:
        fail("%s is not a directory" % name)
    hops += 1
    if hops > 40:
        fail("too many symlinks")
    if link.startswith("/"):
        for fd in dirs:
            os.close(fd)
        root, dirs, rest = start(link, name)
        names = rest + names
    else:
        names = [p for p in link.split("/") if p] + names
try:
    os.rename(source, name, dst_dir_fd=dirs[-1])
except OSError as e:
    fail(e.strerror)
`;
var HELPER = '!f() { test "$1" = get || exit 0; p=; h=; while IFS= read -r l && test -n "$l"; do case "$l" in protocol=*) p="${l#*=}";; host=*) h="${l#*=}";; esac; done; test "$p" = https && test "$h" = "$CLONE_HOST" || exit 0; printf \'username=%s\\npassword=%s\\n\' "$CLONE_USER" "$CLONE_PASSWORD"; }; f';
var GitIsolation = class {
  static {
    __name(this, "GitIsolation");
  }
  #options;
  #uid;
  #queue = Promise.resolve();
  #closed = new AbortController();
  constructor(options) {
    this.#options = options;
    this.#uid = options.uid ?? UNPRIVILEGED_UID;
  }
  /** Clones `request.url` into `request.path` (a path as the sandbox sees it). */
  clone(request) {
    const run = this.#queue.then(() => this.#clone(request));
    this.#queue = run.catch(() => {
    });
    return run;
  }
  /** Kills any running isolation; later clones fail. */
  close() {
    this.#closed.abort(new Error("Cannot clone: the sandbox was closed"));
  }
  async #clone(request) {
    const signal = request.signal ? AbortSignal.any([
      request.signal,
      this.#closed.signal
    ]) : this.#closed.signal;
    signal.throwIfAborted();
    const { root, isolated } = this.#options;
    const { url, username, password } = request;
    if (/[\r\n\0]/.test(password) || /[\r\n\0]/.test(username)) {
      throw new TypeError("Cannot clone with this token: it contains a line break or NUL");
    }
    const path = request.path;
    const normal = !/(^|\/)\.\.?(\/|$)|\/\/|\/$/.test(path);
    if (isolated && !(normal && [
      SANDBOX_HOME,
      "/tmp"
    ].some((dir) => path.startsWith(`${dir}/`)))) {
      throw new TypeError(`Cannot clone with a token into ${path}: the target must be under ${SANDBOX_HOME} or /tmp`);
    }
    const host = new URL(url).host;
    const asRoot = isolated && Deno.uid() === 0;
    const id = crypto.randomUUID();
    const stagingHost = `${root}/git/${id}`;
    await Deno.mkdir(stagingHost, {
      recursive: true,
      mode: 448
    });
    if (asRoot) {
      for (const dir of [
        `${root}/git`,
        stagingHost
      ]) {
        await Deno.chown(dir, this.#uid, this.#uid);
      }
    }
    const clone = `${isolated ? `${ROOT_INSIDE}/git/${id}` : stagingHost}/clone`;
    const attempt = /* @__PURE__ */ __name((name, argv) => this.#step(name, argv, {
      host,
      username,
      password,
      request,
      signal
    }), "attempt");
    const step = /* @__PURE__ */ __name(async (name, argv) => {
      const { ok, message } = await attempt(name, argv);
      if (!ok) throw new Error(`${argv[0] === "git" ? "git " : ""}${name} failed: ${message}`);
    }, "step");
    try {
      const depth = request.depth ? [
        `--depth=${request.depth}`
      ] : [];
      if (request.commit === void 0) {
        await step("clone", [
          "git",
          "clone",
          "--progress",
          "--template=",
          ...depth,
          ...request.branch ? [
            "--branch",
            request.branch
          ] : [],
          "--",
          url,
          clone
        ]);
      } else {
        await step("init", [
          "git",
          "init",
          "-q",
          "--template=",
          clone
        ]);
        await step("remote add", [
          "git",
          "-C",
          clone,
          "remote",
          "add",
          "origin",
          url
        ]);
        const direct = await attempt("fetch", [
          "git",
          "-C",
          clone,
          "fetch",
          ...depth,
          "origin",
          request.commit
        ]);
        if (!direct.ok) {
          await step("fetch", [
            "git",
            "-C",
            clone,
            "fetch",
            "--progress",
            "origin",
            ...request.branch ? [
              request.branch
            ] : [
              "+refs/heads/*:refs/remotes/origin/*",
              "+refs/tags/*:refs/tags/*"
            ]
          ]);
        }
        await step("checkout", [
          "git",
          "-C",
          clone,
          "checkout",
          "-q",
          "--detach",
          request.commit
        ]);
      }
      let lfs = "not_requested";
      if (request.lfs) {
        if ((await attempt("lfs version", [
          "git",
          "lfs",
          "version"
        ])).ok) {
          await step("lfs install", [
            "git",
            "-C",
            clone,
            "lfs",
            "install",
            "--local",
            "--skip-repo"
          ]);
          await step("lfs pull", [
            "git",
            "-C",
            clone,
            "-c",
            `lfs.url=${lfsEndpoint(url)}`,
            "lfs",
            "pull"
          ]);
          lfs = "pulled";
        } else {
          lfs = "missing";
        }
      }
      if (isolated) {
        await step("move", [
          this.#options.python ?? "python3",
          "-I",
          "-S",
          "-c",
          MOVE,
          clone,
          path
        ]);
      } else {
        const parent = path.replace(/\/[^/]*\/*$/, "") || "/";
        await step("move", [
          "mkdir",
          "-p",
          "--",
          parent
        ]);
        await step("move", [
          "mv",
          "-T",
          "--",
          clone,
          path
        ]);
      }
      return {
        lfs
      };
    } finally {
      await Deno.remove(stagingHost, {
        recursive: true
      }).catch(() => {
      });
    }
  }
  /**
   * Runs one step in a fresh isolation. Throws when it is aborted or times out; a failure is
   * returned as git's message.
   */
  async #step(name, argv, context) {
    const { request, signal } = context;
    const timeoutMs = request.timeoutMs ?? 3e5;
    const env = this.#environment(context.host, context.username);
    const command = this.#command([
      "sh",
      "-c",
      PRELUDE,
      "sh",
      ...argv
    ], env, ONLINE_STEPS.includes(name));
    let child;
    try {
      child = command.spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw new Error(`Cannot clone with a token: Deno may not run ${this.#options.isolated ? "bwrap and setpriv" : "sh (the unisolated mode runs git on the host; add sh to --allow-run)"}`, {
          cause: error
        });
      }
      throw error;
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const stop = AbortSignal.any([
      signal,
      timeout
    ]);
    let ready = false;
    let killed = false;
    const killNow = /* @__PURE__ */ __name(() => {
      try {
        child.kill("SIGKILL");
      } catch {
      }
    }, "killNow");
    const kill = /* @__PURE__ */ __name(() => {
      killed = true;
      if (ready) killNow();
    }, "kill");
    const onReady = /* @__PURE__ */ __name(() => {
      if (ready) return;
      ready = true;
      if (killed) killNow();
    }, "onReady");
    stop.addEventListener("abort", kill, {
      once: true
    });
    if (stop.aborted) kill();
    try {
      const started = Promise.withResolvers();
      const reading = Promise.all([
        child.status,
        readLines(child.stderr, request.onProgress),
        readLines(child.stdout, () => {
          onReady();
          started.resolve();
        })
      ]);
      await Promise.race([
        started.promise,
        reading
      ]);
      if (ready && this.#options.adopt) {
        try {
          await this.#options.adopt(child.pid);
        } catch (error) {
          killNow();
          await reading.catch(() => {
          });
          throw new Error(`Cannot clone with a token: the isolation could not join the sandbox's control group (${error instanceof Error ? error.message : error})`);
        }
      }
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(`${context.password}
`)).catch(() => {
      });
      await writer.close().catch(() => {
      });
      const [status, stderr] = await reading;
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new Error(`git ${name} timed out after ${Math.round(timeoutMs / 1e3)} s`);
      }
      const message = stderr.split(/[\r\n]/).filter((line) => line.trim() && !/^(Cloning into|remote: (Counting|Compressing|Enumerating|Total)|Receiving|Resolving)/.test(line)).join("\n").trim();
      return {
        ok: status.success,
        message: message || `exit code ${status.code}`
      };
    } finally {
      stop.removeEventListener("abort", kill);
    }
  }
  /** git's environment in an isolation: a clean configuration and the token's host. */
  #environment(host, username) {
    const { isolated, caFile } = this.#options;
    const home = isolated ? GIT_HOME : `${this.#options.root}/git`;
    const config = [
      [
        "core.hooksPath",
        "/dev/null"
      ],
      [
        "http.sslVerify",
        "true"
      ],
      [
        "protocol.allow",
        "never"
      ],
      [
        "protocol.https.allow",
        "always"
      ],
      [
        "protocol.ext.allow",
        "never"
      ],
      [
        "credential.interactive",
        "false"
      ],
      [
        `credential.https://${host}.helper`,
        HELPER
      ]
    ];
    if (caFile) config.push([
      "http.sslCAInfo",
      `${home}/ca.pem`
    ]);
    const env = {
      PATH,
      LANG: "C.UTF-8",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_TERMINAL_PROMPT: "0",
      GIT_ASKPASS: "/bin/false",
      SSH_ASKPASS: "/bin/false",
      CLONE_HOST: host,
      CLONE_USER: username,
      GIT_CONFIG_COUNT: String(config.length)
    };
    config.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    if (caFile) {
      env.CLONE_CA = isolated ? CA_INSIDE : caFile;
      env.CLONE_SYSTEM_CA = SYSTEM_CA;
    }
    return env;
  }
  /** The command that runs `argv` in a fresh isolation (or, unisolated, directly). */
  /** `online`: the step reaches the network (the sandbox's), else it has none. */
  #command(argv, env, online) {
    const { root, network, isolated, caFile } = this.#options;
    const stdio = {
      stdin: "piped",
      stdout: "piped",
      stderr: "piped"
    };
    if (!isolated) {
      const home = `${root}/git`;
      return new Deno.Command(argv[0], {
        args: argv.slice(1),
        cwd: home,
        clearEnv: true,
        env: {
          ...env,
          HOME: home,
          TMPDIR: home
        },
        ...stdio
      });
    }
    const egress = online ? this.#options.egress : void 0;
    const relay = egress ? {
      ...proxyEnvironment(),
      CLONE_RELAY: RELAY,
      CLONE_RELAY_SPEC: [
        `proxy=${NET_INSIDE}/proxy.sock`,
        `http=${HTTP_PROXY_PORT}`,
        `socks=${SOCKS_PROXY_PORT}`,
        `host_ports=${egress.hostPorts.join(":")}`
      ].join(","),
      CLONE_PYTHON: this.#options.python ?? "python3"
    } : {};
    const args = [
      ...namespaceArgs(online && !egress ? network : "none", this.#options.features),
      ...systemMounts(`${root}/runtime`, this.#options.features),
      // The sandbox's directory as one mount, so the finished clone is renamed into place
      // (binds of home and staging apart would make that a copy); the agent's files hidden.
      "--bind",
      root,
      ROOT_INSIDE,
      "--tmpfs",
      `${ROOT_INSIDE}/runtime`,
      "--symlink",
      `${ROOT_INSIDE}/home`,
      SANDBOX_HOME,
      "--symlink",
      `${ROOT_INSIDE}/tmp`,
      "/tmp",
      "--tmpfs",
      GIT_HOME,
      ...caFile ? [
        "--ro-bind",
        caFile,
        CA_INSIDE
      ] : [],
      ...egress ? [
        "--ro-bind",
        egress.netDir,
        NET_INSIDE
      ] : [],
      "--remount-ro",
      "/",
      "--chdir",
      GIT_HOME,
      "--clearenv"
    ];
    for (const [name, value] of Object.entries({
      ...env,
      ...relay,
      HOME: GIT_HOME,
      TMPDIR: GIT_HOME
    })) {
      args.push("--setenv", name, value);
    }
    args.push("--", ...argv);
    return bwrapCommand(args, {
      clearEnv: true,
      env: {
        PATH
      },
      ...stdio
    }, this.#uid);
  }
};
function lfsEndpoint(url) {
  const base = url.replace(/\/+$/, "");
  return `${base.endsWith(".git") ? base : `${base}.git`}/info/lfs`;
}
__name(lfsEndpoint, "lfsEndpoint");
var LINE_EVERY_MS = 500;
async function readLines(stream, onLine) {
  let tail = "";
  let pending = "";
  let latest;
  let passedAt = -Infinity;
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    tail = (tail + chunk).slice(-STDERR_TAIL);
    const parts = chunk.split(/[\r\n]/);
    parts[0] = pending + parts[0];
    pending = (parts.pop() ?? "").slice(-LINE_TAIL);
    for (let i = parts.length - 1; i >= 0; i--) {
      if (parts[i].trim()) {
        latest = parts[i];
        break;
      }
    }
    if (latest !== void 0 && performance.now() - passedAt >= LINE_EVERY_MS) {
      onLine?.(latest);
      latest = void 0;
      passedAt = performance.now();
    }
  }
  if (pending.trim()) latest = pending;
  if (latest !== void 0) onLine?.(latest);
  return tail;
}
__name(readLines, "readLines");

// src/providers/local/sandbox.ts
var LocalSandbox = class {
  static {
    __name(this, "LocalSandbox");
  }
  /** `local-` and a random suffix. */
  id;
  /** Facts about the sandbox. */
  info;
  #root;
  #agent;
  #ops;
  #closing;
  #onClose;
  #network;
  #net;
  #git;
  #features;
  #budget;
  /** Labels given at creation. */
  labels;
  /** When it was created (ISO 8601); for a workspace, when the workspace was made. */
  createdAt = (/* @__PURE__ */ new Date()).toISOString();
  /** The name of the persistent workspace it is, if it is one: closing it keeps its files. */
  workspace;
  #kept;
  /** Use {@linkcode LocalProvider.create}. */
  constructor(id, root, agent, info, network, labels, onClose, git = {}, net = {}, budget = {
    budget: DEFAULT_BUDGET
  }, kept) {
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
    const cgroup = budget.cgroup;
    this.#git = new GitIsolation({
      root,
      network: network === "host" ? "host" : "none",
      isolated: info.isolated,
      ...cgroup ? {
        adopt: /* @__PURE__ */ __name((pid) => cgroup.adopt(pid), "adopt")
      } : {},
      ...git
    });
    this.#features = git.features ?? CURRENT_BWRAP;
    const { budget: whole, disk } = this.protections;
    const unbudgeted = info.isolated ? [
      whole && `memory, processes and CPU (${whole})`,
      disk && `disk (${disk})`
    ].filter(Boolean) : [];
    if (unbudgeted.length > 0) this.info = {
      ...info,
      unbudgeted: unbudgeted.join("; ")
    };
  }
  /**
   * The protections of this sandbox beyond its namespaces and mounts, each mapped to `null` when
   * enforced or to why it is not (an old bubblewrap, python3-seccomp missing).
   */
  get protections() {
    if (!this.info.isolated) {
      const why = "the sandbox runs unisolated (--dangerously-run-unisolated)";
      return {
        seccomp: why,
        supervisor: why,
        nestedNamespaces: why,
        shmCap: why,
        budget: why,
        disk: why,
        quotas: why
      };
    }
    const reported = this.#agent.hello.protections ?? {};
    const seccomp = reported.seccomp === void 0 ? "the supervisor did not report it" : reported.seccomp;
    return {
      seccomp,
      supervisor: reported.not_dumpable === void 0 ? "the supervisor did not report it" : reported.not_dumpable,
      nestedNamespaces: this.#features.disableUserns || seccomp === null ? null : "bubblewrap before 0.8 has no --disable-userns and the seccomp filter is missing",
      shmCap: this.#features.tmpfsSize ? null : "bubblewrap before 0.7 cannot size a tmpfs: /dev/shm is private but as large as the host's",
      budget: this.#budget.cgroup ? null : this.#budget.unenforced ?? "no control group was made",
      disk: this.#budget.disk ? null : this.#budget.diskUnenforced ?? "no disk image was made",
      quotas: this.#budget.quotasUnenforced ?? null
    };
  }
  /** What the sandbox may use as a whole (enforced when `protections.budget` is null). */
  get budget() {
    return this.#budget.budget;
  }
  /** What the sandbox uses now, read from its control group; undefined without one. */
  async usage() {
    if (this.#closing !== void 0) return void 0;
    return await this.#budget.cgroup?.usage();
  }
  /**
   * What the sandbox uses now against its budget (disk too where it has a disk image);
   * undefined without a control group.
   */
  async resources() {
    const disk = this.#closing === void 0 ? this.#budget.disk : void 0;
    const [usage, stored] = await Promise.all([
      this.usage(),
      disk?.usage().catch(() => void 0)
    ]);
    if (!usage) return void 0;
    const { memoryMb, processes } = this.#budget.budget;
    return {
      memoryBytes: usage.memoryBytes,
      memoryBudgetBytes: memoryMb * 1024 * 1024,
      processes: usage.processes,
      processBudget: processes,
      cpuSeconds: usage.cpuSeconds,
      oomKills: usage.oomKills,
      ...usage.forkFailures === void 0 ? {} : {
        forkFailures: usage.forkFailures
      },
      ...disk && stored ? {
        diskBytes: stored.used,
        diskBudgetBytes: disk.bytes,
        diskFreeBytes: stored.free
      } : {}
    };
  }
  /** Whether the sandbox was closed or its processes died. */
  get closed() {
    return this.#closing !== void 0 || !this.#agent.alive;
  }
  exec(command, options) {
    return this.#ops.exec(command, options);
  }
  runPython(code, options) {
    return this.#ops.runPython(code, options);
  }
  resetPython(options) {
    return this.#ops.resetPython(options);
  }
  copyFile(from, to, options) {
    return this.#ops.copyFile(from, to, options);
  }
  /** Task records, kept by the agent. */
  get tasks() {
    return this.#ops.tasks;
  }
  killAll(options) {
    return this.#ops.killAll(options);
  }
  stat(path, options) {
    return this.#ops.stat(path, options);
  }
  readFile(path, options) {
    return this.#ops.readFile(path, options);
  }
  writeFile(path, data, options) {
    return this.#ops.writeFile(path, data, options);
  }
  listFiles(path, options) {
    return this.#ops.listFiles(path, options);
  }
  /**
   * A URL on this machine's 127.0.0.1 for `port` inside. With a network of its own (`internet`,
   * `none`) that is a port of the server's, forwarded into the sandbox until it closes; with
   * `host` it is the port itself.
   */
  preview(port) {
    if (this.closed) {
      return Promise.reject(new SandboxError(`Cannot preview port ${port}: the sandbox is closed`, {
        sandboxId: this.id
      }));
    }
    if (this.#net.preview) return Promise.resolve({
      url: this.#net.preview.url(port)
    });
    if (this.#network === "host" || !this.info.isolated) {
      return Promise.resolve({
        url: `http://127.0.0.1:${port}`
      });
    }
    return Promise.reject(new SandboxError(`Cannot preview port ${port}: the sandbox is closed`, {
      sandboxId: this.id
    }));
  }
  /**
   * Clones with a token in separate short-lived bubblewrap isolations that share only the
   * sandbox's home and /tmp, and none of its processes (see {@linkcode Sandbox.gitCloneWithCredentials}).
   */
  gitCloneWithCredentials(request) {
    return this.#git.clone(request);
  }
  /**
   * Kills every process of the sandbox and deletes its directory; a persistent workspace keeps
   * it (its disk image unmounted) and lets other servers attach it again.
   */
  close() {
    this.#closing ??= (async () => {
      this.#git.close();
      try {
        this.#net.preview?.close();
        await this.#net.proxy?.close();
        await this.#agent.close();
      } finally {
        await this.#budget.cgroup?.remove().catch(() => {
        });
        this.#budget.ownerLock?.close();
        await this.#budget.disk?.remove().catch(() => {
        });
        try {
          this.#kept?.netLock?.close();
          const dir = this.#kept ? this.#kept.netDir : this.#root;
          if (dir) await removeTree(dir);
        } finally {
          this.#kept?.hold.release();
          await this.#onClose();
        }
      }
    })();
    return this.#closing;
  }
  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose]() {
    await this.close();
  }
};

// src/providers/local/_workspace.ts
function workspaceSandboxId(name) {
  return `local-ws-${name}`;
}
__name(workspaceSandboxId, "workspaceSandboxId");
var WorkspaceHold = class {
  static {
    __name(this, "WorkspaceHold");
  }
  /** The workspace's name. */
  name;
  /** `<workspaces>/<name>`. */
  dir;
  /** Whether this attach made it. */
  made;
  /** How it was made; `disk_bytes` is set by {@linkcode WorkspaceHold.record} for a new one. */
  record;
  #lock;
  constructor(name, dir, made, record, lock) {
    this.name = name;
    this.dir = dir;
    this.made = made;
    this.record = record;
    this.#lock = lock;
  }
  /** The sandbox's directory in it. */
  get root() {
    return `${this.dir}/sandbox`;
  }
  /** Writes how a new workspace was made, once its disk is decided. */
  save(record) {
    this.record = record;
    Deno.writeTextFileSync(`${this.dir}/workspace.json`, JSON.stringify(record) + "\n");
  }
  /** Lets other servers (and this one) attach it again. Idempotent. */
  release() {
    this.#lock?.close();
    this.#lock = void 0;
  }
};
function holdWorkspace(workspacesDir, name) {
  checkWorkspaceName(name);
  needAccess(workspacesDir, `attach workspace ${name}`);
  const asRoot = Deno.uid() === 0;
  const mode = asRoot ? 457 : 448;
  Deno.mkdirSync(workspacesDir, {
    recursive: true,
    mode
  });
  if (asRoot) needTraversable(workspacesDir, name);
  const dir = `${workspacesDir}/${name}`;
  let made = false;
  try {
    Deno.mkdirSync(dir, {
      mode
    });
    made = true;
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  if (asRoot) Deno.chmodSync(dir, mode);
  const lock = Deno.openSync(`${dir}/lock`, {
    read: true,
    write: true,
    create: true
  });
  if (!lock.tryLockSync(true)) {
    lock.close();
    throw new SandboxError(`Cannot attach workspace ${name}: another server is using it (it holds ${dir}/lock); end that server's session, or use another name`, {
      sandboxId: workspaceSandboxId(name)
    });
  }
  try {
    const record = made ? void 0 : readRecord(dir);
    if (!record) Deno.mkdirSync(`${dir}/sandbox`, {
      recursive: true,
      mode
    });
    return new WorkspaceHold(name, dir, !record, record ?? {
      name,
      created_at: (/* @__PURE__ */ new Date()).toISOString(),
      disk_bytes: null
    }, lock);
  } catch (error) {
    lock.close();
    throw error;
  }
}
__name(holdWorkspace, "holdWorkspace");
function findWorkspaces(workspacesDir) {
  if (!workspacesDir || !granted(workspacesDir)) return [];
  const found = [];
  try {
    for (const entry of Deno.readDirSync(workspacesDir)) {
      if (!entry.isDirectory || !WORKSPACE_NAME.test(entry.name)) continue;
      const dir = `${workspacesDir}/${entry.name}`;
      const record = readRecord(dir);
      if (!record) continue;
      found.push({
        name: entry.name,
        createdAt: record.created_at,
        held: isHeld(dir)
      });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
__name(findWorkspaces, "findWorkspaces");
async function removeWorkspace(workspacesDir, name, unmount) {
  checkWorkspaceName(name);
  const dir = `${workspacesDir}/${name}`;
  if (!workspacesDir || !granted(workspacesDir) || !readRecord(dir)) {
    throw new SandboxError(`Cannot delete workspace ${name}: there is no workspace of that name`);
  }
  const lock = Deno.openSync(`${dir}/lock`, {
    read: true,
    write: true,
    create: true
  });
  try {
    if (!lock.tryLockSync(true)) {
      throw new SandboxError(`Cannot delete workspace ${name}: another server is using it (it holds ${dir}/lock)`);
    }
    await unmount(`${dir}/sandbox`);
    await Deno.remove(`${dir}/workspace.json`);
    await removeTree(dir);
  } finally {
    lock.close();
  }
}
__name(removeWorkspace, "removeWorkspace");
function readRecord(dir) {
  try {
    const record = JSON.parse(Deno.readTextFileSync(`${dir}/workspace.json`));
    return typeof record?.name === "string" ? record : void 0;
  } catch {
    return void 0;
  }
}
__name(readRecord, "readRecord");
function isHeld(dir) {
  let lock;
  try {
    lock = Deno.openSync(`${dir}/lock`, {
      read: true,
      write: true,
      create: true
    });
  } catch {
    return false;
  }
  try {
    if (!lock.tryLockSync(true)) return true;
    lock.unlockSync();
    return false;
  } finally {
    lock.close();
  }
}
__name(isHeld, "isHeld");
function granted(dir) {
  return [
    "read",
    "write"
  ].every((name) => Deno.permissions.querySync({
    name,
    path: dir
  }).state === "granted");
}
__name(granted, "granted");
function needAccess(dir, what) {
  if (granted(dir)) return;
  throw new SandboxError(`Cannot ${what}: Deno may not read and write ${dir}; start deno with --allow-read=${dir} --allow-write=${dir} (deno task start grants ~/.local/share/daytona-mcp-interpreter), or set MCP_WORKSPACE_DIR to a directory it may use`);
}
__name(needAccess, "needAccess");
function needTraversable(workspacesDir, name) {
  const parts = workspacesDir.split("/").filter(Boolean);
  for (let i = parts.length; i >= 1; i--) {
    const path = "/" + parts.slice(0, i).join("/");
    let mode;
    try {
      mode = Deno.statSync(path).mode;
    } catch {
      continue;
    }
    if (mode !== null && (mode & 1) === 0) {
      throw new SandboxError(`Cannot attach workspace ${name}: the server runs as root, so bubblewrap runs as nobody, who cannot pass ${path} (mode ${(mode & 511).toString(8)}); set MCP_WORKSPACE_DIR (--workspace-dir) to a directory under paths others may pass, e.g. /var/lib/daytona-mcp-interpreter/workspaces`);
    }
  }
}
__name(needTraversable, "needTraversable");

// src/providers/local/provider.ts
var RUNTIME_FILES = {
  ...AGENT_FILES,
  ...LOCAL_AGENT_FILES
};
var INSTALL_BWRAP = "install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install bubblewrap`; Arch: `sudo pacman -S bubblewrap`), or, only on a disposable machine, pass --dangerously-run-unisolated to run commands without isolation";
var LocalProvider = class {
  static {
    __name(this, "LocalProvider");
  }
  /** Always `"local"`. */
  name = "local";
  #options;
  #workspacesDir;
  #budget;
  #cgroups;
  #disks;
  #quotas;
  #caches;
  #givenCgroups;
  #egress;
  #gitCaFile;
  #features = CURRENT_BWRAP;
  #warned = false;
  #limits;
  #sandboxes = /* @__PURE__ */ new Map();
  #shares;
  #swept;
  /**
   * The supervisor's compiled modules, made at the second sandbox: compiling costs more than one
   * sandbox saves, and a server that makes only one (a desktop client's) starts it sooner without.
   */
  #bytecode;
  #creations = 0;
  /** Sandboxes being made. */
  #making = /* @__PURE__ */ new Set();
  #resolvedShares;
  /** The key of {@linkcode tenantUid}, when each tenant has a uid of its own. */
  #uidKey;
  /** Creates a provider; nothing starts until {@linkcode LocalProvider.create}. */
  constructor(options = {}) {
    this.#options = {
      network: options.network ?? "internet",
      dangerouslyRunUnisolated: options.dangerouslyRunUnisolated ?? false,
      baseDir: options.baseDir ?? "/tmp",
      python: options.python ?? "/usr/bin/python3",
      log: options.log ?? createLogger("warn")
    };
    this.#gitCaFile = options.gitCaFile;
    this.#workspacesDir = options.workspacesDir ?? defaultWorkspacesDir(readableEnv);
    this.#shares = options.shares ?? [];
    checkShareNames(this.#shares);
    checkSharePlacement(this.#shares, this.#kept());
    if (options.uidPerTenant) this.#uidKey = crypto.getRandomValues(new Uint8Array(32));
    this.#egress = options.egress ?? {};
    this.#budget = {
      ...DEFAULT_BUDGET,
      ...options.budget
    };
    this.#cgroups = options.cgroups && Promise.resolve(options.cgroups);
    this.#givenCgroups = options.cgroups !== void 0;
    if (options.packageCache ?? true) {
      this.#caches = new PackageCaches(this.#options.baseDir, (tenant) => Deno.uid() === 0 ? this.#uidOf(tenant) : void 0, () => {
        if (this.#options.dangerouslyRunUnisolated || this.#budget.diskGb <= 0) return void 0;
        return {
          disks: this.#diskPool(),
          bytes: Math.ceil(this.#budget.diskGb * 1024) * MIB
        };
      });
    }
    const limits = options.limits ?? {};
    this.#limits = {
      memoryMb: limits.memoryMb ?? 8192,
      processes: limits.processes ?? 1024,
      fileMb: limits.fileMb ?? 4096
    };
  }
  /** The directories sandboxes keep their state in, which shares must leave alone. */
  #kept() {
    return [
      {
        path: this.#options.baseDir,
        what: "the sandboxes' own directories and package caches (--sandbox-dir)",
        readableByShares: false,
        sharesInside: true
      },
      ...this.#workspacesDir === void 0 ? [] : [
        {
          path: this.#workspacesDir,
          what: "the persistent workspaces (--workspace-dir)",
          readableByShares: true,
          sharesInside: false
        }
      ]
    ];
  }
  /**
   * Each share's directory as the host resolves it, every symlink followed, once: what sandboxes
   * get mounted. The constructor's check resolves only what Deno may read, and bubblewrap follows
   * symlinks when it mounts, so a share given as a symlink Deno may not read (`deno task start`
   * reads only /tmp and its own files) could be the sandboxes' directory or lie inside a
   * read-write share; here the placement is checked again with every path resolved.
   */
  #hostShares() {
    return this.#resolvedShares ??= (async () => {
      const kept = this.#kept();
      const paths = [
        ...this.#shares.map((share) => share.path),
        ...kept.map((dir) => dir.path)
      ];
      const resolved = await hostPaths(this.#options.python, paths).catch((error) => {
        throw new SandboxError(`Cannot share: ${error.message}`, {
          cause: error
        });
      });
      const found = new Map(paths.map((path, i) => [
        path,
        resolved[i]
      ]));
      checkSharePlacement(this.#shares, kept, (path) => found.get(path));
      return this.#shares.map((share) => found.get(share.path).real);
    })();
  }
  /** The host uid `tenant`'s sandboxes run as when the server runs as root. */
  #uidOf(tenant) {
    return this.#uidKey && tenant ? tenantUid(this.#uidKey, tenant) : UNPRIVILEGED_UID;
  }
  /**
   * The agent's limits for one sandbox (SANDBOX_LIMITS). The process cap is left out where the
   * sandbox's cgroup caps its processes: it counts the same tasks (every process and thread of the
   * sandbox's user namespace), and setting it costs an exec of `prlimit` before every command.
   */
  #limitsFor(cgroup) {
    const { memoryMb, processes, fileMb } = this.#limits;
    const capped = cgroup !== void 0 && cgroup.budget.processes > 0;
    return [
      `memory_mb=${memoryMb}`,
      ...capped ? [] : [
        `processes=${processes}`
      ],
      `file_mb=${fileMb}`,
      // Without a cgroup nothing budgets its CPU: a busy loop left running took a core for the
      // sandbox's life, at the priority of the user's own programs.
      ...cgroup === void 0 ? [
        `nice=${UNBUDGETED_NICE}`
      ] : []
    ].join(",");
  }
  /**
   * Checks that sandboxes can be made here: bubblewrap is installed (unless running unisolated).
   * Throws a {@linkcode SandboxError} that says how to fix it otherwise.
   */
  async check() {
    if (this.#options.dangerouslyRunUnisolated) {
      for (const share of this.#shares) {
        const info = await Deno.stat(share.path).catch((error) => {
          throw new SandboxError(`Cannot share ${share.path}: ${error.message}`, {
            cause: error
          });
        });
        if (!info.isDirectory) {
          throw new SandboxError(`Cannot share ${share.path}: it is not a directory`);
        }
      }
      return;
    }
    try {
      const { success, stdout } = await new Deno.Command("bwrap", {
        args: [
          "--version"
        ],
        stdout: "piped",
        stderr: "null"
      }).output();
      if (!success) throw new Error("bwrap --version failed");
      this.#features = bwrapFeatures(new TextDecoder().decode(stdout));
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw new SandboxError("Cannot start the local sandbox: Deno may not run bwrap; start deno with --allow-run=bwrap,setpriv", {
          cause: error
        });
      }
      throw new SandboxError(`Cannot start the local sandbox: bubblewrap (bwrap) is not installed or does not work; ${INSTALL_BWRAP}`, {
        cause: error
      });
    }
    if (this.#shares.length > 0) await this.#checkShares();
  }
  /**
   * Mounts the shares the way sandboxes will (as `nobody` when the server runs as root) and checks
   * that each is a directory, so that a wrong --share fails at start, not at every create().
   */
  async #checkShares() {
    const sources = await this.#hostShares();
    const args = [
      "--unshare-all",
      "--die-with-parent",
      "--ro-bind",
      "/usr",
      "/usr"
    ];
    for (const dir of SYSTEM_DIRS) args.push("--ro-bind-try", `/${dir}`, `/${dir}`);
    sources.forEach((source, i) => args.push("--ro-bind", source, `/s/${i}`));
    args.push("/bin/sh", "-c", 'i=0; for d; do test -d "$d" || echo "$i"; i=$((i+1)); done', "sh", ...this.#shares.map((_, i) => `/s/${i}`));
    const { success, stdout, stderr } = await bwrapCommand(args, {
      stdin: "null",
      stdout: "piped",
      stderr: "piped"
    }).output();
    const said = new TextDecoder().decode(stderr).trim();
    if (!success) {
      const share = this.#shares.find((share2, i) => said.includes(share2.path) || said.includes(sources[i]));
      throw new SandboxError(`Cannot share ${share?.path ?? this.#shares.map((share2) => share2.path).join(", ")}: ${said || "bwrap failed"}${Deno.uid() === 0 ? " (the server runs as root, so sandboxes are the user nobody, who must be able to reach it)" : ""}`);
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
  #mounts(isolated, sources) {
    return this.#shares.map((share, i) => ({
      hostPath: sources?.[i] ?? share.path,
      path: isolated ? `${SHARED_ROOT}/${share.name}` : share.path,
      mode: share.mode
    }));
  }
  /** How budgets are enforced here: the control groups found at the first create(). */
  cgroups() {
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
  async create(options = {}) {
    const making = this.#create(options);
    this.#making.add(making);
    try {
      return await making;
    } finally {
      this.#making.delete(making);
    }
  }
  async #create(options) {
    options.signal?.throwIfAborted();
    const unsupported = [
      "image",
      "snapshot",
      "autoStopMinutes"
    ].filter((key) => options[key] !== void 0);
    if (unsupported.length > 0) {
      throw new TypeError(`Cannot create a local sandbox with ${unsupported.join(", ")}: only the Daytona provider supports that`);
    }
    const { baseDir, python, log } = this.#options;
    const network = options.networkBlockAll ? "none" : this.#options.network;
    const cidr = options.networkAllowList?.find((entry) => entry.includes("/"));
    if (cidr !== void 0) {
      throw new TypeError(`Cannot create a local sandbox with network_allow_list entry '${cidr}': the local provider takes domain names (*.example.org for subdomains), which its egress proxy enforces; CIDR blocks are Daytona's`);
    }
    if (options.networkAllowList && network !== "internet") {
      throw new TypeError(`Cannot create a local sandbox with network_allow_list: its network is ${network}; the allow-list applies to the internet mode`);
    }
    const env = options.env ?? {};
    const isolated = !this.#options.dangerouslyRunUnisolated;
    const uid = this.#uidOf(options.tenant);
    let budget = budgetOf(this.#budget, options);
    const sources = isolated && this.#shares.length > 0 ? await this.#hostShares() : void 0;
    const hold = options.workspace === void 0 ? void 0 : this.#hold(options.workspace);
    this.#swept ??= this.#sweep(isolated);
    if (++this.#creations > 1) this.#bytecode ??= compileModules(python, RUNTIME_FILES);
    const root = hold?.root ?? makeSandboxDir(baseDir);
    const id = hold ? workspaceSandboxId(hold.name) : `local-${root.slice(root.lastIndexOf("mcp-sandbox-") + 12)}`;
    const internet = isolated && network === "internet";
    if (isolated && network !== "host" && Deno.permissions.querySync({
      name: "net"
    }).state !== "granted") {
      hold?.release();
      throw new SandboxError(`Cannot create a local sandbox with network ${network}: Deno may not use the network, which its egress proxy and web_preview need (unix sockets count as network); start deno with --allow-net, or use network "host"`);
    }
    const tunnelled = isolated && network !== "host";
    let proxy;
    let preview;
    let cgroup;
    let disk;
    let cache;
    let quotasUnenforced;
    let netDir = `${root}/net`;
    let owned;
    let netLock;
    const pool = isolated ? this.cgroups() : void 0;
    const made = pool?.then((pool2) => pool2.create(hold ? `${id}-${crypto.randomUUID().slice(0, 8)}` : id, budget));
    made?.catch(() => {
    });
    try {
      const imaged = hold && !hold.made ? hold.record.disk_bytes : void 0;
      if (typeof imaged === "number") {
        if (!isolated || Deno.uid() !== 0) {
          throw new SandboxError(`Cannot attach workspace ${hold.name}: its files are in a disk image, which only a server running as root can mount`, {
            sandboxId: id
          });
        }
        budget = {
          ...budget,
          diskGb: imaged / GIB
        };
      }
      if (isolated && (hold && !hold.made ? typeof imaged === "number" : budget.diskGb > 0)) {
        const bytes = imaged ?? Math.ceil(budget.diskGb * 1024) * MIB;
        disk = await this.#diskPool().make(Deno.realPathSync(root), bytes, uid, !!hold);
        if (typeof imaged === "number" && typeof disk === "string") {
          throw new SandboxError(`Cannot attach workspace ${hold.name}: ${disk}`, {
            sandboxId: id
          });
        }
      }
      if (hold?.made) {
        hold.save({
          ...hold.record,
          disk_bytes: typeof disk === "object" ? disk.bytes : null
        });
      }
      if (!hold) owned = lockSandbox(root);
      cache = await this.#caches?.lease(options.tenant ?? "").catch((error) => {
        log.warn(`sandbox ${id}: no package cache (${error?.message ?? error})`);
        return void 0;
      });
      const dirs = {
        home: `${root}/home`,
        tmp: `${root}/tmp`,
        runtime: `${root}/runtime`
      };
      if (hold) {
        for (const dir of [
          dirs.tmp,
          dirs.runtime,
          `${root}/git`
        ]) await removeTree(dir);
        Deno.mkdirSync(dirs.home, {
          recursive: true
        });
        Deno.mkdirSync(dirs.tmp);
        Deno.mkdirSync(dirs.runtime);
      } else {
        for (const dir of Object.values(dirs)) Deno.mkdirSync(dir);
      }
      const files = {
        ...RUNTIME_FILES,
        ...identityFiles()
      };
      for (const [name, text] of Object.entries(files)) {
        Deno.writeTextFileSync(`${dirs.runtime}/${name}`, text);
      }
      const bytecode = await this.#bytecode ?? /* @__PURE__ */ new Map();
      if (bytecode.size > 0) Deno.mkdirSync(`${dirs.runtime}/__pycache__`);
      for (const [name, data] of bytecode) {
        Deno.writeFileSync(`${dirs.runtime}/__pycache__/${name}`, data);
      }
      if (tunnelled && hold) {
        netDir = Deno.makeTempDirSync({
          dir: baseDir,
          prefix: "mcp-workspace-net-"
        });
        netLock = lockSandbox(netDir);
        if (isolated && Deno.uid() === 0) Deno.chownSync(netDir, uid, uid);
      } else if (tunnelled) Deno.mkdirSync(netDir);
      if (internet) {
        proxy = EgressProxy.listen(`${netDir}/proxy.sock`, {
          ...this.#egress,
          allowDomains: allowedDomains(this.#egress.allowDomains, options.networkAllowList),
          log: /* @__PURE__ */ __name((message) => log.debug(`sandbox ${id}: ${message}`), "log")
        });
      }
      cgroup = await made;
      let command;
      if (isolated) {
        const asRoot = Deno.uid() === 0;
        if (asRoot) {
          if (hold && !hold.made) await giveTree(dirs.home, uid);
          for (const path of [
            root,
            ...Object.values(dirs)
          ]) Deno.chownSync(path, uid, uid);
        }
        Deno.chmodSync(root, 448);
        Deno.chmodSync(dirs.home, 448);
        const args = bwrapArgs({
          ...dirs,
          network,
          python,
          env,
          limits: this.#limitsFor(cgroup),
          features: this.#features,
          hold: true,
          shares: this.#mounts(true, sources),
          packageCache: cache?.dir,
          ...tunnelled ? {
            netDir,
            hostPorts: this.#egress.allowHostPorts
          } : {}
        });
        command = bwrapCommand(args, STDIO, uid);
      } else {
        log.warn(`sandbox ${id}: running UNISOLATED in ${dirs.home}`);
        command = new Deno.Command(python, {
          args: [
            "-X",
            "utf8",
            `${dirs.runtime}/agent.py`
          ],
          cwd: dirs.home,
          ...STDIO,
          env: {
            ...defaultEnvironment(dirs.home),
            ...cache ? packageCacheEnvironment(cache.dir) : {},
            ...env,
            SANDBOX_PYTHON: python,
            SANDBOX_VENV: `${dirs.home}/.venv`,
            SANDBOX_LIMITS: this.#limitsFor(void 0)
          }
        });
      }
      const quotas = isolated ? this.#quotas ??= SandboxQuotas.open(python, QUOTAS_PY) : void 0;
      const agent = await AgentProcess.start(command, id, log, {
        started: quotas && (async (child) => {
          [, quotasUnenforced] = await Promise.all([
            cgroup?.adopt(child.pid),
            quotas.cap(child.pid)
          ]);
        }),
        running: options.onStarted
      });
      if (tunnelled) {
        preview = new PreviewForwarder(agent, `${netDir}/inbound.sock`, `${NET_DIR2}/inbound.sock`);
      }
      const sandbox = new LocalSandbox(id, root, agent, {
        provider: "local",
        home: isolated ? SANDBOX_HOME : dirs.home,
        pythonVersion: agent.hello.python,
        isolated,
        ...this.#shares.length ? {
          shares: this.#mounts(isolated)
        } : {},
        ...internet ? {
          reservedPorts: [
            HTTP_PROXY_PORT,
            SOCKS_PROXY_PORT,
            ...this.#egress.allowHostPorts ?? []
          ]
        } : {}
      }, network, {
        ...options.labels
      }, async () => {
        this.#sandboxes.delete(sandbox.id);
        await cache?.release();
      }, {
        caFile: this.#gitCaFile,
        features: this.#features,
        uid,
        python,
        ...internet ? {
          egress: {
            netDir,
            hostPorts: this.#egress.allowHostPorts ?? []
          }
        } : {}
      }, {
        proxy,
        preview
      }, {
        cgroup,
        budget,
        ownerLock: owned,
        unenforced: (await pool)?.unavailable,
        quotasUnenforced,
        disk: typeof disk === "string" ? void 0 : disk,
        diskUnenforced: !isolated ? void 0 : typeof disk === "string" ? disk : hold && !hold.made && disk === void 0 ? "the workspace was made without a disk image: its files are on the host's disk" : budget.diskGb <= 0 ? "the disk budget is 0 (none)" : void 0
      }, hold && {
        hold,
        netDir: tunnelled ? netDir : void 0,
        netLock
      });
      this.#sandboxes.set(sandbox.id, sandbox);
      log.debug(`sandbox ${id}: started in ${root}`);
      await this.#swept;
      const missing = Object.entries(sandbox.protections).filter(([, why]) => why !== null);
      if (missing.length > 0 && !this.#warned) {
        this.#warned = true;
        log.warn(`local sandboxes lack protections: ${missing.map(([name, why]) => `${name} (${why})`).join("; ")}; \`deno task doctor\` says how to fix this`);
      }
      return sandbox;
    } catch (error) {
      preview?.close();
      await proxy?.close();
      cgroup ??= await made?.catch(() => void 0);
      await cgroup?.remove();
      owned?.close();
      if (typeof disk === "object") await disk.remove().catch(() => {
      });
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
        throw new SandboxError(`Cannot start sandbox: ${isolated ? "bwrap" : python} was not found; ${INSTALL_BWRAP}`, {
          cause: error
        });
      }
      if (isolated && error instanceof SandboxError && /Permission denied/.test(error.message) && error.message.includes(baseDir)) {
        throw new SandboxError(`${error.message} (sandboxes run as users of their own, who cannot pass a directory of ${baseDir}'s path that only its owner may enter: choose a --sandbox-dir every user can pass, such as /tmp)`, {
          sandboxId: error.sandboxId,
          cause: error
        });
      }
      throw error;
    }
  }
  /** An open sandbox this provider created. */
  get(id) {
    const sandbox = this.#sandboxes.get(id);
    if (!sandbox || sandbox.closed) {
      return Promise.reject(new SandboxError(`Cannot find sandbox ${id}: this server did not create it, or it was deleted`));
    }
    return Promise.resolve(sandbox);
  }
  /** The open sandboxes this provider created. */
  list() {
    return Promise.resolve([
      ...this.#sandboxes.values()
    ].filter((sandbox) => !sandbox.closed).map((sandbox) => ({
      id: sandbox.id,
      state: "started",
      labels: sandbox.labels,
      createdAt: sandbox.createdAt,
      ...sandbox.workspace === void 0 ? {} : {
        workspace: sandbox.workspace
      }
    })));
  }
  /**
   * The persistent workspaces in the workspaces directory: `"attached"` when open here,
   * `"in_use"` when another server holds one, `"stopped"` otherwise.
   */
  workspaces() {
    return Promise.resolve(findWorkspaces(this.#workspacesDir).map((found) => {
      const id = workspaceSandboxId(found.name);
      const open = this.#sandboxes.get(id);
      return {
        name: found.name,
        id,
        state: open && !open.closed ? "attached" : found.held ? "in_use" : "stopped",
        ...found.createdAt ? {
          createdAt: found.createdAt
        } : {}
      };
    }));
  }
  /**
   * Deletes a persistent workspace with all its files (closing its sandbox first if it is open
   * here). Throws a SandboxError when there is none of that name or another server holds it.
   */
  async deleteWorkspace(name) {
    await this.#sandboxes.get(workspaceSandboxId(name))?.close();
    await removeWorkspace(this.#workspacesDir, name, async (root) => {
      if (Deno.uid() !== 0 || this.#options.dangerouslyRunUnisolated) return;
      await this.#diskPool().unmount(Deno.realPathSync(root));
    });
  }
  /** Takes a workspace for a sandbox about to be made, or says why it cannot. */
  #hold(name) {
    const open = this.#sandboxes.get(workspaceSandboxId(name));
    if (open && !open.closed) {
      throw new SandboxError(`Cannot attach workspace ${name}: it is already attached in this server, as sandbox ${open.id}`, {
        sandboxId: open.id
      });
    }
    if (!this.#workspacesDir) {
      throw new SandboxError(`Cannot attach workspace ${name}: there is no workspaces directory, since Deno may not read HOME or XDG_DATA_HOME; set MCP_WORKSPACE_DIR (--workspace-dir), or grant --allow-env=HOME,XDG_DATA_HOME`);
    }
    return holdWorkspace(this.#workspacesDir, name);
  }
  /** Closes a sandbox this provider created: kills its processes and deletes its files. */
  async delete(id) {
    const sandbox = this.#sandboxes.get(id);
    if (!sandbox) {
      throw new SandboxError(`Cannot delete sandbox ${id}: this server did not create it`);
    }
    await sandbox.close();
  }
  /** Closes every sandbox this provider created that is still open. */
  async close() {
    await Promise.allSettled(this.#making);
    await this.#swept;
    await Promise.all([
      ...this.#sandboxes.values()
    ].map((sandbox) => sandbox.close()));
    if (!this.#givenCgroups) await (await this.#cgroups)?.close();
    await this.#disks?.close();
    this.#disks = void 0;
    await this.#quotas?.close();
    this.#quotas = void 0;
  }
  /** The disk helper of a root server, started on first use. */
  #diskPool() {
    const { python, baseDir } = this.#options;
    return this.#disks ??= SandboxDisks.open(python, DISK_PY, baseDir, this.#workspacesDir);
  }
  /** Removes what servers that died left in this provider's base directory and cgroups. */
  async #sweep(isolated) {
    const { baseDir, log } = this.#options;
    const report = await sweepLeftovers({
      baseDir,
      cgroups: isolated ? await this.cgroups() : void 0,
      disks: isolated && Deno.uid() === 0 ? () => this.#diskPool() : void 0,
      log
    });
    if (report.sandboxes.length > 0) {
      log.info(`removed ${report.sandboxes.length} sandbox(es) left by servers that died: ${report.sandboxes.join(", ")}`);
    }
    if (report.unjudgedCgroups > 0) {
      log.debug(`removed ${report.unjudgedCgroups} empty cgroup(s) of unknown servers`);
    }
  }
  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose]() {
    await this.close();
  }
};
var STDIO = {
  stdin: "piped",
  stdout: "piped",
  stderr: "piped",
  clearEnv: true,
  env: {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  }
};
var UNBUDGETED_NICE = 10;
var MIB = 1024 * 1024;
var GIB = 1024 * MIB;
function makeSandboxDir(baseDir) {
  while (true) {
    const suffix = crypto.getRandomValues(new Uint8Array(8)).toHex();
    const path = `${baseDir}/mcp-sandbox-${suffix}`;
    try {
      Deno.mkdirSync(path, {
        mode: 448
      });
      return path;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
}
__name(makeSandboxDir, "makeSandboxDir");
function readableEnv(name) {
  return Deno.permissions.querySync({
    name: "env",
    variable: name
  }).state === "granted" ? Deno.env.get(name) : void 0;
}
__name(readableEnv, "readableEnv");
function budgetOf(base, options) {
  const asked = [
    {
      option: "cpu",
      key: "cpus",
      value: options.cpu,
      scale: 1,
      unit: "cores",
      flag: "--sandbox-cpus"
    },
    {
      option: "memory",
      key: "memoryMb",
      value: options.memory,
      scale: 1024,
      unit: "GiB",
      flag: "--sandbox-memory-mb"
    },
    {
      option: "disk",
      key: "diskGb",
      value: options.disk,
      scale: 1,
      unit: "GiB",
      flag: "--sandbox-disk-gb"
    }
  ];
  const budget = {
    ...base
  };
  for (const { option, key, value, scale, unit, flag } of asked) {
    if (value === void 0) continue;
    if (!(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`Cannot create a local sandbox with ${option} ${value}: it must be a number above 0`);
    }
    const wanted = key === "memoryMb" ? Math.round(value * scale) : value;
    if (base[key] > 0 && wanted > base[key]) {
      throw new RangeError(`Cannot create a local sandbox with ${option} ${value} ${unit}: this server gives a sandbox at most ${Number((base[key] / scale).toFixed(3))} ${unit} (${flag}); ask for that or less, or restart the server with a larger budget`);
    }
    budget[key] = wanted;
  }
  return budget;
}
__name(budgetOf, "budgetOf");
function allowedDomains(server, sandbox) {
  if (!sandbox) return server;
  if (!server) return sandbox;
  return sandbox.filter((entry) => matchesDomain(entry.replace(/^\*\./, "x."), server));
}
__name(allowedDomains, "allowedDomains");
async function giveTree(dir, uid) {
  const info = await Deno.lstat(dir);
  if (info.uid === uid || info.isSymlink) return;
  const complaint = await onHost([
    "chown",
    "-R",
    "-P",
    `${uid}:${uid}`,
    "--",
    dir
  ]);
  if (complaint !== void 0) throw new Error(`Cannot give ${dir} to uid ${uid}: ${complaint}`);
}
__name(giveTree, "giveTree");

export {
  SANDBOX_HOME,
  LocalProvider
};
