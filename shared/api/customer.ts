import * as z from "zod";
import { ROLES } from "../auth/roles";
import { atLeastOneField, idParam, limit, page } from "./fields";
import type { OperationInputs } from "./operations";

const name = z.string().trim().min(1, "must not be empty").max(100);
const email = z.email("must be an email address").max(254);
const password = z.string().min(8, "must have at least 8 characters").max(128);
const phone = z.string().trim().max(32).nullable();
const address = z.string().trim().max(500).nullable();
export const role = z.enum(ROLES);

export const registerBody = z.strictObject({
  name,
  email,
  password,
  phone: phone.optional(),
  address: address.optional(),
  role: role.optional(),
});
export const loginBody = z.strictObject({
  email: z.string().min(1).max(254),
  password: z.string().min(1).max(128),
});
export const refreshBody = z.strictObject({ refresh_token: z.string().min(1).max(200) });
export const updateBody = z
  .strictObject({
    name: name.optional(),
    email: email.optional(),
    password: password.optional(),
    phone: phone.optional(),
    address: address.optional(),
    role: role.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, "give at least one field to change")
  .meta(atLeastOneField);
export { idParam };
export const listQuery = z.strictObject({ limit, page });

export const inputs = {
  "POST /auth/register": { body: registerBody, conflict: "An account with this email already exists." },
  "POST /auth/login": { body: loginBody },
  "POST /auth/refresh": { body: refreshBody },
  "POST /auth/logout": { body: refreshBody },
  "GET /.well-known/jwks.json": {},
  "GET /api/customers": { query: listQuery },
  "GET /api/customers/:id": { params: idParam },
  "PUT /api/customers/:id": {
    params: idParam,
    body: updateBody,
    conflict: "Another account has this email, or the change would leave no admin.",
  },
  "DELETE /api/customers/:id": { params: idParam, conflict: "The account is the last admin." },
} satisfies OperationInputs;
