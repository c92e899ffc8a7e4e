// Builds the bubblewrap command line that isolates one local sandbox.

/** Where things are inside every local sandbox. */
export const SANDBOX_HOME = "/home/sandbox";
export const SANDBOX_USER = "sandbox";
export const RUNTIME_DIR = "/opt/sandbox";
/** The uid and gid processes have inside the sandbox. */
export const SANDBOX_UID = 1000;
/** The host uid a root server drops to before starting bwrap ("nobody"). */
export const UNPRIVILEGED_UID = 65534;

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
  };
}

/** What {@linkcode bwrapArgs} needs to know about one sandbox. */
export interface BwrapLayout {
  /** Host directory mounted as the sandbox's home. */
  home: string;
  /** Host directory mounted as the sandbox's /tmp. */
  tmp: string;
  /** Host directory with agent.py, worker.py, passwd and group; mounted read-only. */
  runtime: string;
  /** Keep the host's network (`"host"`) or only a private loopback (`"none"`). */
  network: "host" | "none";
  /** The Python interpreter inside the sandbox. */
  python: string;
  /** Environment variables for every process, on top of {@linkcode defaultEnvironment}. */
  env?: Record<string, string>;
  /** The agent's resource limits, e.g. "memory_mb=4096,processes=1024,file_mb=4096". */
  limits?: string;
}

/** Top-level directories that hold programs and libraries. */
export const SYSTEM_DIRS = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] as const;

/**
 * The bwrap arguments (without the program name) that run the agent in a fresh sandbox: /usr and
 * /etc read-only, a private home, /tmp, /dev and /proc, new namespaces for everything (the network
 * too when `network` is `"none"`), an empty environment but for {@linkcode defaultEnvironment}, and
 * death with the server.
 */
export function bwrapArgs(layout: BwrapLayout): string[] {
  const args = [
    "--unshare-all",
    "--unshare-user",
    ...(layout.network === "host" ? ["--share-net"] : []),
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_UID),
    "--hostname",
    "sandbox",
    "--die-with-parent",
    "--new-session",
    "--ro-bind",
    "/usr",
    "/usr",
  ];
  // A bind follows a symlink, so this works with and without a merged /usr.
  for (const dir of SYSTEM_DIRS) args.push("--ro-bind-try", `/${dir}`, `/${dir}`);
  args.push(
    "--ro-bind",
    "/etc",
    "/etc",
    "--ro-bind",
    `${layout.runtime}/passwd`,
    "/etc/passwd",
    "--ro-bind",
    `${layout.runtime}/group`,
    "/etc/group",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--bind",
    layout.tmp,
    "/tmp",
    "--bind",
    layout.home,
    SANDBOX_HOME,
    "--ro-bind",
    layout.runtime,
    RUNTIME_DIR,
    // Everything else, including bwrap's own root, is read-only.
    "--remount-ro",
    "/",
    "--chdir",
    SANDBOX_HOME,
    "--clearenv",
  );
  const env = {
    ...defaultEnvironment(SANDBOX_HOME),
    ...layout.env,
    SANDBOX_PYTHON: layout.python,
    SANDBOX_LIMITS: layout.limits ?? "",
  };
  for (const [name, value] of Object.entries(env)) args.push("--setenv", name, value);
  args.push(layout.python, "-X", "utf8", `${RUNTIME_DIR}/agent.py`);
  return args;
}

/** Lines for the sandbox's /etc/passwd and /etc/group, so `whoami` and `~` work inside. */
export function identityFiles(): { passwd: string; group: string } {
  return {
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
