import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as openpgp from '@sealpack/openpgp';

const test = suite('openpgp: public API');

test('exports are pinned', () => {
  assert.equal(Object.keys(openpgp).sort(), [
    'APPROVAL_NOTATION',
    'appendSignatures',
    'externalSigner',
    'generateKey',
    'gpgCertifier',
    'gpgSigner',
    'keyFileCertifier',
    'readKeyFile',
    'readKeyMaterial',
    'readPrivateKey',
    'readPublicKey',
    'readSignatureIssuers',
    'readSigningKey',
    'rotateKey',
    'verifySignatures',
  ]);
});

test.run();
