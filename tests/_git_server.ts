// A git server on 127.0.0.1 for tests: git's smart HTTP through `git http-backend`, a Git LFS
// batch endpoint, optional TLS with a self-signed certificate made at test time, answers that
// stall, and a record of every request's Authorization header.

/** A bare repository on the host, made by {@linkcode makeRepo}. */
export interface TestRepo {
  /** The directory that holds `repo.git`; the server's project root. */
  root: string;
  /** The commit of `main`. */
  commit: string;
  /** The LFS object's content, when the repository tracks one (`big.bin`). */
  lfsContent?: string;
  /** The LFS object's sha256. */
  lfsOid?: string;
}

/** git on the host with none of the host's configuration. */
async function git(args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command("git", {
    args,
    cwd,
    clearEnv: true,
    env: {
      PATH: "/usr/bin:/bin",
      HOME: "/nonexistent",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/**
 * Makes `repo.git` under a new directory in /tmp: one commit on main with `a.txt` and, with
 * `lfs`, `big.bin` as a Git LFS pointer whose object the server serves.
 */
export async function makeRepo(
  options: {
    lfs?: boolean;
    /** More files, by name: their text, or a size for a file of that many zero bytes. */
    files?: Record<string, string | number>;
  } = {},
): Promise<TestRepo> {
  const root = await Deno.makeTempDir({ prefix: "git-server-" });
  const work = `${root}/work`;
  await git(["init", "-q", "-b", "main", work]);
  await Deno.writeTextFile(`${work}/a.txt`, "a\n");
  let lfsContent: string | undefined;
  let lfsOid: string | undefined;
  if (options.lfs) {
    lfsContent = "the large file's real content\n";
    const bytes = new TextEncoder().encode(lfsContent);
    lfsOid = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).toHex();
    await Deno.writeTextFile(
      `${work}/.gitattributes`,
      "*.bin filter=lfs diff=lfs merge=lfs -text\n",
    );
    await Deno.writeTextFile(
      `${work}/big.bin`,
      `version https://git-lfs.github.com/spec/v1\noid sha256:${lfsOid}\nsize ${bytes.length}\n`,
    );
  }
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await Deno.mkdir(`${work}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(`${work}/${name}`, content);
    else {
      await Deno.writeFile(`${work}/${name}`, new Uint8Array(0));
      await Deno.truncate(`${work}/${name}`, content);
    }
  }
  await git(["add", "."], work);
  await git(["commit", "-qm", "first"], work);
  await git(["clone", "-q", "--bare", work, `${root}/repo.git`]);
  const commit = (await git(["rev-parse", "HEAD"], work)).trim();
  await Deno.remove(work, { recursive: true });
  return { root, commit, lfsContent, lfsOid };
}

/** One request the server received. */
export interface SeenRequest {
  method: string;
  path: string;
  /** The Authorization header, if any. */
  authorization: string | null;
}

/** Options for {@linkcode startGitServer}. */
export interface GitServerOptions {
  /** Serve https with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
  /** Wait this long before answering each request. @default 0 */
  stallMs?: number;
  /**
   * Answer 401 (asking for Basic credentials) to requests without an Authorization header: to
   * git's (`"git"`), to Git LFS's (`"lfs"`) or to all (`"all"`).
   */
  requireAuth?: "git" | "lfs" | "all";
  /** A program git runs in place of pack-objects for fetches (git's uploadpack.packObjectsHook). */
  packObjectsHook?: string;
}

/** A running test git server; dispose to stop it. */
export interface GitServer extends AsyncDisposable {
  /** `https://127.0.0.1:PORT` or `http://…`. */
  origin: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Every request so far. */
  requests: SeenRequest[];
  /** The Authorization headers received so far. */
  authorizations(): string[];
}

/** Serves the repositories under `repo.root` (smart HTTP and LFS) on 127.0.0.1. */
export function startGitServer(repo: TestRepo, options: GitServerOptions = {}): GitServer {
  const requests: SeenRequest[] = [];
  const controller = new AbortController();
  let origin = "";
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: controller.signal,
    onListen: () => {},
    ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
  }, async (request) => {
    const url = new URL(request.url);
    const authorization = request.headers.get("authorization");
    requests.push({ method: request.method, path: url.pathname, authorization });
    if (options.stallMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, options.stallMs);
        controller.signal.addEventListener("abort", done, { once: true });
        function done() {
          clearTimeout(timer);
          controller.signal.removeEventListener("abort", done);
          resolve();
        }
      });
    }
    const isLfs = url.pathname.includes("/info/lfs/") || url.pathname.startsWith("/lfs-objects/");
    const auth = options.requireAuth;
    if (auth && !authorization && (auth === "all" || (auth === "lfs") === isLfs)) {
      await request.body?.cancel();
      return new Response("credentials required\n", {
        status: 401,
        headers: { "WWW-Authenticate": 'Basic realm="test"' },
      });
    }
    if (url.pathname.endsWith("/info/lfs/objects/batch")) {
      const batch = await request.json() as { objects: { oid: string; size: number }[] };
      return Response.json({
        transfer: "basic",
        objects: batch.objects.map(({ oid, size }) => ({
          oid,
          size,
          actions: { download: { href: `${origin}/lfs-objects/${oid}` } },
        })),
      }, { headers: { "Content-Type": "application/vnd.git-lfs+json" } });
    }
    if (url.pathname.startsWith("/lfs-objects/")) {
      await request.body?.cancel();
      return url.pathname.endsWith(`/${repo.lfsOid}`) && repo.lfsContent !== undefined
        ? new Response(repo.lfsContent)
        : new Response("no such object\n", { status: 404 });
    }
    return await httpBackend(repo.root, request, url, options.packObjectsHook);
  });
  const address = server.addr as Deno.NetAddr;
  const host = `127.0.0.1:${address.port}`;
  origin = `${options.tls ? "https" : "http"}://${host}`;
  return {
    origin,
    host,
    requests,
    authorizations: () => requests.flatMap((seen) => seen.authorization ?? []),
    async [Symbol.asyncDispose]() {
      controller.abort();
      await server.finished;
    },
  };
}

/** Runs `git http-backend` (CGI) for one request. */
async function httpBackend(
  root: string,
  request: Request,
  url: URL,
  packObjectsHook?: string,
): Promise<Response> {
  const child = new Deno.Command("git", {
    args: ["http-backend"],
    clearEnv: true,
    env: {
      PATH: "/usr/bin:/bin",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      ...(packObjectsHook
        ? {
          GIT_CONFIG_COUNT: "1",
          GIT_CONFIG_KEY_0: "uploadpack.packObjectsHook",
          GIT_CONFIG_VALUE_0: packObjectsHook,
        }
        : {}),
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname),
      REQUEST_METHOD: request.method,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers.get("content-type") ?? "",
      HTTP_CONTENT_ENCODING: request.headers.get("content-encoding") ?? "",
      GIT_PROTOCOL: request.headers.get("git-protocol") ?? "",
      REMOTE_ADDR: "127.0.0.1",
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writing = request.body ? request.body.pipeTo(child.stdin) : child.stdin.close();
  const [out] = await Promise.all([child.output(), writing]);
  const bytes = out.stdout;
  let headEnd = -1;
  let bodyStart = -1;
  for (let i = 0; i + 1 < bytes.length && headEnd < 0; i++) {
    if (bytes[i] === 10 && bytes[i + 1] === 10) [headEnd, bodyStart] = [i, i + 2];
    else if (bytes[i] === 10 && bytes[i + 1] === 13 && bytes[i + 2] === 10) {
      [headEnd, bodyStart] = [i, i + 3];
    }
  }
  if (headEnd < 0) return new Response("bad CGI output\n", { status: 500 });
  const head = new TextDecoder().decode(bytes.subarray(0, headEnd));
  const body = bytes.subarray(bodyStart);
  const headers = new Headers();
  let status = 200;
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value);
    else headers.append(name, value);
  }
  return new Response(body, { status, headers });
}

/**
 * A self-signed certificate for 127.0.0.1, made with openssl at test time (test-only: it is
 * thrown away with the directory). Undefined when openssl is not installed.
 */
export async function selfSignedCertificate(): Promise<
  { cert: string; key: string; certFile: string; dir: string } | undefined
> {
  const dir = await Deno.makeTempDir({ prefix: "git-tls-" });
  try {
    const out = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!out.success) throw new Error("openssl failed");
  } catch {
    await Deno.remove(dir, { recursive: true });
    return undefined;
  }
  // Readable by the unprivileged user isolations run as when the tests run as root.
  await Deno.chmod(dir, 0o755);
  await Deno.chmod(`${dir}/cert.pem`, 0o644);
  return {
    cert: await Deno.readTextFile(`${dir}/cert.pem`),
    key: await Deno.readTextFile(`${dir}/key.pem`),
    certFile: `${dir}/cert.pem`,
    dir,
  };
}
