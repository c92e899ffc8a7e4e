// deno task demo: a short scripted session through a real MCP client, printing what each tool
// returned, so a newcomer sees the server work in one command.

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { CallToolResult } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";

const root = new URL("..", import.meta.url).pathname;
const tasks = JSON.parse(await Deno.readTextFile(`${root}deno.json`)).tasks;
const flags = (tasks.start as string).split(" ").filter((arg) => arg.startsWith("--"));

const client = new Client({ name: "demo", version: "1" });
await client.connect(
  new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", ...flags, "bundle/cli.js"],
    cwd: root, // where the start task's relative --allow-read=bundle points
    env: { ...Deno.env.toObject(), MCP_LOG_LEVEL: "warn" },
    stderr: "inherit",
  }),
);
console.log(
  `Connected to ${client.getServerVersion()?.name} ${client.getServerVersion()?.version}.\n`,
);

async function step(title: string, name: string, args: Record<string, unknown>) {
  console.log(`── ${title}\n   ${name}(${JSON.stringify(args)})`);
  const result = await client.callTool({ name, arguments: args }) as CallToolResult;
  const shown = { ...result.structuredContent };
  for (const [key, value] of Object.entries(shown)) {
    if (typeof value === "string" && value.length > 200) shown[key] = `${value.slice(0, 200)}…`;
  }
  console.log(`   → ${JSON.stringify(shown)}\n`);
  return result;
}

await step("Python keeps state between calls", "python_exec", {
  code: "import math\nradius = 2",
});
await step("…so the next call still knows radius", "python_exec", {
  code: "round(math.pi * radius ** 2, 3)",
});
const chart = await step("A matplotlib chart comes back as an image", "python_exec", {
  code:
    "import matplotlib.pyplot as plt\nxs = range(0, 50)\nplt.plot(xs, [math.sin(x / 5) for x in xs])\nplt.title('sin')",
});
const image = chart.content.find((c) => c.type === "image") as { data: string } | undefined;
if (image) {
  await Deno.writeFile("demo-chart.png", Uint8Array.fromBase64(image.data));
  console.log("   The chart is saved as ./demo-chart.png: open it.\n");
}
await step("Shell commands, stdout and stderr apart", "shell_exec", {
  command: "echo hello from $(whoami) in $PWD; echo a warning >&2; uname -sr",
});
await step("Upload a file", "file_upload", {
  file_path: "notes/hello.txt",
  content: "Hi there!\n",
});
const download = await step("…and download it again", "file_download", {
  file_path: "notes/hello.txt",
});
console.log(
  `   The file's content: ${JSON.stringify((download.content[1] as { text: string }).text)}\n`,
);
await client.close();
console.log("Done: the sandbox and everything in it are gone.");
