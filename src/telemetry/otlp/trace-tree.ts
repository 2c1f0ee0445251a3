import { type AttributeValue, durationMs, type ReceivedSpan, SPAN_KIND_NAMES, STATUS_ERROR } from './received-span';

/** Attributes worth a glance in a tree line, in this order; the rest stay in the exported data. */
const KEY_ATTRIBUTES = [
  'http.route',
  'http.response.status_code',
  'identity.bridge.outcome',
  'rpc.grpc.status_code',
  'identity.outcome',
  'identity.migrated',
  'identity.email_hash',
  'identity.username_hash',
  'identity.email',
  'identity.username',
  'password.format',
  'password.dummy',
  'password.needs_rehash',
  'password.scrypt.log_n',
  'password.scrypt.r',
  'password.scrypt.p',
  'password.bcrypt.cost',
  'password.pbkdf2.iterations',
  'password.argon2.memory_kib',
  'password.argon2.iterations',
  'password.phpass.log2_rounds',
  'password.kdf.queue_wait_ms',
  'password.kdf.rejected',
  'db.system.name',
  'db.response.status_code',
  'db.query.text',
];
const MAX_VALUE_CHARS = 120;

/**
 * One trace as an indented tree: each span with its kind, duration, offset from the trace's start,
 * key attributes, and, for errors, the status message and exception events. Children are ordered by
 * start time; a span whose parent is not in the trace (the caller's remote span) is a root.
 */
export function formatTraceTree(spans: readonly ReceivedSpan[]): string {
  if (spans.length === 0) return '';
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, ReceivedSpan[]>();
  const roots: ReceivedSpan[] = [];
  for (const span of spans) {
    if (span.parentSpanId !== '' && byId.has(span.parentSpanId)) {
      const list = children.get(span.parentSpanId) ?? [];
      list.push(span);
      children.set(span.parentSpanId, list);
    } else {
      roots.push(span);
    }
  }
  const byStart = (a: ReceivedSpan, b: ReceivedSpan) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1);
  roots.sort(byStart);
  const first = roots[0] ?? spans[0];
  let traceStart = first?.startTimeUnixNano ?? 0n;
  for (const span of spans) if (span.startTimeUnixNano < traceStart) traceStart = span.startTimeUnixNano;
  const service = first?.resource['service.name'];
  const lines = [
    `trace ${first?.traceId ?? ''}  ${first?.name ?? ''}  ${formatMs(first ? durationMs(first) : 0)}  ` +
      `${spans.length} spans${typeof service === 'string' ? `  service=${service}` : ''}`,
  ];

  const visit = (span: ReceivedSpan, prefix: string, last: boolean, root: boolean) => {
    const branch = last ? '└─ ' : '├─ ';
    const offset = Number(span.startTimeUnixNano - traceStart) / 1e6;
    const remote = root && span.parentSpanId !== '' ? `  (parent ${span.parentSpanId}, remote)` : '';
    const error =
      span.status.code === STATUS_ERROR ? `  ERROR${span.status.message ? `: ${span.status.message}` : ''}` : '';
    lines.push(
      `${prefix}${branch}${span.name}  ${SPAN_KIND_NAMES[span.kind] ?? span.kind}  ${formatMs(durationMs(span))}` +
        `  @+${formatMs(offset)}${error}${remote}`,
    );
    const inner = prefix + (last ? '   ' : '│  ');
    const attributes = KEY_ATTRIBUTES.filter((k) => k in span.attributes).map(
      (k) => `${k}=${formatValue(span.attributes[k] ?? null)}`,
    );
    const kids = children.get(span.spanId) ?? [];
    kids.sort(byStart);
    const pipe = kids.length > 0 ? '│  ' : '   ';
    for (const attribute of attributes) lines.push(`${inner}${pipe}  ${attribute}`);
    for (const event of span.events) {
      if (event.name !== 'exception') continue;
      const type = event.attributes['exception.type'];
      const message = event.attributes['exception.message'];
      lines.push(`${inner}${pipe}  exception ${formatValue(type ?? null)}: ${formatValue(message ?? null)}`);
    }
    kids.forEach((kid, i) => {
      visit(kid, inner, i === kids.length - 1, false);
    });
  };
  roots.forEach((root, i) => {
    visit(root, '', i === roots.length - 1, true);
  });
  return lines.join('\n');
}

function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function formatValue(value: AttributeValue): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? 'null');
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}
