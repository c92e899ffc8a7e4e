// Reading the toolbox's multipart bulk-download answer as a stream of one file's bytes.

import { concatBytes } from "../../_output.ts";
import { SandboxError } from "../../sandbox.ts";
import { downloadError } from "./_errors.ts";

/**
 * The body of the first part of a multipart response, streamed: headers are parsed, then bytes
 * pass through until the closing boundary, which may arrive split across chunks.
 */
export function multipartFirstPart(
  response: Promise<Response>,
  path: string,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  let closing: Uint8Array;
  let pending = new Uint8Array(0);
  let inBody = false;
  /** How far the headers were searched for their end: each byte once. */
  let searched = 0;
  const append = (chunk: Uint8Array) => {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    pending = joined;
  };
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    async start() {
      const res = await response;
      const boundary = /boundary="?([^";]+)"?/.exec(res.headers.get("content-type") ?? "")?.[1];
      if (!boundary || !res.body) {
        throw new SandboxError(`Cannot download ${path}: the toolbox sent no multipart body`);
      }
      closing = new TextEncoder().encode(`\r\n--${boundary}`);
      reader = res.body.getReader();
    },
    async pull(controller) {
      for (;;) {
        if (inBody) {
          const end = indexOf(pending, closing);
          if (end >= 0) {
            if (end > 0) controller.enqueue(pending.slice(0, end));
            controller.close();
            await reader.cancel();
            return;
          }
          // Keep what could be the start of the closing boundary; pass on the rest.
          const safe = pending.length - closing.length;
          if (safe > 0) {
            controller.enqueue(pending.slice(0, safe));
            pending = pending.slice(safe);
            return;
          }
        } else {
          const headerEnd = indexOf(pending, HEADER_END, searched);
          searched = Math.max(0, pending.length - HEADER_END.length + 1);
          if (headerEnd < 0 && pending.length > MAX_HEADER_BYTES) {
            throw new SandboxError(
              `Cannot download ${path}: the toolbox's answer has over ${
                MAX_HEADER_BYTES / 1024
              } KiB of part headers`,
            );
          }
          if (headerEnd >= 0) {
            const headers = new TextDecoder().decode(pending.subarray(0, headerEnd));
            pending = pending.slice(headerEnd + HEADER_END.length);
            if (/name="error"/.test(headers)) {
              // An error's description is short: what comes past its first bytes is not read.
              const parts: Uint8Array[] = [pending];
              let length = pending.length;
              while (length < MAX_ERROR_BYTES) {
                const next = await reader.read();
                if (next.done) break;
                parts.push(next.value);
                length += next.value.length;
              }
              await reader.cancel().catch(() => {});
              const joined = concatBytes(parts, length).subarray(0, MAX_ERROR_BYTES);
              const text = new TextDecoder().decode(joined);
              const body = (() => {
                try {
                  return JSON.parse(text.slice(0, text.lastIndexOf("}") + 1));
                } catch {
                  return { message: text };
                }
              })() as { message?: string; code?: string };
              throw downloadError(path, body.code, body.message);
            }
            inBody = true;
            continue;
          }
        }
        const { value, done } = await reader.read();
        if (done) {
          throw new SandboxError(`Cannot download ${path}: the toolbox's answer ended early`);
        }
        append(value);
      }
    },
    async cancel() {
      await reader?.cancel();
    },
  });
}

const HEADER_END = new TextEncoder().encode("\r\n\r\n");
/** Part headers the toolbox may send (it sends a few lines). */
const MAX_HEADER_BYTES = 64 * 1024;
/** Bytes of an error part read for its description. */
const MAX_ERROR_BYTES = 64 * 1024;

/** Where `needle` first occurs in `haystack` at or after `from`, or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}
