// The agent against the protocol's one description (src/providers/agent/protocol.ts): a real agent
// (python3 on this machine, no bubblewrap), written from the embedded runtime files, runs every
// operation of the description through both transports, and every reply must conform to it.
// SAMPLES has a key for each operation, so an operation added to the description without a
// sample here does not type-check; TypeScript's own requests are typed from the description.

import { deepStrictEqual as assertEquals, equal, ok as assert, rejects } from "node:assert/strict";
import { runForTask } from "../../src/_task_context.ts";
import { AgentOps, type AgentTransport } from "../../src/providers/agent/ops.ts";
import { AgentProcess } from "../../src/providers/agent/process.ts";
import { AGENT_FILES, LOCAL_AGENT_FILES } from "../../src/providers/agent/_runtime.ts";
import {
  type AgentErrorCode,
  type AgentOp,
  type AgentRequest,
  type AgentResult,
  checkFields,
  checkResult,
  PROTOCOL,
} from "../../src/providers/agent/protocol.ts";
import type { SandboxFileErrorCode } from "../../src/sandbox.ts";
import { silentLogger } from "../../src/log.ts";
import { eventually } from "../_helpers.ts";

// The file error codes of the protocol are exactly SandboxFileError's (checked by the compiler).
type Same<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false;
const sameCodes: Same<AgentErrorCode, SandboxFileErrorCode> = true;
assert(sameCodes);

/** A runtime directory and a home, as a local sandbox has them, in a temporary directory. */
async function runtime(files: Record<string, string> = {}) {
  const root = await Deno.makeTempDir({ prefix: "agent-protocol-" });
  await Deno.mkdir(`${root}/runtime`);
  await Deno.mkdir(`${root}/home`);
  for (const [name, text] of Object.entries({ ...AGENT_FILES, ...LOCAL_AGENT_FILES, ...files })) {
    await Deno.writeTextFile(`${root}/runtime/${name}`, text);
  }
  return {
    root,
    home: `${root}/home`,
    agent: `${root}/runtime/agent.py`,
    env: { HOME: `${root}/home`, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

const TASK = "6f1d9a52-3c1e-4c4b-9d55-0f7e2b8a1c11";

/**
 * One request of each operation, each meant to succeed. `port`, `inbound` and `token` of the tunnel
 * are filled in by the test, which listens there.
 */
const SAMPLES: { [Op in AgentOp]: AgentRequest<Op> } = {
  exec: {
    command: "echo out; echo err >&2",
    cwd: ".",
    env: { A: "1" },
    timeout: 10,
    max_output: 1000,
  },
  python: {
    code: "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nprint('out')\n1 / 0",
    timeout: 10,
    max_output: 1000,
    max_image_bytes: 400_000,
    max_images: 1,
    max_repr: 100,
  },
  python_reset: {},
  kill_all: {},
  copy: { from: "dir/hello.txt", to: "copied.txt", overwrite: true },
  stat: { path: "." },
  read: { path: "dir/hello.txt", offset: 1, length: 3 },
  write: {
    path: "dir/hello.txt",
    upload: "u1",
    overwrite: true,
    first: true,
    last: true,
    data: btoa("hello"),
  },
  list: { path: "~", depth: 2, limit: 10 },
  commit_upload: { path: "moved.txt", temp: "dir/hello.txt", overwrite: false },
  tunnel: { port: 0, token: "", inbound: "" },
  task_begin: { task_id: TASK, created_at: "2026-11-28T00:00:00.000Z", abandon_after: 60 },
  task_get: { task_id: TASK },
  task_end: { task_id: TASK, status: "completed", result: { content: [] } },
  task_cancel: { task_id: TASK },
};

/** The order to run them in: write before read, stat and commit_upload. */
const ORDER: AgentOp[] = [
  "write",
  "read",
  "copy",
  "stat",
  "list",
  "exec",
  "python",
  "python_reset",
  "kill_all",
  "task_begin",
  "task_get",
  "task_end",
  "task_cancel",
];

/** Listens for one tunnel: a TCP port "inside" and the server's inbound socket. */
function tunnelEnds(dir: string) {
  const inside = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const inbound = Deno.listen({ transport: "unix", path: `${dir}/inbound.sock` });
  return {
    request: { port: inside.addr.port, token: "t0ken", inbound: inbound.addr.path },
    async connected(): Promise<string> {
      const [a, b] = await Promise.all([inside.accept(), inbound.accept()]);
      const buffer = new Uint8Array(6);
      let read = 0;
      while (read < 6) read += (await b.read(buffer.subarray(read))) ?? 6;
      a.close();
      b.close();
      return new TextDecoder().decode(buffer);
    },
    close() {
      inside.close();
      inbound.close();
    },
  };
}

/** The agent in pipe mode (the local provider's), on `dir`'s runtime, with `env` added. */
function pipeAgent(
  dir: { agent: string; home: string; env: Record<string, string> },
  env: Record<string, string> = {},
): Deno.Command {
  return new Deno.Command(python(), {
    args: ["-X", "utf8", dir.agent],
    cwd: dir.home,
    clearEnv: true,
    env: { ...dir.env, ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
}

function python(): string {
  try {
    Deno.statSync("/usr/bin/python3");
    return "/usr/bin/python3";
  } catch {
    return "python3";
  }
}

Deno.test("the agent's replies on its pipe conform to the protocol, for every operation", async () => {
  await using dir = await runtime();
  const command = pipeAgent(dir, { SANDBOX_NET: "tunnels" });
  await using agent = await AgentProcess.start(command, "protocol", silentLogger());
  equal(checkFields(PROTOCOL.frames.hello, agent.hello), undefined);
  const results: Partial<Record<AgentOp, unknown>> = {};
  for (const op of ORDER) {
    results[op] = await agent.request(op, SAMPLES[op] as never);
    equal(checkResult(op, results[op]), undefined);
  }
  const cell = results.python as AgentResult<"python">;
  assertEquals([cell.error?.type, cell.images.length, cell.fresh], ["ZeroDivisionError", 1, true]);
  const commit = await agent.request("commit_upload", SAMPLES.commit_upload);
  equal(checkResult("commit_upload", commit), undefined);
  assertEquals(
    new TextDecoder().decode(
      (await agent.request("read", { path: "moved.txt" })).data as Uint8Array,
    ),
    "hello",
  );
  const ends = tunnelEnds(dir.root);
  try {
    const [tunnel, token] = await Promise.all([
      agent.request("tunnel", ends.request),
      ends.connected(),
    ]);
    equal(checkResult("tunnel", tunnel), undefined);
    assertEquals(token, "t0ken\n");
  } finally {
    ends.close();
  }
});

/** Runs `agent.py call SOCKET -` with one request and returns its reply line, parsed. */
async function call(
  dir: { agent: string; home: string; env: Record<string, string>; root: string },
  request: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const child = new Deno.Command(python(), {
    args: ["-X", "utf8", dir.agent, "call", `${dir.root}/agent.sock`, "-"],
    cwd: dir.home,
    clearEnv: true,
    env: dir.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(request)));
  await writer.close();
  const { stdout, stderr } = await child.output();
  const text = new TextDecoder().decode(stdout);
  assert(
    text.endsWith("\n"),
    `one reply line, got ${JSON.stringify(text)} ${new TextDecoder().decode(stderr)}`,
  );
  return JSON.parse(text);
}

Deno.test("the agent's replies through its socket conform to the protocol, faults and pending calls too", async () => {
  await using dir = await runtime();
  await using _server = await serveSocket(dir);
  {
    let id = 0;
    const reply = async (op: string, body: Record<string, unknown>, wait = 10) => {
      const frame = await call(dir, { ...body, op, id: `r${++id}`, wait });
      equal(frame.id, `r${id}`);
      return frame;
    };
    for (const op of [...ORDER, "commit_upload" as const]) {
      const frame = await reply(op, SAMPLES[op]);
      equal(checkFields(PROTOCOL.frames.reply, frame), undefined, JSON.stringify(frame));
      equal(checkResult(op, frame.result), undefined);
    }
    // Faults: a file error's code, a field's name, an unknown operation.
    const faults = [
      await reply("stat", { path: "missing" }),
      await reply("exec", { command: "true", timeout: "soon" }),
      await reply("exec", { command: "true", shell: "bash" }),
      await reply("stat", {}),
      await reply("tunnel", { port: 1, token: "t", inbound: "/nowhere" }),
      await reply("format_disk", {}),
    ];
    for (const frame of faults) equal(checkFields(PROTOCOL.frames.fault, frame), undefined);
    assertEquals(
      faults.map((frame) =>
        (frame.error as Record<string, unknown>).code ??
          (frame.error as Record<string, unknown>).field
      ),
      [
        "not_found",
        "timeout",
        "shell",
        "path",
        "port",
        "op",
      ],
    );
    // A call longer than its request's wait: pending, then followed with `wait` requests.
    let frame = await reply("exec", { command: "echo started; sleep 1" }, 0.3);
    equal(checkFields(PROTOCOL.frames.pending, frame), undefined);
    const target = frame.id;
    while (frame.pending) {
      frame = await call(dir, { op: "wait", target, id: `${target}-wait`, wait: 0.3 });
    }
    equal(checkFields(PROTOCOL.frames.reply, frame), undefined);
    equal(checkResult("exec", frame.result), undefined);
  }
});

/**
 * The agent in remote mode, serving its socket; started here, not by the first call, so that the
 * test can end it (as a sandbox that stops ends it).
 */
async function serveSocket(
  dir: { agent: string; home: string; env: Record<string, string>; root: string },
) {
  const server = new Deno.Command(python(), {
    args: ["-X", "utf8", dir.agent, "serve", `${dir.root}/agent.sock`],
    cwd: dir.home,
    clearEnv: true,
    env: dir.env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stopped = async () => {
    try {
      server.kill("SIGTERM");
    } catch { /* already gone */ }
    await server.status;
    await server.stderr.cancel().catch(() => {});
  };
  for (let i = 0;; i++) {
    try {
      (await Deno.connect({ transport: "unix", path: `${dir.root}/agent.sock` })).close();
      break;
    } catch (error) {
      if (i === 500) {
        await stopped();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  return { [Symbol.asyncDispose]: stopped };
}

Deno.test("task records: any connection reads a task's status and cancels its calls; an unrenewed task fails; records survive a restart", async () => {
  await using dir = await runtime();
  let server = await serveSocket(dir);
  try {
    let id = 0;
    const send = (body: Record<string, unknown>) => call(dir, { id: `r${++id}`, ...body });
    const record = async (op: AgentOp, body: Record<string, unknown>) => {
      const frame = await send({ op, ...body, wait: 10 });
      equal(checkResult(op, frame.result), undefined, JSON.stringify(frame));
      return frame.result as AgentResult<"task_get">;
    };
    const task = crypto.randomUUID();
    // A call of the task, longer than its request: it goes on after its connection ends.
    const started = await send({
      op: "exec",
      command: "echo step-1; sleep 30; echo never",
      task,
      wait: 0.3,
    });
    assertEquals(started.pending, true, JSON.stringify(started));
    const begun = await record("task_begin", {
      task_id: task,
      created_at: "2026-11-28T00:00:00.000Z",
      abandon_after: 60,
    });
    assertEquals([begun?.status, begun?.created_at], ["working", "2026-11-28T00:00:00.000Z"]);
    // Its status message is the latest output line of its running call.
    await eventually(async () =>
      (await record("task_get", { task_id: task }))?.status_message === "step-1"
    );
    // A cancel from another connection ends the task and kills the call's command.
    const cancelled = await record("task_cancel", { task_id: task });
    assertEquals(cancelled?.status, "cancelled");
    let frame = started;
    while (frame.pending) {
      frame = await call(dir, { op: "wait", target: started.id, id: `w${++id}`, wait: 1 });
    }
    const exec = (frame.result ?? {}) as Record<string, unknown>;
    assertEquals([exec.cancelled, exec.exit_code], [true, null], JSON.stringify(frame));
    // Its later calls are refused, and the call's own end does not undo the cancel.
    const refused = await send({ op: "exec", command: "echo again", task, wait: 10 });
    assertEquals(
      (refused.error as Record<string, unknown>)?.field,
      "task",
      JSON.stringify(refused),
    );
    const after = await record("task_end", {
      task_id: task,
      status: "completed",
      result: { content: [] },
    });
    assertEquals([after?.status, after?.result], ["cancelled", undefined]);
    assertEquals(await record("task_get", { task_id: crypto.randomUUID() }), null);

    // A task whose server stops renewing it (it died) is reported failed, abandoned.
    const orphan = crypto.randomUUID();
    const lone = await send({ op: "exec", command: "sleep 30", task: orphan, wait: 0.2 });
    assertEquals(lone.pending, true);
    await record("task_begin", {
      task_id: orphan,
      created_at: new Date().toISOString(),
      abandon_after: 3,
    });
    // Renewed, it works on past its abandon_after.
    const renewedUntil = Date.now() + 5000;
    while (Date.now() < renewedUntil) {
      await record("task_begin", {
        task_id: orphan,
        created_at: new Date().toISOString(),
        abandon_after: 3,
      });
      assertEquals((await record("task_get", { task_id: orphan }))?.status, "working");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await eventually(async () =>
      (await record("task_get", { task_id: orphan }))?.abandoned === true
    );
    const failed = await record("task_get", { task_id: orphan });
    assertEquals(failed?.status, "failed");
    assert(/stopped before it ended/.test(failed?.status_message ?? ""), failed?.status_message);
    await record("task_cancel", { task_id: orphan });

    // An ended record is kept in a file: the agent restarted (a sandbox stopped and started
    // again) still reports it.
    const kept = crypto.randomUUID();
    await record("task_begin", {
      task_id: kept,
      created_at: new Date().toISOString(),
      abandon_after: 60,
    });
    const result = { content: [{ type: "text", text: "kept across a restart" }] };
    await record("task_end", { task_id: kept, status: "completed", result });
    // So is a working one: its call died with the agent, and its server ends it as failed.
    const cut = crypto.randomUUID();
    await record("task_begin", {
      task_id: cut,
      created_at: new Date().toISOString(),
      abandon_after: 60,
    });
    // A record file that code in the sandbox wrote is not taken for a record.
    const forged = crypto.randomUUID();
    await Deno.writeTextFile(
      `${dir.root}/tasks/${forged}.json`,
      JSON.stringify({ status: "completed", result: "not an object" }),
    );
    await server[Symbol.asyncDispose]();
    server = await serveSocket(dir);
    const again = await record("task_get", { task_id: kept });
    assertEquals([again?.status, again?.result], ["completed", result]);
    assertEquals((await record("task_get", { task_id: cut }))?.status, "working");
    const error = { code: -32603, message: "The sandbox stopped" };
    const ended = await record("task_end", { task_id: cut, status: "failed", result: error });
    assertEquals([ended?.status, ended?.result], ["failed", error]);
    assertEquals(await record("task_get", { task_id: forged }), null);
  } finally {
    await server[Symbol.asyncDispose]();
  }
});

Deno.test("the agent does not start when its operations are not the protocol's", async () => {
  const protocol = JSON.parse(AGENT_FILES["protocol.json"]);
  protocol.ops.format_disk = { doc: "", request: {}, result: {} };
  await using dir = await runtime({ "protocol.json": JSON.stringify(protocol) });
  const command = pipeAgent(dir);
  await rejects(
    AgentProcess.start(command, "drift", silentLogger()),
    /its process exited with code 1: Cannot start the sandbox agent: its operations \(.*\) are not those of protocol\.json \(.*format_disk/,
  );
});

Deno.test("a handler that reads a field the protocol does not declare fails its call", async () => {
  const protocol = JSON.parse(AGENT_FILES["protocol.json"]);
  delete protocol.ops.list.request["depth?"];
  await using dir = await runtime({ "protocol.json": JSON.stringify(protocol) });
  const command = pipeAgent(dir);
  await using agent = await AgentProcess.start(command, "drift", silentLogger());
  await rejects(
    agent.request("list", { path: "." }),
    /Sandbox agent failed: UndeclaredField: the list handler reads field 'depth', which protocol\.json does not declare/,
  );
  await rejects(agent.request("list", { path: ".", depth: 1 }), /the protocol has no field depth/);
});

Deno.test("an agent that predates task records runs a task's calls untagged", async () => {
  await using dir = await runtime();
  const command = pipeAgent(dir);
  await using agent = await AgentProcess.start(command, "older", silentLogger());
  // How an agent refuses a field its protocol lacks, as one started by an earlier server (a
  // sandbox older than a rolling update) refuses `task`.
  const refusal = await agent.request("exec", { command: "true", shell: "bash" } as never)
    .then(() => undefined, (error: Error) => error);
  assert(refusal instanceof TypeError);
  const seen: string[] = [];
  const older: AgentTransport = {
    request(op, body, options) {
      seen.push(`${op}${"task" in body && body.task !== undefined ? "+task" : ""}`);
      if ("task" in body && body.task !== undefined) {
        return Promise.reject(
          new TypeError(refusal.message.replace("exec", op).replace("field shell", "field task")),
        );
      }
      return agent.request(op, body, options);
    },
  };
  const ops = new AgentOps(older);
  const ran = await runForTask("t1", () => ops.exec("echo ran"));
  assertEquals([ran.stdout, ran.exitCode], ["ran\n", 0]);
  const cell = await runForTask("t1", () => ops.runPython("6 * 7"));
  assertEquals(cell.result, "42");
  // Refused once, then sent untagged without asking again.
  assertEquals(seen, ["exec+task", "exec", "python"]);
  await rejects(
    ops.tasks.begin("t1", new Date().toISOString(), 60),
    /Cannot keep a task record: the sandbox's agent predates them/,
  );
});
