// What a server that died leaves behind, and how the next server removes it.
//
// A server that is SIGKILLed or crashes cannot close its sandboxes: their processes die with it
// (bwrap's --die-with-parent), but their cgroups, disk mounts, loop devices, images and
// directories stay. Several servers may run at once on one machine (a stdio server per client),
// so a server removes only what belongs to servers that are dead:
//
// - Each sandbox's directory holds a lock file, `<baseDir>/mcp-sandbox-<x>/owner.lock`, that its
//   server keeps locked (flock) until the sandbox is closed. The kernel drops the lock when the
//   process ends, however it ends: unlike a pid, a lock cannot outlive its holder or be reused,
//   and it means the same in every pid namespace that shares the file. It lies beside the
//   sandbox's home and /tmp, out of the sandbox's reach (on its disk image, where it has one).
// - The sandbox's cgroups are named by its id, `local-<x>`, so they lead to the same directory.
// - At its first sandbox a server looks at the sandbox directories of its base directory and at
//   the sandbox cgroups on the machine. A lock it can take itself means the sandbox's server is
//   dead: it kills what is left in the sandbox's cgroups, removes them, unmounts its disk,
//   detaches the loop device and deletes the directory. A lock that is held (another server's,
//   or this process's other provider's) means alive: nothing is touched. No lock file (a
//   sandbox being made, a server with another base directory, a server from before this
//   scheme) means the owner cannot be judged: its directory is kept, and only its cgroups that
//   are empty and older than a minute are removed (a cgroup holding processes cannot be removed
//   anyway, and a live server moves its sandbox into a new one within milliseconds). A sandbox
//   being closed lets go of its lock just before its disk is unmounted (an open file would hold
//   that up): a sweeper that finds it then removes what the close is removing anyway.
// - A persistent workspace's sockets directory, `<baseDir>/mcp-workspace-net-<x>`, holds the same
//   lock: a dead server's is deleted (the workspace itself lives elsewhere and is kept).
//
// The files of a dead server's sandbox are deleted, like those of any closed sandbox: local
// sandboxes are not persistent, nobody can reach them once their server is gone, and closing them
// is what that server would have done. Nothing outside a sandbox directory is deleted: a directory
// is deleted only once nothing is mounted on it or below it, and a server that is not root only
// deletes directories it owns (a root server's sandboxes belong to nobody).

import type { Logger } from "../../log.ts";
import type { FoundCgroup, SandboxCgroups } from "./cgroup.ts";
import { removeTree, type SandboxDisks } from "./_disk.ts";

/**
 * A sandbox directory's name: `mcp-sandbox-<x>` for the sandbox `local-<x>`, or
 * `mcp-sandbox-cache-<x>` for a session's package cache (see _package_cache.ts).
 */
const DIR = /^mcp-sandbox-((?:cache-)?[0-9A-Za-z_]+)$/;
/**
 * A persistent workspace's sockets directory (its egress proxy's and preview's), which lives in
 * the base directory for short socket paths while the workspace itself lives elsewhere. It holds
 * the same lock, and only sockets: nothing is mounted on it.
 */
const NET_DIR = /^mcp-workspace-net-[0-9A-Za-z_]+$/;
/**
 * A sandbox cgroup's name: its id, or a persistent workspace's `local-ws-<name>-<8 hex>` (which
 * has no directory here, so it is judged as an owner that cannot be: removed once empty and old).
 */
const CGROUP = /^local-([0-9A-Za-z_]+|ws-[a-z0-9][a-z0-9._-]*-[0-9a-f]{8})$/;
/** The lock file in a sandbox directory. */
const LOCK = "owner.lock";
/** How old an empty cgroup of an owner that cannot be judged must be to be removed. */
const UNJUDGED_GRACE_SECONDS = 60;

/**
 * Takes the lock that says the sandbox in `root` is alive; keep the file open (and so locked)
 * until the sandbox is closed. Make it once the sandbox's disk is mounted on `root`. The file is
 * locked before it appears under its name, so that no sweeper ever finds it unlocked.
 */
export function lockSandbox(root: string): Deno.FsFile {
  const temporary = `${root}/.${LOCK}`;
  const file = Deno.openSync(temporary, { createNew: true, write: true, mode: 0o644 });
  try {
    file.lockSync(true);
    const owner = { pid: Deno.pid, since: new Date().toISOString() };
    file.writeSync(new TextEncoder().encode(JSON.stringify(owner) + "\n"));
    Deno.renameSync(temporary, `${root}/${LOCK}`);
    return file;
  } catch (error) {
    file.close();
    throw error;
  }
}

/** What {@linkcode sweepLeftovers} works with. */
export interface SweepOptions {
  /** Where sandbox directories are. */
  baseDir: string;
  /** The cgroups helper, when this server makes cgroups. */
  cgroups?: SandboxCgroups;
  /** The disks helper (a root server's), started on demand. */
  disks?: () => SandboxDisks;
  log: Logger;
}

/** What {@linkcode sweepLeftovers} removed. */
export interface SweepReport {
  /** Ids of sandboxes of dead servers whose cgroups or directories were removed. */
  sandboxes: string[];
  /** Empty cgroups of owners that could not be judged, removed. */
  unjudgedCgroups: number;
  /** Sockets directories of dead servers' persistent workspaces, removed. */
  workspaceNets: number;
}

/**
 * Removes what servers that died left behind (see the top of this file). Never rejects: what
 * cannot be removed is logged and left.
 */
export async function sweepLeftovers(options: SweepOptions): Promise<SweepReport> {
  const { baseDir, cgroups, log } = options;
  const report: SweepReport = { sandboxes: [], unjudgedCgroups: 0, workspaceNets: 0 };
  const dirs = new Map<string, string>();
  const nets: string[] = [];
  try {
    for (const entry of Deno.readDirSync(baseDir)) {
      const name = DIR.exec(entry.name)?.[1];
      if (entry.isDirectory && name !== undefined) dirs.set(name, `${baseDir}/${entry.name}`);
      if (entry.isDirectory && NET_DIR.test(entry.name)) nets.push(`${baseDir}/${entry.name}`);
    }
  } catch (error) {
    log.debug(`leftovers: cannot list ${baseDir}: ${errorText(error)}`);
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
      if (exists(dir)) log.warn(`leftovers: cannot remove ${dir}: ${errorText(error)}`);
    }
  }
  const groups = new Map<string, FoundCgroup>();
  try {
    for (const found of await cgroups?.found() ?? []) {
      const name = CGROUP.exec(found.name)?.[1];
      // Names of another shape are not ours to judge (another program's "mcp-sandbox").
      if (name !== undefined) groups.set(name, found);
    }
  } catch (error) {
    log.debug(`leftovers: cannot scan cgroups: ${errorText(error)}`);
  }
  for (const name of new Set([...dirs.keys(), ...groups.keys()])) {
    const dir = dirs.get(name);
    const group = groups.get(name);
    const lock = dir === undefined ? "unjudged" : judge(dir);
    if (lock === "alive") continue;
    if (lock === "unjudged") {
      if (!group || group.processes > 0 || group.ageSeconds < UNJUDGED_GRACE_SECONDS) continue;
      try {
        await cgroups!.removeFound(group);
        report.unjudgedCgroups++;
      } catch (error) {
        log.debug(`leftovers: cannot remove cgroup ${group.dirs[0]}: ${errorText(error)}`);
      }
      continue;
    }
    try {
      // The lock is held while the processes are killed, so that a server sweeping at the same
      // time leaves this sandbox alone; it is let go before the unmount, which it would hold up.
      try {
        if (group) await cgroups!.removeFound(group);
      } finally {
        lock.close();
      }
      if (Deno.uid() === 0) {
        if (!options.disks) throw new Error("no disk helper can unmount it");
        await options.disks().unmount(Deno.realPathSync(dir!));
      } else if (Deno.statSync(dir!).uid !== Deno.uid()) {
        throw new Error("it belongs to another user");
      }
      await removeTree(dir!);
      report.sandboxes.push(`local-${name}`);
    } catch (error) {
      // Another server sweeping at the same time may have taken it first.
      if (!exists(dir!)) continue;
      log.warn(`leftovers: cannot remove sandbox local-${name}: ${errorText(error)}`);
    }
  }
  return report;
}

/**
 * Whether the server of the sandbox in `dir` is alive: its lock file is locked. A dead server's
 * lock is returned locked by us. A lock file that a server of this user did not make (another
 * local user can make `mcp-sandbox-<id>` in /tmp, named after a live sandbox of another server,
 * whose cgroup names are readable) counts as alive: nothing of it is touched.
 */
function judge(dir: string): "alive" | "unjudged" | Deno.FsFile {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(`${dir}/${LOCK}`, { read: true });
  } catch {
    return "unjudged";
  }
  try {
    if (file.statSync().uid === Deno.uid() && file.tryLockSync(true)) return file;
  } catch {
    // Cannot tell: as good as alive.
  }
  file.close();
  return "alive";
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
