import { unwrap } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import type { CompiledService, CompiledTool } from "@penumbra/core/registry";
import { parseAllowlist } from "@penumbra/core/ssrf";
import { type RequestTrace, tagRequest } from "@penumbra/core/trace";
import { buildUpstreamRequest, type UpstreamRequest } from "@penumbra/core/upstream-request";
import { accountOf } from "./account/client.ts";
import { observeUpstream, type UpstreamObserver } from "./metrics/observe.ts";
import type { RequestMetrics } from "./metrics/record.ts";
import { assertLevel } from "./middleware/auth.ts";
import { validateParameters } from "./params.ts";
import type { Caller } from "./types.ts";
import { callUpstream, type UpstreamResult } from "./upstream.ts";
import { completeAuth } from "./upstream-auth.ts";

export interface ExecutionResult {
	service: string;
	tool: string;
	result: unknown;
	upstream: { status: number; duration_ms: number; attempts: number };
	fee_cents: number;
}

/** Reads a Worker secret by name without widening `Env` (secrets are per provider and not in wrangler.toml). */
export function secretReader(env: GatewayEnv): (name: string) => string | undefined {
	return (name) => {
		const value: unknown = Reflect.get(env, name);
		return typeof value === "string" && value !== "" ? value : undefined;
	};
}

/** Checks everything that can be checked before a tool reaches the upstream. */
export function authorizeTool(caller: Caller, service: CompiledService, tool: CompiledTool): void {
	assertLevel(caller, tool.auth_level, `${service.card.id}.${tool.name}`);
	if (tool.purchase?.kind === "purchase") {
		throw new PenumbraError("CONFIRMATION_REQUIRED", {
			detail: `${service.card.id}.${tool.name} spends money: get a quote first (POST /v1/quotes with this service, tool and parameters), then call it again with the quote_id.`,
			extras: { quote_endpoint: "/v1/quotes", service: service.card.id, tool: tool.name },
		});
	}
}

/**
 * Runs an upstream call under the credential's rate limit for the provider, with the tool's usage fee held
 * before and captured only on success (released otherwise). The one Account DO call before it also says whether
 * the caller's key is still live (docs/auth.md).
 */
export async function withUsage<T>(
	env: GatewayEnv,
	caller: Caller,
	service: CompiledService,
	tool: CompiledTool,
	call: () => Promise<T>,
	/** Told the usage fee captured, for the request's metric point (money moves only in the Account DO). */
	noted?: { fee_cents: number },
): Promise<T> {
	if (!caller.credential) return call();
	const account = accountOf(env, caller.credential.id);
	const { hold_id: holdId } = unwrap(
		await account.beginCall({
			...(caller.key_id ? { key_id: caller.key_id } : {}),
			service: service.card.id,
			tool: tool.name,
			fee_cents: tool.fee_cents,
			per_minute: service.rate_limits.default_per_minute,
			burst: service.rate_limits.burst,
		}),
	);
	delete caller.pending_live_check;
	let result: T;
	try {
		result = await call();
	} catch (error) {
		if (holdId) unwrap(await account.endCall({ hold_id: holdId, success: false }));
		throw error;
	}
	if (holdId) {
		const ended = unwrap(await account.endCall({ hold_id: holdId, success: true }));
		if (noted) noted.fee_cents = ended.charged_cents;
	}
	return result;
}

/**
 * Sends a built request: adds the credentials computed per call (OAuth2 token, signature), then calls the upstream.
 * A 401 to a cached OAuth2 token is retried once with a new one (docs/upstream-auth.md). With an `observer`, the
 * call is recorded as one `upstream` metric point.
 */
export function sendUpstream(
	env: GatewayEnv,
	service: CompiledService,
	request: UpstreamRequest,
	observer?: UpstreamObserver,
): Promise<UpstreamResult> {
	return observeUpstream(observer, service.card.id, () => sendUnobserved(env, service, request));
}

/**
 * One upstream call with the provider's credentials (a 401 to a cached OAuth2 token retried once with a new one),
 * unobserved; `retries` overrides the upstream's own retry count (a health probe sends 0).
 */
export async function sendUnobserved(
	env: GatewayEnv,
	service: CompiledService,
	request: UpstreamRequest,
	retries?: number,
): Promise<UpstreamResult> {
	const allowlist = parseAllowlist(env.UPSTREAM_ALLOWLIST);
	const options = {
		timeoutMs: service.timeout_ms,
		maxBytes: service.max_response_bytes,
		allowlist,
		...(retries === undefined ? {} : { retries }),
	};
	const context = { service, kv: env.REGISTRY, secrets: secretReader(env), allowlist };
	try {
		return await callUpstream(await completeAuth(context, request, false), options);
	} catch (error) {
		if (!service.auth.oauth2 || !(error instanceof PenumbraError) || error.extras.upstream_status !== 401)
			throw error;
		return callUpstream(await completeAuth(context, request, true), options);
	}
}

/** Runs a (non-purchase) tool for a caller: level check, parameter validation, upstream call. */
export async function executeTool(
	env: GatewayEnv,
	caller: Caller,
	service: CompiledService,
	tool: CompiledTool,
	parameters: Record<string, unknown>,
	ids: RequestTrace,
	metrics?: RequestMetrics,
): Promise<ExecutionResult> {
	authorizeTool(caller, service, tool);
	validateParameters(tool, parameters);
	const request = buildUpstreamRequest(service, tool, parameters, secretReader(env));
	tagRequest(request.headers, ids);
	const upstream = await withUsage(
		env,
		caller,
		service,
		tool,
		() => sendUpstream(env, service, request, metrics),
		metrics,
	);
	return {
		service: service.card.id,
		tool: tool.name,
		result: upstream.body,
		upstream: { status: upstream.status, duration_ms: upstream.durationMs, attempts: upstream.attempts },
		fee_cents: caller.credential ? tool.fee_cents : 0,
	};
}
