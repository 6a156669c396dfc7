import { env } from "cloudflare:workers";
import { OperatorPurchasesSchema } from "@penumbra/core/contracts";
import { describe, expect, it } from "vitest";
import { chatFetch, createKey, signIn } from "./helpers.ts";

/**
 * The operator dashboard's API (routes/operator.ts): the admin token is traded once for a read-only session kept in
 * its own cookie. An owner's session or key never reaches these routes, and the operator's cookie never acts as an
 * owner (or anyone) on the others.
 */

async function expectProblem(response: Response, status: number, code: string) {
	const text = await response.text();
	expect(response.status, text).toBe(status);
	expect(response.headers.get("content-type")).toBe("application/problem+json");
	expect(JSON.parse(text)).toMatchObject({ code });
}

/** A client address of its own, so one test's sign-ins never count against another's limit. */
function address(): { "cf-connecting-ip": string } {
	const bytes = crypto.getRandomValues(new Uint8Array(2));
	return { "cf-connecting-ip": `198.51.${bytes[0]}.${bytes[1]}` };
}

/** Signs in as the operator; `cookie` is `name=value` for a Cookie header. */
async function operatorSignIn(): Promise<{ cookie: string; setCookie: string }> {
	const response = await chatFetch("/api/operator/session", {
		headers: address(),
		json: { admin_token: env.TEST_ADMIN_TOKEN },
	});
	const text = await response.text();
	expect(response.status, text).toBe(200);
	expect(JSON.parse(text)).toEqual({ signed_in: true, expires_at: expect.any(String) });
	const setCookie = response.headers.get("set-cookie") ?? "";
	return { cookie: setCookie.split(";", 1)[0] ?? "", setCookie };
}

describe("operator sign-in", () => {
	it("trades the admin token for a read-only session in its own HttpOnly, SameSite=Strict cookie", async () => {
		const { cookie, setCookie } = await operatorSignIn();
		expect(cookie).toMatch(/^penumbra_operator=ops_[A-Za-z0-9_-]{43}$/);
		expect(setCookie).toMatch(/HttpOnly/i);
		expect(setCookie).toMatch(/SameSite=Strict/i);
		// Sent only to the operator's routes, never beside the owner's.
		expect(setCookie).toMatch(/Path=\/api\/operator(;|$)/);
		expect(setCookie).not.toContain(env.TEST_ADMIN_TOKEN);

		const session = await chatFetch("/api/operator/session", { as: { cookie } });
		expect(await session.json()).toEqual({ signed_in: true, expires_at: expect.any(String) });
		const purchases = await chatFetch("/api/operator/purchases", { as: { cookie } });
		expect(purchases.status, await purchases.clone().text()).toBe(200);
		OperatorPurchasesSchema.parse(await purchases.json());
		const health = await chatFetch("/api/operator/health", { as: { cookie } });
		expect(health.status, await health.clone().text()).toBe(200);
		expect(await health.json()).toMatchObject({ status: expect.any(String) });
	});

	it("refuses a wrong admin token, and sets no cookie", async () => {
		const headers = address();
		const response = await chatFetch("/api/operator/session", {
			headers,
			json: { admin_token: "not-the-token" },
		});
		await expectProblem(response, 403, "FORBIDDEN");
		expect(response.headers.get("set-cookie")).toBeNull();
		await expectProblem(
			await chatFetch("/api/operator/session", { headers, json: {} }),
			400,
			"VALIDATION_FAILED",
		);
	});

	it("takes at most 10 sign-ins a minute from one address, the right token included", async () => {
		const headers = address();
		for (let i = 0; i < 10; i++) {
			const wrong = await chatFetch("/api/operator/session", {
				headers,
				json: { admin_token: `guess-${i}` },
			});
			await expectProblem(wrong, 403, "FORBIDDEN");
		}
		const limited = await chatFetch("/api/operator/session", {
			headers,
			json: { admin_token: env.TEST_ADMIN_TOKEN },
		});
		expect(limited.headers.get("retry-after")).toBe("60");
		expect(limited.headers.get("set-cookie")).toBeNull();
		await expectProblem(limited, 429, "RATE_LIMITED");
		// Another address is not held back.
		await operatorSignIn();
	});

	it("signing out ends the session at the gateway, not only the cookie", async () => {
		const { cookie } = await operatorSignIn();
		const out = await chatFetch("/api/operator/session", { method: "DELETE", as: { cookie } });
		expect(out.status).toBe(204);
		expect(out.headers.get("set-cookie")).toMatch(/penumbra_operator=;.*Max-Age=0/i);
		// The old cookie, kept by a careless browser, no longer reads anything.
		await expectProblem(await chatFetch("/api/operator/purchases", { as: { cookie } }), 401, "AUTH_REQUIRED");
		expect(await (await chatFetch("/api/operator/session", { as: { cookie } })).json()).toEqual({
			signed_in: false,
		});
	});

	it("offers only its fixed reads", async () => {
		const { cookie } = await operatorSignIn();
		for (const path of [
			"/api/operator/credentials",
			"/api/operator/ledger",
			"/api/operator/services/a%2F..%2Fb/health",
		]) {
			await expectProblem(await chatFetch(path, { as: { cookie } }), 404, "NOT_FOUND");
		}
		const credit = await chatFetch("/api/operator/credentials/cred_x/credit", {
			as: { cookie },
			json: { amount_cents: 100, reference: "x" },
		});
		await expectProblem(credit, 404, "NOT_FOUND");
	});
});

describe("owner and operator never stand in for each other", () => {
	it("an owner's session or key never reaches the operator routes", async () => {
		const owner = await signIn(`owner-not-operator-${Date.now()}@example.com`);
		const { key } = await createKey("authenticated", 0, "owner-key@example.com", { owner: true });
		for (const as of [{ cookie: owner.cookie }, { key }]) {
			await expectProblem(await chatFetch("/api/operator/purchases", { as }), 401, "AUTH_REQUIRED");
			await expectProblem(await chatFetch("/api/operator/metrics", { as }), 401, "AUTH_REQUIRED");
			expect(await (await chatFetch("/api/operator/session", { as })).json()).toEqual({ signed_in: false });
		}
		// Nor does the admin token itself, sent as a Bearer: only the session cookie opens these routes.
		const bearer = await chatFetch("/api/operator/purchases", {
			headers: { authorization: `Bearer ${env.TEST_ADMIN_TOKEN}` },
		});
		await expectProblem(bearer, 401, "AUTH_REQUIRED");
	});

	it("the operator's cookie never acts as an owner, under its own name or the owner's", async () => {
		const { cookie } = await operatorSignIn();
		const token = cookie.split("=")[1] ?? "";
		for (const as of [{ cookie }, { cookie: `penumbra_chat_session=${token}` }]) {
			await expectProblem(await chatFetch("/api/me", { as }), 401, "AUTH_REQUIRED");
			await expectProblem(await chatFetch("/api/account", { as }), 401, "AUTH_REQUIRED");
			await expectProblem(
				await chatFetch("/api/account/keys", { as, json: { name: "from-operator" } }),
				401,
				"AUTH_REQUIRED",
			);
		}
		// Nor as a key.
		await expectProblem(await chatFetch("/api/me", { as: { key: token } }), 401, "AUTH_REQUIRED");
	});
});
