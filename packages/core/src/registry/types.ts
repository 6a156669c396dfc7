import type { AuthLevel } from "../auth-levels.ts";

/** A JSON Schema object (draft 2020-12 subset, as emitted by the compiler). */
import type { ServiceCard } from "../contracts/services.ts";

export type JsonSchema = { [key: string]: unknown };

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete" | "head" | "options";

export interface CompiledParam {
	name: string;
	in: "path" | "query" | "header";
	required: boolean;
	schema: JsonSchema;
}

export interface CompiledBody {
	required: boolean;
	/** The declared request media type the body is sent as: JSON-compatible when one is declared, else a form. */
	contentType: string;
	/**
	 * `flatten`: the body object's properties sit beside the parameters in the tool input.
	 * `property`: the whole body is the tool input's `body` property.
	 */
	mode: "flatten" | "property";
	/** Property names taken from the body when `mode` is `flatten`. */
	properties: string[];
	schema: JsonSchema;
}

export type PurchaseMeta =
	| { kind: "precheck"; amount_path: string }
	| {
			kind: "purchase";
			/** Tool name (operationId) of the precheck operation; absent for a payment (`request_amount_path`). */
			precheck?: string;
			/**
			 * Payment-style purchase (`x-request-amount-path`): JSONPath into the tool's parameters of the amount in
			 * cents. The quote is made from the request itself, with no precheck call.
			 */
			request_amount_path?: string;
			/** `x-request-currency-path`: JSONPath into the parameters of the currency, which must be the account's. */
			request_currency_path?: string;
			/** JSONPath of the charged amount in the answer; a payment without one is charged its quoted amount. */
			amount_path?: string;
			transaction_id_path: string;
			/**
			 * `x-result-path` with `x-sold-results` / `x-refused-results`: the verdict a 2xx answer states itself (a
			 * payment provider's `resultCode`). Sold values are a sale, refused ones a refusal; any other is unknown.
			 */
			result?: { path: string; sold: string[]; refused: string[] };
			/**
			 * Tool name (operationId) of the `x-purchase-status` operation: a GET that answers the order placed under an
			 * idempotency key as the purchase did, or 404 when there is none. Without it, the idempotent retry is the lookup.
			 */
			status?: string;
	  };

/** One operation of a provider, as a tool a model can call. */
export interface CompiledTool {
	name: string;
	summary: string;
	description: string;
	method: HttpMethod;
	/** OpenAPI path template relative to the upstream base, e.g. `/orders/{order_id}`. */
	path: string;
	params: CompiledParam[];
	body?: CompiledBody;
	/**
	 * Media types the operation's 2xx responses declare, for the call's `Accept` (`acceptFor` in media-types.ts).
	 * Absent in registries compiled before it was recorded: those send `application/json`.
	 */
	response_types?: string[];
	/** Compact JSON Schema of the tool's input (parameters + body). */
	input_schema: JsonSchema;
	fee_cents: number;
	auth_level: AuthLevel;
	purchase?: PurchaseMeta;
}

export const AUTH_SCHEMES = ["none", "apiKey", "oauth2", "jwt", "basic", "custom"] as const;
export type AuthScheme = (typeof AUTH_SCHEMES)[number];

export const CREDENTIAL_LOCATIONS = ["header", "query", "path", "cookie"] as const;
export type CredentialLocation = (typeof CREDENTIAL_LOCATIONS)[number];

/** One static credential: the Worker secret `PROVIDER_<ID>_<secret>` sent in one place. */
export interface UpstreamCredential {
	in: CredentialLocation;
	/** Header, query parameter, cookie, or `{param}` of the upstream path it fills. */
	name: string;
	/** Prepended to the secret, e.g. `Bearer `. */
	prefix?: string;
	/** Suffix of the Worker secret's name: `API_KEY` reads `PROVIDER_<ID>_API_KEY`. */
	secret: string;
}

/** OAuth2 client-credentials grant: the gateway fetches, caches and renews the token itself. */
export interface OAuth2ClientCredentials {
	token_url: string;
	scopes: string[];
	/** `header`: client id and secret as HTTP Basic; `body`: as `client_id`/`client_secret` form fields. */
	client_auth: "header" | "body";
	/** Secret suffixes of the client id and secret (`CLIENT_ID`, `CLIENT_SECRET` by default). */
	client_id: string;
	client_secret: string;
	/** Sent as the `audience` form field (Auth0 and others require it). */
	audience?: string;
}

/**
 * A per-request HMAC signature (docs/upstream-auth.md): `payload` is a template over `{timestamp}`, `{method}`,
 * `{path}` (path and query), `{pathname}`, `{query}` and `{body}`.
 */
export interface RequestSignature {
	algorithm: "hmac-sha256" | "hmac-sha512";
	/** Secret suffix of the signing key (`API_SECRET` by default). */
	secret: string;
	key_encoding: "utf8" | "base64" | "hex";
	payload: string;
	encoding: "hex" | "base64";
	in: "header" | "query";
	name: string;
	timestamp?: { in: "header" | "query"; name: string; format: "seconds" | "milliseconds" | "iso" };
}

/**
 * How the gateway presents the provider's own upstream credential (never the caller's). The single-credential form
 * is `in`/`name`/`prefix` (the secret `PROVIDER_<ID>_API_KEY`); `credentials` lists several; `basic`, `oauth2` and
 * `signature` add computed ones. With `oauth2`, `in`/`name`/`prefix` say where the token goes.
 */
export interface UpstreamAuth {
	scheme: AuthScheme;
	in?: CredentialLocation;
	name?: string;
	/** Prefix for the header value, e.g. `Bearer `. */
	prefix?: string;
	credentials?: UpstreamCredential[];
	/** Secret suffixes of the user name and password for `Authorization: Basic …`. */
	basic?: { username: string; password: string };
	oauth2?: OAuth2ClientCredentials;
	signature?: RequestSignature;
}

export type { ServiceCard } from "../contracts/services.ts";

export interface CompiledService {
	card: ServiceCard;
	upstream: string;
	auth: UpstreamAuth;
	rate_limits: { default_per_minute: number; burst: number };
	timeout_ms: number;
	max_response_bytes: number;
	tools: CompiledTool[];
	/** The manifest's `health:` probe, checked against `tools` when compiled; absent when none is declared. */
	health?: HealthProbe;
	spec: { kind: "file"; path: string } | RemoteSpec;
	built_at: string;
}

/** A free, read-only tool call that shows whether a provider answers (`GET /v1/services/{id}/health`). */
export interface HealthProbe {
	tool: string;
	parameters: Record<string, unknown>;
}

/** Where a remote-spec service came from, and how its last refreshes went; enough to recompile it in the gateway. */
export interface RemoteSpec {
	kind: "url";
	url: string;
	etag?: string;
	last_modified?: string;
	/** The validated manifest (placeholders already substituted). */
	manifest: unknown;
	manifest_file: string;
	/** Last time the gateway asked the spec host, and last time it got a usable answer (200 or 304). */
	checked_at?: string;
	refreshed_at?: string;
	/** Why the last refresh failed; absent after a success. */
	last_error?: string;
	/**
	 * What the operator's seeded build allows each tool (fee, auth level, purchase flags). Set when the service is
	 * compiled for seeding and never changed by a refresh: a refetched spec can lower these, never raise them.
	 */
	ceiling?: ToolCeiling[];
	/** What the last recompiled spec asked beyond the ceiling and was refused; absent when it asked nothing. */
	refused?: RefusedChange[];
	/** When the current `refused` list was recorded. */
	refused_at?: string;
}

/** One tool as the operator published it: a refresh keeps its fee at most this, its level at least this. */
export interface ToolCeiling {
	name: string;
	fee_cents: number;
	auth_level: AuthLevel;
	/** Exactly this purchase metadata, or none (`null`): a refresh never changes a tool's money role. */
	purchase: PurchaseMeta | null;
}

/** A field a refetched spec tried to raise above the ceiling; the ceiling's value was kept. */
export interface RefusedChange {
	tool: string;
	/** `tool`: a tool the seeded build did not have, carrying purchase metadata; it is not served at all. */
	field: "fee_cents" | "auth_level" | "purchase" | "tool";
	wanted: unknown;
	kept: unknown;
}

/** The one KV value discovery reads. */
export interface RegistryIndex {
	version: 1;
	built_at: string;
	/** Last time the gateway's refresh changed any card (remote specs). */
	refreshed_at?: string;
	services: ServiceCard[];
	/** Remote services whose last recompiled spec tried to exceed the operator's ceiling (`RemoteSpec.refused`). */
	policy_refused?: string[];
}

export const REGISTRY_INDEX_KEY = "registry:index";
/**
 * A provider's OAuth2 client-credentials access token, cached until shortly before it expires. A secret: only the
 * gateway's upstream call reads it. `client` names the client (a digest of its id and token URL).
 */
export const upstreamTokenKey = (id: string, client: string): string => `upstream:token:${id}:${client}`;
export const serviceKey = (id: string): string => `registry:service:${id}`;
/** The last health probe of a service (`ProbeResult` JSON), shared by the gateway's isolates for 30 s. */
export const healthProbeKey = (id: string): string => `health:probe:${id}`;
/** Ids of the services whose spec is remote, for the refresh cron: `{ "ids": [...] }`. */
export const REGISTRY_REMOTE_KEY = "registry:remote";
/** The prebuilt service search index (`SearchIndexData` of `search/index.ts`), loaded once per MCP isolate. */
export const REGISTRY_SEARCH_KEY = "registry:search";
/**
 * A few bytes naming the search index's version (its `refreshed_at ?? built_at`), so a reader can check for a newer
 * index without reading megabytes.
 */
export const REGISTRY_SEARCH_VERSION_KEY = "registry:search:version";

/** One thing wrong (or worth a warning) in a provider's files, located by JSON pointer. */
export interface CompileProblem {
	/** The file as the caller named it, e.g. `providers/skycast/openapi.yaml`. */
	file: string;
	/** RFC 6901 JSON pointer into that file, e.g. `/paths/~1checkout/post/operationId`; `""` for the whole file. */
	path: string;
	message: string;
}
