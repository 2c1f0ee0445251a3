import type { Clock } from '../../src/domain/clock';

/** A Clock that stands still until a test moves it, so grace windows are tested without sleeping. */
export class ManualClock implements Clock {
  constructor(public at = new Date('2026-01-01T00:00:00Z')) {}
  now(): Date {
    return this.at;
  }
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}
