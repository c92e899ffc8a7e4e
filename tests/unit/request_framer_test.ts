// The guard marks each request it forwards with the connection it came on (src/_request_framer.ts):
// every request of a connection gets the mark, bodies pass untouched however the bytes are split,
// and what two HTTP parsers could read two ways is refused rather than passed on.

import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { RequestFramer } from "../../src/_request_framer.ts";

const MARK = "x-mcp-guard-connection: c1\r\n";

/** What the framer sends for `text` pushed in pieces of `size` bytes. */
function framed(text: string, size = Infinity): string {
  const framer = new RequestFramer("c1");
  const bytes = new TextEncoder().encode(text);
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += Math.min(size, bytes.length)) {
    for (const part of framer.push(bytes.subarray(at, at + size))) {
      out.push(new TextDecoder().decode(part));
    }
  }
  return out.join("");
}

Deno.test("every request on a connection is marked, and bodies pass as they are, however split", () => {
  const first = 'POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 13\r\n\r\n{"a":"\r\n\r\nb"}';
  const chunked =
    "POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab\r\n\r\n0;x=1\r\nT: v\r\n\r\n";
  const get = "GET /mcp HTTP/1.1\r\nHost: h\r\n\r\n";
  const expected = "POST /mcp HTTP/1.1\r\n" + MARK +
    'Host: h\r\nContent-Length: 13\r\n\r\n{"a":"\r\n\r\nb"}' +
    "POST /mcp HTTP/1.1\r\n" + MARK +
    "Transfer-Encoding: chunked\r\n\r\n4\r\nab\r\n\r\n0;x=1\r\nT: v\r\n\r\n" +
    "GET /mcp HTTP/1.1\r\n" + MARK + "Host: h\r\n\r\n";
  for (const size of [Infinity, 1, 2, 7, 64]) {
    assertEquals(framed(first + chunked + get, size), expected, `in pieces of ${size}`);
  }
});

Deno.test("a client's own mark is taken out; only the guard says which connection", () => {
  assertEquals(
    framed("GET / HTTP/1.1\r\nX-MCP-Guard-Connection: other\r\nHost: h\r\n\r\n"),
    `GET / HTTP/1.1\r\n${MARK}Host: h\r\n\r\n`,
  );
});

Deno.test("what two parsers could read two ways is refused", () => {
  const refused = [
    ["both lengths", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"],
    ["two lengths", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"],
    ["a length not a number", "POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n"],
    ["another coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"],
    ["a bare line feed", "POST / HTTP/1.1\r\nX: a\nContent-Length: 5\r\n\r\n"],
    ["a bare carriage return", "POST / HTTP/1.1\r\nX: a\rContent-Length: 5\r\n\r\n"],
    ["a folded line", "POST / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"],
    ["space before a colon", "POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\n"],
    ["a bad chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    [
      "a chunk longer than said",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
    ],
    ["a head without end", `GET / HTTP/1.1\r\nX: ${"a".repeat(70_000)}`],
  ];
  for (const [why, text] of refused) throws(() => framed(text), RangeError, why);
  // The same length twice is one length.
  assertEquals(
    framed("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab"),
    `POST / HTTP/1.1\r\n${MARK}Content-Length: 2\r\nContent-Length: 2\r\n\r\nab`,
  );
});

Deno.test("a head that never ends costs about its own size", () => {
  // Gathered as an array of numbers, 65 KB of a head that never ended took 620 KB: 1000 such
  // connections took a server from 206 to 825 MiB.
  const used = () => {
    const { heapUsed, external } = Deno.memoryUsage();
    return heapUsed + external;
  };
  const piece = new TextEncoder().encode("a".repeat(1000));
  const before = used();
  const framers = Array.from({ length: 200 }, () => {
    const framer = new RequestFramer("c1");
    framer.push(new TextEncoder().encode("GET / HTTP/1.1\r\nX: "));
    for (let i = 0; i < 60; i++) framer.push(piece);
    return framer;
  });
  const grew = used() - before;
  assertEquals(framers.length, 200);
  // 200 heads of 60 KB: 12 MB of bytes.
  assert(grew < 40 * 1024 * 1024, `${grew >> 20} MiB for 200 heads of 60 KB`);
});
