import type { TestProject } from "vitest/node";
import { FAKE_STRIPE_WEBHOOK_SECRET, startFakeStripe } from "../fake-stripe/server.ts";

declare module "vitest" {
	export interface ProvidedContext {
		/** Origin of the fake Stripe API the gateway is pointed at (STRIPE_API_BASE) in its own project. */
		fakeStripeUrl: string;
	}
}

/**
 * One fake Stripe API for the gateway project's run (test/fake-stripe). It signs events with the secret the gateway
 * is given; gateway tests deliver them through the gateway's entry themselves (workerd has no port the fake could
 * reach), and script it under their own sessions.
 */
export default async function setup(project: TestProject) {
	const fake = await startFakeStripe({ host: "127.0.0.1", webhookSecret: FAKE_STRIPE_WEBHOOK_SECRET });
	project.provide("fakeStripeUrl", fake.url);
	return () => fake.close();
}
