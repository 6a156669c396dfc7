/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import sandbox from "../src/index.ts";
import { MERCHANTS } from "../src/merchants/index.ts";
import { call, json, ORIGIN } from "./helpers.ts";

type Operation = Record<string, unknown> & { operationId?: string; responses?: Record<string, unknown> };
type Spec = {
	paths: Record<string, Record<string, Operation>>;
	servers: { url: string }[];
	"x-services": Record<string, Record<string, unknown>>;
};

// Every provider folder, so a new merchant is checked without editing this file.
const MANIFESTS = import.meta.glob<string>("../../../providers/*/provider.yaml", {
	query: "?raw",
	import: "default",
	eager: true,
});
const manifestOf = (id: string) => parse(MANIFESTS[`../../../providers/${id}/provider.yaml`] ?? "");
const METHODS = ["get", "post", "put", "patch", "delete"];

async function served(id: string): Promise<Spec> {
	const response = await call(`/${id}/openapi.json`);
	expect(response.status).toBe(200);
	return json<Spec>(response);
}

function operations(spec: Spec) {
	return Object.entries(spec.paths).flatMap(([path, item]) =>
		Object.entries(item)
			.filter(([method]) => METHODS.includes(method))
			.map(([method, operation]) => ({ path, method, operation })),
	);
}

describe.each(MERCHANTS.map((m) => [m.id, m] as const))("%s spec", (id, merchant) => {
	it("is the provider folder's openapi.yaml, with servers pointing at this sandbox", async () => {
		const spec = await served(id);
		expect(spec).toEqual({ ...parse(merchant.specYaml), servers: [{ url: `${ORIGIN}/${id}` }] });
		expect(parse(merchant.specYaml).servers).toEqual([
			expect.objectContaining({ url: `http://127.0.0.1:8791/${id}` }),
		]);
	});

	it("documents exactly the routes the merchant serves", async () => {
		const spec = await served(id);
		const documented = operations(spec)
			.map(({ path, method }) => `${method.toUpperCase()} /${id}${path.replace(/\{(\w+)\}/g, ":$1")}`)
			.sort();
		const routed = sandbox.routes
			.filter((r) => r.method !== "ALL" && r.path.startsWith(`/${id}/`) && r.path !== `/${id}/openapi.json`)
			.map((r) => `${r.method} ${r.path}`)
			.sort();
		expect(routed).toEqual(documented);
	});

	it("gives every operation an explicit snake_case operationId, a summary, a description and a response schema", async () => {
		const spec = await served(id);
		const ids = new Set<string>();
		for (const { path, operation } of operations(spec)) {
			expect(operation.operationId, path).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
			ids.add(operation.operationId ?? "");
			expect(typeof operation.summary).toBe("string");
			expect(String(operation.description).length).toBeGreaterThan(20);
			const success = Object.entries(operation.responses ?? {}).find(([status]) => status.startsWith("2"));
			expect(JSON.stringify(success?.[1]), path).toContain("#/components/schemas/");
		}
		expect(ids.size).toBe(operations(spec).length);
	});

	it("describes the service under x-services", async () => {
		const spec = await served(id);
		expect(spec["x-services"][id]).toEqual({
			description: expect.any(String),
			flow: expect.any(String),
			pricing_model: expect.any(String),
			typical_response_time: expect.any(String),
		});
	});

	it("has a provider.yaml that agrees with the sandbox merchant", () => {
		const manifest = manifestOf(id);
		expect(manifest).toMatchObject({ id, endpoints: "openapi.yaml", upstream: `\${SANDBOX_ORIGIN}/${id}` });
		expect(manifest.pricing.usage_fee_cents).toBeGreaterThanOrEqual(0);
	});

	it("refuses calls without an upstream credential exactly when provider.yaml declares one, wherever it goes", async () => {
		const auth: { scheme: string; in?: string; name?: string; prefix?: string } = manifestOf(id).auth;
		const spec = await served(id);
		const probe = operations(spec).find(({ path, method }) => method === "get" && !path.includes("{"));
		expect(probe, `${id} has a GET operation without path parameters`).toBeDefined();
		const path = `/${id}${probe?.path}`;
		const bare = await call(path);
		if (auth.scheme === "none") {
			expect(bare.status).not.toBe(401);
			return;
		}
		await bare.body?.cancel();
		expect(bare.status).toBe(401);
		const bearer = auth.scheme === "oauth2" || auth.scheme === "jwt";
		const name = auth.name ?? "Authorization";
		const value = `${auth.prefix ?? (bearer && auth.in !== "query" ? "Bearer " : "")}sandbox-test-key`;
		const authed =
			auth.in === "query"
				? await call(`${path}?${new URLSearchParams({ [name]: value })}`)
				: await call(path, { headers: { [name]: value } });
		expect(authed.status).not.toBe(401);
		await authed.body?.cancel();
	});
});

describe("fooddash purchase extensions", () => {
	it("marks the quote as the precheck and checkout as the purchase, with amount and transaction paths", async () => {
		const spec = await served("fooddash");
		expect(spec.paths["/checkout/quote"]?.post).toMatchObject({
			operationId: "get_checkout_quote",
			"x-purchase-precheckout": true,
			"x-amount-path": "$.pricing.total_cents",
		});
		expect(spec.paths["/checkout"]?.post).toMatchObject({
			operationId: "checkout",
			"x-purchase-endpoint": true,
			"x-purchase-precheck": "/checkout/quote",
			"x-amount-path": "$.totals.total_cents",
			"x-transaction-id-path": "$.order_uuid",
			parameters: [expect.objectContaining({ name: "Idempotency-Key", in: "header", required: true })],
		});
	});
});
