import { AsyncLocalStorage } from "node:async_hooks";
import { accessLinesOn, logAccess } from "@penumbra/core/middleware";
import { incomingTrace, tagRequest } from "@penumbra/core/trace";

/** The caller of the request being answered, as far as it is known yet (`noteCaller`). */
const answering = new AsyncLocalStorage<{ caller?: string }>();

/** Names the credential the request being answered acts for, for its access line (the first one named stays). */
export function noteCaller(credentialId: string): void {
	const line = answering.getStore();
	if (line) line.caller ??= credentialId;
}

/**
 * Answers `request` and writes this Worker's access line for it (docs/operating.md). The request's id and trace are
 * settled here and written onto the request it answers, so the MCP server's gateway calls carry the same request id
 * and trace id as the line. The caller is the credential passed as `caller`, else the one `noteCaller` named while
 * answering (once a key or token was resolved), else none (anonymous). A request `built` by the caller for this call
 * alone is tagged in place; any other is copied first (an incoming request's headers cannot change).
 */
export async function withAccessLine(
	request: Request,
	env: McpEnv,
	answer: (request: Request) => Promise<Response>,
	{ caller, built = false }: { caller?: string; built?: boolean } = {},
): Promise<Response> {
	if (!accessLinesOn(env.LOG_LEVEL)) return answer(request);
	const started = performance.now();
	const call = incomingTrace((name) => request.headers.get(name));
	const tagged = built ? request : new Request(request);
	tagRequest(tagged.headers, call);
	const line: { caller?: string } = caller ? { caller } : {};
	let status = 500;
	try {
		const response = await answering.run(line, () => answer(tagged));
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
			caller: line.caller,
		});
	}
}
