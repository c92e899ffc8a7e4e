// The host side of the supervisor protocol against supervisors that misbehave: every violation
// ends that sandbox only, with a clear error for the call, and the server goes on. The fake
// supervisors are small Python programs, so no bubblewrap is needed.

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects,
} from "node:assert/strict";
import { AgentProcess } from "../../src/providers/agent/process.ts";
import { silentLogger } from "../../src/log.ts";

const HELLO = `{"ready": true, "python": "3", "home": "/", "uid": 1}`;

/** A fake supervisor: says hello, answers each request with `reply(request)` (Python code). */
function fake(reply: string): Deno.Command {
  const program = [
    "import json, sys",
    `sys.stdout.write(${JSON.stringify(HELLO)} + "\\n"); sys.stdout.flush()`,
    "for line in sys.stdin:",
    "    req = json.loads(line)",
    `    out = ${reply}`,
    "    if out is not None:",
    "        sys.stdout.buffer.write(out); sys.stdout.flush()",
  ].join("\n");
  return new Deno.Command("python3", {
    args: ["-c", program],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
}

/** A description of "/" as a stat reply gives it. */
const ROOT_INFO =
  `{"path": "/", "name": "/", "type": "directory", "size": 0, "modified": 0, "mode": "drwxr-xr-x"}`;
const ECHO = `(json.dumps({"id": req["id"], "result": ${ROOT_INFO}}) + "\\n").encode()`;

async function withAgents(
  reply: string,
  check: (bad: AgentProcess, good: AgentProcess) => Promise<void>,
  options: { replyGraceMs?: number } = {},
): Promise<void> {
  const log = silentLogger();
  await using good = await AgentProcess.start(fake(ECHO), "good", log);
  await using bad = await AgentProcess.start(fake(reply), "bad", log, options);
  await check(bad, good);
  assert(!bad.alive, "the misbehaving sandbox was ended");
  // The other sandbox is unaffected.
  assert(good.alive);
  assertEquals((await good.request("stat", { path: "/" })).type, "directory");
}

Deno.test("a reply line over the cap ends that sandbox with a clear error", async () => {
  // 100 MiB without a newline: once it crashed the whole server.
  await withAgents(`b"x" * (100 * 1024 * 1024)`, async (bad) => {
    await rejects(
      bad.request("stat", { path: "/" }),
      /supervisor sent a reply line over 96 MiB, so the sandbox was ended.*next call starts a new sandbox/,
    );
  });
});

Deno.test("a reply that is not JSON ends that sandbox", async () => {
  await withAgents(`b"garbage\\n"`, async (bad) => {
    await rejects(bad.request("stat", { path: "/" }), /supervisor sent a reply that is not JSON/);
  });
});

Deno.test("a reply for a request never sent (a forged id) ends that sandbox", async () => {
  await withAgents(
    `(json.dumps({"id": req["id"] + 7, "result": {"forged": True}}) + "\\n").encode()`,
    async (bad) => {
      await rejects(
        bad.request("stat", { path: "/" }),
        /supervisor sent a reply for no request it was sent \(id 8\)/,
      );
    },
  );
});

Deno.test("file data larger than any read ends that sandbox", async () => {
  await withAgents(
    `(json.dumps({"id": req["id"], "result": {"_binary": 1 << 40}}) + "\\n").encode()`,
    async (bad) => {
      await rejects(bad.request("read", { path: "x" }), /file data of a size it may not send/);
    },
  );
});

Deno.test("a supervisor that stops answering fails the call at its timeout plus a grace", async () => {
  await withAgents("None", async (bad) => {
    await rejects(
      bad.request("exec", { command: "true", timeout: 0.2 }),
      /supervisor did not answer within 0\.7 s \(the call's timeout and a grace\), so the sandbox was ended/,
    );
  }, { replyGraceMs: 500 });
});

Deno.test("a supervisor that does not say hello is not used", async () => {
  const command = new Deno.Command("python3", {
    args: ["-c", "print('[1, 2]')"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
  await rejects(
    AgentProcess.start(command, "x", silentLogger()),
    (error: Error) => {
      assertMatch(error.message, /Cannot start sandbox: its supervisor/);
      return true;
    },
  );
});
