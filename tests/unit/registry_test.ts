import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { sessionTools, tools } from "../../src/registry.ts";

const rows = [...tools, ...sessionTools];
/** Rows whose presentation only mirrors the output (the others are tested with their tools). */
const plain = [
  "file_list",
  "file_upload",
  "git_clone",
  "sandbox_create",
  "sandbox_delete",
  "sandbox_list",
];

Deno.test("The tool table names each tool once and sets every hint explicitly", () => {
  assertEquals(new Set(rows.map((t) => t.name)).size, rows.length);
  for (const row of rows) {
    assertEquals(
      ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"]
        .map((hint) => typeof row.annotations[hint as keyof typeof row.annotations]),
      ["boolean", "boolean", "boolean", "boolean"],
      row.name,
    );
    assertEquals(row.annotations.title, row.title, row.name);
  }
});

Deno.test("file_list, file_upload, git_clone and the sandbox tools present their output as is, never as an error", () => {
  const output = { path: "/home/sandbox/x", nested: { n: 1 }, list: ["a"] };
  for (const name of plain) {
    const row = rows.find((t) => t.name === name)!;
    assertEquals(row.present(output), {
      content: [{ type: "text", text: JSON.stringify(output) }],
      structuredContent: output,
      isError: false,
    }, name);
  }
});
