// A real Verdaccio for e2e tests: 127.0.0.1, a free port, storage in a temp folder, no
// uplinks unless asked (nothing leaves the machine), one htpasswd user whose token goes into `.npmrc`
// exactly as `npm login` would write it, so tests exercise real registry auth.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERDACCIO = fileURLToPath(new URL('../../node_modules/verdaccio/bin/verdaccio', import.meta.url));

export interface Registry {
  /** `http://127.0.0.1:PORT/` (with the trailing slash npm uses); `https://` with `tls`. */
  url: string;
  /** With `tls`: the private CA's certificate (PEM file) that signed the server's, for `cafile=` in `.npmrc`. */
  cafile?: string;
  port: number;
  /** Verdaccio's storage folder (packages land in `storage/NAME/`). */
  storage: string;
  /** The bearer token of the test user. */
  token: string;
  /** `.npmrc` lines: registry and the token for this host, as `npm login` writes them. */
  npmrc: string;
  /** Writes `dir/.npmrc` with `npmrc` (plus `extra` lines); returns its path. */
  writeNpmrc(dir: string, extra?: string): Promise<string>;
  /** GET a registry path as JSON (`abbreviated`: the install-v1 document npm install asks for). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read registry documents field by field
  fetchJson(path: string, abbreviated?: boolean): Promise<{ status: number; body: any }>;
  /** Stops the server (the storage stays until `stop({ keepStorage: false })`, the default). */
  stop(options?: { keepStorage?: boolean }): Promise<void>;
  /** Stops and starts the server on the same port and storage (tests of a registry outage). */
  restart(): Promise<void>;
  /** Stops only the server process, keeping the storage, for an outage in the middle of a run. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
// Whatever happens to the test process, no Verdaccio survives it.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private CA and a server certificate for 127.0.0.1 signed by it, made with openssl, as an
 * organisation's internal registry would have: clients must be given the CA (`cafile`).
 */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.pem');
  const ext = join(dir, 'server.ext');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    ca,
    '-days',
    '2',
    '-subj',
    '/CN=sealpack test CA',
  ]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { ca, key, cert };
}

/** A small HTTP(S) client for the harness itself (Node's fetch cannot be given a CA). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, ca: options.ca }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * With `uplink`, names outside `local` are fetched from that registry (the npm registry, for
 * third-party dependencies) and cached; names in `local` are only ever this registry's own.
 */
function configYaml(
  storage: string,
  htpasswd: string,
  port: number,
  tls?: { key: string; cert: string },
  uplink?: { url: string; local: string[] },
): string {
  const own = ['    access: $all', '    publish: $authenticated', '    unpublish: $authenticated'];
  return [
    `storage: ${JSON.stringify(storage)}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(htpasswd)}`,
    '    max_users: 100',
    // bcrypt's default rounds make every adduser take ~100 ms: the tests need no strength.
    '    rounds: 4',
    ...(uplink ? ['uplinks:', '  upstream:', `    url: ${JSON.stringify(uplink.url)}`, '    timeout: 30s'] : ['uplinks: {}']),
    'packages:',
    ...(uplink?.local ?? []).flatMap((name) => [`  ${JSON.stringify(name)}:`, ...own]),
    "  '**':",
    ...own,
    ...(uplink ? ['    proxy: upstream'] : []),
    `listen: ${tls ? 'https://' : ''}127.0.0.1:${port}`,
    ...(tls ? ['https:', `  key: ${JSON.stringify(tls.key)}`, `  cert: ${JSON.stringify(tls.cert)}`] : []),
    'log: { type: stdout, format: pretty, level: error }',
    'publish:',
    '  allow_offline: true',
    'server:',
    '  keepAliveTimeout: 0',
    'security:',
    '  api:',
    '    legacy: true',
    '',
  ].join('\n');
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string, ca?: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await send(`${url}-/ping`, { ca });
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`verdaccio did not answer on ${url} within 30 s:\n${output()}`);
}

// Verdaccio runs inside this wrapper, which exits when its stdin closes: the test process
// holds the other end, so even a test process killed with SIGKILL (no exit handler runs)
// takes its Verdaccio with it.
const WRAPPER = `process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
require(${JSON.stringify(VERDACCIO)});
`;

async function startProcess(config: string, url: string, ca?: string): Promise<ChildProcess> {
  let output = '';
  const wrapper = join(dirname(config), 'verdaccio-wrapper.cjs');
  await writeFile(wrapper, WRAPPER);
  const child = spawn(process.execPath, [wrapper, '--config', config], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', VERDACCIO_HANDLE_KILL_SIGNALS: 'true' },
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // A suite that forgets stop() must not hang the test run: nothing here keeps it alive.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  child.stdout!.on('data', (c) => (output = (output + c).slice(-4000)));
  child.stderr!.on('data', (c) => (output = (output + c).slice(-4000)));
  try {
    await waitUntilUp(url, child, () => output, ca);
  } catch (error) {
    await killProcess(child);
    throw error;
  }
  return child;
}

async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The child is unref'd so a forgotten stop() cannot hang a run; while we wait for its exit it
  // must hold the event loop, or a slow exit (after the SIGKILL timer fired) ends the test
  // process mid-hook ("Exiting early before testing is finished").
  child.ref();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Adds a user the way `npm adduser` does and returns its token. */
async function addUser(url: string, name: string, password: string, ca?: string): Promise<string> {
  const res = await send(`${url}-/user/org.couchdb.user:${name}`, {
    ca,
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      _id: `org.couchdb.user:${name}`,
      name,
      password,
      type: 'user',
      roles: [],
      date: new Date().toISOString(),
    }),
  });
  const body = JSON.parse(res.text) as { token?: string; error?: string };
  if (res.status !== 201 || !body.token) throw new Error(`verdaccio adduser: ${res.status} ${body.error ?? ''}`);
  return body.token;
}

/**
 * Starts Verdaccio; call `stop()` in the suite's `after` hook. `tls`: over HTTPS with a
 * certificate from a private CA (`registry.cafile`), made with openssl.
 */
export async function startRegistry(
  options: { tls?: boolean; uplink?: { url: string; local: string[] } } = {},
): Promise<Registry> {
  const root = await mkdtemp(join(tmpdir(), 'sealpack-verdaccio-'));
  const storage = join(root, 'storage');
  const config = join(root, 'config.yaml');
  const port = await freePort();
  const tls = options.tls ? makeCertificates(root) : undefined;
  const ca = tls ? await readFile(tls.ca, 'utf8') : undefined;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`;
  await writeFile(config, configYaml(storage, join(root, 'htpasswd'), port, tls, options.uplink));
  let child: ChildProcess | undefined = await startProcess(config, url, ca);
  let token: string;
  try {
    token = await addUser(url, 'sealpack-test', 'sealpack-test-password', ca);
  } catch (error) {
    await killProcess(child);
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const host = `//127.0.0.1:${port}/`;
  const npmrc = `registry=${url}\n${host}:_authToken=${token}\n`;
  const registry: Registry = {
    url,
    ...(tls ? { cafile: tls.ca } : {}),
    port,
    storage,
    token,
    npmrc,
    async writeNpmrc(dir, extra = '') {
      const path = join(dir, '.npmrc');
      await writeFile(path, npmrc + extra);
      return path;
    },
    async fetchJson(path, abbreviated = false) {
      const res = await send(new URL(path.replace(/^\//, ''), url).href, {
        ca,
        headers: { accept: abbreviated ? 'application/vnd.npm.install-v1+json' : 'application/json' },
      });
      const text = res.text;
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: keep the text for the assertion message.
      }
      return { status: res.status, body };
    },
    async kill() {
      if (child) await killProcess(child);
      child = undefined;
    },
    async restart() {
      if (child) await killProcess(child);
      child = await startProcess(config, url, ca);
    },
    async stop({ keepStorage = false } = {}) {
      if (child) await killProcess(child);
      child = undefined;
      if (!keepStorage) await rm(root, { recursive: true, force: true });
    },
  };
  return registry;
}
