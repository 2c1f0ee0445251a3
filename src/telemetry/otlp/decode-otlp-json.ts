import type { Attributes, AttributeValue, ReceivedEvent, ReceivedSpan } from './received-span';

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` (the protobuf JSON mapping with lowerCamelCase
 * names, hex trace and span ids, 64-bit integers as strings or numbers). Raises on text that is not
 * JSON; missing fields take their protobuf defaults.
 */
export function decodeOtlpJson(text: string): ReceivedSpan[] {
  const body = JSON.parse(text) as Json;
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of list(body.resourceSpans)) {
    const resource = attributesOf(object(resourceSpans.resource).attributes);
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      const scope = str(object(scopeSpans.scope).name);
      for (const span of list(scopeSpans.spans)) {
        const status = object(span.status);
        spans.push({
          traceId: id(span.traceId),
          spanId: id(span.spanId),
          parentSpanId: id(span.parentSpanId),
          name: str(span.name),
          kind: Number(span.kind ?? 0),
          startTimeUnixNano: nanos(span.startTimeUnixNano),
          endTimeUnixNano: nanos(span.endTimeUnixNano),
          attributes: attributesOf(span.attributes),
          events: list(span.events).map(
            (e): ReceivedEvent => ({
              name: str(e.name),
              timeUnixNano: nanos(e.timeUnixNano),
              attributes: attributesOf(e.attributes),
            }),
          ),
          status: { code: statusCode(status.code), message: str(status.message) },
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

type Json = Record<string, unknown>;

function object(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(object) : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function id(value: unknown): string {
  return str(value).toLowerCase();
}

function nanos(value: unknown): bigint {
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  return 0n;
}

function statusCode(value: unknown): number {
  if (value === 'STATUS_CODE_OK') return 1;
  if (value === 'STATUS_CODE_ERROR') return 2;
  return typeof value === 'number' ? value : 0;
}

function attributesOf(value: unknown): Attributes {
  const attributes: Attributes = {};
  for (const kv of list(value)) attributes[str(kv.key)] = anyValue(kv.value);
  return attributes;
}

function anyValue(value: unknown): AttributeValue {
  const v = object(value);
  if ('stringValue' in v) return str(v.stringValue);
  if ('boolValue' in v) return v.boolValue === true;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return list(object(v.arrayValue).values).map(anyValue);
  if ('kvlistValue' in v) return attributesOf(object(v.kvlistValue).values);
  if ('bytesValue' in v) return str(v.bytesValue);
  return null;
}
