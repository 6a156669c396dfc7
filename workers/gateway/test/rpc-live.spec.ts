import { exports } from "cloudflare:workers";
import type { GatewayCall } from "@penumbra/core/contracts";
import { describe, expect, it } from "vitest";
import { call, createKey } from "./helpers.ts";

// `GatewayRpc.call` says `live` only when the Account DO confirmed the caller's credential and key during that very
// call: the MCP Worker then skips its own `identify` for the request (docs/auth.md). Anything else must not say it.

const FREE: GatewayCall = {
	method: "POST",
	path: "/v1/services/skycast/tools/get_current_conditions",
	body: { parameters: { city: "lisbon" } },
};

describe("GatewayRpc.call's live flag", () => {
	it("is set when a metered call, or a route that asks, confirmed the key live; never after revocation", async () => {
		const account = await createKey("authenticated", "rpc-live@example.com", 500);
		const rpc = exports.GatewayRpc;
		const keyId = (await rpc.identify(account.key))?.key_id;
		expect(keyId).toEqual(expect.stringMatching(/^key_/));
		const asKey = (c: GatewayCall) => rpc.call(account.id, { ...c, key_id: keyId });

		const ran = await asKey(FREE);
		expect(ran).toMatchObject({ status: 200, live: true });
		expect(await asKey({ method: "GET", path: "/v1/account" })).toMatchObject({ status: 200, live: true });
		// Refused before the Account DO was asked (a parameter error): nothing was confirmed.
		const invalid = await asKey({ ...FREE, body: { parameters: { city: 42 } } });
		expect(invalid.status, invalid.body).toBe(400);
		expect(invalid.body).not.toContain("upstream_status");
		expect(invalid.live).toBeUndefined();
		// Anonymous: there is no one to confirm.
		const anonymous = await rpc.call(null, FREE);
		expect(anonymous.live).toBeUndefined();

		const revoked = await call(`/v1/account/keys/${keyId}`, {
			key: account.ownerKey,
			method: "DELETE",
		});
		expect(revoked.status).toBe(204);
		for (const c of [FREE, { method: "GET", path: "/v1/account" } as const]) {
			const refused = await asKey(c);
			expect(refused.status).toBe(401);
			expect(refused.live).toBeUndefined();
		}
	});
});
