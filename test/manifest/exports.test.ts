import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as manifest from '@sealpack/manifest';

const test = suite('manifest exports');

test('public API is pinned', () => {
  assert.equal(Object.keys(manifest).sort(), [
    'EMBEDDED_MANIFEST_PATH',
    'EMBEDDED_SIGNATURE_PATH',
    'MANIFEST_FORMAT',
    'buildManifest',
    'compareFiles',
    'hashBytes',
    'hashFile',
    'parseManifest',
    'readTarball',
    'serializeManifest',
  ]);
});

test('contract constants (DESIGN.md)', () => {
  assert.is(manifest.MANIFEST_FORMAT, 'sealpack/manifest@1');
  assert.is(manifest.EMBEDDED_MANIFEST_PATH, '.sealpack/manifest.json');
  assert.is(manifest.EMBEDDED_SIGNATURE_PATH, '.sealpack/manifest.json.asc');
});

test.run();
