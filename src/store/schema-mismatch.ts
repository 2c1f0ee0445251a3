/**
 * The start-up error for a store whose tables do not match the schema profile, naming the store as
 * `store` says (a path or `host:port/db as user`, never a password), the profile, the driver's reason
 * (`cause`) and the way out.
 */
export function schemaMismatchError(store: string, profileName: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `${store} does not match schema profile ${profileName} (${reason}); run legacy-identity db init or check SCHEMA_PROFILE`,
  );
}
