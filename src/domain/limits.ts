/**
 * Input limits, in one place with their reasons. The bridge's JSON schemas repeat the length limits
 * so that absurd bodies are refused before any work; the domain is the authority.
 */

/** RFC 5321: a path is at most 256 octets including the angle brackets, so an address is ≤ 254. */
export const EMAIL_MAX_LENGTH = 254;
/** RFC 5321 local-part limit. */
export const EMAIL_LOCAL_MAX_LENGTH = 64;
/** Legacy usernames (ASP.NET Identity UserName is nvarchar(256); we allow half, enough for any real one). */
export const USERNAME_MAX_LENGTH = 128;
/**
 * Characters allowed in a new username: ASP.NET Identity's default AllowedUserNameCharacters
 * (letters, digits and `- . _ @ +`), so usernames created here are valid in the legacy application too.
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9\-._@+]+$/;
/** bcrypt reads 72 bytes and every KDF reads the whole password: 1 KiB is generous and bounds work. */
export const PASSWORD_MAX_BYTES = 1024;
/** user_id values are opaque keys (GUIDs, integers as text): 128 characters covers every profile. */
export const USER_ID_MAX_LENGTH = 128;
/** Serialised JSON size of user_metadata and app_metadata each (Auth0 allows 16 KB of metadata). */
export const METADATA_MAX_BYTES = 16 * 1024;
/** Nesting depth of metadata objects, so a hostile Struct cannot blow the stack while serialising. */
export const METADATA_MAX_DEPTH = 16;
