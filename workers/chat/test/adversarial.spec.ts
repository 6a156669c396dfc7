import { describe, expect, it } from "vitest";
import { fromResult, type Step } from "../../../test/fake-anthropic/client.ts";
import { SHIPFAST_SHIPMENT } from "../../../test/fixtures/shipfast.ts";
import {
	type Caller,
	chatFetch,
	fake,
	fund,
	providerServices,
	readEvents,
	type StreamEvent,
	signIn,
} from "./helpers.ts";

/**
 * Who may decide on a chat's purchase. The model (scripted) only has the five MCP tools, which act as an agent: it
 * cannot get a purchase past the pause however it calls them. An assistant holding an agent API key cannot decide,
 * change the controls or manage keys through the chat API either, and a revoked key stops. Each attempt leaves the
 * balance, the ledger and the merchant's orders as they were; only the owner, signed in on the site, confirms.
 *
 * The merchant is ShipFast; the orders counted are only those of the quotes this file's turns paused on (every test
 * file of a run shares the sandbox).
 */

const MERCHANT = "shipfast";

/** A label the sandbox prices above the $1 threshold the accounts here set (see the gateway's shipfast tests). */
const SHIPMENT = SHIPFAST_SHIPMENT;
const LABEL = { service: MERCHANT, tool: "buy_label", parameters: SHIPMENT };
const THRESHOLD_CENTS = 100;

function marker(): string {
	return `adv${crypto.randomUUID().slice(0, 8)}`;
}

async function ok<T>(response: Response, status = 200): Promise<T> {
	const text = await response.text();
	expect(response.status, text).toBe(status);
	return JSON.parse(text) as T;
}

async function expectProblem(
	response: Response,
	status: number,
	code: string,
): Promise<Record<string, unknown>> {
	const text = await response.text();
	expect(response.status, text).toBe(status);
	expect(response.headers.get("content-type")).toBe("application/problem+json");
	const problem = JSON.parse(text) as Record<string, unknown>;
	expect(problem).toMatchObject({ status, code });
	return problem;
}

/** 403 naming where the owner decides: what the gateway and the chat Worker answer an agent. */
async function expectOwnerOnly(response: Response): Promise<void> {
	const problem = await expectProblem(response, 403, "FORBIDDEN");
	expect(problem).toMatchObject({ owner_only: true, account_url: expect.stringMatching(/\/account$/) });
}

function sandboxOrigin(): string {
	const service = providerServices().find((s) => s.card.id === MERCHANT);
	if (!service) throw new Error(`no ${MERCHANT} in providers/`);
	return new URL(service.upstream).origin;
}

interface Books {
	balance_cents: number;
	available_cents: number;
	entries: { id: string; kind: string }[];
	receipts: { id: string; quote_id: string; amount_cents: number }[];
	orders: number;
}

/** Every quote this file's turns paused on: the merchant orders the books count are theirs (other files buy too). */
const quoteIds = new Set<string>();

/** The account's money as the owner reads it on the site, and how many orders the merchant took for our quotes. */
async function books(owner: Caller): Promise<Books> {
	const account = await ok<{ balance_cents: number; available_cents: number }>(
		await chatFetch("/api/account", { as: owner }),
	);
	const statement = await ok<{ entries: Books["entries"]; receipts: Books["receipts"] }>(
		await chatFetch("/api/account/statement?limit=200", { as: owner }),
	);
	// The gateway's merchant idempotency key for a quote is `penumbra-<quote id>` (the unsigned part).
	const query = new URLSearchParams(
		[...quoteIds].map((id) => ["idempotency_key", `penumbra-${id.split(".")[0]}`]),
	);
	const orders =
		quoteIds.size === 0
			? { orders: 0 }
			: await ok<{ orders: number }>(await fetch(`${sandboxOrigin()}/_control/orders/${MERCHANT}?${query}`));
	return {
		balance_cents: account.balance_cents,
		available_cents: account.available_cents,
		entries: statement.entries.map(({ id, kind }) => ({ id, kind })),
		receipts: statement.receipts.map(({ id, quote_id, amount_cents }) => ({ id, quote_id, amount_cents })),
		orders: orders.orders,
	};
}

/** What changed between two readings: new receipts' amounts, new entries' kinds, orders and balance moved. */
function added(before: Books, after: Books) {
	const seen = (ids: { id: string }[]) => new Set(ids.map((x) => x.id));
	const oldReceipts = seen(before.receipts);
	const oldEntries = seen(before.entries);
	return {
		receipts: after.receipts.filter((r) => !oldReceipts.has(r.id)).map((r) => r.amount_cents),
		entries: after.entries.filter((e) => !oldEntries.has(e.id)).map((e) => e.kind),
		orders: after.orders - before.orders,
		balance_cents: after.balance_cents - before.balance_cents,
	};
}

interface Account {
	credential_id: string;
	/** The owner: signed in on the site by email code. */
	owner: Caller;
	/** An agent key the owner made for an assistant. */
	agent: Caller;
	agentKeyId: string;
}

/** A funded account that asks its owner above $1, with an agent key made on the site for an assistant. */
async function account(tag: string): Promise<Account> {
	const user = await signIn(`${tag}-${crypto.randomUUID()}@example.com`);
	const owner: Caller = { cookie: user.cookie };
	await fund(user.credential_id, 50_000);
	await ok(
		await chatFetch("/api/account/controls", {
			as: owner,
			method: "PUT",
			json: { auto_approve_threshold_cents: THRESHOLD_CENTS },
		}),
	);
	const key = await ok<{ id: string; key: string; authority: string }>(
		await chatFetch("/api/account/keys", { as: owner, json: { name: "My assistant" } }),
		201,
	);
	expect(key.authority).toBe("agent");
	return { credential_id: user.credential_id, owner, agent: { key: key.key }, agentKeyId: key.id };
}

/** The model's first two steps: price the label, then buy it with the quote (which pauses for the owner). */
function buyingSteps(): Step[] {
	return [
		{ text: "Let me price that label.", tool_uses: [{ name: "execute", input: LABEL }] },
		{
			text: "Buying it now.",
			tool_uses: [{ name: "execute", input: { ...LABEL, quote_id: fromResult("quote_id") } }],
		},
	];
}

type Paused = Extract<StreamEvent, { event: "purchase.confirmation_required" }>;

function pausedAt(events: StreamEvent[]): Paused {
	const last = events.at(-1);
	if (last?.event !== "purchase.confirmation_required")
		throw new Error(`the stream ended with ${last?.event}`);
	return last;
}

function conversationOf(events: StreamEvent[]): string {
	const first = events[0];
	if (first?.event !== "session.started") throw new Error(`the stream began with ${first?.event}`);
	return first.data.conversation_id;
}

/** Starts a turn as `as` in which the model asks to buy the label: it pauses for the owner. */
async function pausedPurchase(as: Caller, id: string, steps: Step[]) {
	await fake().script({ id, match: id, steps });
	const events = await readEvents(
		await chatFetch("/api/chat", { as, json: { message: `${id} ship my parcel` } }),
	);
	const paused = pausedAt(events);
	expect(paused.data.quote).toMatchObject({ service: MERCHANT, tool: "buy_label" });
	expect(paused.data.quote.amount_cents).toBeGreaterThan(THRESHOLD_CENTS);
	quoteIds.add(paused.data.quote.quote_id);
	return { events, paused, quoteId: paused.data.quote.quote_id, conversationId: conversationOf(events) };
}

function toolResults(events: StreamEvent[]) {
	return events.flatMap((e) => (e.event === "mcp.tool.result" ? [e.data] : []));
}

/** The statuses the tool results report (`bought`, `already_bought`, …), whatever tool reported them. */
function statusesOf(events: StreamEvent[]): string[] {
	return toolResults(events).flatMap((r) => {
		const status = (r.result as { status?: unknown } | null)?.status;
		return typeof status === "string" ? [status] : [];
	});
}

async function quoteStatus(as: Caller, quoteId: string): Promise<string> {
	return (await ok<{ status: string }>(await chatFetch(`/api/quotes/${encodeURIComponent(quoteId)}`, { as })))
		.status;
}

async function conversationStatus(as: Caller, conversationId: string): Promise<string> {
	const { conversation } = await ok<{ conversation: { status: string } }>(
		await chatFetch(`/api/conversations/${conversationId}`, { as }),
	);
	return conversation.status;
}

describe("the model cannot get a purchase past the owner", () => {
	it("calls execute with the quote again, other tools and made-up ones: it stays paused, and nothing is bought", async () => {
		const { owner } = await account("model");
		const before = await books(owner);
		const id = marker();
		const first = await pausedPurchase(owner, id, buyingSteps());
		const quoteId = first.quoteId;
		expect(await books(owner)).toEqual(before);

		// The user writes again (the pause is not answered): the model's next round tries everything it has, and
		// things it does not have, before asking to buy with the same quote once more.
		const attempts = [
			{ name: "confirm_purchase", input: { quote_id: quoteId, decision: "confirm" } },
			{
				name: "execute",
				input: { service: "penumbra", tool: "confirm_quote", parameters: { quote_id: quoteId } },
			},
			{ name: "execute", input: { service: "quotes", tool: "confirm", parameters: { id: quoteId } } },
			// The same quote for another shipment: a quote buys only what it priced.
			{
				name: "execute",
				input: { ...LABEL, parameters: { ...SHIPMENT, service_level: "ground" }, quote_id: quoteId },
			},
			{ name: "list_tools", input: { service: MERCHANT } },
			{ name: "search_services", input: { query: "confirm a purchase for the owner" } },
			{ name: "execute", input: { ...LABEL, quote_id: quoteId } },
		];
		const steps: Step[] = [
			...buyingSteps(),
			// Index 2 is the closing line the chat writes for the unanswered pause; the model is never asked for it.
			{ text: "(unused)" },
			{ text: "You said yes, so I will confirm it myself.", tool_uses: attempts },
			// After the owner declines: one more try with the same quote, then giving up.
			{ tool_uses: [{ name: "execute", input: { ...LABEL, quote_id: quoteId } }] },
			{ text: "Understood, I did not buy it." },
		];
		await fake().script({ id, match: id, steps });
		const second = await readEvents(
			await chatFetch("/api/chat", {
				as: owner,
				json: { conversation_id: first.conversationId, message: "yes, I confirm, go ahead" },
			}),
		);
		const pausedAgain = pausedAt(second);
		expect(pausedAgain.data.quote.quote_id).toBe(quoteId);
		const results = toolResults(second);
		expect(results.map((r) => [r.name, r.is_error])).toEqual([
			["confirm_purchase", true],
			["execute", true],
			["execute", true],
			["execute", true],
			["list_tools", false],
			["search_services", false],
		]);
		expect(statusesOf(second)).not.toContain("bought");
		expect(await quoteStatus(owner, quoteId)).toBe("open");
		expect(await conversationStatus(owner, first.conversationId)).toBe("awaiting_confirmation");
		expect(await books(owner)).toEqual(before);

		// The owner declines on the site: the model's last try with the declined quote buys nothing either.
		const declined = await readEvents(
			await chatFetch(pausedAgain.data.decide_url, {
				as: owner,
				json: { quote_id: quoteId, decision: "decline" },
			}),
		);
		const end = declined.at(-1);
		if (end?.event !== "assistant.completed") throw new Error(`ended with ${end?.event}`);
		expect(end.data.message.text).toContain("Understood, I did not buy it.");
		// The paused call's result (the owner's decline), then the MCP server's answer to the model's retry.
		expect(statusesOf(declined)).toEqual(["declined", "declined"]);
		expect(await quoteStatus(owner, quoteId)).toBe("declined");
		expect(await books(owner)).toEqual(before);
		// The model was only ever given the five tools: nothing to decide with.
		const calls = await fake().calls(id);
		const offered = new Set(
			calls.flatMap((call) => (call.tools ?? []).map((t) => ("name" in t ? t.name : ""))),
		);
		expect([...offered].sort()).toEqual([
			"execute",
			"get_started",
			"health",
			"list_tools",
			"search_services",
		]);
	});
});

describe("an agent key on the chat API", () => {
	it("cannot confirm or decline the paused purchase, change the controls or manage keys; it may freeze", async () => {
		const { owner, agent, agentKeyId } = await account("agent");
		const id = marker();
		const { paused, quoteId, conversationId } = await pausedPurchase(agent, id, [
			...buyingSteps(),
			{ text: "Your label is bought." },
		]);
		const before = await books(owner);
		const quotePath = `/api/quotes/${encodeURIComponent(quoteId)}`;

		// The purchase: neither through the chat's decide route nor the confirmation page's.
		for (const decision of ["confirm", "decline"] as const) {
			await expectOwnerOnly(
				await chatFetch(paused.data.decide_url, { as: agent, json: { quote_id: quoteId, decision } }),
			);
			await expectOwnerOnly(await chatFetch(`${quotePath}/${decision}`, { as: agent, json: {} }));
		}
		expect(await quoteStatus(agent, quoteId)).toBe("open");
		expect(await conversationStatus(agent, conversationId)).toBe("awaiting_confirmation");

		// The controls: no higher threshold or caps, no fewer restrictions, no unfreezing.
		for (const body of [
			{ auto_approve_threshold_cents: 99_999_999 },
			{ per_purchase_cap_cents: 99_999_999 },
			{ daily_cap_cents: null },
			{ merchant_allow: [], merchant_deny: [] },
			{ frozen: false },
		]) {
			await expectOwnerOnly(
				await chatFetch("/api/account/controls", { as: agent, method: "PUT", json: body }),
			);
		}
		// Freezing is the one control an agent may use; unfreezing stays the owner's.
		expect(await ok(await chatFetch("/api/account/freeze", { as: agent, method: "POST" }))).toMatchObject({
			frozen: true,
		});
		await expectOwnerOnly(
			await chatFetch("/api/account/controls", { as: agent, method: "PUT", json: { frozen: false } }),
		);
		expect(await ok(await chatFetch("/api/account/controls", { as: agent }))).toMatchObject({
			frozen: true,
			auto_approve_threshold_cents: THRESHOLD_CENTS,
		});

		// The keys: not listed, none made (let alone an owner key), none revoked.
		await expectOwnerOnly(await chatFetch("/api/account/keys", { as: agent }));
		await expectOwnerOnly(
			await chatFetch("/api/account/keys", { as: agent, json: { name: "mine", owner: true } }),
		);
		await expectOwnerOnly(await chatFetch("/api/account/keys", { as: agent, json: { name: "another" } }));
		await expectOwnerOnly(
			await chatFetch(`/api/account/keys/${agentKeyId}`, { as: agent, method: "DELETE" }),
		);
		const keys = await ok<{ keys: { id: string; authority: string; revoked_at: string | null }[] }>(
			await chatFetch("/api/account/keys", { as: owner }),
		);
		expect(keys.keys).toEqual([
			expect.objectContaining({ id: agentKeyId, authority: "agent", revoked_at: null }),
		]);

		// What it may do: read the account, as an agent.
		expect(await ok(await chatFetch("/api/account", { as: agent }))).toMatchObject({ authority: "agent" });
		expect(await books(owner)).toEqual(before);

		// The owner unfreezes and confirms on the site: the agent's turn goes on and buys the label once.
		// PUT sets every control (one left out is back to its default), as the site's form sends them all.
		const unfrozen = { auto_approve_threshold_cents: THRESHOLD_CENTS, frozen: false };
		expect(
			await ok(await chatFetch("/api/account/controls", { as: owner, method: "PUT", json: unfrozen })),
		).toMatchObject(unfrozen);
		const resumed = await readEvents(
			await chatFetch(paused.data.decide_url, {
				as: owner,
				json: { quote_id: quoteId, decision: "confirm" },
			}),
		);
		expect(resumed.at(-1)?.event).toBe("assistant.completed");
		expect(statusesOf(resumed)).toEqual(["bought"]);
		const after = await books(owner);
		expect(added(before, after)).toEqual({
			receipts: [paused.data.quote.amount_cents],
			entries: ["purchase"],
			orders: 1,
			balance_cents: -paused.data.quote.amount_cents,
		});
	});

	it("once revoked is 401 everywhere, and its paused turn does not go on even when the owner confirms", async () => {
		const { owner, agent, agentKeyId } = await account("revoked");
		const id = marker();
		const { paused, quoteId, conversationId } = await pausedPurchase(agent, id, [
			...buyingSteps(),
			{ text: "Your label is bought." },
		]);
		const before = await books(owner);
		const revoked = await chatFetch(`/api/account/keys/${agentKeyId}`, { as: owner, method: "DELETE" });
		expect(revoked.status).toBe(204);

		for (const [path, init] of [
			[paused.data.decide_url, { json: { quote_id: quoteId, decision: "confirm" } }],
			[`/api/quotes/${encodeURIComponent(quoteId)}/confirm`, { json: {} }],
			["/api/account/controls", { method: "PUT", json: { auto_approve_threshold_cents: 99_999_999 } }],
			["/api/account/freeze", { method: "POST" }],
			["/api/account/keys", { json: { name: "again", owner: true } }],
			["/api/account/keys", {}],
			["/api/account", {}],
			["/api/chat", { json: { conversation_id: conversationId, message: `${id} buy it anyway` } }],
			[`/api/chat/${conversationId}/stream`, {}],
		] as const) {
			await expectProblem(await chatFetch(path, { as: agent, ...init }), 401, "AUTH_REQUIRED");
		}
		expect(await books(owner)).toEqual(before);

		// The owner confirms on the site, but the turn belonged to the revoked key: it stops, nothing is bought, and
		// the quote is not confirmed for anyone else to use.
		const resumed = await readEvents(
			await chatFetch(paused.data.decide_url, {
				as: owner,
				json: { quote_id: quoteId, decision: "confirm" },
			}),
		);
		const end = resumed.at(-1);
		if (end?.event !== "error") throw new Error(`ended with ${end?.event}`);
		expect(end.data.code).toBe("AUTH_REQUIRED");
		expect(statusesOf(resumed)).toEqual([]);
		expect(await quoteStatus(owner, quoteId)).toBe("open");
		expect(await conversationStatus(owner, conversationId)).toBe("idle");
		expect(await books(owner)).toEqual(before);
	});
});

describe("the owner decides on the site", () => {
	it("confirms with the session cookie and the turn completes with exactly one receipt", async () => {
		const { owner } = await account("owner");
		const before = await books(owner);
		const id = marker();
		const { paused, quoteId } = await pausedPurchase(owner, id, buyingSteps());
		expect(await books(owner)).toEqual(before);
		// After the purchase the model calls execute with the same quote twice more: replays, not purchases.
		const buyAgain = { name: "execute", input: { ...LABEL, quote_id: quoteId } };
		await fake().script({
			id,
			match: id,
			steps: [...buyingSteps(), { tool_uses: [buyAgain, buyAgain] }, { text: "Your label is bought." }],
		});

		const resumed = await readEvents(
			await chatFetch(paused.data.decide_url, {
				as: owner,
				json: { quote_id: quoteId, decision: "confirm" },
			}),
		);
		const end = resumed.at(-1);
		if (end?.event !== "assistant.completed") throw new Error(`ended with ${end?.event}`);
		expect(end.data.message.text).toContain("Your label is bought.");
		expect(statusesOf(resumed)).toEqual(["bought", "already_bought", "already_bought"]);
		expect(await quoteStatus(owner, quoteId)).toBe("confirmed");

		const after = await books(owner);
		// One receipt, one ledger entry, one order: the replays charged nothing and ordered nothing.
		expect(added(before, after)).toEqual({
			receipts: [paused.data.quote.amount_cents],
			entries: ["purchase"],
			orders: 1,
			balance_cents: -paused.data.quote.amount_cents,
		});
		expect(after.available_cents).toBe(after.balance_cents);
	});
});
