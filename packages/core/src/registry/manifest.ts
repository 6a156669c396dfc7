import { z } from "zod";
import { isRecord, pointerJoin } from "./json-pointer.ts";
import {
	AUTH_SCHEMES,
	type CompileProblem,
	CREDENTIAL_LOCATIONS,
	type OAuth2ClientCredentials,
	type RequestSignature,
	type UpstreamAuth,
} from "./types.ts";

/** Values for `${NAME}` placeholders that every environment has unless it overrides them. */
export const DEFAULT_MANIFEST_VARS: Readonly<Record<string, string>> = {
	SANDBOX_ORIGIN: "http://127.0.0.1:8791",
};

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const slug = z
	.string()
	.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a lowercase slug such as `food-delivery`");
const text = z.string().trim().min(1, "must not be empty");

const SECRET_SUFFIX = /^[A-Z][A-Z0-9_]*$/;
const secretSuffix = z
	.string()
	.regex(
		SECRET_SUFFIX,
		"must be a Worker secret suffix in capitals, e.g. `API_SECRET` for PROVIDER_<ID>_API_SECRET",
	);

const credentialSchema = z.strictObject({
	in: z.enum(CREDENTIAL_LOCATIONS),
	name: z.string().min(1),
	prefix: z.string().optional(),
	secret: secretSuffix.default("API_KEY"),
});

const oauth2Schema = z.strictObject({
	grant: z.literal("client_credentials").default("client_credentials"),
	token_url: z.url({ protocol: /^https?$/, error: "must be an absolute http(s) URL" }),
	scopes: z.array(z.string().min(1)).default([]),
	client_auth: z.enum(["header", "body"]).default("header"),
	client_id: secretSuffix.default("CLIENT_ID"),
	client_secret: secretSuffix.default("CLIENT_SECRET"),
	audience: z.string().min(1).optional(),
});

/** The common signature forms, so a manifest names one instead of spelling it out. */
export const SIGNATURE_PRESETS = {
	/** Coinbase: hex HMAC-SHA256 of timestamp + METHOD + path?query + body; unix seconds in CB-ACCESS-TIMESTAMP. */
	coinbase: {
		algorithm: "hmac-sha256",
		key_encoding: "utf8",
		payload: "{timestamp}{method}{path}{body}",
		encoding: "hex",
		in: "header",
		name: "CB-ACCESS-SIGN",
		timestamp: { in: "header", name: "CB-ACCESS-TIMESTAMP", format: "seconds" },
	},
	/** Binance: hex HMAC-SHA256 of the query string (with `timestamp` in ms) + body, sent as query `signature`. */
	binance: {
		algorithm: "hmac-sha256",
		key_encoding: "utf8",
		payload: "{query}{body}",
		encoding: "hex",
		in: "query",
		name: "signature",
		timestamp: { in: "query", name: "timestamp", format: "milliseconds" },
	},
} as const satisfies Record<string, Omit<RequestSignature, "secret">>;

const signatureSchema = z
	.strictObject({
		preset: z.enum(Object.keys(SIGNATURE_PRESETS) as [keyof typeof SIGNATURE_PRESETS]).optional(),
		algorithm: z.enum(["hmac-sha256", "hmac-sha512"]).optional(),
		secret: secretSuffix.default("API_SECRET"),
		key_encoding: z.enum(["utf8", "base64", "hex"]).optional(),
		payload: z.string().min(1).optional(),
		encoding: z.enum(["hex", "base64"]).optional(),
		in: z.enum(["header", "query"]).optional(),
		name: z.string().min(1).optional(),
		timestamp: z
			.strictObject({
				in: z.enum(["header", "query"]),
				name: z.string().min(1),
				format: z.enum(["seconds", "milliseconds", "iso"]).default("seconds"),
			})
			.optional(),
	})
	.transform((raw, ctx): RequestSignature => {
		const { preset, ...own } = raw;
		const base = preset ? SIGNATURE_PRESETS[preset] : undefined;
		const merged = {
			algorithm: own.algorithm ?? base?.algorithm ?? "hmac-sha256",
			secret: own.secret,
			key_encoding: own.key_encoding ?? base?.key_encoding ?? "utf8",
			payload: own.payload ?? base?.payload,
			encoding: own.encoding ?? base?.encoding ?? "hex",
			in: own.in ?? base?.in ?? "header",
			name: own.name ?? base?.name,
			timestamp: own.timestamp ?? base?.timestamp,
		};
		if (!merged.payload || !merged.name) {
			ctx.addIssue({
				code: "custom",
				message: "a signature needs `payload` and `name`, or a `preset` (coinbase, binance)",
			});
			return z.NEVER;
		}
		const { timestamp, ...rest } = merged;
		return {
			...rest,
			payload: merged.payload,
			name: merged.name,
			...(timestamp ? { timestamp: { ...timestamp } } : {}),
		};
	});

const authFields = z.strictObject({
	scheme: z.enum(AUTH_SCHEMES, {
		error: (issue) =>
			issue.input === undefined
				? `auth.scheme is required; use one of: ${AUTH_SCHEMES.join(", ")}`
				: `unknown auth scheme ${JSON.stringify(issue.input)}; use one of: ${AUTH_SCHEMES.join(", ")}`,
	}),
	in: z.enum(CREDENTIAL_LOCATIONS).optional(),
	name: z.string().min(1).optional(),
	prefix: z.string().optional(),
	credentials: z.array(credentialSchema).min(1).optional(),
	basic: z
		.strictObject({ username: secretSuffix.default("USERNAME"), password: secretSuffix.default("PASSWORD") })
		.optional(),
	oauth2: oauth2Schema.optional(),
	signature: signatureSchema.optional(),
});
type AuthFields = z.output<typeof authFields>;

const authSchema = authFields.superRefine(checkAuth).transform(normalizeAuth);

function checkAuth(auth: AuthFields, ctx: z.RefinementCtx): void {
	const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
	if (auth.scheme === "apiKey" && !auth.credentials) {
		if (!auth.in) issue(["in"], "apiKey auth needs `in: header` or `in: query` (or a `credentials` list)");
		if (!auth.name) issue(["name"], "apiKey auth needs the header or query parameter `name`");
	}
	if (auth.credentials && auth.scheme === "apiKey" && (auth.in || auth.name)) {
		issue(["credentials"], "give either `in`/`name` (one credential) or `credentials` (several), not both");
	}
	if (auth.basic && auth.scheme !== "basic") issue(["basic"], "`basic` needs `scheme: basic`");
	if (auth.oauth2 && auth.scheme !== "oauth2") issue(["oauth2"], "`oauth2` needs `scheme: oauth2`");
	if (auth.oauth2 && auth.in && auth.in !== "header" && auth.in !== "query")
		issue(["in"], "an OAuth2 token goes in a header or the query");
	if (auth.scheme === "none" && (auth.credentials || auth.signature || auth.in || auth.name))
		issue(["scheme"], "`scheme: none` sends no credential; remove the others or pick a scheme");
	const badName = (where: string, name: string) =>
		(where === "header" || where === "cookie") && !HEADER_TOKEN.test(name);
	if (auth.name && badName(auth.in ?? "header", auth.name))
		issue(["name"], `${JSON.stringify(auth.name)} is not a valid header name`);
	for (const [i, credential] of (auth.credentials ?? []).entries()) {
		if (badName(credential.in, credential.name))
			issue(
				["credentials", String(i), "name"],
				`${JSON.stringify(credential.name)} is not a valid ${credential.in} name`,
			);
	}
}

function normalizeAuth(auth: AuthFields): UpstreamAuth {
	const extras = {
		...(auth.credentials ? { credentials: auth.credentials } : {}),
		...(auth.signature ? { signature: auth.signature } : {}),
	};
	switch (auth.scheme) {
		case "none":
			return { scheme: "none" };
		case "basic":
			return {
				scheme: "basic",
				basic: auth.basic ?? { username: "USERNAME", password: "PASSWORD" },
				...extras,
			};
		case "oauth2":
		case "jwt": {
			const where = auth.in ?? "header";
			return {
				scheme: auth.scheme,
				in: where,
				name: auth.name ?? (where === "header" ? "Authorization" : "access_token"),
				prefix: auth.prefix ?? (where === "header" ? "Bearer " : ""),
				...(auth.oauth2 ? { oauth2: withoutGrant(auth.oauth2) } : {}),
				...extras,
			};
		}
		default:
			return {
				scheme: auth.scheme,
				...(auth.in ? { in: auth.in } : {}),
				...(auth.name ? { name: auth.name } : {}),
				...(auth.prefix !== undefined ? { prefix: auth.prefix } : {}),
				...extras,
			};
	}
}

function withoutGrant(oauth2: z.output<typeof oauth2Schema>): OAuth2ClientCredentials {
	const { grant: _grant, ...rest } = oauth2;
	return rest;
}

const endpointsSchema = text.superRefine((value, ctx) => {
	if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
		const url = URL.parse(value);
		const ok =
			url && (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)));
		if (!ok) {
			ctx.addIssue({
				code: "custom",
				message: "a remote spec must be an https URL (plain http only on 127.0.0.1/localhost)",
			});
		}
		return;
	}
	if (value.startsWith("/") || value.split(/[\\/]/).includes("..")) {
		ctx.addIssue({
			code: "custom",
			message: "must name a file inside the provider's folder, e.g. `openapi.yaml`",
		});
	} else if (!/\.(ya?ml|json)$/i.test(value)) {
		ctx.addIssue({ code: "custom", message: "must be a .yaml, .yml or .json file (or an https URL)" });
	}
});

const upstreamSchema = text.transform((value, ctx) => {
	const url = URL.parse(value);
	if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
		ctx.addIssue({
			code: "custom",
			message: "must be an absolute http(s) URL, e.g. https://api.example.com/v1",
		});
		return z.NEVER;
	}
	if (url.search || url.hash) {
		ctx.addIssue({ code: "custom", message: "must not have a query string or fragment" });
		return z.NEVER;
	}
	// Tool paths start with `/`, so a trailing slash here would double it.
	return url.href.replace(/\/+$/, "");
});

const positiveInt = z.int().positive();

/** Schema of `providers/<id>/provider.yaml` (after `${NAME}` substitution). */
export const manifestSchema = z.strictObject({
	id: z
		.string()
		.regex(
			/^[a-z][a-z0-9-]{1,62}$/,
			"must be 2-63 characters of lowercase letters, digits and `-`, starting with a letter",
		),
	name: text,
	description: text,
	category: slug,
	tags: z.array(text).default([]),
	auth: authSchema.default({ scheme: "none" }),
	endpoints: endpointsSchema,
	upstream: upstreamSchema,
	rate_limits: z
		.strictObject({ default_per_minute: positiveInt.default(120), burst: positiveInt.default(30) })
		.default({ default_per_minute: 120, burst: 30 }),
	pricing: z.strictObject({ usage_fee_cents: z.int().min(0).default(0) }).default({ usage_fee_cents: 0 }),
	service: z
		.strictObject({
			flow: text.optional(),
			pricing_model: text.optional(),
			typical_response_time: text.optional(),
		})
		.optional(),
	timeout_ms: z.int().min(100).max(60_000).default(10_000),
	/**
	 * A development provider (the sandbox merchants): part of the local catalog (`npm start`, tests, benches), never
	 * of the production one (`providers seed --remote`, `npm run deploy`).
	 */
	dev: z.boolean().default(false),
	max_response_bytes: z
		.int()
		.min(1024)
		.max(10 * 1024 * 1024)
		.default(1024 * 1024),
	/**
	 * A cheap operation `GET /v1/services/{id}/health` calls to see whether the provider answers: a GET tool with no
	 * fee and no purchase role, and parameters its input accepts (checked when compiling: `health-probe.ts`).
	 */
	health: z
		.strictObject({
			tool: z.string().min(1, "must name a tool (an operationId of the spec)"),
			parameters: z.record(z.string(), z.unknown()).default({}),
		})
		.optional(),
});

export type Manifest = z.output<typeof manifestSchema>;

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; problems: CompileProblem[] };

/** True when `endpoints` names a remote spec rather than a file beside the manifest. */
export function isRemoteSpec(endpoints: string): boolean {
	return /^https?:\/\//i.test(endpoints);
}

/**
 * Substitutes `${NAME}` placeholders in every string of a parsed manifest, then validates it.
 * `vars` is layered over {@link DEFAULT_MANIFEST_VARS}.
 */
export function parseManifest(raw: unknown, file: string, vars: Record<string, string> = {}): ManifestResult {
	const problems: CompileProblem[] = [];
	const allVars = { ...DEFAULT_MANIFEST_VARS, ...vars };
	if (!isRecord(raw)) {
		return { ok: false, problems: [{ file, path: "", message: "the manifest must be a YAML mapping" }] };
	}
	const substituted = substituteVars(raw, allVars, "", (path, message) =>
		problems.push({ file, path, message }),
	);
	const result = manifestSchema.safeParse(substituted, { reportInput: true });
	if (!result.success) {
		// A field whose placeholder failed is already reported; its knock-on format error is noise.
		const varPaths = new Set(problems.map((p) => p.path));
		problems.push(...zodProblems(result.error, file).filter((p) => !varPaths.has(p.path)));
	}
	if (problems.length > 0 || !result.success) return { ok: false, problems };
	return { ok: true, manifest: result.data };
}

function substituteVars(
	value: unknown,
	vars: Record<string, string>,
	pointer: string,
	report: (path: string, message: string) => void,
): unknown {
	if (typeof value === "string") {
		return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
			const found = vars[name];
			if (found !== undefined) return found;
			report(pointer, `unknown variable \${${name}}; set ${name} in the environment`);
			return whole;
		});
	}
	if (Array.isArray(value))
		return value.map((v, i) => substituteVars(v, vars, pointerJoin(pointer, i), report));
	if (isRecord(value)) {
		const out: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(value))
			out[k] = substituteVars(v, vars, pointerJoin(pointer, k), report);
		return out;
	}
	return value;
}

/** Turns zod issues into problems, one per offending field, pointing at the field itself. */
export function zodProblems(error: z.ZodError, file: string, base = ""): CompileProblem[] {
	const problems: CompileProblem[] = [];
	for (const issue of error.issues) {
		const at = pointerJoin(base, ...issue.path.map((p) => String(p)));
		if (issue.code === "unrecognized_keys") {
			for (const key of issue.keys)
				problems.push({ file, path: pointerJoin(at, key), message: `unknown field "${key}"` });
		} else if (issue.code === "invalid_type" && issue.input === undefined) {
			problems.push({ file, path: at, message: "is required" });
		} else {
			problems.push({ file, path: at, message: issue.message });
		}
	}
	return problems;
}
