import type { RateLimitPolicies } from "../edge/rate-limit";
import type { RouteRule } from "../routes-table";
import { openApiDocument, type OpenApiDocument } from "./openapi";
import { docsPage } from "./page";

export interface Docs {
  document(): OpenApiDocument;
  page(): string;
}

/**
 * The document and its page, built on the first request for either rather than at start-up: turning every
 * schema into JSON Schema takes milliseconds that a cold start (scale from zero) should not pay.
 */
export function lazyDocs(rules: readonly RouteRule[], limits: RateLimitPolicies): Docs {
  let built: { document: OpenApiDocument; page: string } | undefined;
  const build = () => {
    const document = openApiDocument(rules, limits);
    return { document, page: docsPage(document) };
  };
  return {
    document: () => (built ??= build()).document,
    page: () => (built ??= build()).page,
  };
}
