// Builds the bubblewrap command line that isolates one local sandbox.

import { createHmac } from "node:crypto";
import type { SandboxNetwork } from "./provider.ts";
import { PACKAGE_CACHE_DIR, packageCacheEnvironment } from "./_package_cache.ts";

/** Where things are inside every local sandbox. */
export const SANDBOX_HOME = "/home/sandbox";
export const SANDBOX_USER = "sandbox";
export const RUNTIME_DIR = "/opt/sandbox";
/**
 * The sandbox's Python environment, which pip installs into and python_exec runs (made by the
 * supervisor, agent/python/agent_venv.py).
 */
export const SANDBOX_VENV = `${SANDBOX_HOME}/.venv`;
/** The uid and gid processes have inside the sandbox. */
export const SANDBOX_UID = 1000;
/** The host uid a root server drops to before starting bwrap ("nobody"). */
export const UNPRIVILEGED_UID = 65534;

/**
 * The host uids tenants' sandboxes run as when a root server gives each tenant one: a range
 * systemd leaves unused (its containers' range ends below 0x70000000, its "foreign" range starts
 * at 0x7FFE0000), so no account or container of the machine has them.
 */
export const TENANT_UIDS = { first: 0x7000_0000, count: 0x0FFE_0000 } as const;

/**
 * The host uid of `tenant`'s sandboxes: one of {@linkcode TENANT_UIDS}, keyed by `key` (the
 * server's own, random), so that the uid tells nothing about the tenant's name (a token's
 * digest). Two tenants of one server share a uid with a chance of one in 268 million per pair.
 *
 * @example The same tenant always gets the same uid from one key
 * ```ts
 * import { equal, notEqual } from "node:assert/strict";
 * import { TENANT_UIDS, tenantUid } from "./_bwrap.ts";
 * const key = crypto.getRandomValues(new Uint8Array(32));
 * const uid = tenantUid(key, "session-1");
 * equal(tenantUid(key, "session-1"), uid);
 * notEqual(tenantUid(key, "session-2"), uid);
 * equal(uid >= TENANT_UIDS.first && uid < TENANT_UIDS.first + TENANT_UIDS.count, true);
 * ```
 */
export function tenantUid(key: Uint8Array, tenant: string): number {
  const digest = createHmac("sha256", key).update(tenant).digest();
  return TENANT_UIDS.first + digest.readUInt32BE(0) % TENANT_UIDS.count;
}

/** The environment every sandbox process starts with; calls can add to it. */
export function defaultEnvironment(home: string): Record<string, string> {
  return {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: home,
    USER: SANDBOX_USER,
    LOGNAME: SANDBOX_USER,
    SHELL: "/bin/sh",
    LANG: "C.UTF-8",
    TERM: "dumb",
    TMPDIR: "/tmp",
    PYTHONUNBUFFERED: "1",
    MPLBACKEND: "Agg",
    // Each pip run would otherwise ask the index whether pip itself is outdated: a request and
    // hundreds of ms spent on advice the sandbox cannot act on (pip belongs to the host).
    PIP_DISABLE_PIP_VERSION_CHECK: "1",
  };
}

/** What {@linkcode bwrapArgs} needs to know about one sandbox. */
export interface BwrapLayout {
  /** Host directory mounted as the sandbox's home. */
  home: string;
  /** Host directory mounted as the sandbox's /tmp. */
  tmp: string;
  /** Host directory with the supervisor's files, passwd and group; mounted read-only. */
  runtime: string;
  /**
   * `"internet"`: a network namespace of its own whose only way out is the egress proxy in
   * `netDir`; `"none"`: only a private loopback; `"host"`: the host's network, shared.
   */
  network: SandboxNetwork;
  /** Host directory with the egress proxy's sockets (the `internet` mode); mounted read-only. */
  netDir?: string;
  /** Host ports opened on purpose in the `internet` mode: 127.0.0.1:PORT inside reaches them. */
  hostPorts?: readonly number[];
  /** The Python interpreter inside the sandbox. */
  python: string;
  /** Environment variables for every process, on top of {@linkcode defaultEnvironment}. */
  env?: Record<string, string>;
  /** The agent's resource limits, e.g. "memory_mb=4096,processes=1024,file_mb=4096". */
  limits?: string;
  /** What the installed bubblewrap can do. @default CURRENT_BWRAP */
  features?: BwrapFeatures;
  /** The agent waits for a "start" line first (while the server moves it into its cgroup). */
  hold?: boolean;
  /** Host directories to mount (read-only unless `mode` is "rw"), at their `path`. */
  shares?: readonly { hostPath: string; path: string; mode: "ro" | "rw" }[];
  /** Host directory of the tenant's package cache, mounted read-write at PACKAGE_CACHE_DIR. */
  packageCache?: string;
}

/** Where the egress proxy's sockets appear inside a sandbox. */
export const NET_DIR = "/run/sandbox-net";
/** The in-sandbox HTTP proxy port (HTTP_PROXY) of the `internet` mode. */
export const HTTP_PROXY_PORT = 3128;
/** The in-sandbox SOCKS5 proxy port (ALL_PROXY) of the `internet` mode. */
export const SOCKS_PROXY_PORT = 1080;

/**
 * The variables that send programs' traffic through the egress proxy: curl, git, pip, Python's
 * urllib and requests, npm, Node.js (24 and later) and most other tools read them.
 */
export function proxyEnvironment(): Record<string, string> {
  const http = `http://127.0.0.1:${HTTP_PROXY_PORT}`;
  const socks = `socks5h://127.0.0.1:${SOCKS_PROXY_PORT}`;
  const local = "localhost,127.0.0.1,::1";
  return {
    HTTP_PROXY: http,
    http_proxy: http,
    HTTPS_PROXY: http,
    https_proxy: http,
    ALL_PROXY: socks,
    all_proxy: socks,
    NO_PROXY: local,
    no_proxy: local,
    npm_config_proxy: http,
    npm_config_https_proxy: http,
    NODE_USE_ENV_PROXY: "1",
  };
}

/** Top-level directories that hold programs and libraries. */
export const SYSTEM_DIRS = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] as const;

/**
 * The host files under /etc that programs in a sandbox need, and nothing else: TLS certificates,
 * the dynamic linker's cache, the alternatives links of /usr/bin, fonts, the time zone, name
 * resolution, MIME types, Python's and matplotlib's settings and the OS release. Account files
 * are generated ({@linkcode identityFiles}); the host's accounts, shadow files, SSH and sudo
 * settings, machine id and the like are never visible. Missing entries are skipped.
 */
export const ETC_ENTRIES = [
  "ssl/certs",
  "ssl/openssl.cnf",
  "pki/tls/certs",
  "pki/ca-trust/extracted",
  "ca-certificates",
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "alternatives",
  "fonts",
  "localtime",
  "timezone",
  "resolv.conf",
  "nsswitch.conf",
  "gai.conf",
  "host.conf",
  "services",
  "protocols",
  "mime.types",
  "magic",
  "magic.mime",
  "locale.alias",
  "terminfo",
  "inputrc",
  "os-release",
  "debian_version",
  "lsb-release",
  "matplotlibrc",
  "python3",
  ...Array.from({ length: 8 }, (_, i) => `python3.${i + 9}`),
] as const;

/**
 * /proc files that tell about the host rather than the sandbox, masked as Docker masks them: the
 * kernel keyrings of the host uid the sandbox runs as (key names, and keys other sandboxes add).
 */
export const MASKED_PROC = ["keys", "key-users"] as const;

/**
 * What the installed bubblewrap can do beyond its basics.
 *
 * @example Read the features off `bwrap --version`
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { bwrapFeatures } from "./_bwrap.ts";
 * equal(bwrapFeatures("bubblewrap 0.6.1").disableUserns, false);
 * equal(bwrapFeatures("bubblewrap 0.8.0").disableUserns, true);
 * ```
 */
export interface BwrapFeatures {
  /** `--disable-userns` (0.8): no user namespaces inside the sandbox. */
  disableUserns: boolean;
  /** `--size` and `--perms` for `--tmpfs` (0.7): a capped /dev/shm. */
  tmpfsSize: boolean;
}

/** The features of bubblewrap 0.8 and later (Debian 12, Ubuntu 24.04, Fedora). */
export const CURRENT_BWRAP: BwrapFeatures = { disableUserns: true, tmpfsSize: true };

/** The features of the bubblewrap whose `--version` printed `version`. */
export function bwrapFeatures(version: string): BwrapFeatures {
  const [, major, minor] = /(\d+)\.(\d+)/.exec(version) ?? [];
  if (major === undefined) return CURRENT_BWRAP;
  const at = (m: number, n: number) =>
    Number(major) > m || (Number(major) === m && Number(minor) >= n);
  return { disableUserns: at(0, 8), tmpfsSize: at(0, 7) };
}

/** Size of a sandbox's /dev/shm, in bytes: POSIX shared memory, RAM outside every file limit. */
export const SHM_BYTES = 64 * 1024 * 1024;

/**
 * The mounts every bwrap of a sandbox starts with: /usr and the system directories read-only,
 * a generated /etc (accounts from `runtime`, the host's {@linkcode ETC_ENTRIES}), a read-only /dev
 * with the standard nodes and a private, size-limited /dev/shm, and a /proc whose host-revealing
 * files are masked.
 */
export function systemMounts(
  runtime: string,
  features: BwrapFeatures = CURRENT_BWRAP,
): string[] {
  const args = ["--ro-bind", "/usr", "/usr"];
  // A bind follows a symlink, so this works with and without a merged /usr.
  for (const dir of SYSTEM_DIRS) args.push("--ro-bind-try", `/${dir}`, `/${dir}`);
  for (const entry of ETC_ENTRIES) args.push("--ro-bind-try", `/etc/${entry}`, `/etc/${entry}`);
  for (const file of ["passwd", "group", "hostname", "hosts"]) {
    args.push("--ro-bind", `${runtime}/${file}`, `/etc/${file}`);
  }
  args.push("--dev", "/dev");
  if (features.tmpfsSize) args.push("--perms", "1777", "--size", String(SHM_BYTES));
  // Without --size (bubblewrap before 0.7) it is still private, but as large as the host's.
  args.push("--tmpfs", "/dev/shm", "--remount-ro", "/dev", "--proc", "/proc");
  for (const file of MASKED_PROC) {
    if (procHas(file)) args.push("--ro-bind", "/dev/null", `/proc/${file}`);
  }
  return args;
}

/** Whether the host's /proc has `file` (a kernel without keyrings has no /proc/keys). */
function procHas(file: string): boolean {
  const path = `/proc/${file}`;
  // Never prompt (a server started in a terminal would wait for an answer): without read access
  // to /proc, assume what every distribution's kernel has.
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return true;
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound);
  }
}

/**
 * The namespace flags every bwrap of a sandbox starts with: new namespaces for everything (the
 * host's network only with `"host"`), no user namespaces inside where bubblewrap can forbid
 * them, the sandbox's user, death with the server and a session of its own.
 */
export function namespaceArgs(
  network: SandboxNetwork,
  features: BwrapFeatures = CURRENT_BWRAP,
): string[] {
  return [
    "--unshare-all",
    "--unshare-user",
    ...(features.disableUserns ? ["--disable-userns"] : []),
    ...(network === "host" ? ["--share-net"] : []),
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_UID),
    "--hostname",
    "sandbox",
    "--die-with-parent",
    "--new-session",
  ];
}

/**
 * bwrap with `args`. A server running as root goes through setpriv to `uid` (`nobody` unless
 * given) first: inside a user namespace, root would still own the host's files.
 */
export function bwrapCommand(
  args: readonly string[],
  options: Omit<Deno.CommandOptions, "args">,
  uid: number = UNPRIVILEGED_UID,
): Deno.Command {
  return Deno.uid() === 0
    ? new Deno.Command("setpriv", {
      ...options,
      args: [
        `--reuid=${uid}`,
        `--regid=${uid}`,
        "--clear-groups",
        "--inh-caps=-all",
        "bwrap",
        ...args,
      ],
    })
    : new Deno.Command("bwrap", { ...options, args: [...args] });
}

/**
 * The bwrap arguments (without the program name) that run the agent in a fresh sandbox: the
 * {@linkcode systemMounts}, a private home and /tmp, new namespaces for everything (the network
 * too when `network` is `"none"`) with no further user namespaces allowed inside, the agent as
 * PID 1, an empty environment but for {@linkcode defaultEnvironment}, and death with the server.
 */
export function bwrapArgs(layout: BwrapLayout): string[] {
  const features = layout.features ?? CURRENT_BWRAP;
  const args = [
    ...namespaceArgs(layout.network, features),
    ...(layout.network !== "host" && layout.netDir ? ["--ro-bind", layout.netDir, NET_DIR] : []),
    // The agent is PID 1: no bwrap process in the sandbox holds its pipes, and signals from
    // sandbox processes (SIGSTOP, SIGKILL) cannot reach it.
    "--as-pid-1",
    ...systemMounts(layout.runtime, features),
    "--bind",
    layout.tmp,
    "/tmp",
    "--bind",
    layout.home,
    SANDBOX_HOME,
    // Shared host directories. A symlink inside one resolves here, in the sandbox's own file
    // system, so it leads nowhere outside the shares, home and /tmp.
    ...(layout.shares ?? []).flatMap((share) => [
      share.mode === "rw" ? "--bind" : "--ro-bind",
      share.hostPath,
      share.path,
    ]),
    ...(layout.packageCache ? ["--bind", layout.packageCache, PACKAGE_CACHE_DIR] : []),
    "--ro-bind",
    layout.runtime,
    RUNTIME_DIR,
    // Everything else, including bwrap's own root, is read-only.
    "--remount-ro",
    "/",
    "--chdir",
    SANDBOX_HOME,
    "--clearenv",
  ];
  const internet = layout.network === "internet";
  const env = {
    ...defaultEnvironment(SANDBOX_HOME),
    ...(internet ? proxyEnvironment() : {}),
    ...(layout.packageCache ? packageCacheEnvironment(PACKAGE_CACHE_DIR) : {}),
    ...layout.env,
    SANDBOX_PYTHON: layout.python,
    SANDBOX_VENV: SANDBOX_VENV,
    SANDBOX_LIMITS: layout.limits ?? "",
    SANDBOX_SUPERVISOR: "pid1",
    ...(layout.hold ? { SANDBOX_HOLD: "1" } : {}),
    // The relay to the egress proxy (internet), or only the tunnels of web_preview (none).
    SANDBOX_NET: internet
      ? [
        `proxy=${NET_DIR}/proxy.sock`,
        `http=${HTTP_PROXY_PORT}`,
        `socks=${SOCKS_PROXY_PORT}`,
        `host_ports=${(layout.hostPorts ?? []).join(":")}`,
      ].join(",")
      : layout.netDir && layout.network === "none"
      ? "tunnels"
      : "",
  };
  for (const [name, value] of Object.entries(env)) args.push("--setenv", name, value);
  // The supervisor starts before its protections: nothing the sandbox can write may run in it.
  // -s skips the user's site-packages (a workspace's home keeps ~/.local, whose .pth files Python
  // would run), -E the PYTHON* variables (PYTHONPATH from sandbox_create's env); its commands and
  // python_exec still get both.
  args.push(layout.python, "-s", "-E", "-X", "utf8", `${RUNTIME_DIR}/agent.py`);
  return args;
}

/**
 * The sandbox's own /etc/passwd, /etc/group, /etc/hostname and /etc/hosts, so `whoami`, `~` and
 * `localhost` work inside and no host account name shows.
 */
export function identityFiles(): {
  passwd: string;
  group: string;
  hostname: string;
  hosts: string;
} {
  return {
    hostname: "sandbox\n",
    hosts: "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n",
    passwd: [
      "root:x:0:0:root:/root:/bin/sh",
      `${SANDBOX_USER}:x:${SANDBOX_UID}:${SANDBOX_UID}:sandbox:${SANDBOX_HOME}:/bin/sh`,
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
      "",
    ].join("\n"),
    group: [
      "root:x:0:",
      `${SANDBOX_USER}:x:${SANDBOX_UID}:`,
      "nogroup:x:65534:",
      "",
    ].join("\n"),
  };
}
