import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as openpgp from '@sealpack/openpgp';

const test = suite('openpgp: public API');

test('exports are pinned', () => {
  assert.equal(Object.keys(openpgp).sort(), [
    'appendSignatures',
    'externalSigner',
    'generateKey',
    'gpgSigner',
    'readKeyFile',
    'readPublicKey',
    'readSigningKey',
    'verifySignatures',
  ]);
});

test.run();
