import { createHash } from "node:crypto";
import { script } from "./script";
import { stylesheet } from "./style";

export interface Asset {
  path: string;
  body: string;
  type: string;
}

/** Named by their content's digest, so a browser may keep them for good and a new release is fetched anew. */
const asset = (name: string, extension: string, body: string, type: string): Asset => ({
  path: `/assets/${name}.${createHash("sha256").update(body).digest("hex").slice(0, 12)}.${extension}`,
  body,
  type,
});

export const assets = {
  css: asset("bazaar", "css", stylesheet, "text/css; charset=utf-8"),
  js: asset("bazaar", "js", script, "text/javascript; charset=utf-8"),
};
