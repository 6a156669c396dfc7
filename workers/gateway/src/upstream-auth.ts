import { needSecret, placeValue, signRequest } from "@penumbra/core/upstream-auth";
import type { UpstreamRequest } from "@penumbra/core/upstream-request";
import { type TokenContext, upstreamToken } from "./upstream-token.ts";

/**
 * Adds the credentials that change from call to call to a built request, on a copy (a retry starts again from the
 * original): the OAuth2 access token, then the signature, which must cover everything else. Each value sent is added
 * to `secrets` so an answer echoing it is scrubbed.
 */
export async function completeAuth(
	ctx: TokenContext,
	request: UpstreamRequest,
	freshToken: boolean,
): Promise<UpstreamRequest> {
	const auth = ctx.service.auth;
	if (!auth.oauth2 && !auth.signature) return request;
	const copy: UpstreamRequest = {
		...request,
		url: new URL(request.url),
		headers: new Headers(request.headers),
		secrets: [...request.secrets],
	};
	if (auth.oauth2) {
		const token = await upstreamToken(ctx, freshToken);
		placeValue(
			auth.in ?? "header",
			auth.name ?? "Authorization",
			`${auth.prefix ?? ""}${token}`,
			copy.url,
			copy.headers,
		);
		copy.secrets.push(token);
	}
	if (auth.signature) {
		const key = needSecret(ctx.service, ctx.secrets, auth.signature.secret);
		const parts = {
			method: copy.method,
			url: copy.url,
			headers: copy.headers,
			...(copy.body ? { body: copy.body } : {}),
		};
		copy.secrets.push(key, await signRequest(parts, auth.signature, key));
	}
	return copy;
}
