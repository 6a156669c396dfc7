import { PenumbraError } from "./errors.ts";
import { toHex } from "./keys.ts";
import type {
	CompiledService,
	CredentialLocation,
	RequestSignature,
	UpstreamAuth,
	UpstreamCredential,
} from "./registry/types.ts";

/** Reads a Worker secret by name; `undefined` when it is not set. */
export type SecretReader = (name: string) => string | undefined;

/** Name of a provider's Worker secret, e.g. PROVIDER_FOODDASH_API_KEY (or PROVIDER_FOODDASH_API_SECRET). */
export function providerSecretName(serviceId: string, suffix = "API_KEY"): string {
	return `PROVIDER_${serviceId.toUpperCase().replaceAll("-", "_")}_${suffix}`;
}

/**
 * The static credentials a manifest declares: its `credentials` list, or the single-credential form (`in`/`name`/
 * `prefix`, the secret `API_KEY`) of every scheme that sends the secret as it is.
 */
export function staticCredentials(auth: UpstreamAuth): UpstreamCredential[] {
	if (auth.credentials) return auth.credentials;
	if (auth.scheme === "none" || auth.scheme === "basic" || auth.oauth2) return [];
	return [
		{
			in: auth.in ?? "header",
			name: auth.name ?? (auth.in === "query" ? "api_key" : "Authorization"),
			...(auth.prefix !== undefined ? { prefix: auth.prefix } : {}),
			secret: "API_KEY",
		},
	];
}

/** Every Worker secret the gateway needs to call this provider, in the order it reads them. */
export function requiredSecrets(serviceId: string, auth: UpstreamAuth): string[] {
	const suffixes = [
		...staticCredentials(auth).map((c) => c.secret),
		...(auth.basic ? [auth.basic.username, auth.basic.password] : []),
		...(auth.oauth2 ? [auth.oauth2.client_id, auth.oauth2.client_secret] : []),
		...(auth.signature ? [auth.signature.secret] : []),
	];
	return [...new Set(suffixes)].map((suffix) => providerSecretName(serviceId, suffix));
}

/**
 * The request parameters the gateway fills itself (credentials, the OAuth token, the signature and its timestamp):
 * a tool never takes them as input.
 */
export function gatewayFilledParams(auth: UpstreamAuth): { in: CredentialLocation; name: string }[] {
	const filled: { in: CredentialLocation; name: string }[] = staticCredentials(auth).map((c) => ({
		in: c.in,
		name: c.name,
	}));
	if (auth.oauth2 && auth.name) filled.push({ in: auth.in ?? "header", name: auth.name });
	if (auth.signature) {
		filled.push({ in: auth.signature.in, name: auth.signature.name });
		if (auth.signature.timestamp)
			filled.push({ in: auth.signature.timestamp.in, name: auth.signature.timestamp.name });
	}
	return filled;
}

/** Reads a secret the manifest needs; a missing one means the operator has not set the provider up here yet. */
export function needSecret(service: CompiledService, secrets: SecretReader, suffix: string): string {
	const name = providerSecretName(service.card.id, suffix);
	const value = secrets(name);
	if (!value) {
		throw new PenumbraError("UPSTREAM_ERROR", {
			detail: `Service "${service.card.id}" is not configured on this gateway yet.`,
			internal: `missing Worker secret ${name}`,
			status: 503,
		});
	}
	return value;
}

/** Checks that every secret the manifest names is set, so a call fails before it is charged or sent. */
export function assertSecrets(service: CompiledService, secrets: SecretReader): void {
	for (const name of requiredSecrets(service.card.id, service.auth)) {
		const suffix = name.slice(providerSecretName(service.card.id, "").length);
		needSecret(service, secrets, suffix);
	}
}

/** The values of `in: path` credentials, by `{param}` name. */
export function pathCredentials(service: CompiledService, secrets: SecretReader): Record<string, string> {
	const values: Record<string, string> = {};
	for (const credential of staticCredentials(service.auth)) {
		if (credential.in !== "path") continue;
		values[credential.name] = `${credential.prefix ?? ""}${needSecret(service, secrets, credential.secret)}`;
	}
	return values;
}

/** Sets one value in a header, the query or a cookie (a path credential is filled with the path). */
export function placeValue(
	where: CredentialLocation,
	name: string,
	value: string,
	url: URL,
	headers: Headers,
): void {
	if (where === "query") url.searchParams.set(name, value);
	else if (where === "cookie") {
		const cookie = headers.get("cookie");
		headers.set("cookie", `${cookie ? `${cookie}; ` : ""}${name}=${value}`);
	} else if (where === "header") headers.set(name, value);
}

/** `Authorization: Basic …` for a user name and password (RFC 7617, UTF-8). */
export function basicAuthorization(username: string, password: string): string {
	const bytes = new TextEncoder().encode(`${username}:${password}`);
	return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * Puts the static credentials and HTTP Basic into a request; `pathTemplate` (the tool's path) lets a request whose
 * path was given literally (the transparent proxy) have its `in: path` credentials filled too. Returns the secret
 * values sent, so they can be scrubbed from answers.
 */
export function injectCredential(
	service: CompiledService,
	url: URL,
	headers: Headers,
	secrets: SecretReader,
	pathTemplate?: string,
): string[] {
	const auth = service.auth;
	if (auth.scheme === "none") return [];
	assertSecrets(service, secrets);
	const sent: string[] = [];
	for (const credential of staticCredentials(auth)) {
		const secret = needSecret(service, secrets, credential.secret);
		sent.push(secret);
		if (credential.in === "path") {
			if (pathTemplate) fillPathSegment(service.upstream, pathTemplate, url, credential.name, secret);
			continue;
		}
		placeValue(credential.in, credential.name, `${credential.prefix ?? ""}${secret}`, url, headers);
	}
	if (auth.basic) {
		const username = needSecret(service, secrets, auth.basic.username);
		const password = needSecret(service, secrets, auth.basic.password);
		const value = basicAuthorization(username, password);
		headers.set("authorization", value);
		// A long user name is a key (some APIs take the key as the user); a short one is a plain account name.
		sent.push(password, value.slice("Basic ".length), ...(username.length >= 12 ? [username] : []));
	}
	return sent;
}

function fillPathSegment(base: string, template: string, url: URL, name: string, value: string): void {
	const basePath = new URL(base).pathname.replace(/\/+$/, "");
	const own = url.pathname.slice(basePath.length).split("/");
	const wanted = template.split("/");
	if (own.length !== wanted.length) return;
	for (const [i, segment] of wanted.entries())
		if (segment === `{${name}}`) own[i] = encodeURIComponent(value);
	url.pathname = basePath + own.join("/");
}

/** The request parts a signature can cover. */
export interface SignedParts {
	method: string;
	url: URL;
	headers: Headers;
	body?: string;
}

function timestampOf(format: "seconds" | "milliseconds" | "iso", now: Date): string {
	if (format === "iso") return now.toISOString();
	return String(format === "seconds" ? Math.floor(now.getTime() / 1000) : now.getTime());
}

function decodeKey(key: string, encoding: RequestSignature["key_encoding"]): Uint8Array<ArrayBuffer> {
	if (encoding === "utf8") return new Uint8Array(new TextEncoder().encode(key));
	if (encoding === "hex") {
		const pairs = key.match(/[0-9a-f]{2}/gi) ?? [];
		return new Uint8Array(pairs.map((pair) => Number.parseInt(pair, 16)));
	}
	return Uint8Array.from(atob(key), (c) => c.charCodeAt(0));
}

function encodeBytes(bytes: ArrayBuffer, encoding: RequestSignature["encoding"]): string {
	const view = new Uint8Array(bytes);
	if (encoding === "hex") return toHex(view);
	return btoa(String.fromCharCode(...view));
}

/** The canonical string a signature covers: the manifest's template with the request's parts filled in. */
export function canonicalString(template: string, parts: SignedParts, timestamp: string): string {
	const query = parts.url.search.replace(/^\?/, "");
	const values: Record<string, string> = {
		timestamp,
		method: parts.method.toUpperCase(),
		path: parts.url.pathname + parts.url.search,
		pathname: parts.url.pathname,
		query,
		body: parts.body ?? "",
	};
	return template.replace(
		/\{(timestamp|method|path|pathname|query|body)\}/g,
		(_, key: string) => values[key] ?? "",
	);
}

/**
 * Signs a request in place (docs/upstream-auth.md): sets the timestamp, then the HMAC of the canonical string
 * under `key`, where the manifest says. Returns the signature, which is a secret for scrubbing purposes.
 */
export async function signRequest(
	parts: SignedParts,
	signature: RequestSignature,
	key: string,
	now: Date = new Date(),
): Promise<string> {
	const timestamp = timestampOf(signature.timestamp?.format ?? "seconds", now);
	if (signature.timestamp)
		placeValue(signature.timestamp.in, signature.timestamp.name, timestamp, parts.url, parts.headers);
	const hash = signature.algorithm === "hmac-sha512" ? "SHA-512" : "SHA-256";
	const cryptoKey = await crypto.subtle.importKey(
		"raw",
		decodeKey(key, signature.key_encoding),
		{ name: "HMAC", hash },
		false,
		["sign"],
	);
	const payload = new TextEncoder().encode(canonicalString(signature.payload, parts, timestamp));
	const value = encodeBytes(await crypto.subtle.sign("HMAC", cryptoKey, payload), signature.encoding);
	if (signature.in === "query") parts.url.searchParams.append(signature.name, value);
	else parts.headers.set(signature.name, value);
	return value;
}
