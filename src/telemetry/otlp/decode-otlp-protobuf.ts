import { BinaryReader, type WireType } from '@bufbuild/protobuf/wire';
import type { Attributes, AttributeValue, ReceivedEvent, ReceivedSpan } from './received-span';

/**
 * Decodes an OTLP `ExportTraceServiceRequest` (opentelemetry/proto/collector/trace/v1) in the protobuf
 * encoding: the fields a trace viewer needs, by their field numbers in the OTLP protos; any other field
 * is skipped, so newer senders still decode. Raises on bytes that are not a valid message.
 */
export function decodeOtlpProtobuf(bytes: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  forEachField(new BinaryReader(bytes), (field, reader) => {
    if (field !== 1) return false; // resource_spans
    decodeResourceSpans(reader.bytes(), spans);
    return true;
  });
  return spans;
}

type FieldHandler = (field: number, reader: BinaryReader, wireType: WireType) => boolean;

/** Calls `handle` per field; a field it does not consume (returns false) is skipped. */
function forEachField(reader: BinaryReader, handle: FieldHandler): void {
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (!handle(field, reader, wireType)) reader.skip(wireType, field);
  }
}

function decodeResourceSpans(bytes: Uint8Array, out: ReceivedSpan[]): void {
  let resource: Attributes = {};
  const scopes: Uint8Array[] = [];
  forEachField(new BinaryReader(bytes), (field, reader) => {
    if (field === 1) {
      // Resource: attributes = 1
      resource = decodeAttributesOf(reader.bytes(), 1);
      return true;
    }
    if (field === 2) {
      scopes.push(reader.bytes());
      return true;
    }
    return false;
  });
  for (const scopeSpans of scopes) decodeScopeSpans(scopeSpans, resource, out);
}

function decodeScopeSpans(bytes: Uint8Array, resource: Attributes, out: ReceivedSpan[]): void {
  let scope = '';
  const spans: Uint8Array[] = [];
  forEachField(new BinaryReader(bytes), (field, reader) => {
    if (field === 1) {
      // InstrumentationScope: name = 1
      forEachField(new BinaryReader(reader.bytes()), (f, r) => {
        if (f !== 1) return false;
        scope = r.string();
        return true;
      });
      return true;
    }
    if (field === 2) {
      spans.push(reader.bytes());
      return true;
    }
    return false;
  });
  for (const span of spans) out.push(decodeSpan(span, resource, scope));
}

function decodeSpan(bytes: Uint8Array, resource: Attributes, scope: string): ReceivedSpan {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let name = '';
  let kind = 0;
  let start = 0n;
  let end = 0n;
  const attributes: Attributes = {};
  const events: ReceivedEvent[] = [];
  let status = { code: 0, message: '' };
  forEachField(new BinaryReader(bytes), (field, reader) => {
    switch (field) {
      case 1:
        traceId = hex(reader.bytes());
        return true;
      case 2:
        spanId = hex(reader.bytes());
        return true;
      case 4:
        parentSpanId = hex(reader.bytes());
        return true;
      case 5:
        name = reader.string();
        return true;
      case 6:
        kind = reader.int32();
        return true;
      case 7:
        start = BigInt(reader.fixed64());
        return true;
      case 8:
        end = BigInt(reader.fixed64());
        return true;
      case 9:
        addKeyValue(reader.bytes(), attributes);
        return true;
      case 11:
        events.push(decodeEvent(reader.bytes()));
        return true;
      case 15:
        status = decodeStatus(reader.bytes());
        return true;
      default:
        return false;
    }
  });
  return {
    traceId,
    spanId,
    parentSpanId,
    name,
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    events,
    status,
    resource,
    scope,
  };
}

function decodeEvent(bytes: Uint8Array): ReceivedEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes: Attributes = {};
  forEachField(new BinaryReader(bytes), (field, reader) => {
    if (field === 1) timeUnixNano = BigInt(reader.fixed64());
    else if (field === 2) name = reader.string();
    else if (field === 3) addKeyValue(reader.bytes(), attributes);
    else return false;
    return true;
  });
  return { name, timeUnixNano, attributes };
}

function decodeStatus(bytes: Uint8Array): { code: number; message: string } {
  let code = 0;
  let message = '';
  forEachField(new BinaryReader(bytes), (field, reader) => {
    if (field === 2) message = reader.string();
    else if (field === 3) code = reader.int32();
    else return false;
    return true;
  });
  return { code, message };
}

/** The KeyValue entries found at `field` of a message (Resource.attributes, KeyValueList.values). */
function decodeAttributesOf(bytes: Uint8Array, field: number): Attributes {
  const attributes: Attributes = {};
  forEachField(new BinaryReader(bytes), (f, reader) => {
    if (f !== field) return false;
    addKeyValue(reader.bytes(), attributes);
    return true;
  });
  return attributes;
}

function addKeyValue(bytes: Uint8Array, into: Attributes): void {
  let key = '';
  let value: AttributeValue = null;
  forEachField(new BinaryReader(bytes), (field, reader) => {
    if (field === 1) key = reader.string();
    else if (field === 2) value = decodeAnyValue(reader.bytes());
    else return false;
    return true;
  });
  into[key] = value;
}

function decodeAnyValue(bytes: Uint8Array): AttributeValue {
  let value: AttributeValue = null;
  forEachField(new BinaryReader(bytes), (field, reader) => {
    switch (field) {
      case 1:
        value = reader.string();
        return true;
      case 2:
        value = reader.bool();
        return true;
      case 3:
        value = Number(reader.int64());
        return true;
      case 4:
        value = reader.double();
        return true;
      case 5: {
        const values: AttributeValue[] = [];
        forEachField(new BinaryReader(reader.bytes()), (f, r) => {
          if (f !== 1) return false;
          values.push(decodeAnyValue(r.bytes()));
          return true;
        });
        value = values;
        return true;
      }
      case 6:
        value = decodeAttributesOf(reader.bytes(), 1);
        return true;
      case 7:
        value = Buffer.from(reader.bytes()).toString('base64');
        return true;
      default:
        return false;
    }
  });
  return value;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
