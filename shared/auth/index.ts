export { assertOwnerOr, authenticate, principalOf, requireRole } from "./guard";
export { loadSigningKey, type SigningKey } from "./keys";
export {
  createTokenVerifier,
  localKeys,
  remoteKeys,
  signAccessToken,
  verifierFromConfig,
  type TokenSettings,
  type TokenVerifier,
} from "./tokens";
