import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { BINARY_PERMISSIONS, compileArgs, TARGETS } from "../scripts/compile.ts";

Deno.test("compileArgs() builds every release target with the permissions baked in", () => {
  assertEquals(TARGETS.length, 5);
  for (const target of TARGETS) {
    const args = compileArgs(target);
    assertEquals(args[0], "compile");
    for (const flag of BINARY_PERMISSIONS) assert(args.includes(flag), `${target}: ${flag}`);
    assert(!args.includes("-A") && !args.includes("--allow-all"), "never every permission");
    assertEquals(args[args.indexOf("--target") + 1], target);
    const output = args[args.indexOf("--output") + 1];
    assertEquals(output.endsWith(".exe"), target.includes("windows"), output);
    assertEquals(args.at(-1), "bundle/cli.js");
  }
});
