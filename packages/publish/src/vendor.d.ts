// libnpmpublish ships no types; this is the part sealpack calls.
declare module 'libnpmpublish' {
  export function publish(
    manifest: Record<string, unknown>,
    tarball: Buffer,
    options: Record<string, unknown>,
  ): Promise<{ status: number }>;
}
