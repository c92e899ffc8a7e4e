/**
 * The local provider: sandboxes on this machine, isolated with bubblewrap. Each sandbox is one
 * long-lived `bwrap` holding a small supervisor (the agent), so background processes survive
 * between calls and all die together when the sandbox closes or the server exits.
 *
 * Requires `--allow-run=bwrap,setpriv` (setpriv only when the server runs as root),
 * `--allow-read` and `--allow-write` on the base directory (default `/tmp`), and
 * `--allow-sys=uid`.
 *
 * @example Run a command in a sandbox with a private network and a small budget
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider } from "./mod.ts";
 *
 * await using provider = new LocalProvider({ network: "none", budget: { memoryMb: 512 } });
 * await provider.check(); // throws, saying how to fix it, when bubblewrap is missing
 * await using sandbox = await provider.create({ labels: { task: "demo" } });
 * equal((await sandbox.exec("whoami")).stdout, "sandbox\n");
 * equal(sandbox.budget.memoryMb, 512);
 * ```
 *
 * @module
 */

export {
  type EgressOptions,
  type LocalLimits,
  LocalProvider,
  type LocalProviderOptions,
  type SandboxNetwork,
} from "./provider.ts";
export { LocalSandbox, type SandboxProtection } from "./sandbox.ts";
export {
  type CgroupPlan,
  type Controller,
  type FoundCgroup,
  type SandboxBudget,
  SandboxCgroup,
  SandboxCgroups,
  type SandboxUsage,
} from "./cgroup.ts";
