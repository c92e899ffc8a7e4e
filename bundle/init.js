// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  bool,
  helpRows,
  oneOf,
  parseCommandWith,
  text,
  usage
} from "./shared-cli-init.js";
import "./shared-cli-daytona-doctor-init.js";
import "./shared-cli-init-modern-server.js";
import "./shared-cli-doctor-init-modern-server.js";
import "./shared-cli-daytona-doctor-init-modern-server.js";
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/init.ts
var CLIENTS = [
  "claude-desktop",
  "cursor",
  "claude-code"
];
var INIT_OPTIONS = {
  client: {
    flag: "--client",
    parse: oneOf(CLIENTS, "claude-desktop, cursor or claude-code"),
    fallback: void 0,
    default: "all three",
    description: "The client to configure: claude-desktop, cursor or claude-code"
  },
  binary: {
    flag: "--binary",
    parse: text,
    fallback: void 0,
    default: "deno run",
    description: "A compiled server (deno task compile) for the client to start, by its path"
  },
  jsr: {
    flag: "--jsr",
    switch: true,
    parse: bool,
    fallback: false,
    description: "Start the server from JSR even when this one runs from a checkout"
  },
  write: {
    flag: "--write",
    switch: true,
    parse: bool,
    fallback: false,
    description: "Write the entry into the clients' configuration files, showing the change"
  }
};
function initUsage() {
  return [
    "Usage: deno task init [options]",
    "Prints the MCP client configuration that starts this server with the options given, for the",
    "provider they choose; with --write, writes it.",
    "",
    "Options of init:",
    ...helpRows(Object.values(INIT_OPTIONS)),
    "",
    usage()
  ].join("\n");
}
__name(initUsage, "initUsage");
function permissionFlags(config) {
  if (config.provider === "daytona") {
    const read = config.shares.map((share) => share.path);
    const write = config.shares.filter((share) => share.mode === "rw").map((share) => share.path);
    return [
      "--allow-net",
      "--allow-env",
      ...read.length ? [
        `--allow-read=${read.join(",")}`
      ] : [],
      ...write.length ? [
        `--allow-write=${write.join(",")}`
      ] : []
    ];
  }
  const dirs = [
    config.local.baseDir,
    config.local.workspacesDir
  ].filter(Boolean).join(",");
  return [
    "--allow-run=bwrap,setpriv",
    `--allow-read=${dirs}`,
    `--allow-write=${dirs}`,
    "--allow-sys=uid",
    "--allow-env=MCP_*,DAYTONA_*,GIT_TOKEN,GITHUB_TOKEN,HOME,XDG_DATA_HOME",
    // The internet mode's egress proxy connects to the destinations sandboxes ask for, and a
    // preview listens on 127.0.0.1.
    ...config.local.network === "host" ? [] : [
      "--allow-net"
    ]
  ];
}
__name(permissionFlags, "permissionFlags");
function runFlags(config, target) {
  const flags = permissionFlags(config);
  const checkout = target.match(/^(\/.*)\/bundle\/cli\.js$/)?.[1];
  if (!checkout || config.provider === "daytona") return flags;
  return [
    `--lock=${checkout}/deno.lock`,
    "--unstable-lazy-dynamic-imports",
    ...flags.map((flag) => flag.startsWith("--allow-read=") ? `${flag},${checkout}/bundle` : flag)
  ];
}
__name(runFlags, "runFlags");
function serverEntry(config, target, binary) {
  const providerArgs = [
    ...config.provider === "daytona" ? [
      "--provider",
      "daytona"
    ] : [],
    ...config.shares.flatMap((share) => [
      "--share",
      share.mode === "rw" ? `${share.path}:rw` : share.path
    ])
  ];
  const env = config.provider === "daytona" ? {
    MCP_DAYTONA_API_KEY: "<your Daytona API key>"
  } : void 0;
  return binary ? {
    command: binary,
    args: providerArgs,
    ...env && {
      env
    }
  } : {
    command: "deno",
    args: [
      "run",
      ...runFlags(config, target),
      target,
      ...providerArgs
    ],
    ...env && {
      env
    }
  };
}
__name(serverEntry, "serverEntry");
function home() {
  return Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".";
}
__name(home, "home");
function configPaths() {
  const base = Deno.build.os === "darwin" ? `${home()}/Library/Application Support/Claude` : Deno.build.os === "windows" ? `${Deno.env.get("APPDATA") ?? home()}/Claude` : `${home()}/.config/Claude`;
  return {
    "claude-desktop": `${base}/claude_desktop_config.json`,
    cursor: `${home()}/.cursor/mcp.json`
  };
}
__name(configPaths, "configPaths");
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
__name(isObject, "isObject");
function shellWord(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
__name(shellWord, "shellWord");
async function replaceFile(path, text2) {
  let target = path;
  let mode = 420;
  const link = await Deno.lstat(path).catch(() => void 0);
  if (link?.isSymlink) {
    target = await Deno.realPath(path).catch(() => {
      throw new Error("it is a symlink to a file that does not exist");
    });
  }
  if (link) mode = (await Deno.stat(target)).mode & 4095;
  await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), {
    recursive: true
  });
  const temporary = `${target}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeTextFile(temporary, text2, {
      createNew: true,
      mode
    });
    await Deno.chmod(temporary, mode);
    await Deno.rename(temporary, target);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {
    });
    throw error;
  }
}
__name(replaceFile, "replaceFile");
async function runInit(args, env) {
  let parsed;
  try {
    parsed = parseCommandWith(args, env, INIT_OPTIONS);
  } catch (error) {
    console.error(error.message);
    return 2;
  }
  if (parsed.command.kind !== "serve") {
    console.log(initUsage());
    return 0;
  }
  const { command: { config }, options } = parsed;
  const clients = options.client ? [
    options.client
  ] : CLIENTS;
  const local = new URL(Deno.mainModule);
  const target = options.jsr || local.protocol !== "file:" ? "jsr:@daytona-mcp/interpreter/cli" : local.pathname;
  const entry = serverEntry(config, target, options.binary);
  const paths = configPaths();
  for (const client of clients) {
    if (client === "claude-code") {
      const vars = Object.entries(entry.env ?? {}).map(([k, v]) => `-e ${shellWord(`${k}=${v}`)} `).join("");
      console.log(`Claude Code:
  claude mcp add sandbox ${vars}-- ${[
        entry.command,
        ...entry.args
      ].map(shellWord).join(" ")}
`);
      continue;
    }
    const path = paths[client];
    const snippet = {
      mcpServers: {
        sandbox: entry
      }
    };
    if (!options.write) {
      console.log(`${client} (${path}):
${JSON.stringify(snippet, null, 2)}
`);
      continue;
    }
    let current = {};
    let text2;
    try {
      text2 = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        console.error(`Cannot update ${path}: ${error.message}`);
        return 1;
      }
    }
    if (text2 !== void 0) {
      try {
        current = JSON.parse(text2, (_key, value, context) => typeof value === "number" && context?.source !== void 0 ? JSON.rawJSON(context.source) : value);
      } catch (error) {
        console.error(`Cannot update ${path}: ${error.message}`);
        return 1;
      }
      if (!isObject(current) || current.mcpServers !== void 0 && !isObject(current.mcpServers)) {
        console.error(`Cannot update ${path}: it is not a JSON object whose "mcpServers" is an object; left as it is. Add this to it by hand:
${JSON.stringify(snippet, null, 2)}`);
        return 1;
      }
    }
    const before = JSON.stringify(current.mcpServers?.sandbox ?? null, null, 2);
    const after = JSON.stringify(entry, null, 2);
    console.log(`${client}: ${path}`);
    if (before === after) {
      console.log("  already configured\n");
      continue;
    }
    for (const line of before.split("\n")) console.log(`  - ${line}`);
    for (const line of after.split("\n")) console.log(`  + ${line}`);
    const next = {
      ...current,
      mcpServers: {
        ...current.mcpServers,
        sandbox: entry
      }
    };
    try {
      await replaceFile(path, JSON.stringify(next, null, 2) + "\n");
    } catch (error) {
      console.error(`Cannot update ${path}: ${error.message}`);
      return 1;
    }
    console.log(entry.env ? "  written; put your API key in place of the placeholder\n" : "  written; restart the client\n");
  }
  return 0;
}
__name(runInit, "runInit");
export {
  INIT_OPTIONS,
  configPaths,
  initUsage,
  permissionFlags,
  runFlags,
  runInit,
  serverEntry
};
