import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import type { PythonExecOutput } from "../../src/tools/python_exec.ts";
import { assertToolErrors, connect, hasBwrap, structured, text } from "../_helpers.ts";

const opts = { ignore: !hasBwrap };

Deno.test("pythonExec() keeps variables, imports and functions between calls", opts, async () => {
  await using mcp = await connect();
  const first = structured<PythonExecOutput>(
    await mcp.call("python_exec", { code: "import math\nx = 1\ndef double(v):\n    return v * 2" }),
  );
  assertEquals(first.fresh_interpreter, true);
  assertEquals(first.result, null);
  await mcp.call("python_exec", { code: "x += 1" });
  const result = await mcp.call("python_exec", {
    code: "print('x is', x)\ndouble(x) + math.floor(math.pi)",
  });
  const out = structured<PythonExecOutput>(result);
  assertEquals(out.stdout, "x is 2\n");
  assertEquals(out.result, "7");
  assertEquals(out.state, "kept");
  assertEquals(out.fresh_interpreter, false);
  assertEquals(result.isError, false);
  const { images: _, ...rest } = out;
  assertEquals(JSON.parse(text(result)), { ...rest, images: [] }, "text mirrors the structure");
});

Deno.test("pythonExec() returns the traceback of an exception as an error", opts, async () => {
  await using mcp = await connect();
  const result = await mcp.call("python_exec", {
    code: "print('before')\ndef f(n):\n    return 10 / n\nf(0)",
  });
  assertEquals(result.isError, true);
  const out = structured<PythonExecOutput>(result);
  assertEquals(out.stdout, "before\n", "output before the exception is kept");
  assertEquals(out.error?.type, "ZeroDivisionError");
  assertEquals(out.error?.message, "division by zero");
  assertMatch(out.error!.traceback, /line 4, in <module>\n\s+f\(0\)/);
  assertMatch(out.error!.traceback, /line 3, in f\n\s+return 10 \/ n/);
  assert(!out.error!.traceback.includes("worker.py"), "the runner's own frames are hidden");
  const syntax = structured<PythonExecOutput>(await mcp.call("python_exec", { code: "def f(:" }));
  assertEquals(syntax.error?.type, "SyntaxError");
  const after = structured<PythonExecOutput>(await mcp.call("python_exec", { code: "1 + 1" }));
  assertEquals(after.result, "2");
});

Deno.test("an exception with a 70 MB message is cut, and the interpreter kept", opts, async () => {
  // Sent whole, the message and the traceback that repeats it went over the interpreter's 64 MiB
  // reply limit: the interpreter was stopped and its state lost.
  await using mcp = await connect();
  await mcp.call("python_exec", { code: "kept = 41" });
  const result = await mcp.call("python_exec", { code: "raise ValueError('x' * 70_000_000)" });
  assertEquals(result.isError, true);
  const out = structured<PythonExecOutput>(result);
  assertEquals(out.error?.type, "ValueError");
  assertEquals(
    out.error?.message,
    "x".repeat(100_000) + "\n[... 69900000 more characters omitted ...]",
  );
  assertMatch(out.error!.traceback, /^Traceback[^]*ValueError: x{1000}[^]*more characters omitted/);
  assertEquals(out.state, "kept");
  assertEquals(
    structured<PythonExecOutput>(await mcp.call("python_exec", { code: "kept + 1" })).result,
    "42",
  );
});

Deno.test(
  "pythonExec() runs code with quotes, backslashes and unicode as written",
  opts,
  async () => {
    await using mcp = await connect();
    const code = [
      "s = '''triple ''' + \"\"\"double \"\"\\\"\"\"\" + 'it\\'s'",
      "print(s)",
      "print('tab\\tnew\\\\n', 'é🎉')",
      "r'\\d+'",
    ].join("\n");
    const out = structured<PythonExecOutput>(await mcp.call("python_exec", { code }));
    assertEquals(out.error, null);
    assertEquals(out.stdout, 'triple double """it\'s\ntab\tnew\\n é🎉\n');
    assertEquals(out.result, "'\\\\d+'");
  },
);

Deno.test(
  "pythonExec() returns a matplotlib chart as a PNG image and closes it",
  opts,
  async () => {
    await using mcp = await connect();
    const result = await mcp.call("python_exec", {
      code:
        "import matplotlib.pyplot as plt\nplt.plot([1, 4, 9, 16])\nplt.title('squares')\nplt.show()",
    });
    assertEquals(result.isError, false, text(result));
    const images = result.content.filter((c) => c.type === "image");
    assertEquals(images.length, 1);
    const image = images[0] as { data: string; mimeType: string };
    assertEquals(image.mimeType, "image/png");
    const png = Uint8Array.fromBase64(image.data);
    assertEquals([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer);
    const out = structured<PythonExecOutput>(result);
    assertEquals(out.images.length, 1);
    assertEquals(view.getUint32(16), out.images[0].width, "IHDR width matches");
    assertEquals(view.getUint32(20), out.images[0].height, "IHDR height matches");
    assertEquals(out.images[0].bytes, png.length);
    assert(!text(result).includes(image.data.slice(0, 100)), "no base64 in the text mirror");
    const next = await mcp.call("python_exec", { code: "len(plt.get_fignums())" });
    assertEquals(
      structured<PythonExecOutput>(next).result,
      "0",
      "figures are closed after the call",
    );
    assertEquals(next.content.filter((c) => c.type === "image").length, 0);
  },
);

Deno.test("pythonExec() shrinks a figure larger than the image cap", opts, async () => {
  await using mcp = await connect({ limits: { maxImageBytes: 30_000 } });
  const result = await mcp.call("python_exec", {
    code: "import numpy as np, matplotlib.pyplot as plt\n" +
      "plt.figure(figsize=(12, 9), dpi=150)\nplt.scatter(*np.random.rand(2, 5000), s=2)",
  });
  const out = structured<PythonExecOutput>(result);
  assertEquals(out.images.length, 1, out.notes.join("\n"));
  assert(out.images[0].bytes <= 30_000, `${out.images[0].bytes} bytes`);
  assert(out.images[0].width < 1800, "re-rendered below the requested 1800 px");
  const png = Uint8Array.fromBase64(
    (result.content.find((c) => c.type === "image") as { data: string }).data,
  );
  assertEquals(png.length, out.images[0].bytes);
});

Deno.test("pythonExec() explains a figure it cannot shrink below the cap", opts, async () => {
  await using mcp = await connect({ limits: { maxImageBytes: 1_000 } });
  const result = await mcp.call("python_exec", {
    code: "import numpy as np, matplotlib.pyplot as plt\nplt.scatter(*np.random.rand(2, 5000))",
  });
  const out = structured<PythonExecOutput>(result);
  assertEquals(out.images.length, 0);
  assertMatch(out.notes.join("\n"), /Figure 1 was not returned: still \d+ bytes/);
});

Deno.test("pythonExec() interrupts on timeout and keeps the state", opts, async () => {
  await using mcp = await connect();
  await mcp.call("python_exec", { code: "kept = 'yes'" });
  const result = await mcp.call("python_exec", {
    code: "import time\nprint('working', flush=True)\nwhile True:\n    time.sleep(0.05)",
    timeout: 1,
  });
  assertEquals(result.isError, true);
  const out = structured<PythonExecOutput>(result);
  assertEquals(out.timed_out, true);
  assertEquals(out.state, "kept");
  assertEquals(out.stdout, "working\n");
  assertEquals(out.error?.type, "KeyboardInterrupt");
  assertMatch(out.notes.join("\n"), /Interrupted after 1 s.*kept/);
  const after = structured<PythonExecOutput>(await mcp.call("python_exec", { code: "kept" }));
  assertEquals(after.result, "'yes'");
});

Deno.test(
  "pythonExec() kills code that ignores the interrupt; the next call is fresh",
  opts,
  async () => {
    await using mcp = await connect();
    await mcp.call("python_exec", { code: "lost = 1" });
    const out = structured<PythonExecOutput>(
      await mcp.call("python_exec", {
        code:
          "import time\nwhile True:\n    try:\n        time.sleep(10)\n    except KeyboardInterrupt:\n        pass",
        timeout: 0.5,
      }),
    );
    assertEquals(out.timed_out, true);
    assertEquals(out.state, "lost");
    assertMatch(out.notes.join("\n"), /interpreter was killed/);
    const next = structured<PythonExecOutput>(
      await mcp.call("python_exec", { code: "'lost' in dir()" }),
    );
    assertEquals(next.fresh_interpreter, true);
    assertEquals(next.result, "False");
  },
);

Deno.test("pythonExec() reports a dead interpreter and starts a fresh one next", opts, async () => {
  await using mcp = await connect();
  await mcp.call("python_exec", { code: "value = 42" });
  const deaths: [string, PythonExecOutput["died"]][] = [
    ["import os\nos._exit(3)", { exit_code: 3, signal: null }],
    ["import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", {
      exit_code: null,
      signal: "SIGSEGV",
    }],
  ];
  for (const [code, died] of deaths) {
    const result = await mcp.call("python_exec", { code });
    assertEquals(result.isError, true);
    const out = structured<PythonExecOutput>(result);
    assertEquals(out.state, "lost");
    assertEquals(out.died, died);
    assertMatch(out.notes.join("\n"), /variables are lost/);
    const next = structured<PythonExecOutput>(
      await mcp.call("python_exec", { code: "value = globals().get('value', 'gone')\nvalue" }),
    );
    assertEquals(next.fresh_interpreter, true);
    assertEquals(next.result, "'gone'");
  }
});

Deno.test("pythonExec() with reset: true drops all state", opts, async () => {
  await using mcp = await connect();
  await mcp.call("python_exec", { code: "secret = 1" });
  const reset = structured<PythonExecOutput>(
    await mcp.call("python_exec", { code: "'secret' in globals()", reset: true }),
  );
  assertEquals(reset.fresh_interpreter, true);
  assertEquals(reset.result, "False");
  await mcp.call("python_exec", { code: "again = 1" });
  const only = await mcp.call("python_exec", { code: "", reset: true });
  assertEquals(only.isError, false);
  const after = structured<PythonExecOutput>(
    await mcp.call("python_exec", { code: "'again' in globals()" }),
  );
  assertEquals(after.result, "False");
});

Deno.test("pythonExec() captures output of subprocesses and stderr", opts, async () => {
  await using mcp = await connect();
  const out = structured<PythonExecOutput>(
    await mcp.call("python_exec", {
      code:
        "import os, sys, warnings\nos.system('echo from-shell')\nprint('to-err', file=sys.stderr)\nwarnings.warn('careful')",
    }),
  );
  assertEquals(out.stdout, "from-shell\n");
  assertMatch(out.stderr, /to-err\n/);
  assertMatch(out.stderr, /UserWarning: careful/);
});

Deno.test("pythonExec() rejects bad input with errors naming the parameter", opts, async () => {
  await using mcp = await connect();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /code/],
    [{ code: "" }, /'code' is empty/],
    [{ code: "   \n" }, /'code' is empty/],
    [{ code: ["print(1)"] }, /code must be a string/],
    [{ code: "1", timeout: 0 }, /timeout must be greater than 0/],
    [{ code: "1", timeout: 1e9 }, /timeout must be at most 86400/],
    [{ code: "1", reset: "yes" }, /reset must be true or false/],
  ];
  await assertToolErrors(mcp, "python_exec", cases);
  const after = structured<PythonExecOutput>(await mcp.call("python_exec", { code: "6 * 7" }));
  assertEquals(after.result, "42");
});

Deno.test(
  "pythonExec() returns while a background process it started keeps printing",
  opts,
  async () => {
    await using mcp = await connect();
    const started = structured<PythonExecOutput>(
      await mcp.call("python_exec", {
        code:
          "import subprocess\nprint('started', flush=True)\nnoisy = subprocess.Popen(['yes', 'noise'])",
        timeout: 30,
      }),
    );
    assertEquals(started.timed_out, false);
    assert(started.stdout.startsWith("started\n"), "the cell's output comes first");
    const next = structured<PythonExecOutput>(
      await mcp.call("python_exec", { code: "noisy.kill(); noisy.wait()", timeout: 30 }),
    );
    assertEquals(next.timed_out, false);
    assertEquals(next.result, "-9");
  },
);

Deno.test(
  "overlapping python_exec calls run one after the other: the later one's timeout starts when it runs",
  opts,
  async () => {
    // Cells run one at a time. The server counted a waiting cell's deadline (its timeout and 15
    // s) from when it sent it, found the supervisor late, and ended the sandbox: the running
    // cell, background processes and files with it.
    await using mcp = await connect();
    await mcp.call("shell_exec", { command: "echo kept > ~/file; sleep 600 > /dev/null 2>&1 &" });
    const first = mcp.call("python_exec", {
      code: "import time\ntime.sleep(18)\n'first'",
      timeout: 60,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = mcp.call("python_exec", { code: "2 + 2", timeout: 1 });
    const [a, b] = await Promise.all([first, second]);
    assertEquals(a.isError, false, text(a));
    assertEquals(structured<{ result: string }>(a).result, "'first'");
    assertEquals(b.isError, false, text(b));
    assertEquals(structured<{ result: string }>(b).result, "4");
    const after = await mcp.call("shell_exec", { command: "cat ~/file; pgrep -c -x sleep" });
    assertEquals(structured<{ stdout: string }>(after).stdout, "kept\n1\n", "the sandbox lives on");
  },
);

Deno.test(
  "a python_exec cancelled while it waits for the cell before it never runs",
  opts,
  async () => {
    await using mcp = await connect();
    const sandbox = await mcp.session.sandbox();
    const first = sandbox.runPython!("import time\ntime.sleep(3)\n'first'", { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancel = new AbortController();
    const second = sandbox.runPython!("open('/tmp/ran', 'w').write('yes')", {
      timeoutMs: 30_000,
      signal: cancel.signal,
    });
    cancel.abort();
    assertEquals((await second).cancelled, true);
    assertEquals((await first).result, "'first'");
    const ran = await sandbox.exec("test -e /tmp/ran && echo ran || echo never");
    assertEquals(ran.stdout, "never\n");
  },
);

Deno.test(
  "at most 16 python_exec calls wait for the cell running in a sandbox; more are refused at once",
  opts,
  async () => {
    // Each waiting call holds its request until its turn, up to a day behind a sleeping cell:
    // 20 000 of them, sent in batches, took a server to 2 GB, and one in a 1.5 GiB cgroup was
    // OOM-killed with every client's sandboxes.
    await using mcp = await connect();
    const sandbox = await mcp.session.sandbox();
    const cancel = new AbortController();
    const signal = cancel.signal;
    const running = sandbox.runPython!("import time\ntime.sleep(60)", {
      timeoutMs: 90_000,
      signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const waiting = Array.from(
      { length: 16 },
      (_, i) => sandbox.runPython!(`${i}`, { timeoutMs: 90_000, signal }),
    );
    const refused = await mcp.call("python_exec", { code: "'one too many'" });
    assertEquals(refused.isError, true);
    assertMatch(text(refused), /16 cells wait already for the one running in this sandbox/);
    cancel.abort();
    for (const cell of await Promise.all([running, ...waiting])) assertEquals(cell.cancelled, true);
    const after = await mcp.call("python_exec", { code: "'turns again'" });
    assertEquals(structured<{ result: string }>(after).result, "'turns again'");
  },
);

Deno.test(
  "an interpreter that moves into another process group and ignores the interrupt is still killed",
  opts,
  async () => {
    // Killing the worker's process group missed a worker the cell had moved out of it: the
    // supervisor waited for it, and the server ended the unanswering sandbox with its files.
    await using mcp = await connect();
    await mcp.call("shell_exec", { command: "echo kept > marker" });
    const group = Number(
      structured<{ stdout: string }>(
        await mcp.call("shell_exec", { command: "sleep 1000 >/dev/null 2>&1 & echo $$" }),
      ).stdout.trim(),
    );
    const result = await mcp.call("python_exec", {
      code:
        `import os, signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nos.setpgid(0, ${group})\ntime.sleep(1e6)`,
      timeout: 2,
    });
    const out = structured<PythonExecOutput>(result);
    assertEquals(out.timed_out, true, text(result));
    assertEquals(out.state, "lost");
    const after = structured<{ stdout: string }>(
      await mcp.call("shell_exec", { command: "cat marker" }),
    );
    assertEquals(after.stdout, "kept\n");
    assertEquals(
      structured<PythonExecOutput>(await mcp.call("python_exec", { code: "1 + 1" })).result,
      "2",
    );
  },
);

Deno.test(
  "an interpreter held by a process that ptraces it is still ended at its timeout",
  opts,
  async () => {
    await using mcp = await connect();
    await mcp.call("shell_exec", { command: "echo kept > marker" });
    const result = await mcp.call("python_exec", {
      code: [
        "import ctypes, os, signal, time",
        "signal.signal(signal.SIGINT, signal.SIG_IGN)",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "leader = os.getpid()",
        "r, w = os.pipe()",
        "if os.fork() == 0:",
        "    os.setsid()",
        "    libc.ptrace(0x4206, leader, None, ctypes.c_void_p(0x40))",
        "    os.write(w, b'x')",
        "    time.sleep(1e6)",
        "os.read(r, 1)",
        "time.sleep(1e6)",
      ].join("\n"),
      timeout: 2,
    });
    const out = structured<PythonExecOutput>(result);
    assertEquals(out.timed_out, true, text(result));
    const after = structured<{ stdout: string }>(
      await mcp.call("shell_exec", { command: "cat marker" }),
    );
    assertEquals(after.stdout, "kept\n");
  },
);
