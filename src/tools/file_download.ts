/**
 * `file_download`: bring a file out of the sandbox, with strategies for large files.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import { FILE_DATA } from "../_gate.ts";
import { formatBytes } from "../_output.ts";
import { type FileInfo, type Sandbox, SandboxFileError } from "../sandbox.ts";
import { locateShared, writeSharedFile } from "../shares.ts";
import { noNul, type ToolOptions, type ToolShares } from "./_common.ts";
import {
  decodeText,
  HARD_CEILING,
  htmlToText,
  INLINE_BYTES,
  isImageType,
  MIB,
  readAll,
  sandboxUri,
  sha256Tap,
  sharedFileError,
  sniffMimeType,
} from "./_files.ts";
import {
  defineTool,
  type Presented,
  presentJson,
  type ToolDefinition,
  WRITES_FILE,
} from "./_define.ts";

/**
 * The strategies for a file over `max_size_mb`.
 *
 * @example Pick a strategy by file type
 * ```ts
 * import { equal } from "node:assert/strict";
 * import type { DownloadOption } from "../../mod.ts";
 * function optionFor(path: string): DownloadOption {
 *   return /\.(pdf|html?)$/i.test(path) ? "convert_to_text" : "download_partial";
 * }
 * equal(optionFor("report.pdf"), "convert_to_text");
 * equal(optionFor("server.log"), "download_partial");
 * ```
 */
export type DownloadOption =
  | "download_partial"
  | "convert_to_text"
  | "compress_file"
  | "force_download";

/** The strategies, as the schemas list them. */
const DOWNLOAD_OPTIONS: readonly DownloadOption[] = [
  "download_partial",
  "convert_to_text",
  "compress_file",
  "force_download",
];

/**
 * Arguments of {@linkcode fileDownload}, as the MCP tool takes them.
 *
 * @example Download a large file compressed
 * ```ts ignore
 * import { equal, ok } from "node:assert/strict";
 * import { fileDownload, type FileDownloadInput, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("seq 1 2000000 > numbers.txt"); // about 15 MB
 * const input: FileDownloadInput = { file_path: "numbers.txt", download_option: "compress_file" };
 * const output = await fileDownload(sandbox, input);
 * equal(output.result, "compressed");
 * ok(output.ratio! < 0.3); // digits compress well
 * ```
 */
export interface FileDownloadInput {
  /** The file, absolute or relative to the sandbox's home. */
  file_path: string;
  /** Files up to this size come back whole without an option. @default 5 */
  max_size_mb?: number;
  /** What to do with a large file; see {@linkcode DownloadOption}. */
  download_option?: DownloadOption;
  /** With download_partial: how many KB to return. @default 100 */
  chunk_size_kb?: number;
  /** With download_partial: where to start, in KB from the start of the file. @default 0 */
  offset_kb?: number;
  /** With compress_file: return the archive even when it exceeds max_size_mb. @default false */
  force?: boolean;
  /**
   * Save the whole file to this path of the user's machine, inside a directory the user shared
   * read-write (`--share DIR:rw`), instead of returning it: streamed, whatever its size.
   */
  host_path?: string;
  /** With host_path: replace an existing file there. @default false */
  overwrite?: boolean;
}

/**
 * The file's content, as the tool result carries it next to the structured content.
 *
 * @example Handle each kind of content
 * ```ts
 * import { equal } from "node:assert/strict";
 * import type { DownloadPayload } from "../../mod.ts";
 * function describe(payload: DownloadPayload): string {
 *   if (payload.kind === "text") return payload.text;
 *   if (payload.kind === "link") return `${payload.name}: ${payload.uri}`;
 *   return `${payload.mimeType}, ${payload.data.length} base64 characters`;
 * }
 * equal(describe({ kind: "text", text: "hello" }), "hello");
 * equal(describe({ kind: "image", data: "iVBORw0KGgo=", mimeType: "image/png" }), "image/png, 12 base64 characters");
 * ```
 */
export type DownloadPayload =
  | { kind: "text"; text: string }
  | { kind: "image"; data: string; mimeType: string }
  | { kind: "blob"; data: string; mimeType: string; uri: string }
  | { kind: "link"; uri: string; mimeType: string; name: string; size: number };

/**
 * One way to get a large file, with a call the model can copy.
 *
 * @example Show the ways to get a large file
 * ```ts ignore
 * import { deepEqual, equal } from "node:assert/strict";
 * import { fileDownload, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("seq 1 1000000 > numbers.txt"); // about 6.9 MB
 * const output = await fileDownload(sandbox, { file_path: "numbers.txt", max_size_mb: 1 });
 * equal(output.result, "options"); // too big: a menu, not the file
 * deepEqual(
 *   output.options?.map((choice) => choice.option),
 *   ["download_partial", "convert_to_text", "compress_file", "force_download"],
 * );
 * ```
 */
export interface DownloadChoice {
  /** The `download_option` value. */
  option: DownloadOption;
  /** What it does for this file. */
  description: string;
  /** An exact call. */
  example: string;
}

/**
 * What {@linkcode fileDownload} returns. `payload` is the content; the rest is the structured result.
 *
 * @example Read a small text file
 * ```ts ignore
 * import { deepEqual } from "node:assert/strict";
 * import { fileDownload, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("echo hello > hello.txt");
 * const output = await fileDownload(sandbox, { file_path: "hello.txt" });
 * deepEqual([output.result, output.mime_type, output.size], ["content", "text/plain", 6]);
 * deepEqual(output.payload, { kind: "text", text: "hello\n" });
 * ```
 */
export interface FileDownloadOutput {
  /** Absolute path of the file in the sandbox. */
  path: string;
  /** Size of the file in bytes. */
  size: number;
  /** Media type, from the file's first bytes where telling, else from its name. */
  mime_type: string;
  /**
   * "content": the whole file is in this result. "link": too big to inline; a resource_link to a
   * sandbox:// URI that resources/read serves. "options": over max_size_mb; see `options`.
   * "partial": a byte range. "text": converted text. "compressed": gzip data in this result.
   * "not_returned": compressed but still over the limit. "saved": written to `host_path`.
   */
  result:
    | "content"
    | "link"
    | "options"
    | "partial"
    | "text"
    | "compressed"
    | "not_returned"
    | "saved";
  /** One sentence on what was returned and what to do next. */
  message: string;
  /** Bytes of file data (or converted text) in this result. */
  bytes_returned: number;
  /** download_partial: where this chunk starts, in KB. */
  offset_kb?: number;
  /** download_partial: the offset_kb of the next chunk, or null at the end. */
  next_offset_kb?: number | null;
  /** download_partial: whether this chunk reaches the end of the file. */
  end_reached?: boolean;
  /** convert_to_text: whether the text was cut to the cap. */
  truncated?: boolean;
  /** convert_to_text: what made the text ("pdftotext", "html", "text"). */
  converter?: string;
  /** compress_file: size of the gzip data. */
  compressed_size?: number;
  /** compress_file: compressed size / original size. */
  ratio?: number;
  /** Over the limit without an option: the four ways forward. */
  options?: DownloadChoice[];
  /** The sandbox:// URI of the file. */
  uri?: string;
  /** "saved": where on the user's machine the file was written. */
  host_path?: string;
  /** "saved": SHA-256 of the bytes written, hex. */
  sha256?: string;
  /** "saved": whether a file at host_path was replaced. */
  replaced?: boolean;
  /** What happened to the sandbox on the way, e.g. that it had stopped and was started again. */
  notes?: string[];
  /** The content itself; not part of the structured result. */
  payload?: DownloadPayload;
}

/**
 * Options for {@linkcode fileDownload}.
 *
 * @example Cap the text of a conversion
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { fileDownload, type FileDownloadOptions, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("seq 1 100000 > numbers.txt");
 * const options: FileDownloadOptions = { maxOutputBytes: 1_000 };
 * const input = { file_path: "numbers.txt", download_option: "convert_to_text" } as const;
 * equal((await fileDownload(sandbox, input, options)).truncated, true);
 * ```
 */
export interface FileDownloadOptions extends ToolOptions, ToolShares {
  /** Most bytes of text convert_to_text returns. @default 100_000 */
  maxOutputBytes?: number;
}

/**
 * How much of an HTML file convert_to_text reads: converting holds the server's event loop (every
 * sandbox and client) about 0.25 s per MiB of markup here, and 16 MiB held it 7 s. Its text is cut
 * at 100 KB anyway.
 */
const HTML_READ_LIMIT = 2 * MIB;

/**
 * Downloads `input.file_path`. Within `max_size_mb` (default 5) the whole file comes back: text
 * as text, images (recognised by their bytes) as image content, other binaries as an embedded
 * resource; above 1 MiB as a resource link instead, so the data stays out of the conversation.
 * Over the limit without an option, the result lists the four options with exact calls:
 * `download_partial` (a byte range, read without touching the rest), `convert_to_text` (PDF via
 * pdftotext, HTML stripped), `compress_file` (gzip, streamed) and `force_download` (whole, up to
 * 7 MiB).
 *
 * @example Read a large log piece by piece
 * ```ts ignore
 * import { equal } from "node:assert/strict";
 * import { fileDownload, LocalProvider } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await sandbox.exec("seq 1 1000000 > numbers.txt");
 * const chunk = await fileDownload(sandbox, {
 *   file_path: "numbers.txt",
 *   download_option: "download_partial",
 *   chunk_size_kb: 4,
 *   offset_kb: 100,
 * });
 * equal(chunk.next_offset_kb, 104); // where the next chunk starts
 * ```
 */
export async function fileDownload(
  sandbox: Sandbox,
  input: FileDownloadInput,
  options: FileDownloadOptions = {},
): Promise<FileDownloadOutput> {
  const output = await download(sandbox, input, options);
  const notes = sandbox.takeNotes?.() ?? [];
  return notes.length ? { ...output, notes } : output;
}

async function download(
  sandbox: Sandbox,
  input: FileDownloadInput,
  options: FileDownloadOptions,
): Promise<FileDownloadOutput> {
  const { signal } = options;
  if (input.host_path !== undefined) {
    // Refuse a host path outside the shares before touching the sandbox.
    locateShared(options.shares ?? [], input.host_path, "download to", { writable: true });
  }
  const info = await sandbox.stat(input.file_path, { signal });
  if (info.type === "directory") {
    throw new TypeError(
      `Cannot download ${info.path}: it is a directory; use file_list to see what it contains`,
    );
  }
  if (info.type !== "file") {
    throw new TypeError(`Cannot download ${info.path}: it is not a regular file`);
  }
  const head = await readAll(sandbox.readFile(info.path, { length: 4096, signal }), 4096);
  const file: Downloadable = { sandbox, info, mimeType: sniffMimeType(head, info.path), signal };
  if (input.host_path !== undefined) return await saveToHost(file, input, options);
  const limit = (input.max_size_mb ?? 5) * MIB;
  switch (input.download_option) {
    case undefined:
      return info.size > limit ? choices(file, input) : await whole(file);
    case "force_download":
      if (info.size > HARD_CEILING) {
        throw new RangeError(
          `Cannot download ${info.path} whole: it is ${
            formatBytes(info.size)
          } and one MCP message carries at most ${
            formatBytes(HARD_CEILING)
          } of file data; use download_option="download_partial" to read it in chunks, or "compress_file"`,
        );
      }
      return await whole(file);
    case "download_partial":
      return await partial(file, input.offset_kb ?? 0, input.chunk_size_kb ?? 100);
    case "convert_to_text":
      return await convert(file, options.maxOutputBytes ?? 100_000);
    case "compress_file":
      return await compress(
        file,
        input.force ? HARD_CEILING : Math.min(limit, HARD_CEILING),
        input,
      );
  }
}

interface Downloadable {
  sandbox: Sandbox;
  info: FileInfo;
  mimeType: string;
  signal?: AbortSignal;
}

/**
 * Waits for the sandbox's turn to hold `bytes` of file data read to return them (see _gate.ts):
 * taken just before the read, after any work in the sandbox (gzip, pdftotext), however long.
 */
function admit(file: Downloadable, bytes: number): Promise<Disposable> {
  return FILE_DATA.enter(`sandbox ${file.sandbox.id}`, bytes, file.signal);
}

function base(file: Downloadable): Pick<FileDownloadOutput, "path" | "size" | "mime_type"> {
  return { path: file.info.path, size: file.info.size, mime_type: file.mimeType };
}

async function whole(file: Downloadable): Promise<FileDownloadOutput> {
  const { sandbox, info, mimeType } = file;
  const uri = sandboxUri(sandbox.id, info.path);
  if (info.size > INLINE_BYTES) {
    return {
      ...base(file),
      result: "link",
      uri,
      bytes_returned: 0,
      message: `${info.path} (${
        formatBytes(info.size)
      }) is returned as a resource link, to keep it out of the conversation; a client reads it with resources/read. To look inside, use download_partial or convert_to_text.`,
      payload: { kind: "link", uri, mimeType, name: info.name, size: info.size },
    };
  }
  using _admitted = await admit(file, Math.min(info.size, INLINE_BYTES));
  const bytes = await readAll(sandbox.readFile(info.path, { signal: file.signal }), INLINE_BYTES);
  const text = isImageType(mimeType) ? null : decodeText(bytes);
  const payload: DownloadPayload = isImageType(mimeType)
    ? { kind: "image", data: bytes.toBase64(), mimeType }
    : text !== null
    ? { kind: "text", text }
    : { kind: "blob", data: bytes.toBase64(), mimeType, uri };
  const as = payload.kind === "image"
    ? "an image"
    : payload.kind === "text"
    ? "text"
    : "an embedded resource (base64)";
  return {
    ...base(file),
    result: "content",
    uri,
    bytes_returned: bytes.length,
    message: `The whole file (${formatBytes(bytes.length)}) follows as ${as}.`,
    payload,
  };
}

/**
 * Streams the whole file to `host_path`. Where the sandbox mounts the share (local), the sandbox
 * writes it in its own view, where a symlink leads nowhere outside; elsewhere the server writes it
 * without following symlinks (see shares.ts).
 */
async function saveToHost(
  file: Downloadable,
  input: FileDownloadInput,
  options: FileDownloadOptions,
): Promise<FileDownloadOutput> {
  const { sandbox, info, signal } = file;
  const action = "download to";
  const hostPath = input.host_path!;
  if (input.download_option !== undefined) {
    throw new TypeError(
      `Cannot download ${info.path} to host_path ${hostPath} with download_option=${input.download_option}: host_path saves the whole file; leave download_option out`,
    );
  }
  const location = locateShared(options.shares ?? [], hostPath, action, { writable: true });
  const mount = sandbox.info.shares?.find((mount) => mount.hostPath === location.share.path);
  const tap = await sha256Tap();
  const data = () => sandbox.readFile(info.path, { signal }).pipeThrough(tap.stream);
  const overwrite = input.overwrite ?? false;
  let saved: { size: number; replaced: boolean };
  let sha256: string | undefined;
  if (mount) {
    const inside = `${mount.path}/${location.parts.join("/")}`;
    // Where the sandbox can copy in its own view, the bytes never pass through the server.
    const written = sandbox.copyFile
      ? sandbox.copyFile(info.path, inside, { overwrite, signal }).then((copied) => {
        sha256 = copied.sha256;
        return copied.file;
      })
      : sandbox.writeFile(inside, data(), { overwrite, signal });
    saved = await written.catch((error) => {
      const restated = sharedFileError(error, action, location.hostPath, inside);
      if (error instanceof SandboxFileError && error.code === "exists") {
        restated.message =
          `Cannot ${action} host_path ${location.hostPath}: it already exists; pass overwrite: true to replace it`;
      }
      throw restated;
    });
  } else {
    saved = await writeSharedFile(location, data(), {
      overwrite,
      action,
      signal,
      expectedSize: info.size,
    });
  }
  return {
    ...base(file),
    size: saved.size,
    result: "saved",
    host_path: location.hostPath,
    sha256: sha256 ?? tap.hex(),
    replaced: saved.replaced,
    bytes_returned: 0,
    message: `Saved ${info.path} (${
      formatBytes(saved.size)
    }) to ${location.hostPath} on the user's machine${
      saved.replaced ? ", replacing the file there" : ""
    }; the data is not in this result.`,
  };
}

function choices(file: Downloadable, input: FileDownloadInput): FileDownloadOutput {
  const { info } = file;
  const max = input.max_size_mb ?? 5;
  const call = (extra: string) => `file_download(file_path=${JSON.stringify(info.path)}, ${extra})`;
  const tooBig = info.size > HARD_CEILING;
  return {
    ...base(file),
    result: "options",
    bytes_returned: 0,
    message: `${info.path} is ${
      formatBytes(info.size)
    }, over the ${max} MB limit (max_size_mb), so nothing was returned. Choose one of the options.`,
    options: [
      {
        option: "download_partial",
        description:
          "Return one chunk of bytes; repeat with next_offset_kb to read on. Only the chunk is read.",
        example: call('download_option="download_partial", chunk_size_kb=100, offset_kb=0'),
      },
      {
        option: "convert_to_text",
        description:
          "Extract the text (PDF with pdftotext, HTML without tags, text as is), capped at 100 KB.",
        example: call('download_option="convert_to_text"'),
      },
      {
        option: "compress_file",
        description: `gzip the file and return the archive if it fits within ${max} MB.`,
        example: call('download_option="compress_file"'),
      },
      {
        option: "force_download",
        description: tooBig
          ? `Not possible for this file: one message carries at most ${formatBytes(HARD_CEILING)}.`
          : "Return the whole file regardless of max_size_mb.",
        example: call('download_option="force_download"'),
      },
    ],
  };
}

async function partial(
  file: Downloadable,
  offsetKb: number,
  chunkKb: number,
): Promise<FileDownloadOutput> {
  const { sandbox, info } = file;
  const offset = offsetKb * 1024;
  if (offset > 0 && offset >= info.size) {
    throw new RangeError(
      `Cannot read from offset_kb=${offsetKb}: ${info.path} is only ${info.size} bytes (${
        Math.ceil(info.size / 1024)
      } KB)`,
    );
  }
  const length = chunkKb * 1024;
  using _admitted = await admit(file, length);
  const bytes = await readAll(
    sandbox.readFile(info.path, { offset, length, signal: file.signal }),
    length,
  );
  const end = offset + bytes.length >= info.size;
  const text = decodeText(bytes, { partial: true });
  const payload: DownloadPayload = text !== null ? { kind: "text", text } : {
    kind: "blob",
    data: bytes.toBase64(),
    mimeType: "application/octet-stream",
    uri: `${sandboxUri(sandbox.id, info.path)}#bytes=${offset}-${offset + bytes.length - 1}`,
  };
  return {
    ...base(file),
    result: "partial",
    bytes_returned: bytes.length,
    offset_kb: offsetKb,
    next_offset_kb: end ? null : offsetKb + chunkKb,
    end_reached: end,
    message: `Bytes ${offset} to ${offset + bytes.length} of ${info.size}${
      end ? " (the end of the file)" : `; continue with offset_kb=${offsetKb + chunkKb}`
    }, as ${text !== null ? "text" : "base64"}.`,
    payload,
  };
}

async function convert(file: Downloadable, cap: number): Promise<FileDownloadOutput> {
  const { sandbox, info, mimeType, signal } = file;
  let text: string;
  let converter: string;
  let truncated: boolean;
  if (mimeType === "application/pdf") {
    converter = "pdftotext";
    const run = await sandbox.exec(["pdftotext", "-layout", "-enc", "UTF-8", info.path, "-"], {
      maxOutputBytes: cap,
      timeoutMs: 120_000,
      signal,
    }).catch((error) => {
      if (error instanceof TypeError && /not installed/.test(error.message)) {
        throw new TypeError(
          "Cannot convert the PDF to text: pdftotext is not installed in the sandbox (Debian/Ubuntu package poppler-utils)",
        );
      }
      throw error;
    });
    if (run.exitCode !== 0) {
      throw new Error(
        `Cannot convert ${info.path} to text: pdftotext failed: ${run.stderr.trim() || run.signal}`,
      );
    }
    text = run.stdout;
    truncated = run.truncated;
  } else if (mimeType === "text/html") {
    converter = "html";
    const length = Math.min(info.size, HTML_READ_LIMIT);
    using _admitted = await admit(file, length);
    const bytes = await readAll(sandbox.readFile(info.path, { length, signal }), length);
    const full = htmlToText(new TextDecoder().decode(bytes));
    truncated = info.size > HTML_READ_LIMIT || full.length > cap;
    text = full.slice(0, cap);
  } else {
    const length = Math.min(info.size, cap);
    using _admitted = await admit(file, length);
    const bytes = await readAll(sandbox.readFile(info.path, { length, signal }), length);
    const decoded = decodeText(bytes, { partial: info.size > cap });
    if (decoded === null) {
      throw new TypeError(
        `Cannot convert ${info.path} to text: there is no converter for ${mimeType} files; use download_option="download_partial" for raw bytes or "compress_file"`,
      );
    }
    converter = "text";
    text = decoded;
    truncated = info.size > cap;
  }
  return {
    ...base(file),
    result: "text",
    converter,
    truncated,
    bytes_returned: new TextEncoder().encode(text).length,
    message: truncated
      ? `Text of ${info.path} via ${converter}, cut to about ${
        formatBytes(cap)
      }; use download_partial for the rest.`
      : `The full text of ${info.path} via ${converter}.`,
    payload: { kind: "text", text },
  };
}

/** How long gzip may take in the sandbox. */
const COMPRESS_TIMEOUT_MS = 300_000;
/**
 * The most the server compresses itself, for a sandbox without gzip (or whose code says so: a
 * fake gzip that exits 127 had the server compress 1 GiB of a sparse file, 4.9 s of its CPU).
 */
const SERVER_COMPRESS_LIMIT = 64 * MIB;

async function compress(
  file: Downloadable,
  limit: number,
  input: FileDownloadInput,
): Promise<FileDownloadOutput> {
  const { sandbox, info, signal } = file;
  const inSandbox = await compressInSandbox(file, limit);
  let compressed: number;
  let archive: Uint8Array | undefined;
  if (inSandbox) {
    ({ compressed, archive } = inSandbox);
  } else {
    if (info.size > SERVER_COMPRESS_LIMIT) {
      throw new RangeError(
        `Cannot compress ${info.path} (${
          formatBytes(info.size)
        }): the sandbox has no gzip, and the server compresses at most ${
          formatBytes(SERVER_COMPRESS_LIMIT)
        } itself; install gzip in the sandbox, or use download_option="download_partial"`,
      );
    }
    // No gzip in the sandbox: compressed here, as much as stat reported (a /proc file reports 0
    // bytes and may hold gigabytes, one can grow while read).
    const gzip = sandbox.readFile(info.path, { signal, length: info.size }).pipeThrough(
      new CompressionStream("gzip"),
    );
    // Keep the archive only while it fits; past the limit, just count it.
    using _admitted = await admit(file, limit);
    const kept: Uint8Array[] = [];
    compressed = 0;
    for await (const chunk of gzip) {
      compressed += chunk.length;
      if (compressed <= limit) kept.push(chunk);
    }
    if (compressed <= limit) archive = await readAll(ReadableStream.from(kept), limit);
  }
  const ratio = info.size === 0 ? 1 : Math.round(compressed / info.size * 10_000) / 10_000;
  const summary = `${formatBytes(info.size)} compressed to ${formatBytes(compressed)} (${
    Math.round(ratio * 1000) / 10
  }% of the original)`;
  const uri = `${sandboxUri(sandbox.id, info.path)}.gz`;
  if (compressed > limit || archive === undefined) {
    const max = input.max_size_mb ?? 5;
    return {
      ...base(file),
      result: "not_returned",
      compressed_size: compressed,
      ratio,
      bytes_returned: 0,
      message: `${summary}: still over ${
        input.force ? `the ${formatBytes(HARD_CEILING)} ceiling` : `the ${max} MB limit`
      }, so it is not returned. Use download_partial or convert_to_text${
        input.force || compressed > HARD_CEILING ? "" : ", or force: true to return it anyway"
      }.`,
    };
  }
  return {
    ...base(file),
    result: "compressed",
    compressed_size: compressed,
    ratio,
    uri,
    bytes_returned: archive.length,
    message: `${summary}; the gzip data follows as an embedded resource (base64).`,
    payload: { kind: "blob", data: archive.toBase64(), mimeType: "application/gzip", uri },
  };
}

/**
 * Compresses the file with the sandbox's gzip, on the sandbox's CPU and within its budget (the
 * server compressing a 4 GiB sparse file spent 17 s of its own CPU, which no sandbox's budget
 * counts; on Daytona only the archive crosses the network), as much as stat reported: the
 * archive's size, and the archive when it fits `limit`. Undefined when the sandbox has no gzip.
 */
async function compressInSandbox(
  file: Downloadable,
  limit: number,
): Promise<{ compressed: number; archive?: Uint8Array } | undefined> {
  const { sandbox, info, signal } = file;
  const path = `/tmp/.file-download-${crypto.randomUUID()}.gz`;
  try {
    const run = await sandbox.exec([
      "/bin/sh",
      "-c",
      'command -v gzip >/dev/null || exit 127; head -c "$1" -- "$2" | gzip -c > "$3"',
      "sh",
      String(info.size),
      info.path,
      path,
    ], { timeoutMs: COMPRESS_TIMEOUT_MS, maxOutputBytes: 4096, signal }).catch((error) => {
      if (error instanceof TypeError && /not installed/.test(error.message)) return undefined;
      throw error;
    });
    if (run === undefined || run.exitCode === 127) return undefined;
    if (run.timedOut) {
      throw new Error(
        `Cannot compress ${info.path}: gzip took over ${
          COMPRESS_TIMEOUT_MS / 1000
        } s; use download_partial to read it in chunks`,
      );
    }
    if (run.exitCode !== 0 || run.stderr.trim() !== "") {
      throw new Error(
        `Cannot compress ${info.path}: ${run.stderr.trim() || `gzip failed (${run.signal})`}`,
      );
    }
    const compressed = (await sandbox.stat(path, { signal })).size;
    if (compressed > limit) return { compressed };
    using _admitted = await admit(file, compressed);
    const archive = await readAll(sandbox.readFile(path, { length: compressed, signal }), limit);
    return { compressed: archive.length, archive };
  } finally {
    await sandbox.exec(["rm", "-f", "--", path], { timeoutMs: 30_000 }).catch(() => {});
  }
}

/** The MCP input schema of `file_download`. */
export const fileDownloadInputSchema = {
  file_path: noNul("file_path").min(1, "file_path must not be empty")
    .describe("The file, absolute or relative to the sandbox's home directory."),
  max_size_mb: z.number({ error: "max_size_mb must be a number" })
    .positive("max_size_mb must be greater than 0").max(1024, "max_size_mb must be at most 1024")
    .optional().describe("Largest file returned whole without an option (default 5)."),
  download_option: z.enum(DOWNLOAD_OPTIONS, {
    error:
      "download_option must be download_partial, convert_to_text, compress_file or force_download",
  }).optional().describe(
    "For files over max_size_mb: download_partial (a chunk), convert_to_text (PDF/HTML/text), compress_file (gzip), force_download (whole, up to 7 MiB).",
  ),
  chunk_size_kb: z.number({ error: "chunk_size_kb must be a number" })
    .int("chunk_size_kb must be a whole number").min(1, "chunk_size_kb must be at least 1")
    .max(1024, "chunk_size_kb must be at most 1024").optional()
    .describe("download_partial: KB to return (default 100)."),
  offset_kb: z.number({ error: "offset_kb must be a number" })
    .int("offset_kb must be a whole number").min(0, "offset_kb must not be negative").optional()
    .describe("download_partial: where to start, in KB (default 0)."),
  force: z.boolean({ error: "force must be true or false" }).optional()
    .describe("compress_file: return the archive even when it exceeds max_size_mb."),
  host_path: noNul("host_path").min(1, "host_path must not be empty").optional().describe(
    "Save the whole file, any size, to this absolute path on the user's machine inside a directory the user shared read-write (the server's instructions list them), instead of returning it; streamed, not through this conversation.",
  ),
  overwrite: z.boolean({ error: "overwrite must be true or false" }).optional()
    .describe("With host_path: replace an existing file there (default false)."),
};

/** The MCP output schema of `file_download` (the content itself travels as MCP content). */
export const fileDownloadOutputSchema = {
  path: z.string(),
  size: z.number(),
  mime_type: z.string(),
  result: z.enum([
    "content",
    "link",
    "options",
    "partial",
    "text",
    "compressed",
    "not_returned",
    "saved",
  ]),
  message: z.string(),
  bytes_returned: z.number(),
  offset_kb: z.number().optional(),
  next_offset_kb: z.number().nullable().optional(),
  end_reached: z.boolean().optional(),
  truncated: z.boolean().optional(),
  converter: z.string().optional(),
  compressed_size: z.number().optional(),
  ratio: z.number().optional(),
  options: z.array(z.object({
    option: z.enum(DOWNLOAD_OPTIONS),
    description: z.string(),
    example: z.string(),
  })).optional(),
  uri: z.string().optional(),
  host_path: z.string().optional(),
  sha256: z.string().optional(),
  replaced: z.boolean().optional(),
  notes: z.array(z.string()).optional(),
};

/**
 * file_download's result: the metadata as structured content, the file itself as MCP content
 * (text, image, embedded resource or resource link) after it.
 */
function presentFileDownload(
  output: FileDownloadOutput,
): Presented<Omit<FileDownloadOutput, "payload">> {
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

/** The `file_download` tool: its definition, as the registry lists it. */
export const fileDownloadTool: ToolDefinition<FileDownloadInput, FileDownloadOutput> = defineTool({
  name: "file_download",
  title: "Download a file",
  description:
    "Read a file from the sandbox. Within max_size_mb (default 5) it comes back whole: text as text, images as images, other files as base64; files over 1 MiB come as a sandbox:// resource link. Over the limit, the result lists the options with exact calls: download_partial (chunk_size_kb from offset_kb), convert_to_text (PDF, HTML, text), compress_file (gzip), force_download. With host_path, the whole file (any size) is saved instead to the user's machine, inside a directory the user shared read-write, and not returned.",
  inputSchema: fileDownloadInputSchema,
  outputSchema: fileDownloadOutputSchema,
  // Reads the sandbox, but with host_path it writes (and with overwrite replaces) a user's file.
  annotations: WRITES_FILE,
  run: fileDownload,
  present: presentFileDownload,
});
