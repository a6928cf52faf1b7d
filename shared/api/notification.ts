import * as z from "zod";
import { booleanFlag, id, idParam, limit, page } from "./fields";
import type { OperationInputs } from "./operations";

/** Filters and paging shared by both list routes. */
const listFields = { unread: booleanFlag, limit, page };

export const listQuery = z.strictObject({ ...listFields, customer_id: id.optional() });
export const customerListQuery = z.strictObject(listFields);
export { idParam };

export const inputs = {
  "GET /api/notifications": { query: listQuery },
  "GET /api/notifications/customer/:id": { params: idParam, query: customerListQuery },
  "POST /api/notifications/:id/read": { params: idParam },
  "POST /api/notifications/read-all": {},
} satisfies OperationInputs;
