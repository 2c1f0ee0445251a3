/**
 * Strict decoders for the encodings stored hashes use. Node's `Buffer.from(text, 'base64' | 'hex')`
 * silently skips bad characters and stops at the first invalid pair, which would let a damaged hash
 * decode to something shorter instead of being reported; these return undefined instead.
 */

const BASE64_PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_UNPADDED = /^[A-Za-z0-9+/]*$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Standard base64 with `=` padding (.NET's Convert.ToBase64String, Python's b64encode). */
export function decodeBase64(text: string): Buffer | undefined {
  return BASE64_PADDED.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** Standard base64 without padding, as PHC strings (argon2) write it. */
export function decodeBase64Unpadded(text: string): Buffer | undefined {
  return BASE64_UNPADDED.test(text) && text.length % 4 !== 1 ? Buffer.from(text, 'base64') : undefined;
}

/** Hex of either case. */
export function decodeHex(text: string): Buffer | undefined {
  return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}
