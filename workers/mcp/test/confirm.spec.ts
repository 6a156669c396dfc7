import type { Client } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import {
	type Account,
	asOwner,
	callTool,
	connect,
	createAccount,
	foodOrder,
	gatewayFetch,
	textOf,
} from "./helpers.ts";

interface Quoted {
	status: string;
	quote: { quote_id: string; amount_cents: number };
	needs_owner_confirmation?: boolean;
	confirmation_url?: string;
}

interface ToolError {
	error: { code: string; detail: string; confirmation_url?: string };
}

interface Awaiting {
	status: string;
	quote_id: string;
	confirmation_url: string;
	next: string;
}

/** A funded account whose every purchase needs the owner's confirmation (auto-approve threshold 0). */
function cautiousOwner(): Promise<Account> {
	return createAccount({ fundCents: 50_000, thresholdCents: 0 });
}

async function quoteFood(client: Client): Promise<{ parameters: Record<string, unknown>; quote: Quoted }> {
	const parameters = await foodOrder(client);
	const quoted = await callTool<Quoted>(client, "execute", {
		service: "fooddash",
		tool: "checkout",
		parameters,
	});
	expect(quoted.isError, textOf(quoted)).toBeFalsy();
	if (!quoted.structuredContent) throw new Error("no quote");
	return { parameters, quote: quoted.structuredContent };
}

const balance = async (account: Account) =>
	(await asOwner<{ balance_cents: number }>(account.ownerKey, "/v1/account")).balance_cents;
const quoteStatus = async (account: Account, quoteId: string) =>
	(await asOwner<{ status: string }>(account.ownerKey, `/v1/quotes/${encodeURIComponent(quoteId)}`)).status;

/** What the owner does on the confirmation page, done here with their owner key. */
const ownerDecides = (account: Account, quoteId: string, decision: "confirm" | "decline") =>
	asOwner(account.ownerKey, `/v1/quotes/${encodeURIComponent(quoteId)}/${decision}`, { body: {} });

describe("purchases above the auto-approve threshold", () => {
	it("need the owner's confirmation through the link; the model cannot skip it", async () => {
		const account = await cautiousOwner();
		const client = await connect({ key: account.agentKey });
		const { parameters, quote } = await quoteFood(client);
		expect(quote.needs_owner_confirmation).toBe(true);
		expect(quote.confirmation_url).toContain(`/confirm/${encodeURIComponent(quote.quote.quote_id)}`);
		const before = await balance(account);

		const buy = (extra: Record<string, unknown> = {}) =>
			callTool<ToolError>(client, "execute", {
				service: "fooddash",
				tool: "checkout",
				parameters: { ...parameters, ...extra },
				quote_id: quote.quote.quote_id,
			});
		const refused = await buy();
		expect(refused.isError).toBe(true);
		expect(refused.structuredContent?.error.code).toBe("CONFIRMATION_REQUIRED");
		expect(refused.structuredContent?.error.confirmation_url).toBe(quote.confirmation_url);
		// Nothing the model can put in the arguments confirms it: the parameters are bound to the quote.
		const forged = await buy({ confirmed: true });
		expect(forged.isError).toBe(true);
		// Nor can the assistant's own key confirm it over REST: only the owner decides.
		const direct = await gatewayFetch(`/v1/quotes/${encodeURIComponent(quote.quote.quote_id)}/confirm`, {
			method: "POST",
			headers: { authorization: `Bearer ${account.agentKey}` },
		});
		expect(direct.status).toBe(403);
		expect(await balance(account)).toBe(before);

		await ownerDecides(account, quote.quote.quote_id, "confirm");
		const bought = await callTool<{ status: string; receipt: { amount_cents: number } }>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters,
			quote_id: quote.quote.quote_id,
		});
		expect(bought.isError, textOf(bought)).toBeFalsy();
		expect(bought.structuredContent?.receipt.amount_cents).toBe(quote.quote.amount_cents);
		expect(await balance(account)).toBe(before - quote.quote.amount_cents);
	});

	it("open the confirmation page by URL elicitation; the client's accept confirms nothing (2026-07-28)", async () => {
		const account = await cautiousOwner();
		const asked: { mode?: string; url?: string; message: string }[] = [];
		const client = await connect({
			key: account.agentKey,
			client: { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: "auto" } },
			prepare: (c) =>
				c.setRequestHandler("elicitation/create", async (request) => {
					const params = request.params as { mode?: string; url?: string; message: string };
					asked.push(params);
					return { action: "accept" };
				}),
		});
		const { parameters, quote } = await quoteFood(client);
		const before = await balance(account);
		const execute = () =>
			callTool<Awaiting & { receipt?: { amount_cents: number } }>(client, "execute", {
				service: "fooddash",
				tool: "checkout",
				parameters,
				quote_id: quote.quote.quote_id,
			});

		const waiting = await execute();
		expect(waiting.isError, textOf(waiting)).toBeFalsy();
		expect(waiting.structuredContent).toMatchObject({
			status: "awaiting_confirmation",
			confirmation_url: quote.confirmation_url,
		});
		expect(textOf(waiting)).toContain("Not bought yet");
		expect(asked).toHaveLength(1);
		expect(asked[0]).toMatchObject({ mode: "url", url: quote.confirmation_url });
		expect(asked[0]?.message).toContain("Only the account's owner can confirm");
		expect(await quoteStatus(account, quote.quote.quote_id)).toBe("open");
		expect(await balance(account)).toBe(before);

		await ownerDecides(account, quote.quote.quote_id, "confirm");
		const bought = await execute();
		expect(bought.isError, textOf(bought)).toBeFalsy();
		expect(bought.structuredContent?.receipt?.amount_cents).toBe(quote.quote.amount_cents);
		// Once confirmed, nobody is asked again.
		expect(asked).toHaveLength(1);
		expect(await balance(account)).toBe(before - quote.quote.amount_cents);
	});

	it("a client that can only fill forms is never asked: it gets the link, and its form answer counts for nothing", async () => {
		const account = await cautiousOwner();
		let asked = 0;
		const client = await connect({
			key: account.agentKey,
			client: { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: "auto" } },
			prepare: (c) =>
				c.setRequestHandler("elicitation/create", async () => {
					asked += 1;
					return { action: "accept", content: { confirm: true } };
				}),
		});
		const { parameters, quote } = await quoteFood(client);
		const result = await callTool<ToolError>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters,
			quote_id: quote.quote.quote_id,
		});
		expect(result.isError).toBe(true);
		expect(result.structuredContent?.error).toMatchObject({
			code: "CONFIRMATION_REQUIRED",
			confirmation_url: quote.confirmation_url,
		});
		expect(asked).toBe(0);
		expect(await quoteStatus(account, quote.quote.quote_id)).toBe("open");
	});

	it("a declined elicitation leaves the quote open for the owner and buys nothing", async () => {
		const account = await cautiousOwner();
		const client = await connect({
			key: account.agentKey,
			client: { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: "auto" } },
			prepare: (c) => c.setRequestHandler("elicitation/create", async () => ({ action: "decline" })),
		});
		const { parameters, quote } = await quoteFood(client);
		const before = await balance(account);
		const result = await callTool<Awaiting>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters,
			quote_id: quote.quote.quote_id,
		});
		expect(result.isError, textOf(result)).toBeFalsy();
		expect(result.structuredContent?.status).toBe("awaiting_confirmation");
		expect(textOf(result)).toContain("the confirmation page was not opened");
		expect(await quoteStatus(account, quote.quote.quote_id)).toBe("open");
		expect(await balance(account)).toBe(before);
	});

	it("a quote the owner declined on the page is reported as declined, and nothing is bought", async () => {
		const account = await cautiousOwner();
		const client = await connect({ key: account.agentKey });
		const { parameters, quote } = await quoteFood(client);
		const before = await balance(account);
		await ownerDecides(account, quote.quote.quote_id, "decline");
		const result = await callTool<{ status: string }>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters,
			quote_id: quote.quote.quote_id,
		});
		expect(result.isError, textOf(result)).toBeFalsy();
		expect(result.structuredContent?.status).toBe("declined");
		expect(await balance(account)).toBe(before);
	});
});
