// The toolbox (the daemon inside a Daytona sandbox), served from a real local sandbox. Paths are
// relative to `/toolbox/{id}`.

import type { FileInfo, Sandbox } from "../../src/sandbox.ts";
import type { ImageProfile } from "./fake_server.ts";
import { daemonError, HttpError, isStringRecord, json, readJsonObject } from "./_http.ts";

const SOURCE = "DAYTONA_DAEMON";
const BOUNDARY = "DAYTONA-FILE-BOUNDARY";
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** Answers one toolbox request against `sandbox`; throws {@linkcode HttpError} for failures. */
export async function handleToolbox(
  sandbox: Sandbox,
  image: ImageProfile,
  method: string,
  path: string,
  url: URL,
  request: Request,
): Promise<Response> {
  const route = `${method} ${path}`;
  try {
    switch (route) {
      case "POST /process/execute":
        return await execute(sandbox, image, await readJsonObject(request, SOURCE));
      case "POST /files/bulk-upload":
        return await bulkUpload(sandbox, request);
      case "POST /files/bulk-download":
        return bulkDownload(sandbox, await readJsonObject(request, SOURCE));
      case "GET /files/info":
        return json(await daemonFileInfo(sandbox, requiredQuery(url, "path")));
      case "GET /files":
        return await listFiles(sandbox, url);
      case "POST /files/folder":
        return await createFolder(sandbox, url);
      case "DELETE /files":
        return await deleteFile(sandbox, url);
      case "POST /git/clone":
        return await gitClone(sandbox, await readJsonObject(request, SOURCE));
      case "GET /user-home-dir":
      case "GET /work-dir":
        return json({ dir: sandbox.info.home });
    }
  } catch (error) {
    throw daemonError(error);
  }
  throw new HttpError(404, "NOT_FOUND", `Cannot ${method} ${path}`, SOURCE);
}

function requiredQuery(url: URL, name: string): string {
  const value = url.searchParams.get(name);
  if (!value) throw new HttpError(400, "BAD_REQUEST", `${name} is required`, SOURCE);
  return value;
}

/** The largest value of a Go uint32, the type of the daemon's `timeout`. */
const UINT32_MAX = 4_294_967_295;
/** What the 0.218 client and the OpenAPI spec say a missing timeout means. */
const DEFAULT_TIMEOUT_SECONDS = 10;

/** How each shell reports a command it cannot find, as the first line of a script on stdin. */
const NOT_FOUND: Record<ImageProfile["shell"], (name: string) => string> = {
  zsh: (name) => `zsh: command not found: ${name}`,
  bash: (name) => `bash: line 1: ${name}: command not found`,
  sh: (name) => `sh: 1: ${name}: not found`,
};

/**
 * `process/execute` as the daemon does it: the command text goes to the image's shell on stdin,
 * stdout and stderr share one pipe (`result` interleaves them), and the request lasts until that
 * pipe closes, so a background child that keeps it open holds the request. Only a timeout kills
 * the process group (408). The timeout is a uint32: anything else is gin's 400.
 */
async function execute(
  sandbox: Sandbox,
  image: ImageProfile,
  body: Record<string, unknown>,
): Promise<Response> {
  const { command, cwd, envs, timeout } = body;
  if (typeof command !== "string" || command === "") {
    throw new HttpError(400, "BAD_REQUEST", "command is required", SOURCE);
  }
  if (cwd !== undefined && typeof cwd !== "string") {
    throw new HttpError(400, "BAD_REQUEST", "cwd must be a string", SOURCE);
  }
  if (envs !== undefined && !isStringRecord(envs)) {
    throw new HttpError(400, "BAD_REQUEST", "envs must map names to strings", SOURCE);
  }
  if (
    timeout !== undefined &&
    !(typeof timeout === "number" && Number.isInteger(timeout) && timeout >= 0 &&
      timeout <= UINT32_MAX)
  ) {
    const shown = typeof timeout === "string" ? "string" : `number ${timeout}`;
    throw new HttpError(
      400,
      "BAD_REQUEST",
      `json: cannot unmarshal ${shown} into Go struct field ExecuteRequest.timeout of type uint32`,
      SOURCE,
    );
  }
  const seconds = timeout ?? DEFAULT_TIMEOUT_SECONDS;
  const shellPath = `/bin/${image.shell === "zsh" ? "bash" : image.shell}`; // no zsh here
  if (cwd) {
    const where = await sandbox.stat(cwd).catch(() => undefined);
    if (where?.type !== "directory") {
      return json({
        exitCode: -1,
        result: `fork/exec /usr/bin/${image.shell}: no such file or directory`,
      });
    }
  }
  // Programs the image lacks are shell functions that fail the way its shell words it, and
  // scripts first on the PATH that fail the way sh words it, for the shells and programs it starts.
  const missing = image.python ? [] : ["python3", "python"];
  const stubs = missing.map((name) =>
    `[ -x "$MCP_MISSING/${name}" ] || { printf '#!/bin/sh\\necho %s >&2\\nexit 127\\n' ${
      shellQuote(shellQuote(NOT_FOUND.sh(name)))
    } >"$MCP_MISSING/.${name}" && chmod +x "$MCP_MISSING/.${name}" && ` +
    `mv -f "$MCP_MISSING/.${name}" "$MCP_MISSING/${name}"; }\n`
  ).join("");
  const prelude =
    (missing.length
      ? `MCP_MISSING=/tmp/.daemon-missing; mkdir -p "$MCP_MISSING"\n${stubs}` +
        `export PATH="$MCP_MISSING:$PATH"\n`
      : "") +
    missing.map((name) =>
      `${name}() { echo ${shellQuote(NOT_FOUND[image.shell](name))} >&2; return 127; }\n`
    ).join("");
  const script = `/tmp/.daemon-command-${crypto.randomUUID()}`;
  await sandbox.writeFile(script, new TextEncoder().encode(prelude + command));
  // `| cat` ends only when every holder of the pipe closed it, as the daemon waits for it.
  const result = await sandbox.exec([
    "/bin/sh",
    "-c",
    '{ "$1" <"$0"; echo $? >"$0.rc"; } 2>&1 | cat; rm -f "$0"',
    script,
    shellPath,
  ], {
    cwd: cwd || undefined,
    env: envs,
    // 0 means no limit, as in the daemon.
    timeoutMs: seconds ? seconds * 1000 : undefined,
    maxOutputBytes: MAX_OUTPUT_BYTES,
  });
  const rc = await new Response(sandbox.readFile(`${script}.rc`)).text().catch(() => "");
  await sandbox.exec(["rm", "-f", `${script}.rc`, script]).catch(() => {});
  if (result.timedOut) {
    throw new HttpError(408, "TIMEOUT", `command execution timeout after ${seconds} s`, SOURCE);
  }
  // Go's ExitCode() is -1 for a process ended by a signal.
  const code = Number.parseInt(rc.trim(), 10);
  return json({
    exitCode: Number.isInteger(code) ? code : -1,
    result: result.stdout + result.stderr,
  });
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

async function bulkUpload(sandbox: Sandbox, request: Request): Promise<Response> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return json({ errors: ["invalid multipart form"] }, 400);
  }
  const paths = new Map<string, string>();
  const contents = new Map<string, FormDataEntryValue>();
  const errors: string[] = [];
  for (const [name, value] of form) {
    const match = /^files\[(\d+)\]\.(path|file)$/.exec(name);
    if (!match) continue;
    const [, index, kind] = match;
    if (kind === "file") {
      contents.set(index, value);
    } else if (typeof value !== "string" || value.trim() === "") {
      errors.push(`path[${index}]: empty path`);
    } else {
      paths.set(index, value.trim());
    }
  }
  const files: { path: string; bytes: number }[] = [];
  for (const [index, value] of contents) {
    const path = paths.get(index);
    if (path === undefined) {
      errors.push(`file[${index}]: missing .path metadata`);
      continue;
    }
    // A plain text field is written verbatim, as the daemon does (the SDK sends one on Deno when
    // given a local path).
    const bytes = typeof value === "string"
      ? new TextEncoder().encode(value)
      : new Uint8Array(await value.arrayBuffer());
    try {
      await sandbox.writeFile(path, bytes);
      files.push({ path, bytes: bytes.length });
    } catch (error) {
      errors.push(`${path}: ${error instanceof Error ? error.message : error}`);
    }
  }
  return errors.length ? json({ errors, files }, 400) : json({ files });
}

function bulkDownload(sandbox: Sandbox, body: Record<string, unknown>): Response {
  // Per file: 404 FILE_NOT_FOUND, 403 FILE_ACCESS_DENIED, 400 INVALID_FILE_PATH (a directory or
  // an empty path), as download_files.go answers.
  const paths = body.paths;
  if (
    !Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === "string")
  ) {
    // The daemon answers this one with a bare {"error"} body.
    return json({ error: 'request body must be {"paths": [ ... ]} and non-empty' }, 400);
  }
  const encoder = new TextEncoder();
  async function* parts(): AsyncGenerator<Uint8Array> {
    for (const path of paths as string[]) {
      let size: number;
      try {
        if (path === "") {
          throw new HttpError(400, "INVALID_FILE_PATH", "path is empty", SOURCE);
        }
        const info = await sandbox.stat(path);
        if (info.type === "directory") {
          throw new HttpError(400, "INVALID_FILE_PATH", `path is a directory: ${path}`, SOURCE);
        }
        if (info.type !== "file") {
          throw new HttpError(404, "FILE_NOT_FOUND", `file not found: ${path}`, SOURCE);
        }
        const readable = await sandbox.exec(["test", "-r", path]);
        if (readable.exitCode !== 0) {
          throw new HttpError(403, "FILE_ACCESS_DENIED", `permission denied: ${path}`, SOURCE);
        }
        size = info.size;
      } catch (error) {
        const failure = daemonError(error);
        yield encoder.encode(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="error"; ${
            filenameParam(path)
          }\r\n` +
            `Content-Type: application/json\r\n\r\n${JSON.stringify(failure.body)}\r\n`,
        );
        continue;
      }
      yield encoder.encode(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; ${filenameParam(path)}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${size}\r\n\r\n`,
      );
      yield* sandbox.readFile(path);
      yield encoder.encode("\r\n");
    }
    yield encoder.encode(`--${BOUNDARY}--\r\n`);
  }
  return new Response(ReadableStream.from(parts()), {
    headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
  });
}

/**
 * `filename="<path>"`, the exact requested path (the SDK keys results by it). Paths a quoted string
 * cannot carry as is use RFC 5987 `filename*`, which busboy prefers and decodes as UTF-8.
 */
function filenameParam(path: string): string {
  if (/^[\x20-\x7e]*$/.test(path) && !/["\\]/.test(path)) return `filename="${path}"`;
  const encoded = encodeURIComponent(path).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `filename*=utf-8''${encoded}`;
}

/** The daemon's FileInfo: Go's `FileMode.String()`, octal permissions, RFC 3339 times. */
interface DaemonFileInfo {
  name: string;
  size: number;
  mode: string;
  modTime: string;
  modifiedAt: string;
  isDir: boolean;
  owner: string;
  group: string;
  permissions: string;
  path: string;
}

function toDaemonFileInfo(info: FileInfo, owner = "", group = ""): DaemonFileInfo {
  return {
    name: info.name,
    size: info.size,
    mode: info.mode,
    modTime: info.modified,
    modifiedAt: info.modified,
    isDir: info.type === "directory",
    owner,
    group,
    permissions: octal(info.mode),
    path: info.path,
  };
}

/** `"-rwxr-xr-x"` → `"0755"` (setuid and friends are left out, as Go's `Perm()` does). */
function octal(mode: string): string {
  const bits = mode.slice(1, 10);
  let value = 0;
  for (const char of bits) value = value * 2 + (char === "-" ? 0 : 1);
  return value.toString(8).padStart(4, "0");
}

async function daemonFileInfo(sandbox: Sandbox, path: string): Promise<DaemonFileInfo> {
  const info = await sandbox.stat(path);
  const ids = await sandbox.exec(["stat", "-L", "-c", "%U\n%G", "--", info.path]);
  const [owner = "", group = ""] = ids.exitCode === 0 ? ids.stdout.split("\n") : [];
  return toDaemonFileInfo(info, owner, group);
}

async function listFiles(sandbox: Sandbox, url: URL): Promise<Response> {
  const path = url.searchParams.get("path") || sandbox.info.home;
  const depthText = url.searchParams.get("depth");
  const depth = depthText === null ? 1 : Number(depthText);
  if (!Number.isInteger(depth) || depth < 1) {
    throw new HttpError(400, "BAD_REQUEST", "depth must be an integer of at least 1", SOURCE);
  }
  const listing = await sandbox.listFiles(path, { depth, limit: 100_000 });
  return json(listing.entries.map((entry) => toDaemonFileInfo(entry)));
}

async function createFolder(sandbox: Sandbox, url: URL): Promise<Response> {
  const path = requiredQuery(url, "path");
  const mode = url.searchParams.get("mode") || "755";
  if (!/^[0-7]{3,4}$/.test(mode)) {
    throw new HttpError(400, "BAD_REQUEST", `invalid mode: ${mode}`, SOURCE);
  }
  const result = await sandbox.exec(["mkdir", "-p", "-m", mode, "--", path]);
  if (result.exitCode !== 0) {
    throw new HttpError(400, "BAD_REQUEST", result.stderr.trim(), SOURCE);
  }
  return new Response(null, { status: 201 });
}

async function deleteFile(sandbox: Sandbox, url: URL): Promise<Response> {
  const path = requiredQuery(url, "path");
  const recursive = url.searchParams.get("recursive") === "true";
  const info = await sandbox.stat(path);
  if (info.type === "directory" && !recursive) {
    throw new HttpError(
      400,
      "BAD_REQUEST",
      "cannot delete directory without recursive flag",
      SOURCE,
    );
  }
  // The requested path, not the resolved one: deleting a symlink removes the link.
  const result = await sandbox.exec(["rm", recursive ? "-rf" : "-f", "--", path]);
  if (result.exitCode !== 0) {
    throw new HttpError(400, "BAD_REQUEST", result.stderr.trim(), SOURCE);
  }
  return new Response(null, { status: 204 });
}

async function gitClone(sandbox: Sandbox, body: Record<string, unknown>): Promise<Response> {
  const { url, path, branch, commit_id: commit, username, password, depth } = body;
  if (typeof url !== "string" || !url || typeof path !== "string" || !path) {
    throw new HttpError(400, "BAD_REQUEST", "url and path are required", SOURCE);
  }
  for (const [name, value] of Object.entries({ branch, commit_id: commit, username, password })) {
    if (value !== undefined && value !== null && typeof value !== "string") {
      throw new HttpError(400, "BAD_REQUEST", `${name} must be a string`, SOURCE);
    }
  }
  if (depth !== undefined && depth !== null && !(Number.isInteger(depth) && Number(depth) > 0)) {
    throw new HttpError(400, "BAD_REQUEST", "depth must be a positive integer", SOURCE);
  }
  // The daemon clones with go-git, which reads none of the sandbox user's or the system's git
  // settings: an insteadOf there must not send the clone, and its credentials, elsewhere. It does
  // trust the container's certificate store, which the sandbox controls (its user has sudo):
  // a certificate authority the user's git trusts (http.sslCAInfo) stands for it here.
  const env: Record<string, string> = {
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
  };
  const config: [string, string][] = [];
  const trusted = await sandbox.exec(["git", "config", "--global", "--get", "http.sslCAInfo"]);
  if (trusted.exitCode === 0 && trusted.stdout.trim()) {
    config.push(["http.sslCAInfo", trusted.stdout.trim()]);
  }
  if (typeof username === "string" && typeof password === "string" && /^https?:/i.test(url)) {
    // Credentials travel in git's environment, never in argv.
    const basic = new TextEncoder().encode(`${username}:${password}`).toBase64();
    config.push(["http.extraHeader", `Authorization: Basic ${basic}`]);
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  // go-git refuses only a target that already holds a repository.
  const existing = await sandbox.stat(`${path}/.git`).catch(() => undefined);
  if (existing) {
    throw new HttpError(409, "GIT_REPO_EXISTS", `repository already exists: ${path}`, SOURCE);
  }
  const args = ["git", "clone", "-q"];
  if (typeof branch === "string" && branch) args.push("--branch", branch, "--single-branch");
  if (typeof depth === "number") args.push("--depth", String(depth));
  args.push("--", url, path);
  const cloned = await sandbox.exec(args, { env, timeoutMs: 600_000 });
  if (cloned.exitCode !== 0) throw gitFailure(cloned.stderr);
  if (typeof commit === "string" && commit) {
    const checkout = await sandbox.exec(["git", "-C", path, "checkout", "-q", commit, "--"], {
      env,
      timeoutMs: 600_000,
    });
    if (checkout.exitCode !== 0) throw gitFailure(checkout.stderr);
  }
  return new Response(null, { status: 200 });
}

/**
 * The daemon's answer to a failed go-git clone (errors.go): the host refused the credentials
 * 401 (403 for a refused account), no such repository or branch 404, anything else 500.
 */
function gitFailure(stderr: string): HttpError {
  const message = stderr.trim() || "git failed";
  if (/returned error: 403|403 Forbidden/i.test(message)) {
    return new HttpError(403, "GIT_AUTH_FORBIDDEN", `authorization failed: ${message}`, SOURCE);
  }
  if (
    /Authentication failed|could not read Username|returned error: 401|terminal prompts disabled/i
      .test(message)
  ) {
    return new HttpError(401, "GIT_AUTH_FAILED", `authentication required: ${message}`, SOURCE);
  }
  if (/Remote branch .* not found|couldn't find remote ref/i.test(message)) {
    return new HttpError(404, "GIT_BRANCH_NOT_FOUND", `reference not found: ${message}`, SOURCE);
  }
  if (
    /does not appear to be a git repository|repository '.*' not found|Repository not found|returned error: 404/i
      .test(message)
  ) {
    return new HttpError(404, "GIT_REPO_NOT_FOUND", `repository not found: ${message}`, SOURCE);
  }
  return new HttpError(500, "GIT_CLONE_FAILED", message, SOURCE);
}
