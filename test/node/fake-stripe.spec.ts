import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeStripe } from "../fake-stripe/client.ts";
import { type FakeStripe, startFakeStripe } from "../fake-stripe/server.ts";

/** The fake Stripe API seen through the real SDK, configured as the gateway configures it (STRIPE_API_BASE). */

const KEY = "sk_test_fake_0123456789";
const SECRET = "whsec_test_fake_0123456789";

let fake: FakeStripe;
let sdk: Stripe;
let control: ReturnType<typeof fakeStripe>;
let hook: Server;
let hookUrl: string;
const received: { body: string; signature: string }[] = [];

beforeAll(async () => {
	hook = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			received.push({
				body: Buffer.concat(chunks).toString("utf8"),
				signature: String(req.headers["stripe-signature"]),
			});
			res.writeHead(200).end("{}");
		});
	});
	await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
	hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/v1/webhooks/stripe`;
	fake = await startFakeStripe({ apiKey: KEY, webhookSecret: SECRET, webhookUrl: hookUrl });
	const base = new URL(fake.url);
	sdk = new Stripe(KEY, {
		host: base.hostname,
		port: base.port,
		protocol: "http",
		httpClient: Stripe.createFetchHttpClient(),
		maxNetworkRetries: 0,
	});
	control = fakeStripe(fake.url);
});

afterAll(async () => {
	await fake?.close();
	await new Promise((resolve) => hook?.close(resolve));
});

async function newSession(amount: number, topUp = `tu_${crypto.randomUUID()}`) {
	return sdk.checkout.sessions.create(
		{
			mode: "payment",
			line_items: [
				{
					price_data: { currency: "usd", unit_amount: amount, product_data: { name: "Penumbra balance" } },
					quantity: 1,
				},
			],
			metadata: { credential_id: "cred_test", top_up_id: topUp },
			client_reference_id: topUp,
			success_url: `http://site.test/account/top-up/${topUp}?status=success`,
			cancel_url: `http://site.test/account/top-up/${topUp}?status=cancelled`,
		},
		{ idempotencyKey: `penumbra-top-up-${topUp}` },
	);
}

describe("fake Stripe", () => {
	it("creates, retrieves with expand, and replays an idempotent create", async () => {
		const session = await newSession(2500, "tu_one");
		expect(session).toMatchObject({
			object: "checkout.session",
			amount_total: 2500,
			currency: "usd",
			status: "open",
			payment_status: "unpaid",
			metadata: { credential_id: "cred_test", top_up_id: "tu_one" },
			client_reference_id: "tu_one",
		});
		expect(session.url).toBe(`${fake.url}/checkout/${session.id}`);
		expect((await newSession(2500, "tu_one")).id).toBe(session.id);
		await expect(newSession(3000, "tu_one")).rejects.toThrow(/same parameters/);

		const event = await control.complete(session.id, { card: { brand: "mastercard", last4: "4444" } });
		const verified = await sdk.webhooks.constructEventAsync(
			event.payload,
			event.header,
			SECRET,
			300,
			Stripe.createSubtleCryptoProvider(),
		);
		expect(verified.type).toBe("checkout.session.completed");
		const paid = await sdk.checkout.sessions.retrieve(session.id, {
			expand: ["payment_intent.latest_charge"],
		});
		expect(paid.payment_status).toBe("paid");
		const intent = paid.payment_intent as Stripe.PaymentIntent;
		const charge = intent.latest_charge as Stripe.Charge;
		expect(charge.payment_method_details?.card).toMatchObject({ brand: "mastercard", last4: "4444" });
	});

	it("refunds no more than was charged and lists sessions and refunds", async () => {
		const session = await newSession(1000);
		await control.complete(session.id);
		const paid = await sdk.checkout.sessions.retrieve(session.id);
		const intent = paid.payment_intent as string;
		const refund = await sdk.refunds.create(
			{ payment_intent: intent, amount: 400, metadata: { top_up_id: "x" } },
			{ idempotencyKey: "refund-a" },
		);
		expect(refund).toMatchObject({ amount: 400, status: "succeeded", payment_intent: intent });
		expect(
			(
				await sdk.refunds.create(
					{ payment_intent: intent, amount: 400, metadata: { top_up_id: "x" } },
					{ idempotencyKey: "refund-a" },
				)
			).id,
		).toBe(refund.id);
		await expect(sdk.refunds.create({ payment_intent: intent, amount: 601 })).rejects.toThrow(
			/greater than unrefunded/,
		);
		const listed = await sdk.refunds.list({ payment_intent: intent });
		expect(listed.data.map((r) => r.id)).toEqual([refund.id]);
		const all: string[] = [];
		for await (const s of sdk.checkout.sessions.list({ limit: 1, created: { gte: paid.created - 1 } }))
			all.push(s.id);
		expect(all).toContain(session.id);
		expect(new Set(all).size).toBe(all.length);
	});

	it("the hosted page pays, redirects to the success URL and delivers the signed event", async () => {
		const session = await newSession(500, "tu_hosted");
		const page = await fetch(session.url as string);
		expect(await page.text()).toContain('data-testid="pay"');
		const paid = await fetch(`${fake.url}/checkout/${session.id}/pay`, {
			method: "POST",
			redirect: "manual",
		});
		expect(paid.status).toBe(303);
		expect(paid.headers.get("location")).toBe("http://site.test/account/top-up/tu_hosted?status=success");
		await expect.poll(() => received.some((r) => r.body.includes(session.id))).toBe(true);
		const delivery = received.find((r) => r.body.includes(session.id));
		const verified = await sdk.webhooks.constructEventAsync(
			delivery?.body ?? "",
			delivery?.signature ?? "",
			SECRET,
			300,
			Stripe.createSubtleCryptoProvider(),
		);
		expect(verified.type).toBe("checkout.session.completed");
		// A second payment of the same session is refused.
		expect(
			(await fetch(`${fake.url}/checkout/${session.id}/pay`, { method: "POST", redirect: "manual" })).status,
		).toBe(409);
	});

	it("scripted failures reach the SDK as Stripe errors", async () => {
		await control.fail({ path: "/v1/checkout/sessions", method: "POST", match: "tu_broken", status: 500 });
		await expect(newSession(500, "tu_broken")).rejects.toMatchObject({
			type: "StripeAPIError",
			statusCode: 500,
		});
		expect((await newSession(500, "tu_broken")).amount_total).toBe(500);
		await expect(
			new Stripe("sk_test_wrong", {
				host: new URL(fake.url).hostname,
				port: new URL(fake.url).port,
				protocol: "http",
				maxNetworkRetries: 0,
			}).checkout.sessions.list(),
		).rejects.toMatchObject({ statusCode: 401 });
	});
});
