import { env } from "cloudflare:workers";
import { TopUpOptionsSchema, TopUpSchema } from "@penumbra/core/contracts";
import { describe, expect, it } from "vitest";
import { fakeStripe } from "../../../test/fake-stripe/client.ts";
import { chatFetch, createKey, gatewayFetch, signIn } from "./helpers.ts";

// The site's "Add money" card through the chat Worker: the signed-in person is the account's owner; an assistant's
// key through the same routes is not. The gateway auxiliary talks to the fake Stripe API.

const stripe = fakeStripe(env.TEST_FAKE_STRIPE_URL);

async function session() {
	const user = await signIn(`top-up-${crypto.randomUUID()}@example.com`);
	return { ...user, as: { cookie: user.cookie } };
}

describe("top-ups from the site", () => {
	it("starts a top-up for the signed-in owner, and shows it credited once Stripe's webhook landed", async () => {
		const user = await session();
		const options = TopUpOptionsSchema.parse(
			await (await chatFetch("/api/account/top-ups/options", { as: user.as })).json(),
		);
		expect(options).toMatchObject({ configured: true, min_cents: 500, max_cents: 50_000 });

		const key = `card-${crypto.randomUUID()}`;
		const started = await chatFetch("/api/account/top-ups", {
			as: user.as,
			json: { amount_cents: 2500 },
			headers: { "idempotency-key": key },
		});
		expect(started.status, await started.clone().text()).toBe(201);
		const topUp = TopUpSchema.parse(await started.json());
		expect(topUp).toMatchObject({ status: "pending", amount_cents: 2500 });
		// The same click again (same Idempotency-Key) is the same top-up and the same Checkout page.
		const again = await chatFetch("/api/account/top-ups", {
			as: user.as,
			json: { amount_cents: 2500 },
			headers: { "idempotency-key": key },
		});
		expect(TopUpSchema.parse(await again.json())).toEqual(topUp);

		const sessionId = topUp.checkout_url?.split("/checkout/")[1] ?? "";
		const event = await stripe.complete(sessionId, { card: { brand: "visa", last4: "4242" } });
		const delivered = await gatewayFetch("/v1/webhooks/stripe", {
			method: "POST",
			headers: { "stripe-signature": event.header, "content-type": "application/json" },
			body: event.payload,
		});
		expect(delivered.status, await delivered.clone().text()).toBe(200);

		const polled = await chatFetch(`/api/account/top-ups/${topUp.id}`, { as: user.as });
		expect(TopUpSchema.parse(await polled.json())).toMatchObject({
			status: "credited",
			card_brand: "visa",
			card_last4: "4242",
		});
		const statement = (await (await chatFetch("/api/account/statement", { as: user.as })).json()) as {
			entries: { kind: string; amount_cents: number; card_last4?: string }[];
		};
		expect(statement.entries[0]).toMatchObject({ kind: "top_up", amount_cents: 2500, card_last4: "4242" });
	});

	it("refuses an assistant's key, bad amounts and unknown ids", async () => {
		const agent = await createKey("authenticated", 0, "top-up-agent@example.com");
		const refused = await chatFetch("/api/account/top-ups", {
			as: { key: agent.key },
			json: { amount_cents: 1000 },
		});
		expect(refused.status).toBe(403);
		expect(await refused.json()).toMatchObject({ code: "FORBIDDEN", owner_only: true });

		const user = await session();
		const small = await chatFetch("/api/account/top-ups", { as: user.as, json: { amount_cents: 100 } });
		expect(small.status).toBe(400);
		expect(await small.json()).toMatchObject({
			code: "VALIDATION_FAILED",
			min_cents: 500,
			max_cents: 50_000,
		});
		expect((await chatFetch("/api/account/top-ups/tu_nope", { as: user.as })).status).toBe(404);
		expect((await chatFetch("/api/account/top-ups/options")).status).toBe(401);
	});
});
