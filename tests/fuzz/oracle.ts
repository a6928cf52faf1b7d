/**
 * What every answer to any request must look like, however bad the request: never a 5xx, an error is an
 * RFC 9457 problem whose `status` is the HTTP status, and a success is JSON.
 */

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
}

export interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
}

/** Sends exactly what it is given; answers with the raw status, content type and text. */
export async function send(request: Sent): Promise<RawAnswer> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body ?? null,
    ...(request.body instanceof ReadableStream && { duplex: "half" }),
  } as RequestInit);
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    text: await response.text(),
  };
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Undefined when the answer is acceptable; else what is wrong with it. */
export function judge(answer: RawAnswer): string | undefined {
  const { status, contentType, text } = answer;
  if (status >= 500) return `${status}: a server error for a client's request`;
  if (status >= 300 && status < 400) return `${status}: unexpected redirect`;
  if (status >= 400) {
    if (!contentType.startsWith("application/problem+json"))
      return `${status} with content-type ${contentType}`;
    const problem = parse(text) as Record<string, unknown> | undefined;
    if (!problem) return `${status}: problem body is not JSON`;
    if (problem["status"] !== status) return `${status}: problem says status ${String(problem["status"])}`;
    for (const field of ["type", "title", "detail"])
      if (typeof problem[field] !== "string") return `${status}: problem has no ${field}`;
    return undefined;
  }
  if (text && !contentType.startsWith("application/json"))
    return `${status} with content-type ${contentType}`;
  if (text && parse(text) === undefined) return `${status}: body is not JSON`;
  return undefined;
}
