// The supervisor's bytecode. Each local sandbox gets fresh copies of the supervisor's sources,
// read-only, so its Python would compile all of them at every start (about 20 ms of a sandbox's
// start, here) and could write the result nowhere. The server compiles them once, with the
// interpreter the sandboxes run, when it makes its second sandbox (compiling costs more than one
// sandbox saves), and gives each sandbox from then on the compiled files beside its sources.
// They are hash-checked: Python loads one only if its source's hash matches, and otherwise
// compiles that source as before. The compiler runs in a bwrap of its own, with nothing to write:
// bwrap is the one program a server may need to run.

import { bwrapCommand, RUNTIME_DIR } from "./_bwrap.ts";

/** Compiles the modules among `files` (name → source) and prints name → base64 of each .pyc. */
const COMPILE = `
import base64, importlib.util, json, sys
from importlib import _bootstrap_external as external
files = json.load(sys.stdin)
out = {}
if hasattr(external, "_code_to_hash_pyc") and sys.implementation.cache_tag:
    for name, text in files.items():
        data = text.encode()
        code = compile(data, "${RUNTIME_DIR}/" + name, "exec", dont_inherit=True)
        pyc = external._code_to_hash_pyc(code, importlib.util.source_hash(data), True)
        out["%s.%s.pyc" % (name[:-3], sys.implementation.cache_tag)] = base64.b64encode(pyc).decode()
json.dump(out, sys.stdout)
`;

/**
 * The `__pycache__` files of the Python modules among `files` (name → source), compiled by
 * `python`; none when it cannot compile them (the sandboxes then compile their own).
 */
export async function compileModules(
  python: string,
  files: Readonly<Record<string, string>>,
): Promise<Map<string, Uint8Array>> {
  const modules = Object.fromEntries(
    Object.entries(files).filter(([name]) => /^[a-z_][a-z0-9_]*\.py$/.test(name)),
  );
  try {
    const isolation = ["--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--clearenv"];
    const child = bwrapCommand([...isolation, python, "-I", "-S", "-c", COMPILE], {
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(modules)));
    await writer.close();
    const { success, stdout } = await child.output();
    if (!success) return new Map();
    const compiled = JSON.parse(new TextDecoder().decode(stdout)) as Record<string, string>;
    return new Map(
      Object.entries(compiled).map((
        [name, data],
      ) => [name, Uint8Array.from(atob(data), (c) => c.charCodeAt(0))]),
    );
  } catch {
    return new Map();
  }
}
