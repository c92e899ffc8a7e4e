/**
 * The tool list. Each tool's whole definition (name, title, description, schemas, annotations,
 * function, presentation) lives in its file in `src/tools/`; this module only lists them. The MCP
 * server, the generated handshake, the docs' checks and the tests all read these lists: adding a
 * tool means one file in `src/tools/` and one line here (see CONTRIBUTING.md).
 *
 * @example Look a tool up by name
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { sessionTools, tools } from "./registry.ts";
 *
 * const download = tools.find((tool) => tool.name === "file_download")!;
 * equal(download.annotations.readOnlyHint, false); // with host_path it writes the user's files
 * const result = download.present({
 *   path: "/home/sandbox/hello.txt",
 *   size: 6,
 *   mime_type: "text/plain",
 *   result: "content",
 *   message: "The whole file (6 B).",
 *   bytes_returned: 6,
 *   payload: { kind: "text", text: "hello\n" },
 * });
 * equal(result.structuredContent?.result, "content"); // the metadata, for programs
 * deepEqual(result.content[1], { type: "text", text: "hello\n" }); // the file, after its JSON
 * deepEqual(sessionTools.map((tool) => tool.name), [
 *   "sandbox_create",
 *   "sandbox_list",
 *   "sandbox_delete",
 * ]);
 * ```
 *
 * @module
 */

import type { AnySessionToolDefinition, AnyToolDefinition } from "./tools/_define.ts";
import { shellExecTool } from "./tools/shell_exec.ts";
import { pythonExecTool } from "./tools/python_exec.ts";
import { fileUploadTool } from "./tools/file_upload.ts";
import { fileDownloadTool } from "./tools/file_download.ts";
import { fileListTool } from "./tools/file_list.ts";
import { gitCloneTool } from "./tools/git_clone.ts";
import { webPreviewTool } from "./tools/web_preview.ts";
import { sandboxResetTool } from "./tools/sandbox_reset.ts";
import { sandboxCreateTool } from "./tools/sandbox_create.ts";
import { sandboxListTool } from "./tools/sandbox_list.ts";
import { sandboxDeleteTool } from "./tools/sandbox_delete.ts";

export type {
  AnySessionToolDefinition,
  AnyToolDefinition,
  SessionToolDefinition,
  ToolDefinition,
} from "./tools/_define.ts";
export type { ToolCredentials, ToolLimits, ToolRunOptions } from "./tools/_common.ts";

/** The tools that work in a sandbox, in the order clients list them. */
export const tools: readonly AnyToolDefinition[] = [
  shellExecTool,
  pythonExecTool,
  fileUploadTool,
  fileDownloadTool,
  fileListTool,
  gitCloneTool,
  webPreviewTool,
  sandboxResetTool,
];

/** The tools that manage the session's sandboxes. */
export const sessionTools: readonly AnySessionToolDefinition[] = [
  sandboxCreateTool,
  sandboxListTool,
  sandboxDeleteTool,
];
