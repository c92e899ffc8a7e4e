// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  LocalProvider
} from "./shared-cli-doctor.js";
import "./shared-cli-daytona-doctor.js";
import {
  silentLogger
} from "./shared-cli-daytona-doctor-init.js";
import "./shared-cli-daytona-doctor-modern.js";
import "./shared-cli-daytona-doctor-modern-server.js";
import "./shared-cli-doctor-init-modern-server.js";
import "./shared-cli-daytona-doctor-init-modern-server.js";
import "./shared-cli-daytona-doctor-http-modern-server.js";
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/doctor.ts
async function version(program, args = [
  "--version"
]) {
  try {
    const out = await new Deno.Command(program, {
      args,
      stdout: "piped",
      stderr: "piped"
    }).output();
    if (!out.success) return void 0;
    const text = new TextDecoder().decode(out.stdout) || new TextDecoder().decode(out.stderr);
    return text.trim().split("\n")[0];
  } catch {
    return void 0;
  }
}
__name(version, "version");
async function diagnose(config) {
  const findings = [];
  const [major, minor] = Deno.version.deno.split(".").map(Number);
  findings.push({
    name: "Deno",
    ok: major > 2 || major === 2 && minor >= 9,
    detail: Deno.version.deno,
    fix: "install Deno 2.9 or later (npm install -g deno@2.9.6)",
    required: true
  });
  const local = config.provider === "local";
  if (local && !config.local.dangerouslyRunUnisolated) {
    const bwrap = await version("bwrap");
    findings.push({
      name: "bubblewrap",
      ok: bwrap !== void 0,
      detail: bwrap ?? "not installed",
      fix: "sudo apt-get install bubblewrap (Fedora: dnf install bubblewrap)",
      required: true
    });
    if (bwrap) {
      const started = await startSandbox(config);
      findings.push({
        name: "local sandbox",
        ok: typeof started !== "string",
        detail: typeof started === "string" ? started : "starts, runs a command and cleans up",
        fix: "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0)",
        required: true
      });
      if (typeof started !== "string") findings.push(protectionFinding(started));
    }
  }
  const python = await version(config.local.python);
  let pythonDetail = python ?? `${config.local.python} not found`;
  let fast = true;
  if (python) {
    const started = performance.now();
    await version(config.local.python, [
      "-c",
      "pass"
    ]);
    const took = performance.now() - started;
    fast = took < 100;
    pythonDetail += `, starts in ${Math.round(took)} ms`;
  }
  findings.push({
    name: "python3",
    ok: python !== void 0 && fast,
    detail: pythonDetail,
    fix: python ? `${config.local.python} starts slowly (a pyenv shim?); pass --python /usr/bin/python3` : "sudo apt-get install python3 python3-matplotlib, or pass --python PATH",
    required: local
  });
  for (const [name, program, args, fix] of [
    [
      "git",
      "git",
      [
        "--version"
      ],
      "sudo apt-get install git"
    ],
    [
      "git-lfs",
      "git-lfs",
      [
        "version"
      ],
      "sudo apt-get install git-lfs (for git_clone lfs=true)"
    ],
    [
      "pdftotext",
      "pdftotext",
      [
        "-v"
      ],
      "sudo apt-get install poppler-utils (for PDFs)"
    ]
  ]) {
    const found = await version(program, [
      ...args
    ]);
    findings.push({
      name,
      ok: found !== void 0,
      detail: found ?? "not installed",
      fix,
      required: false
    });
  }
  const key = config.daytona.apiKey;
  if (config.provider === "daytona" || key) {
    const reached = key ? await reachDaytona(config) : "no API key";
    findings.push({
      name: "Daytona API",
      ok: reached === void 0,
      detail: reached ?? `${config.daytona.apiUrl} answers and accepts the key`,
      fix: key ? "check MCP_DAYTONA_API_KEY and MCP_DAYTONA_SERVER_URL, and the network" : "set MCP_DAYTONA_API_KEY (or DAYTONA_API_KEY)",
      required: config.provider === "daytona"
    });
  }
  return findings;
}
__name(diagnose, "diagnose");
async function startSandbox(config) {
  try {
    await using provider = new LocalProvider({
      ...config.local,
      log: silentLogger()
    });
    await provider.check();
    await using sandbox = await provider.create();
    const result = await sandbox.exec("true");
    return result.exitCode === 0 ? sandbox.protections : `a command failed: ${result.stderr.trim()}`;
  } catch (error) {
    return error.message;
  }
}
__name(startSandbox, "startSandbox");
var PROTECTIONS = {
  seccomp: {
    what: "system call filter (keyrings, namespaces, mounts, modules, bpf, perf, io_uring)",
    fix: "sudo apt-get install python3-seccomp (Fedora: python3-libseccomp)"
  },
  supervisor: {
    what: "supervisor out of the sandbox code's reach",
    fix: "use /usr/bin/python3 (--python)"
  },
  nestedNamespaces: {
    what: "no nested user namespaces",
    fix: "install bubblewrap 0.8 or later, or python3-seccomp"
  },
  shmCap: {
    what: "/dev/shm capped at 64 MiB",
    fix: "install bubblewrap 0.7 or later"
  },
  budget: {
    what: "a budget for the whole sandbox (memory with its RAM files, processes and CPU, by control groups)",
    fix: "run the server as root (cgroup v1 or v2), or as a user under `systemd-run --user --scope -p Delegate=yes deno task start` (cgroup v2); until then only per-process rlimits apply",
    rootFix: "mount the control group hierarchies where the server sees them: cgroup v2 (`mount -t cgroup2 none /sys/fs/cgroup`), or the cgroup v1 memory, pids, cpu and cpuacct hierarchies (`mount -t cgroup -o memory none /sys/fs/cgroup/memory`, and likewise); in a container, give it a writable cgroup of its own (Docker on a cgroup v2 host: `--cgroupns=private`); or start the server in a systemd scope with delegation (`systemd-run --scope -p Delegate=yes deno task start`); until then only per-process rlimits apply"
  },
  quotas: {
    what: "a share of the host user's inotify and fanotify quotas (a quarter), so that the user's other programs keep theirs",
    fix: "run Linux 5.11 or later, with util-linux's setpriv installed"
  },
  disk: {
    what: "a disk budget for home and /tmp (a mounted ext4 image of its size)",
    fix: "run the server as root with mkfs.ext4 and mount installed (e2fsprogs, util-linux), and --sandbox-disk-gb above 0; until then a sandbox's files are bounded only by the host's disk and the 4 GiB per-file limit",
    rootFix: "install mkfs.ext4 and mount (e2fsprogs, util-linux), make loop devices available (`modprobe loop`; in a container, /dev/loop-control and the /dev/loop* devices), and keep --sandbox-disk-gb above 0; until then a sandbox's files are bounded only by the host's disk and the 4 GiB per-file limit"
  }
};
function protectionFinding(status, asRoot = Deno.uid() === 0) {
  const entries = Object.entries(status);
  const missing = entries.filter(([, why]) => why !== null);
  return {
    name: "sandbox protections",
    ok: missing.length === 0,
    detail: missing.length === 0 ? `all enforced: ${entries.map(([name]) => PROTECTIONS[name].what).join("; ")}` : `NOT enforced: ${missing.map(([name, why]) => `${PROTECTIONS[name].what}: ${why}`).join("; ")}`,
    fix: missing.map(([name]) => {
      const { fix, rootFix } = PROTECTIONS[name];
      return asRoot ? rootFix ?? fix : fix;
    }).join("; "),
    required: false
  };
}
__name(protectionFinding, "protectionFinding");
async function reachDaytona(config) {
  try {
    const { DaytonaProvider } = await import("./daytona.js");
    await using provider = new DaytonaProvider({
      apiKey: config.daytona.apiKey,
      apiUrl: config.daytona.apiUrl,
      timeoutSeconds: 15,
      log: silentLogger()
    });
    await provider.check();
    return void 0;
  } catch (error) {
    return error.message;
  }
}
__name(reachDaytona, "reachDaytona");
function report(findings, provider) {
  for (const finding of findings) {
    const mark = finding.ok ? "ok  " : finding.required ? "FAIL" : "warn";
    console.log(`${mark}  ${finding.name}: ${finding.detail}`);
    if (!finding.ok && finding.fix) console.log(`      fix: ${finding.fix}`);
  }
  const broken = findings.some((f) => f.required && !f.ok);
  console.log(broken ? `
The ${provider} provider cannot work here yet: fix the FAIL lines above.` : `
Ready: the ${provider} provider can work here.`);
  return broken ? 1 : 0;
}
__name(report, "report");
export {
  diagnose,
  report
};
