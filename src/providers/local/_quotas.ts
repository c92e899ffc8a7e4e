// Each local sandbox's share of the kernel's per-user quotas: inotify instances and watches,
// fanotify groups and marks. The kernel counts them per host uid, so without a cap one sandbox
// could take all of its uid's, and the uid's other processes (the desktop user's editor, or the
// other sandboxes of a server running as nobody) would get EMFILE and ENOSPC from inotify until
// it ends. A sandbox's user namespace gets a share of each instead, set by the helper
// agent/python/quotas.py (see there how) while the sandbox's supervisor holds at its start.

import { CgroupKeeper } from "./cgroup.ts";

/** Each sandbox may use at most 1/QUOTA_SHARE of its host uid's allowance of each quota. */
export const QUOTA_SHARE = 4;

/** The quota helper of one provider. */
export class SandboxQuotas {
  #helper: CgroupKeeper;

  private constructor(helper: CgroupKeeper) {
    this.#helper = helper;
  }

  /** Starts the helper with `python` (its source is `script`). */
  static open(python: string, script: string): SandboxQuotas {
    return new SandboxQuotas(CgroupKeeper.startInHostNamespaces(python, script));
  }

  /**
   * Gives the sandbox whose bwrap is process `pid` its share of each quota. Returns undefined when
   * it has, else why not (the sandbox then runs with its uid's whole allowance).
   */
  async cap(pid: number): Promise<string | undefined> {
    try {
      await this.#helper.call("cap", { pid, share: QUOTA_SHARE });
      return undefined;
    } catch (error) {
      return `its share of the host uid's inotify quotas could not be set (${
        error instanceof Error ? error.message : error
      })`;
    }
  }

  /** Stops the helper. */
  async close(): Promise<void> {
    await this.#helper.close();
  }
}
