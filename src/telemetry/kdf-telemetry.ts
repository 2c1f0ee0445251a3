import { trace } from '@opentelemetry/api';
import type { KdfObserver } from '../passwords/kdf-limiter';
import type { ServiceMetrics } from './metrics';

/**
 * The KDF limiter's observer: the queue wait goes to the `identity_kdf_queue_wait_seconds` histogram
 * and, as `password.kdf.queue_wait_ms`, onto the span active at that moment (the `password.*` span of
 * the call that waited, since the limiter reports from the caller's async context). Refused and
 * expired tasks are counted only: an expiry may be noticed while another call's task releases its
 * slot, so the active span then is not the expired call's (traced-password-hasher.ts marks that one).
 */
export function kdfTelemetry(metrics: ServiceMetrics): KdfObserver {
  return {
    started(waitMs) {
      metrics.kdfStarted(waitMs);
      trace.getActiveSpan()?.setAttribute('password.kdf.queue_wait_ms', Math.round(waitMs * 100) / 100);
    },
    rejected() {
      metrics.kdfRejected();
    },
    expired() {
      metrics.kdfExpired();
    },
  };
}
