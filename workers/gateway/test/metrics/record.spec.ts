import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { PenumbraError } from "@penumbra/core/errors";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { onError } from "../../src/errors.ts";
import { noteTool, recordRequests, requestMetricsOf } from "../../src/metrics/record.ts";
import type { AppEnv } from "../../src/types.ts";

/** The request middleware alone (AGENTS.md rule 7), on a small app with the real D1 store. */
const app = new Hono<AppEnv>();
app.use("*", async function testRequestId(c, next) {
	c.set("requestId", c.req.header("x-request-id") ?? "record-spec-none");
	await next();
});
app.use("*", recordRequests());
app.get("/v1/things/:id", (c) => c.json({ id: c.req.param("id") }));
app.post("/v1/tools/:tool", (c) => {
	noteTool(c, "recordcast", c.req.param("tool"));
	requestMetricsOf(c).fee_cents = 4;
	return c.json({});
});
app.post("/v1/failing/:tool", (c) => {
	noteTool(c, "recordcast", c.req.param("tool"));
	requestMetricsOf(c).fee_cents = 4;
	throw new PenumbraError("UPSTREAM_ERROR", { detail: "The service failed." });
});
app.onError(onError);

async function pointOf(method: string, path: string, id: string) {
	const ctx = createExecutionContext();
	const response = await app.request(path, { method, headers: { "x-request-id": id } }, env, ctx);
	// The insert runs on waitUntil after the answer; waiting for the context is waiting for it.
	await waitOnExecutionContext(ctx);
	const row = await env.DB.prepare(
		"SELECT service, tool, status, outcome, caller, amount_cents, latency_ms FROM metric_points WHERE request_id = ?",
	)
		.bind(id)
		.first();
	return { status: response.status, row };
}

describe("recordRequests", () => {
	it("names a gateway route by its pattern, never by the path with its ids", async () => {
		const { status, row } = await pointOf("GET", "/v1/things/cred_abc123", "record-things-1");
		expect(status).toBe(200);
		expect(row).toMatchObject({
			service: "gateway",
			tool: "GET /v1/things/{id}",
			status: 200,
			outcome: "ok",
			caller: "anonymous",
			amount_cents: 0,
		});
	});

	it("counts a tool call toward its service and tool, with the fee captured", async () => {
		const { row } = await pointOf("POST", "/v1/tools/forecast", "record-tools-1");
		expect(row).toMatchObject({ service: "recordcast", tool: "forecast", status: 200, amount_cents: 4 });
	});

	it("records a thrown error with its rendered status as a fault, and no fee", async () => {
		const { status, row } = await pointOf("POST", "/v1/failing/forecast", "record-failing-1");
		expect(status).toBe(502);
		expect(row).toMatchObject({ service: "recordcast", status: 502, outcome: "fault", amount_cents: 0 });
	});

	it("records a request that matched no route", async () => {
		const { status, row } = await pointOf("GET", "/nowhere/at/all", "record-nowhere-1");
		expect(status).toBe(404);
		expect(row).toMatchObject({ service: "gateway", tool: "GET (no route)", outcome: "error" });
	});
});
