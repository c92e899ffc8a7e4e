// Connects an MCP client to a server on the Daytona provider, pointed at the fake API.

import { DaytonaProvider } from "../../src/providers/daytona/mod.ts";
import { silentLogger } from "../../src/log.ts";
import { connect, type Connected } from "../_helpers.ts";
import type { FakeDaytona } from "./fake_server.ts";
import type { SharedDirectory } from "../../src/shares.ts";

/** A server on the Daytona provider (the real SDK) talking to `fake`. */
export async function connectDaytona(
  fake: FakeDaytona,
  options: { shares?: readonly SharedDirectory[] } = {},
): Promise<Connected> {
  const provider = new DaytonaProvider({
    apiKey: fake.apiKey,
    apiUrl: fake.apiUrl,
    target: "us",
    log: silentLogger(),
  });
  return await connect({ provider, shares: options.shares });
}
