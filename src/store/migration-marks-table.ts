/**
 * The adapter's own side table: one row per migrated user. It is the only table the adapter owns in
 * a legacy database (`db init` creates it; legacy tables are never altered). The user id is kept as
 * text, whatever the profile's key type, so one table serves every profile.
 */
export const MIGRATION_MARKS_TABLE = {
  name: 'IdentityAdapterMigrations',
  userId: { name: 'UserId', maxLength: 128 },
  migratedAt: { name: 'MigratedAt' },
  via: { name: 'Via', maxLength: 32 },
} as const;

export const MIGRATION_VIAS = ['authenticate', 'get_user', 'export'] as const;
