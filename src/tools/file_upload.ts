/**
 * `file_upload`: write a text or binary file into the sandbox.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import { type Sandbox, SandboxFileError } from "../sandbox.ts";
import { budgetReading, diskFullNote, noNul, type ToolOptions } from "./_common.ts";
import { defineTool, presentJson, type ToolDefinition } from "./_define.ts";

/**
 * Arguments of {@linkcode fileUpload}, as the MCP tool takes them.
 *
 * @example Upload a binary file
 * ```ts ignore
 * import { fileUpload, type FileUploadInput, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const content = (await Deno.readFile("logo.png")).toBase64();
 * const input: FileUploadInput = { file_path: "assets/logo.png", content, encoding: "base64" };
 * await fileUpload(sandbox, input);
 * ```
 */
export interface FileUploadInput {
  /** Where to write, absolute or relative to the sandbox's home. Parent directories are created. */
  file_path: string;
  /** The file's content: text, or base64 when `encoding` is "base64". */
  content: string;
  /** How `content` is encoded. @default "text" */
  encoding?: "text" | "base64";
  /** Replace an existing file; when false an existing file is left untouched. @default true */
  overwrite?: boolean;
}

/**
 * What {@linkcode fileUpload} returns.
 *
 * @example Check an upload's checksum
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { fileUpload, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const uploaded = await fileUpload(sandbox, { file_path: "hello.txt", content: "hello" });
 * const sent = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("hello"));
 * equal(uploaded.sha256, new Uint8Array(sent).toHex());
 * equal(uploaded.size, 5);
 * ```
 */
export interface FileUploadOutput {
  /** Absolute path of the written file. */
  path: string;
  /** Bytes written. */
  size: number;
  /** SHA-256 of the bytes written, hex, to check a round trip. */
  sha256: string;
  /** Whether an existing file was replaced. */
  replaced: boolean;
}

/**
 * Writes `input.content` to `input.file_path` in the sandbox, creating parent directories. The
 * file is replaced in one step, so a failed upload never leaves half a file. Base64 content may
 * carry a `data:…;base64,` prefix and line breaks.
 *
 * @example Upload a text file
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { fileUpload, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const { path, size } = await fileUpload(sandbox, { file_path: "notes/hello.txt", content: "hi" });
 * equal(path, "/home/sandbox/notes/hello.txt"); // notes/ was created
 * equal(size, 2);
 * ```
 */
export async function fileUpload(
  sandbox: Sandbox,
  input: FileUploadInput,
  options: ToolOptions = {},
): Promise<FileUploadOutput> {
  const bytes: Uint8Array<ArrayBuffer> = input.encoding === "base64"
    ? decodeBase64(input.content)
    : new TextEncoder().encode(input.content);
  const overwrite = input.overwrite ?? true;
  const info = await sandbox.writeFile(input.file_path, bytes, {
    overwrite,
    signal: options.signal,
    onWait: options.onProgress,
  }).catch(async (error) => {
    const full = error instanceof SandboxFileError && error.code === "no_space" &&
      diskFullNote(await budgetReading(sandbox));
    if (!full) throw error;
    throw new SandboxFileError(
      "no_space",
      `Cannot upload ${input.file_path}: ${full.replace(/^The/, "the")}`,
      { cause: error },
    );
  });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return {
    path: info.path,
    size: info.size,
    sha256: digest.toHex(),
    replaced: info.replaced,
  };
}

function decodeBase64(content: string): Uint8Array<ArrayBuffer> {
  const body = content.replace(/^data:[^,]*;base64,/, "").replace(/\s+/g, "");
  try {
    return Uint8Array.fromBase64(body);
  } catch (error) {
    throw new TypeError(
      `Cannot upload file: content is not valid base64 (${
        (error as Error).message
      }); pass encoding: "text" for plain text`,
    );
  }
}

/** The MCP input schema of `file_upload`. */
export const fileUploadInputSchema = {
  file_path: noNul("file_path").min(1, "file_path must not be empty")
    .describe("Destination in the sandbox, absolute or relative to the home directory."),
  content: z.string({ error: "content must be a string" })
    .describe("The file's content: plain text, or base64 when encoding is base64."),
  encoding: z.enum(["text", "base64"], { error: "encoding must be text or base64" }).optional()
    .describe("text (default) or base64 for binary files."),
  overwrite: z.boolean({ error: "overwrite must be true or false" }).optional()
    .describe("Replace an existing file (default true). With false an existing file is an error."),
};

/** The MCP output schema of `file_upload`. */
export const fileUploadOutputSchema = {
  path: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  replaced: z.boolean(),
};

/** The `file_upload` tool: its definition, as the registry lists it. */
export const fileUploadTool: ToolDefinition<FileUploadInput, FileUploadOutput> = defineTool({
  name: "file_upload",
  title: "Upload a file",
  description:
    'Write a file into the sandbox: text as is, or binary as base64 (encoding: "base64"). Parent directories are created. With overwrite: false an existing file is an error and stays untouched. Returns the path, the size written and its SHA-256.',
  inputSchema: fileUploadInputSchema,
  outputSchema: fileUploadOutputSchema,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  run: fileUpload,
  present: (output) => presentJson(output, false),
});
