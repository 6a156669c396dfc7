import { describe, expect, it } from "vitest";
import { call, createKey, expectProblem, json, providerServices } from "./helpers.ts";

interface Card {
	id: string;
	category: string;
	has_purchases: boolean;
}

describe("service discovery", () => {
	it("lists services anonymously, with categories, and filters by category", async () => {
		const all = await json<{ services: Card[]; count: number; categories: string[] }>(
			await call("/v1/services"),
		);
		expect(all.services.map((s) => s.id)).toEqual(expect.arrayContaining(["skycast", "fooddash"]));
		expect(all.count).toBe(all.services.length);
		expect(all.categories).toEqual(expect.arrayContaining(["weather", "food-delivery"]));

		const weather = await json<{ services: Card[] }>(await call("/v1/services?category=weather"));
		// Every weather provider the setup seeded from providers/, whatever else the catalog holds.
		const seeded = providerServices().filter((s) => s.card.category === "weather");
		expect(weather.services.map((s) => s.id).sort()).toEqual(seeded.map((s) => s.card.id).sort());
		expect(weather.services.map((s) => s.id)).toContain("skycast");
		expect(weather.services.every((s) => s.category === "weather")).toBe(true);
	});

	it("shows one service's card and tools", async () => {
		const body = await json<{ service: Card; tools: { name: string; purchase: boolean }[] }>(
			await call("/v1/services/fooddash"),
		);
		expect(body.service).toMatchObject({ id: "fooddash", category: "food-delivery", has_purchases: true });
		expect(body.tools.some((t) => t.purchase)).toBe(true);
	});

	it("lists tools with compact JSON Schemas, fees and purchase flags", async () => {
		const body = await json<{
			tools: {
				name: string;
				input_schema: { type: string; properties: Record<string, unknown> };
				fee_cents: number;
				auth_level: string;
				purchase: { kind: string; precheck?: string; amount_path: string } | null;
			}[];
		}>(await call("/v1/services/fooddash/tools"));
		for (const tool of body.tools) {
			expect(tool.input_schema.type).toBe("object");
			expect(Number.isInteger(tool.fee_cents)).toBe(true);
			expect(JSON.stringify(tool.input_schema)).not.toContain("$ref");
		}
		const purchase = body.tools.find((t) => t.purchase?.kind === "purchase");
		expect(purchase?.auth_level).toBe("authenticated");
		expect(purchase?.purchase).toMatchObject({ amount_path: "$.totals.total_cents" });
		expect(body.tools.find((t) => t.name === purchase?.purchase?.precheck)?.purchase?.kind).toBe("precheck");
	});

	it("answers an unknown service with the closest ids", async () => {
		const problem = await expectProblem(await call("/v1/services/skycats/tools"), 404, "NOT_FOUND");
		expect(problem.suggestions).toContain("skycast");
		expect(problem.detail).toContain('"skycast"');
	});

	it("answers an unknown tool with suggestions", async () => {
		const { key } = await createKey();
		const problem = await expectProblem(
			await call("/v1/services/skycast/tools/get_forcast", { key, body: { parameters: {} } }),
			404,
			"NOT_FOUND",
		);
		expect(problem.suggestions).toContain("get_forecast");
	});

	it("refuses malformed ids and unknown routes as problems", async () => {
		await expectProblem(await call("/v1/services/NOT%20AN%20ID"), 400, "VALIDATION_FAILED");
		await expectProblem(await call("/v1/nothing-here"), 404, "NOT_FOUND");
	});
});

describe("tool execution", () => {
	it("runs a free tool for an identified key and returns the upstream answer", async () => {
		const { key } = await createKey("identified");
		const response = await call("/v1/services/skycast/tools/get_current_conditions", {
			key,
			body: { parameters: { city: "lisbon" } },
		});
		expect(response.status).toBe(200);
		const body = await json<{
			service: string;
			tool: string;
			result: Record<string, unknown>;
			upstream: { status: number };
		}>(response);
		expect(body).toMatchObject({
			service: "skycast",
			tool: "get_current_conditions",
			upstream: { status: 200 },
		});
		expect(JSON.stringify(body.result).toLowerCase()).toContain("lisbon");
		expect(response.headers.get("x-request-id")).toBeTruthy();
	});

	it("needs a key for any tool, and the authenticated level for money tools", async () => {
		await expectProblem(
			await call("/v1/services/skycast/tools/get_current_conditions", {
				body: { parameters: { city: "lisbon" } },
			}),
			401,
			"AUTH_REQUIRED",
		);
		const identified = await createKey("identified");
		const tools = await json<{ tools: { name: string; purchase: { kind: string } | null }[] }>(
			await call("/v1/services/fooddash/tools"),
		);
		const precheck = tools.tools.find((t) => t.purchase?.kind === "precheck");
		const problem = await expectProblem(
			await call(`/v1/services/fooddash/tools/${precheck?.name}`, {
				key: identified.key,
				body: { parameters: {} },
			}),
			403,
			"FORBIDDEN",
		);
		expect(problem).toMatchObject({ required_level: "authenticated", current_level: "identified" });
	});

	it("refuses a purchase tool without a quote", async () => {
		const { key } = await createKey("authenticated");
		const tools = await json<{ tools: { name: string; purchase: { kind: string } | null }[] }>(
			await call("/v1/services/fooddash/tools"),
		);
		const purchase = tools.tools.find((t) => t.purchase?.kind === "purchase");
		await expectProblem(
			await call(`/v1/services/fooddash/tools/${purchase?.name}`, { key, body: { parameters: {} } }),
			409,
			"CONFIRMATION_REQUIRED",
		);
	});

	it("validates parameters against the tool schema before calling upstream", async () => {
		const { key } = await createKey("identified");
		const problem = await expectProblem(
			await call("/v1/services/skycast/tools/get_forecast", {
				key,
				body: { parameters: { city: 42, dayz: 3 } },
			}),
			400,
			"VALIDATION_FAILED",
		);
		const errors = problem.errors as { pointer: string; message: string }[];
		expect(errors.map((e) => e.pointer)).toEqual(
			expect.arrayContaining(["/parameters/city", "/parameters/dayz"]),
		);
		expect(errors.find((e) => e.pointer === "/parameters/dayz")?.message).toContain("days");
	});

	it("refuses a body that is not JSON or has the wrong shape", async () => {
		const { key } = await createKey("identified");
		await expectProblem(
			await call("/v1/services/skycast/tools/get_forecast", { key, body: "{not json" }),
			400,
			"VALIDATION_FAILED",
		);
		const problem = await expectProblem(
			await call("/v1/services/skycast/tools/get_forecast", { key, body: { parameters: "lisbon" } }),
			400,
			"VALIDATION_FAILED",
		);
		expect((problem.errors as { pointer: string }[])[0]?.pointer).toBe("/body/parameters");
	});
});

describe("platform OpenAPI document", () => {
	it("is OpenAPI 3.1 with the gateway's routes and every provider operation namespaced by service", async () => {
		const doc = await json<{
			openapi: string;
			paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
		}>(await call("/openapi.json"));
		expect(doc.openapi).toBe("3.1.0");
		expect(Object.keys(doc.paths)).toEqual(
			expect.arrayContaining(["/v1/health", "/v1/services", "/v1/services/{id}/tools/{tool}"]),
		);
		const skycastOps = Object.entries(doc.paths)
			.filter(([path]) => path.startsWith("/skycast/"))
			.flatMap(([, ops]) => Object.values(ops));
		expect(skycastOps.length).toBeGreaterThan(1);
		expect(
			skycastOps.every((op) => op.operationId?.startsWith("skycast.") && op.tags?.[0] === "skycast"),
		).toBe(true);
		const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
		expect(new Set(ids).size).toBe(ids.length);
	});

	it("serves an interactive docs page", async () => {
		const response = await call("/docs");
		expect(response.status).toBe(200);
		expect(await response.text()).toContain("/openapi.json");
	});

	it("reports health with the service count and registry age", async () => {
		const body = await json<{ status: string; services: number; registry: { built_at: string } }>(
			await call("/v1/health"),
		);
		expect(body.status).toBe("ok");
		expect(body.services).toBeGreaterThanOrEqual(2);
		expect(Date.parse(body.registry.built_at)).not.toBeNaN();
	});
});

describe("service list paging", () => {
	it("pages through the list with next_cursor and a limit", async () => {
		const all = await json<{ services: { id: string }[]; count: number }>(
			await call("/v1/services?limit=500"),
		);
		const seen: string[] = [];
		let cursor: string | null = null;
		do {
			const page: { services: { id: string }[]; count: number; next_cursor: string | null } = await json(
				await call(`/v1/services?limit=1${cursor ? `&cursor=${cursor}` : ""}`),
			);
			expect(page.services.length).toBeLessThanOrEqual(1);
			expect(page.count).toBe(all.count);
			seen.push(...page.services.map((s) => s.id));
			cursor = page.next_cursor;
		} while (cursor);
		expect(seen).toEqual(all.services.map((s) => s.id));
	});

	it("refuses a bad limit or cursor with pointers", async () => {
		const problem = await expectProblem(
			await call("/v1/services?limit=0&cursor=abc"),
			400,
			"VALIDATION_FAILED",
		);
		expect((problem.errors as { pointer: string }[]).map((e) => e.pointer).sort()).toEqual([
			"/query/cursor",
			"/query/limit",
		]);
	});
});
