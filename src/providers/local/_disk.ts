// The sandbox's directory on the host, and its disk budget.
//
// A root server mounts an ext4 image of the budget's size on each sandbox's directory (through
// the helper agent/python/disk.py, since Deno may not mount): home, /tmp, the runtime files and
// the staging area of clones with a token all live on it, so writes stop at the budget with
// ENOSPC while the server and the git isolations still reach the files at their host paths.
// The image is sparse and mounted with `discard`: it takes host disk only for what is stored.
// Why not a tmpfs in the sandbox's bwrap: its pages are RAM charged to the sandbox's memory
// budget (a full /tmp then starves the processes, and the writer is OOM-killed rather than told
// ENOSPC), and the host could not see it. A project quota needs prjquota on the host's file
// system, which machines rarely have. An ordinary user can mount neither, so there the disk
// is not budgeted (`doctor` says so).

import type { HostPath } from "../../shares.ts";
import { concatBytes } from "../../_output.ts";
import { CgroupKeeper } from "./cgroup.ts";

/**
 * The disks of one provider's sandboxes. Build it with {@linkcode SandboxDisks.open}; a pool
 * that cannot make disks says why in `unavailable`.
 */
export class SandboxDisks {
  /** Why sandboxes get no disk budget here, or undefined when they do. */
  readonly unavailable: string | undefined;
  #helper: CgroupKeeper | undefined;

  private constructor(helper: CgroupKeeper | undefined, unavailable?: string) {
    this.#helper = helper;
    this.unavailable = unavailable;
  }

  /** A pool that makes no disks, saying why. */
  static none(why: string): SandboxDisks {
    return new SandboxDisks(undefined, why);
  }

  /**
   * Starts the helper for sandbox directories in `baseDir` and for those of the persistent
   * workspaces in `workspacesDir`, run with `python` (its source is `script`). Only a root
   * server can mount; others get a pool that says so.
   */
  static open(
    python: string,
    script: string,
    baseDir: string,
    workspacesDir?: string,
  ): SandboxDisks {
    if (Deno.uid() !== 0) {
      return SandboxDisks.none(
        "mounting an image of the budget's size needs root: home and /tmp are bounded only by the host's disk",
      );
    }
    return new SandboxDisks(
      CgroupKeeper.start(python, script, baseDir, ...(workspacesDir ? [workspacesDir] : [])),
    );
  }

  /**
   * Mounts an image of `bytes` on `dir` (an empty sandbox directory in the base directory),
   * its root owned by `uid`. Returns the disk, or why there is none. With `keep` (a persistent
   * workspace's `sandbox` directory) the image `dir` already holds is mounted again, or left
   * mounted if it still is, and only made when there is none.
   */
  async make(
    dir: string,
    bytes: number,
    uid: number,
    keep = false,
  ): Promise<SandboxDisk | string> {
    if (!this.#helper) return this.unavailable ?? "no disk helper";
    try {
      await this.#helper.call("make", { dir, bytes, uid, keep });
    } catch (error) {
      if (keep) {
        return `the workspace's disk image could not be mounted (${
          error instanceof Error ? error.message : error
        })`;
      }
      await this.#helper.call("remove", { dir }).catch(() => {});
      return `the sandbox's disk image could not be mounted (${
        error instanceof Error ? error.message : error
      })`;
    }
    return new SandboxDisk(this.#helper, dir, bytes);
  }

  /**
   * Unmounts whatever disk is on `dir` (a sandbox directory in the base directory, perhaps of a
   * server that died) and detaches its loop device; rejects unless nothing is mounted on `dir`
   * or below it afterwards, so that deleting `dir` stays within the sandbox's files.
   */
  async unmount(dir: string): Promise<void> {
    if (!this.#helper) throw new Error(this.unavailable ?? "no disk helper");
    await this.#helper.call("remove", { dir }, { again: true });
  }

  /** Stops the helper (the disks are unmounted as their sandboxes close). */
  async close(): Promise<void> {
    await this.#helper?.close();
  }
}

/** What a sandbox's disk holds now, in bytes. */
export interface DiskUsage {
  /** The file system's size (the budget less ext4's own metadata). */
  total: number;
  /** In use. */
  used: number;
  /** Still free for the sandbox. */
  free: number;
}

/** The mounted disk of one sandbox. */
export class SandboxDisk {
  /** Its size, in bytes: the sandbox's disk budget. */
  readonly bytes: number;
  #helper: CgroupKeeper;
  #dir: string;

  /** Use {@linkcode SandboxDisks.make}. */
  constructor(helper: CgroupKeeper, dir: string, bytes: number) {
    this.#helper = helper;
    this.#dir = dir;
    this.bytes = bytes;
  }

  /** What it holds now. */
  async usage(): Promise<DiskUsage> {
    return await this.#helper.call("usage", { dir: this.#dir }) as DiskUsage;
  }

  /** Unmounts it; the image stays in the directory, deleted with it (or kept with a workspace). */
  async remove(): Promise<void> {
    await this.#helper.call("remove", { dir: this.#dir }, { again: true });
  }
}

/**
 * Deletes a directory that sandbox code filled: however deep its tree (a sandbox nests thousands
 * of directories in a second, and a recursive delete in this process overflowed its stack and
 * aborted the whole server), even parts its user made unreadable to us (chmod 000), never
 * following a symlink nor entering another file system. GNU rm and chmod walk any depth without
 * recursion and without paths longer than the system allows; they run through bwrap, the one
 * program the server may always start, as the server's own user on the host's files. Throws with
 * rm's first complaint when something stays.
 */
export async function removeTree(path: string): Promise<void> {
  const remove = ["rm", "-rf", "--one-file-system", "--", path];
  let complaint = await onHost(remove);
  if (complaint === undefined) return;
  // What its user made unreadable, a server that is not root must make readable first (only a
  // directory of ours: chmod would follow a symlink named on its command line).
  if ((await Deno.lstat(path).catch(() => undefined))?.isDirectory) {
    await onHost(["chmod", "-R", "u+rwx", "--", path]);
    complaint = await onHost(remove);
    if (complaint === undefined) return;
  }
  throw new Error(`Cannot delete ${path}: ${complaint}`);
}

/**
 * Where each of `paths` leads on the host (see {@linkcode HostPath}), whatever Deno may read: a
 * short Python program, run by `python` through bwrap as {@linkcode removeTree} runs rm, follows
 * each symlink itself (as `realpath -m` does, missing components kept as named) and notes where
 * the links it followed lie, and the `dev:ino` of every directory on the way.
 */
export async function hostPaths(python: string, paths: readonly string[]): Promise<HostPath[]> {
  if (paths.length === 0) return [];
  const out: Uint8Array[] = [];
  const complaint = await onHost([python, "-I", "-S", "-c", HOST_PATHS_PY, ...paths], out);
  if (complaint !== undefined) throw new Error(`Cannot resolve ${paths.join(", ")}: ${complaint}`);
  const text = new TextDecoder().decode(
    concatBytes(out, out.reduce((sum, part) => sum + part.length, 0)),
  );
  const found = JSON.parse(text) as HostPath[];
  if (found.length !== paths.length) throw new Error(`Cannot resolve ${paths.join(", ")}`);
  return found;
}

const HOST_PATHS_PY = `
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

/** Bytes of a command's complaint kept (its first lines: one per file it could not delete). */
const COMPLAINT_BYTES = 2048;

/**
 * Runs `argv` on the host's files (Deno's permissions cover bwrap, not every program); undefined
 * when it succeeds, else the start of its stderr. Its stdout goes to `out` when given.
 */
export async function onHost(argv: string[], out?: Uint8Array[]): Promise<string | undefined> {
  const child = new Deno.Command("bwrap", {
    args: ["--bind", "/", "/", "--die-with-parent", "--", ...argv],
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin", LC_ALL: "C" },
    stdin: "null",
    stdout: out ? "piped" : "null",
    stderr: "piped",
  }).spawn();
  const reading = out && (async () => {
    for await (const chunk of child.stdout) out.push(chunk);
  })();
  const kept: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of child.stderr) {
    if (length >= COMPLAINT_BYTES) continue; // read to the end all the same
    kept.push(chunk.subarray(0, COMPLAINT_BYTES - length));
    length += kept.at(-1)!.length;
  }
  await reading;
  const { success, code } = await child.status;
  if (success) return undefined;
  const text = new TextDecoder().decode(concatBytes(kept, length)).trim().split("\n")[0];
  return text ? text.slice(0, 500) : `${argv[0]} exited with ${code}`;
}
