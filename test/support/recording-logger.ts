import type { DomainLogger } from '../../src/domain/deps';

/** A DomainLogger that keeps every call, so tests can assert on what was logged (and what was not). */
export class RecordingLogger implements DomainLogger {
  readonly lines: { level: string; obj: object; msg: string }[] = [];
  warn(obj: object, msg: string): void {
    this.lines.push({ level: 'warn', obj, msg });
  }
  info(obj: object, msg: string): void {
    this.lines.push({ level: 'info', obj, msg });
  }
}
