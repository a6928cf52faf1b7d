export { closeAccount, closedAccounts, isClosedAccount } from "./closed-accounts";
export { currentTokensOnly } from "./current-tokens";
export { recordRoleChange, roleChanges } from "./role-changes";
export {
  assertOwnerOr,
  authenticate,
  principalOf,
  requireRole,
  visibleOrNotFound,
  type PrincipalCheck,
} from "./guard";
export { loadSigningKey, type SigningKey } from "./keys";
export { ROLES, type Role } from "./roles";
/** Key files that replicas starting together must write once, whole (the session key too). */
export { writeOnce } from "../events/keys";
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
