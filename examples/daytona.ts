// The same on a Daytona sandbox. Needs an API key:
//   MCP_DAYTONA_API_KEY=dtn_… deno run --allow-net --allow-env examples/daytona.ts

import { pythonExec, shellExec } from "../mod.ts";
import { DaytonaProvider } from "../src/providers/daytona/mod.ts";

const apiKey = Deno.env.get("MCP_DAYTONA_API_KEY") ?? Deno.env.get("DAYTONA_API_KEY");
if (!apiKey) {
  console.error("Set MCP_DAYTONA_API_KEY (or DAYTONA_API_KEY) to your Daytona API key.");
  Deno.exit(2);
}
await using provider = new DaytonaProvider({
  apiKey,
  apiUrl: Deno.env.get("MCP_DAYTONA_SERVER_URL") ?? Deno.env.get("DAYTONA_API_URL"),
});
await using sandbox = await provider.create();

await pythonExec(sandbox, { code: "import platform\nnode = platform.node()" });
console.log((await pythonExec(sandbox, { code: "node" })).result);
console.log((await shellExec(sandbox, { command: "uname -a" })).stdout.trim());
// Leaving the block deletes the sandbox in Daytona.
