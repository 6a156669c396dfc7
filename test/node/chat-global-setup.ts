import type { TestProject } from "vitest/node";
import { startFakeAnthropic } from "../fake-anthropic/server.ts";
import { bundleWorker } from "./bundles.ts";

declare module "vitest" {
	export interface ProvidedContext {
		/** Absolute path of the MCP Worker bundled by `wrangler deploy --dry-run`, for the chat tests. */
		mcpScript: string;
		/** Origin of the fake Anthropic Messages API the chat Worker is pointed at (ANTHROPIC_BASE_URL). */
		fakeAnthropicUrl: string;
		/** The only key the fake accepts: the chat Worker's ANTHROPIC_API_KEY in tests. */
		fakeAnthropicKey: string;
	}
}

const FAKE_ANTHROPIC_KEY = "sk-ant-test-chat-0123456789";

/**
 * The chat project's auxiliaries: the gateway and the MCP Worker bundled (shared with the MCP project's build of the
 * gateway), and one fake Anthropic API for the whole run; test files script it under their own ids.
 */
export default async function setup(project: TestProject) {
	const started = await Promise.allSettled([
		bundleWorker("wrangler.toml"),
		bundleWorker("workers/mcp/wrangler.toml"),
		startFakeAnthropic({ apiKey: FAKE_ANTHROPIC_KEY }),
	]);
	const teardown = async () => {
		const running = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
		await Promise.all(running.map((r) => ("release" in r ? r.release() : r.close())));
	};
	const [gateway, mcp, fake] = started;
	if (gateway.status === "rejected" || mcp.status === "rejected" || fake.status === "rejected") {
		await teardown();
		const failure = started.find((s) => s.status === "rejected");
		throw failure?.reason;
	}
	project.provide("gatewayScript", gateway.value.script);
	project.provide("mcpScript", mcp.value.script);
	project.provide("fakeAnthropicUrl", fake.value.url);
	project.provide("fakeAnthropicKey", FAKE_ANTHROPIC_KEY);
	return teardown;
}
