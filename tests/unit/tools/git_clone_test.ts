import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { defaultTarget, gitClone } from "../../../src/tools/git_clone.ts";
import type { GitCloneRequest, GitCloneWithCredentialsRequest } from "../../../src/sandbox.ts";
import { type ExecCall, FakeSandbox, type FakeSandboxOptions } from "../_fake_sandbox.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const GIT = "git -c protocol.ext.allow=never";
const TOKEN = "ghp_SECRETsecret123";

/** The git the tool runs: the clone makes the target, and the repository answers questions. */
function repoSandbox(options: FakeSandboxOptions & { branch?: string | null } = {}): FakeSandbox {
  const sandbox = new FakeSandbox(options);
  return sandbox
    .onExec(/^git -c protocol\.ext\.allow=never clone /, (call, box) => {
      box.mkdir(`${call.argv!.at(-1)}/.git`);
      return {};
    })
    .onExec(/ rev-parse HEAD$/, { stdout: `${COMMIT}\n` })
    .onExec(
      / symbolic-ref -q --short HEAD$/,
      options.branch === null ? { exitCode: 1 } : { stdout: `${options.branch ?? "main"}\n` },
    )
    .onExec(/^sh -c git -C "\$1" ls-files/, { stdout: "2\nREADME.md\nsrc/mod.ts\n" });
}

/** The argv of every command run, as text, in order. */
function commands(sandbox: FakeSandbox): string[] {
  return sandbox.execCalls.map((call) => call.text);
}

/** Fails if `secret` appears anywhere a tool call could carry it into the sandbox. */
function assertNoSecretIn(calls: readonly ExecCall[], secret: string): void {
  for (const call of calls) {
    assert(!JSON.stringify([call.command, call.options.env]).includes(secret), call.text);
  }
}

Deno.test("gitClone() clones as an argv with depth 1 into the repository's name", async () => {
  const sandbox = repoSandbox();
  const out = await gitClone(sandbox, { repo_url: " https://example.com/org/tool.git " });
  assertEquals(
    commands(sandbox)[0],
    `${GIT} clone --progress --depth=1 -- https://example.com/org/tool.git /home/sandbox/tool`,
  );
  const [clone] = sandbox.execCalls;
  assertEquals(clone.options.env, { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false" });
  assertEquals(clone.options.timeoutMs, 300_000);
  assertEquals(out, {
    path: "/home/sandbox/tool",
    url: "https://example.com/org/tool.git",
    commit: COMMIT,
    branch: "main",
    depth: 1,
    file_count: 2,
    files: ["README.md", "src/mod.ts"],
    lfs: "not_requested",
    notes: [],
  });
  // The listing gets the target as "$1", never spliced into the script.
  const listing = sandbox.execCalls.at(-1)!.argv!;
  assertEquals(listing.slice(-2), ["sh", "/home/sandbox/tool"]);
});

Deno.test("gitClone() takes a branch, full history, a target path and a timeout", async () => {
  const sandbox = repoSandbox({ branch: "dev" });
  const out = await gitClone(
    sandbox,
    { repo_url: "git@github.com:org/app.git", branch: "dev", depth: 0, target_path: "work/app" },
    { defaultTimeout: 20 },
  );
  assertEquals(
    commands(sandbox)[0],
    `${GIT} clone --progress --branch dev -- git@github.com:org/app.git /home/sandbox/work/app`,
  );
  assert(sandbox.execCalls.every((call) => call.options.timeoutMs === 20_000));
  assertEquals([out.path, out.branch, out.depth], ["/home/sandbox/work/app", "dev", 0]);
  const absolute = repoSandbox({ branch: null });
  const tag = await gitClone(absolute, {
    repo_url: "https://example.com/x/lib/",
    branch: "v1.0",
    target_path: "/tmp/lib",
  });
  assertEquals(
    commands(absolute)[0],
    `${GIT} clone --progress --depth=1 --branch v1.0 -- https://example.com/x/lib/ /tmp/lib`,
  );
  assertEquals(tag.branch, null, "a detached HEAD (a tag) has no branch");
});

Deno.test("gitClone() names the target like git does and refuses URLs without a name", async () => {
  for (
    const [url, name] of [
      ["https://example.com/org/repo.git/", "repo"],
      ["ssh://git@example.com:2222/org/repo", "repo"],
      ["git@example.com:repo.git", "repo"],
      ["https://example.com/org/repo.git?ref=x#top", "repo"],
    ]
  ) {
    const sandbox = repoSandbox();
    assertEquals((await gitClone(sandbox, { repo_url: url })).path, `/home/sandbox/${name}`, url);
  }
  assertEquals(
    (await gitClone(repoSandbox(), { repo_url: "https://example.com/" })).path,
    "/home/sandbox/example.com",
    "git's own choice for a bare host",
  );
  await assertRejects(gitClone(repoSandbox(), { repo_url: "https://example.com/.git" }), {
    name: "TypeError",
    message: "Cannot clone: no directory name in 'https://example.com/.git'; pass target_path",
  });
});

Deno.test("gitClone() refuses a target that exists and is not empty, takes an empty one", async () => {
  const sandbox = repoSandbox({ files: { "repo/keep.txt": "mine" } });
  await assertRejects(gitClone(sandbox, { repo_url: "https://example.com/repo.git" }), {
    name: "TypeError",
    message:
      "Cannot clone into /home/sandbox/repo: it already exists and is not empty; pass another target_path",
  });
  sandbox.put("file", "x");
  await assertRejects(
    gitClone(sandbox, { repo_url: "https://example.com/repo.git", target_path: "file" }),
    /Cannot clone into \/home\/sandbox\/file: it already exists/,
  );
  assertEquals(sandbox.execCalls, [], "nothing ran");
  sandbox.mkdir("empty");
  const out = await gitClone(sandbox, {
    repo_url: "https://example.com/repo.git",
    target_path: "empty",
  });
  assertEquals(out.path, "/home/sandbox/empty");
});

Deno.test("gitClone() with a commit fetches just that commit, or everything when refused", async () => {
  const direct = repoSandbox().onExec(/ fetch --depth=3 origin abc1234$/, {});
  direct.onExec(/ (init|remote add|checkout) /, {});
  await gitClone(direct, { repo_url: "https://example.com/r.git", commit: "abc1234", depth: 3 });
  assertEquals(commands(direct).slice(0, 4), [
    `${GIT} init -q /home/sandbox/r`,
    `${GIT} -C /home/sandbox/r remote add origin https://example.com/r.git`,
    "git -C /home/sandbox/r fetch --depth=3 origin abc1234",
    `${GIT} -C /home/sandbox/r checkout -q --detach abc1234`,
  ]);
  const refused = repoSandbox()
    .onExec(/ fetch origin abc1234$|fetch --depth=1 origin abc1234$/, { exitCode: 128 })
    .onExec(/ (init|remote add|checkout|fetch --progress) /, {});
  await gitClone(refused, { repo_url: "https://example.com/r.git", commit: "abc1234" });
  assertEquals(
    commands(refused)[3],
    `${GIT} -C /home/sandbox/r fetch --progress origin +refs/heads/*:refs/remotes/origin/* +refs/tags/*:refs/tags/*`,
  );
  const branch = repoSandbox()
    .onExec(/fetch --depth=1 origin abc1234$/, { exitCode: 128 })
    .onExec(/ (init|remote add|checkout|fetch --progress) /, {});
  await gitClone(branch, {
    repo_url: "https://example.com/r.git",
    commit: "abc1234",
    branch: "dev",
  });
  assertEquals(commands(branch)[3], `${GIT} -C /home/sandbox/r fetch --progress origin dev`);
});

Deno.test("gitClone() removes only what a failed commit checkout created", async () => {
  const fresh = repoSandbox()
    .onExec(/ (init|remote add) |fetch --depth/, {})
    .onExec(/ checkout /, { exitCode: 1, stderr: "error: pathspec 'abc1234' did not match\n" });
  await assertRejects(
    gitClone(fresh, { repo_url: "https://example.com/r.git", commit: "abc1234" }),
    {
      message:
        "Cannot clone https://example.com/r.git: git checkout failed: error: pathspec 'abc1234' did not match",
    },
  );
  assertEquals(fresh.execCalls.at(-1)?.argv, ["rm", "-rf", "--", "/home/sandbox/r"]);
  const given = repoSandbox({ files: {} })
    .onExec(/ (init|remote add) |fetch --depth/, {})
    .onExec(/ checkout /, { exitCode: 1 });
  given.mkdir("r");
  await assertRejects(
    gitClone(given, { repo_url: "https://example.com/r.git", commit: "abc1234" }),
  );
  assertEquals(given.execCalls.at(-1)?.argv, ["rm", "-rf", "--", "/home/sandbox/r/.git"]);
});

Deno.test("gitClone() reports git's failure without progress lines, and a step's timeout", async () => {
  const failing = new FakeSandbox().onExec(/ clone /, {
    exitCode: 128,
    stderr:
      "Cloning into '/home/sandbox/r'...\nremote: Counting objects: 3\nfatal: repository 'https://example.com/r.git/' not found\n",
  });
  await assertRejects(gitClone(failing, { repo_url: "https://example.com/r.git" }), {
    message:
      "Cannot clone https://example.com/r.git: git clone failed: fatal: repository 'https://example.com/r.git/' not found",
  });
  const slow = new FakeSandbox().onExec(/ clone /, {
    exitCode: null,
    signal: "SIGKILL",
    timedOut: true,
  });
  await assertRejects(
    gitClone(slow, { repo_url: "https://example.com/r.git" }, { defaultTimeout: 7 }),
    { message: "Cannot clone: git clone timed out after 7 s" },
  );
});

Deno.test("gitClone() never shows URL credentials or tokens, in errors, output or progress", async () => {
  const url = "https://alice:hunter2@example.com/r.git";
  const failing = new FakeSandbox().onExec(/ clone /, (call) => {
    call.options.onOutput?.(`Cloning from ${url} with ${TOKEN}`);
    return { exitCode: 128, stderr: `fatal: could not read from ${url} (token ${TOKEN})\n` };
  });
  const progress: string[] = [];
  const error = await gitClone(failing, { repo_url: url }, {
    gitToken: TOKEN,
    onProgress: (line) => progress.push(line),
  }).then(() => undefined, (error: Error) => error);
  assert(error);
  assertEquals(
    error.message,
    "Cannot clone https://example.com/r.git: git clone failed: fatal: could not read from https://***@example.com/r.git (token ***)",
  );
  assertEquals(progress, ["Cloning from https://***@example.com/r.git with ***"]);
  const ok = repoSandbox().onExec(/ rev-parse HEAD$/, { stdout: `${COMMIT} ${TOKEN}\n` });
  const out = await gitClone(ok, { repo_url: url }, { githubToken: TOKEN });
  assertEquals(out.url, "https://example.com/r.git");
  assert(!JSON.stringify(out).includes(TOKEN) && !JSON.stringify(out).includes("hunter2"));
});

Deno.test("gitClone() gives GITHUB_TOKEN to github.com over https, outside the sandbox", async () => {
  const requests: GitCloneWithCredentialsRequest[] = [];
  const sandbox = repoSandbox({
    gitCloneWithCredentials: (request, box) => {
      requests.push(request);
      box.mkdir(`${request.path}/.git`);
      return Promise.resolve({ lfs: "pulled" });
    },
  });
  const progress: string[] = [];
  const out = await gitClone(
    sandbox,
    { repo_url: "https://GitHub.com/acme/private", depth: 5, branch: "main", lfs: true },
    {
      githubToken: TOKEN,
      gitToken: "glpat-other",
      gitTokenHosts: ["github.com"],
      defaultTimeout: 60,
      onProgress: (line) => progress.push(line),
    },
  );
  const [request] = requests;
  assertEquals(
    { ...request, onProgress: undefined, signal: undefined },
    {
      url: "https://github.com/acme/private",
      path: "/home/sandbox/private",
      branch: "main",
      commit: undefined,
      depth: 5,
      username: "x-access-token",
      password: TOKEN,
      lfs: true,
      timeoutMs: 60_000,
      onProgress: undefined,
      signal: undefined,
    },
  );
  request.onProgress!(`remote: ${TOKEN}`);
  assertEquals(progress, ["remote: ***"], "progress from the credentialed clone is redacted");
  assert(!commands(sandbox).some((c) => / clone | lfs /.test(c)), "no git clone in the sandbox");
  assertNoSecretIn(sandbox.execCalls, TOKEN);
  assertEquals([out.lfs, out.notes], ["pulled", ["LFS objects were pulled."]]);
});

Deno.test("gitClone() sends GIT_TOKEN only to listed hosts, over https, to URLs without user info", async () => {
  const cases: [string, string[], boolean][] = [
    ["https://git.example.com:8443/team/r.git", ["GIT.example.com:8443"], true],
    ["https://git.example.com/team/r.git", ["git.example.com:443"], true],
    ["https://git.example.com:8443/team/r.git", ["git.example.com"], false],
    ["https://other.example.com/team/r.git", ["git.example.com"], false],
    ["http://git.example.com/team/r.git", ["git.example.com"], false],
    ["https://me@git.example.com/team/r.git", ["git.example.com"], false],
    ["git@git.example.com:team/r.git", ["git.example.com"], false],
    ["https://github.com/team/r.git", [], false],
  ];
  for (const [url, hosts, sent] of cases) {
    const requests: GitCloneWithCredentialsRequest[] = [];
    const sandbox = repoSandbox({
      gitCloneWithCredentials: (request, box) => {
        requests.push(request);
        box.mkdir(request.path);
        return Promise.resolve({ lfs: "not_requested" });
      },
    });
    await gitClone(sandbox, { repo_url: url }, { gitToken: "glpat-x", gitTokenHosts: hosts });
    assertEquals(requests.map((r) => r.password), sent ? ["glpat-x"] : [], `${url} ${hosts}`);
    assertEquals(commands(sandbox).some((c) => c.includes(" clone ")), !sent, url);
    assertNoSecretIn(sandbox.execCalls, "glpat-x");
  }
});

Deno.test("gitClone() without a token-safe clone leaves the token out and says so", async () => {
  const sandbox = repoSandbox();
  const out = await gitClone(sandbox, { repo_url: "https://github.com/acme/r" }, {
    githubToken: TOKEN,
  });
  assertEquals(
    commands(sandbox)[0],
    `${GIT} clone --progress --depth=1 -- https://github.com/acme/r /home/sandbox/r`,
  );
  assertNoSecretIn(sandbox.execCalls, TOKEN);
  assertEquals(out.notes, [
    "A token applies to github.com but was not used: this sandbox cannot keep it from its processes, so the clone ran without it.",
  ]);
});

Deno.test("gitClone() hands the provider's git service the credentials, and LFS to the sandbox", async () => {
  const requests: GitCloneRequest[] = [];
  const service = (request: GitCloneRequest, box: FakeSandbox) => {
    requests.push(request);
    box.mkdir(request.path);
    return Promise.resolve();
  };
  const sandbox = repoSandbox({ gitClone: service })
    .onExec("git lfs version", { stdout: "git-lfs/3.4.1\n" })
    .onExec(/ lfs install --local$| lfs pull$/, {});
  const out = await gitClone(
    sandbox,
    { repo_url: "https://github.com/acme/r.git", commit: "abc1234", depth: 2, lfs: true },
    { githubToken: TOKEN },
  );
  assertEquals(
    { ...requests[0], signal: undefined },
    {
      url: "https://github.com/acme/r.git",
      path: "/home/sandbox/r",
      branch: undefined,
      commit: "abc1234",
      depth: undefined, // a commit may lie deeper than the history asked for
      username: "x-access-token",
      password: TOKEN,
      signal: undefined,
    },
  );
  assertEquals(commands(sandbox).slice(0, 3), [
    "git lfs version",
    `${GIT} -C /home/sandbox/r lfs install --local`,
    `${GIT} -C /home/sandbox/r lfs pull`,
  ]);
  assertNoSecretIn(sandbox.execCalls, TOKEN);
  assertEquals(out.lfs, "pulled");
  assertMatch(out.notes[0], /^LFS objects were fetched without the token/);
  const plain = repoSandbox({ gitClone: service });
  await gitClone(plain, { repo_url: "https://example.com/r.git", depth: 4 });
  assertEquals(requests[1].depth, 4);
  assertEquals([requests[1].username, requests[1].password], [undefined, undefined]);
});

Deno.test("gitClone() with lfs reports git-lfs missing, and a failed pull", async () => {
  const missing = repoSandbox().onExec("git lfs version", { exitCode: 1 });
  const out = await gitClone(missing, { repo_url: "https://example.com/r.git", lfs: true });
  assertEquals(out.lfs, "missing");
  assertEquals(out.notes, [
    "LFS files were not fetched: git-lfs is not installed in the sandbox (Debian/Ubuntu package git-lfs); files tracked by LFS are pointer files.",
  ]);
  const failing = repoSandbox()
    .onExec("git lfs version", {})
    .onExec(/ lfs install --local$/, {})
    .onExec(/ lfs pull$/, { exitCode: 2, stderr: "batch request: missing protocol\n" });
  await assertRejects(gitClone(failing, { repo_url: "https://example.com/r.git", lfs: true }), {
    message:
      "Cannot fetch the LFS objects of https://example.com/r.git: git lfs pull failed: batch request: missing protocol. The repository itself was cloned to /home/sandbox/r",
  });
});

Deno.test("defaultTarget() takes time in line with the URL, which the client sends", () => {
  // `/\/+$/` and `/[?#].*$/` took time quadratic in a run of slashes, or of `?` before a line
  // feed: 100 KB of either held the server 23 s.
  for (
    const url of [
      `https://h/${"/".repeat(100_000)}x`,
      `https://h/repo${"/".repeat(100_000)}`,
      `https://h/repo/?${"?".repeat(100_000)}\nx`,
    ]
  ) {
    const started = performance.now();
    try {
      defaultTarget(url);
    } catch { /* no name: refused */ }
    // A bound on liveness, thousands of times what one pass takes.
    assert(performance.now() - started < 2_000, `${url.slice(0, 20)}…`);
  }
  assertEquals(defaultTarget(`https://h/repo${"/".repeat(1000)}`), "repo");
  assertEquals(defaultTarget("https://h/o/tool.git?ref=main#readme"), "tool");
});
