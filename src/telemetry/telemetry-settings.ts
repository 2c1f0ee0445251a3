/**
 * The tracing settings, read once from the standard OpenTelemetry variables. Only the subset this
 * service supports is read; a value it cannot honour stops start-up with a message naming the key
 * (never echoing a header value, which may carry a vendor's API key).
 *
 * Tracing is off unless an exporter is configured: `OTEL_TRACES_EXPORTER=otlp|console` (a comma list),
 * or an OTLP endpoint set while `OTEL_TRACES_EXPORTER` is unset. `OTEL_SDK_DISABLED=true` wins over both.
 */
export interface TelemetrySettings {
  readonly exporters: readonly TraceExporterKind[];
  readonly otlp: { readonly url: string; readonly protocol: OtlpProtocol };
  readonly serviceName: string;
  /** From OTEL_RESOURCE_ATTRIBUTES (service.name excluded: it is `serviceName`). */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly sampler: SamplerSetting;
  readonly batch: {
    readonly scheduledDelayMillis: number;
    readonly exportTimeoutMillis: number;
    readonly maxQueueSize: number;
    readonly maxExportBatchSize: number;
  };
}

export type TraceExporterKind = 'otlp' | 'console';
export type OtlpProtocol = 'http/protobuf' | 'http/json';
export type SamplerSetting =
  | { readonly kind: 'always_on' | 'always_off' | 'parentbased_always_on' | 'parentbased_always_off' }
  | { readonly kind: 'traceidratio' | 'parentbased_traceidratio'; readonly ratio: number };

export const DEFAULT_SERVICE_NAME = 'legacy-identity-adapter';
/** The OTLP/HTTP port every collector (and `make traces`) listens on. */
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/** The OTEL_* keys this service reads itself; the OTLP exporter also reads OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION and the certificate keys. */
export type TelemetryKey =
  | 'OTEL_SDK_DISABLED'
  | 'OTEL_TRACES_EXPORTER'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_PROTOCOL'
  | 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
  | 'OTEL_SERVICE_NAME'
  | 'OTEL_RESOURCE_ATTRIBUTES'
  | 'OTEL_TRACES_SAMPLER'
  | 'OTEL_TRACES_SAMPLER_ARG'
  | 'OTEL_BSP_SCHEDULE_DELAY'
  | 'OTEL_BSP_EXPORT_TIMEOUT'
  | 'OTEL_BSP_MAX_QUEUE_SIZE'
  | 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE';

export class TelemetryConfigError extends Error {
  override readonly name = 'TelemetryConfigError';
  constructor(
    readonly key: TelemetryKey,
    reason: string,
  ) {
    super(`${key}: ${reason}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** The settings, or null when tracing is off. Raises TelemetryConfigError for a value it cannot honour. */
export function readTelemetrySettings(env: Env): TelemetrySettings | null {
  const read = (key: TelemetryKey): string | undefined => {
    const v = env[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  if (read('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return null;

  const exporters = readExporters(read);
  if (exporters.length === 0) return null;

  const protocolRaw = read('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? read('OTEL_EXPORTER_OTLP_PROTOCOL');
  const protocolKey = read('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = protocolRaw ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new TelemetryConfigError(
      protocolKey,
      `expected http/protobuf or http/json (OTLP over gRPC is not supported here), got "${protocol}"`,
    );
  }

  const resourceAttributes = parseResourceAttributes(read('OTEL_RESOURCE_ATTRIBUTES'));
  const { 'service.name': fromResource, ...otherAttributes } = resourceAttributes;
  return {
    exporters,
    otlp: { url: tracesUrl(read), protocol },
    serviceName: read('OTEL_SERVICE_NAME') ?? fromResource ?? DEFAULT_SERVICE_NAME,
    resourceAttributes: otherAttributes,
    sampler: readSampler(read),
    batch: {
      scheduledDelayMillis: readPositive(read, 'OTEL_BSP_SCHEDULE_DELAY', 5_000),
      exportTimeoutMillis: readPositive(read, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000),
      maxQueueSize: readPositive(read, 'OTEL_BSP_MAX_QUEUE_SIZE', 2_048),
      maxExportBatchSize: readPositive(read, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512),
    },
  };
}

function readExporters(read: (key: TelemetryKey) => string | undefined): TraceExporterKind[] {
  const raw = read('OTEL_TRACES_EXPORTER');
  if (raw === undefined) {
    const endpoint = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? read('OTEL_EXPORTER_OTLP_ENDPOINT');
    return endpoint === undefined ? [] : ['otlp'];
  }
  const names = raw
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  if (names.includes('none')) return [];
  const kinds: TraceExporterKind[] = [];
  for (const name of names) {
    if (name !== 'otlp' && name !== 'console') {
      throw new TelemetryConfigError('OTEL_TRACES_EXPORTER', `expected otlp, console or none, got "${name}"`);
    }
    if (!kinds.includes(name)) kinds.push(name);
  }
  return kinds;
}

/** The signal-specific endpoint is used as is; the generic one gets `/v1/traces` appended (OTLP spec). */
function tracesUrl(read: (key: TelemetryKey) => string | undefined): string {
  const specific = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (specific !== undefined) return checkUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', specific);
  const base = checkUrl('OTEL_EXPORTER_OTLP_ENDPOINT', read('OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_OTLP_ENDPOINT);
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function checkUrl(key: TelemetryKey, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TelemetryConfigError(key, 'expected an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TelemetryConfigError(key, 'expected an http:// or https:// URL');
  }
  if (url.password !== '')
    throw new TelemetryConfigError(key, 'credentials in the URL are not allowed; use OTEL_EXPORTER_OTLP_HEADERS');
  return value;
}

function readSampler(read: (key: TelemetryKey) => string | undefined): SamplerSetting {
  const kind = read('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  switch (kind) {
    case 'always_on':
    case 'always_off':
    case 'parentbased_always_on':
    case 'parentbased_always_off':
      return { kind };
    case 'traceidratio':
    case 'parentbased_traceidratio': {
      const arg = read('OTEL_TRACES_SAMPLER_ARG') ?? '1';
      const ratio = Number(arg);
      if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
        throw new TelemetryConfigError('OTEL_TRACES_SAMPLER_ARG', `expected a ratio between 0 and 1, got "${arg}"`);
      }
      return { kind, ratio };
    }
    default:
      throw new TelemetryConfigError(
        'OTEL_TRACES_SAMPLER',
        `expected always_on, always_off, traceidratio or their parentbased_ forms, got "${kind}"`,
      );
  }
}

function readPositive(read: (key: TelemetryKey) => string | undefined, key: TelemetryKey, fallback: number): number {
  const raw = read(key);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new TelemetryConfigError(key, `expected a positive integer, got "${raw}"`);
  return Number(raw);
}

/** `key1=value1,key2=value2` with percent-encoded values (the W3C Baggage octet rules of the spec). */
export function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (raw === undefined) return attributes;
  for (const pair of raw.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (key === '')
      throw new TelemetryConfigError('OTEL_RESOURCE_ATTRIBUTES', 'expected key=value pairs separated by commas');
    try {
      attributes[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw new TelemetryConfigError('OTEL_RESOURCE_ATTRIBUTES', `the value of ${key} is not valid percent-encoding`);
    }
  }
  return attributes;
}
