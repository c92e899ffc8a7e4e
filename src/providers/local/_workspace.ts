// Persistent workspaces of the local provider: one directory each under the workspaces directory
// (the user's data directory by default), held by one server at a time.
//
//   <workspaces>/<name>/lock            flock'd (exclusively, without waiting) while attached
//   <workspaces>/<name>/workspace.json  {name, created_at, disk_bytes}: how it was made
//   <workspaces>/<name>/sandbox/        the sandbox's directory: home, tmp, runtime, git
//
// With a disk budget (a root server), sandbox/ holds the ext4 image (disk.img) mounted over it,
// as a throw-away sandbox's directory does: the image lives in the workspace and is mounted again
// on each attach. A workspace made without an image keeps its files on the host's disk; the
// choice is made once, when it is made, since mounting an image later would hide its files.
// The lock is an flock on an open file: the kernel drops it when the server dies, so a crashed
// server never leaves a workspace locked, and two opens in one process exclude each other too.

import { SandboxError } from "../../sandbox.ts";
import { checkWorkspaceName, WORKSPACE_NAME } from "../../workspace.ts";
import { removeTree } from "./_disk.ts";

/** How a workspace was made, kept in its `workspace.json`. */
export interface WorkspaceRecord {
  name: string;
  created_at: string;
  /** Its disk image's size, or null when its files live on the host's disk. */
  disk_bytes: number | null;
}

/** The id of a local workspace's sandbox: stable across attaches and restarts. */
export function workspaceSandboxId(name: string): string {
  return `local-ws-${name}`;
}

/** A workspace directory this server holds the lock of; release it to let others attach. */
export class WorkspaceHold {
  /** The workspace's name. */
  readonly name: string;
  /** `<workspaces>/<name>`. */
  readonly dir: string;
  /** Whether this attach made it. */
  readonly made: boolean;
  /** How it was made; `disk_bytes` is set by {@linkcode WorkspaceHold.record} for a new one. */
  record: WorkspaceRecord;
  #lock: Deno.FsFile | undefined;

  constructor(
    name: string,
    dir: string,
    made: boolean,
    record: WorkspaceRecord,
    lock: Deno.FsFile,
  ) {
    this.name = name;
    this.dir = dir;
    this.made = made;
    this.record = record;
    this.#lock = lock;
  }

  /** The sandbox's directory in it. */
  get root(): string {
    return `${this.dir}/sandbox`;
  }

  /** Writes how a new workspace was made, once its disk is decided. */
  save(record: WorkspaceRecord): void {
    this.record = record;
    Deno.writeTextFileSync(`${this.dir}/workspace.json`, JSON.stringify(record) + "\n");
  }

  /** Lets other servers (and this one) attach it again. Idempotent. */
  release(): void {
    this.#lock?.close();
    this.#lock = undefined;
  }
}

/**
 * Takes a workspace for this server, making its directory if it is new. Throws a SandboxError
 * when Deno may not use the workspaces directory or another server holds the workspace.
 */
export function holdWorkspace(workspacesDir: string, name: string): WorkspaceHold {
  checkWorkspaceName(name);
  needAccess(workspacesDir, `attach workspace ${name}`);
  const asRoot = Deno.uid() === 0;
  // As root, bubblewrap runs as nobody, who must be able to pass through to the sandbox's
  // directory (and no more: the names of the workspaces are the user's).
  const mode = asRoot ? 0o711 : 0o700;
  Deno.mkdirSync(workspacesDir, { recursive: true, mode });
  if (asRoot) needTraversable(workspacesDir, name);
  const dir = `${workspacesDir}/${name}`;
  let made = false;
  try {
    Deno.mkdirSync(dir, { mode });
    made = true;
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  if (asRoot) Deno.chmodSync(dir, mode);
  const lock = Deno.openSync(`${dir}/lock`, { read: true, write: true, create: true });
  if (!lock.tryLockSync(true)) {
    lock.close();
    throw new SandboxError(
      `Cannot attach workspace ${name}: another server is using it (it holds ${dir}/lock); end that server's session, or use another name`,
      { sandboxId: workspaceSandboxId(name) },
    );
  }
  try {
    const record = made ? undefined : readRecord(dir);
    if (!record) Deno.mkdirSync(`${dir}/sandbox`, { recursive: true, mode });
    return new WorkspaceHold(
      name,
      dir,
      !record,
      record ?? { name, created_at: new Date().toISOString(), disk_bytes: null },
      lock,
    );
  } catch (error) {
    lock.close();
    throw error;
  }
}

/** What is known of a workspace found in the workspaces directory. */
export interface FoundWorkspace {
  name: string;
  createdAt?: string;
  /** Whether a server (this one included) holds it now. */
  held: boolean;
}

/** The workspaces in `workspacesDir`, by name; none when it does not exist or is not readable. */
export function findWorkspaces(workspacesDir: string | undefined): FoundWorkspace[] {
  if (!workspacesDir || !granted(workspacesDir)) return [];
  const found: FoundWorkspace[] = [];
  try {
    for (const entry of Deno.readDirSync(workspacesDir)) {
      if (!entry.isDirectory || !WORKSPACE_NAME.test(entry.name)) continue;
      const dir = `${workspacesDir}/${entry.name}`;
      const record = readRecord(dir);
      if (!record) continue;
      found.push({ name: entry.name, createdAt: record.created_at, held: isHeld(dir) });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Deletes a workspace's directory, holding its lock meanwhile so no server attaches it half-way.
 * `unmount` unmounts its disk image first, if one is mounted (a crashed root server leaves it so).
 */
export async function removeWorkspace(
  workspacesDir: string | undefined,
  name: string,
  unmount: (root: string) => Promise<void>,
): Promise<void> {
  checkWorkspaceName(name);
  const dir = `${workspacesDir}/${name}`;
  if (!workspacesDir || !granted(workspacesDir) || !readRecord(dir)) {
    throw new SandboxError(`Cannot delete workspace ${name}: there is no workspace of that name`);
  }
  const lock = Deno.openSync(`${dir}/lock`, { read: true, write: true, create: true });
  try {
    if (!lock.tryLockSync(true)) {
      throw new SandboxError(
        `Cannot delete workspace ${name}: another server is using it (it holds ${dir}/lock)`,
      );
    }
    await unmount(`${dir}/sandbox`);
    // The record goes first: a workspace without one is no workspace, even if removal stops half-way.
    await Deno.remove(`${dir}/workspace.json`);
    await removeTree(dir);
  } finally {
    lock.close();
  }
}

function readRecord(dir: string): WorkspaceRecord | undefined {
  try {
    const record = JSON.parse(Deno.readTextFileSync(`${dir}/workspace.json`));
    return typeof record?.name === "string" ? record : undefined;
  } catch {
    return undefined;
  }
}

function isHeld(dir: string): boolean {
  let lock: Deno.FsFile;
  try {
    lock = Deno.openSync(`${dir}/lock`, { read: true, write: true, create: true });
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

function granted(dir: string): boolean {
  return (["read", "write"] as const).every((name) =>
    Deno.permissions.querySync({ name, path: dir }).state === "granted"
  );
}

function needAccess(dir: string, what: string): void {
  if (granted(dir)) return;
  throw new SandboxError(
    `Cannot ${what}: Deno may not read and write ${dir}; start deno with --allow-read=${dir} --allow-write=${dir} (deno task start grants ~/.local/share/daytona-mcp-interpreter), or set MCP_WORKSPACE_DIR to a directory it may use`,
  );
}

/** As root: every directory down to the workspace must let others through, for bwrap as nobody. */
function needTraversable(workspacesDir: string, name: string): void {
  const parts = workspacesDir.split("/").filter(Boolean);
  for (let i = parts.length; i >= 1; i--) {
    const path = "/" + parts.slice(0, i).join("/");
    let mode: number | null;
    try {
      mode = Deno.statSync(path).mode;
    } catch {
      continue; // Deno may not look there: bwrap says so if it matters
    }
    if (mode !== null && (mode & 0o001) === 0) {
      throw new SandboxError(
        `Cannot attach workspace ${name}: the server runs as root, so bubblewrap runs as nobody, who cannot pass ${path} (mode ${
          (mode & 0o777).toString(8)
        }); set MCP_WORKSPACE_DIR (--workspace-dir) to a directory under paths others may pass, e.g. /var/lib/daytona-mcp-interpreter/workspaces`,
      );
    }
  }
}
