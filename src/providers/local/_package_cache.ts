// The package caches of local sandboxes: pip's and uv's downloads and built wheels, shared by the
// sandboxes of one tenant (an MCP session) so that a second install of a package in another of
// its sandboxes is fast.
//
// Threat: whatever is in a cache, a later install runs (a wheel's code, a built sdist). A cache
// every sandbox may write is a way for one session's code to plant code that another session's
// sandbox executes. So each tenant gets its own cache directory, bound read-write into its own
// sandboxes only; another tenant's sandboxes have no path to it (their mount namespace holds only
// their own directories), and it is deleted when its tenant's last sandbox closes. Within a
// tenant, one sandbox can poison what another installs, but both run the same session's code.
// As root the cache is a disk image of the disk budget's size, like a sandbox's own directory,
// so the cache cannot fill the host's disk past what one sandbox may.

import { removeTree, type SandboxDisk, type SandboxDisks } from "./_disk.ts";
import { lockSandbox } from "./_leftovers.ts";

/** Where a tenant's cache appears inside its sandboxes. */
export const PACKAGE_CACHE_DIR = "/var/cache/packages";

/** The variables that send pip's and uv's caches to `dir` (the cache as the sandbox sees it). */
export function packageCacheEnvironment(dir: string): Record<string, string> {
  return {
    PIP_CACHE_DIR: `${dir}/pip`,
    UV_CACHE_DIR: `${dir}/uv`,
    // uv hard-links from its cache, which lies on another file system than the environment.
    UV_LINK_MODE: "copy",
  };
}

/** One tenant's cache, held by one sandbox; release it when the sandbox closes. */
export interface PackageCacheLease {
  /** The cache's host directory. */
  readonly dir: string;
  /** Lets go of it; the last lease of a tenant deletes the cache. Idempotent. */
  release(): Promise<void>;
}

interface Entry {
  made: Promise<{ root: string; dir: string; disk?: SandboxDisk; owned: Deno.FsFile }>;
  holders: number;
}

/** The caches of one provider's tenants. */
export class PackageCaches {
  #baseDir: string;
  #owner: (tenant: string) => number | undefined;
  #disk: (() => { disks: SandboxDisks; bytes: number } | undefined) | undefined;
  #entries = new Map<string, Entry>();

  /**
   * Caches in `baseDir`, each owned by `owner(tenant)` when it gives a uid (the host uid a root
   * server's sandboxes of that tenant run as), each on a disk from `disk()` when it gives one.
   */
  constructor(
    baseDir: string,
    owner: (tenant: string) => number | undefined,
    disk?: () => { disks: SandboxDisks; bytes: number } | undefined,
  ) {
    this.#baseDir = baseDir;
    this.#owner = owner;
    this.#disk = disk;
  }

  /** The cache of `tenant`, made on its first lease. */
  async lease(tenant: string): Promise<PackageCacheLease> {
    let entry = this.#entries.get(tenant);
    if (!entry) {
      entry = { made: this.#make(tenant), holders: 0 };
      this.#entries.set(tenant, entry);
      const made = entry;
      made.made.catch(() => {
        if (this.#entries.get(tenant) === made) this.#entries.delete(tenant);
      });
    }
    entry.holders++;
    let cache: { root: string; dir: string; disk?: SandboxDisk; owned: Deno.FsFile };
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
      release: async () => {
        if (released) return;
        released = true;
        if (--held.holders > 0) return;
        if (this.#entries.get(tenant) === held) this.#entries.delete(tenant);
        cache.owned.close();
        await cache.disk?.remove().catch(() => {});
        await removeTree(cache.root);
      },
    };
  }

  async #make(
    tenant: string,
  ): Promise<{ root: string; dir: string; disk?: SandboxDisk; owned: Deno.FsFile }> {
    const dir = Deno.makeTempDirSync({ dir: this.#baseDir, prefix: "mcp-sandbox-cache-" });
    try {
      const wanted = this.#disk?.();
      const owner = this.#owner(tenant);
      let disk: SandboxDisk | undefined;
      if (wanted) {
        const made = await wanted.disks.make(Deno.realPathSync(dir), wanted.bytes, owner ?? 0);
        if (typeof made !== "string") disk = made;
      }
      // Locked while this server has it, like a sandbox: a server that dies leaves it to the next
      // one's sweep (see _leftovers.ts). The lock stays beside what the sandboxes see (data/).
      const owned = lockSandbox(dir);
      const data = `${dir}/data`;
      Deno.mkdirSync(data);
      Deno.chmodSync(data, 0o700); // what the tenant downloads is its own
      Deno.chmodSync(dir, 0o711); // the sandboxes' bwrap (not root, for a root server) passes through
      if (owner !== undefined) Deno.chownSync(data, owner, owner);
      return { root: dir, dir: data, disk, owned };
    } catch (error) {
      await removeTree(dir);
      throw error;
    }
  }
}
