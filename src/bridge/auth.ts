import { createBearerCheck } from '../grpc/auth-tokens';

/**
 * Builds the bridge's caller check: true when the Authorization header carries one of `tokens`
 * (BRIDGE_TOKENS). Several tokens may be valid at once so they rotate without downtime; the compare
 * is constant-time and shared with the gRPC server's GRPC_TOKENS check (grpc/auth-tokens.ts).
 */
export function createTokenCheck(tokens: readonly string[]): (authorization: string | undefined) => boolean {
  if (tokens.length === 0) throw new Error('the bridge needs at least one token');
  return createBearerCheck(tokens);
}
