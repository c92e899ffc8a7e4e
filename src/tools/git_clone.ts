/**
 * `git_clone`: clone a git repository into the sandbox.
 *
 * @module
 */

import { posix } from "node:path";
import { z } from "npm:zod@4.6.7";
import { type ExecResult, type Sandbox, SandboxFileError } from "../sandbox.ts";
import { credentialsFor, type GitCredentials } from "../_git_credentials.ts";
import { noNul, type ToolOptions } from "./_common.ts";
import { defineTool, presentJson, type ToolDefinition } from "./_define.ts";

/**
 * Arguments of {@linkcode gitClone}, as the MCP tool takes them.
 *
 * @example Clone a branch with its full history
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { gitClone, type GitCloneInput, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const repo_url = "https://github.com/denoland/std.git";
 * const input: GitCloneInput = { repo_url, target_path: "vendor/std", branch: "main", depth: 0 };
 * const { path } = await gitClone(sandbox, input);
 * equal(path, "/home/sandbox/vendor/std");
 * ```
 */
export interface GitCloneInput {
  /** The repository: https://, http://, ssh://, git:// or file:// URL, or `user@host:path`. */
  repo_url: string;
  /** Where to clone, relative to the home directory; by default the repository's name. */
  target_path?: string;
  /** Branch or tag to check out. */
  branch?: string;
  /** Commits of history to fetch; 0 fetches all. @default 1 */
  depth?: number;
  /** Fetch Git LFS objects after cloning. @default false */
  lfs?: boolean;
  /** A commit to check out (full or abbreviated hash). */
  commit?: string;
}

/**
 * What {@linkcode gitClone} returns.
 *
 * @example See what was cloned
 * ```ts ignore
 * import { deepEqual, ok } from "node:assert/strict";
 * import { gitClone, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const repo = await gitClone(sandbox, { repo_url: "https://github.com/denoland/std.git" });
 * deepEqual([repo.branch, repo.depth, repo.lfs], ["main", 1, "not_requested"]);
 * ok(repo.files.includes("deno.json") && repo.file_count >= repo.files.length);
 * ```
 */
export interface GitCloneOutput {
  /** Absolute path of the clone. */
  path: string;
  /** The repository URL, without any credentials it contained. */
  url: string;
  /** The checked-out commit, full hash. */
  commit: string;
  /** The checked-out branch, or null when HEAD is detached (a tag or a commit). */
  branch: string | null;
  /** The history depth fetched; 0 means all. */
  depth: number;
  /** Number of tracked files. */
  file_count: number;
  /** The first tracked files, in git's order. */
  files: string[];
  /** "not_requested", "pulled", or "missing" (git-lfs is not installed in the sandbox). */
  lfs: "not_requested" | "pulled" | "missing";
  /** Remarks, e.g. how LFS went. */
  notes: string[];
}

/**
 * Options for {@linkcode gitClone}.
 *
 * @example Clone a private repository with a token
 * ```ts ignore
 * import { gitClone, type GitCloneOptions, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const githubToken = Deno.env.get("GITHUB_TOKEN"); // reaches git, never the results
 * const options: GitCloneOptions = { githubToken, defaultTimeout: 600 };
 * await gitClone(sandbox, { repo_url: "https://github.com/acme/private-repo.git" }, options);
 * ```
 */
export interface GitCloneOptions extends ToolOptions {
  /** Seconds each git step may take. @default 300 */
  defaultTimeout?: number;
  /**
   * Token for https:// repositories on the hosts of `gitTokenHosts` (the server's GIT_TOKEN). It
   * goes to git where no sandbox process can see it, never into the sandbox, never into results.
   */
  gitToken?: string;
  /** Token for https://github.com only (the server's GITHUB_TOKEN); wins there. */
  githubToken?: string;
  /**
   * Hosts (`host` or `host:port`) `gitToken` is sent to, over https only.
   * @default none: `gitToken` is sent nowhere
   */
  gitTokenHosts?: readonly string[];
}

const FILES_SHOWN = 50;

/**
 * Clones `input.repo_url` into the sandbox with git, as an argv (never through a shell). Returns
 * the path, the checked-out commit and branch, and the tracked files. `depth` defaults to 1 (0 for
 * full history); `commit` checks out a specific commit; `lfs` pulls Git LFS objects.
 *
 * @example Clone a repository
 * ```ts ignore
 * import { equal, match } from "node:assert/strict";
 * import { gitClone, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const repo = await gitClone(sandbox, { repo_url: "https://github.com/denoland/std.git" });
 * equal(repo.path, "/home/sandbox/std"); // named after the repository
 * match(repo.commit, /^[0-9a-f]{40}$/);
 * ```
 */
export async function gitClone(
  sandbox: Sandbox,
  input: GitCloneInput,
  options: GitCloneOptions = {},
): Promise<GitCloneOutput> {
  const url = input.repo_url.trim();
  const target = posix.resolve(sandbox.info.home, input.target_path ?? defaultTarget(url));
  const depth = input.depth ?? 1;
  const secrets = [options.gitToken, options.githubToken].filter((s): s is string => !!s);
  const git = gitRunner(sandbox, url, secrets, options);
  const credentials = credentialsFor(url, options);

  const existing = await sandbox.stat(target, { signal: options.signal })
    .catch((error) => {
      if (error instanceof SandboxFileError && error.code === "not_found") return undefined;
      throw error;
    });
  const occupied = existing?.type === "directory"
    ? (await sandbox.listFiles(target, { limit: 1, signal: options.signal })).entries.length > 0
    : existing !== undefined;
  if (occupied) {
    throw new TypeError(
      `Cannot clone into ${target}: it already exists and is not empty; pass another target_path`,
    );
  }
  const depthArgs = depth > 0 ? [`--depth=${depth}`] : [];
  const notes: string[] = [];
  let lfs: GitCloneOutput["lfs"] = "not_requested";
  let lfsDone = false;
  // A commit may lie deeper than the requested history: fetch all of it then.
  const cloneDepth = depth > 0 && input.commit === undefined ? depth : undefined;
  const failed = (error: Error): never => {
    throw new Error(`Cannot clone ${withoutCredentials(url)}: ${git.redact(error.message)}`);
  };
  if (credentials && sandbox.gitCloneWithCredentials) {
    // The token goes to git outside the sandbox, for the URL git will really contact.
    ({ lfs } = await sandbox.gitCloneWithCredentials({
      url: new URL(url).href,
      path: target,
      branch: input.branch,
      commit: input.commit,
      depth: cloneDepth,
      username: credentials.username,
      password: credentials.password,
      lfs: input.lfs,
      timeoutMs: (options.defaultTimeout ?? 300) * 1000,
      onProgress: options.onProgress && ((line) => options.onProgress!(git.redact(line))),
      signal: options.signal,
    }).catch(failed));
    lfsDone = true;
  } else if (sandbox.gitClone) {
    await sandbox.gitClone({
      url: credentials ? new URL(url).href : url,
      path: target,
      branch: input.branch,
      commit: input.commit,
      depth: cloneDepth,
      username: credentials?.username,
      password: credentials?.password,
      signal: options.signal,
    }).catch(failed);
  } else {
    if (credentials) notes.push(tokenUnused(credentials));
    if (input.commit === undefined) {
      await git.run("clone", [
        "clone",
        "--progress",
        ...depthArgs,
        ...(input.branch ? ["--branch", input.branch] : []),
        "--",
        url,
        target,
      ]);
    } else {
      await cloneCommit(sandbox, git, target, input.commit, input.branch, depthArgs, existing);
    }
  }

  if (input.lfs && !lfsDone) {
    const version = await git.exec(["git", "lfs", "version"]);
    if (version.exitCode !== 0) {
      lfs = "missing";
    } else {
      await git.run("lfs pull", ["-C", target, "lfs", "install", "--local"]);
      // Without credentials, always: a token never enters the sandbox, so LFS objects that
      // need one cannot be fetched here.
      const pulled = await git.exec([
        "git",
        "-c",
        "protocol.ext.allow=never",
        "-C",
        target,
        "lfs",
        "pull",
      ]);
      if (pulled.timedOut || pulled.exitCode !== 0) {
        const why = pulled.timedOut
          ? `timed out after ${options.defaultTimeout ?? 300} s`
          : `failed: ${pulled.stderr.trim().slice(-2000)}`;
        throw new Error(
          `Cannot fetch the LFS objects of ${withoutCredentials(url)}: git lfs pull ${why}${
            credentials && sandbox.gitClone
              ? ". It ran in the sandbox without the token, which never enters the sandbox, and this provider's git service does not fetch LFS objects"
              : ""
          }. The repository itself was cloned to ${target}`,
        );
      }
      lfs = "pulled";
      if (credentials && sandbox.gitClone) {
        notes.push(
          "LFS objects were fetched without the token: it never enters the sandbox, where git lfs pull runs on this provider, so only LFS objects readable without credentials can be fetched.",
        );
      }
    }
  }
  if (lfs === "missing") {
    notes.push(
      "LFS files were not fetched: git-lfs is not installed in the sandbox (Debian/Ubuntu package git-lfs); files tracked by LFS are pointer files.",
    );
  } else if (lfs === "pulled") {
    notes.push("LFS objects were pulled.");
  }

  const commit = (await git.run("rev-parse", ["-C", target, "rev-parse", "HEAD"])).stdout.trim();
  const branch = await git.exec(["git", "-C", target, "symbolic-ref", "-q", "--short", "HEAD"]);
  // The target travels as "$1", never spliced into the script.
  const listed = await git.exec([
    "sh",
    "-c",
    `git -C "$1" ls-files | wc -l; git -C "$1" ls-files | head -n ${FILES_SHOWN}`,
    "sh",
    target,
  ]);
  const [count, ...files] = listed.stdout.split("\n").filter(Boolean);
  return {
    path: target,
    url: withoutCredentials(url),
    commit,
    branch: branch.exitCode === 0 ? branch.stdout.trim() : null,
    depth,
    file_count: Number(count),
    files,
    lfs,
    notes,
  };
}

/** A clone at one commit: fetch just that commit if the server allows it, else fetch and check out. */
async function cloneCommit(
  sandbox: Sandbox,
  git: GitRunner,
  target: string,
  commit: string,
  branch: string | undefined,
  depthArgs: string[],
  existing: unknown,
): Promise<void> {
  try {
    await git.run("init", ["init", "-q", target]);
    await git.run("remote add", ["-C", target, "remote", "add", "origin", git.url]);
    const direct = await git.exec(["git", "-C", target, "fetch", ...depthArgs, "origin", commit]);
    if (direct.exitCode !== 0) {
      await git.run("fetch", [
        "-C",
        target,
        "fetch",
        "--progress",
        "origin",
        ...(branch
          ? [branch]
          : ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]),
      ]);
    }
    await git.run("checkout", ["-C", target, "checkout", "-q", "--detach", commit]);
  } catch (error) {
    // Remove what this call created, and only that: an empty directory given as target stays.
    const created = existing ? `${target}/.git` : target;
    await sandbox.exec(["rm", "-rf", "--", created]).catch(() => {});
    throw error;
  }
}

interface GitRunner {
  url: string;
  /** Removes tokens and URL credentials from text. */
  redact(text: string): string;
  /** Runs git with these arguments; throws with git's message on failure. */
  run(step: string, args: string[]): Promise<ExecResult>;
  /** Runs a command with git's environment; failure is the caller's to judge. */
  exec(argv: string[]): Promise<ExecResult>;
}

/**
 * `text` with the user information of each URL in it (`scheme://user:password@`) replaced by `***`.
 * In one pass: a regular expression for this took time growing with the square of a run of word
 * characters, and git's output is the sandbox's to write (100 KB held the server 21 s).
 */
export function hideUserinfo(text: string): string {
  let out = "";
  let from = 0;
  for (let at = text.indexOf("://"); at !== -1; at = text.indexOf("://", at + 3)) {
    if (at === 0 || !/\w/.test(text[at - 1])) continue;
    let end = at + 3;
    while (end < text.length && text[end] !== "/" && text[end] !== "@" && !/\s/.test(text[end])) {
      end++;
    }
    if (text[end] !== "@" || end === at + 3) continue;
    out += `${text.slice(from, at + 3)}***`;
    from = end;
    at = end - 2; // the next search starts after the "@"
  }
  return out + text.slice(from);
}

function gitRunner(
  sandbox: Sandbox,
  url: string,
  secrets: string[],
  options: GitCloneOptions,
): GitRunner {
  const env = gitEnvironment();
  const redact = (text: string) => {
    let clean = text;
    for (const secret of secrets) clean = clean.replaceAll(secret, "***");
    return hideUserinfo(clean);
  };
  const exec = async (argv: string[]): Promise<ExecResult> => {
    const result = await sandbox.exec(argv, {
      env,
      timeoutMs: (options.defaultTimeout ?? 300) * 1000,
      signal: options.signal,
      onOutput: options.onProgress && ((line) => options.onProgress!(redact(line))),
    });
    return { ...result, stdout: redact(result.stdout), stderr: redact(result.stderr) };
  };
  return {
    url,
    exec,
    redact,
    async run(step, args) {
      const result = await exec(["git", "-c", "protocol.ext.allow=never", ...args]);
      if (result.timedOut) {
        throw new Error(
          `Cannot clone: git ${step} timed out after ${options.defaultTimeout ?? 300} s`,
        );
      }
      if (result.exitCode !== 0) {
        const message = result.stderr.trim().split("\n").filter((line) =>
          !/^(Cloning into|remote: (Counting|Compressing|Enumerating|Total)|Receiving|Resolving)/
            .test(line)
        ).join("\n").slice(-2000);
        throw new Error(`Cannot clone ${withoutCredentials(url)}: git ${step} failed: ${message}`);
      }
      return result;
    },
  };
}

/**
 * git's environment in the sandbox: no prompts, and never a token (tokens go only to
 * {@linkcode Sandbox.gitCloneWithCredentials} or the provider's git service).
 */
export function gitEnvironment(): Record<string, string> {
  return { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false" };
}

function tokenUnused(credentials: GitCredentials): string {
  return `A token applies to ${credentials.host} but was not used: this sandbox cannot keep it from its processes, so the clone ran without it.`;
}

/** The directory a plain `git clone URL` would create: the last path part without `.git`. */
export function defaultTarget(url: string): string {
  // No regular expressions over the URL, which the client sends: `/\/+$/` took time quadratic
  // in a run of slashes (100 KB of them held the server 23 s).
  const query = url.search(/[?#]/);
  let path = query === -1 ? url : url.slice(0, query);
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  path = path.slice(0, end);
  const last = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf(":")) + 1);
  const name = last.replace(/\.git$/, "");
  if (!name || name === "." || name === "..") {
    throw new TypeError(`Cannot clone: no directory name in '${url}'; pass target_path`);
  }
  return name;
}

function withoutCredentials(url: string): string {
  return url.replace(/^(\w+:\/\/)[^/@]+@/, "$1");
}

/** The MCP input schema of `git_clone`. */
export const gitCloneInputSchema = {
  repo_url: noNul("repo_url").min(1, "repo_url must not be empty")
    .refine((url) => !url.trim().startsWith("-"), "repo_url must not start with '-'")
    .refine(
      (url) =>
        /^(https?|ssh|git|file):\/\//i.test(url.trim()) || /^[\w.-]+@[\w.-]+:/.test(url.trim()),
      "repo_url must be an https://, http://, ssh://, git:// or file:// URL, or user@host:path",
    )
    .describe("Repository URL (https://, ssh://, git://, file://, or user@host:path)."),
  target_path: noNul("target_path").optional()
    .describe("Where to clone, relative to the home directory (default: the repository's name)."),
  branch: noNul("branch").regex(/^[^\s-][^\s]*$/, "branch must be a branch or tag name").optional()
    .describe("Branch or tag to check out (default: the remote's default branch)."),
  depth: z.number({ error: "depth must be a number" }).int("depth must be a whole number")
    .min(0, "depth must be 0 (full history) or more").optional()
    .describe("Commits of history to fetch (default 1; 0 = full history)."),
  lfs: z.boolean({ error: "lfs must be true or false" }).optional()
    .describe("Also fetch Git LFS files (default false)."),
  commit: z.string({ error: "commit must be a string" })
    .regex(/^[0-9a-fA-F]{4,64}$/, "commit must be a commit hash (4 to 64 hex digits)").optional()
    .describe("A commit to check out (hash)."),
};

/** The MCP output schema of `git_clone`. */
export const gitCloneOutputSchema = {
  path: z.string(),
  url: z.string(),
  commit: z.string(),
  branch: z.string().nullable(),
  depth: z.number(),
  file_count: z.number(),
  files: z.array(z.string()),
  lfs: z.enum(["not_requested", "pulled", "missing"]),
  notes: z.array(z.string()),
};

/** The `git_clone` tool: its definition, as the registry lists it. */
export const gitCloneTool: ToolDefinition<GitCloneInput, GitCloneOutput> = defineTool({
  name: "git_clone",
  title: "Clone a git repository",
  description:
    "Clone a git repository into the sandbox (default target: the repository's name in the home directory). depth defaults to 1 (0 = full history); branch picks a branch or tag, commit a specific commit; lfs: true also fetches Git LFS files. Private https repositories use the server's GIT_TOKEN / GITHUB_TOKEN. Returns the path, commit, branch and the tracked files.",
  inputSchema: gitCloneInputSchema,
  outputSchema: gitCloneOutputSchema,
  task: true,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  run: gitClone,
  present: (output) => presentJson(output, false),
});
