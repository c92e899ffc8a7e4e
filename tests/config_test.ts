import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { type Config, parseCommand, SETTINGS, usage } from "../src/config.ts";

function config(args: string[], env: Record<string, string> = {}): Config {
  const command = parseCommand(args, (name) => env[name]);
  if (command.kind !== "serve") throw new Error(`expected serve, got ${command.kind}`);
  return command.config;
}

Deno.test("parseCommand() picks Daytona when a key is configured, local otherwise", () => {
  assertEquals(config([]).provider, "local");
  assertEquals(config([], { MCP_DAYTONA_API_KEY: "k" }).provider, "daytona");
  assertEquals(config([], { DAYTONA_API_KEY: "k" }).provider, "daytona");
  assertEquals(config(["--provider", "local"], { MCP_DAYTONA_API_KEY: "k" }).provider, "local");
  assertEquals(
    config([], { MCP_SANDBOX_PROVIDER: "local", DAYTONA_API_KEY: "k" }).provider,
    "local",
  );
});

Deno.test("parseCommand() reads the original MCP_DAYTONA_* variables, with the SDK's as fallbacks", () => {
  const defaults = config([], { MCP_DAYTONA_API_KEY: "k" }).daytona;
  assertEquals(defaults, {
    apiKey: "k",
    apiUrl: "https://app.daytona.io/api",
    target: undefined,
    timeoutSeconds: 180,
    autoStopMinutes: 15,
    verifySsl: true,
  });
  const fallback = config([], {
    DAYTONA_API_KEY: "sdk-key",
    DAYTONA_API_URL: "https://daytona.example/api",
    DAYTONA_TARGET: "eu",
  }).daytona;
  assertEquals([fallback.apiKey, fallback.apiUrl, fallback.target], [
    "sdk-key",
    "https://daytona.example/api",
    "eu",
  ]);
  const original = config([], {
    MCP_DAYTONA_API_KEY: "mcp-key",
    DAYTONA_API_KEY: "sdk-key",
    MCP_DAYTONA_SERVER_URL: "https://mine/api",
    DAYTONA_API_URL: "https://theirs/api",
    MCP_DAYTONA_TIMEOUT: "30",
    MCP_DAYTONA_TARGET: "us",
    MCP_VERIFY_SSL: "false",
  }).daytona;
  assertEquals(original, {
    apiKey: "mcp-key",
    apiUrl: "https://mine/api",
    target: "us",
    timeoutSeconds: 30,
    autoStopMinutes: 15,
    verifySsl: false,
  });
  const flags = config([
    "--daytona-api-key",
    "flag-key",
    "--daytona-server-url",
    "https://flag/api",
    "--daytona-target",
    "eu",
    "--daytona-timeout",
    "5",
  ], { MCP_DAYTONA_API_KEY: "env-key" }).daytona;
  assertEquals([flags.apiKey, flags.apiUrl, flags.target, flags.timeoutSeconds], [
    "flag-key",
    "https://flag/api",
    "eu",
    5,
  ]);
});

Deno.test("parseCommand() reads Daytona's auto-stop interval: whole minutes, 0 for never", () => {
  const minutes = (args: string[], env: Record<string, string> = {}) =>
    config(args, { MCP_DAYTONA_API_KEY: "k", ...env }).daytona.autoStopMinutes;
  assertEquals(minutes([]), 15);
  assertEquals(minutes([], { MCP_DAYTONA_AUTO_STOP_MINUTES: "60" }), 60);
  assertEquals(minutes(["--daytona-auto-stop", "0"]), 0);
  assertEquals(
    minutes(["--daytona-auto-stop=5"], { MCP_DAYTONA_AUTO_STOP_MINUTES: "60" }),
    5,
    "the flag wins",
  );
  for (const bad of ["-1", "2.5", "soon", "43201"]) {
    assertThrows(
      () => minutes([], { MCP_DAYTONA_AUTO_STOP_MINUTES: bad }),
      new RegExp(
        `^TypeError: Cannot configure: MCP_DAYTONA_AUTO_STOP_MINUTES must be whole minutes from 0 \\(never\\) to 43200, got '${
          bad.replace(".", "\\.")
        }'$`,
      ),
    );
  }
});

Deno.test("parseCommand() says which variable to set when Daytona has no key", () => {
  assertThrows(
    () => config(["--provider", "daytona"]),
    /no API key; set MCP_DAYTONA_API_KEY \(or DAYTONA_API_KEY\)/,
  );
});

Deno.test("parseCommand() names bad values", () => {
  assertThrows(
    () => config(["--provider", "aws"]),
    /--provider must be local or daytona, got 'aws'/,
  );
  assertThrows(
    () => config([], { MCP_DAYTONA_TIMEOUT: "soon", MCP_DAYTONA_API_KEY: "k" }),
    /MCP_DAYTONA_TIMEOUT must be a number/,
  );
  assertThrows(
    () => config([], { MCP_VERIFY_SSL: "maybe" }),
    /MCP_VERIFY_SSL must be true or false/,
  );
  assertThrows(() => config(["--timeout=-3"]), /--timeout must be a number above 0/);
  assertThrows(() => config(["--bogus"]), /bogus/);
});

Deno.test("parseCommand() reads git tokens for git_clone and the hosts GIT_TOKEN goes to", () => {
  assertEquals(config([], { GIT_TOKEN: "a", GITHUB_TOKEN: "b" }).credentials, {
    gitToken: "a",
    githubToken: "b",
    gitTokenHosts: [],
  });
  assertEquals(config([]).credentials, {
    gitToken: undefined,
    githubToken: undefined,
    gitTokenHosts: [],
  });
  const hosts = {
    GIT_TOKEN: "a",
    MCP_GIT_TOKEN_HOSTS: " GitLab.Example.com, git.example.com:8443,,",
  };
  assertEquals(config([], hosts).credentials.gitTokenHosts, [
    "gitlab.example.com",
    "git.example.com:8443",
  ]);
  assertEquals(config(["--git-token-hosts=a.example:443"], hosts).credentials.gitTokenHosts, [
    "a.example",
  ]);
  assertThrows(
    () => config([], { MCP_GIT_TOKEN_HOSTS: "https://gitlab.example.com/group" }),
    /MCP_GIT_TOKEN_HOSTS must list host or host:port names, got 'https:\/\/gitlab.example.com\/group'/,
  );
  // A GIT_TOKEN with no host listed is sent nowhere, and the server says so at start.
  const warned = (env: Record<string, string>) =>
    config([], env).notices.some((notice) => /GIT_TOKEN is set but no host is listed/.test(notice));
  assertEquals(warned({ GIT_TOKEN: "a" }), true);
  assertEquals(warned(hosts), false);
  assertEquals(warned({ GITHUB_TOKEN: "b" }), false);
});

Deno.test("parseCommand() reads flags in both forms and names what is wrong with them", () => {
  const serve = (args: string[]) => {
    const command = parseCommand(args, () => undefined);
    if (command.kind !== "serve") throw new Error(`not serve: ${command.kind}`);
    return command.config;
  };
  assertEquals(serve(["--network", "none"]).local.network, "none");
  assertEquals(serve(["--network=none"]).local.network, "none");
  assertEquals(serve(["--log-level=debug", "--http"]).logLevel, "debug");
  assertEquals(parseCommand(["-h"], () => undefined).kind, "help");
  assertEquals(parseCommand(["-V"], () => undefined).kind, "version");
  assertThrows(
    () => parseCommand(["--no-such-flag"], () => undefined),
    /Unknown option '--no-such-flag'/,
  );
  assertThrows(() => parseCommand(["-x"], () => undefined), /Unknown option '-x'/);
  assertThrows(
    () => parseCommand(["--network"], () => undefined),
    /'--network <value>' argument missing/,
  );
  assertThrows(
    () => parseCommand(["--http=yes"], () => undefined),
    /'--http' does not take a value/,
  );
  assertThrows(() => parseCommand(["serve"], () => undefined), /Unexpected argument 'serve'/);
});

Deno.test("parseCommand() reads the caps on sandboxes, 16 per server and 4 per session by default", () => {
  assertEquals(config([]).sandboxes, { max: 16, perSession: 4 });
  assertEquals(
    config([], { MCP_MAX_SANDBOXES: "40", MCP_MAX_SANDBOXES_PER_SESSION: "0" }).sandboxes,
    { max: 40, perSession: 0 },
  );
  assertEquals(
    config(["--max-sandboxes=2", "--max-sandboxes-per-session", "1"], { MCP_MAX_SANDBOXES: "40" })
      .sandboxes,
    { max: 2, perSession: 1 },
  );
  assertThrows(() => config(["--max-sandboxes", "lots"]), /--max-sandboxes must be a whole number/);
  assertThrows(
    () => config([], { MCP_MAX_SANDBOXES_PER_SESSION: "-1" }),
    /MCP_MAX_SANDBOXES_PER_SESSION must be a whole number/,
  );
});

Deno.test("parseCommand() defaults to the internet mode and keeps sandboxes off an HTTP server without a token", () => {
  // The internet mode gives each sandbox a network of its own: the server's port is not on it.
  assertEquals([config([]).local.network, config([]).notices], ["internet", []]);
  assertEquals([config(["--http"]).local.network, config(["--http"]).notices], ["internet", []]);
  // Sharing the host's network, sandbox code could open its own MCP session on 127.0.0.1.
  for (
    const [args, env, source] of [
      [["--http", "--network", "host"], {}, "--network"],
      [["--http"], { MCP_SANDBOX_NETWORK: "host" }, "MCP_SANDBOX_NETWORK"],
    ] as const
  ) {
    assertThrows(
      () => config([...args], env),
      new RegExp(
        `^TypeError: Cannot serve HTTP without a token with ${source} host: code in a sandbox would share this machine's network, so it could open its own MCP session on this server and drive it; set MCP_AUTH_TOKEN .*, or use --network internet$`,
      ),
    );
  }
  // Nor may the server's own port be opened to sandboxes.
  assertThrows(
    () => config(["--http", "--port", "8765", "--allow-host-port", "5432,8765"]),
    /Cannot serve HTTP without a token on port 8765 and open that port to sandboxes \(--allow-host-port\)/,
  );
  assertThrows(
    () => config(["--http", "--dangerously-run-unisolated"]),
    /Cannot serve HTTP without a token when running unisolated: .*set MCP_AUTH_TOKEN/,
  );
  // With a token, over stdio, or with Daytona, host is allowed.
  assertEquals(config(["--http", "--network", "host", "--auth-token", "t"]).local.network, "host");
  assertEquals(config(["--network", "host"]).local.network, "host");
  assertEquals(
    config(["--http", "--network", "host"], { MCP_DAYTONA_API_KEY: "k" }).local.network,
    "host",
  );
});

Deno.test("parseCommand() reads the egress policy: domains and host ports", () => {
  const local =
    config(["--network-allow", "pypi.org, *.pythonhosted.org", "--allow-host-port", "5432,11434"])
      .local;
  assertEquals(local.egress, {
    allowDomains: ["pypi.org", "*.pythonhosted.org"],
    allowHostPorts: [5432, 11434],
  });
  assertEquals(config([]).local.egress, { allowDomains: undefined, allowHostPorts: [] });
  assertEquals(
    config([], { MCP_SANDBOX_ALLOW_HOST_PORTS: "6379" }).local.egress.allowHostPorts,
    [6379],
  );
  for (const bad of ["0", "65536", "http", "5432.5"]) {
    assertThrows(
      () => config(["--allow-host-port", bad]),
      new RegExp(
        `--allow-host-port must list ports from 1 to 65535, got '${bad.replace(".", "\\.")}'`,
      ),
    );
  }
  assertThrows(() => config(["--network", "bridge"]), /--network must be internet or none or host/);
});

Deno.test("usage() shows each setting's flag, meaning, variable and default", () => {
  const text = usage();
  for (const setting of SETTINGS) {
    const flag = setting.switch === undefined ? `${setting.flag} <value>` : setting.flag;
    const env = setting.switch === undefined ? setting.env : `${setting.env}=${setting.switch}`;
    assert(
      text.includes(
        `  ${flag.padEnd(36)} ${setting.description}\n${
          " ".repeat(39)
        }env ${env}, default: ${setting.default}\n`,
      ),
      `--help shows ${setting.flag}`,
    );
  }
  assert(text.includes(`  ${"-h, --help".padEnd(36)} Show this help\n`));
});
