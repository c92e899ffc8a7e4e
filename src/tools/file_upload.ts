/**
 * `file_upload`: write a text or binary file into the sandbox.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import { type Sandbox, SandboxFileError } from "../sandbox.ts";
import { locateShared, openSharedFile } from "../shares.ts";
import {
  budgetReading,
  diskFullNote,
  noNul,
  type ToolOptions,
  type ToolShares,
} from "./_common.ts";
import { defineTool, presentJson, type ToolDefinition, WRITES_FILE } from "./_define.ts";
import { sha256Tap, sharedFileError } from "./_files.ts";

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
  /** The file's content: text, or base64 when `encoding` is "base64". Give this or `host_path`. */
  content?: string;
  /**
   * A file of the user's machine inside a shared directory (`--share`) to copy instead of
   * `content`: streamed into the sandbox, whatever its size, without passing through the model.
   */
  host_path?: string;
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
  /** The host file copied, when the upload came from `host_path`. */
  host_path?: string;
}

/**
 * Options for {@linkcode fileUpload}: the shared directories `host_path` may name.
 *
 * @example Upload a file of a shared directory
 * ```ts ignore
 * import { fileUpload, type FileUploadOptions, LocalProvider, parseCommand } from "../../mod.ts";
 * const command = parseCommand(["--share", "/home/me/projects"], () => undefined);
 * if (command.kind !== "serve") throw new Error("unexpected");
 * const options: FileUploadOptions = { shares: command.config.shares };
 * await using provider = new LocalProvider({ shares: command.config.shares });
 * await using sandbox = await provider.create();
 * const input = { file_path: "data.csv", host_path: "/home/me/projects/data.csv" };
 * console.log((await fileUpload(sandbox, input, options)).size);
 * ```
 */
export interface FileUploadOptions extends ToolOptions, ToolShares {}

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
  options: FileUploadOptions = {},
): Promise<FileUploadOutput> {
  if ((input.content === undefined) === (input.host_path === undefined)) {
    throw new TypeError(
      `Cannot upload ${input.file_path}: pass either content (the data itself) or host_path (a file in a shared directory), ${
        input.content === undefined ? "not neither" : "not both"
      }`,
    );
  }
  if (input.host_path !== undefined) return await uploadFromHost(sandbox, input, options);
  const content = input.content!;
  const bytes: Uint8Array<ArrayBuffer> = input.encoding === "base64"
    ? decodeBase64(content)
    : new TextEncoder().encode(content);
  const info = await write(sandbox, input, bytes, options);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return {
    path: info.path,
    size: info.size,
    sha256: digest.toHex(),
    replaced: info.replaced,
  };
}

/**
 * Copies a file of a shared directory into the sandbox as a stream. Where the sandbox mounts the
 * share (local), the sandbox reads it in its own view, where a symlink leads nowhere outside;
 * elsewhere the server opens it without following symlinks (see shares.ts).
 */
async function uploadFromHost(
  sandbox: Sandbox,
  input: FileUploadInput,
  options: FileUploadOptions,
): Promise<FileUploadOutput> {
  const action = "upload from";
  const hostPath = input.host_path!;
  const location = locateShared(options.shares ?? [], hostPath, action);
  const mount = sandbox.info.shares?.find((mount) => mount.hostPath === location.share.path);
  const tap = await sha256Tap();
  let source: ReadableStream<Uint8Array>;
  let inside: string | undefined;
  let opened: Deno.FsFile | undefined;
  if (mount) {
    inside = `${mount.path}/${location.parts.join("/")}`;
    const info = await sandbox.stat(inside, { signal: options.signal }).catch((error) => {
      throw sharedFileError(error, action, location.hostPath, inside!);
    });
    if (info.type !== "file") {
      throw new TypeError(
        `Cannot ${action} host_path ${location.hostPath}: it is ${
          info.type === "directory" ? "a directory" : "not a regular file"
        }`,
      );
    }
    if (sandbox.copyFile) {
      // The sandbox copies it in its own view: the bytes never pass through the server.
      const copied = await sandbox.copyFile(inside, input.file_path, {
        overwrite: input.overwrite ?? true,
        signal: options.signal,
      }).catch(async (error) => {
        throw await uploadError(sandbox, input, error);
      });
      return {
        path: copied.file.path,
        size: copied.file.size,
        sha256: copied.sha256,
        replaced: copied.file.replaced,
        host_path: location.hostPath,
      };
    }
    source = sandbox.readFile(inside, { signal: options.signal });
  } else {
    opened = (await openSharedFile(location, action)).file;
    source = opened.readable;
  }
  const info = await write(sandbox, input, source.pipeThrough(tap.stream), options)
    .catch((error) => {
      throw inside ? sharedFileError(error, action, location.hostPath, inside) : error;
    })
    .finally(() => {
      try {
        opened?.close(); // when the upload stopped before the end of the file
      } catch { /* reading to the end closed it */ }
    });
  return {
    path: info.path,
    size: info.size,
    sha256: tap.hex(),
    replaced: info.replaced,
    host_path: location.hostPath,
  };
}

async function write(
  sandbox: Sandbox,
  input: FileUploadInput,
  data: Uint8Array | ReadableStream<Uint8Array>,
  options: ToolOptions,
) {
  const overwrite = input.overwrite ?? true;
  return await sandbox.writeFile(input.file_path, data, {
    overwrite,
    signal: options.signal,
    onWait: options.onProgress,
  }).catch(async (error) => {
    throw await uploadError(sandbox, input, error);
  });
}

/** A failed write, restated where it hit the sandbox's disk budget. */
async function uploadError(sandbox: Sandbox, input: FileUploadInput, error: unknown) {
  const full = error instanceof SandboxFileError && error.code === "no_space" &&
    diskFullNote(await budgetReading(sandbox));
  if (!full) return error;
  return new SandboxFileError(
    "no_space",
    `Cannot upload ${input.file_path}: ${full.replace(/^The/, "the")}`,
    { cause: error },
  );
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
  content: z.string({ error: "content must be a string" }).optional()
    .describe("The file's content: plain text, or base64 when encoding is base64."),
  host_path: noNul("host_path").min(1, "host_path must not be empty").optional().describe(
    "Instead of content: an absolute path on the user's machine inside a directory the user shared (the server's instructions list them); the file is streamed into the sandbox, any size, without passing through this conversation.",
  ),
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
  host_path: z.string().optional(),
};

/** The `file_upload` tool: its definition, as the registry lists it. */
export const fileUploadTool: ToolDefinition<FileUploadInput, FileUploadOutput> = defineTool({
  name: "file_upload",
  title: "Upload a file",
  description:
    'Write a file into the sandbox: text as is, or binary as base64 (encoding: "base64"); or, with host_path instead of content, copy a file of a directory the user shared (any size, streamed, not through the conversation). Parent directories are created. With overwrite: false an existing file is an error and stays untouched. Returns the path, the size written and its SHA-256.',
  inputSchema: fileUploadInputSchema,
  outputSchema: fileUploadOutputSchema,
  annotations: WRITES_FILE,
  run: fileUpload,
  present: (output) => presentJson(output, false),
});
