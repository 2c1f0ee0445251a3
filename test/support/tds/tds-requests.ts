import { TYPE } from 'tedious/lib/data-type';
import type { Metadata } from 'tedious/lib/metadata-parser';
import { readCollation } from 'tedious/lib/metadata-parser';
import { readValue } from 'tedious/lib/value-parser';

/**
 * Decoders for what a TDS 7.4 client sends ([MS-TDS] §2.2.6): LOGIN7, SQL batch, RPC and
 * transaction-manager requests. Values inside RPC parameters are read with tedious's own value
 * parser, the one it uses for result rows (parameter values are encoded the same way).
 */

/** Packet types ([MS-TDS] §2.2.3.1.1). */
export const PACKET = {
  SQL_BATCH: 0x01,
  RPC_REQUEST: 0x03,
  TABULAR_RESULT: 0x04,
  ATTENTION: 0x06,
  TRANSACTION_MANAGER: 0x0e,
  LOGIN7: 0x10,
  PRELOGIN: 0x12,
} as const;

export interface Login7 {
  readonly tdsVersion: number;
  readonly packetSize: number;
  readonly userName: string;
  /** De-obfuscated; the server only ever compares it. */
  readonly password: string;
  readonly appName: string;
  readonly database: string;
}

function ucs2At(buf: Buffer, headerOffset: number): string {
  const offset = buf.readUInt16LE(headerOffset);
  const chars = buf.readUInt16LE(headerOffset + 2);
  return buf.toString('ucs2', offset, offset + chars * 2);
}

export function parseLogin7(buf: Buffer): Login7 {
  const passwordOffset = buf.readUInt16LE(44);
  const passwordChars = buf.readUInt16LE(46);
  const obfuscated = Buffer.from(buf.subarray(passwordOffset, passwordOffset + passwordChars * 2));
  for (let i = 0; i < obfuscated.length; i++) {
    // [MS-TDS] 2.2.6.4: XOR with 0xA5, then swap the nibbles; undo in reverse order.
    const b = (obfuscated[i] ?? 0) ^ 0xa5;
    obfuscated[i] = ((b & 0x0f) << 4) | (b >> 4);
  }
  return {
    tdsVersion: buf.readUInt32LE(4),
    packetSize: buf.readUInt32LE(8),
    userName: ucs2At(buf, 40),
    password: obfuscated.toString('ucs2'),
    appName: ucs2At(buf, 48),
    database: ucs2At(buf, 68),
  };
}

/** ALL_HEADERS: the transaction descriptor is what matters here. */
function readAllHeaders(buf: Buffer): { offset: number; transactionDescriptor: Buffer | null } {
  const total = buf.readUInt32LE(0);
  let offset = 4;
  let transactionDescriptor: Buffer | null = null;
  while (offset < total) {
    const length = buf.readUInt32LE(offset);
    const type = buf.readUInt16LE(offset + 4);
    if (type === 2) transactionDescriptor = Buffer.from(buf.subarray(offset + 6, offset + 14));
    offset += length;
  }
  return { offset: total, transactionDescriptor };
}

export interface SqlBatch {
  readonly sql: string;
  readonly transactionDescriptor: Buffer | null;
}

export function parseSqlBatch(buf: Buffer): SqlBatch {
  const { offset, transactionDescriptor } = readAllHeaders(buf);
  return { sql: buf.toString('ucs2', offset), transactionDescriptor };
}

/** One RPC parameter, with the SQL Server type name the client declared for it. */
export interface RpcParam {
  /** Without the leading `@`. */
  readonly name: string;
  readonly typeName: string;
  readonly value: unknown;
}

export interface RpcRequest {
  /** A well-known procedure id (10 = sp_executesql) or a procedure name. */
  readonly procedure: number | string;
  readonly params: readonly RpcParam[];
  readonly transactionDescriptor: Buffer | null;
}

/**
 * GUID parameters are kept as lower-case text: SQL Server compares UNIQUEIDENTIFIER values (and text
 * converted to them) regardless of letter case, which SQLite text comparison does not.
 */
const VALUE_OPTIONS = { useUTC: true, tdsVersion: '7_4', lowerCaseGuids: true } as unknown as Parameters<
  typeof readValue
>[3];
const PLP_MAX = 0xffff;

export function parseRpc(buf: Buffer): RpcRequest {
  const headers = readAllHeaders(buf);
  let offset = headers.offset;
  let procedure: number | string;
  const nameLength = buf.readUInt16LE(offset);
  offset += 2;
  if (nameLength === 0xffff) {
    procedure = buf.readUInt16LE(offset);
    offset += 2;
  } else {
    procedure = buf.toString('ucs2', offset, offset + nameLength * 2);
    offset += nameLength * 2;
  }
  offset += 2; // option flags
  const params: RpcParam[] = [];
  while (offset < buf.length) {
    const nameChars = buf.readUInt8(offset);
    offset += 1;
    const name = buf.toString('ucs2', offset, offset + nameChars * 2).replace(/^@/, '');
    offset += nameChars * 2;
    offset += 1; // status flags (output parameters are not used by the adapter)
    const typeInfo = readTypeInfo(buf, offset);
    offset = typeInfo.offset;
    const metadata = typeInfo.metadata;
    let value: unknown;
    if (isPlp(metadata)) {
      ({ value, offset } = readPlp(buf, offset, metadata));
    } else {
      ({ value, offset } = readValue(buf, offset, metadata, VALUE_OPTIONS));
    }
    params.push({ name, typeName: metadata.type.name, value });
  }
  return { procedure, params, transactionDescriptor: headers.transactionDescriptor };
}

function metadataOf(typeId: number, extra: Partial<Metadata>): Metadata {
  const type = TYPE[typeId];
  if (!type) throw new Error(`unsupported parameter type 0x${typeId.toString(16)}`);
  return {
    userType: 0,
    flags: 0,
    type,
    collation: undefined,
    precision: undefined,
    scale: undefined,
    dataLength: undefined,
    schema: undefined,
    udtInfo: undefined,
    ...extra,
  };
}

/** TYPE_INFO ([MS-TDS] §2.2.5.6) of the types a parameter can have here. */
function readTypeInfo(buf: Buffer, start: number): { metadata: Metadata; offset: number } {
  let offset = start;
  const typeId = buf.readUInt8(offset);
  offset += 1;
  const name = TYPE[typeId]?.name;
  switch (name) {
    case 'IntN':
    case 'BitN':
    case 'FloatN':
    case 'MoneyN':
    case 'DateTimeN':
    case 'UniqueIdentifier':
      return { metadata: metadataOf(typeId, { dataLength: buf.readUInt8(offset) }), offset: offset + 1 };
    case 'DateTime2':
    case 'Time':
    case 'DateTimeOffset':
      return { metadata: metadataOf(typeId, { scale: buf.readUInt8(offset) }), offset: offset + 1 };
    case 'Date':
      return { metadata: metadataOf(typeId, {}), offset };
    case 'DecimalN':
    case 'NumericN':
      return {
        metadata: metadataOf(typeId, {
          dataLength: buf.readUInt8(offset),
          precision: buf.readUInt8(offset + 1),
          scale: buf.readUInt8(offset + 2),
        }),
        offset: offset + 3,
      };
    case 'NVarChar':
    case 'VarChar':
    case 'NChar':
    case 'Char': {
      const dataLength = buf.readUInt16LE(offset);
      const collation = readCollation(buf, offset + 2);
      return { metadata: metadataOf(typeId, { dataLength, collation: collation.value }), offset: collation.offset };
    }
    case 'VarBinary':
    case 'Binary':
      return { metadata: metadataOf(typeId, { dataLength: buf.readUInt16LE(offset) }), offset: offset + 2 };
    default:
      throw new Error(`the TDS test server does not accept parameters of type ${name ?? `0x${typeId.toString(16)}`}`);
  }
}

function isPlp(metadata: Metadata): boolean {
  return metadata.dataLength === PLP_MAX && ['NVarChar', 'VarChar', 'VarBinary'].includes(metadata.type.name);
}

/** A PARTLENTYPE value: 8-byte total length (or NULL / unknown), then chunks until a zero length. */
function readPlp(buf: Buffer, start: number, metadata: Metadata): { value: unknown; offset: number } {
  let offset = start;
  const total = buf.readBigUInt64LE(offset);
  offset += 8;
  if (total === 0xffffffffffffffffn) return { value: null, offset };
  const chunks: Buffer[] = [];
  for (;;) {
    const length = buf.readUInt32LE(offset);
    offset += 4;
    if (length === 0) break;
    chunks.push(buf.subarray(offset, offset + length));
    offset += length;
  }
  const data = Buffer.concat(chunks);
  const name = metadata.type.name;
  const value = name === 'NVarChar' ? data.toString('ucs2') : name === 'VarChar' ? data.toString('latin1') : data;
  return { value, offset };
}

export interface TransactionManagerRequest {
  /** 5 begin, 7 commit, 8 rollback, 9 save. */
  readonly requestType: number;
  readonly transactionDescriptor: Buffer | null;
}

export function parseTransactionManager(buf: Buffer): TransactionManagerRequest {
  const { offset, transactionDescriptor } = readAllHeaders(buf);
  return { requestType: buf.readUInt16LE(offset), transactionDescriptor };
}

export const TM = { BEGIN: 5, COMMIT: 7, ROLLBACK: 8, SAVE: 9 } as const;
