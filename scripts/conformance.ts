// Runs the official MCP conformance suite against this server over HTTP:
//   deno task conformance
// Starts `deno task start:http` on a free port and runs, one after the other:
// - the released suite (0.1.16), which speaks 2025-11-25 (initialize and sessions, SDK 1.32.2);
// - the newer suite (0.2.0-alpha.12) once per protocol revision it has requirements for:
//   `--requirements 2025-11-25`, and `--requirements 2026-07-28` (stateless, `_meta` envelope,
//   server/discover; the v2 SDK), which also runs the tasks extension's scenarios.
// Each run gets the committed list of failures that need the suite's own fixtures
// (conformance/expected-failures*.yml). Stops the server, and exits 1 if any run failed.
// About 15 s on a warm cache (each run 2-5 s; the first run downloads the suites).

const root = new URL("..", import.meta.url).pathname;
const RUNS = [
  {
    name: "0.1.16 (2025-11-25)",
    suite: "0.1.16",
    args: [],
    expected: "expected-failures.yml",
  },
  {
    name: "0.2.0-alpha.12, requirements of 2025-11-25",
    suite: "0.2.0-alpha.12",
    args: ["--requirements", "2025-11-25"],
    expected: "expected-failures-2025-11-25.yml",
  },
  {
    name: "0.2.0-alpha.12, requirements of 2026-07-28",
    suite: "0.2.0-alpha.12",
    args: ["--requirements", "2026-07-28"],
    expected: "expected-failures-2026-07-28.yml",
  },
];

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const port = (listener.addr as Deno.NetAddr).port;
listener.close();

const server = new Deno.Command(Deno.execPath(), {
  args: ["task", "--quiet", "start:http", "--port", String(port)],
  cwd: root,
  stdin: "null",
  stdout: "null",
  stderr: "piped",
}).spawn();
const logs = server.stderr.pipeThrough(new TextDecoderStream()).getReader();
let seen = "";
while (!seen.includes("serving MCP at")) {
  const { value, done } = await logs.read();
  if (done) {
    console.error(`The server did not start:\n${seen}`);
    Deno.exit(1);
  }
  seen += value;
}
logs.releaseLock();
server.stderr.cancel().catch(() => {});

const failed: string[] = [];
const timings: string[] = [];
for (const run of RUNS) {
  console.log(`\n=== Conformance suite ${run.name}`);
  const started = performance.now();
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      // Kept out of deno.lock: the server's first start would otherwise download the suites too.
      "--no-lock",
      `npm:@modelcontextprotocol/conformance@${run.suite}`,
      "server",
      "--url",
      `http://127.0.0.1:${port}/mcp`,
      ...run.args,
      "--expected-failures",
      `${root}conformance/${run.expected}`,
    ],
    cwd: root,
    stdin: "null",
  }).spawn().status;
  timings.push(
    `${run.name}: ${code === 0 ? "ok" : "FAILED"} in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  if (code !== 0) failed.push(run.name);
}

server.kill("SIGTERM");
await server.status;
console.log(`\n=== Conformance summary\n${timings.join("\n")}`);
Deno.exit(failed.length === 0 ? 0 : 1);
