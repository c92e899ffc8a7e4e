import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import type { WebPreviewOutput } from "../../src/tools/web_preview.ts";
import { assertToolErrors, connect, hasBwrap, structured, text } from "../_helpers.ts";

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
