// What the file tools share: size limits, content sniffing, sandbox:// URIs.

import { completeUtf8End, utf8Start } from "../_output.ts";

export { readAll } from "../_output.ts";
import { SandboxFileError } from "../sandbox.ts";

/** One mebibyte. */
export const MIB = 1024 * 1024;

/** Payloads up to this size go inline in a tool result; larger files are linked instead. */
export const INLINE_BYTES = MIB;

/**
 * The most file data one MCP message may carry. The SDK's stdio reader rejects messages over
 * 10 MiB, and base64 adds a third.
 */
export const HARD_CEILING = 7 * MIB;

const EXTENSION_TYPES: Record<string, string> = {
  txt: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  json: "application/json",
  xml: "application/xml",
  yaml: "application/yaml",
  yml: "application/yaml",
  html: "text/html",
  htm: "text/html",
  xhtml: "text/html",
  css: "text/css",
  js: "text/javascript",
  ts: "text/typescript",
  py: "text/x-python",
  sh: "text/x-shellscript",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
  gz: "application/gzip",
  zip: "application/zip",
  tar: "application/x-tar",
};

const SIGNATURES: [string, number[], number?][] = [
  ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["image/jpeg", [0xff, 0xd8, 0xff]],
  ["image/gif", [0x47, 0x49, 0x46, 0x38]],
  ["image/webp", [0x57, 0x45, 0x42, 0x50], 8],
  ["application/pdf", [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ["application/gzip", [0x1f, 0x8b]],
  ["application/zip", [0x50, 0x4b, 0x03, 0x04]],
];

/**
 * The media type of a file, from its first bytes where they are telling (images, PDF, archives),
 * otherwise from its extension, otherwise text/plain if the bytes are UTF-8.
 */
export function sniffMimeType(head: Uint8Array, path: string): string {
  for (const [type, magic, at = 0] of SIGNATURES) {
    if (magic.every((byte, i) => head[at + i] === byte)) {
      if (type !== "image/webp" || head[0] === 0x52) return type; // WEBP: "RIFF....WEBP"
    }
  }
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  const byExtension = path.includes(".") ? EXTENSION_TYPES[extension] : undefined;
  if (byExtension) return byExtension;
  return decodeText(head, { partial: true }) !== null ? "text/plain" : "application/octet-stream";
}

/** Whether MCP clients can show this type as `image` content. */
export function isImageType(mimeType: string): boolean {
  return ["image/png", "image/jpeg", "image/gif", "image/webp"].includes(mimeType);
}

const strict = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes UTF-8 text, or returns null for binary data (invalid UTF-8 or NUL bytes). With
 * `partial`, a character cut at either end (a chunk of a larger file) is dropped, not fatal.
 */
export function decodeText(bytes: Uint8Array, options: { partial?: boolean } = {}): string | null {
  const view = options.partial ? bytes.subarray(utf8Start(bytes), completeUtf8End(bytes)) : bytes;
  if (view.includes(0)) return null;
  try {
    return strict.decode(view);
  } catch {
    return null;
  }
}

/**
 * A pass-through stream that hashes what crosses it with SHA-256 (Web Crypto cannot hash a
 * stream piece by piece, so node:crypto does, loaded only when needed).
 */
export async function sha256Tap(): Promise<{
  stream: TransformStream<Uint8Array, Uint8Array>;
  hex: () => string;
}> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  return {
    stream: new TransformStream({
      transform(chunk, controller) {
        hash.update(chunk);
        controller.enqueue(chunk);
      },
    }),
    hex: () => hash.digest("hex"),
  };
}

/**
 * A file tool's error about a file of a shared directory, as the sandbox saw it at
 * `/shared/<name>/…`, restated with the host path the model gave.
 */
export function sharedFileError(
  error: unknown,
  action: string,
  hostPath: string,
  inside: string,
): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const message = error.message.replaceAll(inside, hostPath).replace(/^Cannot \w+ /, "");
  const restated = `Cannot ${action} host_path ${hostPath}: ${
    message.replace(`${hostPath}: `, "")
  }`;
  const copy = error instanceof SandboxFileError
    ? new SandboxFileError(error.code, restated, { cause: error })
    : new Error(restated, { cause: error });
  return copy;
}

/**
 * The `sandbox://` URI of a file: `sandbox://<sandbox id>/<absolute path>`, each segment
 * percent-encoded as its bytes. A file name that is not UTF-8 reaches the server as the agent
 * passes it (Python's surrogateescape: each byte that is not UTF-8 a lone surrogate U+DC80–U+DCFF),
 * and such a surrogate is encoded as that byte, so that {@linkcode sandboxPath} gives it back.
 *
 * @example A name that is not UTF-8 goes there and back
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { sandboxPath, sandboxUri } from "./_files.ts";
 * const uri = sandboxUri("local-1", "/home/sandbox/bad\udcff é.txt");
 * equal(uri, "sandbox://local-1/home/sandbox/bad%FF%20%C3%A9.txt");
 * equal(sandboxPath(uri.slice("sandbox://local-1".length)), "/home/sandbox/bad\udcff é.txt");
 * ```
 */
export function sandboxUri(sandboxId: string, path: string): string {
  const segment = (text: string) => {
    let out = "";
    for (const char of text) {
      const code = char.codePointAt(0)!;
      if (code >= 0xdc80 && code <= 0xdcff) {
        out += `%${(code - 0xdc00).toString(16).toUpperCase()}`;
      } else if (code >= 0xd800 && code <= 0xdfff) {
        out += "%EF%BF%BD"; // another lone surrogate names no file: U+FFFD
      } else out += encodeURIComponent(char);
    }
    return out;
  };
  return `sandbox://${sandboxId}${path.split("/").map(segment).join("/")}`;
}

/** Bytes of the longest path a sandbox's file system takes (Linux's PATH_MAX). */
const PATH_MAX = 4096;

/**
 * The path a `sandbox://` URI's percent-encoded path names: its bytes as UTF-8, where each byte
 * that is not part of UTF-8 becomes the lone surrogate {@linkcode sandboxUri} made of it. Throws a
 * TypeError for a path longer than any file's (a client sent a megabyte of one: decoding it
 * character by character held the server seconds).
 */
export function sandboxPath(encoded: string): string {
  if (encoded.length > 3 * PATH_MAX) {
    throw new TypeError(
      `Cannot read the path: it is longer than the ${PATH_MAX} bytes of any path`,
    );
  }
  const bytes = new Uint8Array(3 * encoded.length);
  const encoder = new TextEncoder();
  let length = 0;
  for (let i = 0; i < encoded.length; i++) {
    const hex = encoded[i] === "%" ? encoded.slice(i + 1, i + 3) : "";
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes[length++] = parseInt(hex, 16);
      i += 2;
    } else {
      const code = encoded.codePointAt(i)!;
      if (code > 0xffff) i++;
      length += encoder.encodeInto(String.fromCodePoint(code), bytes.subarray(length)).written;
    }
  }
  if (length > PATH_MAX) {
    throw new TypeError(
      `Cannot read the path: it is longer than the ${PATH_MAX} bytes of any path`,
    );
  }
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  try {
    return strict.decode(bytes.subarray(0, length));
  } catch { /* not all UTF-8: sequence by sequence */ }
  let out = "";
  for (let i = 0; i < length;) {
    const lead = bytes[i];
    const size = lead < 0x80
      ? 1
      : lead < 0xc2
      ? 0
      : lead < 0xe0
      ? 2
      : lead < 0xf0
      ? 3
      : lead < 0xf5
      ? 4
      : 0;
    let text: string | undefined;
    try {
      if (size > 0 && i + size <= length) text = strict.decode(bytes.subarray(i, i + size));
    } catch { /* not UTF-8 */ }
    if (text !== undefined) {
      out += text;
      i += size;
    } else {
      out += String.fromCharCode(0xdc00 + lead);
      i += 1;
    }
  }
  return out;
}

/** Elements whose content is not text: dropped whole. */
const OPAQUE_ELEMENTS = ["script", "style", "noscript", "template"];
/** Closing tags that end a line of text. */
const BLOCK_END = /^\/(p|div|section|article|li|tr|h[1-6]|pre|blockquote|table|ul|ol)\s*$/i;

/**
 * Text of an HTML page: scripts, styles and tags removed, entities decoded, blank runs squeezed.
 * One pass over the page, so its time grows with its length whatever it holds (the page comes
 * from the sandbox: regular expressions over unclosed tags took time growing with its square).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { htmlToText } from "./_files.ts";
 * equal(htmlToText("<p>a &amp; b</p><script>x()</script>c<br>d"), "a & b\nc\nd");
 * ```
 */
export function htmlToText(html: string): string {
  const entities: Record<string, string> = {
    amp: "&",
    lt: "<",
    gt: ">",
    quot: '"',
    apos: "'",
    nbsp: " ",
  };
  // ASCII only, so that every index means the same place in both.
  const lower = html.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
  const out: string[] = [];
  let at = 0;
  while (at < html.length) {
    const open = html.indexOf("<", at);
    if (open < 0) {
      out.push(html.slice(at));
      break;
    }
    out.push(html.slice(at, open));
    if (html.startsWith("<!--", open)) {
      // A comment; one never closed runs to the end, as in a browser.
      const close = html.indexOf("-->", open + 4);
      out.push(" ");
      at = close < 0 ? html.length : close + 3;
      continue;
    }
    const close = html.indexOf(">", open + 1);
    if (close < 0) {
      // No tag ends after here: the rest is text.
      out.push(html.slice(open));
      break;
    }
    if (close === open + 1) {
      out.push("<>");
      at = close + 1;
      continue;
    }
    const tag = html.slice(open + 1, close);
    const name = /^\/?([a-z][a-z0-9]*)/i.exec(tag)?.[1]?.toLowerCase();
    at = close + 1;
    if (name && tag[0] !== "/" && OPAQUE_ELEMENTS.includes(name)) {
      // Its content up to its closing tag (or the end) is dropped.
      let end = lower.indexOf(`</${name}`, at);
      while (
        end >= 0 && !/^\s*>/.test(lower.slice(end + name.length + 2, end + name.length + 66))
      ) {
        end = lower.indexOf(`</${name}`, end + 1);
      }
      out.push(" ");
      at = end < 0 ? html.length : lower.indexOf(">", end) + 1;
      continue;
    }
    out.push(name === "br" || name === "hr" || BLOCK_END.test(tag) ? "\n" : " ");
  }
  return out.join("")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === "#") {
        const code = name[1] === "x" || name[1] === "X"
          ? parseInt(name.slice(2), 16)
          : parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return entities[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t\f\v\r]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
