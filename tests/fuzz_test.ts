// Property-based fuzzing of every tool through the MCP client: random and malformed arguments
// never crash the server; every reply is a tool result or a JSON-RPC error; the server then
// answers a normal call.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import { CallToolResultSchema, McpError } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { sessionTools, tools } from "../src/registry.ts";
import { connect, hasBwrap, structured } from "./_helpers.ts";

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  fc.constantFrom(
    "",
    "\0",
    "../../etc/passwd",
    "~",
    "-rf",
    "a\u0000b",
    "\u202e\ufeff",
    "😀".repeat(50),
  ),
  fc.string({ minLength: 5000, maxLength: 20000 }),
  fc.integer(),
  fc.constantFrom(0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 65536, 0.5),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

function argsFor(names: string[]) {
  return fc.record(Object.fromEntries(names.map((name) => [name, nasty])), { requiredKeys: [] })
    .chain((known) =>
      fc.dictionary(fc.string({ maxLength: 8 }), nasty, { maxKeys: 2 }).map((extra) => ({
        ...extra,
        ...known,
      }))
    );
}

/** Arguments of the right JSON types, with hostile contents: they get past validation. */
function typedArgsFor(
  schema: { properties?: Record<string, { type?: string | string[] }>; required?: string[] },
) {
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.constantFrom("..", "/", "/etc/shadow", "~/x", "a b/c.txt", "$(id)", "`id`", "-x", "é/ü"),
  );
  const value = (name: string, type: string | string[] | undefined) => {
    const kind = Array.isArray(type) ? type[0] : type;
    if (name === "timeout") return fc.double({ min: 0.05, max: 2, noNaN: true });
    if (kind === "integer" || kind === "number") return fc.integer({ min: -5, max: 70000 });
    if (kind === "boolean") return fc.boolean();
    if (kind === "object") {
      return fc.dictionary(fc.stringMatching(/^[A-Z_]{1,6}$/), text, { maxKeys: 2 });
    }
    return text;
  };
  // A random sandbox_id only ever meets "not found"; the first property covers that.
  const props = Object.entries(schema.properties ?? {}).filter(([name]) => name !== "sandbox_id");
  return fc.record(
    Object.fromEntries(props.map(([name, p]) => [name, value(name, p.type)])),
    { requiredKeys: (schema.required ?? []).filter((name) => name !== "sandbox_id") },
  );
}

Deno.test("fuzzing every tool with random arguments never breaks the server", {
  ignore: !hasBwrap,
}, async () => {
  await using mcp = await connect({ limits: { defaultTimeout: 5 } });
  for (const tool of [...tools, ...sessionTools]) {
    const names = [...Object.keys(tool.inputSchema), "sandbox_id"];
    const runs = tool.name === "web_preview" ? 6 : 25;
    await fc.assert(
      fc.asyncProperty(argsFor(names), async (args) => {
        try {
          const result = await mcp.client.callTool({ name: tool.name, arguments: args });
          assert(CallToolResultSchema.safeParse(result).success, JSON.stringify(result));
        } catch (error) {
          assert(error instanceof McpError, `${tool.name}: ${error}`);
        }
      }),
      { numRuns: runs, seed: 20261124 + runs },
    );
  }
  const listed = (await mcp.client.listTools()).tools;
  let accepted = 0;
  for (const tool of listed) {
    const runs = tool.name === "web_preview" ? 4 : 20;
    await fc.assert(
      fc.asyncProperty(typedArgsFor(tool.inputSchema), async (args) => {
        const result = await mcp.client.callTool({ name: tool.name, arguments: args });
        assert(CallToolResultSchema.safeParse(result).success, JSON.stringify(result));
        if (result.structuredContent) accepted++; // the tool itself ran and answered
      }),
      { numRuns: runs, seed: 424242 + runs },
    );
  }
  console.log(`fuzz: ${accepted} calls reached a tool`);
  assert(accepted > 40, `only ${accepted} calls reached a tool: the fuzzer is too shallow`);
  const after = await mcp.call("shell_exec", { command: "echo still fine" });
  assertEquals(structured<{ stdout: string }>(after).stdout, "still fine\n");
  const py = await mcp.call("python_exec", { code: "21 * 2" });
  assertEquals(structured<{ result: string }>(py).result, "42");
});
