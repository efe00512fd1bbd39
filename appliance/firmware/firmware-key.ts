// The firmware public key this binary trusts (docs/operations.md, "Firmware bundles").
// image/bundle.mjs replaces __FLOE_FIRMWARE_PUBLIC_KEY__ with the hex public key at build time
// (esbuild `define`); the private key never enters the repository or the binary. Run from
// sources (tsx), no key is embedded and `floe firmware verify` needs `--public-key`.

declare const __FLOE_FIRMWARE_PUBLIC_KEY__: string | undefined;

/** The embedded 32-byte Ed25519 firmware public key, or undefined in a build without one. */
export function embeddedFirmwarePublicKey(): Buffer | undefined {
  const hex = typeof __FLOE_FIRMWARE_PUBLIC_KEY__ === 'string' ? __FLOE_FIRMWARE_PUBLIC_KEY__ : undefined;
  return hex === undefined ? undefined : parseFirmwarePublicKey(hex);
}

/** A firmware public key written as 64 hex characters; undefined when it is not one. */
export function parseFirmwarePublicKey(text: string): Buffer | undefined {
  const hex = text.trim().toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}
