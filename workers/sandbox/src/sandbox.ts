import { Hono } from "hono";
import { echo } from "./echo.ts";
import { requireApiKey } from "./lib/auth.ts";
import { errorBody, renderError } from "./lib/errors.ts";
import { FAULT_HEADER, faultInjection } from "./lib/faults.ts";
import { type OpenApiDocument, parseSpec, servedSpec } from "./lib/spec.ts";
import { sha256Hex } from "./lib/text.ts";
import type { Merchant, SandboxApp } from "./merchant.ts";

/** Switches live in one Durable Object so every isolate sees them. */
const controlStore = (env: SandboxEnv) => env.MERCHANT.getByName("_control");
const specWithdrawn = (id: string) => `spec-withdrawn:${id}`;

/** The first 12 bytes of the body's SHA-256, as a quoted hex string. */
async function etagOf(body: string): Promise<string> {
	return `"${(await sha256Hex(body)).slice(0, 24)}"`;
}

function mount(merchant: Merchant): Hono<SandboxApp> {
	const router = new Hono<SandboxApp>();
	let spec: OpenApiDocument | undefined;
	// Registered before the key check: a spec is public, as real providers publish theirs. Served with an
	// ETag and answering If-None-Match, as the gateway's refresh expects of real spec hosts.
	router.get("/openapi.json", async (c) => {
		if (await controlStore(c.env).getFlag(specWithdrawn(merchant.id))) {
			return c.json(
				errorBody("spec_unavailable", `The ${merchant.id} spec is temporarily unavailable.`),
				503,
			);
		}
		spec ??= parseSpec(merchant.specYaml, merchant.id);
		const body = JSON.stringify(servedSpec(spec, `${new URL(c.req.url).origin}/${merchant.id}`));
		const etag = await etagOf(body);
		if (c.req.header("if-none-match") === etag) return c.body(null, 304, { etag });
		return c.body(body, 200, { "content-type": "application/json", etag });
	});
	if (merchant.apiKeyHeader) router.use("*", requireApiKey(merchant.apiKeyHeader));
	router.route("/", merchant.routes);
	return router;
}

const FAULT_PREFIX = /^\/_fault\/([^/]+)(\/.*)?$/;

/**
 * The sandbox Worker's app: every merchant under `/<id>`, fault injection on every route (header
 * `X-Sandbox-Fault`, or the path prefix `/_fault/<faults>/...` for clients that cannot add headers),
 * `/_echo/*`, `/health` and an index at `/`.
 */
export function createSandbox(merchants: readonly Merchant[]): Hono<SandboxApp> {
	const app = new Hono<SandboxApp>();

	// Before the fault middleware: the rewritten request goes through the whole app again, faults included.
	app.all("/_fault/:faults/*", (c) => {
		const url = new URL(c.req.url);
		const match = FAULT_PREFIX.exec(url.pathname);
		const pathFaults = decodeURIComponent(match?.[1] ?? "");
		url.pathname = match?.[2] ?? "/";
		const headers = new Headers(c.req.raw.headers);
		headers.set(FAULT_HEADER, [headers.get(FAULT_HEADER), pathFaults].filter(Boolean).join(","));
		const request = new Request(url, { method: c.req.method, headers, body: c.req.raw.body });
		return app.fetch(request, c.env, c.executionCtx);
	});

	app.use("*", faultInjection());

	app.get("/", (c) =>
		c.json({
			name: "Penumbra sandbox merchants",
			merchants: merchants.map((m) => ({
				id: m.id,
				name: m.name,
				base: `/${m.id}`,
				spec: `/${m.id}/openapi.json`,
				api_key_header: m.apiKeyHeader ?? null,
			})),
			faults: {
				header: "X-Sandbox-Fault",
				path_prefix: "/_fault/<faults>/<merchant>/...",
				supported: [
					"latency=<ms>",
					"status=<code>",
					"hang[=<ms>]",
					"malformed",
					"amount-delta=<±cents>",
					"large=<bytes>",
					"clock=<±seconds>",
					"charge-then-status=<500-599>",
					"charge-then-hang[=<ms>]",
					"charge-then-drop",
					"only=<last path segment>",
				],
			},
		}),
	);
	app.get("/health", (c) => c.json({ status: "ok", merchants: merchants.map((m) => m.id) }));
	// Test and demo switch: withdraw a merchant's spec (503) or bring it back.
	app.put("/_control/specs/:id", async (c) => {
		const id = c.req.param("id");
		if (!merchants.some((m) => m.id === id)) return c.json(errorBody("not_found", `No merchant ${id}.`), 404);
		const body: unknown = await c.req.json().catch(() => null);
		const available = typeof body === "object" && body !== null ? Reflect.get(body, "available") : undefined;
		if (typeof available !== "boolean") {
			return c.json(errorBody("invalid_request", 'Send {"available": true|false}.'), 400);
		}
		await controlStore(c.env).setFlag(specWithdrawn(id), !available);
		return c.json({ id, spec_available: available });
	});
	// Test and demo view: how many orders a merchant has taken (no goods without a charge, none twice); with
	// `?idempotency_key=` (repeatable), only those orders, so tests running side by side do not count each other's.
	app.get("/_control/orders/:id", async (c) => {
		const id = c.req.param("id");
		if (!merchants.some((m) => m.id === id)) return c.json(errorBody("not_found", `No merchant ${id}.`), 404);
		const keys = c.req.queries("idempotency_key")?.slice(0, 100);
		return c.json({ id, orders: await c.env.MERCHANT.getByName(id).orderCount(keys) });
	});
	app.all("/_echo", echo);
	app.all("/_echo/*", echo);

	for (const merchant of merchants) app.route(`/${merchant.id}`, mount(merchant));

	app.notFound((c) =>
		c.json(errorBody("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`), 404),
	);
	app.onError((error, c) => renderError(c, error));
	return app;
}
