import { PenumbraError } from "@penumbra/core/errors";
import type { CompiledService, CompiledTool, JsonSchema } from "@penumbra/core/registry";
import { buildUpstreamRequest, type UpstreamRequest } from "@penumbra/core/upstream-request";
import { secretReader } from "./execute.ts";
import { validateParameters } from "./params.ts";

const IDEMPOTENCY_PARAM = /^idempotency[-_]?key$/i;

/**
 * Purchase-tool inputs the gateway fills itself, never the model: the merchant's idempotency key (derived from our
 * quote) and the merchant's own quote id (read from the precheck answer).
 */
export function suppliedParameters(
	tool: CompiledTool,
): Record<string, "idempotency_key" | "precheck_quote_id"> {
	const supplied: Record<string, "idempotency_key" | "precheck_quote_id"> = {};
	if (tool.purchase?.kind !== "purchase") return supplied;
	for (const param of tool.params)
		if (param.in === "header" && IDEMPOTENCY_PARAM.test(param.name)) supplied[param.name] = "idempotency_key";
	const properties = tool.input_schema.properties;
	// A payment has no precheck, so no merchant quote id: its `quote_id`, if any, is the caller's.
	if (
		tool.purchase.precheck &&
		typeof properties === "object" &&
		properties !== null &&
		"quote_id" in properties
	)
		supplied.quote_id = "precheck_quote_id";
	return supplied;
}

/** The input schema a caller sees: without the inputs the gateway supplies. */
export function publicInputSchema(tool: CompiledTool): JsonSchema {
	const supplied = Object.keys(suppliedParameters(tool));
	if (supplied.length === 0) return tool.input_schema;
	const properties = { ...(tool.input_schema.properties as Record<string, unknown>) };
	for (const name of supplied) delete properties[name];
	const required = Array.isArray(tool.input_schema.required)
		? tool.input_schema.required.filter((name) => typeof name === "string" && !supplied.includes(name))
		: undefined;
	return { ...tool.input_schema, properties, ...(required ? { required } : {}) };
}

/** The caller's parameters without the ones the gateway supplies (a caller cannot choose them). */
export function withoutSupplied(
	tool: CompiledTool,
	parameters: Record<string, unknown>,
): Record<string, unknown> {
	const supplied = suppliedParameters(tool);
	return Object.fromEntries(Object.entries(parameters).filter(([name]) => !(name in supplied)));
}

/**
 * The merchant purchase request: the caller's parameters plus the idempotency key and the merchant's quote id from
 * the precheck answer. Built the same way for the first call and for every repeat, so a repeat is the same request.
 */
export function buildPurchaseRequest(
	env: GatewayEnv,
	service: CompiledService,
	tool: CompiledTool,
	parameters: Record<string, unknown>,
	idempotencyKey: string,
	precheckAnswer: unknown,
): UpstreamRequest {
	const filled: Record<string, unknown> = { ...parameters };
	for (const [name, source] of Object.entries(suppliedParameters(tool))) {
		if (source === "idempotency_key") filled[name] = idempotencyKey;
		else {
			const merchantQuote =
				typeof precheckAnswer === "object" && precheckAnswer !== null
					? Reflect.get(precheckAnswer, "quote_id")
					: undefined;
			if (typeof merchantQuote === "string" || typeof merchantQuote === "number")
				filled[name] = merchantQuote;
		}
	}
	validateParameters(tool, filled);
	return buildUpstreamRequest(service, tool, filled, secretReader(env));
}

/** The purchase's `x-purchase-status` operation, if the provider declares one. */
export function statusToolOf(service: CompiledService, tool: CompiledTool): CompiledTool | undefined {
	if (tool.purchase?.kind !== "purchase" || !tool.purchase.status) return undefined;
	const name = tool.purchase.status;
	return service.tools.find((t) => t.name === name);
}

/** The status lookup of the order placed under `idempotencyKey` (its one idempotency-key parameter filled). */
export function buildStatusRequest(
	env: GatewayEnv,
	service: CompiledService,
	statusTool: CompiledTool,
	idempotencyKey: string,
): UpstreamRequest {
	const param = statusTool.params.find((p) => IDEMPOTENCY_PARAM.test(p.name));
	if (!param) {
		throw new PenumbraError("INTERNAL", {
			detail: "This purchase's status lookup is misconfigured on the gateway.",
			internal: `status tool ${service.card.id}.${statusTool.name} has no idempotency key parameter`,
		});
	}
	return buildUpstreamRequest(service, statusTool, { [param.name]: idempotencyKey }, secretReader(env));
}
