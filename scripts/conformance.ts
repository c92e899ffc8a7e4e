// Runs the official MCP conformance suite against this server over HTTP:
//   deno task conformance
// Starts `deno task start:http` on a free port, runs the suite with the committed list of
// scenarios that do not apply (conformance/expected-failures.yml), stops the server, and exits
// with the suite's status.

const root = new URL("..", import.meta.url).pathname;
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

const suite = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    // Kept out of deno.lock: the server's first start would otherwise download the suite too.
    "--no-lock",
    "npm:@modelcontextprotocol/conformance@0.1.16",
    "server",
    "--url",
    `http://127.0.0.1:${port}/mcp`,
    "--expected-failures",
    `${root}conformance/expected-failures.yml`,
  ],
  cwd: root,
  stdin: "null",
}).spawn().status;

server.kill("SIGTERM");
await server.status;
Deno.exit(suite.code);
