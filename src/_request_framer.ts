// How the HTTP server's guard (_conn_guard.ts) tells Deno.serve which of its connections a request
// came on. Deno.serve listens on a unix socket only the server's user may reach (on a port of
// 127.0.0.1, any local process held connections there that the guard never saw, and used up the
// server's descriptors), where every connection comes from the same empty address: so the guard
// marks each request it forwards with a header naming its connection. To find each request's head
// it follows HTTP/1.1's framing (Content-Length, or chunks), and it refuses what two parsers could
// read two ways (both framings, differing lengths, a line ending that is not CRLF, folded
// headers), so that Deno.serve sees the requests the guard marked, and no other.

/** The header the guard puts in each request it forwards; a client's own is taken out. */
export const CONNECTION_HEADER = "x-mcp-guard-connection";

/** The most a request's head may take. */
const MAX_HEAD = 64 * 1024;
/** The most a chunk-size or trailer line may take. */
const MAX_LINE = 4096;

const CR = 13;
const LF = 10;

type State = "head" | "body" | "size" | "data" | "data-end" | "trailer";

/**
 * Re-frames the bytes a client sends: each request's head gets {@linkcode CONNECTION_HEADER}
 * naming `id`; bodies pass as they are.
 *
 * @example
 * ```ts
 * import { equal, throws } from "node:assert/strict";
 * import { RequestFramer } from "./_request_framer.ts";
 * const framer = new RequestFramer("c1");
 * const sent = (text: string) =>
 *   framer.push(new TextEncoder().encode(text)).map((part) => new TextDecoder().decode(part)).join("");
 * equal(
 *   sent("POST /mcp HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"),
 *   "POST /mcp HTTP/1.1\r\nx-mcp-guard-connection: c1\r\nContent-Length: 2\r\n\r\n{}",
 * );
 * throws(() => framer.push(new TextEncoder().encode("GET / HTTP/1.1\nHost: x\r\n\r\n")), /line ending/);
 * ```
 */
export class RequestFramer {
  #tag: string;
  #state: State = "head";
  /**
   * The head or line being gathered, in a buffer that grows as it fills (kept as an array of
   * numbers, 65 KB of a head that never ended took 620 KB).
   */
  #pending = new Uint8Array(256);
  #filled = 0;
  /** Bytes of the body or chunk still to pass. */
  #remaining = 0;

  /** A framer for the connection `id` (letters, digits and `-` only). */
  constructor(id: string) {
    if (!/^[A-Za-z0-9-]+$/.test(id)) throw new TypeError(`Cannot tag with ${id}`);
    this.#tag = `${CONNECTION_HEADER}: ${id}\r\n`;
  }

  /**
   * The bytes to send on for `chunk`, in order. Throws a RangeError, naming why, for a request
   * it will not pass on; the connection must then be closed.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.#state === "body" || this.#state === "data") {
        const take = Math.min(this.#remaining, chunk.length - at);
        out.push(chunk.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = this.#state === "body" ? "head" : "data-end";
        continue;
      }
      // A head, or a line of the chunked framing: gathered to its end.
      const byte = chunk[at++];
      const limit = this.#state === "head" ? MAX_HEAD : MAX_LINE;
      if (this.#filled >= limit) throw new RangeError("a request's head or line is too long");
      if (this.#filled === this.#pending.length) {
        const grown = new Uint8Array(Math.min(this.#pending.length * 2, MAX_HEAD));
        grown.set(this.#pending);
        this.#pending = grown;
      }
      this.#pending[this.#filled++] = byte;
      if (byte !== LF) continue;
      const n = this.#filled;
      if (this.#state === "head") {
        // The head ends at its first empty line; an empty line before the request line is skipped.
        if (n === 2 && this.#pending[0] === CR) {
          this.#filled = 0;
          continue;
        }
        if (!(n >= 4 && this.#pending[n - 2] === CR && this.#pending[n - 3] === LF)) continue;
        out.push(this.#head(latin1(this.#pending.subarray(0, n))));
      } else {
        out.push(this.#line(latin1(this.#pending.subarray(0, n))));
      }
      this.#filled = 0;
      if (this.#pending.length > 4096) this.#pending = new Uint8Array(256); // a large head's room
    }
    return out;
  }

  /** The head to send for `text` (a whole head, ending in an empty line); sets what follows. */
  #head(text: string): Uint8Array {
    if (/\r(?!\n)|(?<!\r)\n/.test(text)) {
      throw new RangeError("a request's head has a line ending other than CRLF");
    }
    const lines = text.slice(0, -4).split("\r\n");
    const [requestLine, ...fields] = lines;
    const kept: string[] = [];
    const lengths = new Set<string>();
    let chunked = false;
    for (const field of fields) {
      const colon = field.indexOf(":");
      if (colon <= 0 || /[\s]/.test(field.slice(0, colon))) {
        throw new RangeError("a request's head has a malformed or folded header line");
      }
      const name = field.slice(0, colon).toLowerCase();
      const value = field.slice(colon + 1).trim();
      if (name === CONNECTION_HEADER) continue; // only the guard says which connection
      if (name === "content-length") {
        if (!/^\d{1,15}$/.test(value)) {
          throw new RangeError("a request's Content-Length is not a number");
        }
        lengths.add(String(Number(value)));
      }
      if (name === "transfer-encoding") {
        if (value.toLowerCase() !== "chunked" || chunked) {
          throw new RangeError("a request's Transfer-Encoding is not one 'chunked'");
        }
        chunked = true;
      }
      kept.push(field);
    }
    if (lengths.size > 1 || (chunked && lengths.size > 0)) {
      throw new RangeError("a request's length is given more than one way");
    }
    const length = lengths.size ? Number([...lengths][0]) : 0;
    if (chunked) this.#state = "size";
    else if (length > 0) {
      this.#state = "body";
      this.#remaining = length;
    } else this.#state = "head";
    return bytesOf(`${requestLine}\r\n${this.#tag}${kept.map((f) => `${f}\r\n`).join("")}\r\n`);
  }

  /** A line of the chunked framing (`text` ends in CRLF), passed on; sets what follows. */
  #line(text: string): Uint8Array {
    if (!text.endsWith("\r\n") || /\r(?!\n)|(?<!\r)\n/.test(text)) {
      throw new RangeError("a chunk line has a line ending other than CRLF");
    }
    const line = text.slice(0, -2);
    if (this.#state === "data-end") {
      if (line !== "") throw new RangeError("a chunk does not end where its size says");
      this.#state = "size";
    } else if (this.#state === "size") {
      const size = /^([0-9A-Fa-f]{1,12})(;[^\r\n]*)?$/.exec(line);
      if (!size) throw new RangeError("a chunk's size is not a hexadecimal number");
      this.#remaining = parseInt(size[1], 16);
      this.#state = this.#remaining === 0 ? "trailer" : "data";
    } else if (line === "") {
      this.#state = "head"; // the empty line that ends the trailers
    } else if (line.indexOf(":") <= 0) {
      throw new RangeError("a request's trailer line is malformed");
    }
    return bytesOf(text);
  }
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}

function bytesOf(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
