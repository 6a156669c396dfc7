import { env, exports } from "cloudflare:workers";
import type { ApiKey } from "@penumbra/core/contracts";
import { hashApiKey } from "@penumbra/core/keys";
import { describe, expect, it } from "vitest";
import { MAX_LIVE_KEYS } from "../src/credentials.ts";
import { internalUrl } from "../src/rpc.ts";
import { call, createKey, expectProblem, json } from "./helpers.ts";

// API keys an account's owner makes for the same account: each acts as the credential, on REST and over RPC (which
// the MCP Worker's Bearer auth and the chat Worker use), until it or the credential is revoked. Only the owner
// (an owner key here; the signed-in person on the site) lists, makes and revokes them.

type KeyView = ApiKey;

const admin = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

async function newKey(ownerKey: string, name: string, owner = false): Promise<KeyView & { key: string }> {
	const response = await call("/v1/account/keys", { key: ownerKey, body: { name, owner } });
	expect(response.status, await response.clone().text()).toBe(201);
	return json<KeyView & { key: string }>(response);
}

async function keysOf(ownerKey: string): Promise<KeyView[]> {
	const response = await call("/v1/account/keys", { key: ownerKey });
	expect(response.status).toBe(200);
	return (await json<{ keys: KeyView[] }>(response)).keys;
}

describe("account API keys", () => {
	it("creates a key shown once, stored only as its SHA-256, that acts as the same account", async () => {
		const owner = await createKey("authenticated", "keys-owner@example.com", 1234);
		const created = await newKey(owner.ownerKey, "  Claude Desktop ");
		expect(created).toEqual({
			id: expect.stringMatching(/^key_[A-Za-z0-9]{20}$/),
			name: "Claude Desktop",
			authority: "agent",
			key: expect.stringMatching(/^unified-[A-Za-z0-9]{46}$/),
			key_prefix: created.key.slice(0, "unified-".length + 6),
			created_at: expect.any(String),
			revoked_at: null,
		});
		expect(created.key).not.toBe(owner.key);

		const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(created.id).first();
		expect(row).toMatchObject({ credential_id: owner.id, key_hash: await hashApiKey(created.key) });
		expect(JSON.stringify(row)).not.toContain(created.key);

		const listed = await keysOf(owner.ownerKey);
		expect(listed[0]).toEqual({
			id: created.id,
			name: "Claude Desktop",
			authority: "agent",
			key_prefix: created.key_prefix,
			created_at: created.created_at,
			revoked_at: null,
		});
		// The credential's first key (the owner key it was made with) and the helper's agent key are listed too.
		expect(listed.map((k) => [k.name, k.authority])).toEqual([
			["Claude Desktop", "agent"],
			["assistant", "agent"],
			["First key", "owner"],
		]);
		expect(JSON.stringify(listed)).not.toContain(created.key);

		// REST as Bearer and as X-API-Key: the same account, balance and all.
		const account = await json<{ credential_id: string; balance_cents: number; email: string }>(
			await call("/v1/account", { key: created.key }),
		);
		expect(account).toMatchObject({
			credential_id: owner.id,
			balance_cents: 1234,
			email: "keys-owner@example.com",
		});
		const viaHeader = await call("/v1/account", { headers: { "x-api-key": created.key } });
		expect((await json<{ credential_id: string }>(viaHeader)).credential_id).toBe(owner.id);

		// RPC identify is how the MCP Worker checks `Authorization: Bearer` on /mcp (and the chat Worker a key).
		expect(await exports.GatewayRpc.identify(created.key)).toEqual({
			credential_id: owner.id,
			level: "authenticated",
			email: "keys-owner@example.com",
			key_id: created.id,
			authority: "agent",
		});

		// An agent key cannot make another key (one that would outlive its own revocation), nor see the list.
		await expectProblem(
			await call("/v1/account/keys", { key: created.key, body: { name: "x" } }),
			403,
			"FORBIDDEN",
		);
		await expectProblem(await call("/v1/account/keys", { key: created.key }), 403, "FORBIDDEN");

		// An owner key can make another owner key, listed as such.
		const second = await newKey(owner.ownerKey, "my scripts", true);
		expect(second.authority).toBe("owner");
		expect((await keysOf(owner.ownerKey)).map((k) => k.id).slice(0, 2)).toEqual([second.id, created.id]);
	});

	it("revokes a key: refused from the next request on, on REST and RPC; other keys keep working", async () => {
		const owner = await createKey("authenticated", "keys-revoke@example.com", 0);
		const doomed = await newKey(owner.ownerKey, "laptop");
		const kept = await newKey(owner.ownerKey, "desktop");
		expect((await call("/v1/account", { key: doomed.key })).status).toBe(200);

		const revoked = await call(`/v1/account/keys/${doomed.id}`, { key: owner.ownerKey, method: "DELETE" });
		expect(revoked.status).toBe(204);
		expect(await revoked.text()).toBe("");

		const problem = await expectProblem(await call("/v1/account", { key: doomed.key }), 401, "AUTH_REQUIRED");
		expect(problem.detail).toMatch(/revoked/);
		expect(await exports.GatewayRpc.identify(doomed.key)).toBeNull();
		expect((await call("/v1/account", { key: kept.key })).status).toBe(200);
		expect((await call("/v1/account", { key: owner.key })).status).toBe(200);

		const listed = await keysOf(owner.ownerKey);
		expect(listed.find((k) => k.id === doomed.id)?.revoked_at).toEqual(expect.any(String));
		expect(listed.find((k) => k.id === kept.id)?.revoked_at).toBeNull();
		// Again: nothing changes.
		const again = await call(`/v1/account/keys/${doomed.id}`, { key: owner.ownerKey, method: "DELETE" });
		expect(again.status).toBe(204);
		expect((await keysOf(owner.ownerKey)).find((k) => k.id === doomed.id)?.revoked_at).toBe(
			listed.find((k) => k.id === doomed.id)?.revoked_at,
		);
	});

	it("never shows or revokes another account's keys: 404, and the key keeps working", async () => {
		const alice = await createKey("authenticated", "keys-alice@example.com", 0);
		const bob = await createKey("authenticated", "keys-bob@example.com", 0);
		const alices = await newKey(alice.ownerKey, "alice's");
		expect((await keysOf(bob.ownerKey)).map((k) => k.id)).not.toContain(alices.id);
		const problem = await expectProblem(
			await call(`/v1/account/keys/${alices.id}`, { key: bob.ownerKey, method: "DELETE" }),
			404,
			"NOT_FOUND",
		);
		expect(problem.detail).toContain(alices.id);
		await expectProblem(
			await call("/v1/account/keys/key_doesnotexist", { key: bob.ownerKey, method: "DELETE" }),
			404,
			"NOT_FOUND",
		);
		expect((await call("/v1/account", { key: alices.key })).status).toBe(200);
		expect((await keysOf(alice.ownerKey)).map((k) => k.revoked_at)).toEqual([null, null, null]);
	});

	it("stops every key of a revoked credential", async () => {
		const owner = await createKey("authenticated", "keys-revoked-cred@example.com", 0);
		const made = await newKey(owner.ownerKey, "ci");
		const revoked = await call(`/v1/admin/credentials/${owner.id}`, { method: "DELETE", headers: admin });
		expect(revoked.status).toBe(200);
		await expectProblem(await call("/v1/account", { key: made.key }), 401, "AUTH_REQUIRED");
		expect(await exports.GatewayRpc.identify(made.key)).toBeNull();
	});

	it("needs a key, a name, and a well-formed id", async () => {
		const { ownerKey: key } = await createKey("authenticated", "keys-validation@example.com", 0);
		await expectProblem(await call("/v1/account/keys"), 401, "AUTH_REQUIRED");
		await expectProblem(await call("/v1/account/keys", { body: { name: "x" } }), 401, "AUTH_REQUIRED");
		const problem = await expectProblem(
			await call("/v1/account/keys", { key, body: { name: "   " } }),
			400,
			"VALIDATION_FAILED",
		);
		expect(problem.errors).toEqual([expect.objectContaining({ pointer: "/body/name" })]);
		await expectProblem(
			await call("/v1/account/keys", { key, body: { name: "x".repeat(101) } }),
			400,
			"VALIDATION_FAILED",
		);
		await expectProblem(
			await call("/v1/account/keys/cred_notakey", { key, method: "DELETE" }),
			400,
			"VALIDATION_FAILED",
		);
	});

	it(`holds at most ${MAX_LIVE_KEYS} live keys; revoking one makes room`, async () => {
		const owner = await createKey("authenticated", "keys-many@example.com", 0);
		const made: KeyView[] = [];
		// The account already holds two live keys: its first (owner) key and the helper's agent key.
		for (let i = 0; i < MAX_LIVE_KEYS - 2; i++) made.push(await newKey(owner.ownerKey, `key ${i}`));
		const problem = await expectProblem(
			await call("/v1/account/keys", { key: owner.ownerKey, body: { name: "one too many" } }),
			409,
			"CONFLICT",
		);
		expect(problem.max_live_keys).toBe(MAX_LIVE_KEYS);
		const first = made[0] as KeyView;
		expect(
			(await call(`/v1/account/keys/${first.id}`, { key: owner.ownerKey, method: "DELETE" })).status,
		).toBe(204);
		await newKey(owner.ownerKey, "room again");
	});

	it("is in the OpenAPI document", async () => {
		const doc = await json<{ paths: Record<string, Record<string, { operationId: string }>> }>(
			await call("/openapi.json"),
		);
		expect(doc.paths["/v1/account/keys"]?.get?.operationId).toBe("listApiKeys");
		expect(doc.paths["/v1/account/keys"]?.post?.operationId).toBe("createApiKey");
		expect(doc.paths["/v1/account/keys/{id}"]?.delete?.operationId).toBe("revokeApiKey");
		expect(doc.paths["/v1/search"]?.get?.operationId).toBe("searchServices");
		expect(doc.paths["/v1/dev/credit"]?.post?.operationId).toBe("devCredit");
	});
});

describe("RPC call paths", () => {
	it("reach public /v1 routes only, after dot segments are resolved", () => {
		expect(internalUrl("/v1/account/keys?x=1").pathname).toBe("/v1/account/keys");
		for (const path of [
			"/v1/services/../admin/credentials",
			"/v1/%2E%2E/admin/ledger",
			"//evil.test/v1/health",
			"/v2/x",
		]) {
			expect(() => internalUrl(path), path).toThrow(/not a public \/v1 route/);
		}
	});
});
