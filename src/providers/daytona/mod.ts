/**
 * The Daytona provider: sandboxes in Daytona's cloud, through `npm:@daytonaio/sdk`. Import it
 * from its own subpath; the server loads it only when Daytona is selected.
 *
 * Each sandbox runs the same small agent as local sandboxes, as a long-lived server on a unix
 * socket; every tool call is exactly one toolbox request (`process/execute` of the agent's
 * client), so Python keeps its state and stdout and stderr stay apart. Files are uploaded through
 * the toolbox's bulk-upload endpoint with `fetch` (the SDK's Deno upload path ignores errors).
 *
 * Requires `--allow-net` (the API and toolbox hosts) and `--allow-env` (unscoped: the SDK reads
 * the whole environment when it loads).
 *
 * @example Keep Python's state between calls in a Daytona sandbox
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { DaytonaProvider } from "./mod.ts";
 *
 * await using provider = new DaytonaProvider({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * await using sandbox = await provider.create();
 * await sandbox.runPython("r = 2");
 * equal((await sandbox.runPython("print(r * 21)")).stdout, "42\n");
 * ```
 *
 * @example A provider needs an API key, and makes no request until a sandbox is needed
 * ```ts
 * import { equal, throws } from "node:assert/strict";
 * import { CREATOR, CREATOR_LABEL, DaytonaProvider } from "./mod.ts";
 *
 * throws(() => new DaytonaProvider({ apiKey: "" }), TypeError);
 * const provider = new DaytonaProvider({ apiKey: "dtn_example" });
 * equal(provider.name, "daytona");
 * equal(provider.labels[CREATOR_LABEL], CREATOR);
 * ```
 *
 * @module
 */

export {
  CREATOR,
  CREATOR_LABEL,
  DaytonaProvider,
  type DaytonaProviderOptions,
  DEPLOYMENT_LABEL,
  DEPLOYMENT_NAME,
  INSTANCE_LABEL,
  TENANT_LABEL,
  WORKSPACE_LABEL,
} from "./provider.ts";
export { DaytonaSandbox } from "./sandbox.ts";
