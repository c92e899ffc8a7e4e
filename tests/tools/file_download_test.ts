import process from "node:process";
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { CallToolResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import type { FileDownloadOutput } from "../../src/tools/file_download.ts";
import { assertToolErrors, connect, hasBwrap, sh, sha256, structured, text } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };

/** The second content block: the file itself. */
function payload(result: CallToolResult) {
  return result.content[1];
}

function blobOf(result: CallToolResult): Uint8Array<ArrayBuffer> {
  const item = payload(result);
  assert(item?.type === "resource" && "blob" in item.resource, JSON.stringify(item));
  return Uint8Array.fromBase64((item.resource as { blob: string }).blob);
}

Deno.test(
  "fileDownload() returns text, images by their bytes, and binaries as resources",
  opts,
  async () => {
    await using mcp = await connect();
    await mcp.call("file_upload", { file_path: "hello.txt", content: "hello ✓\n" });
    const textual = await mcp.call("file_download", { file_path: "hello.txt" });
    assertEquals(textual.isError, false, text(textual));
    const meta = structured<FileDownloadOutput>(textual);
    assertEquals(meta.result, "content");
    assertEquals(meta.mime_type, "text/plain");
    assertEquals(payload(textual), { type: "text", text: "hello ✓\n" });

    await mcp.call("python_exec", {
      code:
        "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('chart.dat', format='png')\nplt.close('all')",
    });
    const image = await mcp.call("file_download", { file_path: "chart.dat" });
    assertEquals(structured<FileDownloadOutput>(image).mime_type, "image/png");
    const item = payload(image);
    assert(item?.type === "image");
    assertEquals(item.mimeType, "image/png");
    assertEquals(
      await sha256(Uint8Array.fromBase64(item.data)),
      (await sh(mcp, "sha256sum chart.dat")).split(" ")[0],
    );

    await sh(mcp, "head -c 5000 /dev/urandom > noise.bin");
    const binary = await mcp.call("file_download", { file_path: "/home/sandbox/noise.bin" });
    assertEquals(structured<FileDownloadOutput>(binary).mime_type, "application/octet-stream");
    assertEquals(
      await sha256(blobOf(binary)),
      (await sh(mcp, "sha256sum noise.bin")).split(" ")[0],
    );
  },
);

Deno.test(
  "fileDownload() over the limit lists the four options with exact calls",
  opts,
  async () => {
    await using mcp = await connect();
    await sh(mcp, "head -c 3000000 /dev/zero | tr '\\0' a > big.txt");
    const result = await mcp.call("file_download", { file_path: "big.txt", max_size_mb: 1 });
    assertEquals(result.isError, false, "the menu is an answer, not an error");
    const out = structured<FileDownloadOutput>(result);
    assertEquals(out.result, "options");
    assertEquals(out.bytes_returned, 0);
    assertMatch(out.message, /3\.0 MB, over the 1 MB limit/);
    assertEquals(out.options?.map((o) => o.option), [
      "download_partial",
      "convert_to_text",
      "compress_file",
      "force_download",
    ]);
    assertEquals(
      out.options?.[0].example,
      'file_download(file_path="/home/sandbox/big.txt", download_option="download_partial", chunk_size_kb=100, offset_kb=0)',
    );
    assertEquals(result.content.length, 1, "no file data");
  },
);

Deno.test("fileDownload() download_partial reads exact ranges of a 200 MB file", opts, async () => {
  await using mcp = await connect();
  await sh(mcp, "head -c 200000000 /dev/urandom > big.bin");
  const size = 200_000_000;
  for (const offsetKb of [0, 1, 97_656, 195_300]) {
    const result = await mcp.call("file_download", {
      file_path: "big.bin",
      download_option: "download_partial",
      offset_kb: offsetKb,
      chunk_size_kb: 64,
    });
    const out = structured<FileDownloadOutput>(result);
    const offset = offsetKb * 1024;
    const expected = Math.min(65536, size - offset);
    assertEquals(out.result, "partial");
    assertEquals(out.size, size);
    assertEquals(out.bytes_returned, expected);
    assertEquals(out.end_reached, offset + expected >= size);
    assertEquals(out.next_offset_kb, out.end_reached ? null : offsetKb + 64);
    const chunk = blobOf(result);
    const inside = await sh(
      mcp,
      `tail -c +${offset + 1} big.bin | head -c ${expected} | sha256sum | cut -d' ' -f1`,
    );
    assertEquals(await sha256(chunk), inside.trim(), `bytes at ${offsetKb} KB`);
  }
  await assertToolErrors(mcp, "file_download", [
    [
      { file_path: "big.bin", download_option: "download_partial", offset_kb: 200_000 },
      /only 200000000 bytes/,
    ],
    [
      { file_path: "big.bin", download_option: "download_partial", chunk_size_kb: 0 },
      /chunk_size_kb must be at least 1/,
    ],
    [
      { file_path: "big.bin", download_option: "download_partial", offset_kb: -1 },
      /offset_kb must not be negative/,
    ],
  ]);
});

Deno.test("fileDownload() download_partial of a text file returns text", opts, async () => {
  await using mcp = await connect();
  await sh(mcp, "seq 1 100000 > numbers.txt");
  const result = await mcp.call("file_download", {
    file_path: "numbers.txt",
    download_option: "download_partial",
    offset_kb: 0,
    chunk_size_kb: 1,
  });
  const chunk = payload(result);
  assert(chunk?.type === "text");
  assert(chunk.text.startsWith("1\n2\n3\n"));
  assertEquals(structured<FileDownloadOutput>(result).next_offset_kb, 1);
});

Deno.test(
  "fileDownload() compress_file gzips compressible data and reports the ratio",
  opts,
  async () => {
    await using mcp = await connect();
    await sh(mcp, "yes 'a fairly compressible line of text' | head -c 20000000 > logs.txt");
    const result = await mcp.call("file_download", {
      file_path: "logs.txt",
      max_size_mb: 1,
      download_option: "compress_file",
    });
    const out = structured<FileDownloadOutput>(result);
    assertEquals(out.result, "compressed");
    assertEquals(out.size, 20_000_000);
    assert(out.ratio! < 0.01, `ratio ${out.ratio}`);
    const archive = blobOf(result);
    assertEquals(archive.length, out.compressed_size);
    const restored = new Uint8Array(
      await new Response(
        new Blob([archive]).stream().pipeThrough(new DecompressionStream("gzip")),
      ).arrayBuffer(),
    );
    assertEquals(
      await sha256(restored),
      (await sh(mcp, "sha256sum logs.txt")).split(" ")[0],
      "the archive decompresses to the file",
    );
  },
);

Deno.test(
  "fileDownload() compress_file says when the archive is still too big, unless forced",
  opts,
  async () => {
    await using mcp = await connect();
    await sh(mcp, "head -c 2000000 /dev/urandom > random.bin");
    const refused = structured<FileDownloadOutput>(
      await mcp.call("file_download", {
        file_path: "random.bin",
        max_size_mb: 1,
        download_option: "compress_file",
      }),
    );
    assertEquals(refused.result, "not_returned");
    assert(refused.compressed_size! > 1024 * 1024);
    assertMatch(refused.message, /still over the 1 MB limit.*force: true/);
    const forced = await mcp.call("file_download", {
      file_path: "random.bin",
      max_size_mb: 1,
      download_option: "compress_file",
      force: true,
    });
    assertEquals(structured<FileDownloadOutput>(forced).result, "compressed");
    assertEquals(blobOf(forced).length, structured<FileDownloadOutput>(forced).compressed_size);
  },
);

Deno.test(
  "fileDownload() convert_to_text handles PDF, HTML and text, and caps the result",
  opts,
  async () => {
    await using mcp = await connect();
    await mcp.call("python_exec", {
      code:
        "import matplotlib.pyplot as plt\nfig = plt.figure()\nfig.text(0.1, 0.5, 'Quarterly revenue grew 42 percent')\nfig.savefig('report.pdf')\nplt.close('all')",
    });
    const pdf = await mcp.call("file_download", {
      file_path: "report.pdf",
      download_option: "convert_to_text",
    });
    assertEquals(pdf.isError, false, text(pdf));
    assertEquals(structured<FileDownloadOutput>(pdf).converter, "pdftotext");
    assertMatch((payload(pdf) as { text: string }).text, /Quarterly revenue grew 42 percent/);

    await mcp.call("file_upload", {
      file_path: "page.html",
      content:
        "<html><head><style>p{color:red}</style><script>var x = 1;</script></head><body><h1>Title &amp; more</h1><p>First&nbsp;para</p><p>Second &#x263A;</p></body></html>",
    });
    const html = await mcp.call("file_download", {
      file_path: "page.html",
      download_option: "convert_to_text",
    });
    assertEquals((payload(html) as { text: string }).text, "Title & more\nFirst para\nSecond ☺");

    await sh(mcp, "seq 1 200000 > long.txt");
    const long = structured<FileDownloadOutput>(
      await mcp.call("file_download", {
        file_path: "long.txt",
        download_option: "convert_to_text",
      }),
    );
    assertEquals(long.truncated, true);
    assert(long.bytes_returned <= 100_000);
    assertMatch(long.message, /cut to about/);

    await sh(mcp, "head -c 1000 /dev/urandom > raw.bin");
    const raw = await mcp.call("file_download", {
      file_path: "raw.bin",
      download_option: "convert_to_text",
    });
    assertEquals(raw.isError, true);
    assertMatch(text(raw), /no converter for application\/octet-stream files/);
  },
);

Deno.test(
  "convert_to_text takes time in line with an HTML page's size, whatever unclosed tags it holds",
  opts,
  async () => {
    // Regular expressions over unclosed tags took time growing with the page's square: 320 KB of
    // "<" held the server (every sandbox, every client) for 140 s, 16 MiB would for days.
    await using mcp = await connect();
    for (const unit of ["<", "<!--", "<script", "<a <!-- <script &#x"]) {
      await mcp.call("file_upload", {
        file_path: "trap.html",
        content: unit.repeat(Math.ceil(4_000_000 / unit.length)),
      });
      const result = await mcp.client.callTool(
        {
          name: "file_download",
          arguments: { file_path: "trap.html", download_option: "convert_to_text" },
        },
        undefined,
        { timeout: 60_000 }, // a bound on liveness, hours above what the conversion takes
      ) as CallToolResult;
      assertEquals(result.isError, false, text(result));
      assertEquals(structured<FileDownloadOutput>(result).result, "text");
    }
  },
);

Deno.test(
  "convert_to_text reads the first 2 MiB of an HTML page, however large: its work is bounded",
  opts,
  async () => {
    // Converting takes time in line with the page, about 0.25 s per MiB of tags or blank lines
    // on a small machine, and holds the server's event loop (every other sandbox and client)
    // meanwhile: all 16 MiB the tool read held it 7 s. The text is cut at 100 KB anyway.
    await using mcp = await connect();
    await sh(
      mcp,
      "python3 -c \"import sys; sys.stdout.write('<b>' * (1 << 20) + 'beyond 3 MiB')\" > tags.html",
    );
    const result = await mcp.call("file_download", {
      file_path: "tags.html",
      download_option: "convert_to_text",
    });
    assertEquals(result.isError, false, text(result));
    const out = structured<FileDownloadOutput>(result);
    assertEquals(out.truncated, true);
    assert(!JSON.stringify(result).includes("beyond 3 MiB"), "nothing past 2 MiB was read");
  },
);

Deno.test(
  "results stay within what a client reads in one message: resources/read of escape-heavy text, file_list of long symlink targets",
  opts,
  async () => {
    await using mcp = await connect();
    // 7 MB of control characters: as JSON text, 42 MB (each is \\u0001).
    await sh(mcp, 'python3 -c "import sys; sys.stdout.write(chr(1) * 7_000_000)" > ctl.txt');
    const link = structured<FileDownloadOutput>(
      await mcp.call("file_download", { file_path: "ctl.txt", download_option: "force_download" }),
    );
    const read = await mcp.client.readResource({ uri: link.uri! });
    const message = new TextEncoder().encode(JSON.stringify(read)).length;
    assert(message < 10 * 1024 * 1024, `${message} bytes in one message`);
    const content = read.contents[0] as { blob?: string };
    assertEquals(Uint8Array.fromBase64(content.blob!).length, 7_000_000);
    // 1000 symlinks whose targets are 4 KB of control characters: 53 MB as listed.
    await sh(
      mcp,
      "mkdir links && cd links && python3 -c \"import os\nfor i in range(1000): os.symlink(chr(1) * 4000 + str(i), 'l%d' % i)\"",
    );
    const listed = await mcp.call("file_list", { path: "links" });
    assertEquals(listed.isError, false, text(listed).slice(0, 300));
    const size = new TextEncoder().encode(JSON.stringify(listed)).length;
    assert(size < 10 * 1024 * 1024, `${size} bytes in one result`);
  },
);

Deno.test(
  "a file whose name is not UTF-8 is downloaded, linked and read back through its resource",
  opts,
  async () => {
    await using mcp = await connect();
    await sh(mcp, "python3 -c \"open(b'bad\\xff.bin', 'wb').write(b'z' * 2_000_000)\"");
    const listed = structured<{ entries: { name: string }[] }>(
      await mcp.call("file_list", { path: "." }),
    );
    const name = listed.entries.find((entry) => entry.name.startsWith("bad"))!.name;
    assertEquals(name, "bad\udcff.bin");
    const link = await mcp.call("file_download", {
      file_path: name,
      download_option: "force_download",
    });
    assertEquals(link.isError, false, text(link));
    const uri = structured<FileDownloadOutput>(link).uri!;
    assertMatch(uri, /\/bad%FF\.bin$/);
    const read = await mcp.client.readResource({ uri });
    const content = read.contents[0] as { text?: string };
    assertEquals(content.text?.length, 2_000_000);
    const gz = await mcp.call("file_download", {
      file_path: name,
      download_option: "compress_file",
    });
    assertEquals(gz.isError, false, text(gz));
  },
);

Deno.test("fileDownload() links files over 1 MiB; resources/read serves them", opts, async () => {
  await using mcp = await connect();
  await sh(mcp, "head -c 6000000 /dev/urandom > six.bin; seq 1 400000 > lines.txt");
  const forced = await mcp.call("file_download", {
    file_path: "six.bin",
    download_option: "force_download",
  });
  const out = structured<FileDownloadOutput>(forced);
  assertEquals(out.result, "link");
  const link = payload(forced);
  assert(link?.type === "resource_link");
  assertEquals(link.uri, out.uri);
  assertMatch(link.uri, /^sandbox:\/\/local-[0-9a-f]{16}\/home\/sandbox\/six\.bin$/);
  const read = await mcp.client.readResource({ uri: link.uri });
  const blob = Uint8Array.fromBase64((read.contents[0] as { blob: string }).blob);
  assertEquals(await sha256(blob), (await sh(mcp, "sha256sum six.bin")).split(" ")[0]);

  const lines = await mcp.call("file_download", { file_path: "lines.txt" });
  const linesLink = payload(lines);
  assert(linesLink?.type === "resource_link");
  const readLines = await mcp.client.readResource({ uri: linesLink.uri });
  assert((readLines.contents[0] as { text: string }).text.startsWith("1\n2\n"));

  await sh(mcp, "head -c 8000000 /dev/zero > eight.bin");
  const tooBig = await mcp.call("file_download", {
    file_path: "eight.bin",
    download_option: "force_download",
  });
  assertEquals(tooBig.isError, true);
  assertMatch(text(tooBig), /at most 7\.3 MB of file data; use download_option="download_partial"/);
});

Deno.test("fileDownload() names a missing file, a directory and bad options", opts, async () => {
  await using mcp = await connect();
  await sh(mcp, "mkdir -p folder");
  await assertToolErrors(mcp, "file_download", [
    [
      { file_path: "nope.txt" },
      /Cannot read \/home\/sandbox\/nope\.txt: no such file or directory/,
    ],
    [{ file_path: "folder" }, /folder: it is a directory; use file_list/],
    [{ file_path: "/dev/null" }, /not a regular file/],
    [{ file_path: "x", download_option: "everything" }, /download_option must be download_partial/],
    [{ file_path: "x", max_size_mb: -5 }, /max_size_mb must be greater than 0/],
  ]);
});

Deno.test(
  "compress_file compresses in the sandbox: a sparse 512 MiB file costs the server no CPU, and no temporary file stays",
  opts,
  async () => {
    // Sparse files cost the sandbox no disk and up to its file-size limit nothing else: the
    // server gzipped a 4 GiB one itself, 17 s of its own CPU per call, which no budget counted.
    await using mcp = await connect();
    await sh(mcp, "truncate -s 512M sparse.bin");
    const before = process.cpuUsage();
    const result = await mcp.call("file_download", {
      file_path: "sparse.bin",
      download_option: "compress_file",
    });
    const used = process.cpuUsage(before);
    const out = structured<FileDownloadOutput>(result);
    assertEquals(out.result, "compressed");
    assertEquals(out.size, 512 * 1024 ** 2);
    assertEquals(blobOf(result).length, out.compressed_size);
    const seconds = (used.user + used.system) / 1e6;
    assert(seconds < 0.5, `the server spent ${seconds} s of CPU compressing`);
    assertEquals(await sh(mcp, "ls -A /tmp | grep -c file-download || true"), "0\n");
  },
);

Deno.test(
  "compress_file with a sandbox that says it has no gzip compresses at most 64 MiB in the server",
  opts,
  async () => {
    // A fake gzip that exits 127 sent the server back to compressing a sparse file itself.
    await using mcp = await connect();
    await sh(
      mcp,
      "mkdir -p ~/.venv/bin && printf '#!/bin/sh\\nexit 127\\n' > ~/.venv/bin/gzip && " +
        "chmod +x ~/.venv/bin/gzip && truncate -s 512M sparse.bin && head -c 100000 /dev/zero > small.bin",
    );
    const before = process.cpuUsage();
    const big = await mcp.call("file_download", {
      file_path: "sparse.bin",
      download_option: "compress_file",
    });
    const used = process.cpuUsage(before);
    assertEquals(big.isError, true);
    assertMatch(
      text(big),
      /the sandbox has no gzip, and the server compresses at most 67.1 MB itself/,
    );
    assert((used.user + used.system) / 1e6 < 0.5);
    const small = await mcp.call("file_download", {
      file_path: "small.bin",
      download_option: "compress_file",
    });
    assertEquals(structured<FileDownloadOutput>(small).result, "compressed");
  },
);

Deno.test(
  "a sandbox whose gzip never ends holds up no other sandbox's downloads",
  opts,
  async () => {
    // One gate for the whole server's file data, taken before gzip ran: a client's sandbox with a
    // gzip that sleeps held another client's 6-byte download for 297 s.
    await using mcp = await connect();
    const slow = await mcp.session.sandbox();
    await slow.exec(
      "truncate -s 8M big.bin && mkdir -p ~/.venv/bin && printf '#!/bin/sh\\nexec sleep 1000\\n' > ~/.venv/bin/gzip && chmod +x ~/.venv/bin/gzip",
    );
    const other = structured<{ sandbox_id: string }>(await mcp.call("sandbox_create", {}));
    await mcp.call("file_upload", {
      sandbox_id: other.sandbox_id,
      file_path: "small.txt",
      content: "small\n",
    });
    const stuck = Array.from(
      { length: 5 },
      () =>
        mcp.call("file_download", { file_path: "big.bin", download_option: "compress_file" })
          .catch((error) => error),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const small = mcp.call("file_download", {
      sandbox_id: other.sandbox_id,
      file_path: "small.txt",
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const held = new Promise<"held">((resolve) =>
      timer = setTimeout(() => resolve("held"), 30_000)
    );
    const answered = await Promise.race([small, held]);
    clearTimeout(timer);
    assert(answered !== "held", "the other sandbox's download waited for the stuck gzip");
    const got = structured<FileDownloadOutput>(answered);
    assertEquals([got.result, got.bytes_returned], ["content", 6]);
    // The stuck ones end with the sandbox.
    await mcp.call("sandbox_delete", { sandbox_id: slow.id });
    await Promise.all(stuck);
  },
);
