import { PenumbraError } from "./errors.ts";
import { acceptFor, encodeBody } from "./media-types.ts";
import type { CompiledService, CompiledTool } from "./registry/types.ts";
import { injectCredential, pathCredentials, type SecretReader } from "./upstream-auth.ts";

export { injectCredential, providerSecretName, requiredSecrets } from "./upstream-auth.ts";

/** What the gateway sends a provider for one tool call: built from validated parameters and the provider's secret. */
export interface UpstreamRequest {
	url: URL;
	method: string;
	headers: Headers;
	body?: string;
	/** Values that must never come back to the caller (the injected upstream credentials, tokens, signatures). */
	secrets: string[];
}

const USER_AGENT = "Penumbra-Gateway/0.1";

function paramString(value: unknown): string {
	return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** Joins an upstream base URL and a path template, substituting path parameters (percent-encoded). */
function resolveUrl(base: string, path: string, params: Record<string, unknown>): URL {
	const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
		const value = params[name];
		if (value === undefined || value === null || value === "") {
			throw new PenumbraError("VALIDATION_FAILED", {
				detail: `Missing path parameter "${name}".`,
				extras: { errors: [{ pointer: `/parameters/${name}`, message: "is required" }] },
			});
		}
		return encodeURIComponent(paramString(value));
	});
	return new URL(base.replace(/\/+$/, "") + filled);
}

/**
 * Builds the upstream HTTP request for a tool call from validated parameters. The provider's own credential
 * (a Worker secret) is injected per its manifest; nothing from the caller's request headers is forwarded.
 */
export function buildUpstreamRequest(
	service: CompiledService,
	tool: CompiledTool,
	params: Record<string, unknown>,
	secrets: SecretReader,
): UpstreamRequest {
	// Path credentials fill their `{param}` like any parameter; the tool never took them as input.
	const url = resolveUrl(service.upstream, tool.path, { ...params, ...pathCredentials(service, secrets) });
	const headers = new Headers({ accept: acceptFor(tool.response_types), "user-agent": USER_AGENT });
	for (const param of tool.params) {
		const value = params[param.name];
		if (value === undefined || value === null || param.in === "path") continue;
		if (param.in === "query") {
			for (const item of Array.isArray(value) ? value : [value])
				url.searchParams.append(param.name, paramString(item));
		} else {
			headers.set(param.name, paramString(value));
		}
	}
	let body: string | undefined;
	if (tool.body) {
		let payload: unknown;
		if (tool.body.mode === "property") {
			payload = params.body;
		} else {
			const picked: Record<string, unknown> = {};
			for (const name of tool.body.properties) if (params[name] !== undefined) picked[name] = params[name];
			payload = Object.keys(picked).length > 0 || tool.body.required ? picked : undefined;
		}
		if (payload !== undefined) {
			const encoded = encodeBody(tool.body.contentType, payload);
			body = encoded.body;
			headers.set("content-type", encoded.contentType);
		}
	}
	const sent = injectCredential(service, url, headers, secrets);
	return {
		url,
		method: tool.method.toUpperCase(),
		headers,
		secrets: sent,
		...(body !== undefined ? { body } : {}),
	};
}
