import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "@bazaar/shared/db";
import type { CustomerSchema } from "../db";
import { customers } from "../db/schema";
import { hashPassword } from "./passwords";

/**
 * The first admin, from ADMIN_EMAIL / ADMIN_PASSWORD. Without a password one is generated and printed once;
 * after that the account exists and nothing is printed again.
 */
export async function ensureAdmin(
  database: Database<CustomerSchema>,
  options: { email: string; password: string | undefined; scryptCost: number; logger: Logger },
): Promise<void> {
  const email = options.email.toLowerCase();
  const [existing] = await database.db
    .select({ id: customers.id })
    .from(customers)
    .where(eq(customers.email, email));
  if (existing) return;
  const password = options.password ?? randomBytes(12).toString("base64url");
  const passwordHash = await hashPassword(password, options.scryptCost);
  const now = new Date().toISOString();
  // Replicas starting together may all get here: only the one whose insert made the account may say so, or
  // a generated password that lost the race would be printed as if it worked.
  const created = await database.write((tx) =>
    tx
      .insert(customers)
      .values({ name: "Administrator", email, passwordHash, role: "admin", createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning({ id: customers.id }),
  );
  if (created.length === 0) return;
  if (!options.password) {
    process.stdout.write(
      `\n  Bazaar admin created: ${email} / ${password}\n  (shown once; set ADMIN_PASSWORD to choose it)\n\n`,
    );
  }
  options.logger.info({ email }, "admin account created");
}
