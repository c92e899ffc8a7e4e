// One table of tool cases, run through the MCP client against every provider: the local
// sandbox, and Daytona (the real SDK against the Daytona-compatible server in tests/daytona).

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import type { FileDownloadOutput } from "../../src/tools/file_download.ts";
import type { FileListOutput } from "../../src/tools/file_list.ts";
import type { FileUploadOutput } from "../../src/tools/file_upload.ts";
import type { GitCloneOutput } from "../../src/tools/git_clone.ts";
import type { PythonExecOutput } from "../../src/tools/python_exec.ts";
import type { SandboxCreateOutput } from "../../src/tools/sandbox_create.ts";
import type { SandboxListOutput } from "../../src/tools/sandbox_list.ts";
import type { ShellExecOutput } from "../../src/tools/shell_exec.ts";
import type { WebPreviewOutput } from "../../src/tools/web_preview.ts";
import { startFakeDaytona } from "../daytona/fake_server.ts";
import { connectDaytona } from "../daytona/connect.ts";
import { connect, type Connected, hasBwrap, sh, sha256, structured, text } from "../_helpers.ts";

interface Case {
  name: string;
  run(mcp: Connected, home: string): Promise<void>;
}

const cases: Case[] = [
  {
    name: "shell_exec splits stdout and stderr and reports the exit code",
    async run(mcp) {
      const out = structured<ShellExecOutput>(
        await mcp.call("shell_exec", { command: "echo out; echo err >&2; exit 4" }),
      );
      assertEquals([out.stdout, out.stderr, out.exit_code], ["out\n", "err\n", 4]);
    },
  },
  {
    name: "shell_exec kills the process group on timeout",
    async run(mcp) {
      const out = structured<ShellExecOutput>(
        await mcp.call("shell_exec", { command: "sleep 321 & sleep 322; echo never", timeout: 1 }),
      );
      assertEquals(out.timed_out, true);
      assert(!(await sh(mcp, "ps -eo args")).includes("sleep 32"));
    },
  },
  {
    name: "shell_exec times out a command that closed its output",
    async run(mcp) {
      const out = structured<ShellExecOutput>(
        await mcp.call("shell_exec", { command: "exec >/dev/null 2>&1; sleep 323", timeout: 1 }),
      );
      assertEquals(out.timed_out, true);
      assert(!(await sh(mcp, "ps -eo args")).includes("sleep 323"));
    },
  },
  {
    name: "shell_exec runs commands side by side: one waits for what the next one does",
    async run(mcp) {
      // Were the second held behind the first, the first would wait until its timeout.
      const waiting = mcp.call("shell_exec", {
        command:
          "while [ ! -e side-by-side.go ]; do sleep 0.05; done; rm side-by-side.go; echo went",
        timeout: 60,
      });
      const going = structured<ShellExecOutput>(
        await mcp.call("shell_exec", { command: "touch side-by-side.go; echo going" }),
      );
      assertEquals(going.stdout, "going\n");
      const went = structured<ShellExecOutput>(await waiting);
      assertEquals([went.stdout, went.timed_out], ["went\n", false]);
    },
  },
  {
    name: "python_exec keeps state, returns tracebacks and charts",
    async run(mcp) {
      await mcp.call("python_exec", { code: "import math\nr = 3" });
      const area = structured<PythonExecOutput>(
        await mcp.call("python_exec", { code: "round(math.pi * r ** 2, 2)" }),
      );
      assertEquals(area.result, "28.27");
      const failed = await mcp.call("python_exec", { code: "1 / 0" });
      assertEquals(failed.isError, true);
      assertEquals(structured<PythonExecOutput>(failed).error?.type, "ZeroDivisionError");
      const chart = await mcp.call("python_exec", {
        code: "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])",
      });
      const image = chart.content.find((c) => c.type === "image") as { data: string } | undefined;
      assert(image, "a chart came back as an image");
      assertEquals([...Uint8Array.fromBase64(image.data).subarray(1, 4)], [0x50, 0x4e, 0x47]);
    },
  },
  {
    name: "python_exec survives an interpreter crash with a fresh interpreter",
    async run(mcp) {
      await mcp.call("python_exec", { code: "kept = 1" });
      const died = structured<PythonExecOutput>(
        await mcp.call("python_exec", { code: "import os\nos._exit(7)" }),
      );
      assertEquals(died.died, { exit_code: 7, signal: null });
      const next = structured<PythonExecOutput>(
        await mcp.call("python_exec", { code: "'kept' in globals()" }),
      );
      assertEquals([next.fresh_interpreter, next.result], [true, "False"]);
    },
  },
  {
    name: "files round-trip byte for byte, with overwrite protection",
    async run(mcp, home) {
      const bytes = new Uint8Array(200_000);
      crypto.getRandomValues(bytes.subarray(0, 65536));
      const up = structured<FileUploadOutput>(
        await mcp.call("file_upload", {
          file_path: "data/blob.bin",
          content: bytes.toBase64(),
          encoding: "base64",
        }),
      );
      assertEquals([up.path, up.size], [`${home}/data/blob.bin`, bytes.length]);
      const down = await mcp.call("file_download", { file_path: "data/blob.bin" });
      const resource = down.content[1] as { resource: { blob: string } };
      assertEquals(
        await sha256(Uint8Array.fromBase64(resource.resource.blob)),
        await sha256(bytes),
      );
      const refused = await mcp.call("file_upload", {
        file_path: "data/blob.bin",
        content: "x",
        overwrite: false,
      });
      assertMatch(text(refused), /already exists and overwrite is false/);
      assertEquals((await sh(mcp, "sha256sum data/blob.bin")).split(" ")[0], up.sha256);
      const listing = structured<FileListOutput>(await mcp.call("file_list", { path: "data" }));
      assertEquals(listing.entries.map((e) => [e.name, e.size]), [["blob.bin", bytes.length]]);
    },
  },
  {
    name: "file_download reads a chunk at an offset and compresses",
    async run(mcp) {
      await sh(mcp, "seq 1 300000 > numbers.txt");
      const chunk = await mcp.call("file_download", {
        file_path: "numbers.txt",
        download_option: "download_partial",
        offset_kb: 1,
        chunk_size_kb: 1,
      });
      const meta = structured<FileDownloadOutput>(chunk);
      assertEquals([meta.bytes_returned, meta.next_offset_kb], [1024, 2]);
      const expected = await sh(mcp, "tail -c +1025 numbers.txt | head -c 1024");
      assertEquals((chunk.content[1] as { text: string }).text, expected);
      const head = await mcp.call("file_download", {
        file_path: "numbers.txt",
        download_option: "download_partial",
        chunk_size_kb: 1,
      });
      assertEquals(
        (head.content[1] as { text: string }).text,
        await sh(mcp, "head -c 1024 numbers.txt"),
      );
      const missing = await mcp.call("file_download", { file_path: "nothing-here.txt" });
      assertMatch(text(missing), /no such file or directory/);
      const gz = structured<FileDownloadOutput>(
        await mcp.call("file_download", {
          file_path: "numbers.txt",
          max_size_mb: 1,
          download_option: "compress_file",
        }),
      );
      assertEquals(gz.result, "compressed");
      assert(gz.ratio! < 0.5);
    },
  },
  {
    name: "git_clone clones a local bare repository at a branch",
    async run(mcp, home) {
      await sh(
        mcp,
        "export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@e GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@e && " +
          "git init -q -b main /tmp/s && cd /tmp/s && echo a > a.txt && git add a.txt && " +
          "git commit -qm a && git checkout -qb dev && echo b > b.txt && git add b.txt && " +
          "git commit -qm b && git clone -q --bare /tmp/s /tmp/r.git",
      );
      const out = structured<GitCloneOutput>(
        await mcp.call("git_clone", { repo_url: "file:///tmp/r.git", branch: "dev" }),
      );
      assertEquals([out.path, out.branch, out.files], [`${home}/r`, "dev", ["a.txt", "b.txt"]]);
    },
  },
  {
    name: "web_preview finds a background server",
    async run(mcp) {
      const port = 21000 + Math.floor(Math.random() * 20000);
      await mcp.call("shell_exec", {
        command: `python3 -m http.server ${port} --bind 127.0.0.1 &`,
      });
      const out = structured<WebPreviewOutput>(await mcp.call("web_preview", { port }));
      assertEquals([out.accessible, out.status_code], [true, 200]);
      if (mcp.provider.name === "local") {
        // A port of this machine forwarded into the sandbox: the page is served through it.
        const page = await fetch(out.url);
        assertEquals([page.status, (await page.text()).includes("Directory listing")], [200, true]);
      } else assertMatch(out.url, new RegExp(`${port}`));
    },
  },
  {
    name: "sandbox_create, sandbox_id and sandbox_delete",
    async run(mcp) {
      const id = structured<SandboxCreateOutput>(
        await mcp.call("sandbox_create", { env: { WHO: "second" }, labels: { role: "extra" } }),
      ).sandbox_id;
      const who = structured<ShellExecOutput>(
        await mcp.call("shell_exec", { command: 'echo "$WHO"', sandbox_id: id }),
      );
      assertEquals(who.stdout, "second\n");
      const listed = structured<SandboxListOutput>(await mcp.call("sandbox_list", {}));
      assert(listed.sandboxes.some((s) => s.sandbox_id === id && s.labels.role === "extra"));
      assertEquals((await mcp.call("sandbox_delete", { sandbox_id: id })).isError, false);
      const gone = structured<SandboxListOutput>(await mcp.call("sandbox_list", {}));
      assert(!gone.sandboxes.some((s) => s.sandbox_id === id));
    },
  },
];

const opts = { ignore: !hasBwrap };

for (const testCase of cases) {
  Deno.test(`local: ${testCase.name}`, opts, async () => {
    await using mcp = await connect();
    await testCase.run(mcp, "/home/sandbox");
  });
  Deno.test(`daytona: ${testCase.name}`, opts, async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connectDaytona(fake);
    await testCase.run(mcp, (await mcp.session.sandbox()).info.home);
  });
}
