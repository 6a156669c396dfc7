import { readAmountCents, readTransactionId } from "@penumbra/core/purchase";
import type { CompiledTool } from "@penumbra/core/registry";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
	addServices,
	call,
	createKey,
	expectProblem,
	faulty,
	json,
	ownerKeyOf,
	providerService,
	sandboxOrigin,
} from "../helpers.ts";

/**
 * What the gateway does with each sandbox fault (workers/sandbox/README.md), seen by a caller: copies of real
 * providers whose upstream is `/_fault/<faults>/<id>`. proxy.spec.ts covers the basic hang, 5xx, 404/429,
 * malformed and oversized cases; purchase.spec.ts covers a merchant that charges more than it quoted.
 */

interface Executed<T> {
	result: T;
	upstream: { status: number; duration_ms: number; attempts: number };
}
interface Quote {
	quote_id: string;
	amount_cents: number;
	details: unknown;
}
interface Receipt {
	amount_cents: number;
	transaction_id: string;
	flagged: boolean;
}
interface Account {
	balance_cents: number;
	available_cents: number;
	holds: unknown[];
}

const LISBON = { city: "lisbon" };
const BASKET = {
	restaurant_id: "sakura-ramen-sf",
	items: [
		{ item_id: "tonkotsu-ramen", quantity: 2 },
		{ item_id: "ramune", quantity: 1 },
	],
	delivery_address: { street: "1 Market St", city: "San Francisco" },
	tip_cents: 400,
};

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated", "faults@example.com", 50_000)).key;
	// Purchases of any size go through without the owner's confirmation.
	const controls = await call("/v1/account/controls", {
		key: ownerKeyOf(key),
		method: "PUT",
		body: { auto_approve_threshold_cents: 1_000_000 },
	});
	expect(controls.status).toBe(200);
});

// Copies of fooddash keep its id (and so its upstream key); put the real one back after each case.
afterEach(async () => {
	await addServices(providerService("fooddash"));
});

function run(service: string, tool: string, parameters: Record<string, unknown> = {}): Promise<Response> {
	return call(`/v1/services/${service}/tools/${tool}`, { key, body: { parameters } });
}

async function ok<T>(
	service: string,
	tool: string,
	parameters: Record<string, unknown> = {},
): Promise<Executed<T>> {
	const response = await run(service, tool, parameters);
	expect(response.status, await response.clone().text()).toBe(200);
	return json<Executed<T>>(response);
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
	const started = Date.now();
	const value = await work();
	return { value, ms: Date.now() - started };
}

function fooddashTool(name: string): CompiledTool {
	const tool = providerService("fooddash").tools.find((t) => t.name === name);
	if (!tool) throw new Error(`fooddash has no ${name}`);
	return tool;
}

async function quote(): Promise<Quote> {
	const response = await call("/v1/quotes", {
		key,
		body: { service: "fooddash", tool: "checkout", parameters: BASKET },
	});
	expect(response.status, await response.clone().text()).toBe(201);
	return json<Quote>(response);
}

function buy(quoteId: string): Promise<Response> {
	return call("/v1/services/fooddash/tools/checkout", {
		key,
		body: { parameters: BASKET, quote_id: quoteId },
	});
}

async function account(): Promise<Account> {
	return json<Account>(await call("/v1/account", { key }));
}

describe("latency", () => {
	it("under the provider's timeout: 200 with the merchant's normal answer, just later", async () => {
		await addServices(faulty("lagcast", "latency=250", { timeoutMs: 2_000 }));
		const { value, ms } = await timed(() => ok<{ count: number }>("lagcast", "list_cities"));
		expect(ms).toBeGreaterThanOrEqual(240);
		expect(value.upstream.duration_ms).toBeGreaterThanOrEqual(240);
		expect(value.upstream.attempts).toBe(1);
		expect(value.result).toEqual((await ok("skycast", "list_cities")).result);
	});

	it("over the provider's timeout: 504 UPSTREAM_TIMEOUT as soon as the timeout passes", async () => {
		await addServices(faulty("latecast", "latency=3000", { timeoutMs: 300 }));
		const { value: response, ms } = await timed(() => run("latecast", "get_current_conditions", LISBON));
		const problem = await expectProblem(response, 504, "UPSTREAM_TIMEOUT");
		expect(problem.timeout_ms).toBe(300);
		expect(ms).toBeLessThan(2_500);
	});
});

describe("status", () => {
	// Mistakes a caller can fix keep their meaning; everything else is the service's failure (502).
	const cases: [upstream: number, status: number, code: string][] = [
		[400, 400, "VALIDATION_FAILED"],
		[404, 404, "NOT_FOUND"],
		[409, 409, "CONFLICT"],
		[410, 410, "NOT_FOUND"],
		[422, 422, "VALIDATION_FAILED"],
		[429, 429, "RATE_LIMITED"],
		[401, 502, "UPSTREAM_ERROR"],
		[403, 502, "UPSTREAM_ERROR"],
		[418, 502, "UPSTREAM_ERROR"],
		[500, 502, "UPSTREAM_ERROR"],
		[501, 502, "UPSTREAM_ERROR"],
		[502, 502, "UPSTREAM_ERROR"],
		[503, 502, "UPSTREAM_ERROR"],
		[504, 502, "UPSTREAM_ERROR"],
	];

	it("maps every upstream error status to a stable code, keeping the upstream status and message", async () => {
		await addServices(...cases.map(([upstream]) => faulty(`status${upstream}cast`, `status=${upstream}`)));
		for (const [upstream, status, code] of cases) {
			const problem = await expectProblem(
				await run(`status${upstream}cast`, "get_current_conditions", LISBON),
				status,
				code,
			);
			expect(problem.upstream_status, `upstream ${upstream}`).toBe(upstream);
			expect(problem.upstream_message).toBe(`Injected fault: the merchant answered ${upstream}.`);
			if (upstream === 429) expect(problem.retry_after_seconds).toBe(1);
		}
	});

	it("also on the transparent path proxy", async () => {
		await addServices(faulty("downcast", "status=503"));
		const problem = await expectProblem(await call("/downcast/cities", { key }), 502, "UPSTREAM_ERROR");
		expect(problem.upstream_status).toBe(503);
	});
});

describe("hang", () => {
	it("longer than the timeout: 504 UPSTREAM_TIMEOUT, on the path proxy too", async () => {
		await addServices(faulty("stuckcast", "hang", { timeoutMs: 400 }));
		const { value: response, ms } = await timed(() => call("/stuckcast/cities", { key }));
		await expectProblem(response, 504, "UPSTREAM_TIMEOUT");
		expect(ms).toBeLessThan(3_000);
	});

	it("shorter than the timeout: the merchant's own 504, retried for a GET, then 502", async () => {
		await addServices(faulty("napcast", "hang=250", { timeoutMs: 5_000 }));
		const { value: response, ms } = await timed(() => run("napcast", "list_cities"));
		const problem = await expectProblem(response, 502, "UPSTREAM_ERROR");
		expect(problem.upstream_status).toBe(504);
		// Three attempts, each waiting out the merchant's 250 ms.
		expect(ms).toBeGreaterThanOrEqual(750);
	});
});

describe("malformed", () => {
	it("a garbled quote is a 502 and reserves nothing", async () => {
		await addServices(faulty("fooddash", "malformed,only=quote", { from: "fooddash" }));
		const before = await account();
		const problem = await expectProblem(
			await call("/v1/quotes", { key, body: { service: "fooddash", tool: "checkout", parameters: BASKET } }),
			502,
			"UPSTREAM_ERROR",
		);
		expect(problem.detail).toMatch(/malformed JSON/);
		expect(await account()).toEqual(before);
	});
});

describe("large", () => {
	it("under max_response_bytes: passed through, padding and all", async () => {
		await addServices(faulty("widecast", "large=300000"));
		const body = await ok<{ count: number; _padding: string }>("widecast", "list_cities");
		expect(body.result.count).toBe(12);
		expect(body.result._padding.length).toBeGreaterThan(290_000);
	});

	it("over the manifest's default 1 MiB: 413 PAYLOAD_TOO_LARGE with the limit", async () => {
		await addServices(faulty("hugecast", "large=1100000"));
		const problem = await expectProblem(
			await run("hugecast", "get_current_conditions", LISBON),
			413,
			"PAYLOAD_TOO_LARGE",
		);
		expect(problem.limit_bytes).toBe(1024 * 1024);
	});
});

describe("clock", () => {
	it("shifts what the merchant calls today; the gateway passes it through", async () => {
		await addServices(faulty("aheadcast", "clock=172800"));
		const real = await ok<{ days: { date: string }[] }>("skycast", "get_forecast", { ...LISBON, days: 3 });
		const ahead = await ok<{ days: { date: string }[] }>("aheadcast", "get_forecast", { ...LISBON, days: 1 });
		expect(ahead.result.days[0]?.date).toBe(real.result.days[2]?.date);
	});

	it("a merchant whose quote expired before the purchase: 409 CONFLICT and the hold released", async () => {
		const q = await quote();
		await addServices(faulty("fooddash", "clock=3600,only=checkout", { from: "fooddash" }));
		const before = await account();
		const problem = await expectProblem(await buy(q.quote_id), 409, "CONFLICT");
		expect(problem.upstream_message).toMatch(/expired/);
		expect(await account()).toMatchObject({ balance_cents: before.balance_cents, holds: [] });
	});
});

describe("amount-delta", () => {
	it("leaves the quote alone; the purchase states the delta, and the gateway charges what the merchant states", async () => {
		await addServices(faulty("fooddash", "amount-delta=-200", { from: "fooddash" }));
		const q = await quote();
		const precheck = fooddashTool("get_checkout_quote").purchase;
		if (precheck?.kind !== "precheck") throw new Error("no precheck metadata");
		expect(readAmountCents(q.details, precheck.amount_path)).toBe(q.amount_cents);
		const merchantQuote = await fetch(`${sandboxOrigin()}/fooddash/checkout/quote`, {
			method: "POST",
			headers: { "content-type": "application/json", "x-api-key": "test-fooddash-key" },
			body: JSON.stringify(BASKET),
		});
		expect(readAmountCents(await merchantQuote.json(), precheck.amount_path)).toBe(q.amount_cents);

		const before = await account();
		const response = await buy(q.quote_id);
		expect(response.status, await response.clone().text()).toBe(200);
		const bought = await json<{ result: unknown; receipt: Receipt }>(response);
		const purchase = fooddashTool("checkout").purchase;
		if (purchase?.kind !== "purchase" || !purchase.amount_path) throw new Error("no purchase metadata");
		expect(readAmountCents(bought.result, purchase.amount_path)).toBe(q.amount_cents - 200);
		expect(readTransactionId(bought.result, purchase.transaction_id_path)).toBe(
			bought.receipt.transaction_id,
		);
		// Charged less than held: the lower amount is captured, the rest released, nothing flagged.
		expect(bought.receipt).toMatchObject({ amount_cents: q.amount_cents - 200, flagged: false });
		const after = await account();
		expect(after.holds).toEqual([]);
		expect(before.balance_cents - after.balance_cents).toBe(q.amount_cents - 200);
	});
});

describe("combinations", () => {
	it("latency + 5xx: every retry waits again before the 502", async () => {
		await addServices(faulty("slowbrokencast", "latency=150,status=503", { timeoutMs: 5_000 }));
		const { value: response, ms } = await timed(() => run("slowbrokencast", "list_cities"));
		expect((await expectProblem(response, 502, "UPSTREAM_ERROR")).upstream_status).toBe(503);
		expect(ms).toBeGreaterThanOrEqual(450);
	});

	it("large + malformed: a big truncated body is still just malformed (502)", async () => {
		await addServices(faulty("bigjunkcast", "large=50000,malformed"));
		const problem = await expectProblem(await run("bigjunkcast", "list_cities"), 502, "UPSTREAM_ERROR");
		expect(problem.detail).toMatch(/malformed JSON/);
	});

	it("large + latency over a small limit: 413 after the wait", async () => {
		await addServices(faulty("slowhugecast", "latency=100,large=200000", { maxResponseBytes: 16 * 1024 }));
		const { value: response, ms } = await timed(() => run("slowhugecast", "list_cities"));
		expect((await expectProblem(response, 413, "PAYLOAD_TOO_LARGE")).limit_bytes).toBe(16 * 1024);
		expect(ms).toBeGreaterThanOrEqual(100);
	});

	it("only=: the fault hits one operation, the service's others work", async () => {
		await addServices(faulty("halfcast", "status=500,only=cities"));
		await expectProblem(await run("halfcast", "list_cities"), 502, "UPSTREAM_ERROR");
		const current = await ok<{ location: { city: string } }>("halfcast", "get_current_conditions", LISBON);
		expect(current.result.location.city).toBe("lisbon");
	});

	it("a fault spec the sandbox does not know is refused loudly, never ignored", async () => {
		await addServices(faulty("typocast", "status=700"));
		const problem = await expectProblem(await run("typocast", "list_cities"), 400, "VALIDATION_FAILED");
		expect(problem.upstream_message).toMatch(/status/);
	});
});
