import { type Config, ConfigError, loadConfig } from '../config';
import { type CommandIO, EXIT } from './command-io';

/** Reports a bad configuration key (the message names it) on stderr; a command then exits EXIT.usage. */
export function reportConfigError(io: CommandIO, error: ConfigError): number {
  io.err(`configuration error: ${error.message}`);
  return EXIT.usage;
}

/**
 * The configuration a command runs with, from `env`. On a ConfigError the key is reported on stderr
 * and the result is the exit code instead (EXIT.usage); any other error propagates.
 */
export function loadCommandConfig(io: CommandIO, env: CommandIO['env']): Config | number {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return reportConfigError(io, error);
    throw error;
  }
}
