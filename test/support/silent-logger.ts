import type { DomainLogger } from '../../src/domain/deps';

/** A DomainLogger that drops every line, for tests that do not look at logs. */
export const SILENT_LOGGER: DomainLogger = { warn: () => undefined, info: () => undefined };
