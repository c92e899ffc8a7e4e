// A real MCP server and client, linked in memory, over fake sandboxes: the server's own logic
// (input validation, error mapping, presentation) without bubblewrap. Unlike tests/_helpers.ts,
// it spawns nothing, not even to probe for bwrap.

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/inMemory"
import { InMemoryTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/inMemory.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { CallToolResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { silentLogger } from "../../src/log.ts";
import type { ToolCredentials, ToolLimits } from "../../src/registry.ts";
import { createServer } from "../../src/server.ts";
import { SandboxSession } from "../../src/session.ts";
import { FakeProvider, type FakeSandbox, type FakeSandboxOptions } from "./_fake_sandbox.ts";

/** A connected client over a session of fake sandboxes; dispose to tear all down. */
export interface FakeConnection extends AsyncDisposable {
  client: Client;
  session: SandboxSession;
  provider: FakeProvider;
  /** The session's default sandbox (created on first use, like the server does). */
  sandbox(): Promise<FakeSandbox>;
  /** Calls a tool; tool errors come back as results with isError, never thrown. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
}

/** Serves the tool table over fake sandboxes built from `sandbox` options. */
export async function connectFake(
  options: {
    sandbox?: FakeSandboxOptions;
    limits?: Partial<ToolLimits>;
    credentials?: ToolCredentials;
    provider?: FakeProvider;
  } = {},
): Promise<FakeConnection> {
  const log = silentLogger();
  const provider = options.provider ?? new FakeProvider({ sandbox: () => options.sandbox ?? {} });
  const session = new SandboxSession(provider, log);
  const server = createServer({
    session,
    log,
    instructions: "unit",
    credentials: options.credentials,
    limits: {
      maxOutputBytes: 100_000,
      defaultTimeout: 300,
      maxImageBytes: 400_000,
      ...options.limits,
    },
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "unit", version: "1" });
  await client.connect(clientSide);
  return {
    client,
    session,
    provider,
    sandbox: async () => await session.sandbox() as FakeSandbox,
    call: async (name, args = {}) =>
      await client.callTool({ name, arguments: args }) as CallToolResult,
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
      await session.close();
      await provider.close();
    },
  };
}

/** The text of a result's first content block. */
export function text(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === "text" ? first.text : "";
}

/** The structured content of a result, typed for the test. */
export function structured<T>(result: CallToolResult): T {
  if (!result.structuredContent) {
    throw new Error(`No structured content in ${JSON.stringify(result.content)}`);
  }
  return result.structuredContent as T;
}
