/**
 * The tool table: one row per tool. The MCP server, the docs and the tests all read it; nothing
 * else lists tools. Adding a tool means one file in `src/tools/` and one row here.
 *
 * @module
 */

import type { z } from "npm:zod@4.6.7";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type {
  CallToolResult,
  ToolAnnotations,
} from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import type { Sandbox } from "./sandbox.ts";
import type { SandboxSession } from "./session.ts";
import {
  sandboxCreate,
  sandboxCreateInputSchema,
  sandboxCreateOutputSchema,
} from "./tools/sandbox_create.ts";
import {
  sandboxDelete,
  sandboxDeleteInputSchema,
  sandboxDeleteOutputSchema,
} from "./tools/sandbox_delete.ts";
import {
  sandboxList,
  sandboxListInputSchema,
  sandboxListOutputSchema,
} from "./tools/sandbox_list.ts";
import type { ToolOptions } from "./tools/_common.ts";
import {
  pythonExec,
  pythonExecFailed,
  pythonExecInputSchema,
  type PythonExecOutput,
  pythonExecOutputSchema,
} from "./tools/python_exec.ts";
import {
  fileDownload,
  fileDownloadInputSchema,
  type FileDownloadOutput,
  fileDownloadOutputSchema,
} from "./tools/file_download.ts";
import { fileList, fileListInputSchema, fileListOutputSchema } from "./tools/file_list.ts";
import { fileUpload, fileUploadInputSchema, fileUploadOutputSchema } from "./tools/file_upload.ts";
import { gitClone, gitCloneInputSchema, gitCloneOutputSchema } from "./tools/git_clone.ts";
import {
  webPreview,
  webPreviewInputSchema,
  type WebPreviewOutput,
  webPreviewOutputSchema,
} from "./tools/web_preview.ts";
import {
  shellExec,
  shellExecInputSchema,
  type ShellExecOutput,
  shellExecOutputSchema,
} from "./tools/shell_exec.ts";

/**
 * Server-wide limits that tools apply; set once from the configuration.
 *
 * @example Read the limits from the configuration
 * ```ts
 * import { parseCommand, type ToolLimits } from "../mod.ts";
 * const command = parseCommand(["--timeout", "60"], () => undefined);
 * if (command.kind === "serve") {
 *   const limits: ToolLimits = command.config.limits; // tools take them as options
 *   console.log(limits.defaultTimeout, limits.maxOutputBytes); // 60 100000
 * }
 * ```
 */
export interface ToolLimits {
  /** Bytes of stdout, and of stderr, a call keeps. */
  maxOutputBytes: number;
  /** Seconds before a call that gave no timeout is stopped. */
  defaultTimeout: number;
  /** Largest image, in bytes, a call returns. */
  maxImageBytes: number;
}

/**
 * Secrets from the server's environment that tools may hand to the sandbox, never show.
 *
 * @example Take git tokens from the environment
 * ```ts
 * import { parseCommand, type ToolCredentials } from "../mod.ts";
 * const env = (name: string) => name === "GITHUB_TOKEN" ? "ghp_example" : undefined;
 * const command = parseCommand([], env);
 * if (command.kind === "serve") {
 *   const credentials: ToolCredentials = command.config.credentials; // gitClone takes them
 *   console.log(credentials.githubToken, credentials.gitToken); // "ghp_example" undefined
 * }
 * ```
 */
export interface ToolCredentials {
  /** Token for https git repositories on the hosts of `gitTokenHosts` (GIT_TOKEN). */
  gitToken?: string;
  /** Token for https://github.com repositories (GITHUB_TOKEN). */
  githubToken?: string;
  /** Hosts (`host` or `host:port`) GIT_TOKEN is sent to; none means nowhere (MCP_GIT_TOKEN_HOSTS). */
  gitTokenHosts?: readonly string[];
}

/** What every tool function receives besides the sandbox and its input. */
export type ToolRunOptions = ToolOptions & Partial<ToolLimits> & ToolCredentials;

/** One row of the table. */
export interface ToolDefinition<
  Input extends z.ZodRawShape = z.ZodRawShape,
  Output = unknown,
> {
  /** The MCP tool name (snake_case, as the original server named it). */
  name: string;
  /** A short human title. */
  title: string;
  /** What the tool does, for the model. */
  description: string;
  /** zod shape of the arguments. */
  inputSchema: Input;
  /** zod shape of the structured result. */
  outputSchema: z.ZodRawShape;
  /** MCP hints; every field is set explicitly because the spec's defaults assume the worst. */
  annotations: ToolAnnotations;
  /** The tool function. */
  run(
    sandbox: Sandbox,
    input: z.infer<z.ZodObject<Input>>,
    options: ToolRunOptions,
  ): Promise<Output>;
  /** Turns the function's output into an MCP tool result. */
  present(output: Output): CallToolResult;
}

/** Keeps each row's input and output types tied together. */
function defineTool<Input extends z.ZodRawShape, Output>(
  tool: ToolDefinition<Input, Output>,
): ToolDefinition<Input, Output> {
  return tool;
}

/** A result whose structured content is the output itself, mirrored as JSON text. */
function presentJson(output: object, isError: boolean): CallToolResult {
  const structuredContent = output as Record<string, unknown>;
  return {
    content: [{ type: "text", text: JSON.stringify(structuredContent) }],
    structuredContent,
    isError,
  };
}

/** file_download's result: metadata as structured content, the file itself as MCP content. */
function presentDownload(output: FileDownloadOutput): CallToolResult {
  const { payload, ...meta } = output;
  const result = presentJson(meta, false);
  switch (payload?.kind) {
    case "text":
      result.content.push({ type: "text", text: payload.text });
      break;
    case "image":
      result.content.push({ type: "image", data: payload.data, mimeType: payload.mimeType });
      break;
    case "blob":
      result.content.push({
        type: "resource",
        resource: { uri: payload.uri, mimeType: payload.mimeType, blob: payload.data },
      });
      break;
    case "link":
      result.content.push({
        type: "resource_link",
        uri: payload.uri,
        name: payload.name,
        mimeType: payload.mimeType,
        size: payload.size,
      });
      break;
  }
  return result;
}

/** Hints for tools that only read the sandbox. */
const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;

/** A row of the session table: a tool that manages sandboxes instead of working in one. */
export interface SessionToolDefinition<
  Input extends z.ZodRawShape = z.ZodRawShape,
  Output = unknown,
> extends Omit<ToolDefinition<Input, Output>, "run"> {
  /** The tool function. */
  run(
    session: SandboxSession,
    input: z.infer<z.ZodObject<Input>>,
    options: ToolRunOptions,
  ): Promise<Output>;
}

function defineSessionTool<Input extends z.ZodRawShape, Output>(
  tool: SessionToolDefinition<Input, Output>,
): SessionToolDefinition<Input, Output> {
  return tool;
}

/** A row of the table whatever its input and output types. */
// deno-lint-ignore no-explicit-any
export type AnyToolDefinition = ToolDefinition<any, any>;

/** The tools this server offers. */
export const tools: readonly AnyToolDefinition[] = [
  defineTool({
    name: "shell_exec",
    title: "Run a shell command",
    description:
      "Run a shell command in the sandbox (/bin/sh -c, in the sandbox's home directory unless cwd is given). Returns stdout and stderr separately, the exit code and the duration. Long output keeps its head and tail. End a command with `&` to leave a server running in the background; the call returns at once. The command's whole process group is killed after `timeout` seconds (default 300).",
    inputSchema: shellExecInputSchema,
    outputSchema: shellExecOutputSchema,
    annotations: {
      title: "Run a shell command",
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    },
    run: shellExec,
    present: (output: ShellExecOutput) =>
      presentJson(output, output.exit_code !== 0 || output.timed_out),
  }),
  defineTool({
    name: "python_exec",
    title: "Run Python",
    description:
      "Run Python code in the sandbox's persistent interpreter, like a notebook cell: variables, imports and functions survive between calls. Returns stdout, stderr, the repr of a final expression, and the traceback if the code raised. matplotlib figures left open are returned as PNG images and closed. `reset: true` starts a fresh interpreter first. The code is interrupted after `timeout` seconds (default 300).",
    inputSchema: pythonExecInputSchema,
    outputSchema: pythonExecOutputSchema,
    annotations: {
      title: "Run Python",
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    },
    run: pythonExec,
    present: (output: PythonExecOutput) => {
      const { images, ...rest } = output;
      const described = { ...rest, images: images.map(({ data: _, ...info }) => info) };
      const result = presentJson(described, pythonExecFailed(output));
      for (const image of images) {
        result.content.push({ type: "image", data: image.data, mimeType: image.mime_type });
      }
      return result;
    },
  }),
  defineTool({
    name: "file_upload",
    title: "Upload a file",
    description:
      'Write a file into the sandbox: text as is, or binary as base64 (encoding: "base64"). Parent directories are created. With overwrite: false an existing file is an error and stays untouched. Returns the path, the size written and its SHA-256.',
    inputSchema: fileUploadInputSchema,
    outputSchema: fileUploadOutputSchema,
    annotations: {
      title: "Upload a file",
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
    run: fileUpload,
    present: (output) => presentJson(output, false),
  }),
  defineTool({
    name: "file_download",
    title: "Download a file",
    description:
      "Read a file from the sandbox. Within max_size_mb (default 5) it comes back whole: text as text, images as images, other files as base64; files over 1 MiB come as a sandbox:// resource link. Over the limit, the result lists the options with exact calls: download_partial (chunk_size_kb from offset_kb), convert_to_text (PDF, HTML, text), compress_file (gzip), force_download.",
    inputSchema: fileDownloadInputSchema,
    outputSchema: fileDownloadOutputSchema,
    annotations: { title: "Download a file", ...READ_ONLY },
    run: fileDownload,
    present: presentDownload,
  }),
  defineTool({
    name: "file_list",
    title: "List files",
    description:
      "List a directory of the sandbox (default: the home directory) with each entry's type, size, modification time and permissions; depth descends into subdirectories. Symlinks are shown, not followed.",
    inputSchema: fileListInputSchema,
    outputSchema: fileListOutputSchema,
    annotations: { title: "List files", ...READ_ONLY },
    run: fileList,
    present: (output) => presentJson(output, false),
  }),
  defineTool({
    name: "git_clone",
    title: "Clone a git repository",
    description:
      "Clone a git repository into the sandbox (default target: the repository's name in the home directory). depth defaults to 1 (0 = full history); branch picks a branch or tag, commit a specific commit; lfs: true also fetches Git LFS files. Private https repositories use the server's GIT_TOKEN / GITHUB_TOKEN. Returns the path, commit, branch and the tracked files.",
    inputSchema: gitCloneInputSchema,
    outputSchema: gitCloneOutputSchema,
    annotations: {
      title: "Clone a git repository",
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    },
    run: gitClone,
    present: (output) => presentJson(output, false),
  }),
  defineTool({
    name: "web_preview",
    title: "Preview a web server",
    description:
      'Get the URL of a web server running in the sandbox on the given port (start it first in the background, e.g. shell_exec(command="python3 -m http.server 8000 &")). With check_server (default true) the server is probed; if nothing answers, the result lists the ports that are listening.',
    inputSchema: webPreviewInputSchema,
    outputSchema: webPreviewOutputSchema,
    annotations: { title: "Preview a web server", ...READ_ONLY },
    run: webPreview,
    present: (output: WebPreviewOutput) => presentJson(output, output.accessible === false),
  }),
];

/** A row of the session table whatever its input and output types. */
// deno-lint-ignore no-explicit-any
export type AnySessionToolDefinition = SessionToolDefinition<any, any>;

/** Tools that manage the session's sandboxes. */
export const sessionTools: readonly AnySessionToolDefinition[] = [
  defineSessionTool({
    name: "sandbox_create",
    title: "Create a sandbox",
    description:
      "Create another sandbox for this session (the default one is created automatically on first use). Options: image or snapshot (Daytona), env, cpu/memory/disk (Daytona), network_block_all (both providers), network_allow_list (local: domains, enforced by the sandbox's proxy; Daytona: IPv4 CIDR blocks), auto_stop_minutes (Daytona), labels. Returns its sandbox_id, which every other tool accepts. It is deleted when the session ends. Sandboxes are capped per session (the default one included) and per server; at a cap this fails and says how to free one.",
    inputSchema: sandboxCreateInputSchema,
    outputSchema: sandboxCreateOutputSchema,
    annotations: {
      title: "Create a sandbox",
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    },
    run: sandboxCreate,
    present: (output) => presentJson(output, false),
  }),
  defineSessionTool({
    name: "sandbox_list",
    title: "List sandboxes",
    description:
      "List this session's sandboxes (never another session's), with their state and labels; `default` marks the session's default sandbox.",
    inputSchema: sandboxListInputSchema,
    outputSchema: sandboxListOutputSchema,
    annotations: { title: "List sandboxes", ...READ_ONLY, openWorldHint: true },
    run: sandboxList,
    present: (output) => presentJson(output, false),
  }),
  defineSessionTool({
    name: "sandbox_delete",
    title: "Delete a sandbox",
    description:
      "Delete a sandbox of this session, with all its processes and files; this frees its place under the caps. Deleting the default sandbox is allowed; the next call gets a fresh one. Any other id is not found.",
    inputSchema: sandboxDeleteInputSchema,
    outputSchema: sandboxDeleteOutputSchema,
    annotations: {
      title: "Delete a sandbox",
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: true,
    },
    run: sandboxDelete,
    present: (output) => presentJson(output, false),
  }),
];
