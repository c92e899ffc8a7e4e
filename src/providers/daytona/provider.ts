// The Daytona provider: makes sandboxes in Daytona's cloud through the SDK, finds them again,
// and lists and deletes only the ones it made, by their labels.

import { Daytona, type Sandbox as SdkSandbox } from "npm:@daytonaio/sdk@0.218.0";
import { createLogger, type Logger } from "../../log.ts";
import {
  type CreateSandboxOptions,
  type FindSandboxOptions,
  SandboxError,
  type SandboxProvider,
  type SandboxSummary,
  type SignalOptions,
  type WorkspaceSummary,
} from "../../sandbox.ts";
import { checkWorkspaceName, WORKSPACE_NAME } from "../../workspace.ts";
import { isNotFound, StoppedError } from "./_errors.ts";
import { destroySandbox, sandboxState, stopSandbox, wakeSandbox } from "./_lifecycle.ts";
import { REPLY_GRACE_MS } from "../agent/process.ts";
import { installAgent } from "./_remote_agent.ts";
import { callApi, type WaitOptions } from "./_retry.ts";
import { Toolbox } from "./_toolbox.ts";
import { DaytonaSandbox } from "./sandbox.ts";

/**
 * Options for {@linkcode DaytonaProvider}.
 *
 * @example Sandboxes in Daytona's EU region
 * ```ts ignore
 * import { match } from "node:assert/strict";
 * import { DaytonaProvider } from "./mod.ts";
 * await using provider = new DaytonaProvider({
 *   apiKey: Deno.env.get("DAYTONA_API_KEY")!,
 *   target: "eu",
 *   autoStopMinutes: 60,
 * });
 * await using sandbox = await provider.create({ image: "python:3.12-slim" });
 * match((await sandbox.exec("python3 --version")).stdout, /^Python 3\.12\./);
 * ```
 */
export interface DaytonaProviderOptions {
  /** The API key (MCP_DAYTONA_API_KEY or DAYTONA_API_KEY). */
  apiKey: string;
  /** The API's base URL. @default "https://app.daytona.io/api" */
  apiUrl?: string;
  /** The region sandboxes are created in, e.g. "us" or "eu". @default the account's default */
  target?: string;
  /** Seconds an API request may take (commands get their own timeout on top). @default 180 */
  timeoutSeconds?: number;
  /** Minutes of inactivity before a sandbox stops, so a crashed server leaves nothing running. @default 15 */
  autoStopMinutes?: number;
  /** Minutes after stopping before a sandbox is deleted. @default 60 */
  autoDeleteMinutes?: number;
  /** Where diagnostics go. @default a logger writing warnings to stderr */
  log?: Logger;
  /**
   * Seconds one toolbox request waits for a call. A call still running then goes on detached in
   * the sandbox and is followed with further requests of this length, so no request lasts long
   * enough for a proxy to cut it, and progress comes back in between. @default 45
   */
  pollSeconds?: number;
  /**
   * Milliseconds a call still waits for the sandbox's agent past the call's own timeout, and after
   * the call is cancelled, before the server gives up on it. @default 15000
   */
  replyGraceMs?: number;
  /**
   * Seconds between refreshes of the sandbox's activity while a call runs, so Daytona never stops
   * a busy sandbox for idleness. @default 120
   */
  activitySeconds?: number;
  /**
   * Share sandboxes with the other servers of this deployment (replicas behind one balancer):
   * sandboxes carry {@linkcode DEPLOYMENT_LABEL} with this id and {@linkcode TENANT_LABEL} with
   * their tenant instead of an instance label, any server of the deployment finds them
   * ({@linkcode DaytonaProvider.find}), and closing the provider deletes none of them: only
   * closing a sandbox (`sandbox_delete`, a 2025-era session's end) or Daytona's auto-stop and
   * auto-delete do. Letters, digits, '.', '_', '-'; at most 63 characters.
   * @default none: sandboxes belong to this provider instance, and close with it
   */
  deployment?: string;
}

/** What a deployment id may be: it is a label value. */
export const DEPLOYMENT_NAME: RegExp = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * The label every sandbox this software creates carries.
 *
 * @example The label a provider puts on its sandboxes
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { CREATOR, CREATOR_LABEL } from "./mod.ts";
 * const labels: Record<string, string> = { [CREATOR_LABEL]: CREATOR };
 * deepEqual(labels, { "created-by": "daytona-mcp-interpreter" });
 * ```
 */
export const CREATOR_LABEL = "created-by";
/**
 * Its value.
 *
 * @example List the sandboxes of every server, left-behind ones included, with the Daytona SDK
 * ```ts ignore
 * import { ok } from "node:assert/strict";
 * import { Daytona } from "npm:@daytonaio/sdk@0.218.0";
 * import { CREATOR, CREATOR_LABEL } from "./mod.ts";
 * await using daytona = new Daytona({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * const ours = await Array.fromAsync(daytona.list({ labels: { [CREATOR_LABEL]: CREATOR } }));
 * ok(ours.every((sandbox) => sandbox.labels[CREATOR_LABEL] === CREATOR));
 * ```
 */
export const CREATOR = "daytona-mcp-interpreter";
/**
 * The label that ties a sandbox to the provider instance (the server process) that made it.
 *
 * @example A provider's labels name its instance
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { DaytonaProvider, INSTANCE_LABEL } from "./mod.ts";
 * const provider = new DaytonaProvider({ apiKey: "dtn_example" }); // makes no request yet
 * equal(provider.labels[INSTANCE_LABEL], provider.instance);
 * ```
 */
export const INSTANCE_LABEL = "mcp-instance";
/**
 * The label that makes a sandbox a persistent workspace, with the workspace's name as its value.
 * Such a sandbox carries {@linkcode CREATOR_LABEL} but no {@linkcode INSTANCE_LABEL}: it belongs
 * to no server, and any server with the account's key attaches it by name.
 *
 * @example Find a workspace's sandbox with the Daytona SDK
 * ```ts ignore
 * import { Daytona } from "npm:@daytonaio/sdk@0.218.0";
 * import { CREATOR, CREATOR_LABEL, WORKSPACE_LABEL } from "./mod.ts";
 * await using daytona = new Daytona({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * const labels = { [CREATOR_LABEL]: CREATOR, [WORKSPACE_LABEL]: "thesis" };
 * for await (const sandbox of daytona.list({ labels })) console.log(sandbox.id, sandbox.state);
 * ```
 */
export const WORKSPACE_LABEL = "mcp-workspace";
/**
 * The label that ties a sandbox to a deployment of several servers (see
 * {@linkcode DaytonaProviderOptions.deployment}), with the deployment's id as its value; such a
 * sandbox has no {@linkcode INSTANCE_LABEL}.
 *
 * @example A deployment's labels
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { CREATOR, CREATOR_LABEL, DaytonaProvider, DEPLOYMENT_LABEL } from "./mod.ts";
 * const provider = new DaytonaProvider({ apiKey: "dtn_example", deployment: "prod" });
 * deepEqual(provider.labels, { [CREATOR_LABEL]: CREATOR, [DEPLOYMENT_LABEL]: "prod" });
 * ```
 */
export const DEPLOYMENT_LABEL = "mcp-deployment";
/**
 * The label naming the tenant a deployment's sandbox belongs to (for a 2026-07-28 client over
 * HTTP, a digest of its bearer token): {@linkcode DaytonaProvider.find} finds a sandbox only for
 * its tenant.
 *
 * @example Find one tenant's sandboxes with the Daytona SDK
 * ```ts ignore
 * import { Daytona } from "npm:@daytonaio/sdk@0.218.0";
 * import { CREATOR, CREATOR_LABEL, DEPLOYMENT_LABEL, TENANT_LABEL } from "./mod.ts";
 * await using daytona = new Daytona({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * const labels = { [CREATOR_LABEL]: CREATOR, [DEPLOYMENT_LABEL]: "prod", [TENANT_LABEL]: "t" };
 * for await (const sandbox of daytona.list({ labels })) console.log(sandbox.id, sandbox.state);
 * ```
 */
export const TENANT_LABEL = "mcp-tenant";

/**
 * Makes Daytona sandboxes, and lists and deletes only the ones it made (by their labels).
 *
 * @example Run a command in a Daytona sandbox
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { DaytonaProvider } from "./mod.ts";
 * await using provider = new DaytonaProvider({ apiKey: Deno.env.get("DAYTONA_API_KEY")! });
 * await using sandbox = await provider.create();
 * const { stdout, exitCode } = await sandbox.exec("uname -s");
 * equal(exitCode, 0);
 * equal(stdout, "Linux\n");
 * ```
 */
export class DaytonaProvider implements SandboxProvider {
  /** Always `"daytona"`. */
  readonly name = "daytona";
  /** The value of this instance's {@linkcode INSTANCE_LABEL}. */
  readonly instance: string = crypto.randomUUID();
  /** The deployment whose servers share its sandboxes ({@linkcode DaytonaProviderOptions.deployment}). */
  readonly deployment?: string;
  #client: Daytona;
  #options: Required<Omit<DaytonaProviderOptions, "target" | "deployment">> & {
    target?: string;
  };
  /** The labels of one create request, so a create that fails half-way can be cleaned up. */
  static readonly #CREATE_LABEL = "mcp-create";
  #sandboxes = new Map<string, DaytonaSandbox>();
  /** Sandboxes being found ({@linkcode DaytonaProvider.find}), so concurrent finds attach once. */
  #finding = new Map<string, Promise<DaytonaSandbox | undefined>>();
  /** The tenant label of each sandbox held, for {@linkcode DaytonaProvider.find}. */
  #tenants = new Map<string, string | undefined>();

  /** Creates a provider; no request is made until a sandbox is needed. */
  constructor(options: DaytonaProviderOptions) {
    if (!options.apiKey) {
      throw new TypeError(
        "Cannot use Daytona: no API key; set MCP_DAYTONA_API_KEY (or DAYTONA_API_KEY)",
      );
    }
    if (options.deployment !== undefined) {
      if (!DEPLOYMENT_NAME.test(options.deployment)) {
        throw new TypeError(
          `Cannot use Daytona: the deployment must be letters, digits, '.', '_' or '-' (at most 63), got '${options.deployment}'`,
        );
      }
      this.deployment = options.deployment;
    }
    this.#options = {
      apiKey: options.apiKey,
      apiUrl: (options.apiUrl ?? "https://app.daytona.io/api").replace(/\/+$/, ""),
      target: options.target,
      timeoutSeconds: options.timeoutSeconds ?? 180,
      autoStopMinutes: options.autoStopMinutes ?? 15,
      autoDeleteMinutes: options.autoDeleteMinutes ?? 60,
      log: options.log ?? createLogger("warn"),
      pollSeconds: options.pollSeconds ?? 45,
      replyGraceMs: options.replyGraceMs ?? REPLY_GRACE_MS,
      activitySeconds: options.activitySeconds ?? 120,
    };
    if (!(Number.isInteger(this.#options.pollSeconds) && this.#options.pollSeconds >= 1)) {
      throw new RangeError(
        `Cannot use Daytona: pollSeconds must be a positive integer, got ${this.#options.pollSeconds}`,
      );
    }
    this.#client = new Daytona({
      apiKey: this.#options.apiKey,
      apiUrl: this.#options.apiUrl,
      target: this.#options.target,
      requestTimeoutMs: this.#options.timeoutSeconds * 1000,
      // Polling instead of a Socket.IO connection: nothing lingers when the server exits.
      useDeprecatedPolling: true,
    });
  }

  /** The labels that mark sandboxes of this instance. */
  get labels(): Record<string, string> {
    return this.deployment === undefined
      ? { [CREATOR_LABEL]: CREATOR, [INSTANCE_LABEL]: this.instance }
      : { [CREATOR_LABEL]: CREATOR, [DEPLOYMENT_LABEL]: this.deployment };
  }

  /** Checks the API key and that the API answers, by listing this instance's sandboxes. */
  async check(options: SignalOptions = {}): Promise<void> {
    await this.list(options);
  }

  /**
   * Creates a sandbox (from an image or snapshot if given) and installs the agent in it. With
   * `workspace`, the sandbox labelled as that persistent workspace is found and started again
   * if it exists (the other options are then ignored), and made otherwise, without auto-delete;
   * closing it stops it.
   */
  async create(options: CreateSandboxOptions = {}): Promise<DaytonaSandbox> {
    if (options.workspace !== undefined) {
      const name = checkWorkspaceName(options.workspace);
      const held = [...this.#sandboxes.values()].find((s) => !s.closed && s.workspace === name);
      if (held) {
        throw new SandboxError(
          `Cannot attach workspace ${name}: it is already attached in this server, as sandbox ${held.id}`,
          { sandboxId: held.id },
        );
      }
      const [found] = await this.#findWorkspaces(options, name);
      if (found) return await this.#reattach(found.id, name, options);
    }
    const { log, timeoutSeconds } = this.#options;
    const allow = options.networkAllowList;
    const notCidr = allow?.find((entry) => !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(entry));
    if (notCidr !== undefined) {
      throw new TypeError(
        `Cannot create a Daytona sandbox with network_allow_list entry '${notCidr}': Daytona takes IPv4 CIDR blocks (e.g. 203.0.113.0/24); domain names are for the local provider`,
      );
    }
    const attempt = crypto.randomUUID();
    // A workspace belongs to no server instance, and is never deleted for idleness.
    const owner = options.workspace !== undefined
      ? { [CREATOR_LABEL]: CREATOR, [WORKSPACE_LABEL]: options.workspace }
      : this.deployment !== undefined && options.tenant !== undefined
      ? { ...this.labels, [TENANT_LABEL]: options.tenant }
      : this.labels;
    const params = {
      language: "python",
      labels: { ...options.labels, ...owner, [DaytonaProvider.#CREATE_LABEL]: attempt },
      envVars: options.env,
      networkBlockAll: options.networkBlockAll,
      ...(allow ? { networkAllowList: allow.join(",") } : {}),
      autoStopInterval: options.autoStopMinutes ?? this.#options.autoStopMinutes,
      autoDeleteInterval: options.workspace === undefined ? this.#options.autoDeleteMinutes : -1,
    };
    const resources = options.cpu || options.memory || options.disk
      ? { cpu: options.cpu, memory: options.memory, disk: options.disk }
      : undefined;
    if (resources && !options.image) {
      throw new TypeError(
        "Cannot create a Daytona sandbox with cpu, memory or disk but no image: Daytona sets resources only for sandboxes built from an image",
      );
    }
    let sdkSandbox: SdkSandbox;
    try {
      sdkSandbox = await this.#call(
        "create a sandbox",
        false,
        () =>
          options.image
            ? this.#client.create({ ...params, image: options.image, resources }, {
              timeout: timeoutSeconds,
            })
            : this.#client.create({ ...params, snapshot: options.snapshot }, {
              timeout: timeoutSeconds,
            }),
        options,
      );
    } catch (error) {
      // A build that failed (build_failed, error) or timed out leaves its sandbox behind: delete it.
      const left = await this.#findCreated(owner, attempt);
      if (left.length === 0) throw error;
      const reason = left.map((sandbox) =>
        `${sandbox.state}${sandbox.errorReason ? `: ${sandbox.errorReason}` : ""}`
      ).join("; ");
      await Promise.all(left.map((sandbox) => this.#destroy(sandbox).catch(() => {})));
      throw new SandboxError(
        `Cannot create the Daytona sandbox: it ended in ${reason} (${
          (error as Error).message
        }); the failed sandbox was deleted`,
        { cause: error },
      );
    }
    log.info(`daytona sandbox ${sdkSandbox.id} created`);
    try {
      return await this.#attach(sdkSandbox, true, options.workspace);
    } catch (error) {
      await this.#call("delete a sandbox", true, () => this.#client.delete(sdkSandbox))
        .catch(() => {});
      throw error;
    }
  }

  /** Sandboxes (with their state) of one create request, found by its label. */
  async #findCreated(owner: Record<string, string>, attempt: string): Promise<SdkSandbox[]> {
    const found: SdkSandbox[] = [];
    try {
      const labels = { ...owner, [DaytonaProvider.#CREATE_LABEL]: attempt };
      for await (const item of this.#client.list({ labels })) {
        if (item.labels?.[DaytonaProvider.#CREATE_LABEL] !== attempt) continue;
        if (item.labels?.[CREATOR_LABEL] === CREATOR) found.push(await this.#client.get(item.id));
      }
    } catch { /* nothing to clean up that we can see */ }
    return found;
  }

  /** A sandbox this instance created, by id. */
  async get(id: string, options: SignalOptions = {}): Promise<DaytonaSandbox> {
    const known = this.#sandboxes.get(id);
    if (known && !known.closed) return known;
    options.signal?.throwIfAborted();
    const sdkSandbox = await this.#call("find the sandbox", true, () => this.#client.get(id))
      .catch((error) => {
        throw new SandboxError(`Cannot find sandbox ${id}: ${(error as Error).message}`);
      });
    if (!this.#isOurs(sdkSandbox.labels)) {
      throw new SandboxError(
        `Cannot use sandbox ${id}: this server did not create it, and never touches sandboxes it did not create`,
      );
    }
    return await this.#attach(sdkSandbox, false);
  }

  /**
   * A sandbox of this deployment made for `options.tenant`, by id, whichever server of the
   * deployment made it; undefined for any other id (missing, deleted, another tenant's, another
   * deployment's or another server's), so that no answer tells them apart. A sandbox found the
   * first time is attached: the agent's files are written again (one request), and the agent
   * already running there, with its Python state, goes on serving. Throws a TypeError without
   * a deployment.
   */
  find(id: string, options: FindSandboxOptions): Promise<DaytonaSandbox | undefined> {
    if (this.deployment === undefined) {
      throw new TypeError(
        "Cannot find another server's sandbox: this provider belongs to no deployment (DaytonaProviderOptions.deployment)",
      );
    }
    const known = this.#sandboxes.get(id);
    if (known && !known.closed) {
      return Promise.resolve(this.#tenants.get(id) === options.tenant ? known : undefined);
    }
    const key = `${options.tenant}/${id}`;
    let finding = this.#finding.get(key);
    if (!finding) {
      finding = this.#findRemote(id, options).finally(() => this.#finding.delete(key));
      this.#finding.set(key, finding);
    }
    return finding;
  }

  async #findRemote(id: string, options: FindSandboxOptions): Promise<DaytonaSandbox | undefined> {
    options.signal?.throwIfAborted();
    const sdk = await this.#call("find the sandbox", true, () => this.#client.get(id), options)
      .catch((error) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
    // `get` takes names too: only the id is a handle.
    if (!sdk || sdk.id !== id || !this.#isOurs(sdk.labels)) return undefined;
    if (sdk.labels[TENANT_LABEL] !== options.tenant) return undefined;
    const state = String(sdk.state);
    if (["destroyed", "destroying", "error", "build_failed"].includes(state)) return undefined;
    if (state === "started") return await this.#attach(sdk, false);
    await wakeSandbox(sdk, this.#options, options);
    const sandbox = await this.#attach(sdk, false);
    sandbox.noteStartedAgain();
    return sandbox;
  }

  /** The sandboxes this instance created that still exist, and the workspaces it attached. */
  async list(options: SignalOptions = {}): Promise<SandboxSummary[]> {
    options.signal?.throwIfAborted();
    const attached = [...this.#sandboxes.values()].filter((s) => !s.closed && s.workspace);
    const [own, ...workspaces] = await Promise.all([
      this.#call("list sandboxes", true, async () => {
        const found: SandboxSummary[] = [];
        for await (const sandbox of this.#client.list({ labels: this.labels })) {
          // The API filters by label; check again so nothing foreign can slip through.
          if (!this.#isOurs(sandbox.labels)) continue;
          const tenant = this.deployment === undefined ? undefined : sandbox.labels[TENANT_LABEL];
          found.push({
            id: sandbox.id,
            state: String(sandbox.state ?? "unknown"),
            labels: sandbox.labels,
            createdAt: sandbox.createdAt,
            ...(tenant === undefined ? {} : { tenant }),
          });
        }
        return found;
      }),
      ...attached.map((sandbox) => this.#findWorkspaces(options, sandbox.workspace)),
    ]);
    const ids = new Set(attached.map((sandbox) => sandbox.id));
    return [
      ...own,
      ...workspaces.flat().filter((summary) => ids.has(summary.id)).map((summary) => ({
        id: summary.id,
        state: summary.state,
        labels: summary.labels,
        createdAt: summary.createdAt,
        workspace: summary.workspace,
      })),
    ];
  }

  /**
   * Every persistent workspace of the account made by this software, by its label: `"attached"`
   * when open in this provider, else the sandbox's state (`"stopped"`, `"started"`, …).
   */
  async workspaces(options: SignalOptions = {}): Promise<WorkspaceSummary[]> {
    const found = await this.#findWorkspaces(options);
    return found.map((summary) => {
      const open = this.#sandboxes.get(summary.id);
      return {
        name: summary.workspace,
        id: summary.id,
        state: open && !open.closed ? "attached" : summary.state,
        ...(summary.createdAt ? { createdAt: summary.createdAt } : {}),
      };
    }).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Deletes a persistent workspace's sandbox with its files (stopping it first if it is attached
   * here). Throws a SandboxError when there is no workspace of that name.
   */
  async deleteWorkspace(name: string, options: SignalOptions = {}): Promise<void> {
    checkWorkspaceName(name);
    const found = await this.#findWorkspaces(options, name);
    if (found.length === 0) {
      throw new SandboxError(`Cannot delete workspace ${name}: there is no workspace of that name`);
    }
    for (const summary of found) {
      await this.#sandboxes.get(summary.id)?.close();
      const sdk = await this.#call("find the workspace", true, () => this.#client.get(summary.id));
      await this.#destroy(sdk);
      this.#options.log.info(`daytona workspace ${name} (sandbox ${summary.id}) deleted`);
    }
  }

  /** The workspaces' sandboxes (all, or those named `name`), oldest first. */
  async #findWorkspaces(
    wait: WaitOptions,
    name?: string,
  ): Promise<(SandboxSummary & { workspace: string })[]> {
    wait.signal?.throwIfAborted();
    const labels = { [CREATOR_LABEL]: CREATOR, ...(name ? { [WORKSPACE_LABEL]: name } : {}) };
    const found = await this.#call("list workspaces", true, async () => {
      const found: (SandboxSummary & { workspace: string })[] = [];
      for await (const sandbox of this.#client.list({ labels })) {
        const workspace = sandbox.labels?.[WORKSPACE_LABEL];
        if (sandbox.labels?.[CREATOR_LABEL] !== CREATOR || !workspace) continue;
        if (!WORKSPACE_NAME.test(workspace) || (name && workspace !== name)) continue;
        if (["destroyed", "destroying"].includes(String(sandbox.state))) continue;
        found.push({
          id: sandbox.id,
          state: String(sandbox.state ?? "unknown"),
          labels: sandbox.labels,
          createdAt: sandbox.createdAt,
          workspace,
        });
      }
      return found;
    }, wait);
    return found.sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""));
  }

  /** Attaches a workspace's existing sandbox: started again if Daytona stopped or archived it. */
  async #reattach(id: string, name: string, options: SignalOptions): Promise<DaytonaSandbox> {
    const sdk = await this.#call("find the workspace", true, () => this.#client.get(id), options);
    const state = String(sdk.state);
    if (state !== "started") {
      this.#options.log.info(`daytona workspace ${name} (sandbox ${id}) is ${state}; starting it`);
      await wakeSandbox(sdk, this.#options, options);
    }
    return await this.#attach(sdk, false, name);
  }

  /** Deletes a sandbox this instance created. */
  async delete(id: string, options: SignalOptions = {}): Promise<void> {
    const sandbox = await this.get(id, options);
    await sandbox.close();
  }

  /**
   * Deletes every sandbox this instance created, then releases the SDK. Besides the sandboxes it
   * holds, it deletes any others carrying its instance label: an HTTP client may resend a create
   * request whose connection dropped, leaving a duplicate behind.
   */
  async close(): Promise<void> {
    try {
      // The deployment's sandboxes outlive this server: another one may serve their next call.
      if (this.deployment !== undefined) return;
      await Promise.all([...this.#sandboxes.values()].map((sandbox) => sandbox.close()));
      const leftovers = await this.list().catch(() => []);
      await Promise.all(
        leftovers.map((summary) =>
          this.#call("find a leftover sandbox", true, () => this.#client.get(summary.id))
            .then((sandbox) => this.#destroy(sandbox))
            .catch((error) => this.#options.log.warn(`${summary.id}: ${error.message}`))
        ),
      );
    } finally {
      await this.#client[Symbol.asyncDispose]();
    }
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Deletes a sandbox, waiting out a pending state change; one already gone is deleted enough. */
  #destroy(sdkSandbox: SdkSandbox): Promise<void> {
    return destroySandbox(this.#client, sdkSandbox, this.#options);
  }

  #isOurs(labels: Record<string, string> | undefined): boolean {
    return Object.entries(this.labels).every(([name, value]) => labels?.[name] === value);
  }

  async #attach(
    sdkSandbox: SdkSandbox,
    fresh: boolean,
    workspace?: string,
  ): Promise<DaytonaSandbox> {
    const toolbox = new Toolbox(
      `${sdkSandbox.toolboxProxyUrl.replace(/\/+$/, "")}/${sdkSandbox.id}`,
      this.#options.apiKey,
      this.#options.timeoutSeconds,
      this.#options.log,
    );
    const wake = (wait: WaitOptions = {}) => wakeSandbox(sdkSandbox, this.#options, wait);
    const installed = await installAgent(toolbox).catch(async (error) => {
      // A sandbox found again (get) may have stopped meanwhile.
      if (!(error instanceof StoppedError)) throw error;
      await wake();
      return await installAgent(toolbox);
    });
    const sandbox = new DaytonaSandbox({
      sdkSandbox,
      home: installed.home,
      python: installed.python,
      toolbox,
      log: this.#options.log,
      remove: () =>
        workspace === undefined
          ? this.#destroy(sdkSandbox)
          : stopSandbox(this.#client, sdkSandbox, this.#options),
      forget: () => {
        this.#sandboxes.delete(sdkSandbox.id);
        this.#tenants.delete(sdkSandbox.id);
      },
      workspace,
      fresh,
      wake,
      state: (wait) => sandboxState(this.#client, sdkSandbox.id, this.#options, wait),
      autoStopMinutes: this.#options.autoStopMinutes,
      pollSeconds: this.#options.pollSeconds,
      replyGraceMs: this.#options.replyGraceMs,
      activitySeconds: this.#options.activitySeconds,
    });
    this.#sandboxes.set(sandbox.id, sandbox);
    this.#tenants.set(sandbox.id, sdkSandbox.labels?.[TENANT_LABEL]);
    return sandbox;
  }

  /** Runs an API call, retrying transient failures when it is safe, and explains failures. */
  #call<T>(
    what: string,
    idempotent: boolean,
    fn: () => Promise<T>,
    wait: WaitOptions = {},
  ): Promise<T> {
    return callApi(this.#options, what, idempotent, fn, wait);
  }
}
