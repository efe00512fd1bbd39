import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { certificateFingerprint, createSelfSignedCertificate } from './certificate.js';
import { sha256 } from './hash.js';

const notBefore = new Date('2025-01-01T00:00:00Z');
const request = {
  commonName: 'floe device DEV0123',
  dnsNames: ['localhost', 'dev0123.floe.local'],
  ipAddresses: ['127.0.0.1', '::1'],
  notBefore,
  notAfter: new Date('2055-06-30T12:00:00Z'),
};

describe('self-signed device certificate', () => {
  it('is a P-256 X.509 v3 certificate that verifies with its own key and names the device', () => {
    const cert = createSelfSignedCertificate(request);
    const x = new X509Certificate(cert.certificatePem);
    expect(x.subject).toBe('CN=floe device DEV0123');
    expect(x.issuer).toBe(x.subject);
    expect(x.subjectAltName).toBe('DNS:localhost, DNS:dev0123.floe.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(new Date(x.validFrom).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    // 2055 is written as GeneralizedTime (RFC 5280 §4.1.2.5).
    expect(new Date(x.validTo).toISOString()).toBe('2055-06-30T12:00:00.000Z');
    expect(x.ca).toBe(false);
    expect(x.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(cert.privateKeyPem))).toBe(true);
    expect(cert.fingerprint).toBe(sha256(x.raw).toString('hex'));
    expect(cert.fingerprint).toBe(x.fingerprint256.replaceAll(':', '').toLowerCase());
    expect(certificateFingerprint(cert.certificatePem)).toBe(cert.fingerprint);
    expect(createSelfSignedCertificate(request).fingerprint).not.toBe(cert.fingerprint);
  });

  it('serves TLS to a client that trusts exactly this certificate, and not to one that trusts another', async () => {
    const cert = createSelfSignedCertificate({ ...request, notBefore: new Date(Date.now() - 60_000) });
    const other = createSelfSignedCertificate({ ...request, notBefore: new Date(Date.now() - 60_000) });
    const server = createServer({ cert: cert.certificatePem, key: cert.privateKeyPem }, (socket) => socket.end('hello'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      const client = connect({ host: '127.0.0.1', port, ca: cert.certificatePem, servername: 'localhost' });
      await once(client, 'secureConnect');
      expect(client.authorized).toBe(true);
      expect(client.getPeerX509Certificate()?.fingerprint256.replaceAll(':', '').toLowerCase()).toBe(cert.fingerprint);
      const [data] = (await once(client, 'data')) as [Buffer];
      expect(data.toString()).toBe('hello');
      client.end();

      const stranger = connect({ host: '127.0.0.1', port, ca: other.certificatePem, servername: 'localhost' });
      const [err] = (await once(stranger, 'error')) as [NodeJS.ErrnoException];
      expect(err.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      server.close();
    }
  });
});
