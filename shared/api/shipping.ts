import * as z from "zod";
import { id, idParam, limit, page } from "./fields";
import type { OperationInputs } from "./operations";

export const shipmentStatuses = ["scheduled", "dispatched", "delivered", "cancelled"] as const;
/** `BZ` + 12 uppercase letters or digits. */
export const TRACKING_NUMBER = /^BZ[0-9A-Z]{12}$/;

export { idParam };
export const orderIdParam = z.strictObject({ order_id: id });
export const trackingParam = z.strictObject({
  tracking_number: z
    .string()
    .trim()
    .toUpperCase()
    .regex(TRACKING_NUMBER, "must be BZ followed by 12 letters or digits")
    .meta({ examples: ["BZ0123456789AB"] }),
});
export const listQuery = z.strictObject({ limit, page, status: z.enum(shipmentStatuses).optional() });
/** Staff move a shipment forward; cancelling is the order saga's job, not a status update. */
export const statusBody = z.strictObject({ status: z.enum(["dispatched", "delivered"]) });

export const inputs = {
  "GET /api/shipments": { query: listQuery },
  "GET /api/shipments/track/:tracking_number": { params: trackingParam },
  "GET /api/shipments/order/:order_id": { params: orderIdParam },
  "GET /api/shipments/:id": { params: idParam },
  "PATCH /api/shipments/:id/status": {
    params: idParam,
    body: statusBody,
    conflict: "The shipment is in that status already, or may not move to it from where it is.",
  },
} satisfies OperationInputs;
