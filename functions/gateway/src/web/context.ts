import type { BlockList } from "node:net";
import type { AppVariables } from "@bazaar/shared/http";
import type { WebApi } from "./api";
import type { Sealer } from "./session/seal";
import type { WebSession } from "./session/session";

/** What every web request carries besides the shared app's variables. */
export interface WebVariables extends AppVariables {
  session: WebSession;
  api: WebApi;
  /** Whether the browser reached us over HTTPS (as a trusted proxy says): the cookie is then Secure. */
  secure: boolean;
}

export interface WebEnv {
  Variables: WebVariables;
}

/** Hands a request to the gateway's own routing, as if it had come from outside. */
export type Dispatch = (request: Request, env: unknown) => Response | Promise<Response>;

/** Made once per gateway: what the pages share. */
export interface WebKit {
  sealer: Sealer;
  sessionMaxAgeSeconds: number;
  trusted: BlockList | undefined;
  dispatch: Dispatch;
}
