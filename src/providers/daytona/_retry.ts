// Retrying Daytona's API and toolbox calls: backoff for transient failures, and rate limits
// waited out as the server asks when that fits before the caller's deadline.

import type { Logger } from "../../log.ts";
import { SandboxError } from "../../sandbox.ts";
import { fromSdkError, type GitTarget, TransientError } from "./_errors.ts";

/** What a call that may wait for the API (its rate limit) reports to, and its cancellation. */
export interface WaitOptions {
  /** Told what the call waits for while it waits out a rate limit. */
  onWait?: (message: string) => void;
  /** Aborting stops waiting out a rate limit. */
  signal?: AbortSignal;
}

/** How {@linkcode withRetries} retries one call. */
export interface RetryOptions extends WaitOptions {
  idempotent: boolean;
  /** What the call does, for messages: "Cannot <what>: …". */
  what: string;
  log: Logger;
  /** @default 4 */
  attempts?: number;
  /** When the call must be done by (epoch ms): a rate limit that lasts longer fails at once. */
  deadline?: number;
  /** Set for a git clone: its 401/403/404 are the git host's. */
  git?: GitTarget;
}

/**
 * Retries with exponential backoff and jitter: idempotent calls on connection failures, 429 and
 * 5xx; other calls only on 429 and 503, which mean the request was not processed. A 429 that says
 * how long to wait (Retry-After-*) is waited out if that fits before the deadline.
 */
export async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (raw) {
      const error = fromSdkError(raw, options.git);
      const retryable = error instanceof TransientError &&
        (options.idempotent || error.status === 429 || error.status === 503);
      const told = error instanceof TransientError ? error.retryAfterMs : undefined;
      if (retryable && told !== undefined && told > 0 && attempt < attempts) {
        const at = Date.now() + told;
        if (options.deadline !== undefined && at > options.deadline) {
          throw new SandboxError(
            `Cannot ${options.what}: Daytona's rate limit was hit (429) and allows more requests in ${
              Math.ceil(told / 1000)
            } s (at ${new Date(at).toISOString()}); try again then`,
            { cause: error },
          );
        }
        const seconds = Math.ceil(told / 1000);
        options.log.warn(`${options.what}: Daytona's rate limit was hit; waiting ${seconds} s`);
        options.onWait?.(
          `Daytona's rate limit was hit: waiting ${seconds} s, as it asks, to ${options.what}`,
        );
        await sleep(told, options.signal);
        continue;
      }
      if (!retryable || attempt >= attempts) {
        if (error instanceof TransientError) {
          throw new SandboxError(`Cannot ${options.what}: ${error.message}`, { cause: error });
        }
        throw error;
      }
      const delay = 200 * 2 ** (attempt - 1) * (0.5 + Math.random());
      options.log.warn(`${options.what}: ${error.message}; retrying in ${Math.round(delay)} ms`);
      await sleep(delay);
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/** What every API call of a provider shares: where it logs and how long it may take. */
export interface ApiSettings {
  log: Logger;
  /** Seconds an API call may take, retries and rate-limit waits included. */
  timeoutSeconds: number;
}

/** Runs an API call, retrying transient failures when it is safe, and explains failures. */
export function callApi<T>(
  settings: ApiSettings,
  what: string,
  idempotent: boolean,
  fn: () => Promise<T>,
  wait: WaitOptions = {},
): Promise<T> {
  return withRetries(fn, {
    idempotent,
    what,
    log: settings.log,
    deadline: Date.now() + settings.timeoutSeconds * 1000,
    onWait: wait.onWait,
    signal: wait.signal,
  });
}
