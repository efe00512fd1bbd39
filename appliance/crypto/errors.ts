// The one error the crypto module exports, as restic's crypto package does: whatever failed
// (a wrong key, a flipped byte, a wrong nonce or additional data), the answer is "unauthenticated".
export class UnauthenticatedError extends Error {
  constructor(message = 'ciphertext verification failed') {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}
