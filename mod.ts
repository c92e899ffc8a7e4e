/**
 * An MCP server that gives AI assistants a sandboxed computer: shell commands and stateful Python
 * (charts come back as images), in a private workspace isolated with bubblewrap.
 *
 * Serve it to an MCP client over stdio (the `./cli` entry answers the handshake before the MCP SDK
 * has loaded; this module runs the server too, a little slower to start):
 *
 * ```sh
 * deno run --allow-run=bwrap,setpriv --allow-read=/tmp --allow-write=/tmp --allow-sys=uid --allow-env=MCP_*,DAYTONA_*,GIT_TOKEN,GITHUB_TOKEN jsr:@daytona-mcp/interpreter/cli
 * ```
 *
 * Or use the tools as plain functions:
 *
 * @example Run Python and a shell command in a local sandbox
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { LocalProvider, pythonExec, shellExec } from "./mod.ts";
 *
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await pythonExec(sandbox, { code: "import math; r = 2" });
 * const area = await pythonExec(sandbox, { code: "math.pi * r ** 2" });
 * equal(area.result, "12.566370614359172");
 * const uname = await shellExec(sandbox, { command: "uname -s" });
 * equal(uname.stdout, "Linux\n");
 * ```
 *
 * @module
 */

export * from "./src/sandbox.ts";
export * from "./src/providers/local/mod.ts";
export {
  shellExec,
  type ShellExecInput,
  type ShellExecOptions,
  type ShellExecOutput,
} from "./src/tools/shell_exec.ts";
export {
  pythonExec,
  type PythonExecImageInfo,
  type PythonExecInput,
  type PythonExecOptions,
  type PythonExecOutput,
} from "./src/tools/python_exec.ts";
export {
  fileUpload,
  type FileUploadInput,
  type FileUploadOptions,
  type FileUploadOutput,
} from "./src/tools/file_upload.ts";
export {
  type DownloadChoice,
  type DownloadOption,
  type DownloadPayload,
  fileDownload,
  type FileDownloadInput,
  type FileDownloadOptions,
  type FileDownloadOutput,
} from "./src/tools/file_download.ts";
export { fileList, type FileListInput, type FileListOutput } from "./src/tools/file_list.ts";
export {
  gitClone,
  type GitCloneInput,
  type GitCloneOptions,
  type GitCloneOutput,
} from "./src/tools/git_clone.ts";
export {
  webPreview,
  type WebPreviewInput,
  type WebPreviewOutput,
} from "./src/tools/web_preview.ts";
export {
  sandboxReset,
  type SandboxResetInput,
  type SandboxResetOutput,
} from "./src/tools/sandbox_reset.ts";
export type { ToolOptions, ToolShares } from "./src/tools/_common.ts";
export {
  checkShareNames,
  describeShares,
  locateShared,
  type OpenedSharedFile,
  openSharedFile,
  parseShare,
  SHARED_ROOT,
  type SharedDirectory,
  type SharedLocation,
  writeSharedFile,
  type WrittenSharedFile,
} from "./src/shares.ts";
export {
  sandboxCreate,
  type SandboxCreateInput,
  type SandboxCreateOutput,
} from "./src/tools/sandbox_create.ts";
export {
  sandboxList,
  type SandboxListEntry,
  type SandboxListOutput,
  type SandboxListUsage,
} from "./src/tools/sandbox_list.ts";
export {
  sandboxDelete,
  type SandboxDeleteInput,
  type SandboxDeleteOutput,
} from "./src/tools/sandbox_delete.ts";
export {
  SandboxCounter,
  SandboxSession,
  type SandboxSessionOptions,
  type SandboxSlot,
  type SessionDeleted,
  type SessionSandboxOptions,
  type SessionSandboxSummary,
} from "./src/session.ts";
export {
  checkWorkspaceName,
  DATA_DIR_NAME,
  defaultWorkspacesDir,
  WORKSPACE_NAME,
} from "./src/workspace.ts";
export { type Command, type Config, parseCommand, type Setting, SETTINGS } from "./src/config.ts";
export type { ToolCredentials, ToolLimits } from "./src/registry.ts";
export { createLogger, type Logger, type LogLevel, silentLogger } from "./src/log.ts";
export { VERSION } from "./src/version.ts";

if (import.meta.main) {
  const { main } = await import("./src/cli.ts");
  Deno.exit(await main(Deno.args));
}
