/** Every role an account can hold, the one list the token check, the schemas and the tables derive from. */
export const ROLES = ["customer", "staff", "admin"] as const;

export type Role = (typeof ROLES)[number];
