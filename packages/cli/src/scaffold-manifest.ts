import { isRecord, pointerJoin } from "@penumbra/core/registry";
import { MANIFEST_FILE, type ScaffoldChange, type ScaffoldContext, specChange } from "./scaffold-types.ts";
import { listOperations } from "./scaffold-walk.ts";

/** `auth` as written into provider.yaml. */
export interface ManifestAuth {
	scheme: "none" | "apiKey" | "oauth2" | "jwt" | "custom";
	in?: "header" | "query";
	name?: string;
	prefix?: string;
}

/** Parameter names that carry the caller's upstream credential when a spec forgot its securitySchemes. */
const CREDENTIAL_PARAM =
	/^(?:x-)?api[-_]?key$|^apikey$|^access[-_]?token$|^(?:ocp-apim-)?subscription[-_]key$|^authorization$/i;

/** Category slugs scaffold can guess, with words that point at them (first match in this order wins ties). */
export const CATEGORY_KEYWORDS: ReadonlyArray<readonly [string, readonly string[]]> = [
	["food-delivery", ["food", "restaurant", "delivery", "meal", "menu", "takeout"]],
	["groceries", ["grocery", "groceries", "pantry", "recipe", "shopping list", "stock"]],
	["rides", ["ride", "rides", "taxi", "driver", "rideshare"]],
	["travel", ["hotel", "flight", "travel", "airline", "booking", "trip"]],
	["weather", ["weather", "forecast", "climate", "meteorolog", "precipitation"]],
	["maps", ["map", "routing", "geocod", "directions", "places", "isochrone", "route"]],
	["payments", ["payment", "transfer", "refund", "invoice", "recurring", "subscription", "charge"]],
	["events", ["event", "ticket", "venue", "concert", "museum", "exhibition"]],
	["sports", ["sport", "team", "league", "match", "tournament", "robotics"]],
	["retail", ["order", "cart", "checkout", "product", "store", "shop", "commerce", "seller", "pet"]],
	["news", ["news", "article", "headline"]],
	["jobs", ["job", "career", "vacanc", "recruit"]],
];

/**
 * Decides how the gateway presents the provider's upstream credential, from the security scheme the spec
 * applies; when it applies none but its operations take a credential as an ordinary parameter (an
 * `apiKey` query parameter, an `Authorization` header), that parameter becomes the manifest's auth and is
 * removed from the tools, so the model is never asked for a secret.
 */
export function deriveAuth(ctx: ScaffoldContext, changes: ScaffoldChange[]): ManifestAuth {
	const schemes =
		isRecord(ctx.doc.components) && isRecord(ctx.doc.components.securitySchemes)
			? ctx.doc.components.securitySchemes
			: {};
	const applied = appliedScheme(ctx.doc);
	const note = (auth: ManifestAuth, reason: string, check = true): ManifestAuth => {
		changes.push({ file: MANIFEST_FILE, pointer: "/auth", after: auth, reason, check });
		return auth;
	};
	if (applied) {
		const scheme = schemes[applied];
		if (!isRecord(scheme))
			return note({ scheme: "none" }, `the spec applies security scheme "${applied}" but does not define it`);
		const type = String(scheme.type ?? "").toLowerCase();
		const where = `from security scheme "${applied}"`;
		if (
			type === "apikey" &&
			(scheme.in === "header" || scheme.in === "query") &&
			typeof scheme.name === "string"
		) {
			return note(
				{ scheme: "apiKey", in: scheme.in, name: scheme.name },
				`${where}: the key goes in ${scheme.in} "${scheme.name}"`,
				false,
			);
		}
		if (type === "http" && String(scheme.scheme).toLowerCase() === "bearer") {
			return /jwt/i.test(String(scheme.bearerFormat ?? ""))
				? note({ scheme: "jwt" }, `${where}: a JWT sent as "Authorization: Bearer …"`)
				: note(
						{ scheme: "custom", in: "header", name: "Authorization", prefix: "Bearer " },
						`${where}: a bearer token`,
					);
		}
		if (type === "http" && String(scheme.scheme).toLowerCase() === "basic") {
			return note(
				{ scheme: "custom", in: "header", name: "Authorization", prefix: "Basic " },
				`${where}: HTTP basic; store base64("user:password") as the provider secret`,
			);
		}
		if (type === "oauth2" || type === "openidconnect") {
			return note(
				{ scheme: "oauth2" },
				`${where}: the gateway sends the secret as a bearer token; a token that expires must be renewed outside Penumbra`,
			);
		}
		return note(
			{ scheme: "none" },
			`${where}: type "${type}" cannot be presented by the gateway; set auth by hand`,
		);
	}
	const found = credentialParams(ctx);
	if (found.length === 0) {
		const declared = Object.keys(schemes);
		return note(
			{ scheme: "none" },
			declared.length > 0
				? `the spec defines ${declared.join(", ")} but applies no security scheme; set auth if the upstream needs a key`
				: "the spec declares no authentication; set auth if the upstream needs a key",
		);
	}
	const distinct = [...new Map(found.map((f) => [`${f.in}:${f.name.toLowerCase()}`, f])).values()];
	const keyed = distinct.filter((f) => f.name.toLowerCase() !== "authorization");
	const chosen = distinct.length === 1 ? distinct[0] : keyed.length === 1 ? keyed[0] : undefined;
	if (!chosen) {
		return note(
			{ scheme: "none" },
			`operations take several credential parameters (${distinct.map((d) => `${d.in} ${d.name}`).join(", ")}); the manifest holds one upstream credential: set auth by hand`,
		);
	}
	for (const f of found) {
		if (f.in !== chosen.in || f.name.toLowerCase() !== chosen.name.toLowerCase()) continue;
		const list = f.list;
		const index = list.indexOf(f.entry);
		if (index < 0) continue;
		list.splice(index, 1);
		specChange(ctx, {
			pointer: pointerJoin(f.listPointer, index),
			before: f.entry,
			reason: `the upstream credential "${chosen.name}" is injected by the gateway from a Worker secret; a model must never be asked for it`,
		});
	}
	const others = distinct
		.filter((d) => d !== chosen)
		.map(
			(d) =>
				`${d.in} ${d.name}${d.name.toLowerCase() === "authorization" ? " (never forwarded by the gateway)" : ""}`,
		);
	const auth: ManifestAuth =
		chosen.name.toLowerCase() === "authorization"
			? {
					scheme: "custom",
					in: "header",
					name: "Authorization",
					prefix: /bearer/i.test(chosen.description) ? "Bearer " : "",
				}
			: { scheme: "apiKey", in: chosen.in, name: chosen.name };
	return note(
		auth,
		`the spec applies no security scheme, but its operations take the credential as ${chosen.in} parameter "${chosen.name}"${others.length ? ` ; the manifest holds one credential, so ${others.join(", ")} is not handled` : ""}`,
	);
}

function appliedScheme(doc: Record<string, unknown>): string | undefined {
	const first = (security: unknown) =>
		Array.isArray(security)
			? security.flatMap((req) => (isRecord(req) ? Object.keys(req) : []))[0]
			: undefined;
	const global = first(doc.security);
	if (global) return global;
	const counts = new Map<string, number>();
	for (const { op } of listOperations(doc)) {
		const name = first(op.security);
		if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
	}
	return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

interface CredentialParam {
	in: "header" | "query";
	name: string;
	description: string;
	entry: unknown;
	list: unknown[];
	listPointer: string;
}

function credentialParams(ctx: ScaffoldContext): CredentialParam[] {
	const found: CredentialParam[] = [];
	const componentParams =
		isRecord(ctx.doc.components) && isRecord(ctx.doc.components.parameters)
			? ctx.doc.components.parameters
			: {};
	const resolve = (entry: unknown): unknown => {
		if (isRecord(entry) && typeof entry.$ref === "string") {
			const m = /^#\/components\/parameters\/(.+)$/.exec(entry.$ref);
			return m ? componentParams[(m[1] ?? "").replaceAll("~1", "/").replaceAll("~0", "~")] : undefined;
		}
		return entry;
	};
	const scan = (list: unknown, listPointer: string) => {
		if (!Array.isArray(list)) return;
		for (const entry of list) {
			const p = resolve(entry);
			if (!isRecord(p) || typeof p.name !== "string" || !CREDENTIAL_PARAM.test(p.name)) continue;
			if (p.in !== "header" && p.in !== "query") continue;
			found.push({
				in: p.in,
				name: p.name,
				description: typeof p.description === "string" ? p.description : "",
				entry,
				list,
				listPointer,
			});
		}
	};
	const paths = isRecord(ctx.doc.paths) ? ctx.doc.paths : {};
	for (const [path, item] of Object.entries(paths)) {
		if (isRecord(item)) scan(item.parameters, pointerJoin("/paths", path, "parameters"));
	}
	for (const { op, pointer } of listOperations(ctx.doc))
		scan(op.parameters, pointerJoin(pointer, "parameters"));
	return found;
}

/** The category whose words the spec's title, description and tags mention most; `general` when none. */
export function guessCategory(doc: Record<string, unknown>): string {
	const info = isRecord(doc.info) ? doc.info : {};
	const tags = Array.isArray(doc.tags) ? doc.tags.map((t) => (isRecord(t) ? String(t.name ?? "") : "")) : [];
	const title = String(info.title ?? "").toLowerCase();
	const text = [String(info.description ?? "").slice(0, 600), ...tags].join(" ").toLowerCase();
	let best: { slug: string; score: number } = { slug: "general", score: 0 };
	for (const [slug, words] of CATEGORY_KEYWORDS) {
		// Distinct words, the title counting most: "order" repeated ten times must not beat "food" in the name.
		const score = words.reduce((n, w) => n + (title.includes(w) ? 3 : 0) + (text.includes(w) ? 1 : 0), 0);
		if (score > best.score) best = { slug, score };
	}
	return best.slug;
}

/** The first paragraph of the spec's description (markdown stripped), else its title. */
export function describeFromSpec(doc: Record<string, unknown>, fallback: string): string {
	const info = isRecord(doc.info) ? doc.info : {};
	const raw = typeof info.description === "string" ? info.description : "";
	const paragraph =
		raw
			.split(/\n\s*\n/)
			.map((p) =>
				p
					.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
					.replace(/<[^>]+>/g, "")
					.replace(/[#*_`>]+/g, "")
					.replace(/\s+/g, " ")
					.trim(),
			)
			.find((p) => p.length >= 20) ?? "";
	const text =
		paragraph ||
		(typeof info.summary === "string" ? info.summary : "") ||
		(typeof info.title === "string" ? info.title : "") ||
		fallback;
	if (text.length <= 280) return text;
	const cut = text.slice(0, 279);
	return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), 200))}…`;
}

/** Up to eight tag names from the spec's `tags`, lowercased. */
export function tagsFromSpec(doc: Record<string, unknown>): string[] {
	const tags = Array.isArray(doc.tags)
		? doc.tags.map((t) => (isRecord(t) && typeof t.name === "string" ? t.name.trim().toLowerCase() : ""))
		: [];
	const cleaned = tags
		.map((t) => t.replace(/\s+api$/, ""))
		.filter((t) => t.length > 0 && t.length <= 40 && !/^v?\d+(\.\d+)*$/.test(t));
	return [...new Set(cleaned)].slice(0, 8);
}
