/** Where the detached seal of a tarball lives (DESIGN.md, "Where seals live"). */
export function sealPaths(tarball: string): { signature: string; manifest: string; manifestSignature: string } {
  return {
    signature: `${tarball}.asc`,
    manifest: `${tarball}.manifest.json`,
    manifestSignature: `${tarball}.manifest.json.asc`,
  };
}
