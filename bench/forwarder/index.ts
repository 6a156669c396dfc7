/**
 * Bench baseline: two hops and nothing else, so the gateway's own cost can be told apart from the local
 * runtime's cost of an extra Worker in the path. The request's headers go along as they are (an upstream key
 * included), so the same upstream call works through it for free and paid tools alike.
 */

export default {
	fetch(request, env): Promise<Response> {
		const incoming = new URL(request.url);
		const headers = new Headers(request.headers);
		headers.delete("host");
		return fetch(new URL(incoming.pathname + incoming.search, env.TARGET), {
			method: request.method,
			headers,
			body: request.body,
		});
	},
} satisfies ExportedHandler<ForwarderEnv>;
