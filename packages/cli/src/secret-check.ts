import path from "node:path";
import type { CompiledService, CompileProblem } from "@penumbra/core/registry";
import { requiredSecrets } from "@penumbra/core/upstream-auth";

/**
 * Warnings for the `PROVIDER_*` Worker secrets a provider's `auth` reads (docs/upstream-auth.md) that are set neither
 * in the environment nor in `.dev.vars`: without them every call to that provider answers 503 "not configured".
 * Providers on the local sandbox are left out: `npm start` writes their keys into `.dev.vars` itself.
 */
export function missingSecretWarnings(
	services: readonly CompiledService[],
	dir: string,
	isSet: (name: string) => boolean,
	sandboxOrigin: string,
): CompileProblem[] {
	const warnings: CompileProblem[] = [];
	for (const service of services) {
		if (service.upstream.startsWith(sandboxOrigin)) continue;
		const missing = requiredSecrets(service.card.id, service.auth).filter((name) => !isSet(name));
		if (missing.length === 0) continue;
		warnings.push({
			file: path.join(dir, service.card.id, "provider.yaml"),
			path: "/auth",
			message: `the gateway reads ${missing.join(", ")}, set neither in the environment nor in .dev.vars: calls answer 503 until ${missing.length === 1 ? "it is" : "they are"} set (a line in .dev.vars for npm start; \`npx wrangler secret put NAME\` deployed)`,
		});
	}
	return warnings;
}
