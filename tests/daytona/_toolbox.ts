// The toolbox (the daemon inside a Daytona sandbox), served from a real local sandbox. Paths are
// relative to `/toolbox/{id}`.

import type { FileInfo, Sandbox } from "../../src/sandbox.ts";
import { daemonError, HttpError, isStringRecord, json, readJsonObject } from "./_http.ts";

const SOURCE = "DAYTONA_DAEMON";
const BOUNDARY = "DAYTONA-FILE-BOUNDARY";
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** Answers one toolbox request against `sandbox`; throws {@linkcode HttpError} for failures. */
export async function handleToolbox(
  sandbox: Sandbox,
  method: string,
  path: string,
  url: URL,
  request: Request,
): Promise<Response> {
  const route = `${method} ${path}`;
  try {
    switch (route) {
      case "POST /process/execute":
        return await execute(sandbox, await readJsonObject(request, SOURCE));
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

async function execute(sandbox: Sandbox, body: Record<string, unknown>): Promise<Response> {
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
  if (timeout !== undefined && (typeof timeout !== "number" || !(timeout >= 0))) {
    throw new HttpError(400, "BAD_REQUEST", "timeout must be a number of seconds", SOURCE);
  }
  // Like the daemon, pipe the command to the shell's stdin: no argument-length limit applies, and
  // a command reading stdin would read the rest of the script, as there.
  const script = `/tmp/.daemon-command-${crypto.randomUUID()}`;
  await sandbox.writeFile(script, new TextEncoder().encode(command));
  const result = await sandbox.exec([
    "/bin/sh",
    "-c",
    'exec 0<"$0"; rm -f "$0"; exec "${SHELL:-/bin/sh}"',
    script,
  ], {
    cwd: cwd || undefined,
    env: envs,
    // 0 means no limit, as in the daemon.
    timeoutMs: timeout ? timeout * 1000 : undefined,
    maxOutputBytes: MAX_OUTPUT_BYTES,
  });
  if (result.timedOut) {
    throw new HttpError(408, "TIMEOUT", `command execution timeout after ${timeout} s`, SOURCE);
  }
  // Go's ExitCode() is -1 for a process ended by a signal.
  return json({ exitCode: result.exitCode ?? -1, result: result.stdout + result.stderr });
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
        const info = await sandbox.stat(path);
        // The daemon treats anything but a regular file as not found.
        if (info.type !== "file") {
          throw new HttpError(404, "FILE_NOT_FOUND", `file not found: ${path}`, SOURCE);
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
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false" };
  if (typeof username === "string" && typeof password === "string" && /^https?:/i.test(url)) {
    // Credentials travel in git's environment, never in argv.
    const basic = new TextEncoder().encode(`${username}:${password}`).toBase64();
    Object.assign(env, {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    });
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

function gitFailure(stderr: string): HttpError {
  const message = stderr.trim() || "git failed";
  const code = /Remote branch .* not found/i.test(message)
    ? "GIT_BRANCH_NOT_FOUND"
    : /does not appear to be a git repository|repository '.*' not found|Repository not found/i
        .test(message)
    ? "GIT_REPO_NOT_FOUND"
    : "GIT_CLONE_FAILED";
  return new HttpError(400, code, message, SOURCE);
}
