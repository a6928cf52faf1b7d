import type { IncomingMessage } from "node:http";

/** An answer longer than its reader will hold in memory. */
export class AnswerTooLarge extends Error {
  override readonly name = "AnswerTooLarge";
  constructor(readonly limitBytes: number) {
    super(`the answer exceeds ${limitBytes} bytes`);
  }
}

/**
 * The whole body of an answer (or of a request, on a server); rejects when it is cut off, or with
 * AnswerTooLarge, having dropped the connection, as soon as its Content-Length or the bytes received exceed
 * `limitBytes`. Events rather than `for await`, whose async iterator adds a generator, stream listeners and
 * promises to every read of every event a function receives.
 */
export function readWholeBody(incoming: IncomingMessage, limitBytes = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const tooLarge = (): void => {
      reject(new AnswerTooLarge(limitBytes)); // first: destroying the message emits "aborted"
      chunks.length = 0;
      // Unread bytes stay on the connection, so it cannot carry another request: it goes.
      incoming.destroy();
    };
    if (Number(incoming.headers["content-length"]) > limitBytes) return tooLarge();
    incoming.on("data", (chunk: Buffer) => {
      received += chunk.byteLength;
      if (received > limitBytes) tooLarge();
      else chunks.push(chunk);
    });
    incoming.on("error", reject);
    incoming.on("aborted", () => reject(new Error("the body was cut off")));
    incoming.on("end", () => resolve(Buffer.concat(chunks)));
  });
}
