import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
  throws,
} from "node:assert/strict";
import { SandboxFileError } from "../../../src/sandbox.ts";
import { fileDownload, type FileDownloadOutput } from "../../../src/tools/file_download.ts";
import { tools } from "../../../src/registry.ts";
import { sandboxPath, sandboxUri } from "../../../src/tools/_files.ts";
import { FakeSandbox } from "../_fake_sandbox.ts";

const MIB = 1024 * 1024;
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

/** `size` bytes of a repeating printable pattern: text that gzip shrinks well. */
function textBytes(size: number): Uint8Array {
  const line = new TextEncoder().encode("line of text 0123456789\n");
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = line[i % line.length];
  return bytes;
}

/** `size` bytes gzip cannot shrink: a xorshift stream, with no NUL-free guarantee. */
function noise(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = 2463534242;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** Bytes handed out by reads of `path`, all reads together. */
function served(sandbox: FakeSandbox, path: string): number {
  return sandbox.reads.filter((r) => r.path === path).reduce((sum, r) => sum + r.served, 0);
}

Deno.test("fileDownload() returns a small text file whole, as text", async () => {
  const sandbox = new FakeSandbox({ files: { "hello.txt": "hello ✓\n" } });
  const out = await fileDownload(sandbox, { file_path: "hello.txt" });
  assertEquals(out, {
    path: "/home/sandbox/hello.txt",
    size: 10,
    mime_type: "text/plain",
    result: "content",
    uri: "sandbox://fake-1/home/sandbox/hello.txt",
    bytes_returned: 10,
    message: "The whole file (10 B) follows as text.",
    payload: { kind: "text", text: "hello ✓\n" },
  });
});

Deno.test("fileDownload() tells images by their bytes and other binaries from text", async () => {
  const sandbox = new FakeSandbox({
    files: { "chart.dat": PNG, "noise.bin": Uint8Array.from([1, 0, 2, 255]) },
  });
  const image = await fileDownload(sandbox, { file_path: "chart.dat" });
  assertEquals(image.mime_type, "image/png");
  assertEquals(image.payload, { kind: "image", data: PNG.toBase64(), mimeType: "image/png" });
  assertMatch(image.message, /as an image\.$/);
  const blob = await fileDownload(sandbox, { file_path: "/home/sandbox/noise.bin" });
  assertEquals(blob.mime_type, "application/octet-stream");
  assertEquals(blob.payload, {
    kind: "blob",
    data: "AQAC/w==",
    mimeType: "application/octet-stream",
    uri: "sandbox://fake-1/home/sandbox/noise.bin",
  });
  assertMatch(blob.message, /as an embedded resource \(base64\)\.$/);
});

Deno.test("fileDownload() inlines up to 1 MiB and links above, without reading the file", async () => {
  const sandbox = new FakeSandbox({
    files: { "at.txt": textBytes(MIB), "over.txt": textBytes(MIB + 1) },
  });
  const at = await fileDownload(sandbox, { file_path: "at.txt" });
  assertEquals([at.result, at.bytes_returned, at.payload?.kind], ["content", MIB, "text"]);
  const over = await fileDownload(sandbox, { file_path: "over.txt" });
  assertEquals(over.result, "link");
  assertEquals(over.bytes_returned, 0);
  assertEquals(over.payload, {
    kind: "link",
    uri: "sandbox://fake-1/home/sandbox/over.txt",
    mimeType: "text/plain",
    name: "over.txt",
    size: MIB + 1,
  });
  assertMatch(over.message, /1\.0 MB\) is returned as a resource link/);
  assertEquals(served(sandbox, "/home/sandbox/over.txt"), 4096, "only the sniffed head was read");
});

Deno.test("fileDownload() over max_size_mb returns the four options with exact calls", async () => {
  const sandbox = new FakeSandbox({ files: { "big.txt": textBytes(3_000_000) } });
  const out = await fileDownload(sandbox, { file_path: "big.txt", max_size_mb: 1 });
  assertEquals(out.result, "options");
  assertEquals(out.bytes_returned, 0);
  assertEquals(out.payload, undefined);
  assertEquals(
    out.message,
    "/home/sandbox/big.txt is 3.0 MB, over the 1 MB limit (max_size_mb), so nothing was returned. Choose one of the options.",
  );
  const call = 'file_download(file_path="/home/sandbox/big.txt", ';
  assertEquals(out.options?.map((o) => [o.option, o.example]), [
    [
      "download_partial",
      `${call}download_option="download_partial", chunk_size_kb=100, offset_kb=0)`,
    ],
    ["convert_to_text", `${call}download_option="convert_to_text")`],
    ["compress_file", `${call}download_option="compress_file")`],
    ["force_download", `${call}download_option="force_download")`],
  ]);
  assertMatch(out.options![2].description, /fits within 1 MB/);
  assertEquals(out.options![3].description, "Return the whole file regardless of max_size_mb.");
  assertEquals(served(sandbox, "/home/sandbox/big.txt"), 4096);
  // The default limit is 5 MB; past 7 MiB force_download is offered as impossible.
  const huge = new FakeSandbox({ files: { "huge.bin": new Uint8Array(8 * MIB) } });
  const menu = await fileDownload(huge, { file_path: "huge.bin" });
  assertMatch(menu.message, /8\.4 MB, over the 5 MB limit/);
  assertEquals(
    menu.options![3].description,
    "Not possible for this file: one message carries at most 7.3 MB.",
  );
});

Deno.test("fileDownload() download_partial reads just the chunk asked for", async () => {
  const sandbox = new FakeSandbox({ files: { "log.txt": textBytes(5000) } });
  const path = "/home/sandbox/log.txt";
  const middle = await fileDownload(sandbox, {
    file_path: "log.txt",
    download_option: "download_partial",
    offset_kb: 2,
    chunk_size_kb: 1,
  });
  assertEquals(sandbox.reads.at(-1), { path, offset: 2048, length: 1024, served: 1024 });
  assertEquals(middle.result, "partial");
  assertEquals(
    [middle.offset_kb, middle.next_offset_kb, middle.end_reached, middle.bytes_returned],
    [2, 3, false, 1024],
  );
  assertEquals(
    middle.message,
    "Bytes 2048 to 3072 of 5000; continue with offset_kb=3, as text.",
  );
  assertEquals(
    middle.payload,
    { kind: "text", text: new TextDecoder().decode(textBytes(5000).subarray(2048, 3072)) },
  );
  const last = await fileDownload(sandbox, {
    file_path: "log.txt",
    download_option: "download_partial",
    offset_kb: 4,
    chunk_size_kb: 1,
  });
  assertEquals([last.next_offset_kb, last.end_reached, last.bytes_returned], [null, true, 904]);
  assertEquals(last.message, "Bytes 4096 to 5000 of 5000 (the end of the file), as text.");
  // Defaults: 100 KB from the start.
  await fileDownload(sandbox, { file_path: "log.txt", download_option: "download_partial" });
  assertEquals(sandbox.reads.at(-1), { path, offset: 0, length: 102_400, served: 5000 });
  await assertRejects(
    fileDownload(sandbox, {
      file_path: "log.txt",
      download_option: "download_partial",
      offset_kb: 5,
    }),
    {
      name: "RangeError",
      message: "Cannot read from offset_kb=5: /home/sandbox/log.txt is only 5000 bytes (5 KB)",
    },
  );
});

Deno.test("fileDownload() download_partial returns binary chunks as a byte-range resource", async () => {
  const sandbox = new FakeSandbox({ files: { "data.bin": noise(4096) } });
  const out = await fileDownload(sandbox, {
    file_path: "data.bin",
    download_option: "download_partial",
    offset_kb: 1,
    chunk_size_kb: 1,
  });
  assertEquals(out.payload, {
    kind: "blob",
    data: noise(4096).subarray(1024, 2048).toBase64(),
    mimeType: "application/octet-stream",
    uri: "sandbox://fake-1/home/sandbox/data.bin#bytes=1024-2047",
  });
  assertMatch(out.message, /as base64\.$/);
});

Deno.test("fileDownload() convert_to_text runs pdftotext on a PDF as an argv", async () => {
  const pdf = "%PDF-1.4\n%binary\n";
  const sandbox = new FakeSandbox({ files: { "report.pdf": pdf } })
    .onExec(/^pdftotext /, { stdout: "Quarterly report\n" });
  const out = await fileDownload(
    sandbox,
    { file_path: "report.pdf", download_option: "convert_to_text" },
    { maxOutputBytes: 5000 },
  );
  const [call] = sandbox.execCalls;
  assertEquals(call.argv, [
    "pdftotext",
    "-layout",
    "-enc",
    "UTF-8",
    "/home/sandbox/report.pdf",
    "-",
  ]);
  assertEquals([call.options.maxOutputBytes, call.options.timeoutMs], [5000, 120_000]);
  assertEquals(out.mime_type, "application/pdf");
  assertEquals([out.result, out.converter, out.truncated], ["text", "pdftotext", false]);
  assertEquals(out.payload, { kind: "text", text: "Quarterly report\n" });
  assertEquals(out.message, "The full text of /home/sandbox/report.pdf via pdftotext.");
});

Deno.test("fileDownload() convert_to_text says what is wrong when pdftotext cannot help", async () => {
  const input = { file_path: "report.pdf", download_option: "convert_to_text" } as const;
  const missing = new FakeSandbox({ files: { "report.pdf": "%PDF-1.4\n" } });
  await assertRejects(fileDownload(missing, input), {
    name: "TypeError",
    message:
      "Cannot convert the PDF to text: pdftotext is not installed in the sandbox (Debian/Ubuntu package poppler-utils)",
  });
  const broken = new FakeSandbox({ files: { "report.pdf": "%PDF-1.4\n" } })
    .onExec(/^pdftotext /, { exitCode: 1, stderr: "Syntax Error: Couldn't read xref table\n" });
  await assertRejects(fileDownload(broken, input), {
    message:
      "Cannot convert /home/sandbox/report.pdf to text: pdftotext failed: Syntax Error: Couldn't read xref table",
  });
});

Deno.test("fileDownload() convert_to_text strips HTML and caps text at maxOutputBytes", async () => {
  const html =
    "<html><head><style>p{}</style><script>x()</script></head><body><h1>Title</h1><p>A &amp; B</p></body></html>";
  const sandbox = new FakeSandbox({ files: { "page.html": html, "notes.txt": textBytes(3000) } });
  const page = await fileDownload(sandbox, {
    file_path: "page.html",
    download_option: "convert_to_text",
  });
  assertEquals([page.converter, page.truncated], ["html", false]);
  assertEquals(page.payload, { kind: "text", text: "Title\nA & B" });
  const cut = await fileDownload(
    sandbox,
    { file_path: "page.html", download_option: "convert_to_text" },
    { maxOutputBytes: 5 },
  );
  assertEquals([cut.truncated, cut.payload], [true, { kind: "text", text: "Title" }]);
  const text = await fileDownload(
    sandbox,
    { file_path: "notes.txt", download_option: "convert_to_text" },
    { maxOutputBytes: 1000 },
  );
  assertEquals([text.converter, text.truncated, text.bytes_returned], ["text", true, 1000]);
  assertEquals(
    text.message,
    "Text of /home/sandbox/notes.txt via text, cut to about 1.0 KB; use download_partial for the rest.",
  );
  assertEquals(sandbox.reads.at(-1)?.length, 1000, "read no further than the cap");
  assertEquals(sandbox.execCalls, [], "no converter process for HTML or text");
});

Deno.test("fileDownload() convert_to_text refuses binaries it has no converter for", async () => {
  const sandbox = new FakeSandbox({ files: { "data.bin": Uint8Array.from([0, 1, 2]) } });
  await assertRejects(
    fileDownload(sandbox, { file_path: "data.bin", download_option: "convert_to_text" }),
    {
      name: "TypeError",
      message:
        'Cannot convert /home/sandbox/data.bin to text: there is no converter for application/octet-stream files; use download_option="download_partial" for raw bytes or "compress_file"',
    },
  );
});

Deno.test("fileDownload() compress_file returns gzip data that unpacks to the file", async () => {
  const original = textBytes(3_000_000);
  const sandbox = new FakeSandbox({ files: { "big.txt": original } });
  const out = await fileDownload(sandbox, {
    file_path: "big.txt",
    max_size_mb: 1,
    download_option: "compress_file",
  });
  assertEquals(out.result, "compressed");
  assert(out.payload?.kind === "blob");
  assertEquals(out.payload.mimeType, "application/gzip");
  assertEquals(out.payload.uri, "sandbox://fake-1/home/sandbox/big.txt.gz");
  const gzip = Uint8Array.fromBase64(out.payload.data);
  assertEquals([out.compressed_size, out.bytes_returned], [gzip.length, gzip.length]);
  assertEquals(out.ratio, Math.round(gzip.length / original.length * 10_000) / 10_000);
  const unpacked = await new Response(
    ReadableStream.from([gzip]).pipeThrough(new DecompressionStream("gzip")),
  ).bytes();
  assertEquals(unpacked, original);
  assertMatch(
    out.message,
    /^3\.0 MB compressed to [\d.]+ KB \([\d.]+% of the original\); the gzip/,
  );
});

Deno.test("fileDownload() compress_file keeps an archive over the limit back unless forced", async () => {
  const sandbox = new FakeSandbox({ files: { "noise.bin": noise(1_500_000) } });
  const input = {
    file_path: "noise.bin",
    max_size_mb: 1,
    download_option: "compress_file",
  } as const;
  const held = await fileDownload(sandbox, input);
  assertEquals(held.result, "not_returned");
  assertEquals([held.bytes_returned, held.payload, held.uri], [0, undefined, undefined]);
  assert(held.compressed_size! > 1_500_000, "noise does not compress");
  assertMatch(
    held.message,
    /still over the 1 MB limit, so it is not returned\. Use download_partial or convert_to_text, or force: true to return it anyway\.$/,
  );
  const forced = await fileDownload(sandbox, { ...input, force: true });
  assertEquals(forced.result, "compressed");
  assertEquals(forced.bytes_returned, forced.compressed_size);
});

Deno.test("fileDownload() force_download returns what fits in a message and refuses more", async () => {
  const sandbox = new FakeSandbox({
    files: { "mid.txt": textBytes(600_000), "huge.bin": new Uint8Array(7 * MIB + 1) },
  });
  const mid = await fileDownload(sandbox, {
    file_path: "mid.txt",
    max_size_mb: 0.1,
    download_option: "force_download",
  });
  assertEquals([mid.result, mid.bytes_returned], ["content", 600_000]);
  await assertRejects(
    fileDownload(sandbox, { file_path: "huge.bin", download_option: "force_download" }),
    {
      name: "RangeError",
      message:
        'Cannot download /home/sandbox/huge.bin whole: it is 7.3 MB and one MCP message carries at most 7.3 MB of file data; use download_option="download_partial" to read it in chunks, or "compress_file"',
    },
  );
});

Deno.test("fileDownload() refuses directories and passes file errors on", async () => {
  const sandbox = new FakeSandbox({ files: { "src/a.ts": "" } });
  await assertRejects(fileDownload(sandbox, { file_path: "src" }), {
    name: "TypeError",
    message:
      "Cannot download /home/sandbox/src: it is a directory; use file_list to see what it contains",
  });
  await assertRejects(fileDownload(sandbox, { file_path: "nope.txt" }), (error) => {
    assert(error instanceof SandboxFileError);
    assertEquals(error.code, "not_found");
    assertEquals(error.message, "Cannot read /home/sandbox/nope.txt: no such file or directory");
    return true;
  });
});

Deno.test("fileDownload() carries the sandbox's pending notes", async () => {
  const sandbox = new FakeSandbox({ files: { "a.txt": "a" } });
  sandbox.notes.push("The sandbox had stopped and was started again.");
  const out = await fileDownload(sandbox, { file_path: "a.txt" });
  assertEquals(out.notes, ["The sandbox had stopped and was started again."]);
  assertEquals((await fileDownload(sandbox, { file_path: "a.txt" })).notes, undefined);
});

Deno.test("file_download's presentation puts each payload kind in its MCP content", () => {
  const present = tools.find((t) => t.name === "file_download")!.present;
  const meta: FileDownloadOutput = {
    path: "/home/sandbox/f",
    size: 3,
    mime_type: "x/y",
    result: "content",
    message: "m",
    bytes_returned: 3,
  };
  const second = (payload: FileDownloadOutput["payload"]) => {
    const result = present({ ...meta, payload });
    assertEquals(result.isError, false);
    assertEquals(result.structuredContent, meta, "the payload stays out of the structured result");
    assertEquals(result.content[0], { type: "text", text: JSON.stringify(meta) });
    return result.content[1];
  };
  assertEquals(second({ kind: "text", text: "hi" }), { type: "text", text: "hi" });
  assertEquals(second({ kind: "image", data: "iVBO", mimeType: "image/png" }), {
    type: "image",
    data: "iVBO",
    mimeType: "image/png",
  });
  assertEquals(second({ kind: "blob", data: "AA==", mimeType: "x/y", uri: "sandbox://s/f" }), {
    type: "resource",
    resource: { uri: "sandbox://s/f", mimeType: "x/y", blob: "AA==" },
  });
  assertEquals(
    second({ kind: "link", uri: "sandbox://s/f", mimeType: "x/y", name: "f", size: 3 }),
    { type: "resource_link", uri: "sandbox://s/f", name: "f", mimeType: "x/y", size: 3 },
  );
  assertEquals(present({ ...meta, result: "options" }).content.length, 1);
});

Deno.test("sandboxPath() refuses a path longer than any file's, and gives back every name sandboxUri() made", () => {
  // A client sent a megabyte of path in a sandbox:// URI: decoding it character by character
  // held the server for seconds. No path in a sandbox is over 4096 bytes.
  throws(() => sandboxPath("/a".repeat(500_000)), /longer than the 4096 bytes of any path/);
  throws(() => sandboxPath("%E2%82%AC".repeat(1366)), /longer than the 4096 bytes/);
  const longest = `/home/sandbox/${"é".repeat(2040)}`;
  for (const name of [longest, "/tmp/bad\udcff é.txt", "/x/\u{1F600}/\udc80\udcc3", "/a%b c"]) {
    assertEquals(sandboxPath(sandboxUri("local-1", name).slice("sandbox://local-1".length)), name);
  }
});
