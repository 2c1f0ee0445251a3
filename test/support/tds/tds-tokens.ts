import { Collation } from 'tedious/lib/collation';
import type { DataType, ParameterData } from 'tedious/lib/data-type';
import WritableTrackingBuffer from 'tedious/lib/tracking-buffer/writable-tracking-buffer';

/**
 * Encoders for the TDS 7.4 tokens a server sends ([MS-TDS] §2.2.7). tedious is a client, so it has
 * parsers for these tokens but no writers; values and TYPE_INFO are written with tedious's own
 * data-type writers (the ones it uses for RPC parameters), which produce the same bytes a ROW or
 * COLMETADATA token carries.
 */

/** Token type bytes. */
export const TOKEN = {
  COLMETADATA: 0x81,
  ERROR: 0xaa,
  INFO: 0xab,
  LOGINACK: 0xad,
  ROW: 0xd1,
  ENVCHANGE: 0xe3,
  RETURNSTATUS: 0x79,
  DONE: 0xfd,
  DONEPROC: 0xfe,
  DONEINPROC: 0xff,
} as const;

/** DONE status bits. */
export const DONE = {
  FINAL: 0x00,
  MORE: 0x01,
  ERROR: 0x02,
  INXACT: 0x04,
  COUNT: 0x10,
  ATTN: 0x20,
} as const;

/** DONE CurCmd values SQL Server reports for the statements this server runs. */
export const CURCMD = { SELECT: 0xc1, INSERT: 0xc3, DELETE: 0xc4, UPDATE: 0xc5, OTHER: 0x00 } as const;

/** ENVCHANGE types. */
export const ENVCHANGE = {
  DATABASE: 1,
  PACKET_SIZE: 4,
  SQL_COLLATION: 7,
  BEGIN_TXN: 8,
  COMMIT_TXN: 9,
  ROLLBACK_TXN: 10,
} as const;

/** SQL_Latin1_General_CP1_CI_AS, the default collation of a SQL Server install (LCID 1033, sort id 52). */
export const SERVER_COLLATION = Collation.fromBuffer(Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]));

/** TDS 7.4, as LOGINACK spells it (big-endian). */
const TDS_7_4 = 0x74000004;

/** tedious's writers read `useUTC` from the connection options; UTC is what the adapter sends. */
const WRITE_OPTIONS = { useUTC: true } as unknown as Parameters<DataType['writeValue']>[2];

function withLength(type: number, body: Buffer): Buffer {
  const buffer = new WritableTrackingBuffer();
  buffer.writeUInt8(type);
  buffer.writeUInt16LE(body.length);
  buffer.writeBuffer(body);
  return buffer.data;
}

export function envChangeText(type: number, newValue: string, oldValue: string): Buffer {
  const body = new WritableTrackingBuffer();
  body.writeUInt8(type);
  body.writeBVarchar(newValue, 'ucs2');
  body.writeBVarchar(oldValue, 'ucs2');
  return withLength(TOKEN.ENVCHANGE, body.data);
}

export function envChangeBytes(type: number, newValue: Buffer, oldValue: Buffer): Buffer {
  const body = new WritableTrackingBuffer();
  body.writeUInt8(type);
  body.writeUInt8(newValue.length);
  body.writeBuffer(newValue);
  body.writeUInt8(oldValue.length);
  body.writeBuffer(oldValue);
  return withLength(TOKEN.ENVCHANGE, body.data);
}

export function loginAck(progName: string): Buffer {
  const body = new WritableTrackingBuffer();
  body.writeUInt8(1); // interface: SQL_TSQL
  body.writeUInt32BE(TDS_7_4);
  body.writeBVarchar(progName, 'ucs2');
  // Version 16.0.1000.0, as SQL Server 2022 reports it.
  body.writeUInt8(16);
  body.writeUInt8(0);
  body.writeUInt8(0x03);
  body.writeUInt8(0xe8);
  return withLength(TOKEN.LOGINACK, body.data);
}

export interface ServerMessage {
  readonly number: number;
  readonly state: number;
  /** Severity: > 10 is an error (ERROR token), ≤ 10 an informational message (INFO token). */
  readonly class: number;
  readonly message: string;
}

export function messageToken(serverName: string, m: ServerMessage): Buffer {
  const body = new WritableTrackingBuffer();
  body.writeInt32LE(m.number);
  body.writeUInt8(m.state);
  body.writeUInt8(m.class);
  body.writeUsVarchar(m.message, 'ucs2');
  body.writeBVarchar(serverName, 'ucs2');
  body.writeBVarchar('', 'ucs2'); // procedure name
  body.writeInt32LE(1); // line number
  return withLength(m.class > 10 ? TOKEN.ERROR : TOKEN.INFO, body.data);
}

export function done(token: number, status: number, curCmd: number, rowCount: number): Buffer {
  const buffer = new WritableTrackingBuffer();
  buffer.writeUInt8(token);
  buffer.writeUInt16LE(status);
  buffer.writeUInt16LE(curCmd);
  buffer.writeBigUInt64LE(BigInt(rowCount));
  return buffer.data;
}

export function returnStatus(value: number): Buffer {
  const buffer = new WritableTrackingBuffer();
  buffer.writeUInt8(TOKEN.RETURNSTATUS);
  buffer.writeInt32LE(value);
  return buffer.data;
}

/** A result column: its name and the SQL Server type it is sent as. */
export interface ResultColumn {
  readonly name: string;
  readonly type: DataType;
  /** Characters for NVARCHAR (65535 = MAX), scale for DATETIME2. */
  readonly length?: number;
  readonly scale?: number;
}

function parameterData(column: ResultColumn, value: unknown): ParameterData {
  return {
    value,
    ...(column.length !== undefined ? { length: column.length } : {}),
    ...(column.scale !== undefined ? { scale: column.scale } : {}),
    collation: SERVER_COLLATION,
  };
}

export function colMetadata(columns: readonly ResultColumn[]): Buffer {
  const buffer = new WritableTrackingBuffer();
  buffer.writeUInt8(TOKEN.COLMETADATA);
  buffer.writeUInt16LE(columns.length);
  for (const column of columns) {
    buffer.writeUInt32LE(0); // user type
    buffer.writeUInt16LE(0x0001 | 0x0008); // nullable, updateable unknown
    column.type.writeTypeInfo(buffer, parameterData(column, null), WRITE_OPTIONS);
    buffer.writeBVarchar(column.name, 'ucs2');
  }
  return buffer.data;
}

export function row(columns: readonly ResultColumn[], values: readonly unknown[]): Buffer {
  const buffer = new WritableTrackingBuffer();
  buffer.writeUInt8(TOKEN.ROW);
  columns.forEach((column, i) => {
    const written = column.type.writeValue(buffer, parameterData(column, values[i] ?? null), WRITE_OPTIONS);
    if (written !== undefined) throw new Error('streamed values are not supported by the TDS test server');
  });
  return buffer.data;
}
