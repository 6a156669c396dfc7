import { env } from "cloudflare:workers";
import { hashApiKey } from "@penumbra/core/keys";
import { describe, expect, it } from "vitest";
import { call, createKey, expectProblem, json } from "./helpers.ts";

const admin = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

describe("admin credentials API", () => {
	it("creates a key that is shown once and stored only as its SHA-256", async () => {
		const response = await call("/v1/admin/credentials", {
			headers: admin,
			body: { email: "ada@example.com", name: "Ada", level: "identified" },
		});
		expect(response.status).toBe(201);
		const created = await json<{ id: string; key: string; key_prefix: string; level: string }>(response);
		expect(created.key).toMatch(/^unified-[A-Za-z0-9]{46}$/);
		expect(created.key.startsWith(created.key_prefix)).toBe(true);
		expect(created.level).toBe("identified");

		const row = await env.DB.prepare("SELECT * FROM credentials WHERE id = ?").bind(created.id).first();
		expect(row?.key_hash).toBe(await hashApiKey(created.key));
		expect(JSON.stringify(row)).not.toContain(created.key);

		const listed = await json<{ credentials: Record<string, unknown>[] }>(
			await call("/v1/admin/credentials", { headers: admin }),
		);
		const mine = listed.credentials.find((c) => c.id === created.id);
		expect(mine).toMatchObject({ email: "ada@example.com", revoked_at: null });
		expect(JSON.stringify(listed)).not.toContain(created.key);
		expect(mine).not.toHaveProperty("key");
	});

	it("revocation takes effect on the very next request", async () => {
		const { id, key } = await createKey("authenticated");
		expect((await call("/v1/services", { key })).status).toBe(200);
		const revoked = await call(`/v1/admin/credentials/${id}`, { method: "DELETE", headers: admin });
		expect(revoked.status).toBe(200);
		expect((await json(revoked)).revoked_at).toEqual(expect.any(String));
		await expectProblem(await call("/v1/services", { key }), 401, "AUTH_REQUIRED");
	});

	it("refuses the admin API without the admin token, with a wrong one, and with a user key", async () => {
		const { key } = await createKey();
		await expectProblem(await call("/v1/admin/credentials"), 401, "AUTH_REQUIRED");
		await expectProblem(
			await call("/v1/admin/credentials", { headers: { authorization: "Bearer nope" } }),
			403,
			"FORBIDDEN",
		);
		await expectProblem(await call("/v1/admin/credentials", { key }), 403, "FORBIDDEN");
	});

	it("validates the create body with JSON pointers", async () => {
		const problem = await expectProblem(
			await call("/v1/admin/credentials", { headers: admin, body: { email: "not-an-email", level: "root" } }),
			400,
			"VALIDATION_FAILED",
		);
		const pointers = (problem.errors as { pointer: string }[]).map((e) => e.pointer).sort();
		expect(pointers).toEqual(["/body/email", "/body/level"]);
	});

	it("404s revoking an unknown credential", async () => {
		await expectProblem(
			await call("/v1/admin/credentials/cred_doesnotexist", { method: "DELETE", headers: admin }),
			404,
			"NOT_FOUND",
		);
	});
});

describe("API key authentication", () => {
	it("rejects a key with a typo without a lookup, and an unknown well-formed key", async () => {
		const { key } = await createKey();
		const last = key.at(-1) === "a" ? "b" : "a";
		const typo = `${key.slice(0, -1)}${last}`;
		const problem = await expectProblem(await call("/v1/services", { key: typo }), 401, "AUTH_REQUIRED");
		expect(problem.detail).toMatch(/malformed/);
		await expectProblem(await call("/v1/services", { key: "unified-short" }), 401, "AUTH_REQUIRED");
		await expectProblem(
			await call("/v1/services", { headers: { authorization: "Basic Zm9vOmJhcg==" } }),
			401,
			"AUTH_REQUIRED",
		);
	});

	it("accepts X-API-Key as well as Bearer", async () => {
		const { key } = await createKey();
		const response = await call("/v1/services", { headers: { "x-api-key": key } });
		expect(response.status).toBe(200);
	});

	it("sends WWW-Authenticate with 401s", async () => {
		const response = await call("/v1/services", { key: "unified-bad" });
		expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
	});
});

describe("anonymous rate limit", () => {
	it("limits callers without a key per client address, and not callers with one", async () => {
		// The limiter's windows are aligned to the wall clock (60 s): a burst that straddles a boundary is counted in
		// two windows, so it starts over once, from another address, in the new window.
		const windowOf = () => Math.floor(Date.now() / 60_000);
		const burst = async (ip: string) => {
			const start = windowOf();
			const statuses: number[] = [];
			for (let i = 0; i < 120; i++)
				statuses.push((await call("/v1/services", { headers: { "cf-connecting-ip": ip } })).status);
			const limited = await call("/v1/services", { headers: { "cf-connecting-ip": ip } });
			return { ip, statuses, limited, straddled: windowOf() !== start };
		};
		let attempt = await burst("203.0.113.77");
		if (attempt.straddled) attempt = await burst("203.0.113.79");
		expect(attempt.straddled).toBe(false);
		const address = { "cf-connecting-ip": attempt.ip };
		expect(attempt.statuses.every((s) => s === 200)).toBe(true);
		const { limited } = attempt;
		const problem = await expectProblem(limited, 429, "RATE_LIMITED");
		expect(limited.headers.get("retry-after")).toBe("60");
		expect(problem.retry_after_seconds).toBe(60);
		// Another address, and any keyed caller, are not affected.
		expect((await call("/v1/services", { headers: { "cf-connecting-ip": "203.0.113.78" } })).status).toBe(
			200,
		);
		const { key } = await createKey();
		expect((await call("/v1/services", { key, headers: address })).status).toBe(200);
	});
});
