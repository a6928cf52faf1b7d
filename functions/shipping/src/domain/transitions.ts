import { Conflict } from "@bazaar/shared/errors";
import type { ShipmentStatus } from "../db/schema";

/** A shipment moves one way: scheduled -> dispatched -> delivered; only a scheduled one can be cancelled. */
const nextOf: Record<ShipmentStatus, ShipmentStatus | undefined> = {
  scheduled: "dispatched",
  dispatched: "delivered",
  delivered: undefined,
  cancelled: undefined,
};

export const canCancel = (status: ShipmentStatus): boolean => status === "scheduled";

/** Throws a Conflict that says what the shipment can still become. */
export function assertTransition(shipment: { id: number; status: ShipmentStatus }, to: ShipmentStatus): void {
  const { id, status } = shipment;
  const allowed = nextOf[status];
  if (allowed === to) return;
  if (status === to) throw new Conflict(`shipment ${id} is already ${to}`);
  throw new Conflict(
    allowed
      ? `shipment ${id} is ${status}: it can become ${allowed}, not ${to}`
      : `shipment ${id} is ${status}: its status can no longer change`,
  );
}
