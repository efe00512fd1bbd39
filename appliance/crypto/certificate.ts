// A self-signed X.509 v3 certificate (RFC 5280) for the device's TLS endpoint: ECDSA P-256 with
// SHA-256 (RFC 5758 §3.2, RFC 5480), the key type every TLS client accepts. Clients do not rely
// on a CA: they pin the certificate's SHA-256 fingerprint, which travels in the job manifest.
// The DER is written by hand (a few dozen lines) rather than pulling in an ASN.1 library.
import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { sha256 } from './hash.js';
import { randomBytes } from './random.js';

export interface CertificateRequest {
  /** Subject and issuer common name. */
  readonly commonName: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface SelfSignedCertificate {
  readonly certificatePem: string;
  /** PKCS#8 PEM of the P-256 private key. An access credential: store it 0600. */
  readonly privateKeyPem: string;
  /** Lowercase hex SHA-256 of the DER certificate (64 characters), for pinning. */
  readonly fingerprint: string;
}

export function createSelfSignedCertificate(request: CertificateRequest): SelfSignedCertificate {
  if (!(request.notBefore < request.notAfter)) throw new RangeError('notBefore must precede notAfter');
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = distinguishedName(request.commonName);
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // version v3
    integer(serialNumber()),
    ECDSA_WITH_SHA256,
    name, // issuer
    sequence(time(request.notBefore), time(request.notAfter)),
    name, // subject
    publicKey.export({ format: 'der', type: 'spki' }),
    explicit(3, sequence(...extensions(request))),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  // Parse it back: Node (OpenSSL) must accept what we wrote, and the signature must verify.
  const parsed = new X509Certificate(der);
  if (!parsed.verify(publicKey)) throw new Error('self-signed certificate does not verify');
  return {
    certificatePem: parsed.toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    fingerprint: sha256(der).toString('hex'),
  };
}

/** Lowercase hex SHA-256 of a PEM certificate's DER bytes: the value clients pin. */
export function certificateFingerprint(certificatePem: string): string {
  return sha256(new X509Certificate(certificatePem).raw).toString('hex');
}

function extensions(request: CertificateRequest): Buffer[] {
  const names: Buffer[] = [];
  for (const dns of request.dnsNames ?? []) names.push(tagged(0x82, Buffer.from(dns, 'ascii')));
  for (const ip of request.ipAddresses ?? []) names.push(tagged(0x87, ipBytes(ip)));
  const out = [
    extension(OID_BASIC_CONSTRAINTS, true, sequence()), // cA FALSE (the DEFAULT, so omitted in DER)
    extension(OID_EXT_KEY_USAGE, false, sequence(oid(OID_SERVER_AUTH))),
  ];
  if (names.length > 0) out.push(extension(OID_SUBJECT_ALT_NAME, false, sequence(...names)));
  return out;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []), tagged(0x04, value));
}

function distinguishedName(commonName: string): Buffer {
  // Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue); CN as UTF8String.
  return sequence(tagged(0x31, sequence(oid(OID_COMMON_NAME), tagged(0x0c, Buffer.from(commonName, 'utf8')))));
}

function serialNumber(): Buffer {
  // RFC 5280 §4.1.2.2: positive, at most 20 octets: 16 random bytes, top bit cleared, first byte non-zero.
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return serial;
}

function time(date: Date): Buffer {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; seconds, Zulu.
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/gu, '');
  const year = date.getUTCFullYear();
  return year < 2050 ? tagged(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii')) : tagged(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

function ipBytes(ip: string): Buffer {
  const family = isIP(ip);
  if (family === 4) return Buffer.from(ip.split('.').map(Number));
  if (family !== 6) throw new RangeError(`not an IP address: ${ip}`);
  const [head = '', tail = ''] = ip.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = ip.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const zeros = Array.from({ length: 8 - headParts.length - tailParts.length }, () => '0');
  const words = ip.includes('::') ? [...headParts, ...zeros, ...tailParts] : headParts;
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(Number.parseInt(w, 16), i * 2));
  return out;
}

// --- DER (X.690) encoding ---

function tagged(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function sequence(...items: Uint8Array[]): Buffer {
  return tagged(0x30, Buffer.concat(items));
}

function explicit(n: number, content: Uint8Array): Buffer {
  return tagged(0xa0 | n, content);
}

function integer(unsigned: Buffer): Buffer {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  const body = unsigned.subarray(i);
  return tagged(0x02, (body[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

function bitString(bytes: Uint8Array): Buffer {
  return tagged(0x03, Buffer.concat([Buffer.from([0]), bytes]));
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const body: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const base128: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift((v & 0x7f) | 0x80);
    body.push(...base128);
  }
  return tagged(0x06, Buffer.from(body));
}

const OID_COMMON_NAME = '2.5.4.3';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
// RFC 5758 §3.2: ecdsa-with-SHA256, parameters absent.
const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
