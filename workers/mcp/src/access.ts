import { accessLinesOn, logAccess } from "@penumbra/core/middleware";
import { continueTrace, requestIdFrom, TRACEPARENT_HEADER, tagRequest } from "@penumbra/core/trace";

/**
 * Answers `request` and writes this Worker's access line for it (docs/operating.md). The request's id and trace are
 * settled here and written onto the request it answers, so the MCP server's gateway calls carry the same request id
 * and trace id as the line. `caller`: the credential, when it is known before the answer (the chat's lane).
 */
export async function withAccessLine(
	request: Request,
	env: McpEnv,
	answer: (request: Request) => Promise<Response>,
	caller?: string,
): Promise<Response> {
	if (!accessLinesOn(env.LOG_LEVEL)) return answer(request);
	const started = performance.now();
	const call = {
		request_id: requestIdFrom(request.headers.get("x-request-id")),
		trace: continueTrace(request.headers.get(TRACEPARENT_HEADER)),
	};
	const tagged = new Request(request);
	tagRequest(tagged.headers, call);
	let status = 500;
	try {
		const response = await answer(tagged);
		status = response.status;
		return response;
	} finally {
		logAccess({
			request_id: call.request_id,
			trace_id: call.trace.trace_id,
			method: request.method,
			url: request.url,
			status,
			started,
			caller,
		});
	}
}
