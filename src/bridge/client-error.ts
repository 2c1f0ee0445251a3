import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger';
import { type BridgeFailure, bridgeFailure } from './status';

/**
 * Node's own verdicts on a connection, reached before fastify sees a request (so no route, hook or
 * error handler runs), → the bridge's answer. The `error` code is the §3 one for the kind of failure;
 * the status is what HTTP says for it, which is not always that code's usual status: a client too slow
 * to send its request is `timeout` with 408 (the client's fault), not 504 (the store's).
 * Returns null when nothing can or should be written (the peer reset the connection).
 */
export function failureFromClientError(code: string | undefined): BridgeFailure | null {
  switch (code) {
    case 'ECONNRESET':
      return null;
    // Both the headers timeout and the request timeout (slow-loris) arrive as this code.
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, error: 'timeout', message: 'request not received in time' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, error: 'invalid_request', message: 'request headers too large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return bridgeFailure('payload_too_large');
    default:
      return bridgeFailure('invalid_request', 'malformed HTTP request');
  }
}

/**
 * The server's `clientError` handler: writes the failure as a complete HTTP/1.1 response with the
 * JSON body every bridge error has (§3), then closes the connection once it is flushed. Nothing is
 * written when a response has already started on the socket (it would corrupt it): the socket is
 * just closed. The log line names Node's error code only: the error's `rawPacket` holds the client's
 * bytes, which may carry the bridge token or a password.
 */
export function createClientErrorHandler(logger: Logger): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    const failure = failureFromClientError(error.code);
    if (failure === null || socket.destroyed) {
      socket.destroy();
      return;
    }
    logger.info(
      { event: 'client_error', node_code: error.code ?? 'unknown', status: failure.status, outcome: failure.error },
      'connection refused before a request',
    );
    if (!socket.writable || responseStarted(socket)) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({ error: failure.error, message: failure.message });
    const head = [
      `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? 'Error'}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'cache-control: no-store',
      'connection: close',
    ].join('\r\n');
    // Closed once flushed; a peer that never reads is cut by the server's socket timeout.
    socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy());
  };
}

/** True when an http.ServerResponse has already sent its headers on this socket (Node's own guard). */
function responseStarted(socket: Socket): boolean {
  const message = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  return message?.headersSent === true;
}
