import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app.ts";
import { call, createKey, expectProblem, json, ORIGIN } from "./helpers.ts";

interface Credited {
	entry: { kind: string; amount_cents: number; reference: string; balance_after_cents: number };
	balance_cents: number;
}

async function balanceOf(key: string): Promise<number> {
	return (await json<{ balance_cents: number }>(await call("/v1/account", { key }))).balance_cents;
}

describe("POST /v1/dev/credit (development)", () => {
	it("credits the caller's own account, a new entry each time", async () => {
		const { key } = await createKey("authenticated", "dev-credit@example.com", 500);
		const first = await call("/v1/dev/credit", { key, body: { amount_cents: 2000 } });
		expect(first.status, await first.clone().text()).toBe(200);
		const credited = await json<Credited>(first);
		expect(credited).toMatchObject({
			balance_cents: 2500,
			entry: {
				kind: "credit",
				amount_cents: 2000,
				balance_after_cents: 2500,
				reference: expect.stringMatching(/^dev-credit:/),
			},
		});
		const second = await json<Credited>(await call("/v1/dev/credit", { key, body: { amount_cents: 2000 } }));
		expect(second.balance_cents).toBe(4500);
		expect(second.entry.reference).not.toBe(credited.entry.reference);
		expect(await balanceOf(key)).toBe(4500);

		const statement = await json<{ entries: { kind: string; reference: string | null }[] }>(
			await call("/v1/account/statement", { key }),
		);
		expect(statement.entries.filter((e) => e.reference?.startsWith("dev-credit:"))).toHaveLength(2);
	});

	it("takes 1 to 10000 cents, and needs a key", async () => {
		const { key } = await createKey("authenticated", "dev-credit-limits@example.com", 0);
		for (const amount_cents of [0, -5, 10_001, 1.5]) {
			const problem = await expectProblem(
				await call("/v1/dev/credit", { key, body: { amount_cents } }),
				400,
				"VALIDATION_FAILED",
			);
			expect(problem.errors).toEqual([expect.objectContaining({ pointer: "/body/amount_cents" })]);
		}
		await expectProblem(await call("/v1/dev/credit", { body: { amount_cents: 100 } }), 401, "AUTH_REQUIRED");
		expect(await balanceOf(key)).toBe(0);
		expect((await call("/v1/dev/credit", { key, body: { amount_cents: 10_000 } })).status).toBe(200);
		expect(await balanceOf(key)).toBe(10_000);
	});
});

describe("POST /v1/dev/credit outside development", () => {
	// The binding cannot be flipped per test: the same app, handed a copy of the environment.
	const production = { ...env, ENVIRONMENT: "production" } as GatewayEnv;

	async function inProduction(init: { key?: string; body: unknown }): Promise<Response> {
		const headers = new Headers({ "content-type": "application/json" });
		if (init.key) headers.set("authorization", `Bearer ${init.key}`);
		const ctx = createExecutionContext();
		const response = await app.fetch(
			new Request(`${ORIGIN}/v1/dev/credit`, { method: "POST", headers, body: JSON.stringify(init.body) }),
			production,
			ctx,
		);
		await waitOnExecutionContext(ctx);
		return response;
	}

	it("is an unknown route whatever is sent, and credits nothing", async () => {
		const { key } = await createKey("authenticated", "dev-credit-prod@example.com", 300);
		const problem = await expectProblem(
			await inProduction({ key, body: { amount_cents: 2000 } }),
			404,
			"NOT_FOUND",
		);
		expect(problem.detail).toMatch(/No route/);
		await expectProblem(await inProduction({ body: { amount_cents: 2000 } }), 404, "NOT_FOUND");
		await expectProblem(
			await inProduction({ key: "unified-not-a-key", body: { amount_cents: -1 } }),
			404,
			"NOT_FOUND",
		);
		expect(await balanceOf(key)).toBe(300);
	});
});
