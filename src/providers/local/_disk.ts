// The sandbox's directory on the host.

/** Deletes a sandbox directory, even parts its user made unreadable to us (chmod 000). */
export async function removeTree(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    await makeWritable(path);
    await Deno.remove(path, { recursive: true });
  }
}

async function makeWritable(path: string): Promise<void> {
  await Deno.chmod(path, 0o700).catch(() => {});
  for await (const entry of Deno.readDir(path)) {
    if (entry.isDirectory) await makeWritable(`${path}/${entry.name}`);
  }
}
