// Clones with a token outside the sandbox's processes: each git step runs in its own short-lived
// bubblewrap (own PID namespace, so sandbox processes can neither see nor ptrace it nor read its
// /proc entries), with a clean git configuration, into a staging directory the sandbox cannot
// see; the finished clone is then renamed into the target. The token reaches git through a pipe
// and lives only in that process tree's environment.

import type {
  GitCloneWithCredentialsRequest,
  GitCloneWithCredentialsResult,
} from "../../sandbox.ts";
import { LOCAL_AGENT_FILES } from "../agent/_runtime.ts";
import {
  bwrapCommand,
  type BwrapFeatures,
  HTTP_PROXY_PORT,
  namespaceArgs,
  proxyEnvironment,
  SANDBOX_HOME,
  SOCKS_PROXY_PORT,
  systemMounts,
  UNPRIVILEGED_UID,
} from "./_bwrap.ts";

/** Where one sandbox's files are, and how its isolations run. */
export interface GitIsolationOptions {
  /** The sandbox's directory on the host (with `home`, `tmp` and `runtime`). */
  root: string;
  /** The sandbox's network: an isolation shares the host's network only when the sandbox does. */
  network: "host" | "none";
  /**
   * The sandbox's egress proxy (its `internet` network): the isolation then has a network of its
   * own whose one way out is that proxy, with the sandbox's rules, through the relay the sandbox
   * has (agent/python/net.py). git is not sandbox code, but what it fetches is: a repository's
   * `.lfsconfig` sent git-lfs, on the host's network, to the host's loopback services.
   */
  egress?: {
    /** The directory of the proxy's socket, `proxy.sock`. */
    netDir: string;
    /** Ports of the host's 127.0.0.1 opened to the sandbox (`--allow-host-port`). */
    hostPorts: readonly number[];
  };
  /** False in the unisolated mode: git then runs directly on the host, with the same settings. */
  isolated: boolean;
  /** A PEM file of certificate authorities trusted besides the system's. */
  caFile?: string;
  /** What the installed bubblewrap can do. @default CURRENT_BWRAP */
  features?: BwrapFeatures;
  /** The host uid the sandbox runs as, when the server is root. @default UNPRIVILEGED_UID */
  uid?: number;
  /** The Python the sandbox runs, which moves the finished clone into place. @default "python3" */
  python?: string;
  /**
   * Moves an isolation's processes (bwrap's, given its pid) into the sandbox's control groups
   * before git starts, so that a clone counts against the sandbox's memory, process and CPU
   * budget: a 500 MiB file took git 505 MB outside a sandbox of 256 MiB.
   */
  adopt?: (pid: number) => Promise<unknown>;
}

/** The sandbox's directory inside an isolation; home and /tmp are symlinks into it. */
const ROOT_INSIDE = "/run/sandbox";
/** The isolation's private, empty home (a tmpfs). */
const GIT_HOME = "/run/git";
const CA_INSIDE = "/run/git-ca.pem";
/** The steps that reach the network; the others (init, checkout, the move) get none. */
const ONLINE_STEPS = ["clone", "fetch", "lfs pull"];
/** Where the egress proxy's socket directory is inside an isolation. */
const NET_INSIDE = "/run/git-net";
/** The relay to the egress proxy, run in the isolation: the sandbox's, said to be listening. */
const RELAY = `${LOCAL_AGENT_FILES["net.py"]}
import sys, threading
start(sys.argv[1])
print("listening", flush=True)
threading.Event().wait()
`;
const SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt";
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Bytes of stderr kept for an error message. */
const STDERR_TAIL = 16_384;
/** Characters of one progress line kept (its end, where git's counters are). */
const LINE_TAIL = 4096;

// Reads the token from stdin into the environment of this process tree only (never argv, never
// bwrap's environment), builds the CA bundle if one is configured, then runs the step. Its
// variables are not named GIT_*: git-lfs writes those into the error logs it leaves in a clone.
const PRELUDE = [
  // The OOM killer's first choice, as the sandbox's own processes are (see quotas.py): in the
  // sandbox's cgroup it took the supervisor before git, which ended the sandbox.
  "{ echo 1000 > /proc/self/oom_score_adj; } 2>/dev/null",
  // Says it runs: bubblewrap has then set up the isolation to die with it (see #step's kill).
  "echo ready",
  // The relay to the egress proxy, listening before git starts (and without the token).
  'if [ -n "${CLONE_RELAY:-}" ]; then',
  '  mkfifo "$HOME/relay" || exit 1',
  '  "$CLONE_PYTHON" -I -S -c "$CLONE_RELAY" "$CLONE_RELAY_SPEC" > "$HOME/relay" &',
  '  IFS= read -r _ < "$HOME/relay" || { echo "cannot reach the egress proxy" >&2; exit 1; }',
  "  unset CLONE_RELAY CLONE_RELAY_SPEC CLONE_PYTHON",
  "fi",
  'IFS= read -r CLONE_PASSWORD || [ -n "$CLONE_PASSWORD" ]',
  "export CLONE_PASSWORD",
  'if [ -n "${CLONE_CA:-}" ]; then cat "$CLONE_SYSTEM_CA" "$CLONE_CA" > "$HOME/ca.pem" 2>/dev/null || cat "$CLONE_CA" > "$HOME/ca.pem"; fi',
  'exec "$@"',
].join("\n");

// Moves the finished clone (argv[1]) to the target (argv[2], a path as the sandbox sees it) the
// way the sandbox itself would resolve that path, whatever its code does meanwhile: each name is
// opened relative to the directory before it and never followed by the kernel (O_NOFOLLOW); a
// symlink the sandbox made is read and followed by the sandbox's rules, within its home and /tmp
// only. The isolation sees more than the sandbox does (the sandbox's whole directory, at
// ${ROOT_INSIDE}): a symlink to ${ROOT_INSIDE} is nothing in the sandbox, and must lead nowhere
// here either. Missing directories are made (as mkdir -p would); the last name is replaced only
// if it is an empty directory or a symlink (as mv -T would).
const MOVE = `
import errno, os, sys
source, target = sys.argv[1], sys.argv[2]
ROOTS = (("${SANDBOX_HOME}", "${ROOT_INSIDE}/home"), ("/tmp", "${ROOT_INSIDE}/tmp"))
DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

def fail(why):
    sys.stderr.write("cannot move the clone to %s: %s\\n" % (target, why))
    sys.exit(1)

def start(path, via):
    for inside, here in ROOTS:
        if path == inside or path.startswith(inside + "/"):
            names = [p for p in path[len(inside):].split("/") if p]
            return inside, [os.open(here, DIRECTORY)], names
    fail("%s leads to %s, outside ${SANDBOX_HOME} and /tmp" % (via, path))

root, dirs, names = start(target, target)
hops = 0
while True:
    if not names:
        fail("it is not a path under ${SANDBOX_HOME} or /tmp")
    name = names.pop(0)
    if name == ".":
        continue
    if name == "..":
        if len(dirs) > 1:
            os.close(dirs.pop())
            continue
        # Above home or /tmp: the sandbox's fixed directories (/home, /), none of them its own.
        above = os.path.dirname(root)
        while names and names[0] in (".", ".."):
            if names.pop(0) == "..":
                above = os.path.dirname(above)
        os.close(dirs[0])
        path = os.path.join(above, *names)
        root, dirs, names = start(path, path)
        continue
    if not names:
        break
    try:
        os.mkdir(name, dir_fd=dirs[-1])
    except FileExistsError:
        pass
    try:
        dirs.append(os.open(name, DIRECTORY, dir_fd=dirs[-1]))
        continue
    except OSError as e:
        if e.errno not in (errno.ELOOP, errno.ENOTDIR):
            fail("%s: %s" % (name, e.strerror))
    try:
        link = os.readlink(name, dir_fd=dirs[-1])
    except OSError:
        fail("%s is not a directory" % name)
    hops += 1
    if hops > 40:
        fail("too many symlinks")
    if link.startswith("/"):
        for fd in dirs:
            os.close(fd)
        root, dirs, rest = start(link, name)
        names = rest + names
    else:
        names = [p for p in link.split("/") if p] + names
try:
    os.rename(source, name, dst_dir_fd=dirs[-1])
except OSError as e:
    fail(e.strerror)
`;

// git's credential helper: answers only `get`, only for https and the one host the token is for.
const HELPER = '!f() { test "$1" = get || exit 0; p=; h=; ' +
  'while IFS= read -r l && test -n "$l"; do case "$l" in protocol=*) p="${l#*=}";; host=*) h="${l#*=}";; esac; done; ' +
  'test "$p" = https && test "$h" = "$CLONE_HOST" || exit 0; ' +
  'printf \'username=%s\\npassword=%s\\n\' "$CLONE_USER" "$CLONE_PASSWORD"; }; f';

/**
 * One sandbox's clones with a token, one at a time (so an isolation never sees another clone's
 * staging directory).
 */
export class GitIsolation {
  #options: GitIsolationOptions;
  #uid: number;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = new AbortController();

  constructor(options: GitIsolationOptions) {
    this.#options = options;
    this.#uid = options.uid ?? UNPRIVILEGED_UID;
  }

  /** Clones `request.url` into `request.path` (a path as the sandbox sees it). */
  clone(request: GitCloneWithCredentialsRequest): Promise<GitCloneWithCredentialsResult> {
    const run = this.#queue.then(() => this.#clone(request));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Kills any running isolation; later clones fail. */
  close(): void {
    this.#closed.abort(new Error("Cannot clone: the sandbox was closed"));
  }

  async #clone(request: GitCloneWithCredentialsRequest): Promise<GitCloneWithCredentialsResult> {
    const signal = request.signal
      ? AbortSignal.any([request.signal, this.#closed.signal])
      : this.#closed.signal;
    signal.throwIfAborted();
    const { root, isolated } = this.#options;
    const { url, username, password } = request;
    if (/[\r\n\0]/.test(password) || /[\r\n\0]/.test(username)) {
      throw new TypeError("Cannot clone with this token: it contains a line break or NUL");
    }
    // Only where the sandbox itself can write: its home and /tmp, in the sandbox's own view.
    const path = request.path;
    const normal = !/(^|\/)\.\.?(\/|$)|\/\/|\/$/.test(path);
    if (isolated && !(normal && [SANDBOX_HOME, "/tmp"].some((dir) => path.startsWith(`${dir}/`)))) {
      throw new TypeError(
        `Cannot clone with a token into ${path}: the target must be under ${SANDBOX_HOME} or /tmp`,
      );
    }
    const host = new URL(url).host;
    const asRoot = isolated && Deno.uid() === 0;
    const id = crypto.randomUUID();
    const stagingHost = `${root}/git/${id}`;
    await Deno.mkdir(stagingHost, { recursive: true, mode: 0o700 });
    if (asRoot) {
      for (const dir of [`${root}/git`, stagingHost]) {
        await Deno.chown(dir, this.#uid, this.#uid);
      }
    }
    const clone = `${isolated ? `${ROOT_INSIDE}/git/${id}` : stagingHost}/clone`;
    const attempt = (name: string, argv: string[]) =>
      this.#step(name, argv, { host, username, password, request, signal });
    const step = async (name: string, argv: string[]) => {
      const { ok, message } = await attempt(name, argv);
      if (!ok) throw new Error(`${argv[0] === "git" ? "git " : ""}${name} failed: ${message}`);
    };
    try {
      const depth = request.depth ? [`--depth=${request.depth}`] : [];
      if (request.commit === undefined) {
        await step("clone", [
          "git",
          "clone",
          "--progress",
          "--template=",
          ...depth,
          ...(request.branch ? ["--branch", request.branch] : []),
          "--",
          url,
          clone,
        ]);
      } else {
        await step("init", ["git", "init", "-q", "--template=", clone]);
        await step("remote add", ["git", "-C", clone, "remote", "add", "origin", url]);
        const direct = await attempt("fetch", [
          "git",
          "-C",
          clone,
          "fetch",
          ...depth,
          "origin",
          request.commit,
        ]);
        if (!direct.ok) {
          await step("fetch", [
            "git",
            "-C",
            clone,
            "fetch",
            "--progress",
            "origin",
            ...(request.branch
              ? [request.branch]
              : ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]),
          ]);
        }
        await step("checkout", ["git", "-C", clone, "checkout", "-q", "--detach", request.commit]);
      }
      let lfs: GitCloneWithCredentialsResult["lfs"] = "not_requested";
      if (request.lfs) {
        if ((await attempt("lfs version", ["git", "lfs", "version"])).ok) {
          await step("lfs install", [
            "git",
            "-C",
            clone,
            "lfs",
            "install",
            "--local",
            "--skip-repo",
          ]);
          // From the repository's own https remote only: a repository's .lfsconfig (which the
          // command line overrides) sent git-lfs to a file:// path it named, whose objects it
          // read from anywhere the isolation sees.
          await step("lfs pull", [
            "git",
            "-C",
            clone,
            "-c",
            `lfs.url=${lfsEndpoint(url)}`,
            "lfs",
            "pull",
          ]);
          lfs = "pulled";
        } else {
          lfs = "missing";
        }
      }
      if (isolated) {
        // Into place, as the sandbox resolves the path, without following anything (MOVE).
        await step("move", [
          this.#options.python ?? "python3",
          "-I",
          "-S",
          "-c",
          MOVE,
          clone,
          path,
        ]);
      } else {
        // Unisolated, the host's view is the sandbox's: mv -T never follows a symlink at the
        // target, and replaces only an empty directory.
        const parent = path.replace(/\/[^/]*\/*$/, "") || "/";
        await step("move", ["mkdir", "-p", "--", parent]);
        await step("move", ["mv", "-T", "--", clone, path]);
      }
      return { lfs };
    } finally {
      await Deno.remove(stagingHost, { recursive: true }).catch(() => {});
    }
  }

  /**
   * Runs one step in a fresh isolation. Throws when it is aborted or times out; a failure is
   * returned as git's message.
   */
  async #step(
    name: string,
    argv: string[],
    context: {
      host: string;
      username: string;
      password: string;
      request: GitCloneWithCredentialsRequest;
      signal: AbortSignal;
    },
  ): Promise<{ ok: boolean; message: string }> {
    const { request, signal } = context;
    const timeoutMs = request.timeoutMs ?? 300_000;
    const env = this.#environment(context.host, context.username);
    const command = this.#command(
      ["sh", "-c", PRELUDE, "sh", ...argv],
      env,
      ONLINE_STEPS.includes(name),
    );
    let child: Deno.ChildProcess;
    try {
      child = command.spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw new Error(
          `Cannot clone with a token: Deno may not run ${
            this.#options.isolated
              ? "bwrap and setpriv"
              : "sh (the unisolated mode runs git on the host; add sh to --allow-run)"
          }`,
          { cause: error },
        );
      }
      throw error;
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const stop = AbortSignal.any([signal, timeout]);
    // Killed while bubblewrap still sets up, its child could outlive it (bwrap arranges the
    // child's death with its own only after forking it): until the isolation says it runs, a
    // kill waits.
    let ready = false;
    let killed = false;
    const killNow = () => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    };
    const kill = () => {
      killed = true;
      if (ready) killNow();
    };
    const onReady = () => {
      if (ready) return;
      ready = true;
      if (killed) killNow();
    };
    stop.addEventListener("abort", kill, { once: true });
    if (stop.aborted) kill(); // aborted before the listener was there: it would never fire

    try {
      const started = Promise.withResolvers<void>();
      const reading = Promise.all([
        child.status,
        readLines(child.stderr, request.onProgress),
        readLines(child.stdout, () => {
          onReady();
          started.resolve();
        }),
      ]);
      // git waits for the token: by then the isolation counts against the sandbox's budget.
      await Promise.race([started.promise, reading]);
      if (ready && this.#options.adopt) {
        try {
          await this.#options.adopt(child.pid);
        } catch (error) {
          // Outside the budget it would run unbounded: not at all, then.
          killNow();
          await reading.catch(() => {});
          throw new Error(
            `Cannot clone with a token: the isolation could not join the sandbox's control group (${
              error instanceof Error ? error.message : error
            })`,
          );
        }
      }
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(`${context.password}\n`)).catch(() => {});
      await writer.close().catch(() => {});
      const [status, stderr] = await reading;
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new Error(`git ${name} timed out after ${Math.round(timeoutMs / 1000)} s`);
      }
      const message = stderr.split(/[\r\n]/).filter((line) =>
        line.trim() &&
        !/^(Cloning into|remote: (Counting|Compressing|Enumerating|Total)|Receiving|Resolving)/
          .test(line)
      ).join("\n").trim();
      return { ok: status.success, message: message || `exit code ${status.code}` };
    } finally {
      stop.removeEventListener("abort", kill);
    }
  }

  /** git's environment in an isolation: a clean configuration and the token's host. */
  #environment(host: string, username: string): Record<string, string> {
    const { isolated, caFile } = this.#options;
    const home = isolated ? GIT_HOME : `${this.#options.root}/git`;
    const config: [string, string][] = [
      ["core.hooksPath", "/dev/null"],
      ["http.sslVerify", "true"],
      ["protocol.allow", "never"],
      ["protocol.https.allow", "always"],
      ["protocol.ext.allow", "never"],
      ["credential.interactive", "false"],
      [`credential.https://${host}.helper`, HELPER],
    ];
    if (caFile) config.push(["http.sslCAInfo", `${home}/ca.pem`]);
    const env: Record<string, string> = {
      PATH,
      LANG: "C.UTF-8",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_TERMINAL_PROMPT: "0",
      GIT_ASKPASS: "/bin/false",
      SSH_ASKPASS: "/bin/false",
      CLONE_HOST: host,
      CLONE_USER: username,
      GIT_CONFIG_COUNT: String(config.length),
    };
    config.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    if (caFile) {
      env.CLONE_CA = isolated ? CA_INSIDE : caFile;
      env.CLONE_SYSTEM_CA = SYSTEM_CA;
    }
    return env;
  }

  /** The command that runs `argv` in a fresh isolation (or, unisolated, directly). */
  /** `online`: the step reaches the network (the sandbox's), else it has none. */
  #command(argv: string[], env: Record<string, string>, online: boolean): Deno.Command {
    const { root, network, isolated, caFile } = this.#options;
    const stdio = { stdin: "piped", stdout: "piped", stderr: "piped" } as const;
    if (!isolated) {
      // No bwrap: a private empty home in the staging area's parent, still outside the sandbox's.
      const home = `${root}/git`;
      return new Deno.Command(argv[0], {
        args: argv.slice(1),
        cwd: home,
        clearEnv: true,
        env: { ...env, HOME: home, TMPDIR: home },
        ...stdio,
      });
    }
    const egress = online ? this.#options.egress : undefined;
    const relay: Record<string, string> = egress
      ? {
        ...proxyEnvironment(),
        CLONE_RELAY: RELAY,
        CLONE_RELAY_SPEC: [
          `proxy=${NET_INSIDE}/proxy.sock`,
          `http=${HTTP_PROXY_PORT}`,
          `socks=${SOCKS_PROXY_PORT}`,
          `host_ports=${egress.hostPorts.join(":")}`,
        ].join(","),
        CLONE_PYTHON: this.#options.python ?? "python3",
      }
      : {};
    const args = [
      ...namespaceArgs(online && !egress ? network : "none", this.#options.features),
      ...systemMounts(`${root}/runtime`, this.#options.features),
      // The sandbox's directory as one mount, so the finished clone is renamed into place
      // (binds of home and staging apart would make that a copy); the agent's files hidden.
      "--bind",
      root,
      ROOT_INSIDE,
      "--tmpfs",
      `${ROOT_INSIDE}/runtime`,
      "--symlink",
      `${ROOT_INSIDE}/home`,
      SANDBOX_HOME,
      "--symlink",
      `${ROOT_INSIDE}/tmp`,
      "/tmp",
      "--tmpfs",
      GIT_HOME,
      ...(caFile ? ["--ro-bind", caFile, CA_INSIDE] : []),
      ...(egress ? ["--ro-bind", egress.netDir, NET_INSIDE] : []),
      "--remount-ro",
      "/",
      "--chdir",
      GIT_HOME,
      "--clearenv",
    ];
    for (
      const [name, value] of Object.entries({ ...env, ...relay, HOME: GIT_HOME, TMPDIR: GIT_HOME })
    ) {
      args.push("--setenv", name, value);
    }
    args.push("--", ...argv);
    return bwrapCommand(args, { clearEnv: true, env: { PATH }, ...stdio }, this.#uid);
  }
}

/** Git LFS's endpoint for a repository's https URL, as git-lfs derives it. */
function lfsEndpoint(url: string): string {
  const base = url.replace(/\/+$/, "");
  return `${base.endsWith(".git") ? base : `${base}.git`}/info/lfs`;
}

/**
 * The most often a step's latest line is passed on, in ms: as the supervisor passes on a
 * command's. The git host writes what git prints as `remote:` lines, and 2 million of them, each a
 * progress notification, held the server's event loop (every client's) for the clone's 30 s.
 */
const LINE_EVERY_MS = 500;

/**
 * Collects a stream's text, passing its latest line (git's progress uses \r) to `onLine` at most
 * every LINE_EVERY_MS, and the last one at its end.
 */
async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: ((line: string) => void) | undefined,
): Promise<string> {
  let tail = "";
  let pending = "";
  let latest: string | undefined;
  let passedAt = -Infinity;
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    tail = (tail + chunk).slice(-STDERR_TAIL);
    // Only the new chunk is split, and a line's unfinished end is kept to its last bytes: a line
    // without end, split whole again at every chunk, took time quadratic in its length.
    const parts = chunk.split(/[\r\n]/);
    parts[0] = pending + parts[0];
    pending = (parts.pop() ?? "").slice(-LINE_TAIL);
    for (let i = parts.length - 1; i >= 0; i--) {
      if (parts[i].trim()) {
        latest = parts[i];
        break;
      }
    }
    if (latest !== undefined && performance.now() - passedAt >= LINE_EVERY_MS) {
      onLine?.(latest);
      latest = undefined;
      passedAt = performance.now();
    }
  }
  if (pending.trim()) latest = pending;
  if (latest !== undefined) onLine?.(latest);
  return tail;
}
