import * as z from "zod";
import { booleanFlag, idParam, limit, page } from "./fields";
import type { OperationInputs } from "./operations";

export const listQuery = z.strictObject({
  type: z.string().trim().min(1).max(200).optional(),
  replayed: booleanFlag,
  limit,
  page,
});
export { idParam };

export const inputs = {
  "GET /api/dead-letters": { query: listQuery },
  "GET /api/dead-letters/:id": { params: idParam },
  "POST /api/dead-letters/:id/replay": {
    params: idParam,
    conflict: "The dead letter has no subscriber to go back to, or its signature no longer verifies.",
  },
  "DELETE /api/dead-letters/:id": { params: idParam },
} satisfies OperationInputs;
