// Bundles the server's command line (src/cli.ts) into bundle/: one module per part the command
// line loads on its own (the handshake, the MCP server, HTTP, Daytona, doctor, init), with the MCP
// SDK and zod inside. Deno then reads a dozen files at start-up instead of resolving some three
// hundred npm modules, and local mode needs no npm package at all: only the Daytona part imports
// one, the Daytona SDK.
//   deno task gen        (tests/bundle_test.ts fails when bundle/ is stale)

/** The directory `deno task start` and the published `./cli` export run from. */
export const BUNDLE_DIR: string = new URL("../bundle", import.meta.url).pathname;

/** The one npm package the bundle imports rather than contains, as src/providers/daytona/mod.ts does. */
const DAYTONA_SDK = "npm:@daytonaio/sdk@0.218.0";

/** Types for the bundled entry point, for the JSR docs and for type-checking importers. */
const BANNER = '// @ts-self-types="../src/cli.ts"\n' +
  "// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.\n";

/** Bundles src/cli.ts into `outDir`, which must be empty or absent. */
export async function writeBundle(outDir: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=deno",
      "--format=esm",
      "--code-splitting",
      "--minify",
      "--keep-names",
      `--external=${DAYTONA_SDK}`,
      `--lock=${new URL("../deno.lock", import.meta.url).pathname}`,
      `--outdir=${outDir}`,
      new URL("../src/cli.ts", import.meta.url).pathname,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
  }
  await renameByContent(outDir);
  const entry = `${outDir}/cli.js`;
  await Deno.writeTextFile(entry, BANNER + await Deno.readTextFile(entry));
}

/** A part's name as the bundler writes it: `server-Z6JNG2UM.js`. */
const PART = /\b([a-z]+)-[A-Z0-9]{8}\.js\b/g;

/**
 * Renames the bundle's parts after their contents. The bundler's names also hash where the npm
 * cache lies relative to the checkout, so that a clone elsewhere would build the same code under
 * other names.
 */
async function renameByContent(dir: string): Promise<void> {
  const files = await readBundle(dir);
  const names = new Map<string, string>();
  for (const [name, text] of files) {
    const match = name.match(/^([a-z]+)-[A-Z0-9]{8}\.js$/);
    if (!match) continue;
    const bytes = new TextEncoder().encode(text.replace(PART, "$1.js"));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    names.set(name, `${match[1]}-${digest.toHex().slice(0, 8)}.js`);
  }
  for (const [name, text] of files) {
    await Deno.remove(`${dir}/${name}`);
    await Deno.writeTextFile(
      `${dir}/${names.get(name) ?? name}`,
      text.replace(PART, (part) => names.get(part) ?? part),
    );
  }
}

/** The bundle's files, by name. */
export async function readBundle(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile) files.set(entry.name, await Deno.readTextFile(`${dir}/${entry.name}`));
  }
  return files;
}

if (import.meta.main) {
  const fresh = await Deno.makeTempDir({ prefix: "bundle-" });
  try {
    await writeBundle(fresh);
    await Deno.remove(BUNDLE_DIR, { recursive: true }).catch(() => {});
    await Deno.mkdir(BUNDLE_DIR, { recursive: true });
    for (const [name, text] of await readBundle(fresh)) {
      await Deno.writeTextFile(`${BUNDLE_DIR}/${name}`, text);
    }
  } finally {
    await Deno.remove(fresh, { recursive: true });
  }
}
