// A Daytona sandbox's life beyond its creation: Daytona stops idle sandboxes (and may archive
// them), so one is started again when a call finds it stopped; its state is asked when the
// toolbox refuses a call; and deleting waits out a state change still pending.

import type { Daytona, Sandbox as SdkSandbox } from "npm:@daytonaio/sdk@0.218.0";
import { SandboxError } from "../../sandbox.ts";
import { ConflictError, isNotFound } from "./_errors.ts";
import { type ApiSettings, callApi, sleep, type WaitOptions, withRetries } from "./_retry.ts";

/**
 * Starts a sandbox that Daytona stopped or archived, and waits until it runs. A state change
 * still pending (stopping, archiving: 409) is waited out.
 */
export async function wakeSandbox(
  sdk: SdkSandbox,
  settings: ApiSettings,
  wait: WaitOptions = {},
): Promise<void> {
  const { log, timeoutSeconds } = settings;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const retry = { idempotent: true, log, deadline, onWait: wait.onWait, signal: wait.signal };
  for (;;) {
    await withRetries(() => sdk.refreshData(), { ...retry, what: "read the sandbox's state" });
    const state = String(sdk.state);
    if (state === "started") return;
    if (state === "stopped" || state === "archived") {
      log.info(`daytona sandbox ${sdk.id} is ${state}; starting it again`);
      try {
        await withRetries(() => sdk.start(timeoutSeconds), { ...retry, what: "start the sandbox" });
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    } else if (
      state === "destroyed" || state === "destroying" || state === "error" ||
      state === "build_failed"
    ) {
      throw new SandboxError(`Cannot start sandbox ${sdk.id} again: it is ${state}`, {
        sandboxId: sdk.id,
      });
    }
    if (Date.now() > deadline) {
      throw new SandboxError(`Cannot start sandbox ${sdk.id} again: it stayed ${state}`, {
        sandboxId: sdk.id,
      });
    }
    await sleep(500);
  }
}

/**
 * Stops a sandbox (a persistent workspace at the end of its session): files are kept, processes
 * end. A pending state change (409) is waited out; one already stopped, archived or gone is
 * stopped enough.
 */
export async function stopSandbox(
  client: Daytona,
  sdk: SdkSandbox,
  settings: ApiSettings,
): Promise<void> {
  await pastConflicts(sdk, settings, "stop", () => sdk.stop(settings.timeoutSeconds), async () => {
    const state = await sandboxState(client, sdk.id, settings).catch(() => "unknown");
    return ["stopped", "archived", "gone", "destroyed"].includes(state);
  });
}

/**
 * Runs `call` (a stop or a delete) until it goes through, retrying while Daytona answers 409 (a
 * state change is pending) until the API timeout; a sandbox gone, or `done()` after a failure,
 * is as good as done.
 */
async function pastConflicts(
  sdk: SdkSandbox,
  settings: ApiSettings,
  verb: string,
  call: () => Promise<unknown>,
  done: () => Promise<boolean> = () => Promise.resolve(false),
): Promise<void> {
  const deadline = Date.now() + settings.timeoutSeconds * 1000;
  for (let wait = 250;; wait = Math.min(wait * 2, 2000)) {
    try {
      await callApi(settings, `${verb} the sandbox`, true, call);
      return;
    } catch (error) {
      if (isNotFound(error) || await done()) return;
      if (!(error instanceof ConflictError) || Date.now() + wait > deadline) throw error;
      settings.log.info(`sandbox ${sdk.id}: ${error.message}; retrying the ${verb}`);
      await sleep(wait);
    }
  }
}

/** The sandbox's state as the API reports it, or "gone". */
export async function sandboxState(
  client: Daytona,
  id: string,
  settings: ApiSettings,
  wait: WaitOptions = {},
): Promise<string> {
  try {
    const found = await callApi(settings, "find the sandbox", true, () => client.get(id), wait);
    return String(found.state ?? "unknown");
  } catch (error) {
    if (isNotFound(error)) return "gone";
    throw error;
  }
}

/**
 * Deletes a sandbox. A 409 (a state change is pending, e.g. it is still stopping) is retried
 * until it goes through; a sandbox already gone is deleted enough.
 */
export async function destroySandbox(
  client: Daytona,
  sdk: SdkSandbox,
  settings: ApiSettings,
): Promise<void> {
  await pastConflicts(sdk, settings, "delete", () => client.delete(sdk));
}
