/**
 * `file_list`: list a directory of the sandbox.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import type { FileInfo, Sandbox } from "../sandbox.ts";
import { noNul, type ToolOptions } from "./_common.ts";
import { defineTool, presentJson, READ_ONLY, type ToolDefinition } from "./_define.ts";

/**
 * Arguments of {@linkcode fileList}.
 *
 * @example List a directory two levels deep
 * ```ts ignore
 * import { deepEqual } from "node:assert/strict";
 * import { fileList, type FileListInput, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("mkdir -p app/src && touch app/src/main.py");
 * const input: FileListInput = { path: "app", depth: 2 };
 * deepEqual(
 *   (await fileList(sandbox, input)).entries.map((entry) => entry.path),
 *   ["/home/sandbox/app/src", "/home/sandbox/app/src/main.py"],
 * );
 * ```
 */
export interface FileListInput {
  /** Directory to list, absolute or relative to the home directory. @default "." */
  path?: string;
  /** Levels to descend; 1 lists the directory's own entries. @default 1 */
  depth?: number;
}

/**
 * What {@linkcode fileList} returns.
 *
 * @example Add up the sizes of the files in a directory
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { fileList, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("mkdir notes && echo hi > notes/a.txt && echo hello > notes/b.txt");
 * const listing = await fileList(sandbox, { path: "notes" });
 * const files = listing.entries.filter((entry) => entry.type === "file");
 * equal(files.reduce((sum, entry) => sum + entry.size, 0), 9); // "hi\n" and "hello\n"
 * ```
 */
export interface FileListOutput {
  /** The listed directory, absolute. */
  path: string;
  /** Its entries: name, path, type, size, modification time, mode, symlink target. */
  entries: FileInfo[];
  /** Whether entries were left out (more than 1000). */
  truncated: boolean;
}

/** Most entries one listing returns. */
const LIMIT = 1000;

/**
 * Lists `input.path` (default: the home directory) to `input.depth` levels, with each entry's
 * type, size, modification time and permissions. Symlinks are shown, not followed.
 *
 * @example List the home directory
 * ```ts ignore
 * import { equal, ok } from "node:assert/strict";
 * import { fileList, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("touch notes.txt");
 * const { path, entries } = await fileList(sandbox, {});
 * equal(path, "/home/sandbox");
 * ok(entries.some((e) => e.name === "notes.txt" && e.type === "file"));
 * ```
 */
export async function fileList(
  sandbox: Sandbox,
  input: FileListInput,
  options: ToolOptions = {},
): Promise<FileListOutput> {
  return await sandbox.listFiles(input.path ?? ".", {
    depth: input.depth ?? 1,
    limit: LIMIT,
    signal: options.signal,
    onWait: options.onProgress,
  });
}

/** The MCP input schema of `file_list`. */
export const fileListInputSchema = {
  path: noNul("path").optional()
    .describe("Directory to list, absolute or relative to the home directory (default: home)."),
  depth: z.number({ error: "depth must be a number" }).int("depth must be a whole number")
    .min(1, "depth must be at least 1").max(10, "depth must be at most 10").optional()
    .describe("Levels to descend (default 1: only the directory's own entries)."),
};

/** The MCP output schema of `file_list`. */
export const fileListOutputSchema = {
  path: z.string(),
  entries: z.array(z.object({
    path: z.string(),
    name: z.string(),
    type: z.enum(["file", "directory", "symlink", "other"]),
    size: z.number(),
    modified: z.string(),
    mode: z.string(),
    target: z.string().optional(),
  })),
  truncated: z.boolean(),
};

/** The `file_list` tool: its definition, as the registry lists it. */
export const fileListTool: ToolDefinition<FileListInput, FileListOutput> = defineTool({
  name: "file_list",
  title: "List files",
  description:
    "List a directory of the sandbox (default: the home directory) with each entry's type, size, modification time and permissions; depth descends into subdirectories. Symlinks are shown, not followed.",
  inputSchema: fileListInputSchema,
  outputSchema: fileListOutputSchema,
  annotations: READ_ONLY,
  run: fileList,
  present: (output) => presentJson(output, false),
});
