import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Caller, chatFetch, fooddashOrder, type SignedIn, signIn } from "./helpers.ts";

// The account, key, catalog and quote routes of the site: each is the gateway's answer, as the signed-in user (or
// anonymous for browsing), passed through with its status and body.

function uniqueEmail(tag: string): string {
	return `${tag}-${crypto.randomUUID()}@example.com`;
}

async function session(tag: string): Promise<SignedIn & { as: Caller }> {
	const user = await signIn(uniqueEmail(tag));
	return { ...user, as: { cookie: user.cookie } };
}

async function ok<T>(response: Response, status = 200): Promise<T> {
	const text = await response.text();
	expect(response.status, text).toBe(status);
	expect(response.headers.get("content-type")).toContain("application/json");
	return JSON.parse(text) as T;
}

async function expectProblem(
	response: Response,
	status: number,
	code: string,
): Promise<Record<string, unknown> & { errors?: { pointer: string }[] }> {
	const text = await response.text();
	expect(response.status, text).toBe(status);
	expect(response.headers.get("content-type")).toBe("application/problem+json");
	const problem = JSON.parse(text) as Record<string, unknown>;
	expect(problem).toMatchObject({ status, code, detail: expect.any(String) });
	return problem;
}

interface Account {
	credential_id: string;
	email: string;
	level: string;
	authority: "owner" | "agent";
	balance_cents: number;
	available_cents: number;
	spent_today_cents: number;
	holds: unknown[];
	controls: Record<string, unknown>;
}

interface KeyView {
	id: string;
	name: string;
	authority: "owner" | "agent";
	key_prefix: string;
	created_at: string;
	revoked_at: string | null;
}

interface QuoteStatus {
	quote_id: string;
	service: string;
	tool: string;
	amount_cents: number;
	status: "open" | "confirmed" | "declined";
	requires_confirmation: boolean;
	expires_at: string;
}

/** A FoodDash checkout quote for `user`, made through the gateway as their credential (as the MCP tools make one). */
async function quoteFor(user: SignedIn): Promise<QuoteStatus> {
	const answer = await env.GATEWAY.call(user.credential_id, {
		method: "POST",
		path: "/v1/quotes",
		body: { service: "fooddash", tool: "checkout", parameters: await fooddashOrder(4) },
	});
	expect(answer.status, answer.body).toBe(201);
	return JSON.parse(answer.body) as QuoteStatus;
}

describe("config", () => {
	it("tells the site the environment, the MCP URL, dev credit and the top-up link, to anyone", async () => {
		expect(await ok(await chatFetch("/api/config"))).toEqual({
			environment: "development",
			mcp_url: "http://127.0.0.1:8788/mcp",
			dev_credit: true,
			top_up_url: null,
		});
	});
});

describe("account", () => {
	it("reads the balance and statement, adds dev credit, and sets spend controls", async () => {
		const user = await session("account");
		const before = await ok<Account>(await chatFetch("/api/account", { as: user.as }));
		expect(before).toMatchObject({
			credential_id: user.credential_id,
			email: user.email,
			level: "authenticated",
			// Signed in by email code on the site: the account's owner.
			authority: "owner",
			balance_cents: 0,
			available_cents: 0,
			holds: [],
		});

		const credited = await ok<{ balance_cents: number }>(
			await chatFetch("/api/account/dev-credit", { as: user.as, json: { amount_cents: 2500 } }),
		);
		expect(credited.balance_cents).toBe(2500);
		const after = await ok<Account>(await chatFetch("/api/account", { as: user.as }));
		expect(after).toMatchObject({ balance_cents: 2500, available_cents: 2500 });

		const statement = await ok<{
			entries: { kind: string; amount_cents: number; reference: string | null }[];
		}>(await chatFetch("/api/account/statement?limit=10", { as: user.as }));
		expect(statement.entries).toEqual([
			expect.objectContaining({
				kind: "credit",
				amount_cents: 2500,
				reference: expect.stringMatching(/^dev-credit:/),
			}),
		]);
		const badLimit = await expectProblem(
			await chatFetch("/api/account/statement?limit=0", { as: user.as }),
			400,
			"VALIDATION_FAILED",
		);
		expect(badLimit.errors).toEqual([expect.objectContaining({ pointer: "/query/limit" })]);

		const tooMuch = await expectProblem(
			await chatFetch("/api/account/dev-credit", { as: user.as, json: { amount_cents: 10_001 } }),
			400,
			"VALIDATION_FAILED",
		);
		expect(tooMuch.errors).toEqual([expect.objectContaining({ pointer: "/body/amount_cents" })]);

		const controls = {
			per_purchase_cap_cents: 5000,
			daily_cap_cents: 10_000,
			auto_approve_threshold_cents: 1000,
			merchant_allow: [],
			merchant_deny: ["ridenow"],
			frozen: false,
		};
		expect(
			await ok(await chatFetch("/api/account/controls", { as: user.as, method: "PUT", json: controls })),
		).toEqual(controls);
		expect(await ok(await chatFetch("/api/account/controls", { as: user.as }))).toEqual(controls);
		expect((await ok<Account>(await chatFetch("/api/account", { as: user.as }))).controls).toEqual(controls);
		const invalid = await expectProblem(
			await chatFetch("/api/account/controls", { as: user.as, method: "PUT", json: { daily_cap_cents: -1 } }),
			400,
			"VALIDATION_FAILED",
		);
		expect(invalid.errors).toEqual([expect.objectContaining({ pointer: "/body/daily_cap_cents" })]);
		expect(await ok(await chatFetch("/api/account/controls", { as: user.as }))).toEqual(controls);
	});

	it("refuses anonymous callers with 401 problem+json", async () => {
		for (const [path, init] of [
			["/api/account", {}],
			["/api/account/statement", {}],
			["/api/account/controls", {}],
			["/api/account/keys", {}],
			["/api/account/keys", { json: { name: "x" } }],
			["/api/account/dev-credit", { json: { amount_cents: 100 } }],
			["/api/quotes/q_abcdefgh.0123456789abcdef", {}],
		] as const) {
			const response = await chatFetch(path, init);
			await expectProblem(response, 401, "AUTH_REQUIRED");
			expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
		}
	});
});

describe("API keys", () => {
	it("creates a key shown once that works as Bearer on the chat API, and revokes it", async () => {
		const user = await session("keys");
		const created = await ok<KeyView & { key: string }>(
			await chatFetch("/api/account/keys", { as: user.as, json: { name: "Claude Desktop" } }),
			201,
		);
		expect(created).toMatchObject({
			id: expect.stringMatching(/^key_/),
			name: "Claude Desktop",
			authority: "agent",
			key: expect.stringMatching(/^unified-/),
			revoked_at: null,
		});
		expect(created.key.startsWith(created.key_prefix)).toBe(true);
		const listed = await ok<{ keys: KeyView[] }>(await chatFetch("/api/account/keys", { as: user.as }));
		expect(listed.keys.map((k) => k.id)).toEqual([created.id]);
		expect(JSON.stringify(listed)).not.toContain(created.key);

		const byKey: Caller = { key: created.key };
		expect(await ok(await chatFetch("/api/me", { as: byKey }))).toEqual({
			credential_id: user.credential_id,
			email: user.email,
			level: "authenticated",
			authority: "agent",
		});
		expect(await ok<Account>(await chatFetch("/api/account", { as: byKey }))).toMatchObject({
			credential_id: user.credential_id,
			authority: "agent",
		});
		// The session is the owner.
		expect(await ok(await chatFetch("/api/me", { as: user.as }))).toMatchObject({ authority: "owner" });

		const revoked = await chatFetch(`/api/account/keys/${created.id}`, { as: user.as, method: "DELETE" });
		expect(revoked.status).toBe(204);
		expect(await revoked.text()).toBe("");
		await expectProblem(await chatFetch("/api/me", { as: byKey }), 401, "AUTH_REQUIRED");
		await expectProblem(await chatFetch("/api/account", { as: byKey }), 401, "AUTH_REQUIRED");
		const after = await ok<{ keys: KeyView[] }>(await chatFetch("/api/account/keys", { as: user.as }));
		expect(after.keys[0]?.revoked_at).toEqual(expect.any(String));
		// The session is not the key: it still works.
		expect((await chatFetch("/api/account", { as: user.as })).status).toBe(200);
	});

	it("makes an owner key only when asked, lists each key's kind, and the owner key decides as the owner", async () => {
		const user = await session("owner-key");
		const agent = await ok<KeyView & { key: string }>(
			await chatFetch("/api/account/keys", { as: user.as, json: { name: "Cursor" } }),
			201,
		);
		const owner = await ok<KeyView & { key: string }>(
			await chatFetch("/api/account/keys", { as: user.as, json: { name: "My scripts", owner: true } }),
			201,
		);
		expect([agent.authority, owner.authority]).toEqual(["agent", "owner"]);
		const listed = await ok<{ keys: KeyView[] }>(await chatFetch("/api/account/keys", { as: user.as }));
		expect(Object.fromEntries(listed.keys.map((k) => [k.name, k.authority]))).toEqual({
			Cursor: "agent",
			"My scripts": "owner",
		});
		const byOwnerKey: Caller = { key: owner.key };
		expect(await ok(await chatFetch("/api/me", { as: byOwnerKey }))).toMatchObject({ authority: "owner" });
		expect((await ok<Account>(await chatFetch("/api/account", { as: byOwnerKey }))).authority).toBe("owner");
		// The owner key manages keys and controls, as the owner does.
		expect(
			(await ok<{ keys: KeyView[] }>(await chatFetch("/api/account/keys", { as: byOwnerKey }))).keys,
		).toHaveLength(2);
		expect(
			await ok(
				await chatFetch("/api/account/controls", {
					as: byOwnerKey,
					method: "PUT",
					json: { auto_approve_threshold_cents: 700 },
				}),
			),
		).toMatchObject({ auto_approve_threshold_cents: 700 });
		// An agent key does none of it (the rest of the refusals: adversarial.spec.ts).
		const byAgent: Caller = { key: agent.key };
		const refused = await expectProblem(
			await chatFetch("/api/account/keys", { as: byAgent }),
			403,
			"FORBIDDEN",
		);
		expect(refused).toMatchObject({ owner_only: true, account_url: expect.stringMatching(/\/account$/) });
		const invalidOwner = await expectProblem(
			await chatFetch("/api/account/keys", { as: user.as, json: { name: "x", owner: "yes" } }),
			400,
			"VALIDATION_FAILED",
		);
		expect(invalidOwner.errors).toEqual([expect.objectContaining({ pointer: "/body/owner" })]);
	});

	it("never revokes another user's key, and validates the name", async () => {
		const alice = await session("keys-alice");
		const bob = await session("keys-bob");
		const alices = await ok<KeyView & { key: string }>(
			await chatFetch("/api/account/keys", { as: alice.as, json: { name: "alice's" } }),
			201,
		);
		await expectProblem(
			await chatFetch(`/api/account/keys/${alices.id}`, { as: bob.as, method: "DELETE" }),
			404,
			"NOT_FOUND",
		);
		expect(await ok<{ keys: KeyView[] }>(await chatFetch("/api/account/keys", { as: bob.as }))).toEqual({
			keys: [],
		});
		expect((await chatFetch("/api/me", { as: { key: alices.key } })).status).toBe(200);
		// An id of another shape never reaches the gateway.
		await expectProblem(
			await chatFetch("/api/account/keys/..%2F..%2Faccount", { as: bob.as, method: "DELETE" }),
			404,
			"NOT_FOUND",
		);

		const unnamed = await expectProblem(
			await chatFetch("/api/account/keys", { as: alice.as, json: { name: "" } }),
			400,
			"VALIDATION_FAILED",
		);
		expect(unnamed.errors).toEqual([expect.objectContaining({ pointer: "/body/name" })]);
	});
});

describe("catalog, anonymously", () => {
	it("searches services in plain words", async () => {
		const answer = await ok<{
			results: { id: string; why: string[]; tools: unknown[] }[];
			categories: string[];
		}>(await chatFetch("/api/search?q=order%20some%20food%20from%20FoodDash"));
		// The brand in the query makes FoodDash first whatever other providers the catalog holds.
		expect(answer.results[0]?.id).toBe("fooddash");
		expect(answer.results[0]?.why.length).toBeGreaterThan(0);
		expect(answer.categories).toContain("food-delivery");
		const missing = await expectProblem(await chatFetch("/api/search"), 400, "VALIDATION_FAILED");
		expect(missing.errors).toEqual([expect.objectContaining({ pointer: "/query/q" })]);
	});

	it("lists services by category, one service and its tools; unknown ids are 404", async () => {
		const weather = await ok<{ services: { id: string; category: string }[]; categories: string[] }>(
			await chatFetch("/api/services?category=weather"),
		);
		expect(weather.services.map((s) => s.id)).toContain("skycast");
		expect(weather.services.every((s) => s.category === "weather")).toBe(true);
		expect(weather.categories).toContain("food-delivery");
		const service = await ok<{ service: { id: string }; tools: { name: string }[] }>(
			await chatFetch("/api/services/fooddash"),
		);
		expect(service.service.id).toBe("fooddash");
		const tools = await ok<{ tools: { name: string; fee_cents: number }[] }>(
			await chatFetch("/api/services/fooddash/tools"),
		);
		expect(tools.tools.map((t) => t.name)).toContain("checkout");
		const unknown = await expectProblem(await chatFetch("/api/services/foodash/tools"), 404, "NOT_FOUND");
		expect(unknown.suggestions).toContain("fooddash");
		await expectProblem(await chatFetch("/api/services/Not_An_Id"), 404, "NOT_FOUND");
	});

	it("answers a signed-in user as well", async () => {
		const user = await session("catalog");
		const answer = await ok<{ results: { id: string }[] }>(
			await chatFetch("/api/search?q=skycast%20weather%20forecast", { as: user.as }),
		);
		expect(answer.results[0]?.id).toBe("skycast");
	});
});

describe("quote confirmation", () => {
	it("lets the owner read, confirm and decline their quotes; another user gets 404", async () => {
		const owner = await session("quote-owner");
		const other = await session("quote-other");
		await ok(await chatFetch("/api/account/dev-credit", { as: owner.as, json: { amount_cents: 10_000 } }));
		await ok(
			await chatFetch("/api/account/controls", {
				as: owner.as,
				method: "PUT",
				json: { auto_approve_threshold_cents: 100 },
			}),
		);
		const quote = await quoteFor(owner);
		expect(quote.requires_confirmation).toBe(true);
		const path = `/api/quotes/${encodeURIComponent(quote.quote_id)}`;

		expect(await ok<QuoteStatus>(await chatFetch(path, { as: owner.as }))).toMatchObject({
			quote_id: quote.quote_id,
			service: "fooddash",
			tool: "checkout",
			amount_cents: quote.amount_cents,
			status: "open",
			requires_confirmation: true,
		});
		await expectProblem(await chatFetch(path, { as: other.as }), 404, "NOT_FOUND");
		await expectProblem(await chatFetch(`${path}/confirm`, { as: other.as, json: {} }), 404, "NOT_FOUND");
		await expectProblem(await chatFetch(`${path}/decline`, { as: other.as, json: {} }), 404, "NOT_FOUND");
		expect((await ok<QuoteStatus>(await chatFetch(path, { as: owner.as }))).status).toBe("open");

		const confirmed = await ok<QuoteStatus>(await chatFetch(`${path}/confirm`, { as: owner.as, json: {} }));
		expect(confirmed).toMatchObject({ quote_id: quote.quote_id, status: "confirmed" });
		expect((await ok<QuoteStatus>(await chatFetch(path, { as: owner.as }))).status).toBe("confirmed");

		const second = await quoteFor(owner);
		const declined = await ok<QuoteStatus>(
			await chatFetch(`/api/quotes/${encodeURIComponent(second.quote_id)}/decline`, {
				as: owner.as,
				json: {},
			}),
		);
		expect(declined.status).toBe("declined");

		await expectProblem(await chatFetch("/api/quotes/not-a-quote", { as: owner.as }), 404, "NOT_FOUND");
		await expectProblem(await chatFetch(`${path}/approve`, { as: owner.as, json: {} }), 404, "NOT_FOUND");
	});
});
