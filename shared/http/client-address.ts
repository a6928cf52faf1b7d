import { BlockList, isIP } from "node:net";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { commaSeparated } from "../config";

/**
 * Who is on the other end, as far as this function can prove it: the gateway rate-limits anonymous callers
 * by it, the customer function throttles failed logins by it.
 */
export interface Client {
  /** The client's IP. */
  address: string;
  /** X-Forwarded-For to send upstream: the client, then every proxy after it, ending with our socket peer. */
  forwardedFor: string;
  /** X-Forwarded-Proto to send upstream. */
  proto: "http" | "https";
}

/** The address as the socket reports it; IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d. */
const plain = (address: string): string => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");

export function isAddressOrCidr(value: string): boolean {
  const [address = "", prefix, ...rest] = value.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * The proxies whose X-Forwarded-For this function believes; undefined for none (the common case, and a
 * BlockList check parses the address anew each time). Values were checked by isAddressOrCidr.
 */
export function trustedProxies(items: readonly string[]): BlockList | undefined {
  if (items.length === 0) return undefined;
  const list = new BlockList();
  for (const item of items) {
    const [address = "", prefix] = item.split("/");
    const type = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

const isTrusted = (trusted: BlockList | undefined, address: string): boolean => {
  if (!trusted) return false;
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 6 ? "ipv6" : "ipv4");
};

/**
 * Finds the client the way nginx's real_ip_recursive does: start at the socket's peer and walk X-Forwarded-For
 * from the right while the hop is a trusted proxy. With no trusted proxies the client is the socket's peer,
 * and whatever a client wrote into X-Forwarded-For or X-Forwarded-Proto is ignored.
 */
export function resolveClient(
  socketAddress: string,
  headers: { forwardedFor?: string | undefined; forwardedProto?: string | undefined },
  trusted: BlockList | undefined,
): Client {
  const chain = [
    ...(headers.forwardedFor ?? "")
      .split(",")
      .map((hop) => plain(hop.trim()))
      .filter(Boolean),
    plain(socketAddress),
  ];
  let index = chain.length - 1;
  while (index > 0 && isTrusted(trusted, chain[index] ?? "")) index -= 1;
  const peerIsTrusted = isTrusted(trusted, plain(socketAddress));
  const claimedProto = headers.forwardedProto?.split(",")[0]?.trim().toLowerCase();
  return {
    address: chain[index] ?? plain(socketAddress),
    forwardedFor: chain.slice(index).join(", "),
    proto: peerIsTrusted && claimedProto === "https" ? "https" : "http",
  };
}

/** The peer of the TCP connection (Node server); "unknown" when the app runs without one (app.request). */
export function socketAddressOf(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Finds the client of a request: resolveClient over the socket's peer and the forwarding headers. */
export const clientOf = (c: Context, trusted: BlockList | undefined): Client =>
  resolveClient(
    socketAddressOf(c),
    { forwardedFor: c.req.header("x-forwarded-for"), forwardedProto: c.req.header("x-forwarded-proto") },
    trusted,
  );

/** A config value: proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For is believed. */
export const trustedProxyList = commaSeparated.refine(
  (items) => items.every(isAddressOrCidr),
  "must be IP addresses or CIDRs",
);
