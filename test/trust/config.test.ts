import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generateKey } from '@sealpack/openpgp';
import { loadPolicy, loadTrust, readKeyring, readRevocations } from '@sealpack/trust';
import { cleanTempDirs, rejects, ROOT, tempDir } from '../helpers/index.js';

const test = suite('trust: config, keyring, revocations');

let alice: Awaited<ReturnType<typeof generateKey>>;
let bob: Awaited<ReturnType<typeof generateKey>>;
test.before(async () => {
  const date = new Date('2024-01-01T00:00:00Z');
  alice = await generateKey({ name: 'alice', date });
  bob = await generateKey({ name: 'bob', date });
});
test.after(cleanTempDirs);

/** Writes `files` (path → content; objects as JSON) under a fresh temp folder. */
async function project(files: Record<string, string | object>): Promise<string> {
  const dir = await tempDir('sealpack-trust-');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}
/** SealError.details is the `path: message` lines joined by newlines. */
const detailsOf = (error: Error): string[] => String((error as Error & { details: string }).details).split('\n');
const fixture = (name: string) => readFile(join(ROOT, 'test', 'fixtures', 'keys', name), 'utf8');

const CONFIG = { unsigned: 'deny', keyring: 'pinned' };
const YAML = 'unsigned: deny\nkeyring: pinned\n';
const CJS = `module.exports = ${JSON.stringify(CONFIG)};\n`;
const ESM = `export default ${JSON.stringify(CONFIG)};\n`;
const places: [string, Record<string, string | object>][] = [
  ['package.json', { 'package.json': { name: 'consumer', sealpack: CONFIG } }],
  ['.sealpackrc', { '.sealpackrc': YAML }],
  ['.sealpackrc', { '.sealpackrc': JSON.stringify(CONFIG) }],
  ['.sealpackrc.json', { '.sealpackrc.json': CONFIG }],
  ['.sealpackrc.yaml', { '.sealpackrc.yaml': YAML }],
  ['.sealpackrc.yml', { '.sealpackrc.yml': YAML }],
  ['.sealpackrc.js', { '.sealpackrc.js': CJS }],
  ['.sealpackrc.cjs', { '.sealpackrc.cjs': CJS }],
  ['.sealpackrc.mjs', { '.sealpackrc.mjs': ESM }],
  ['sealpack.config.js', { 'package.json': { name: 'consumer', type: 'module' }, 'sealpack.config.js': ESM }],
  ['sealpack.config.cjs', { 'sealpack.config.cjs': CJS }],
  ['sealpack.config.mjs', { 'sealpack.config.mjs': ESM }],
  [
    'sealpack.config.ts',
    {
      'sealpack.config.ts': `interface Config { unsigned: 'allow' | 'warn' | 'deny'; keyring: string }\nconst config: Config = { unsigned: 'deny', keyring: 'pinned' };\nexport default config;\n`,
    },
  ],
  ['sealpack.config.json', { 'sealpack.config.json': CONFIG }],
];
for (const [place, files] of places) {
  test(`found in ${place}${place === '.sealpackrc' ? ` (${typeof files['.sealpackrc'] === 'string' && files['.sealpackrc'].startsWith('{') ? 'JSON' : 'YAML'})` : ''}`, async () => {
    const dir = await project(files);
    const { policy, warnings } = await loadPolicy({ cwd: dir });
    assert.is(policy.configPath, join(dir, place));
    assert.is(policy.unsigned, 'deny');
    assert.is(policy.keyring, join(dir, 'pinned'));
    assert.equal(warnings, []);
  });
}

test('no config: secure defaults, paths from the nearest .sealpack/ folder up', async () => {
  const dir = await project({ '.sealpack/keys/alice.asc': alice.publicKey, 'src/deep/x.txt': '' });
  const { policy } = await loadPolicy({ cwd: join(dir, 'src', 'deep') });
  assert.equal(policy, {
    configPath: null,
    keyring: join(dir, '.sealpack', 'keys'),
    revocations: join(dir, '.sealpack', 'revocations.json'),
    trust: [{ packages: ['**'], keys: ['alice'], threshold: 1, approvers: [], approvals: 0, implicit: true }],
    unsigned: 'warn',
    algorithms: { minRsaBits: 3072, hashes: ['sha256', 'sha384', 'sha512'] },
    channels: {},
    exceptions: [],
    extraFiles: [],
    installScripts: [],
    rotation: { threshold: 1 },
    // No ledger folder and no `ledger` key: runs are not recorded.
    ledger: { path: join(dir, '.sealpack', 'ledger'), enabled: false },
    alerts: {},
  });
  const bare = await project({ 'x.txt': '' });
  assert.is((await loadPolicy({ cwd: bare })).policy.keyring, join(bare, '.sealpack', 'keys'));
});

test('searched upward from a subfolder; paths relative to the config file, not cwd', async () => {
  const dir = await project({
    '.sealpackrc.json': { keyring: 'trust/keys', revocations: 'trust/revoked.json' },
    'trust/keys/alice.asc': alice.publicKey,
    'packages/app/src/index.js': '',
  });
  const { policy } = await loadPolicy({ cwd: join(dir, 'packages', 'app', 'src') });
  assert.is(policy.configPath, join(dir, '.sealpackrc.json'));
  assert.is(policy.keyring, join(dir, 'trust', 'keys'));
  assert.is(policy.revocations, join(dir, 'trust', 'revoked.json'));
  assert.equal(policy.trust[0]?.keys, ['alice']);
});

test('ledger: a folder relative to the config file; alerts: the webhook an http(s) URL, the window real', async () => {
  const dir = await project({
    '.sealpackrc.json': {
      ledger: 'audit',
      alerts: {
        webhook: 'https://hooks.example/x',
        signingWindow: { days: ['mon'], hours: '08:00-18:00', timeZone: 'Europe/Berlin' },
      },
    },
    '.sealpack/keys/alice.asc': alice.publicKey,
  });
  const { policy } = await loadPolicy({ cwd: dir });
  assert.equal(policy.ledger, { path: join(dir, 'audit'), enabled: true });
  assert.is(policy.alerts.webhook, 'https://hooks.example/x');
  const bad = await project({
    '.sealpackrc.json': {
      alerts: { webhook: 'ftp://x', signingWindow: { days: ['someday'], hours: '8-18', timeZone: 'Mars/Olympus' } },
    },
  });
  const error = await rejects(() => loadPolicy({ cwd: bad }), 'ESEAL_CONFIG');
  assert.match(detailsOf(error).join('\n'), 'alerts.webhook: expected an http(s) URL, found "ftp://x"');
  assert.match(detailsOf(error).join('\n'), 'alerts.signingWindow.days[0]: must be one of');
  assert.match(detailsOf(error).join('\n'), 'alerts.signingWindow.hours: expected HH:MM-HH:MM');
  assert.match(detailsOf(error).join('\n'), 'alerts.signingWindow.timeZone: "Mars/Olympus" is not an IANA time zone');
});

test('the nearest config wins; configFile loads exactly that file', async () => {
  const dir = await project({
    '.sealpackrc.json': { unsigned: 'deny' },
    'sub/.sealpackrc.yml': 'unsigned: allow\n',
    'other/policy.json': { unsigned: 'warn', keyring: 'k' },
  });
  assert.is((await loadPolicy({ cwd: join(dir, 'sub') })).policy.unsigned, 'allow');
  const { policy } = await loadPolicy({ cwd: join(dir, 'sub'), configFile: '../other/policy.json' });
  assert.is(policy.configPath, join(dir, 'other', 'policy.json'));
  assert.is(policy.unsigned, 'warn');
  assert.is(policy.keyring, join(dir, 'other', 'k'));
  await rejects(() => loadPolicy({ cwd: dir, configFile: 'missing.json' }), 'ESEAL_CONFIG', /not found/);
  await rejects(() => loadPolicy({ cwd: join(dir, 'sub'), configFile: '../package.json' }), 'ESEAL_CONFIG');
});

test('a package.json without a sealpack key is not a config; two configs in one folder warn', async () => {
  const dir = await project({
    'package.json': { name: 'x' },
    '.sealpackrc.json': { unsigned: 'allow' },
    'sealpack.config.json': {},
  });
  const { policy, warnings } = await loadPolicy({ cwd: dir });
  assert.is(policy.configPath, join(dir, '.sealpackrc.json'));
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!, /using \.sealpackrc\.json, ignoring sealpack\.config\.json/);
});

test('every config problem at once, as path: message lines', async () => {
  const dir = await project({
    '.sealpack/keys/alice.asc': alice.publicKey,
    '.sealpackrc.json': {
      keyrng: 'typo',
      unsigned: 'maybe',
      trust: [
        { packages: '@acme/*', keys: ['alice', 'mallory'], threshold: 0 },
        { packages: [], keys: ['alice'], extra: true },
      ],
      algorithms: { minRsaBits: 1024, hashes: ['md5'] },
      channels: { beta: { threshold: 2 }, rc: {} },
      exceptions: [{ package: 'legacy', reason: 'x', expires: 'soon' }],
    },
  });
  const error = await rejects(() => loadPolicy({ cwd: dir }), 'ESEAL_CONFIG');
  const details = detailsOf(error);
  for (const line of [
    'keyrng: unknown key',
    'unsigned: must be one of "allow", "warn", "deny"',
    'trust[0].threshold: must be >= 1',
    'trust[1].packages: must NOT have fewer than 1 items',
    'trust[1].extra: unknown key',
    'algorithms.minRsaBits: must be >= 2048',
    'channels.beta: unknown key',
    'channels.rc.threshold: is required',
    `trust[0].keys[1]: "mallory" is not a pinned key (no ${join(dir, '.sealpack', 'keys', 'mallory.asc')})`,
    'exceptions[0].package: must be name@range (e.g. "legacy@1.x"), found "legacy"',
  ]) {
    assert.ok(details.includes(line), `missing "${line}" in:\n${details.join('\n')}`);
  }
  assert.ok(details.some((l) => l.startsWith('algorithms.hashes[0]: must be one of')));
  assert.ok(details.some((l) => l.startsWith('exceptions[0].expires: must be an ISO 8601 date')));
  assert.match(error.message, /^invalid sealpack config .*\.sealpackrc\.json: /);
});

test('approvers must be pinned, approvals at most the approvers named; rotation.threshold read', async () => {
  const dir = await project({
    '.sealpack/keys/alice.asc': alice.publicKey,
    '.sealpackrc.json': { trust: [{ packages: '**', keys: 'alice', approvers: ['alice', 'bob'], approvals: 3 }] },
  });
  const error = await rejects(() => loadPolicy({ cwd: dir }), 'ESEAL_CONFIG');
  assert.equal(detailsOf(error), [
    `trust[0].approvers[1]: "bob" is not a pinned key (no ${join(dir, '.sealpack', 'keys', 'bob.asc')})`,
  ]);
  await writeFile(join(dir, '.sealpack', 'keys', 'bob.asc'), bob.publicKey);
  const tooMany = await rejects(() => loadTrust({ cwd: dir }), 'ESEAL_CONFIG');
  assert.equal(detailsOf(tooMany), ["trust[0].approvals: 3 is more than the 2 approver key(s) the rule's names hold"]);
  const good = await project({
    '.sealpack/keys/alice.asc': alice.publicKey,
    '.sealpackrc.json': {
      trust: [{ packages: '**', keys: 'alice', approvers: 'alice', approvals: 1 }],
      rotation: { threshold: 1 },
    },
  });
  const { policy } = await loadPolicy({ cwd: good });
  assert.equal(policy.trust[0]!.approvers, ['alice']);
  assert.is(policy.trust[0]!.approvals, 1);
  assert.equal(policy.rotation, { threshold: 1 });
});

test('a threshold above the rule key count, a rule key not pinned, an unreadable file', async () => {
  const dir = await project({
    '.sealpack/keys/alice.asc': alice.publicKey,
    '.sealpackrc.json': { trust: [{ packages: '**', keys: 'alice', threshold: 2 }] },
  });
  const error = await rejects(() => loadTrust({ cwd: dir }), 'ESEAL_CONFIG');
  assert.equal(detailsOf(error), ["trust[0].threshold: 2 is more than the 1 key(s) the rule's names hold"]);
  const noKeyring = await project({ '.sealpackrc.yml': 'trust:\n  - packages: "@acme/*"\n    keys: [alice]\n' });
  await rejects(() => loadPolicy({ cwd: noKeyring }), 'ESEAL_CONFIG', /trust\[0\]\.keys\[0\]: "alice" is not a pinned key/);
  const broken = await project({ '.sealpackrc.json': '{ "unsigned": ' });
  const malformed = await rejects(() => loadPolicy({ cwd: broken }), 'ESEAL_CONFIG', /\.sealpackrc\.json: cannot be loaded/);
  // One line: the file and JSON.parse's reason, no code frame.
  assert.equal(detailsOf(malformed).length, 1);
  assert.match(detailsOf(malformed)[0]!, /^\S+\.sealpackrc\.json: cannot be loaded: [^\n]*JSON[^\n]*$/);
});

test('a threshold counts the distinct keys a rule\'s names hold: two certificates in team.asc meet 2 (it was refused: "2 is more than the 1 key(s)")', async () => {
  const dir = await project({
    '.sealpack/keys/team.asc': alice.publicKey + bob.publicKey,
    '.sealpackrc.json': {
      trust: [{ packages: 'tiny', keys: ['team'], threshold: 2, approvers: ['team'], approvals: 2 }],
      channels: { production: { threshold: 2 } },
    },
  });
  const trust = await loadTrust({ cwd: dir });
  assert.equal(trust.policy.trust[0]!.threshold, 2);
  assert.not.ok(
    trust.warnings.some((w) => w.startsWith('channels.')),
    trust.warnings.join('\n'),
  );
  // A threshold no pinned set could meet is still refused.
  await writeFile(join(dir, '.sealpackrc.json'), JSON.stringify({ trust: [{ packages: 'tiny', keys: ['team'], threshold: 3 }] }));
  const error = await rejects(() => loadTrust({ cwd: dir }), 'ESEAL_CONFIG');
  assert.equal(detailsOf(error), ["trust[0].threshold: 3 is more than the 2 key(s) the rule's names hold"]);
});

test('explicit rules normalized; exceptions: YAML dates, no expires and expired ones warn; a lower channel threshold warns', async () => {
  const dir = await project({
    '.sealpack/keys/alice.asc': alice.publicKey,
    '.sealpack/keys/bob.asc': bob.publicKey,
    '.sealpackrc.yaml': [
      'trust:',
      '  - { packages: "@acme/*", keys: [alice, bob], threshold: 2 }',
      '  - { packages: ["lodash", "left-*"], keys: bob }',
      'channels: { production: { threshold: 2 }, rc: { threshold: 1 } }',
      'exceptions:',
      '  - { package: "legacy@1.x", reason: "vendor", risk: "low", approvedBy: "sec", expires: 2999-03-01 }',
      '  - { package: "@acme/old@^2.0.0", reason: "no end" }',
      '  - { package: "gone@*", reason: "over", expires: "2001-01-01T00:00:00Z" }',
      'algorithms: { minRsaBits: 2048, hashes: [sha256, sha1] }',
      'extraFiles: ["build/**"]',
    ].join('\n'),
  });
  const { policy, warnings } = await loadPolicy({ cwd: dir });
  assert.equal(policy.trust, [
    { packages: ['@acme/*'], keys: ['alice', 'bob'], threshold: 2, approvers: [], approvals: 0, implicit: false },
    { packages: ['lodash', 'left-*'], keys: ['bob'], threshold: 1, approvers: [], approvals: 0, implicit: false },
  ]);
  assert.equal(policy.exceptions, [
    { package: 'legacy@1.x', reason: 'vendor', risk: 'low', approvedBy: 'sec', expires: new Date('2999-03-01T00:00:00Z') },
    { package: 'gone@*', reason: 'over', expires: new Date('2001-01-01T00:00:00Z') },
  ]);
  assert.equal(policy.channels, { production: { threshold: 2 }, rc: { threshold: 1 } });
  assert.equal(policy.extraFiles, ['build/**']);
  assert.equal(warnings, [
    'exceptions[1]: @acme/old@^2.0.0 has no expires: it does not apply (an exception must end)',
    'exceptions[2]: gone@* expired on 2001-01-01T00:00:00Z: it does not apply',
    'algorithms.hashes: sha1 is accepted: SHA-1 signatures can be forged',
    'algorithms.minRsaBits: 2048 accepts RSA keys smaller than the default 3072 bits',
    'channels.rc.threshold: 1 is less than the threshold 2 of trust[0]: a channel can only raise a threshold, rc versions of its packages still need 2',
  ]);
  // Whether a rule's keys can meet a channel threshold is known once the keyring is read.
  assert.ok(
    (await loadTrust({ cwd: dir })).warnings.includes(
      'channels.production.threshold: 2 is more than the 1 key(s) of trust[1]: production versions of its packages cannot pass',
    ),
  );
});

test('an impossible calendar date is refused', async () => {
  const dir = await project({ '.sealpackrc.json': { exceptions: [{ package: 'a@1', reason: 'r', expires: '2027-02-30' }] } });
  await rejects(() => loadPolicy({ cwd: dir }), 'ESEAL_CONFIG', /exceptions\[0\]\.expires: not a real date/);
});

test('readKeyring: *.asc sorted by name, other files ignored, missing folder is empty', async () => {
  const dir = await project({
    'keys/bob.asc': bob.publicKey,
    'keys/alice.asc': alice.publicKey,
    'keys/README.md': 'x',
    'keys/.swap.asc': 'x',
  });
  const { keys } = await readKeyring(join(dir, 'keys'));
  assert.equal(
    keys.map((k) => [k.name, k.file, k.key.fingerprint]),
    [
      ['alice', join(dir, 'keys', 'alice.asc'), alice.fingerprint],
      ['bob', join(dir, 'keys', 'bob.asc'), bob.fingerprint],
    ],
  );
  assert.equal(await readKeyring(join(dir, 'nothing')), { keys: [], warnings: [] });
});

test('readKeyring: a private key, an unreadable key and a duplicate are config errors naming the files', async () => {
  const dir = await project({
    'keys/alice.asc': alice.publicKey,
    'keys/again.asc': alice.publicKey,
    'keys/secret.asc': alice.privateKey,
    'keys/junk.asc': 'not a key',
  });
  const error = await rejects(() => readKeyring(join(dir, 'keys')), 'ESEAL_CONFIG');
  const details = detailsOf(error);
  assert.is(details.length, 3, details.join('\n'));
  assert.match(
    details.find((l) => l.startsWith(join(dir, 'keys', 'secret.asc')))!,
    /private key/,
  );
  assert.ok(details.some((l) => l.startsWith(`${join(dir, 'keys', 'junk.asc')}: `)));
  assert.match(
    details.find((l) => l.startsWith(join(dir, 'keys', 'alice.asc')))!,
    /already pinned as again/,
  );
  const only = await project({ 'keys/alice.asc': alice.privateKey });
  await rejects(() => readKeyring(join(only, 'keys')), 'ESEAL_CONFIG', /alice\.asc: is a private key/);
  const file = await project({ keys: 'a file' });
  await rejects(() => readKeyring(join(file, 'keys')), 'ESEAL_CONFIG', /is not a folder/);
});

test('readKeyring: NAME.asc and NAME.gpg for one NAME is a config error; a file of one NAME holds several keys', async () => {
  const twice = await project({ 'keys/alice.asc': alice.publicKey, 'keys/alice.gpg': bob.publicKey });
  await rejects(
    () => readKeyring(join(twice, 'keys')),
    'ESEAL_CONFIG',
    /alice\.gpg: the name alice is already pinned by .*alice\.asc/,
  );
  const team = await project({ 'keys/team.pgp': alice.publicKey + bob.publicKey });
  const { keys, warnings } = await readKeyring(join(team, 'keys'));
  assert.equal(
    keys.map((k) => [k.name, k.key.fingerprint]),
    [
      ['team', alice.fingerprint],
      ['team', bob.fingerprint],
    ],
  );
  assert.equal(warnings, []);
});

test('readRevocations: normalized fingerprints and dates; missing or empty file is empty', async () => {
  const spaced = alice.fingerprint
    .toLowerCase()
    .replace(/(.{4})/g, '$1 ')
    .trim();
  const dir = await project({
    'revocations.json': [
      { fingerprint: spaced, reason: 'superseded', date: '2025-06-01', comment: 'rotated' },
      { fingerprint: bob.fingerprint, date: '2025-07-01T12:00:00+02:00' },
    ],
    'empty.json': '\n',
  });
  assert.equal(await readRevocations(join(dir, 'revocations.json')), [
    {
      fingerprint: alice.fingerprint,
      reason: 'superseded',
      date: new Date('2025-06-01T00:00:00Z'),
      comment: 'rotated',
      source: 'list',
    },
    { fingerprint: bob.fingerprint, reason: 'unspecified', date: new Date('2025-07-01T10:00:00Z'), source: 'list' },
  ]);
  assert.equal(await readRevocations(join(dir, 'missing.json')), []);
  assert.equal(await readRevocations(join(dir, 'empty.json')), []);
});

test('readRevocations: malformed lists are config errors with path: message lines', async () => {
  const dir = await project({
    'syntax.json': '[{ "fingerprint": ',
    'object.json': { fingerprint: 'x' },
    'entries.json': [
      { fingerprint: 'ABCD1234ABCD1234', reason: 'lost', date: '2025-13-01' },
      { fingerprint: bob.fingerprint, date: '2025-02-30', why: 'x' },
      { reason: 'retired' },
    ],
  });
  await rejects(
    () => readRevocations(join(dir, 'syntax.json')),
    'ESEAL_CONFIG',
    /revocation list .*syntax\.json: \(root\): not valid JSON/,
  );
  await rejects(() => readRevocations(join(dir, 'object.json')), 'ESEAL_CONFIG', /\(root\): must be an array/);
  const error = await rejects(() => readRevocations(join(dir, 'entries.json')), 'ESEAL_CONFIG');
  assert.equal(detailsOf(error), [
    '[0].reason: must be one of "compromised", "superseded", "retired", "unspecified"',
    '[1].why: unknown key',
    '[2].fingerprint: is required',
    '[2].date: is required',
  ]);
  const semantic = await project({
    'list.json': [
      { fingerprint: 'ABCD1234ABCD1234', date: '2025-01-01' },
      { fingerprint: bob.fingerprint, date: '2025-02-30' },
    ],
  });
  const error2 = await rejects(() => readRevocations(join(semantic, 'list.json')), 'ESEAL_CONFIG');
  assert.equal(detailsOf(error2), [
    '[0].fingerprint: must be a 40 or 64 hex digit fingerprint (a key ID is not enough), found "ABCD1234ABCD1234"',
    '[1].date: not a real date: "2025-02-30"',
  ]);
});

test('loadTrust: keys, the list merged with revocations inside key files, warnings', async () => {
  const dir = await project({
    '.sealpack/keys/alice.asc': alice.publicKey,
    '.sealpack/keys/old.asc': await fixture('revoked-superseded.pub.asc'),
    '.sealpack/keys/expired.asc': await fixture('expired.pub.asc'),
    '.sealpack/keys/small.asc': await fixture('rsa2048.pub.asc'),
    '.sealpack/revocations.json': [
      { fingerprint: alice.fingerprint, reason: 'compromised', date: '2026-10-01T00:00:00Z', comment: 'laptop stolen' },
    ],
  });
  const trust = await loadTrust({ cwd: dir });
  assert.equal(
    trust.keys.map((k) => k.name),
    ['alice', 'expired', 'old', 'small'],
  );
  const old = trust.keys.find((k) => k.name === 'old')!.key.fingerprint;
  assert.equal(trust.revocations, [
    {
      fingerprint: alice.fingerprint,
      reason: 'compromised',
      date: new Date('2026-10-01T00:00:00Z'),
      comment: 'laptop stolen',
      source: 'list',
    },
    {
      fingerprint: old,
      reason: 'superseded',
      date: new Date('2025-06-01T00:00:00Z'),
      comment: 'replaced by ed25519-second',
      source: 'key',
    },
  ]);
  assert.equal(trust.policy.trust, [
    { packages: ['**'], keys: ['alice', 'expired', 'old', 'small'], threshold: 1, approvers: [], approvals: 0, implicit: true },
  ]);
  const text = trust.warnings.join('\n');
  assert.match(
    text,
    new RegExp(
      `key alice \\(${alice.fingerprint}\\) is revoked \\(compromised, 2026-10-01T00:00:00Z, from the revocation list\\)`,
    ),
  );
  assert.match(text, /key old \(.*\) is revoked \(superseded, 2025-06-01T00:00:00Z, from the key file\)/);
  assert.match(text, /key expired \(.*\) expired on 2021-01-01T00:00:00Z/);
  assert.match(text, /key small \(.*\): RSA 2048 bits is refused by algorithms\.minRsaBits/);
});

test('loadTrust: a bad keyring or revocation list stops loading', async () => {
  const privateKey = await project({ '.sealpack/keys/alice.asc': alice.privateKey });
  await rejects(() => loadTrust({ cwd: privateKey }), 'ESEAL_CONFIG', /private key/);
  const list = await project({ '.sealpack/keys/alice.asc': alice.publicKey, '.sealpack/revocations.json': '{' });
  await rejects(() => loadTrust({ cwd: list }), 'ESEAL_CONFIG', /revocation list/);
  const empty = await project({ 'x.txt': '' });
  const trust = await loadTrust({ cwd: empty });
  assert.equal(trust.keys, []);
  assert.match(trust.warnings.join('\n'), /no pinned keys/);
});

test.run();
