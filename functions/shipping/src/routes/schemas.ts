import { z } from "zod";
import { shipmentStatuses } from "../db/schema";
import { TRACKING_NUMBER } from "../domain/labels";

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const idParam = z.strictObject({ id });
export const orderIdParam = z.strictObject({ order_id: id });
export const trackingParam = z.strictObject({
  tracking_number: z
    .string()
    .trim()
    .toUpperCase()
    .regex(TRACKING_NUMBER, "must be BZ followed by 12 letters or digits"),
});
export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  status: z.enum(shipmentStatuses).optional(),
});
/** Staff move a shipment forward; cancelling is the order saga's job, not a status update. */
export const statusBody = z.strictObject({ status: z.enum(["dispatched", "delivered"]) });
