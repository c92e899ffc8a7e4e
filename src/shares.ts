/**
 * Directories of this machine that the user shares on purpose (`--share DIR[:ro|:rw]`): the local
 * provider mounts each into every sandbox at `/shared/<name>`, and on either provider
 * `file_upload` and `file_download` stream files between a share and the sandbox through
 * `host_path`, without passing the bytes through the model.
 *
 * Where the server itself opens a host file (providers that do not mount the shares, such as
 * Daytona), it never follows a symlink below the share's own directory: every component is
 * checked with `lstat`, `..` is refused, only regular files are read or replaced, and the opened
 * file's device and inode must be those the walk found.
 *
 * @module
 */

/** Where the local provider mounts the shares inside a sandbox: `/shared/<name>`. */
export const SHARED_ROOT = "/shared";

/**
 * A directory of this machine shared with the sandboxes.
 *
 * @example Share a directory read-only
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseShare, type SharedDirectory } from "./shares.ts";
 * const share: SharedDirectory = parseShare("/home/me/projects/", "--share");
 * equal(share.path, "/home/me/projects");
 * equal(share.mode, "ro"); // unless the user says :rw
 * equal(share.name, "projects"); // mounted at /shared/projects in local sandboxes
 * ```
 */
export interface SharedDirectory {
  /** The directory on this machine, absolute and normalized (no trailing slash). */
  path: string;
  /** `"ro"`: sandboxes and downloads cannot change it; `"rw"`: they can. */
  mode: "ro" | "rw";
  /** Its last component: local sandboxes see it at `/shared/<name>`. */
  name: string;
}

/**
 * Reads `DIR`, `DIR:ro` or `DIR:rw` (read-only unless it says `:rw`); `DIR` must be absolute and
 * not `/`. Throws a TypeError naming `source` (the flag or variable).
 *
 * @example Share a directory read-write
 * ```ts
 * import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
 * import { parseShare } from "./shares.ts";
 * assertEquals(parseShare("/srv/data:rw", "--share"), { path: "/srv/data", mode: "rw", name: "data" });
 * throws(() => parseShare("data", "--share"), /must be an absolute path/);
 * ```
 */
export function parseShare(text: string, source: string): SharedDirectory {
  const [, raw, mode] = /^(.*?)(?::(ro|rw))?$/s.exec(text.trim())!;
  const fail = (why: string): never => {
    throw new TypeError(`Cannot configure: ${source} ${why}, got '${text}'`);
  };
  if (!raw.startsWith("/")) {
    fail(
      "must be an absolute path, optionally followed by :ro or :rw (a shell expands ~/ only at the start of a word: --share ~/dir, not --share=~/dir)",
    );
  }
  const parts = raw.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) fail("must not contain '..'");
  if (parts.length === 0) fail("must name a directory below /");
  if (raw.includes("\0")) fail("must not contain NUL bytes");
  return { path: `/${parts.join("/")}`, mode: mode === "rw" ? "rw" : "ro", name: parts.at(-1)! };
}

/**
 * Checks that no two shares would be mounted at the same `/shared/<name>`; throws a TypeError
 * naming both.
 */
export function checkShareNames(shares: readonly SharedDirectory[]): void {
  const seen = new Map<string, string>();
  for (const share of shares) {
    const other = seen.get(share.name);
    if (other !== undefined && other !== share.path) {
      throw new TypeError(
        `Cannot share both ${other} and ${share.path}: both would be ${SHARED_ROOT}/${share.name} in the sandbox; share a parent directory instead, or a symlink to one of them under another name`,
      );
    }
    seen.set(share.name, share.path);
  }
}

/** A directory of this machine that local sandboxes keep their own state in. */
export interface KeptDirectory {
  /** The directory, absolute. */
  path: string;
  /** What it holds, for the error: "the sandboxes' directory (--sandbox-dir)". */
  what: string;
  /** Whether a read-only share may hold it (its contents are then readable by every sandbox). */
  readableByShares: boolean;
  /** Whether a share may lie inside it (a directory beside what sandboxes write in). */
  sharesInside: boolean;
}

/**
 * Where a path leads on this machine: its real path, the identity (`dev:ino`) of that directory
 * (null when it does not exist), the identities of it and all its ancestors (nearest first), and
 * for each symlink followed on the way, the identities of the directory holding it and of that
 * directory's ancestors.
 */
export interface HostPath {
  /** The path with every symlink followed (missing components kept as named). */
  real: string;
  /** `dev:ino` of the real path, or null when it does not exist. */
  id: string | null;
  /** `dev:ino` of the real path (when it exists) and of each of its ancestors, up to `/`. */
  chain: readonly string[];
  /** For each symlink followed: the `chain` of the directory that holds it. */
  links: readonly (readonly string[])[];
}

/**
 * Checks where the local provider's shares lie, since bubblewrap follows symlinks when it mounts
 * them and sandbox code can write in a read-write share; throws a TypeError naming the paths when
 * - a share lies inside a read-write share, or the way to it follows a symlink that lies in one:
 *   sandbox code could replace the directory or the link, and later sandboxes would get wherever
 *   it points mounted in its place;
 * - a share holds one of `kept` (read-write, or at all where `readableByShares` is false): other
 *   sandboxes' homes, caches and sockets, or workspaces they could swap;
 * - the way to one of `kept` follows a symlink that lies in a read-write share: sandbox code could
 *   point it at a tree of its own, whose symlinks the server would then follow as its own state;
 * - a share lies inside one of `kept` that sandboxes write in throughout (not `sharesInside`), or
 *   the way to it follows a symlink there.
 * Paths are compared as `resolve` finds them: by default by their text, as this machine resolves
 * them where the server may read them. The local provider checks again with what the host says
 * (see {@linkcode HostPath}): identities see through bind mounts, and links on the way count.
 *
 * @example A share inside a read-write share is refused
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { checkSharePlacement, parseShare } from "./shares.ts";
 * const shares = [parseShare("/srv/data:rw", "--share"), parseShare("/srv/data/raw", "--share")];
 * throws(() => checkSharePlacement(shares, []), /lies inside the read-write share \/srv\/data/);
 * ```
 */
export function checkSharePlacement(
  shares: readonly SharedDirectory[],
  kept: readonly KeptDirectory[],
  resolve: (path: string) => HostPath = readableHostPath,
): void {
  const same = (a: HostPath, b: HostPath) => a.real === b.real || (a.id !== null && a.id === b.id);
  const within = (a: HostPath, b: HostPath) =>
    a.real === b.real || a.real.startsWith(`${b.real}/`) ||
    (b.id !== null && a.chain.includes(b.id));
  const viaLinkIn = (a: HostPath, b: HostPath) =>
    b.id !== null && a.links.some((chain) => chain.includes(b.id!));
  const resolved = shares.map((share) => ({ share, at: resolve(share.path) }));
  const keptAt = kept.map((dir) => ({ dir, at: resolve(dir.path) }));
  for (const inner of resolved) {
    for (const outer of resolved) {
      if (outer === inner || outer.share.mode !== "rw" || same(inner.at, outer.at)) continue;
      if (within(inner.at, outer.at)) {
        throw new TypeError(
          `Cannot share ${inner.share.path}: it lies inside the read-write share ${outer.share.path}, where sandbox code could replace it with a symlink to any directory; share only one of them`,
        );
      }
      if (viaLinkIn(inner.at, outer.at)) {
        throw new TypeError(
          `Cannot share ${inner.share.path}: the way to it follows a symlink in the read-write share ${outer.share.path}, which sandbox code could point anywhere; share ${inner.at.real} as it is`,
        );
      }
    }
    for (const { dir, at } of keptAt) {
      if (inner.share.mode === "rw" && viaLinkIn(at, inner.at)) {
        throw new TypeError(
          `Cannot share ${inner.share.path} read-write: the way to ${dir.what} (${dir.path}) follows a symlink in it, which sandbox code could point at a tree of its own; give ${at.real} as it is`,
        );
      }
      if (within(at, inner.at) && (inner.share.mode === "rw" || !dir.readableByShares)) {
        throw new TypeError(
          `Cannot share ${inner.share.path}${
            inner.share.mode === "rw" ? " read-write" : ""
          }: it holds ${dir.what} (${dir.path}); share a directory beside it`,
        );
      }
      if (
        !dir.sharesInside &&
        ((within(inner.at, at) && !same(inner.at, at)) || viaLinkIn(inner.at, at))
      ) {
        throw new TypeError(
          `Cannot share ${inner.share.path}: it lies inside ${dir.what} (${dir.path}), which sandboxes write in`,
        );
      }
    }
  }
}

/** `path` as this machine resolves it, where the server may read it; else as given. */
function readableHostPath(path: string): HostPath {
  return { real: readableRealPath(path), id: null, chain: [], links: [] };
}

/** `path` as this machine resolves it, where the server may read it; else as given. */
function readableRealPath(path: string): string {
  try {
    if (Deno.permissions.querySync({ name: "read", path }).state === "granted") {
      return Deno.realPathSync(path);
    }
  } catch { /* missing: as given */ }
  return path;
}

/**
 * The shares as the model reads them: "/home/me/projects (read-only, /shared/projects in local
 * sandboxes)", or that none is configured.
 */
export function describeShares(
  shares: readonly SharedDirectory[],
  mounted = true,
): string {
  if (shares.length === 0) return "no directory is shared (the server's --share flag shares one)";
  return shares.map((share) =>
    `${share.path} (${share.mode === "rw" ? "read-write" : "read-only"}${
      mounted ? `, ${SHARED_ROOT}/${share.name} in the sandbox` : ""
    })`
  ).join(", ");
}

/**
 * A file named inside a share: the share, and the path's components below it (never empty, never
 * `.` or `..`).
 */
export interface SharedLocation {
  /** The share that holds it. */
  share: SharedDirectory;
  /** Its components below the share's directory. */
  parts: readonly string[];
  /** The host path, normalized. */
  hostPath: string;
}

/**
 * Finds the share `hostPath` lies in, by its text alone (nothing is opened): it must be absolute,
 * below a share's directory (the most specific one wins) and free of `..`. `action` begins the
 * errors: "Cannot upload from host_path X: …". With `writable`, the share must be read-write.
 *
 * @example Locate a file in a share
 * ```ts
 * import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
 * import { locateShared, parseShare } from "./shares.ts";
 * const shares = [parseShare("/home/me/projects", "--share")];
 * const found = locateShared(shares, "/home/me/projects/data/a.csv", "upload from");
 * assertEquals(found.parts, ["data", "a.csv"]);
 * throws(
 *   () => locateShared(shares, "/home/me/.ssh/id_ed25519", "upload from"),
 *   /Cannot upload from host_path \/home\/me\/.ssh\/id_ed25519: it is not inside a shared directory/,
 * );
 * throws(
 *   () => locateShared(shares, "/home/me/projects/out.csv", "download to", { writable: true }),
 *   /is read-only/,
 * );
 * ```
 */
export function locateShared(
  shares: readonly SharedDirectory[],
  hostPath: string,
  action: string,
  options: { writable?: boolean } = {},
): SharedLocation {
  const fail = (why: string): never => {
    throw new TypeError(`Cannot ${action} host_path ${hostPath}: ${why}`);
  };
  if (shares.length === 0) fail(`${describeShares(shares)}; ask the user to share one`);
  if (!hostPath.startsWith("/")) {
    fail(
      `it must be an absolute path on the user's machine, inside a shared directory (shared: ${
        describeShares(shares)
      })`,
    );
  }
  if (hostPath.length > 1 && hostPath.endsWith("/")) {
    fail("it ends in /, as a directory's name does; name the file itself");
  }
  const parts = hostPath.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) fail("'..' is not allowed in host_path");
  let best: SharedDirectory | undefined;
  for (const share of shares) {
    const own = share.path.split("/").filter(Boolean);
    const inside = own.length < parts.length && own.every((part, i) => parts[i] === part);
    if (inside && (!best || share.path.length > best.path.length)) best = share;
  }
  if (!best) {
    const exact = shares.find((share) => `/${parts.join("/")}` === share.path);
    fail(
      exact
        ? "it is a shared directory itself; name a file inside it"
        : `it is not inside a shared directory (shared: ${describeShares(shares)})`,
    );
  }
  const share = best!;
  if (options.writable && share.mode !== "rw") {
    fail(
      `the shared directory ${share.path} is read-only; the user can share it with :rw (--share ${share.path}:rw) to allow writing there`,
    );
  }
  const below = parts.slice(share.path.split("/").filter(Boolean).length);
  return { share, parts: below, hostPath: `/${parts.join("/")}` };
}

/** The path inside a local sandbox of a located file: `/shared/<name>/<parts>`. */
export function sandboxPathOf(location: SharedLocation): string {
  return `${SHARED_ROOT}/${location.share.name}/${location.parts.join("/")}`;
}

/** A host file opened for reading by {@linkcode openSharedFile}. */
export interface OpenedSharedFile {
  /** The open file; close it (or read `file.readable` to the end, which closes it). */
  file: Deno.FsFile;
  /** Its size in bytes when it was opened. */
  size: number;
}

/** What {@linkcode walkShared} found: each directory's identity, and the final entry's. */
interface Walk {
  dirs: Deno.FileInfo[];
  last: Deno.FileInfo | undefined;
}

function kindOf(info: Deno.FileInfo): string {
  return info.isSymlink
    ? "a symlink"
    : info.isDirectory
    ? "a directory"
    : info.isFile
    ? "a file"
    : "a device, FIFO or socket";
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Checks each directory below the share's own one with lstat: it must be a real directory (a
 * symlink is refused, wherever it points). With `create`, missing directories are made. Returns
 * the identities found, and the final entry's lstat (undefined when it does not exist).
 */
async function walkShared(
  location: SharedLocation,
  action: string,
  create: boolean,
): Promise<Walk> {
  const fail = (why: string): never => {
    throw new TypeError(`Cannot ${action} host_path ${location.hostPath}: ${why}`);
  };
  const dirs: Deno.FileInfo[] = [];
  let path = location.share.path;
  const root = await Deno.stat(path).catch((error) => {
    if (error instanceof Deno.errors.NotFound) fail(`the shared directory ${path} does not exist`);
    throw error;
  });
  if (!root.isDirectory) fail(`the shared directory ${path} is not a directory`);
  dirs.push(root);
  const { parts } = location;
  for (let i = 0; i < parts.length; i++) {
    path += `/${parts[i]}`;
    let info = await Deno.lstat(path).catch((error) => {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    });
    if (i === parts.length - 1) return { dirs, last: info };
    if (!info && create) {
      await Deno.mkdir(path).catch((error) => {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      });
      info = await Deno.lstat(path);
    }
    if (!info) fail(`${path} does not exist`);
    if (info!.isSymlink) {
      fail(`${path} is a symlink; host_path never follows symlinks inside a shared directory`);
    }
    if (!info!.isDirectory) fail(`${path} is ${kindOf(info!)}, not a directory`);
    dirs.push(info!);
  }
  return { dirs, last: undefined };
}

/** Walks again and checks that every directory is still the one the first walk found. */
async function checkUnchanged(location: SharedLocation, first: Walk, action: string) {
  const again = await walkShared(location, action, false);
  const moved = again.dirs.length !== first.dirs.length ||
    again.dirs.some((dir, i) => !sameFile(dir, first.dirs[i]));
  if (moved) {
    throw new TypeError(
      `Cannot ${action} host_path ${location.hostPath}: a directory on its path changed during the transfer`,
    );
  }
  return again;
}

/**
 * Opens a regular file inside a share for reading, following no symlink below the share's
 * directory, and checking after the open that the file opened is the one the walk found.
 * Requires read access to the share (`--allow-read=<dir>`).
 *
 * @example Stream a shared file
 * ```ts ignore
 * import { locateShared, openSharedFile, parseShare } from "./shares.ts";
 * const shares = [parseShare("/home/me/projects", "--share")];
 * const location = locateShared(shares, "/home/me/projects/data.csv", "upload from");
 * const { file, size } = await openSharedFile(location, "upload from");
 * for await (const chunk of file.readable) console.log(chunk.length, "of", size);
 * ```
 */
export async function openSharedFile(
  location: SharedLocation,
  action: string,
): Promise<OpenedSharedFile> {
  const fail = (why: string): never => {
    throw new TypeError(`Cannot ${action} host_path ${location.hostPath}: ${why}`);
  };
  const walk = await walkShared(location, action, false);
  const found = walk.last;
  if (!found) fail("no such file");
  if (!found!.isFile) {
    fail(
      found!.isSymlink
        ? "it is a symlink; host_path never follows symlinks inside a shared directory"
        : `it is ${kindOf(found!)}, not a regular file`,
    );
  }
  const file = await Deno.open(location.hostPath, { read: true });
  try {
    const opened = await file.stat();
    const again = await checkUnchanged(location, walk, action);
    if (
      !opened.isFile || !sameFile(opened, found!) || !again.last || !sameFile(again.last, found!)
    ) {
      fail("it changed while it was opened");
    }
    return { file, size: opened.size };
  } catch (error) {
    file.close();
    throw error;
  }
}

/** What {@linkcode writeSharedFile} wrote. */
export interface WrittenSharedFile {
  /** Bytes written. */
  size: number;
  /** Whether a file of that name was there before and was replaced. */
  replaced: boolean;
}

/**
 * Writes `data` to a file inside a read-write share: into a new hidden file beside it, which then
 * takes the file's name (replacing an existing regular file only with `overwrite`), so a failed
 * transfer never leaves half a file. Missing parent directories are made; no symlink below the
 * share's directory is followed, and a symlink, directory or device at the name is never
 * replaced. Runs of zeros become holes, as in a sparse file, so that a file that takes no space
 * where it comes from takes none here; with `expectedSize`, data that goes on past it fails (a
 * file that grows while it is read would otherwise fill the disk). Requires read and write access
 * to the share.
 *
 * @example Save a stream into a share
 * ```ts ignore
 * import { locateShared, parseShare, writeSharedFile } from "./shares.ts";
 * const shares = [parseShare("/home/me/out:rw", "--share")];
 * const location = locateShared(shares, "/home/me/out/report.txt", "download to", { writable: true });
 * const data = ReadableStream.from([new TextEncoder().encode("done\n")]);
 * console.log(await writeSharedFile(location, data, { action: "download to" })); // { size: 5, replaced: false }
 * ```
 */
export async function writeSharedFile(
  location: SharedLocation,
  data: ReadableStream<Uint8Array>,
  options: { overwrite?: boolean; action: string; signal?: AbortSignal; expectedSize?: number },
): Promise<WrittenSharedFile> {
  const { action } = options;
  const fail = (why: string): never => {
    throw new TypeError(`Cannot ${action} host_path ${location.hostPath}: ${why}`);
  };
  if (location.share.mode !== "rw") {
    fail(`the shared directory ${location.share.path} is read-only`);
  }
  const walk = await walkShared(location, action, true);
  const existing = walk.last;
  if (existing && !existing.isFile) {
    fail(
      existing.isSymlink
        ? "it is a symlink; host_path never replaces symlinks inside a shared directory"
        : `it is ${kindOf(existing)}; only a regular file can be replaced`,
    );
  }
  if (existing && !options.overwrite) {
    fail("it already exists; pass overwrite: true to replace it");
  }
  const dir = location.hostPath.slice(0, location.hostPath.lastIndexOf("/"));
  const name = location.parts.at(-1)!;
  // Beside it, named after it; a name near the 255 bytes a file system takes gets a shorter one.
  const tag = `.download-${crypto.randomUUID().slice(0, 8)}`;
  const beside = `.${name}${tag}`;
  const temp = `${dir}/${new TextEncoder().encode(beside).length <= 255 ? beside : tag}`;
  // createNew is O_CREAT|O_EXCL: it never follows a symlink at the name, and never reuses a file.
  const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
  let size = 0;
  let placed = false;
  try {
    const created = await file.stat();
    const reader = data.getReader();
    try {
      for (;;) {
        options.signal?.throwIfAborted();
        const { value, done } = await reader.read();
        if (done) break;
        size += value.length;
        if (options.expectedSize !== undefined && size > options.expectedSize) {
          fail(
            `the file grew during the transfer, past the ${options.expectedSize} bytes it had when it began`,
          );
        }
        await writeSparse(file, value);
      }
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw error;
    }
    await file.truncate(size); // a run of zeros at the end is a hole too
    file.close();
    const again = await checkUnchanged(location, walk, action);
    const now = await Deno.lstat(temp);
    if (!sameFile(now, created)) fail("its directory changed during the transfer");
    const current = again.last;
    if (current && (!current.isFile || !options.overwrite)) {
      fail(
        options.overwrite
          ? `it became ${kindOf(current)} during the transfer`
          : "it was created during the transfer; pass overwrite: true to replace it",
      );
    }
    if (options.overwrite) {
      await Deno.rename(temp, location.hostPath);
    } else {
      // A link fails if the name appeared meanwhile: never clobbers.
      await Deno.link(temp, location.hostPath).catch((error) => {
        if (error instanceof Deno.errors.AlreadyExists) {
          fail("it was created during the transfer; pass overwrite: true to replace it");
        }
        throw error;
      });
      await Deno.remove(temp);
    }
    placed = true;
    return { size, replaced: current !== undefined };
  } finally {
    try {
      file.close();
    } catch { /* closed already */ }
    if (!placed) await Deno.remove(temp).catch(() => {});
  }
}

/** Holes are made of whole runs of this many zero bytes. */
const HOLE_BLOCK = 64 * 1024;

/** Writes `chunk` at the file's position, skipping over (not writing) blocks of zeros. */
async function writeSparse(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  const blockEnd = (at: number) => Math.min(at + HOLE_BLOCK, chunk.length);
  let at = 0;
  while (at < chunk.length) {
    const zero = allZero(chunk, at, blockEnd(at));
    let end = blockEnd(at);
    while (end < chunk.length && allZero(chunk, end, blockEnd(end)) === zero) end = blockEnd(end);
    if (zero) await file.seek(end - at, Deno.SeekMode.Current);
    else for (let done = at; done < end;) done += await file.write(chunk.subarray(done, end));
    at = end;
  }
}

function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}
