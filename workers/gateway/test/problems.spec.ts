import { env } from "cloudflare:workers";
import { serviceKey } from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import { addServices, call, createKey, expectProblem, providerService, sandboxOrigin } from "./helpers.ts";

describe("problem documents", () => {
	it("renders an unexpected failure as a bare INTERNAL problem without internals", async () => {
		const skycast = providerService("skycast");
		await addServices({ ...skycast, card: { ...skycast.card, id: "corruptcast" } });
		// A registry entry damaged in KV: the gateway must fail safely, not leak what broke.
		await env.REGISTRY.put(serviceKey("corruptcast"), JSON.stringify({ card: skycast.card, tools: "oops" }));
		const { key } = await createKey();
		const problem = await expectProblem(
			await call("/v1/services/corruptcast/tools/get_current_conditions", { key, body: { parameters: {} } }),
			500,
			"INTERNAL",
		);
		expect(problem.detail).toBe("An internal error occurred.");
		expect(JSON.stringify(problem)).not.toMatch(/TypeError|find|is not a function/);
		expect(problem.request_id).toEqual(expect.any(String));
	});

	it("passes an upstream 409 through as CONFLICT with the upstream's message", async () => {
		const skycast = providerService("skycast");
		await addServices({
			...skycast,
			card: { ...skycast.card, id: "conflictcast" },
			upstream: `${sandboxOrigin()}/_fault/status=409/skycast`,
		});
		const { key } = await createKey();
		const problem = await expectProblem(
			await call("/v1/services/conflictcast/tools/get_current_conditions", {
				key,
				body: { parameters: { city: "lisbon" } },
			}),
			409,
			"CONFLICT",
		);
		expect(problem.upstream_status).toBe(409);
		expect(problem.upstream_message).toEqual(expect.any(String));
	});

	it("carries the request id in the problem and the header, and accepts a caller's id", async () => {
		const response = await call("/v1/services/nope-nope", { headers: { "x-request-id": "trace-12345678" } });
		const problem = await expectProblem(response, 404, "NOT_FOUND");
		expect(response.headers.get("x-request-id")).toBe("trace-12345678");
		expect(problem.request_id).toBe("trace-12345678");
		expect(problem.instance).toBe("/v1/services/nope-nope");
	});
});
