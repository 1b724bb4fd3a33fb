import assert from "node:assert/strict";
import { clientAddress, isHttpsRequest, isLoopback, safeRedirectPath } from "./client_address.ts";

const info = (hostname: string) =>
  ({ remoteAddr: { transport: "tcp", hostname, port: 1234 } }) as Deno.ServeHandlerInfo;

Deno.test("Client address - taken from the connection; X-Forwarded-For ignored by default", () => {
  const req = new Request("http://x/", { headers: { "x-forwarded-for": "1.2.3.4" } });
  assert.equal(clientAddress(req, info("10.0.0.5"), 0), "10.0.0.5");
});

Deno.test("Client address - with TRUST_PROXY=n, the n-th hop from the right", () => {
  const req = new Request("http://x/", {
    headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.7, 10.0.0.2" },
  });
  assert.equal(clientAddress(req, info("10.0.0.1"), 1), "10.0.0.2");
  assert.equal(clientAddress(req, info("10.0.0.1"), 2), "203.0.113.7");
  assert.equal(clientAddress(new Request("http://x/"), info("10.0.0.1"), 1), "10.0.0.1");
});

Deno.test("Client address - HTTPS from PUBLIC_URL or a trusted proxy only", () => {
  const forwarded = new Request("http://x/", { headers: { "x-forwarded-proto": "https" } });
  assert.equal(isHttpsRequest(forwarded, { trustedProxies: 0 }), false);
  assert.equal(isHttpsRequest(forwarded, { trustedProxies: 1 }), true);
  assert.equal(
    isHttpsRequest(new Request("http://x/"), { publicUrl: "https://a.example", trustedProxies: 0 }),
    true,
  );
  assert.ok(isLoopback("127.0.0.1") && isLoopback("::1") && !isLoopback("10.0.0.1"));
});

Deno.test("Redirects - every next= variant stays on the site", () => {
  const origin = "http://localhost:8000";
  const offSite = [
    "//evil.example",
    "/\t/evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "/\r\n/evil.example",
    "/%0d/x\r\nSet-Cookie: a=b",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "/.//evil.example",
    " /evil",
    "",
  ];
  for (const value of offSite) {
    const path = safeRedirectPath(value, origin);
    const resolved = new URL(path, origin);
    assert.equal(resolved.origin, origin, `${JSON.stringify(value)} -> ${path}`);
    assert.ok(!/[\r\n\t]/.test(path), `${JSON.stringify(value)} -> ${JSON.stringify(path)}`);
    assert.ok(!path.startsWith("//"), JSON.stringify(value));
  }
  assert.equal(safeRedirectPath("/posts/1?x=2#c", origin), "/posts/1?x=2#c");
  assert.equal(safeRedirectPath("/%2F%2Fevil.example", origin), "/%2F%2Fevil.example");
  assert.equal(safeRedirectPath("/%0d/x", origin), "/%0d/x");
});
