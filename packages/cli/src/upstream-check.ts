import path from "node:path";
import type { CompiledService, CompileProblem } from "@penumbra/core/registry";
import { assessUpstreamUrl } from "@penumbra/core/ssrf";
import { ALLOWLIST_SETTING } from "./local-stack.ts";

/**
 * Warnings for upstreams the gateway would refuse with `allowlist` (the gateway's own SSRF rule: https to a public
 * host, or an allowlisted origin), each saying which setting lets a local gateway call it. Warnings, not problems:
 * the same manifest is right for a deployed gateway once the upstream is public.
 */
export function upstreamWarnings(
	services: readonly CompiledService[],
	dir: string,
	allowlist: readonly string[],
): CompileProblem[] {
	const warnings: CompileProblem[] = [];
	for (const service of services) {
		const verdict = assessUpstreamUrl(service.upstream, allowlist);
		if (verdict.ok) continue;
		warnings.push({
			file: path.join(dir, service.card.id, "provider.yaml"),
			path: "/upstream",
			message: `the gateway refuses ${service.upstream} (${verdict.reason}); ${fix(service.upstream)}`,
		});
	}
	return warnings;
}

function fix(upstream: string): string {
	const url = URL.canParse(upstream) ? new URL(upstream) : null;
	if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password) {
		return "make `upstream` an http(s) URL without credentials";
	}
	return `to call it locally, add ${url.origin} to ${ALLOWLIST_SETTING} (environment, or a line in .dev.vars) and restart npm start; deployed, upstreams must be https on a public host`;
}
