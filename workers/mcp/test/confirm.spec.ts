import type { Client } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { asOwner, callTool, connect, createKey, foodOrder, textOf } from "./helpers.ts";

interface Quoted {
	status: string;
	quote: { quote_id: string; amount_cents: number };
	needs_owner_confirmation?: boolean;
	confirmation_url?: string;
}

interface ToolError {
	error: { code: string; detail: string; confirmation_url?: string };
}

/** A funded owner whose every purchase needs a human's confirmation (auto-approve threshold 0). */
async function cautiousOwner(): Promise<{ key: string; id: string }> {
	const owner = await createKey("authenticated", 50_000);
	await asOwner(owner.key, "/v1/account/controls", {
		method: "PUT",
		body: { auto_approve_threshold_cents: 0 },
	});
	return owner;
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

describe("purchases above the auto-approve threshold", () => {
	it("need the owner's confirmation through the link; the model cannot skip it", async () => {
		const { key } = await cautiousOwner();
		const client = await connect({ key });
		const { parameters, quote } = await quoteFood(client);
		expect(quote.needs_owner_confirmation).toBe(true);
		expect(quote.confirmation_url).toContain(`/confirm/${encodeURIComponent(quote.quote.quote_id)}`);
		const before = await asOwner<{ balance_cents: number }>(key, "/v1/account");

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
		expect((await asOwner<{ balance_cents: number }>(key, "/v1/account")).balance_cents).toBe(
			before.balance_cents,
		);

		// The owner confirms (what the confirmation page does for them) and the same call goes through.
		await asOwner(key, `/v1/quotes/${encodeURIComponent(quote.quote.quote_id)}/confirm`, { body: {} });
		const bought = await callTool<{ status: string; receipt: { amount_cents: number } }>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters,
			quote_id: quote.quote.quote_id,
		});
		expect(bought.isError, textOf(bought)).toBeFalsy();
		expect(bought.structuredContent?.receipt.amount_cents).toBe(quote.quote.amount_cents);
		const after = await asOwner<{ balance_cents: number }>(key, "/v1/account");
		expect(after.balance_cents).toBe(before.balance_cents - quote.quote.amount_cents);
	});

	it("are put to the human by elicitation when the client can ask (2026-07-28 protocol)", async () => {
		const { key } = await cautiousOwner();
		const asked: string[] = [];
		const client = await connect({
			key,
			client: { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: "auto" } },
			prepare: (c) =>
				c.setRequestHandler("elicitation/create", async (request) => {
					asked.push(String(request.params.message));
					return { action: "accept", content: { confirm: true } };
				}),
		});
		const { parameters, quote } = await quoteFood(client);
		const bought = await callTool<{ status: string; receipt: { amount_cents: number } }>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters,
			quote_id: quote.quote.quote_id,
		});
		expect(bought.isError, textOf(bought)).toBeFalsy();
		expect(asked).toHaveLength(1);
		expect(asked[0]).toContain("Confirm purchase");
		expect(bought.structuredContent?.receipt.amount_cents).toBe(quote.quote.amount_cents);
		const status = await asOwner<{ status: string }>(
			key,
			`/v1/quotes/${encodeURIComponent(quote.quote.quote_id)}`,
		);
		expect(status.status).toBe("confirmed");
	});

	it("a declined elicitation declines the quote and buys nothing", async () => {
		const { key } = await cautiousOwner();
		const client = await connect({
			key,
			client: { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: "auto" } },
			prepare: (c) => c.setRequestHandler("elicitation/create", async () => ({ action: "decline" })),
		});
		const { parameters, quote } = await quoteFood(client);
		const before = await asOwner<{ balance_cents: number }>(key, "/v1/account");
		const result = await callTool<{ status: string }>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters,
			quote_id: quote.quote.quote_id,
		});
		expect(result.structuredContent?.status).toBe("declined");
		const status = await asOwner<{ status: string }>(
			key,
			`/v1/quotes/${encodeURIComponent(quote.quote.quote_id)}`,
		);
		expect(status.status).toBe("declined");
		expect((await asOwner<{ balance_cents: number }>(key, "/v1/account")).balance_cents).toBe(
			before.balance_cents,
		);
	});
});
