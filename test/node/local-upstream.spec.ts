import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { configuredUpstreams } from "@penumbra/cli/local-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Supervisor } from "../../scripts/lib/proc.ts";
import {
	applyMigrations,
	type PlannedWorker,
	planOnFreePorts,
	type StackOptions,
	seedRegistry,
	startWorkersInOrder,
} from "../../scripts/lib/stack.ts";
import { freePort, type MockServer, startPrism } from "../mocks/prism.ts";

/**
 * "Test your API against a local mock" (README) as `npm start` does it: a provider whose upstream is a Prism mock of
 * its own spec on plain-http loopback, PENUMBRA_UPSTREAM_ALLOWLIST naming the mock, and the gateway started by
 * scripts/lib/stack.ts (migrations, seed, `wrangler dev`) on free ports with its own state. Prism checks the
 * declared key header, so a 200 also proves the gateway injected the provider's key.
 */

const root = path.resolve(import.meta.dirname, "../..");
const ADMIN_TOKEN = `adm_${randomBytes(18).toString("base64url")}`;
const UPSTREAM_KEY = `mock_${randomBytes(12).toString("base64url")}`;

const SPEC = `openapi: 3.0.3
info: { title: MockCast, version: "1.0" }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-Mock-Key }
security: [{ key: [] }]
paths:
  /forecast:
    get:
      operationId: get_forecast
      summary: Tomorrow's forecast for a city
      parameters:
        - { name: city, in: query, required: true, schema: { type: string } }
      responses:
        "200":
          description: The forecast
          content:
            application/json:
              schema: { type: object, properties: { city: { type: string }, high_c: { type: integer } } }
              example: { city: lisbon, high_c: 21 }
        "401": { description: No key }
`;

/** A provider folder: the spec above, upstream `upstream`, the key in header X-Mock-Key. */
function provider(providers: string, id: string, upstream: string): void {
	const folder = path.join(providers, id);
	mkdirSync(folder, { recursive: true });
	writeFileSync(path.join(folder, "openapi.yaml"), SPEC);
	writeFileSync(
		path.join(folder, "provider.yaml"),
		`id: ${id}
name: ${id}
description: Forecasts from a local mock
category: weather
auth: { scheme: apiKey, in: header, name: X-Mock-Key }
endpoints: openapi.yaml
upstream: ${upstream}
`,
	);
}

let dir: string;
let mock: MockServer;
let gateway: PlannedWorker;
let key: string;
const supervisor = new Supervisor();

async function call(service: string): Promise<{ status: number; body: Record<string, unknown> }> {
	const response = await fetch(`${gateway.origin}/v1/services/${service}/tools/get_forecast`, {
		method: "POST",
		headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
		body: JSON.stringify({ parameters: { city: "lisbon" } }),
	});
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
	dir = mkdtempSync(path.join(tmpdir(), "penumbra-local-upstream-"));
	const providers = path.join(dir, "providers");
	const port = await freePort();
	const origin = `http://127.0.0.1:${port}`;
	provider(providers, "mockcast", origin);
	// The same mock under another origin, which the setting does not name.
	provider(providers, "straycast", `http://localhost:${port}`);

	const upstreams = configuredUpstreams({ cwd: dir, env: { PENUMBRA_UPSTREAM_ALLOWLIST: origin } });
	const workers = await planOnFreePorts(root, ["gateway"]);
	const planned = workers[0];
	if (!planned) throw new Error("wrangler.toml (the gateway) is missing");
	gateway = planned;
	const options: StackOptions = {
		root,
		persistTo: path.join(dir, "state"),
		registryPath: path.join(dir, "registry"),
		workers,
		echo: false,
		logLevel: "warn",
		upstreamAllowlist: upstreams.origins,
		providersDir: providers,
		vars: {
			gateway: {
				ADMIN_TOKEN,
				QUOTE_SIGNING_KEY: randomBytes(32).toString("base64url"),
				PROVIDER_MOCKCAST_API_KEY: UPSTREAM_KEY,
				PROVIDER_STRAYCAST_API_KEY: UPSTREAM_KEY,
			},
		},
	};
	const [started] = await Promise.all([
		startPrism(path.join(providers, "mockcast", "openapi.yaml"), { port }),
		applyMigrations(supervisor, options).then(() => seedRegistry(supervisor, options)),
	]);
	mock = started;
	await startWorkersInOrder(supervisor, options, 90_000);

	const created = await fetch(`${gateway.origin}/v1/admin/credentials`, {
		method: "POST",
		headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
		body: JSON.stringify({ name: "local-upstream test" }),
	});
	expect(created.status).toBe(201);
	key = ((await created.json()) as { key: string }).key;
}, 180_000);

afterAll(async () => {
	await supervisor.stopAll();
	await mock?.stop();
	if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("a provider's local mock under npm start", { timeout: 30_000 }, () => {
	it("is called through the gateway once PENUMBRA_UPSTREAM_ALLOWLIST names it, with the provider's key", async () => {
		const { status, body } = await call("mockcast");
		expect(status).toBe(200);
		expect(body).toMatchObject({ result: { city: "lisbon", high_c: 21 }, upstream: { status: 200 } });
		expect(JSON.stringify(body)).not.toContain(UPSTREAM_KEY);
	});

	it("is refused under an origin the setting does not name", async () => {
		const { status, body } = await call("straycast");
		expect(status).toBe(403);
		expect(body.detail).toBe("Upstream URL refused: scheme must be https");
	});
});
