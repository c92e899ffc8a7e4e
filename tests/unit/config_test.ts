// A few edge cases of the command line and environment; tests/config_test.ts has the rest.

import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { type Config, parseCommand } from "../../src/config.ts";

function config(args: string[], env: Record<string, string> = {}): Config {
  const command = parseCommand(args, (name) => env[name]);
  if (command.kind !== "serve") throw new Error(`expected serve, got ${command.kind}`);
  return command.config;
}

Deno.test("parseCommand() lets a flag win over its variable, and treats an empty variable as unset", () => {
  assertEquals(
    config(["--timeout", "30"], { MCP_DEFAULT_TIMEOUT: "60" }).limits.defaultTimeout,
    30,
  );
  assertEquals(config([], { MCP_DEFAULT_TIMEOUT: "60" }).limits.defaultTimeout, 60);
  assertEquals(config([], { MCP_DEFAULT_TIMEOUT: "" }).limits.defaultTimeout, 300);
  assertEquals(config([], { MCP_SANDBOX_NETWORK: "" }).local.network, "internet");
});

Deno.test("parseCommand() takes limits up to their maximum and names the one over it", () => {
  assertEquals(config(["--timeout", "86400"]).limits.defaultTimeout, 86_400);
  assertThrows(
    () => config(["--timeout", "86401"]),
    {
      name: "TypeError",
      message:
        "Cannot configure: --timeout must be a number above 0 and at most 86400, got '86401'",
    },
  );
  assertThrows(
    () => config([], { MCP_MAX_OUTPUT_BYTES: "0" }),
    /MCP_MAX_OUTPUT_BYTES must be a number above 0 and at most 4000000, got '0'/,
  );
  assertEquals(config(["--sandbox-cpus", "0"]).local.budget.cpus, 0, "0: no CPU budget");
});

Deno.test("parseCommand() names the variable of a bad list entry", () => {
  assertThrows(
    () => config([], { MCP_SANDBOX_ALLOW_HOST_PORTS: "8080, http" }),
    /MCP_SANDBOX_ALLOW_HOST_PORTS must list ports from 1 to 65535, got 'http'/,
  );
  assertEquals(
    config(["--allow-host-port", " 8080,,9090 "]).local.egress.allowHostPorts,
    [8080, 9090],
  );
});
