import { HealthImplementation } from 'grpc-health-check';
import type { IdentityService } from '../domain/identity-service';
import type { Logger } from '../logger';

export const SERVICE_NAME = 'identity.v1.IdentityStore';
/** How often the store is pinged to keep the health status honest. */
export const HEALTH_PROBE_INTERVAL_MS = 2_000;

/**
 * grpc.health.v1 for "" (the process) and identity.v1.IdentityStore (the process and its store):
 * the latter follows a periodic store ping, so readiness turns false while the database is down and
 * back when it returns. `drain()` turns both NOT_SERVING for shutdown, for good.
 */
export class HealthReporter {
  readonly implementation = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
  #timer: NodeJS.Timeout | undefined;
  #draining = false;
  #storeUp = true;

  constructor(
    private readonly service: IdentityService,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number = HEALTH_PROBE_INTERVAL_MS): void {
    void this.probe();
    this.#timer = setInterval(() => void this.probe(), intervalMs);
    this.#timer.unref();
  }

  async probe(): Promise<boolean> {
    let up: boolean;
    try {
      await this.service.ping({ deadline: Date.now() + 1_000 });
      up = true;
    } catch {
      up = false;
    }
    if (up !== this.#storeUp) {
      this.logger[up ? 'info' : 'warn'](
        { event: 'store_health', up },
        up ? 'store reachable again' : 'store unreachable',
      );
    }
    this.#storeUp = up;
    if (!this.#draining) this.implementation.setStatus(SERVICE_NAME, up ? 'SERVING' : 'NOT_SERVING');
    return up;
  }

  drain(): void {
    this.#draining = true;
    this.stop();
    this.implementation.setStatus('', 'NOT_SERVING');
    this.implementation.setStatus(SERVICE_NAME, 'NOT_SERVING');
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
