// deno task compile: standalone binaries for Linux, macOS and Windows, with the permissions the
// server needs baked in. `deno compile` downloads a runtime for each target; where that host is
// unreachable the build stops with Deno's own message.
//   deno task compile              builds dist/daytona-mcp-interpreter-<target>[.exe]
//   deno task compile --print      prints the commands instead

/** The targets of a release. */
export const TARGETS: readonly string[] = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

/**
 * The permissions baked into the binary: those of the local provider (bwrap, its directory, the
 * uid check), plus the network for Daytona and HTTP, and the whole environment, which the Daytona
 * SDK reads when it loads.
 */
export const BINARY_PERMISSIONS: readonly string[] = [
  "--allow-run=bwrap,setpriv",
  "--allow-read=/tmp",
  "--allow-write=/tmp",
  "--allow-sys=uid",
  "--allow-env",
  "--allow-net",
];

/** The `deno compile` arguments for one target. */
export function compileArgs(target: string): string[] {
  const output = `dist/daytona-mcp-interpreter-${target}${
    target.includes("windows") ? ".exe" : ""
  }`;
  return [
    "compile",
    "--lock=deno.lock",
    ...BINARY_PERMISSIONS,
    "--target",
    target,
    "--output",
    output,
    // The bundled command line (scripts/gen_bundle.ts): its parts, Daytona's included, are
    // literal imports, so the binary carries them all.
    "bundle/cli.js",
  ];
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname;
  for (const target of TARGETS) {
    const args = compileArgs(target);
    if (Deno.args.includes("--print")) {
      console.log(`deno ${args.join(" ")}`);
      continue;
    }
    console.error(`building ${target}…`);
    const { code } = await new Deno.Command(Deno.execPath(), { args, cwd: root }).spawn().status;
    if (code !== 0) Deno.exit(code);
  }
}
