// A Daytona sandbox's agent runs where the sandbox's code does, which can replace it and answer
// the server with anything. These tests replace it (through shell_exec, as such code would) and
// check that the server neither stalls on its answers nor waits on it without end.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { DaytonaProvider } from "../../src/providers/daytona/mod.ts";
import { silentLogger } from "../../src/log.ts";
import { startFakeDaytona } from "../daytona/fake_server.ts";
import { connect, type Connected, hasBwrap, structured, text } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };
const EXECUTE = "POST /toolbox/{id}/process/execute";

/**
 * Replaces the sandbox's agent client: a request it is sent gets `answer` (Python source of a
 * function of the request's id that prints the reply); anything else goes to the real agent.
 */
async function replaceAgent(mcp: Connected, answer: string): Promise<void> {
  const fake = [
    "import json, os, sys",
    "here = os.path.dirname(os.path.abspath(__file__))",
    "if len(sys.argv) == 4 and sys.argv[1] == 'call':",
    "    raw = open(sys.argv[3][1:]).read() if sys.argv[3].startswith('@') else sys.stdin.read()",
    "    request = json.loads(raw)",
    "    if request['op'] in ('exec', 'python', 'wait'):",
    answer.split("\n").map((line) => `        ${line}`).join("\n"),
    "        sys.exit(0)",
    "    import subprocess",
    "    sys.exit(subprocess.run([sys.executable, os.path.join(here, 'real.py')] + sys.argv[1:], input=raw.encode()).returncode)",
    "os.execv(sys.executable, [sys.executable, os.path.join(here, 'real.py')] + sys.argv[1:])",
  ].join("\n");
  const out = structured<{ exit_code: number; stderr: string }>(
    await mcp.call("shell_exec", {
      command: `cd ~/.mcp-sandbox && cp agent.py real.py && base64 -d > agent.py.new <<'EOF'\n${
        new TextEncoder().encode(fake).toBase64()
      }\nEOF\nmv agent.py.new agent.py`,
    }),
  );
  assertEquals(out.exit_code, 0, out.stderr);
}

async function connectTo(
  fake: Awaited<ReturnType<typeof startFakeDaytona>>,
  replyGraceMs?: number,
): Promise<Connected> {
  return await connect({
    provider: new DaytonaProvider({
      apiKey: fake.apiKey,
      apiUrl: fake.apiUrl,
      log: silentLogger(),
      pollSeconds: 1,
      replyGraceMs,
    }),
  });
}

Deno.test(
  "an agent that answers with millions of JSON-looking lines costs the server a few parses",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connectTo(fake);
    // 4 MiB of lines that each begin like a reply: before, every one was parsed, which held the
    // server's event loop (and every other client) for seconds per MiB.
    await replaceAgent(mcp, "sys.stdout.write('{\\n' * (2 * 1024 * 1024))");
    const parse = JSON.parse;
    let parses = 0;
    JSON.parse = (...args: Parameters<typeof JSON.parse>) => {
      parses++;
      return parse(...args);
    };
    let result;
    try {
      result = await mcp.call("shell_exec", { command: "echo hi" });
    } finally {
      JSON.parse = parse;
    }
    assertEquals(result.isError, true);
    assertMatch(text(result), /Cannot read the sandbox agent's reply/);
    assert(parses < 1000, `${parses} parses`);
  },
);

Deno.test(
  "an agent that always answers 'pending' is given up on after the call's timeout and a grace, or a grace after a cancel",
  opts,
  async () => {
    await using fake = await startFakeDaytona();
    await using mcp = await connectTo(fake, 1000);
    await replaceAgent(
      mcp,
      "print(json.dumps({'id': request.get('target', request['id']), 'pending': True, 'line': 'still going'}))",
    );
    const timed = await mcp.call("shell_exec", { command: "sleep 1", timeout: 1 });
    assertEquals(timed.isError, true);
    assertMatch(text(timed), /did not answer within 2 s \(the call's timeout and a grace\)/);
    // Without a timeout of its own, the cancel ends it.
    const controller = new AbortController();
    const untimed = mcp.client.callTool(
      { name: "python_exec", arguments: { code: "1" } },
      undefined,
      { signal: controller.signal },
    ).catch((error: Error) => error);
    while (fake.count(EXECUTE) < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    assert(await untimed instanceof Error);
    // The server stopped asking: no request follows the give-up. A cancel was sent for each call.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const asked = fake.count(EXECUTE);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assertEquals(fake.count(EXECUTE), asked, "the server still asks the agent");
  },
);
