import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { CallToolResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import type { WebPreviewOutput } from "../../src/tools/web_preview.ts";
import { assertToolErrors, connect, hasBwrap, ROOT, structured, text } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };

Deno.test(
  "webPreview() finds the seed's example server: http.server on 8000 started with &",
  opts,
  async () => {
    await using mcp = await connect();
    await mcp.call("shell_exec", { command: "python3 -m http.server 8000 &" });
    const result = await mcp.call("web_preview", { port: 8000, description: "Python HTTP Server" });
    assertEquals(result.isError, false, text(result));
    const out = structured<WebPreviewOutput>(result);
    assertMatch(out.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assertEquals((await fetch(out.url).then((r) => r.text())).includes("Directory listing"), true);
    assertEquals(out.accessible, true);
    assertEquals(out.status_code, 200);
    assertEquals(out.description, "Python HTTP Server");
    assert(out.listening_ports.includes(8000));
    assertMatch(out.message, /answers \(HTTP 200\)/);
  },
);

Deno.test("webPreview() on a dead port says so and lists what does listen", opts, async () => {
  await using mcp = await connect();
  const live = 20000 + Math.floor(Math.random() * 20000);
  const dead = live + 1;
  await mcp.call("shell_exec", { command: `python3 -m http.server ${live} --bind 127.0.0.1 &` });
  await mcp.call("web_preview", { port: live }); // waits until it listens
  const result = await mcp.call("web_preview", { port: dead });
  assertEquals(result.isError, true);
  const out = structured<WebPreviewOutput>(result);
  assertEquals(out.accessible, false);
  assertEquals(out.status_code, null);
  assertMatch(out.error ?? "", /refused/);
  assertEquals(out.listening_ports, [live]);
  assertMatch(out.message, new RegExp(`Nothing answers on port ${dead}.*listen on ${live}`));
  const unchecked = structured<WebPreviewOutput>(
    await mcp.call("web_preview", { port: dead, check_server: false }),
  );
  assertEquals(unchecked.accessible, null);
  assertMatch(unchecked.url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

Deno.test("webPreview() rejects bad ports", opts, async () => {
  await using mcp = await connect();
  await assertToolErrors(mcp, "web_preview", [
    [{}, /port/],
    [{ port: 0 }, /port must be between 1 and 65535/],
    [{ port: 70000 }, /port must be between 1 and 65535/],
    [{ port: "8000" }, /port must be a number/],
  ]);
});

/** A Python web server in the sandbox on `port` that counts the requests it gets in ~/hits. */
async function countingServer(
  mcp: { call(name: string, args: Record<string, unknown>): Promise<CallToolResult> },
  port: number,
) {
  await mcp.call("file_upload", {
    file_path: "counting.py",
    content: `import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open("hits", "a").write(self.headers.get("Host", "") + "\\n")
        self.send_response(200); self.send_header("content-length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
`,
  });
  await mcp.call("shell_exec", { command: `python3 counting.py ${port} > /dev/null 2>&1 &` });
  const preview = structured<WebPreviewOutput>(await mcp.call("web_preview", { port }));
  await mcp.call("shell_exec", { command: "rm -f hits" }); // web_preview's own check, from inside
  return preview;
}

/** Sends `request` on a new connection to `url`'s port and returns all it gets back. */
async function raw(url: string, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(url).port) });
  try {
    await conn.write(new TextEncoder().encode(request));
    let out = "";
    const buffer = new Uint8Array(4096);
    for (let n; (n = await conn.read(buffer).catch(() => null)) !== null;) {
      out += new TextDecoder().decode(buffer.subarray(0, n));
      if (out.includes("\r\n\r\n") && /content-length: *(\d+)/i.test(out)) {
        const length = Number(/content-length: *(\d+)/i.exec(out)![1]);
        if (out.length >= out.indexOf("\r\n\r\n") + 4 + length) break;
      }
    }
    return out;
  } finally {
    conn.close();
  }
}

Deno.test(
  "a preview answers requests for its own address only: a DNS-rebinding page reads nothing",
  opts,
  async () => {
    // A web page whose name its owner resolves to 127.0.0.1 sends its requests to the preview's
    // port with its own name as Host; it must get nothing of what the sandbox serves.
    await using mcp = await connect();
    const { url } = await countingServer(mcp, 8131);
    const port = new URL(url).port;
    for (const host of [`rebind.attacker.example:${port}`, "127.0.0.1", `127.0.0.1:1${port}`]) {
      const answer = await raw(url, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assertMatch(answer, /^HTTP\/1\.1 403 Forbidden/, host);
    }
    const twice = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example\r\n\r\n`;
    assertMatch(await raw(url, twice), /^HTTP\/1\.1 403/);
    assertMatch(await raw(url, `GET / HTTP/1.1\r\n\r\n`), /^HTTP\/1\.1 403/, "no Host at all");
    const before = structured<{ stdout: string }>(
      await mcp.call("shell_exec", { command: "cat hits 2>/dev/null; true" }),
    ).stdout;
    assertEquals(before, "", "the sandbox's server got none of those");
    for (const host of [`127.0.0.1:${port}`, `LOCALHOST:${port}`]) {
      const answer = await raw(url, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assertMatch(answer, /^HTTP\/1\.[01] 200 .*\r\n\r\nok$/s, host);
    }
    assertEquals(await (await fetch(url)).text(), "ok");
  },
);

Deno.test(
  "a sandbox previews at most 16 ports and forwards at most 256 connections at once",
  opts,
  async () => {
    // Each preview port is a listener of the server's and each connection two descriptors, which
    // every sandbox and client share: one client asking for 20 000 ports left the server none.
    await using mcp = await connect();
    const { url } = await countingServer(mcp, 8132);
    for (let port = 9001; port <= 9015; port++) {
      const ok = await mcp.call("web_preview", { port, check_server: false });
      assertEquals(ok.isError, false, text(ok));
    }
    const refused = await mcp.call("web_preview", { port: 9016, check_server: false });
    assertEquals(refused.isError, true);
    assertMatch(text(refused), /already previews 16 ports \(8132, 9001, .*, 9015\)/);
    const again = await mcp.call("web_preview", { port: 8132, check_server: false });
    assertEquals(structured<WebPreviewOutput>(again).url, url, "a previewed port keeps its URL");
    // 256 connections that send nothing hold every place; the next one is closed unanswered.
    const port = Number(new URL(url).port);
    const idle: Deno.Conn[] = [];
    try {
      // The server accepts them in order: the next one finds every place taken.
      for (let i = 0; i < 256; i++) idle.push(await Deno.connect({ hostname: "127.0.0.1", port }));
      const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
      assertEquals(await raw(url, request), "", "the 257th connection is not forwarded");
    } finally {
      for (const conn of idle) conn.close();
    }
    assertEquals(await (await fetch(url)).text(), "ok", "places come back as connections end");
  },
);

Deno.test(
  "a preview answers again once the server has descriptors again after running out",
  opts,
  async () => {
    // Accepting fails while the server has no descriptor left (one client's previews took them
    // all): the loop that ended there left the port listening, never answering, for good.
    const start = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks.start as string;
    const base = await Deno.makeTempDir({ prefix: "mcp-preview-" });
    await Deno.chmod(base, 0o755);
    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: start.split(" ").slice(1), // the server itself, whose descriptors the helper takes
      cwd: ROOT,
      env: { ...Deno.env.toObject(), MCP_SANDBOX_DIR: base },
      stderr: "ignore",
    });
    const client = new Client({ name: "preview-test", version: "1" });
    await client.connect(transport);
    const call = async (name: string, args: Record<string, unknown>) =>
      await client.callTool({ name, arguments: args }) as CallToolResult;
    const { url } = await countingServer({ call }, 8133);
    // A helper on the host lowers the server's descriptor limit and connects meanwhile:
    // RLIMIT_NOFILE bounds descriptor numbers, so 3 leaves none to take. It also makes the last
    // request.
    const helper = new Deno.Command("python3", {
      args: [
        "-c",
        `import json, resource, socket, sys, urllib.request
pid, url = int(sys.argv[1]), sys.argv[2]
port = int(url.rsplit(":", 1)[1])
saved = resource.prlimit(pid, resource.RLIMIT_NOFILE)
held = []
for line in sys.stdin:
    if line.startswith("starve"):
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (3, saved[1]))
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]
        answer = "starved"
    elif line.startswith("restore"):
        resource.prlimit(pid, resource.RLIMIT_NOFILE, saved)
        for conn in held:
            conn.close()
        answer = "limit %d" % resource.prlimit(pid, resource.RLIMIT_NOFILE)[0]
    else:
        try:
            answer = urllib.request.urlopen(url, timeout=20).read().decode()
        except Exception as e:
            answer = "failed: %s" % e
    print(json.dumps(answer), flush=True)
`,
        String(transport.pid),
        url,
      ],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const lines = helper.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const writer = helper.stdin.getWriter();
    let pending = "";
    const tell = async (what: string): Promise<string> => {
      await writer.write(new TextEncoder().encode(`${what}\n`));
      while (!pending.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) throw new Error("the helper ended");
        pending += value;
      }
      const line = pending.slice(0, pending.indexOf("\n"));
      pending = pending.slice(line.length + 1);
      return JSON.parse(line);
    };
    try {
      assertEquals(await tell("starve"), "starved");
      // The server tries to accept the helper's connections meanwhile, and fails.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assertMatch(await tell("restore"), /^limit \d{3,}/);
      // The request waits at most 20 s (a bound on liveness): the answer takes milliseconds, and
      // a preview whose accept loop ended never gives one.
      assertEquals(await tell("get"), "ok");
    } finally {
      await writer.close();
      await lines.cancel();
      await helper.status;
      await client.close();
      await Deno.remove(base, { recursive: true }).catch(() => {});
    }
  },
);
