// A tiny registry on 127.0.0.1 for lockfile tests: serves packuments (abbreviated or not),
// counts requests, can fail on demand, and checks the bearer token when one is set.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { buildManifest, hashBytes, serializeManifest } from '@sealpack/manifest';
import type { Signer } from '@sealpack/openpgp';

export interface StubVersion {
  name: string;
  version: string;
  /** The tarball bytes the seal and dist.integrity describe. */
  tarball?: Buffer;
  signer?: Signer;
}

export interface StubRegistry {
  url: string;
  requests: IncomingMessage[];
  /** Answer the next N requests with this status. */
  failNext(count: number, status?: number): void;
  /** Adds a version, as a publish would. */
  publish(version: StubVersion): Promise<void>;
  close(): Promise<void>;
}

/** The registry seal of a version: a manifest with `tarball` only, and its signature. */
export async function registrySeal(name: string, version: string, tarball: Buffer, signer: Signer) {
  const manifest = serializeManifest(buildManifest({ name, version, tarball: hashBytes(tarball) }));
  return { manifest: manifest.toString('utf8'), signature: await signer.sign(manifest) };
}

export const tarballOf = (name: string, version: string) => Buffer.from(`tarball of ${name}@${version}`);

export async function startStubRegistry(
  versions: StubVersion[],
  options: { token?: string; dropSealFromAbbreviated?: boolean } = {},
): Promise<StubRegistry> {
  const docs = new Map<string, { versions: Record<string, { name: string; version: string; dist: Record<string, unknown> }> }>();
  const publish = async (v: StubVersion) => {
    const tarball = v.tarball ?? tarballOf(v.name, v.version);
    const dist: Record<string, unknown> = {
      integrity: hashBytes(tarball).integrity,
      tarball: `http://x/${v.name}-${v.version}.tgz`,
    };
    if (v.signer) dist.sealpack = await registrySeal(v.name, v.version, tarball, v.signer);
    const doc = docs.get(v.name) ?? { versions: {} };
    doc.versions[v.version] = { name: v.name, version: v.version, dist };
    docs.set(v.name, doc);
  };
  for (const v of versions) await publish(v);
  const requests: IncomingMessage[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  const server: Server = createServer((req, res) => {
    requests.push(req);
    if (failures.count > 0) {
      failures.count--;
      res.writeHead(failures.status).end('{"error":"injected"}');
      return;
    }
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401).end('{"error":"unauthorized"}');
      return;
    }
    const parts = decodeURIComponent(req.url!.slice(1)).split('/');
    const name = parts[0]!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
    const version = parts[0]!.startsWith('@') ? parts[2] : parts[1];
    const doc = docs.get(name);
    if (!doc) return void res.writeHead(404).end('{"error":"not found"}');
    // An ETag as registries send it: a request that names it gets 304 and no body.
    const send = (text: string) => {
      const etag = `"${createHash('sha1').update(text).digest('hex')}"`;
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      res.writeHead(200, { 'content-type': 'application/json', etag }).end(text);
    };
    if (version) {
      const v = doc.versions[version];
      return void (v ? send(JSON.stringify(v)) : res.writeHead(404).end('{}'));
    }
    const abbreviated = String(req.headers.accept).startsWith('application/vnd.npm.install-v1+json');
    const body = structuredClone(doc);
    if (abbreviated && options.dropSealFromAbbreviated) for (const v of Object.values(body.versions)) delete v.dist.sealpack;
    send(JSON.stringify({ name, ...body }));
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    publish,
    failNext(count, status = 500) {
      failures = { count, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
