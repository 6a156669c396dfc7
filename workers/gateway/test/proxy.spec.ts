import type { CompiledService } from "@penumbra/core/registry";
import { compileProvider } from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import {
	addServices,
	call,
	createKey,
	expectProblem,
	faulty,
	json,
	providerService,
	sandboxOrigin,
} from "./helpers.ts";

const echoSpec = {
	openapi: "3.1.0",
	info: { title: "Echo", version: "1" },
	paths: {
		"/items/{item_id}": {
			post: {
				operationId: "update_item",
				parameters: [
					{ name: "item_id", in: "path", required: true, schema: { type: "string" } },
					{ name: "tags", in: "query", schema: { type: "array", items: { type: "string" } } },
					{ name: "X-Trace", in: "header", schema: { type: "string" } },
				],
				requestBody: {
					required: true,
					content: {
						"application/json": {
							schema: {
								type: "object",
								required: ["name"],
								properties: { name: { type: "string" }, qty: { type: "integer" } },
							},
						},
					},
				},
			},
		},
		"/raw": {
			put: {
				operationId: "put_raw",
				parameters: [{ name: "name", in: "query", schema: { type: "string" } }],
				requestBody: {
					content: {
						"application/json": {
							schema: { type: "object", properties: { name: { type: "string" } } },
						},
					},
				},
			},
		},
		"/secrets": { get: { operationId: "get_secrets" } },
	},
};

function echoService(): CompiledService {
	const compiled = compileProvider({
		manifest: {
			id: "echo",
			name: "Echo",
			description: "Echoes requests back",
			category: "testing",
			tags: ["test"],
			auth: { scheme: "apiKey", in: "header", name: "X-Provider-Key" },
			endpoints: "openapi.yaml",
			upstream: `${sandboxOrigin()}/_echo`,
		},
		manifestFile: "providers/echo/provider.yaml",
		spec: echoSpec,
		specFile: "providers/echo/openapi.yaml",
	});
	if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
	return compiled.service;
}

interface Echo {
	method: string;
	path: string;
	query: Record<string, string | string[]>;
	headers: Record<string, string>;
	body: unknown;
}

describe("upstream request mapping", () => {
	it("maps path, query, header and flattened body parameters and injects the provider key, never the caller's", async () => {
		await addServices(echoService());
		const { key } = await createKey();
		const response = await call("/v1/services/echo/tools/update_item", {
			key,
			body: { parameters: { item_id: "a b/c", tags: ["x", "y"], "X-Trace": "t-1", name: "Widget", qty: 2 } },
		});
		expect(response.status).toBe(200);
		const { result } = await json<{ result: Echo }>(response);
		expect(result.method).toBe("POST");
		expect(result.path).toBe("/_echo/items/a%20b%2Fc");
		expect(result.query.tags).toEqual(["x", "y"]);
		expect(result.headers["x-trace"]).toBe("t-1");
		expect(result.body).toEqual({ name: "Widget", qty: 2 });
		expect(result.headers["x-provider-key"]).toBe("***REDACTED***");
		expect(result.headers["x-request-id"]).toBe(response.headers.get("x-request-id"));
		const raw = JSON.stringify(result);
		expect(raw).not.toContain(key);
		expect(result.headers.authorization).toBeUndefined();
	});

	it("puts the body under `body` when its properties collide with parameters", async () => {
		await addServices(echoService());
		const { key } = await createKey();
		const tools = await json<{
			tools: { name: string; input_schema: { properties: Record<string, unknown> } }[];
		}>(await call("/v1/services/echo/tools"));
		expect(
			Object.keys(tools.tools.find((t) => t.name === "put_raw")?.input_schema.properties ?? {}).sort(),
		).toEqual(["body", "name"]);
		const { result } = await json<{ result: Echo }>(
			await call("/v1/services/echo/tools/put_raw", {
				key,
				body: { parameters: { name: "q", body: { name: "b" } } },
			}),
		);
		expect(result).toMatchObject({ method: "PUT", query: { name: "q" }, body: { name: "b" } });
	});

	it("serves the transparent path proxy for declared operations only", async () => {
		await addServices(echoService());
		const { key } = await createKey();
		const response = await call("/echo/items/42?tags=z", { key, body: { name: "n" } });
		expect(response.status).toBe(200);
		const echo = await json<Echo>(response);
		expect(echo).toMatchObject({
			method: "POST",
			path: "/_echo/items/42",
			query: { tags: "z" },
			body: { name: "n" },
		});
		expect(echo.headers["x-provider-key"]).toBe("***REDACTED***");
		await expectProblem(await call("/echo/undeclared", { key }), 404, "NOT_FOUND");
		await expectProblem(await call("/echo/items/42", { body: { name: "n" } }), 401, "AUTH_REQUIRED");
	});
});

describe("upstream failures", () => {
	it("maps a hanging upstream to 504 UPSTREAM_TIMEOUT within the provider's timeout", async () => {
		await addServices(faulty("slowcast", "hang", { timeoutMs: 300 }));
		const { key } = await createKey();
		const started = Date.now();
		const problem = await expectProblem(
			await call("/v1/services/slowcast/tools/get_current_conditions", {
				key,
				body: { parameters: { city: "lisbon" } },
			}),
			504,
			"UPSTREAM_TIMEOUT",
		);
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(problem.timeout_ms).toBe(300);
	});

	it("maps upstream 5xx to 502 UPSTREAM_ERROR with the upstream status, after retrying idempotent calls", async () => {
		await addServices(faulty("brokencast", "status=503"));
		const { key } = await createKey();
		const problem = await expectProblem(
			await call("/v1/services/brokencast/tools/get_current_conditions", {
				key,
				body: { parameters: { city: "lisbon" } },
			}),
			502,
			"UPSTREAM_ERROR",
		);
		expect(problem.upstream_status).toBe(503);
	});

	it("passes upstream 4xx through as problems with the upstream's message", async () => {
		await addServices(faulty("notfoundcast", "status=404"), faulty("busycast", "status=429"));
		const { key } = await createKey();
		const notFound = await expectProblem(
			await call("/v1/services/notfoundcast/tools/get_current_conditions", {
				key,
				body: { parameters: { city: "lisbon" } },
			}),
			404,
			"NOT_FOUND",
		);
		expect(notFound.upstream_status).toBe(404);
		const busy = await call("/v1/services/busycast/tools/get_current_conditions", {
			key,
			body: { parameters: { city: "lisbon" } },
		});
		await expectProblem(busy, 429, "RATE_LIMITED");
		expect(Number(busy.headers.get("retry-after"))).toBeGreaterThan(0);
	});

	it("maps malformed JSON to 502 and an oversized answer to 413, without crashing", async () => {
		await addServices(
			faulty("garblecast", "malformed"),
			faulty("bigcast", "large=200000", { maxResponseBytes: 64 * 1024 }),
		);
		const { key } = await createKey();
		const garbled = await expectProblem(
			await call("/v1/services/garblecast/tools/get_current_conditions", {
				key,
				body: { parameters: { city: "lisbon" } },
			}),
			502,
			"UPSTREAM_ERROR",
		);
		expect(garbled.detail).toMatch(/malformed JSON/);
		const tooBig = await expectProblem(
			await call("/v1/services/bigcast/tools/get_current_conditions", {
				key,
				body: { parameters: { city: "lisbon" } },
			}),
			413,
			"PAYLOAD_TOO_LARGE",
		);
		expect(tooBig.limit_bytes).toBe(64 * 1024);
	});

	it("refuses an upstream on a private address that is not on the dev allowlist", async () => {
		const skycast = providerService("skycast");
		await addServices(
			{ ...skycast, card: { ...skycast.card, id: "metacast" }, upstream: "http://169.254.169.254/latest" },
			{ ...skycast, card: { ...skycast.card, id: "plaincast" }, upstream: "http://weather.example.com" },
		);
		const { key } = await createKey();
		for (const id of ["metacast", "plaincast"]) {
			const problem = await expectProblem(
				await call(`/v1/services/${id}/tools/get_current_conditions`, {
					key,
					body: { parameters: { city: "lisbon" } },
				}),
				403,
				"FORBIDDEN",
			);
			expect(problem.detail).toMatch(/Upstream URL refused/);
		}
	});

	it("redacts sensitive fields in upstream answers", async () => {
		await addServices(echoService());
		const { key } = await createKey();
		const { result } = await json<{ result: Echo }>(
			await call("/v1/services/echo/tools/put_raw", {
				key,
				body: {
					parameters: {
						body: {
							name: "ok",
							password: "hunter2",
							payment: { credit_card: "4111111111111111", cvv: "123" },
							contacts: [{ phone_number: "+1 555 0100", city: "Lisbon" }],
						},
					},
				},
			}),
		);
		expect(result.body).toEqual({
			name: "ok",
			password: "***REDACTED***",
			payment: { credit_card: "***REDACTED***", cvv: "***REDACTED***" },
			contacts: [{ phone_number: "***REDACTED***", city: "Lisbon" }],
		});
		// The whole card number: a random request id echoed back may well contain "4111".
		expect(JSON.stringify(result)).not.toMatch(/hunter2|4111111111111111/);
	});
});
