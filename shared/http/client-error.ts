import type { Socket } from "node:net";
import { problem } from "./problem";

/** Node's parser codes for what it refuses before the app sees a request, and the status Node gives each. */
const statusOf: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const detailOf: Record<number, string> = {
  400: "The request is not valid HTTP/1.1.",
  408: "The request was not received in time.",
  413: "The chunk extensions of the request's body are too large.",
  431: "The request's header fields are too large.",
};

/**
 * Node's HTTP server answers what its parser refuses (an unknown method, a header block over the limit, a request
 * that never finished) with an empty body. This gives those the problem+json body of every other error, on the
 * same terms as Node's own handler: only on a connection that has sent nothing yet, then the connection closes.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (socket.writable && socket.bytesWritten === 0) {
    const status = statusOf[error.code ?? ""] ?? 400;
    const body = problem(status, detailOf[status] ?? "The request is not valid HTTP/1.1.");
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${body.title}\r\n` +
        "Content-Type: application/problem+json\r\n" +
        `Content-Length: ${Buffer.byteLength(json)}\r\n` +
        `Connection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}
