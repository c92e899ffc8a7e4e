import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { type Config, parseCommand } from "../src/config.ts";

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

Deno.test("parseCommand() reads git tokens for git_clone", () => {
  assertEquals(config([], { GIT_TOKEN: "a", GITHUB_TOKEN: "b" }).credentials, {
    gitToken: "a",
    githubToken: "b",
  });
  assertEquals(config([]).credentials, { gitToken: undefined, githubToken: undefined });
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
