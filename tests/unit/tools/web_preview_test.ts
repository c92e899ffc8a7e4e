import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  rejects as assertRejects,
} from "node:assert/strict";
import { SandboxError } from "../../../src/sandbox.ts";
import { tools } from "../../../src/registry.ts";
import { webPreview, type WebPreviewOutput } from "../../../src/tools/web_preview.ts";
import { FakeSandbox } from "../_fake_sandbox.ts";

const present = tools.find((t) => t.name === "web_preview")!.present;

/** A sandbox whose probe reports `status`, `error` and the ports listening. */
function probed(
  report: { status: number | null; error: string | null; listening: number[] },
  reservedPorts?: number[],
): FakeSandbox {
  return new FakeSandbox({
    info: { reservedPorts },
    preview: (port) => ({ url: `http://127.0.0.1:${40_000 + port}` }),
  }).onExec(/^python3 -c /, { stdout: `${JSON.stringify(report)}\n` });
}

Deno.test("webPreview() without check_server answers with the URL alone, running nothing", async () => {
  const sandbox = probed({ status: 200, error: null, listening: [] });
  const out = await webPreview(sandbox, { port: 8000, check_server: false, description: "docs" });
  assertEquals(sandbox.execCalls, []);
  assertEquals(out, {
    port: 8000,
    url: "http://127.0.0.1:48000",
    description: "docs",
    accessible: null,
    status_code: null,
    error: null,
    listening_ports: [],
    message: "Preview URL for port 8000: http://127.0.0.1:48000 (not checked).",
  });
  assertEquals(present(out).isError, false);
});

Deno.test("webPreview() probes the port inside the sandbox and reports a server that answers", async () => {
  const sandbox = probed({ status: 200, error: null, listening: [8000, 3128] }, [3128]);
  const out = await webPreview(sandbox, { port: 8000 });
  const [probe] = sandbox.execCalls;
  assertEquals([probe.argv?.[0], probe.argv?.[1], probe.argv?.[3]], ["python3", "-c", "8000"]);
  assertEquals(probe.options.timeoutMs, 15_000);
  assertEquals(
    [out.accessible, out.status_code, out.error, out.listening_ports],
    [true, 200, null, [8000]],
    "the sandbox's own ports (its proxy relay) are not listed",
  );
  assertEquals(
    out.message,
    "The server on port 8000 answers (HTTP 200) at http://127.0.0.1:48000.",
  );
  assertEquals(present(out).isError, false);
  // Any HTTP status means a server answered.
  const failing = await webPreview(probed({ status: 500, error: null, listening: [8000] }), {
    port: 8000,
  });
  assertEquals([failing.accessible, failing.status_code], [true, 500]);
});

Deno.test("webPreview() when nothing answers lists the ports that do listen", async () => {
  const refused = "[Errno 111] Connection refused";
  const out = await webPreview(
    probed({ status: null, error: refused, listening: [3000, 5173] }),
    { port: 8000 },
  );
  assertEquals([out.accessible, out.status_code, out.error], [false, null, refused]);
  assertEquals(out.listening_ports, [3000, 5173]);
  assertEquals(
    out.message,
    `Nothing answers on port 8000 (${refused}). Processes in the sandbox listen on 3000, 5173. Start the server in the background, e.g. shell_exec(command="python3 -m http.server 8000 &").`,
  );
  const result = present(out);
  assertEquals(result.isError, true, "an unreachable server is an error result");
  assertEquals(result.structuredContent, out);
  const none = await webPreview(probed({ status: null, error: refused, listening: [] }), {
    port: 8000,
  });
  assertMatch(none.message, /No process in the sandbox listens on a TCP port\./);
  const onlyItself = await webPreview(
    probed({ status: null, error: "timed out", listening: [8000] }),
    { port: 8000 },
  );
  assertMatch(onlyItself.message, /\(timed out\)\. No process in the sandbox listens/);
});

Deno.test("webPreview() without python3 in the image gives the URL unchecked", async () => {
  const sandbox = new FakeSandbox().onExec(/^python3 /, {
    exitCode: 127,
    stderr: "sh: 1: python3: not found\n",
  });
  const out = await webPreview(sandbox, { port: 3000 });
  assertEquals(out.accessible, null);
  assertEquals(
    out.message,
    "Preview URL for port 3000: http://127.0.0.1:3000 (not checked: the sandbox's image has no python3 to probe the server with).",
  );
  const broken = new FakeSandbox().onExec(/^python3 /, { exitCode: 1, stderr: "Traceback\n" });
  await assertRejects(webPreview(broken, { port: 3000 }), {
    message: "Cannot check port 3000: the probe failed: Traceback",
  });
});

Deno.test("webPreview() passes on a private sandbox's token and signed URL", async () => {
  const sandbox = new FakeSandbox({
    preview: () => ({
      url: "https://3000-abc.proxy.daytona.work",
      token: "tok",
      signedUrl: "https://3000-abc.proxy.daytona.work/?tkn=signed",
      signedUrlExpiresAt: "2026-01-01T01:00:00.000Z",
    }),
  });
  const out: WebPreviewOutput = await webPreview(sandbox, { port: 3000, check_server: false });
  assertEquals(out.token, "tok");
  assertEquals(out.signed_url, "https://3000-abc.proxy.daytona.work/?tkn=signed");
  assertEquals(out.signed_url_expires_at, "2026-01-01T01:00:00.000Z");
  assertMatch(out.access!, /X-Daytona-Preview-Token/);
  const plain = await webPreview(new FakeSandbox(), { port: 3000, check_server: false });
  assertEquals("token" in plain || "access" in plain || "signed_url" in plain, false);
});

Deno.test("webPreview() passes on the provider's refusal", async () => {
  const sandbox = new FakeSandbox();
  await sandbox.close();
  await assertRejects(webPreview(sandbox, { port: 3000 }), (error) => {
    assertEquals(error instanceof SandboxError, true);
    assertEquals((error as Error).message, "Cannot preview port 3000: the sandbox is closed");
    return true;
  });
});
