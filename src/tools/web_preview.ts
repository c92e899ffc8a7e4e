/**
 * `web_preview`: the URL of a web server running in the sandbox, checked.
 *
 * @module
 */

import { z } from "npm:zod@4.6.7";
import type { Sandbox } from "../sandbox.ts";
import type { ToolOptions } from "./_common.ts";

/**
 * Arguments of {@linkcode webPreview}, as the MCP tool takes them.
 *
 * @example Get a URL without probing the server
 * ```ts ignore
 * import { match } from "node:assert/strict";
 * import { LocalProvider, webPreview, type WebPreviewInput } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * const input: WebPreviewInput = { port: 5173, description: "dev server", check_server: false };
 * match((await webPreview(sandbox, input)).url, /^http:\/\/127\.0\.0\.1:\d+$/); // a port of this machine
 * ```
 */
export interface WebPreviewInput {
  /** The port the server listens on inside the sandbox. */
  port: number;
  /** What the server is, echoed in the result. */
  description?: string;
  /** Probe the server before answering. @default true */
  check_server?: boolean;
}

/**
 * What {@linkcode webPreview} returns.
 *
 * @example Find the port a server really listens on
 * ```ts ignore
 * import { deepEqual, equal } from "node:assert/strict";
 * import { LocalProvider, shellExec, webPreview } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await shellExec(sandbox, { command: "python3 -m http.server 8000 > /dev/null 2>&1 &" });
 * const preview = await webPreview(sandbox, { port: 3000 });
 * equal(preview.accessible, false); // nothing on 3000…
 * deepEqual(preview.listening_ports, [8000]); // …but the server is on 8000
 * ```
 */
export interface WebPreviewOutput {
  /** The port asked about. */
  port: number;
  /** Where the server can be reached. */
  url: string;
  /** The description given, or "". */
  description: string;
  /** Whether the server answered (null when not checked). */
  accessible: boolean | null;
  /** The HTTP status of the probe (any status means the server answered), or null. */
  status_code: number | null;
  /** Why the probe failed, if it did. */
  error: string | null;
  /** TCP ports that sandbox processes listen on, to spot a wrong port. */
  listening_ports: number[];
  /** One sentence for the model. */
  message: string;
  /** Daytona: the preview token of a private sandbox. */
  token?: string;
  /** Daytona: a URL that works without the token, until signed_url_expires_at. */
  signed_url?: string | null;
  /** Daytona: when signed_url stops working. */
  signed_url_expires_at?: string | null;
  /** Daytona: how to use the token or the signed URL. */
  access?: string;
}

// Runs inside the sandbox: retries while the port refuses (a server just started with `&` needs a
// moment), then reports the status and the ports this sandbox's user listens on.
const PROBE = `
import json, os, sys, time, urllib.request, urllib.error
port = int(sys.argv[1])
status, error = None, None
deadline = time.monotonic() + 3
while True:
    try:
        status = urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=2).status
        error = None
    except urllib.error.HTTPError as e:
        status, error = e.code, None
    except Exception as e:
        error = str(getattr(e, "reason", e))
        if "refused" in error and time.monotonic() < deadline:
            time.sleep(0.1)
            continue
    break
listening = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        rows = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for row in rows:
        fields = row.split()
        if fields[3] == "0A" and int(fields[7]) == os.getuid():
            listening.add(int(fields[1].rsplit(":", 1)[1], 16))
print(json.dumps({"status": status, "error": error, "listening": sorted(listening)}))
`;
import { defineTool, presentJson, READ_ONLY, type ToolDefinition } from "./_define.ts";

/**
 * Returns the URL at which a server listening on `input.port` in the sandbox can be reached (on
 * the local provider a port of this machine's 127.0.0.1 forwarded into the sandbox). With
 * `check_server` (the default) it probes the server first and, if nothing answers, lists the
 * ports that processes in the sandbox do listen on.
 *
 * @example Preview a server started in the background
 * ```ts ignore
 * import { equal, match } from "node:assert/strict";
 * import { LocalProvider, shellExec, webPreview } from "../../mod.ts";
 * await using provider = new LocalProvider();
 * await using sandbox = await provider.create();
 * await shellExec(sandbox, { command: "python3 -m http.server 8000 &" });
 * const preview = await webPreview(sandbox, { port: 8000 });
 * match(preview.url, /^http:\/\/127\.0\.0\.1:\d+$/); // e.g. http://127.0.0.1:41234
 * equal(preview.accessible, true);
 * ```
 */
export async function webPreview(
  sandbox: Sandbox,
  input: WebPreviewInput,
  options: ToolOptions = {},
): Promise<WebPreviewOutput> {
  const link = await sandbox.preview(input.port, {
    signal: options.signal,
    onWait: options.onProgress,
  });
  const url = link.url;
  const base = {
    port: input.port,
    url,
    description: input.description ?? "",
    ...(link.token === undefined ? {} : {
      token: link.token,
      signed_url: link.signedUrl ?? null,
      signed_url_expires_at: link.signedUrlExpiresAt ?? null,
      access:
        "The sandbox is private: open signed_url in a browser, or send the token as the X-Daytona-Preview-Token header with requests to url.",
    }),
  };
  const unchecked = (why: string): WebPreviewOutput => ({
    ...base,
    accessible: null,
    status_code: null,
    error: null,
    listening_ports: [],
    message: `Preview URL for port ${input.port}: ${url} (not checked${why}).`,
  });
  if (input.check_server === false) return unchecked("");
  const probe = await sandbox.exec(["python3", "-c", PROBE, String(input.port)], {
    timeoutMs: 15_000,
    signal: options.signal,
  });
  if (probe.exitCode === 127 && /python3/.test(probe.stderr)) {
    // An image without python3 (e.g. node:22-slim on Daytona): the URL still works.
    return unchecked(": the sandbox's image has no python3 to probe the server with");
  }
  if (probe.exitCode !== 0) {
    throw new Error(`Cannot check port ${input.port}: the probe failed: ${probe.stderr.trim()}`);
  }
  const { status, error, listening: ports } = JSON.parse(probe.stdout) as {
    status: number | null;
    error: string | null;
    listening: number[];
  };
  const accessible = status !== null;
  // Not the ports of the sandbox's own machinery (the proxy relay).
  const reserved = new Set(sandbox.info.reservedPorts ?? []);
  const listening = ports.filter((port) => !reserved.has(port));
  const others = listening.filter((port) => port !== input.port);
  return {
    ...base,
    accessible,
    status_code: status,
    error,
    listening_ports: listening,
    message: accessible
      ? `The server on port ${input.port} answers (HTTP ${status}) at ${url}.`
      : `Nothing answers on port ${input.port} (${error}). ${
        others.length
          ? `Processes in the sandbox listen on ${others.join(", ")}.`
          : "No process in the sandbox listens on a TCP port."
      } Start the server in the background, e.g. shell_exec(command="python3 -m http.server ${input.port} &").`,
  };
}

/** The MCP input schema of `web_preview`. */
export const webPreviewInputSchema = {
  port: z.number({ error: "port must be a number" }).int("port must be a whole number")
    .min(1, "port must be between 1 and 65535").max(65535, "port must be between 1 and 65535")
    .describe("Port the server listens on inside the sandbox."),
  description: z.string({ error: "description must be a string" }).max(500).optional()
    .describe("What the server is, e.g. 'React dev server'."),
  check_server: z.boolean({ error: "check_server must be true or false" }).optional()
    .describe("Probe the server first (default true)."),
};

/** The MCP output schema of `web_preview`. */
export const webPreviewOutputSchema = {
  port: z.number(),
  url: z.string(),
  description: z.string(),
  accessible: z.boolean().nullable(),
  status_code: z.number().nullable(),
  error: z.string().nullable(),
  listening_ports: z.array(z.number()),
  message: z.string(),
  token: z.string().optional(),
  signed_url: z.string().nullable().optional(),
  signed_url_expires_at: z.string().nullable().optional(),
  access: z.string().optional(),
};

/** The `web_preview` tool: its definition, as the registry lists it. */
export const webPreviewTool: ToolDefinition<WebPreviewInput, WebPreviewOutput> = defineTool({
  name: "web_preview",
  title: "Preview a web server",
  description:
    'Get the URL of a web server running in the sandbox on the given port (start it first in the background, e.g. shell_exec(command="python3 -m http.server 8000 &")). With check_server (default true) the server is probed; if nothing answers, the result lists the ports that are listening.',
  inputSchema: webPreviewInputSchema,
  outputSchema: webPreviewOutputSchema,
  annotations: READ_ONLY,
  run: webPreview,
  present: (output) => presentJson(output, output.accessible === false),
});
