import { toErrorMessage } from "../errors.ts";
import { assessUpstreamUrl } from "../ssrf.ts";
import { parseStructured } from "./parse.ts";

export interface SpecFetchOptions {
	/** Validators from the last good fetch, for a conditional request. */
	etag?: string | undefined;
	lastModified?: string | undefined;
	timeoutMs?: number;
	maxBytes?: number;
	/** Origins allowed to be plain http / private (the local sandbox); everything else must be public https. */
	allowlist: readonly string[];
}

export type SpecFetchResult =
	| { status: "ok"; spec: unknown; etag?: string; lastModified?: string }
	| { status: "not-modified" }
	| { status: "failed"; reason: string };

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Fetches a remote OpenAPI spec (JSON or YAML) with ETag/If-Modified-Since, an SSRF check, a timeout and a size cap.
 * Never throws: every failure is a reason a provider operator can act on.
 */
export async function fetchSpec(url: string, options: SpecFetchOptions): Promise<SpecFetchResult> {
	const checked = assessUpstreamUrl(url, options.allowlist);
	if (!checked.ok) return { status: "failed", reason: `spec URL refused: ${checked.reason}` };
	const headers = new Headers({ accept: "application/json, application/yaml;q=0.9, */*;q=0.5" });
	if (options.etag) headers.set("if-none-match", options.etag);
	if (options.lastModified) headers.set("if-modified-since", options.lastModified);
	let response: Response;
	try {
		response = await fetch(checked.url, {
			headers,
			redirect: "manual",
			signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
		});
	} catch (error) {
		const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
		return { status: "failed", reason: `cannot fetch the spec: ${toErrorMessage(error)}${cause}` };
	}
	if (response.status === 304) return { status: "not-modified" };
	if (!response.ok) {
		await response.body?.cancel();
		return { status: "failed", reason: `fetching the spec gave HTTP ${response.status}` };
	}
	const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
	const text = await response.text();
	if (text.length > maxBytes)
		return { status: "failed", reason: `the spec is larger than ${maxBytes} bytes` };
	const parsed = parseStructured(text, url);
	if (!parsed.ok) return { status: "failed", reason: parsed.problems.map((p) => p.message).join("; ") };
	const etag = response.headers.get("etag");
	const lastModified = response.headers.get("last-modified");
	return {
		status: "ok",
		spec: parsed.value,
		...(etag ? { etag } : {}),
		...(lastModified ? { lastModified } : {}),
	};
}
