import * as z from "zod";

/** Every function of Bazaar and its port in dev (the original's ports; dead-letters is new). */
export const devPorts = {
  gateway: 8080,
  customer: 5001,
  inventory: 5002,
  order: 5003,
  payment: 5004,
  shipping: 5005,
  notification: 5006,
  "dead-letters": 5007,
} as const;

/** A function: one Knative Service. (The dev broker is no function; scripts/dev/services.ts runs it too.) */
export type ServiceName = keyof typeof devPorts;

export const functionNames = Object.keys(devPorts) as ServiceName[];

/** The env var that holds a service's base URL: order -> ORDER_URL, dead-letters -> DEAD_LETTERS_URL. */
export const urlVariableOf = (service: string): string => `${service.toUpperCase().replaceAll("-", "_")}_URL`;

const defaultUrl = (service: ServiceName): string => `http://127.0.0.1:${devPorts[service]}`;

/**
 * Base URLs of the other functions, for the few synchronous calls (and the gateway's routing). In a cluster
 * they are the cluster-local Knative URLs, e.g. http://inventory.bazaar.svc.cluster.local.
 */
export const serviceUrlsSchema = z.object({
  GATEWAY_URL: z.url().default(defaultUrl("gateway")),
  CUSTOMER_URL: z.url().default(defaultUrl("customer")),
  INVENTORY_URL: z.url().default(defaultUrl("inventory")),
  ORDER_URL: z.url().default(defaultUrl("order")),
  PAYMENT_URL: z.url().default(defaultUrl("payment")),
  SHIPPING_URL: z.url().default(defaultUrl("shipping")),
  NOTIFICATION_URL: z.url().default(defaultUrl("notification")),
  DEAD_LETTERS_URL: z.url().default(defaultUrl("dead-letters")),
});

export const serviceUrl = (config: Record<string, unknown>, service: ServiceName): string =>
  String(config[urlVariableOf(service)] ?? defaultUrl(service));
