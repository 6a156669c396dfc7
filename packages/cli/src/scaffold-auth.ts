import { isRecord, manifestSchema, pointerJoin } from "@penumbra/core/registry";
import { requiredSecrets } from "@penumbra/core/upstream-auth";
import { MANIFEST_FILE, type ScaffoldChange, type ScaffoldContext, specChange } from "./scaffold-types.ts";
import { listOperations } from "./scaffold-walk.ts";

type Location = "header" | "query" | "path" | "cookie";

/** One credential as written into provider.yaml (`secret` is the Worker secret's suffix; API_KEY when absent). */
export interface ManifestCredential {
	in: Location;
	name: string;
	prefix?: string;
	secret?: string;
}

/** `auth` as written into provider.yaml (docs/upstream-auth.md). */
export interface ManifestAuth {
	scheme: "none" | "apiKey" | "oauth2" | "jwt" | "basic" | "custom";
	in?: Location;
	name?: string;
	prefix?: string;
	credentials?: ManifestCredential[];
	oauth2?: { token_url: string; scopes?: string[]; client_auth?: "header" | "body" };
	signature?: {
		algorithm: "hmac-sha256";
		payload: string;
		encoding: "hex";
		in: "header" | "query";
		name: string;
		timestamp?: { in: "header" | "query"; name: string; format: "seconds" | "milliseconds" };
	};
}

/** Parameter names that carry the caller's upstream credential when a spec forgot its securitySchemes. */
const CREDENTIAL_PARAM =
	/^(?:x-)?api[-_]?key$|^apikey$|^access[-_]?token$|^(?:ocp-apim-)?subscription[-_]key$|^authorization$/i;
/** Path parameters that hold a key (`/{apiKey}/forecast/…`); a bare `{key}` only when its description says so. */
const PATH_CREDENTIAL =
	/^(?:api[-_]?key|apikey|api[-_]?token|access[-_]?token|auth[-_]?(?:key|token)|token)$/i;
const KEY_WORDS = /\b(?:api|auth\w*|secret|token|credential|key for|your key)\b/i;
const SIGNATURE_NAME = /(?:^|[-_])sign(?:ature)?$/i;
const TIMESTAMP_NAME = /timestamp|[-_]time$|nonce/i;
const CREDENTIAL_HEADER = /key|passphrase|token|secret|auth/i;

interface Piece {
	credential?: ManifestCredential;
	basic?: true;
	oauth2?: ManifestAuth["oauth2"];
	bearer?: { jwt: boolean };
	staticOauth?: true;
	signature?: { in: "header" | "query"; name: string };
	timestamp?: { in: "header" | "query"; name: string };
	reason: string;
}

/** Secret suffix from a header or parameter name: `CB-ACCESS-PASSPHRASE` → `CB_ACCESS_PASSPHRASE`. */
function suffixOf(name: string): string {
	if (name.toLowerCase() === "authorization") return "ACCESS_TOKEN";
	const cleaned = name
		.replace(/([a-z])([A-Z])/g, "$1_$2")
		.toUpperCase()
		.replace(/[^A-Z0-9]+/g, "_")
		.replace(/^_+|_+$/g, "")
		.replace(/^X_/, "");
	return /^[A-Z]/.test(cleaned) ? cleaned : `KEY_${cleaned}`;
}

function schemesOf(doc: Record<string, unknown>): Record<string, unknown> {
	return isRecord(doc.components) && isRecord(doc.components.securitySchemes)
		? doc.components.securitySchemes
		: {};
}

/** The security requirement the spec applies: the global one, else the one most operations use (all its schemes). */
function appliedRequirement(doc: Record<string, unknown>): Record<string, unknown> | undefined {
	const first = (security: unknown) =>
		Array.isArray(security)
			? security.find((req) => isRecord(req) && Object.keys(req).length > 0)
			: undefined;
	const global = first(doc.security);
	if (isRecord(global)) return global;
	const counts = new Map<string, { req: Record<string, unknown>; n: number }>();
	for (const { op } of listOperations(doc)) {
		const req = first(op.security);
		if (!isRecord(req)) continue;
		const key = Object.keys(req).sort().join("\u0000");
		counts.set(key, { req, n: (counts.get(key)?.n ?? 0) + 1 });
	}
	return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.req;
}

/** Every scope any operation asks of scheme `name`: the token must serve them all. */
function scopesOf(doc: Record<string, unknown>, name: string): string[] {
	const scopes = new Set<string>();
	const add = (security: unknown) => {
		if (!Array.isArray(security)) return;
		for (const req of security)
			if (isRecord(req) && Array.isArray(req[name])) for (const scope of req[name]) scopes.add(String(scope));
	};
	add(doc.security);
	for (const { op } of listOperations(doc)) add(op.security);
	return [...scopes];
}

/** A token URL as the spec gives it may be relative to the server (PayPal: `/v1/oauth2/token`). */
function absoluteUrl(url: string, upstream: string): string {
	if (/^https?:\/\//i.test(url)) return url;
	const placeholder = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}/.exec(upstream)?.[0];
	if (placeholder && url.startsWith("/")) return `${placeholder}${url}`;
	const base = URL.parse(`${upstream.replace(/\/+$/, "")}/`);
	return base ? new URL(url, base).href : url;
}

function pieceOf(name: string, scheme: unknown, scopes: string[], upstream: string): Piece {
	const where = `security scheme "${name}"`;
	if (!isRecord(scheme)) return { reason: `${where} is applied but not defined; set auth by hand` };
	const type = String(scheme.type ?? "").toLowerCase();
	const httpScheme = String(scheme.scheme ?? "").toLowerCase();
	if (
		type === "apikey" &&
		typeof scheme.name === "string" &&
		["header", "query", "cookie"].includes(String(scheme.in))
	) {
		const at = scheme.in as "header" | "query" | "cookie";
		if (at !== "cookie" && SIGNATURE_NAME.test(scheme.name))
			return {
				signature: { in: at, name: scheme.name },
				reason: `${where}: ${at} "${scheme.name}" looks like a per-request signature`,
			};
		if (at !== "cookie" && TIMESTAMP_NAME.test(scheme.name))
			return {
				timestamp: { in: at, name: scheme.name },
				reason: `${where}: ${at} "${scheme.name}" looks like the signature's timestamp`,
			};
		return { credential: { in: at, name: scheme.name }, reason: `${where}: a key in ${at} "${scheme.name}"` };
	}
	if (type === "http" && httpScheme === "basic")
		return { basic: true, reason: `${where}: HTTP basic (user and password)` };
	if (type === "http" && httpScheme === "bearer")
		return {
			bearer: { jwt: /jwt/i.test(String(scheme.bearerFormat ?? "")) },
			reason: `${where}: a bearer token`,
		};
	if (type === "oauth2" && isRecord(scheme.flows) && isRecord(scheme.flows.clientCredentials)) {
		const flow = scheme.flows.clientCredentials;
		const tokenUrl = absoluteUrl(String(flow.tokenUrl ?? ""), upstream);
		return {
			oauth2: { token_url: tokenUrl, ...(scopes.length > 0 ? { scopes } : {}) },
			reason: `${where}: OAuth2 client credentials; the gateway fetches tokens from ${tokenUrl} with PROVIDER_<ID>_CLIENT_ID and _CLIENT_SECRET${scopes.length > 0 ? `, asking for every scope the operations name (${scopes.length})` : ""}`,
		};
	}
	if (type === "oauth2" || type === "openidconnect")
		return {
			staticOauth: true,
			reason: `${where}: ${type} without a client-credentials flow; the gateway sends the secret as a bearer token, which must be renewed outside Penumbra`,
		};
	return { reason: `${where}: type "${type}" cannot be presented by the gateway; set auth by hand` };
}

/** Assembles the manifest's auth from the applied schemes (AND within one requirement). */
function combine(pieces: Piece[]): { auth: ManifestAuth; notes: string[] } {
	const notes = pieces.map((p) => p.reason);
	const credentials = pieces.flatMap((p) => (p.credential ? [p.credential] : []));
	const bearer = pieces.find((p) => p.bearer);
	const oauth2 = pieces.find((p) => p.oauth2)?.oauth2;
	const basic = pieces.some((p) => p.basic);
	const staticOauth = pieces.some((p) => p.staticOauth);
	const signed = pieces.find((p) => p.signature)?.signature;
	const timestamp = pieces.find((p) => p.timestamp)?.timestamp;
	if (timestamp && !signed) credentials.push({ in: timestamp.in, name: timestamp.name });
	// The computed parts take the scheme; a bearer token or static OAuth token beside them is one more credential.
	const mainScheme: ManifestAuth["scheme"] = oauth2 ? "oauth2" : basic ? "basic" : "apiKey";
	if ((bearer || staticOauth) && (oauth2 || basic || credentials.length > 0 || signed))
		credentials.push({ in: "header", name: "Authorization", prefix: "Bearer " });
	else if (bearer || staticOauth) {
		const auth: ManifestAuth = staticOauth
			? { scheme: "oauth2" }
			: bearer?.bearer?.jwt
				? { scheme: "jwt" }
				: { scheme: "custom", in: "header", name: "Authorization", prefix: "Bearer " };
		return { auth, notes };
	}
	const auth: ManifestAuth = { scheme: mainScheme };
	if (oauth2) auth.oauth2 = oauth2;
	if (mainScheme === "apiKey" && credentials.length === 1 && credentials[0] && !signed) {
		const only = credentials[0];
		return {
			auth: {
				scheme: "apiKey",
				in: only.in,
				name: only.name,
				...(only.prefix ? { prefix: only.prefix } : {}),
			},
			notes,
		};
	}
	if (credentials.length > 0) auth.credentials = credentials;
	if (signed) {
		auth.signature = {
			algorithm: "hmac-sha256",
			payload: signed.in === "query" ? "{query}{body}" : "{timestamp}{method}{path}{body}",
			encoding: "hex",
			in: signed.in,
			name: signed.name,
			...(timestamp
				? { timestamp: { ...timestamp, format: signed.in === "query" ? "milliseconds" : "seconds" } }
				: {}),
		};
		notes.push(
			`signature guessed as hex HMAC-SHA256 of "${auth.signature.payload}" with PROVIDER_<ID>_API_SECRET; read the provider's signing docs`,
		);
	}
	if (mainScheme === "apiKey" && credentials.length === 0 && !signed)
		return { auth: { scheme: "none" }, notes };
	return { auth, notes };
}

/**
 * Decides how the gateway presents the provider's upstream credentials (docs/upstream-auth.md), from the security
 * requirement the spec applies: each scheme in it becomes a credential, HTTP basic, an OAuth2 client-credentials
 * grant or a signature. A credential-looking path parameter becomes a path credential; when the spec applies no
 * scheme, credential-looking header and query parameters become credentials and leave the tools. Every guess is
 * marked CHECK: the model must never be asked for a secret, and a wrong guess fails every call.
 */
export function deriveAuth(ctx: ScaffoldContext, changes: ScaffoldChange[], upstream: string): ManifestAuth {
	const note = (auth: ManifestAuth, reasons: string[]): ManifestAuth => {
		changes.push({
			file: MANIFEST_FILE,
			pointer: "/auth",
			after: auth,
			reason: reasons.join("; "),
			check: true,
		});
		return auth;
	};
	const requirement = appliedRequirement(ctx.doc);
	const schemes = schemesOf(ctx.doc);
	let derived: { auth: ManifestAuth; notes: string[] };
	const signing = signatureParams(ctx);
	const documented = requirement ? [] : readmeHeaders(ctx.doc);
	if (requirement) {
		derived = combine([
			...Object.keys(requirement).map((name) =>
				pieceOf(name, schemes[name], scopesOf(ctx.doc, name), upstream),
			),
			...signing,
		]);
	} else if (documented.length > 0) {
		derived = combine([...documented, ...signing]);
	} else {
		derived = fromParameters(ctx, Object.keys(schemes));
	}
	const path = pathCredential(ctx);
	if (path) derived = withPathCredential(derived, path);
	return note(nameSecrets(derived.auth), derived.notes);
}

/** A header's role judged from its name: a signature, its timestamp, or a credential. */
function headerPiece(at: "header" | "query", name: string, where: string): Piece | undefined {
	if (SIGNATURE_NAME.test(name))
		return {
			signature: { in: at, name },
			reason: `${where}: ${at} "${name}" looks like a per-request signature`,
		};
	if (TIMESTAMP_NAME.test(name))
		return {
			timestamp: { in: at, name },
			reason: `${where}: ${at} "${name}" looks like the signature's timestamp`,
		};
	if (CREDENTIAL_HEADER.test(name))
		return { credential: { in: at, name }, reason: `${where}: ${at} "${name}" looks like a credential` };
	return undefined;
}

/**
 * Specs published through ReadMe list the headers every request carries in `x-readme.headers` instead of
 * `securitySchemes` (Coinbase Prime's key, passphrase, signature and timestamp).
 */
function readmeHeaders(doc: Record<string, unknown>): Piece[] {
	const readme = doc["x-readme"];
	if (!isRecord(readme) || !Array.isArray(readme.headers)) return [];
	return readme.headers.flatMap((entry) =>
		isRecord(entry) && typeof entry.key === "string"
			? (headerPiece("header", entry.key, "x-readme.headers (the headers the provider documents)") ?? [])
			: [],
	);
}

/** A `signature` parameter the operations take (Binance: query `signature` over the query string, with `timestamp`). */
function signatureParams(ctx: ScaffoldContext): Piece[] {
	const found = new Map<string, Piece>();
	for (const { path, op } of listOperations(ctx.doc)) {
		const item = isRecord(ctx.doc.paths) ? ctx.doc.paths[path] : undefined;
		const params = [
			...(isRecord(item) && Array.isArray(item.parameters) ? item.parameters : []),
			...(Array.isArray(op.parameters) ? op.parameters : []),
		].map((entry) => resolveParam(ctx, entry));
		const named = (pattern: RegExp) =>
			params.find(
				(p): p is Record<string, unknown> =>
					isRecord(p) &&
					typeof p.name === "string" &&
					(p.in === "query" || p.in === "header") &&
					pattern.test(p.name),
			);
		const signature = named(/^(?:signature|sign)$/i);
		if (!signature) continue;
		const where = "operations' parameters";
		const sigAt = signature.in as "query" | "header";
		found.set("signature", {
			signature: { in: sigAt, name: String(signature.name) },
			reason: `${where}: ${sigAt} "${String(signature.name)}" looks like a per-request signature`,
		});
		const timestamp = named(/^(?:timestamp|nonce)$/i);
		if (!timestamp) continue;
		const timeAt = timestamp.in as "query" | "header";
		found.set("timestamp", {
			timestamp: { in: timeAt, name: String(timestamp.name) },
			reason: `${where}: ${timeAt} "${String(timestamp.name)}" looks like the signature's timestamp`,
		});
	}
	return [...found.values()];
}

function withPathCredential(
	derived: { auth: ManifestAuth; notes: string[] },
	path: { name: string; reason: string },
): { auth: ManifestAuth; notes: string[] } {
	const { auth } = derived;
	const notes = [...derived.notes.filter((n) => !n.startsWith("the spec declares no")), path.reason];
	if (auth.scheme === "none") return { auth: { scheme: "apiKey", in: "path", name: path.name }, notes };
	const bearer = { in: "header" as const, name: "Authorization", prefix: "Bearer " };
	// The single-credential form (a key, or a bearer token) becomes the first entry of the list.
	const single: ManifestCredential[] =
		auth.credentials || auth.oauth2 || auth.scheme === "basic"
			? []
			: auth.name
				? [{ in: auth.in ?? "header", name: auth.name, ...(auth.prefix ? { prefix: auth.prefix } : {}) }]
				: auth.scheme === "jwt" || auth.scheme === "oauth2"
					? [bearer]
					: [];
	const rest: ManifestAuth = { ...auth };
	if (single.length > 0) {
		rest.scheme = "apiKey";
		delete rest.in;
		delete rest.name;
		delete rest.prefix;
	}
	const credentials = [...(auth.credentials ?? single), { in: "path" as const, name: path.name }];
	return { auth: { ...rest, credentials }, notes };
}

/** Gives each credential its own Worker secret: a lone key reads API_KEY, the others a suffix from their names. */
function nameSecrets(auth: ManifestAuth): ManifestAuth {
	if (!auth.credentials) return auth;
	const taken = new Set(["USERNAME", "PASSWORD", "CLIENT_ID", "CLIENT_SECRET", "API_SECRET"]);
	const credentials = auth.credentials.map((credential, i) => {
		if (i === 0 && auth.scheme === "apiKey") {
			taken.add("API_KEY");
			return credential;
		}
		let suffix = suffixOf(credential.name);
		for (let n = 2; taken.has(suffix); n++) suffix = `${suffixOf(credential.name)}_${n}`;
		taken.add(suffix);
		return { ...credential, secret: suffix };
	});
	return { ...auth, credentials };
}

/** A path parameter most operations use whose name (or description) says it is a key. */
function pathCredential(ctx: ScaffoldContext): { name: string; reason: string } | undefined {
	const seen = new Map<string, number>();
	const ops = listOperations(ctx.doc);
	for (const { path, op } of ops) {
		const item = isRecord(ctx.doc.paths) ? ctx.doc.paths[path] : undefined;
		const params = [
			...(isRecord(item) && Array.isArray(item.parameters) ? item.parameters : []),
			...(Array.isArray(op.parameters) ? op.parameters : []),
		];
		for (const entry of params) {
			const param = resolveParam(ctx, entry);
			if (!isRecord(param) || param.in !== "path" || typeof param.name !== "string") continue;
			const describedAsKey =
				/^key$/i.test(param.name) &&
				KEY_WORDS.test(typeof param.description === "string" ? param.description : "");
			if (PATH_CREDENTIAL.test(param.name) || describedAsKey)
				seen.set(param.name, (seen.get(param.name) ?? 0) + 1);
		}
	}
	const [name, count] = [...seen.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
	if (!name || !count) return undefined;
	return {
		name,
		reason: `path parameter {${name}} (in ${count} of ${ops.length} operations) looks like the provider's key: the gateway fills it from a Worker secret and no tool takes it`,
	};
}

interface CredentialParam {
	in: "header" | "query";
	name: string;
	description: string;
	entry: unknown;
	list: unknown[];
	listPointer: string;
}

/** No scheme applied: credential-looking header and query parameters become the manifest's credentials. */
function fromParameters(ctx: ScaffoldContext, declared: string[]): { auth: ManifestAuth; notes: string[] } {
	const found = credentialParams(ctx);
	if (found.length === 0) {
		return {
			auth: { scheme: "none" },
			notes: [
				declared.length > 0
					? `the spec defines ${declared.join(", ")} but applies no security scheme; set auth if the upstream needs a key`
					: "the spec declares no authentication; set auth if the upstream needs a key",
			],
		};
	}
	const distinct = [...new Map(found.map((f) => [`${f.in}:${f.name.toLowerCase()}`, f])).values()];
	// A key first: it takes PROVIDER_<ID>_API_KEY; an Authorization header comes after it.
	distinct.sort(
		(a, b) =>
			Number(a.name.toLowerCase() === "authorization") - Number(b.name.toLowerCase() === "authorization"),
	);
	for (const f of found) {
		const index = f.list.indexOf(f.entry);
		if (index < 0) continue;
		f.list.splice(index, 1);
		specChange(ctx, {
			pointer: pointerJoin(f.listPointer, index),
			before: f.entry,
			reason: `the upstream credential "${f.name}" is injected by the gateway from a Worker secret; a model must never be asked for it`,
		});
	}
	const credentials: ManifestCredential[] = distinct.map((d) =>
		d.name.toLowerCase() === "authorization"
			? {
					in: "header",
					name: "Authorization",
					prefix: /bearer|jwt|access token/i.test(d.description) ? "Bearer " : "",
				}
			: { in: d.in, name: d.name },
	);
	const notes = [
		`the spec applies no security scheme, but its operations take ${distinct.map((d) => `${d.in} parameter "${d.name}"`).join(" and ")}`,
	];
	const [only] = credentials;
	if (credentials.length === 1 && only) {
		const auth: ManifestAuth =
			only.name === "Authorization"
				? { scheme: "custom", in: "header", name: "Authorization", prefix: only.prefix ?? "" }
				: { scheme: "apiKey", in: only.in, name: only.name };
		return { auth, notes };
	}
	return {
		auth: {
			scheme: "apiKey",
			credentials,
		},
		notes,
	};
}

function credentialParams(ctx: ScaffoldContext): CredentialParam[] {
	const found: CredentialParam[] = [];
	const resolve = (entry: unknown) => resolveParam(ctx, entry);
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

/** A parameter, following a `#/components/parameters/…` reference. */
function resolveParam(ctx: ScaffoldContext, entry: unknown): unknown {
	if (!isRecord(entry) || typeof entry.$ref !== "string") return entry;
	const componentParams =
		isRecord(ctx.doc.components) && isRecord(ctx.doc.components.parameters)
			? ctx.doc.components.parameters
			: {};
	const m = /^#\/components\/parameters\/(.+)$/.exec(entry.$ref);
	return m ? componentParams[(m[1] ?? "").replaceAll("~1", "/").replaceAll("~0", "~")] : undefined;
}

/** The Worker secrets a scaffolded `auth` needs, e.g. `PROVIDER_ACME_API_KEY`. */
export function authSecretNames(id: string, auth: ManifestAuth): string[] {
	const parsed = manifestSchema.shape.auth.safeParse(auth);
	return parsed.success ? requiredSecrets(id, parsed.data) : [];
}
