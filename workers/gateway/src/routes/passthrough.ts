import { PenumbraError } from "@penumbra/core/errors";
import type { CompiledService, CompiledTool } from "@penumbra/core/registry";
import { tagRequest } from "@penumbra/core/trace";
import { injectCredential } from "@penumbra/core/upstream-request";
import { type Context, Hono } from "hono";
import { authorizeTool, secretReader, sendUpstream, withUsage } from "../execute.ts";
import { assertLive } from "../liveness.ts";
import { noteTool, requestMetricsOf } from "../metrics/record.ts";
import { requestTraceOf } from "../middleware/request-id.ts";
import { createQuote, purchase } from "../purchase.ts";
import { registryOf } from "../registry.ts";
import type { AppEnv } from "../types.ts";

const MAX_BODY_BYTES = 256 * 1024;
const FORWARDED_HEADERS = ["accept", "content-type", "idempotency-key", "accept-language"];

/** Compiled once per template (a provider declares a handful; every proxied request matches against them). */
const compiled = new Map<string, RegExp>();

function templateRegex(path: string, capture = false): RegExp {
	const cacheKey = `${capture ? "c" : "t"}${path}`;
	let found = compiled.get(cacheKey);
	if (!found) {
		if (compiled.size >= 4_096) compiled.clear();
		found = compileTemplate(path, capture);
		compiled.set(cacheKey, found);
	}
	return found;
}

function compileTemplate(path: string, capture: boolean): RegExp {
	const pattern = path
		.split(/(\{[^}]+\})/)
		.map((part) =>
			part.startsWith("{") ? (capture ? "([^/]+)" : "[^/]+") : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"),
		)
		.join("");
	return new RegExp(`^${pattern}/?$`);
}

/** Finds the declared operation for a method + path; literal segments win over templated ones. */
export function matchTool(service: CompiledService, method: string, path: string): CompiledTool | undefined {
	const candidates = service.tools.filter(
		(t) => t.method.toUpperCase() === method && templateRegex(t.path).test(path),
	);
	return candidates.sort(
		(a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0),
	)[0];
}

/** Path, query and JSON body of a transparent call, as one parameter object for the tool. */
async function parametersFromRequest(
	c: Context<AppEnv>,
	tool: CompiledTool,
	path: string,
): Promise<Record<string, unknown>> {
	const parameters: Record<string, unknown> = {};
	const names = [...tool.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? "");
	const values = templateRegex(tool.path, true).exec(path)?.slice(1) ?? [];
	names.forEach((name, i) => {
		parameters[name] = decodeURIComponent(values[i] ?? "");
	});
	for (const [name, value] of new URL(c.req.url).searchParams) parameters[name] = value;
	const text = await c.req.text();
	if (text.length > MAX_BODY_BYTES) {
		throw new PenumbraError("PAYLOAD_TOO_LARGE", {
			detail: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`,
			extras: { limit_bytes: MAX_BODY_BYTES },
		});
	}
	if (text.trim()) {
		let body: unknown;
		try {
			body = JSON.parse(text);
		} catch {
			throw new PenumbraError("VALIDATION_FAILED", { detail: "The request body is not valid JSON." });
		}
		if (tool.body?.mode === "flatten" && typeof body === "object" && body !== null && !Array.isArray(body)) {
			Object.assign(parameters, body);
		} else {
			parameters.body = body;
		}
	}
	return parameters;
}

/**
 * `POST /{service}/<purchase path>` in one call (docs/money.md): precheck → quote → hold → purchase →
 * capture, through the same machinery as quotes. Above the owner's auto-approve threshold it stops at the quote.
 */
async function transparentPurchase(
	c: Context<AppEnv>,
	service: CompiledService,
	tool: CompiledTool,
	path: string,
) {
	const parameters = await parametersFromRequest(c, tool, path);
	const caller = c.get("caller");
	const metrics = requestMetricsOf(c);
	await assertLive(c.env, caller);
	const quote = await createQuote(c.env, caller, service, tool, parameters, requestTraceOf(c), metrics);
	if (quote.requires_confirmation) {
		throw new PenumbraError("CONFIRMATION_REQUIRED", {
			detail: `${quote.amount_cents}¢ is above the owner's auto-approve threshold: the owner must confirm quote ${quote.quote_id}, then buy with POST /v1/services/${service.card.id}/tools/${tool.name} and the quote_id.`,
			extras: { quote },
		});
	}
	const bought = await purchase(
		c.env,
		caller,
		service,
		tool,
		parameters,
		quote.quote_id,
		requestTraceOf(c),
		metrics,
	);
	return c.json(bought.result, 200, {
		"x-penumbra-receipt": bought.receipt.id,
		"x-penumbra-charged-cents": String(bought.receipt.amount_cents),
	});
}

/**
 * Transparent path proxy (docs/auth.md): `/{service}/<upstream path>` reaches the upstream as-is, but only for
 * operations the provider declares, with the same auth levels and credential injection as tool execution.
 */
export const passthroughRoutes = new Hono<AppEnv>().all("/:service{[a-z][a-z0-9-]{1,62}}/*", async (c) => {
	const serviceId = c.req.param("service");
	const service = await registryOf(c.env).service(serviceId);
	const url = new URL(c.req.url);
	const path = url.pathname.slice(serviceId.length + 1) || "/";
	const tool = matchTool(service, c.req.method, path);
	if (!tool) {
		throw new PenumbraError("NOT_FOUND", {
			detail: `Service "${serviceId}" declares no ${c.req.method} ${path}. List its operations at /v1/services/${serviceId}/tools.`,
		});
	}
	const metrics = noteTool(c, service.card.id, tool.name);
	if (tool.purchase?.kind === "purchase") return transparentPurchase(c, service, tool, path);
	authorizeTool(c.get("caller"), service, tool);
	const target = new URL(service.upstream.replace(/\/+$/, "") + path);
	target.search = url.search;
	const headers = new Headers({ "user-agent": "Penumbra-Gateway/0.1" });
	tagRequest(headers, requestTraceOf(c));
	for (const name of FORWARDED_HEADERS) {
		const value = c.req.header(name);
		if (value) headers.set(name, value);
	}
	let body: string | undefined;
	if (!["GET", "HEAD"].includes(c.req.method)) {
		const raw = await c.req.arrayBuffer();
		if (raw.byteLength > MAX_BODY_BYTES) {
			throw new PenumbraError("PAYLOAD_TOO_LARGE", {
				detail: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`,
				extras: { limit_bytes: MAX_BODY_BYTES },
			});
		}
		if (raw.byteLength > 0) body = new TextDecoder().decode(raw);
	}
	const sent = injectCredential(service, target, headers, secretReader(c.env), tool.path);
	const request = {
		url: target,
		method: c.req.method,
		headers,
		secrets: sent,
		...(body !== undefined ? { body } : {}),
	};
	const upstream = await withUsage(
		c.env,
		c.get("caller"),
		service,
		tool,
		() => sendUpstream(c.env, service, request, metrics),
		metrics,
	);
	const isText = typeof upstream.body === "string";
	return new Response(isText ? String(upstream.body) : JSON.stringify(upstream.body), {
		status: upstream.status,
		headers: { "content-type": isText ? upstream.contentType || "text/plain" : "application/json" },
	});
});
