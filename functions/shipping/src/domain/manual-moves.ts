import { eq } from "drizzle-orm";
import { NotFound } from "@bazaar/shared/errors";
import type { Outbox, TraceContext } from "@bazaar/shared/events";
import type { ShippingSchema } from "../db";
import { shipments } from "../db/schema";
import type { Shipment } from "./shipments";
import { assertTransition } from "./transitions";

const eventOf = {
  dispatched: "bazaar.shipment.dispatched",
  delivered: "bazaar.shipment.delivered",
} as const;

/** Staff move a shipment one step along (else 409), and the step is announced to the order saga. */
export async function moveByHand(
  outbox: Outbox<ShippingSchema>,
  trace: TraceContext,
  id: number,
  status: keyof typeof eventOf,
): Promise<Shipment> {
  return outbox.write(trace, async (tx, emit) => {
    const [shipment] = await tx.select().from(shipments).where(eq(shipments.id, id));
    if (!shipment) throw new NotFound(`shipment ${id} not found`);
    assertTransition(shipment, status);
    const [row] = await tx
      .update(shipments)
      .set({ status, updatedAt: new Date().toISOString() })
      .where(eq(shipments.id, id))
      .returning();
    if (!row) throw new NotFound(`shipment ${id} not found`);
    emit(
      eventOf[status],
      {
        order_id: row.orderId,
        customer_id: row.customerId,
        shipment_id: row.id,
        tracking_number: row.trackingNumber,
      },
      row.orderId,
    );
    return row;
  });
}
