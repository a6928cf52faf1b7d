export { closeAccount, closedAccounts, isClosedAccount, openAccountsOnly } from "./closed-accounts";
export { assertOwnerOr, authenticate, principalOf, requireRole, type PrincipalCheck } from "./guard";
export { loadSigningKey, type SigningKey } from "./keys";
export {
  createTokenVerifier,
  VerifiedTokens,
  localKeys,
  remoteKeys,
  signAccessToken,
  verifierFromConfig,
  type TokenSettings,
  type TokenVerifier,
} from "./tokens";
