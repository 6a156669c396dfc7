import type { TestProject } from "vitest/node";
import { startWebhookReceiver } from "./webhook-receiver.ts";

declare module "vitest" {
	export interface ProvidedContext {
		/** Origin of the recording alert webhook (webhook-receiver.ts); tests add it to the upstream allowlist. */
		alertWebhookOrigin: string;
	}
}

/** One recording alert webhook for the gateway project's run; each test uses its own `/hooks/<id>`. */
export default async function setup(project: TestProject) {
	const receiver = await startWebhookReceiver();
	project.provide("alertWebhookOrigin", receiver.url);
	return () => receiver.close();
}
