// Every Daytona operation the tools use, under each kind of fault: transient faults on calls that
// are safe to repeat are retried away; other calls fail with a clear error; the server stays up;
// and nothing we created is left behind.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { DaytonaProvider } from "../../src/providers/daytona/mod.ts";
import { silentLogger } from "../../src/log.ts";
import { type Fault, startFakeDaytona } from "../daytona/fake_server.ts";
import { connect, type Connected, hasBwrap, text } from "../_helpers.ts";

interface Operation {
  /** The endpoint the fault is injected into. */
  endpoint: string;
  /** Whether repeating it is safe, so transient faults must be retried away. */
  idempotent: boolean;
  /** Makes the tool call that uses the endpoint; returns whether it succeeded. */
  call(mcp: Connected): Promise<{ ok: boolean; message: string }>;
}

async function ok(mcp: Connected, name: string, args: Record<string, unknown>) {
  const result = await mcp.call(name, args);
  return { ok: !result.isError, message: text(result) };
}

const operations: Operation[] = [
  {
    endpoint: "POST /api/sandbox",
    idempotent: false,
    call: (mcp) => ok(mcp, "sandbox_create", {}),
  },
  { endpoint: "GET /api/sandbox", idempotent: true, call: (mcp) => ok(mcp, "sandbox_list", {}) },
  {
    endpoint: "GET /api/sandbox/{id}/ports/{port}/preview-url",
    idempotent: true,
    call: (mcp) => ok(mcp, "web_preview", { port: 8080, check_server: false }),
  },
  {
    endpoint: "POST /toolbox/{id}/process/execute",
    idempotent: false,
    call: (mcp) => ok(mcp, "shell_exec", { command: "echo once >> runs.log" }),
  },
  {
    endpoint: "POST /toolbox/{id}/files/bulk-upload",
    idempotent: true,
    call: (mcp) => ok(mcp, "file_upload", { file_path: "f.txt", content: "data" }),
  },
  {
    endpoint: "POST /toolbox/{id}/files/bulk-download",
    idempotent: true,
    call: (mcp) => ok(mcp, "file_download", { file_path: "f.txt" }),
  },
];

const faults: [string, Fault][] = [
  ["500", { status: 500 }],
  ["429", { status: 429 }],
  ["a connection reset", { reset: true }],
  ["a reply slower than the timeout", { delayMs: 2500 }],
];

for (const operation of operations) {
  Deno.test(`Daytona faults on ${operation.endpoint}`, { ignore: !hasBwrap }, async () => {
    await using fake = await startFakeDaytona();
    {
      await using mcp = await connect({
        provider: new DaytonaProvider({
          apiKey: fake.apiKey,
          apiUrl: fake.apiUrl,
          timeoutSeconds: 2,
          log: silentLogger(),
        }),
      });
      await mcp.call("file_upload", { file_path: "f.txt", content: "data" });
      for (const [name, fault] of faults) {
        if (operation.endpoint.includes("execute") && fault.delayMs) continue; // runs for its own timeout
        fake.inject(operation.endpoint, { ...fault, times: 1 });
        const outcome = await operation.call(mcp);
        // 429 means "not processed": even a call that must not run twice may be repeated.
        const mustSucceed = operation.idempotent || fault.status === 429;
        if (mustSucceed) {
          assert(outcome.ok, `${name}: ${outcome.message}`);
        } else if (!outcome.ok) {
          assertMatch(outcome.message, /Cannot|Daytona|failed|answer/, `${name}: a clear error`);
        }
        fake.clearFaults();
        const alive = await mcp.call("file_list", {});
        assertEquals(alive.isError, false, `${name}: the server keeps working`);
      }
    }
    assertEquals(fake.sandboxIds(), [], "every sandbox we created is deleted");
  });
}
