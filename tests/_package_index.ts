// A local Python package index for tests and the bench: wheels (and source distributions) built
// here, served as a PEP 503 simple index on 127.0.0.1 with PyPI's cache headers, counting the
// files it serves so a test can tell a download from a cache hit. Sandboxes reach it through
// `allowHostPorts` (127.0.0.1:PORT inside).

/** A distribution to build: its name, version and the files of its one package. */
export interface PackageSpec {
  /** The distribution's name, e.g. "demo-alpha" (its import name is "demo_alpha"). */
  name: string;
  /** @default "1.0" */
  version?: string;
  /** Extra bytes of data in the package (a file of this many incompressible bytes). @default 0 */
  padBytes?: number;
  /** Build a source distribution (pip builds a wheel from it with setuptools) instead. */
  sdist?: boolean;
}

/** A running index; dispose it to stop it and delete its files. */
export interface PackageIndex extends AsyncDisposable {
  /** The port on 127.0.0.1. */
  port: number;
  /** `http://127.0.0.1:PORT/simple/`, for PIP_INDEX_URL. */
  url: string;
  /** How many times each distribution file was served, by file name. */
  served: Map<string, number>;
  /** The built files' directory. */
  dir: string;
}

// Writes each spec as a wheel (zipfile, by hand) or an sdist (tar.gz with a setup.py) and prints
// the file names.
const BUILD = `
import base64, hashlib, io, json, os, sys, tarfile, zipfile
out, specs = sys.argv[1], json.loads(sys.argv[2])
for spec in specs:
    name, version = spec["name"], spec.get("version", "1.0")
    module = name.replace("-", "_")
    files = {module + "/__init__.py": ("NAME = %r\\nVERSION = %r\\n" % (name, version)).encode()}
    if spec.get("padBytes"):
        files[module + "/data.bin"] = os.urandom(spec["padBytes"])
    meta = ("Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (name, version)).encode()
    if spec.get("sdist"):
        base = "%s-%s" % (module, version)
        files["setup.py"] = (
            "from setuptools import setup\\nsetup(name=%r, version=%r, packages=[%r], "
            "package_data={%r: ['*.bin']})\\n" % (name, version, module, module)).encode()
        files["PKG-INFO"] = meta
        path = os.path.join(out, base + ".tar.gz")
        with tarfile.open(path, "w:gz") as tar:
            for rel, data in files.items():
                info = tarfile.TarInfo(base + "/" + rel)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    else:
        info_dir = "%s-%s.dist-info" % (module, version)
        files[info_dir + "/METADATA"] = meta
        files[info_dir + "/WHEEL"] = b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
        record = []
        for rel, data in files.items():
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (rel, digest, len(data)))
        record.append(info_dir + "/RECORD,,")
        files[info_dir + "/RECORD"] = ("\\n".join(record) + "\\n").encode()
        path = os.path.join(out, "%s-%s-py3-none-any.whl" % (module, version))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
            for rel, data in files.items():
                z.writestr(rel, data)
    print(os.path.basename(path))
`;

/**
 * Builds `specs` and serves them. With `bytesPerSecond`, files are sent at that rate (a network
 * link, for the bench); index pages always at once.
 */
export async function startPackageIndex(
  specs: readonly PackageSpec[],
  options: { bytesPerSecond?: number } = {},
): Promise<PackageIndex> {
  const dir = await Deno.makeTempDir({ prefix: "package-index-" });
  const built = await new Deno.Command("python3", {
    args: ["-c", BUILD, dir, JSON.stringify(specs)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!built.success) {
    await Deno.remove(dir, { recursive: true });
    throw new Error(`Cannot build the test packages: ${new TextDecoder().decode(built.stderr)}`);
  }
  const names = new TextDecoder().decode(built.stdout).trim().split("\n");
  const byProject = new Map<string, string[]>();
  for (const [i, spec] of specs.entries()) {
    const project = spec.name.toLowerCase().replace(/[-_.]+/g, "-");
    byProject.set(project, [...byProject.get(project) ?? [], names[i]]);
  }
  const served = new Map<string, number>();
  const html = (body: string) =>
    new Response(`<!DOCTYPE html><html><body>${body}</body></html>`, {
      headers: { "content-type": "text/html", "cache-control": "max-age=600, public" },
    });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/simple/") {
      return html([...byProject.keys()].map((p) => `<a href="/simple/${p}/">${p}</a>`).join(""));
    }
    const project = /^\/simple\/([^/]+)\/$/.exec(path)?.[1];
    if (project !== undefined) {
      const files = byProject.get(project.toLowerCase().replace(/[-_.]+/g, "-"));
      if (!files) return new Response("not found", { status: 404 });
      return html(files.map((f) => `<a href="/files/${f}">${f}</a>`).join(""));
    }
    const file = /^\/files\/([^/]+)$/.exec(path)?.[1];
    if (file === undefined || !names.includes(file)) {
      return new Response("not found", { status: 404 });
    }
    served.set(file, (served.get(file) ?? 0) + 1);
    const bytes = await Deno.readFile(`${dir}/${file}`);
    // As PyPI sends files: cacheable for ever.
    const headers = {
      "content-type": "application/octet-stream",
      "cache-control": "max-age=365000000, immutable, public",
    };
    const rate = options.bytesPerSecond;
    if (!rate) return new Response(bytes, { headers });
    const chunk = 64 * 1024;
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (at >= bytes.length) return controller.close();
        await new Promise((resolve) => setTimeout(resolve, (chunk / rate) * 1000));
        controller.enqueue(bytes.subarray(at, at + chunk));
        at += chunk;
      },
    });
    return new Response(body, {
      headers: { ...headers, "content-length": String(bytes.length) },
    });
  });
  const port = server.addr.port;
  return {
    port,
    url: `http://127.0.0.1:${port}/simple/`,
    served,
    dir,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
