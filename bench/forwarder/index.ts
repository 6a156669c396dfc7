/**
 * Bench baseline: two hops and nothing else, so the gateway's own cost can be told apart from the local
 * runtime's cost of an extra Worker in the path.
 */

export default {
	fetch(request, env): Promise<Response> {
		const incoming = new URL(request.url);
		const headers = new Headers();
		const contentType = request.headers.get("content-type");
		if (contentType) headers.set("content-type", contentType);
		return fetch(new URL(incoming.pathname + incoming.search, env.TARGET), {
			method: request.method,
			headers,
			body: request.body,
		});
	},
} satisfies ExportedHandler<ForwarderEnv>;
