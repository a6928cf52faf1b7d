import { describe, expect, it } from "vitest";
import { isAddressOrCidr, resolveClient, trustedProxies, trustedProxyList } from "./client-address";

const none = trustedProxies([]);
const cluster = trustedProxies(["10.0.0.0/8", "fd00::/8"]);

describe("resolveClient", () => {
  it("trusts nothing a client writes when no proxy is trusted", () => {
    expect(resolveClient("203.0.113.7", { forwardedFor: "1.2.3.4", forwardedProto: "https" }, none)).toEqual({
      address: "203.0.113.7",
      forwardedFor: "203.0.113.7",
      proto: "http",
    });
  });

  it("unwraps IPv4-mapped IPv6 socket addresses", () => {
    expect(resolveClient("::ffff:127.0.0.1", {}, none).address).toBe("127.0.0.1");
  });

  it("trusts an IPv4 proxy that reaches a dual-stack socket (a server on HOST=0.0.0.0 binds ::)", () => {
    const client = resolveClient(
      "::ffff:10.1.2.3",
      { forwardedFor: "198.51.100.9", forwardedProto: "https" },
      cluster,
    );
    expect(client).toEqual({
      address: "198.51.100.9",
      forwardedFor: "198.51.100.9, 10.1.2.3",
      proto: "https",
    });
  });

  it("walks X-Forwarded-For back through trusted proxies to the first untrusted hop", () => {
    const client = resolveClient(
      "10.1.2.3",
      { forwardedFor: "6.6.6.6, 198.51.100.9, 10.9.9.9", forwardedProto: "https" },
      cluster,
    );
    // 6.6.6.6 was written by the client itself; 198.51.100.9 is who connected to our first proxy.
    expect(client).toEqual({
      address: "198.51.100.9",
      forwardedFor: "198.51.100.9, 10.9.9.9, 10.1.2.3",
      proto: "https",
    });
  });

  it("ignores X-Forwarded-Proto from an untrusted peer", () => {
    expect(resolveClient("198.51.100.9", { forwardedProto: "https" }, cluster).proto).toBe("http");
  });
});

describe("isAddressOrCidr", () => {
  it.each([
    ["10.0.0.0/8", true],
    ["192.168.1.1", true],
    ["fd00::/8", true],
    ["10.0.0.0/33", false],
    ["10.0.0.0/8/1", false],
    ["example.com", false],
    ["10.0.0.0/x", false],
  ])("%s → %s", (value, ok) => {
    expect(isAddressOrCidr(value)).toBe(ok);
  });
});

describe("trustedProxyList", () => {
  it("reads a comma-separated list and refuses anything but addresses and CIDRs", () => {
    expect(trustedProxyList.parse(" 127.0.0.1, 10.244.0.0/16 ,")).toEqual(["127.0.0.1", "10.244.0.0/16"]);
    expect(trustedProxyList.parse(undefined)).toEqual([]);
    expect(trustedProxyList.safeParse("gateway.local").success).toBe(false);
  });
});
