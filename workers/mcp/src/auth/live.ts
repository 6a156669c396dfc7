/**
 * Whether the caller of one `/mcp` request is still live, when who it is came from this isolate's memory
 * (`known-keys.ts`): confirmed by any gateway call the request makes anyway (the gateway's answer says `live`),
 * else asked once before the answer leaves (`recheck`). So a revoked key is refused on its next request
 * (docs/auth.md), and a tool call costs no second round trip to say so.
 */
export class LiveCheck {
	#confirmed = false;
	readonly #recheck: () => Promise<boolean>;

	constructor(recheck: () => Promise<boolean>) {
		this.#recheck = recheck;
	}

	/** A gateway call of this request, made with the caller's key id, was answered `live`. */
	confirm(): void {
		this.#confirmed = true;
	}

	isLive(): Promise<boolean> {
		return this.#confirmed ? Promise.resolve(true) : this.#recheck();
	}
}

// By the request's props object, which the OAuth provider and the MCP handler pass along as is.
const checks = new WeakMap<object, LiveCheck>();

export function withLiveCheck<T extends object>(props: T, check: LiveCheck): T {
	checks.set(props, check);
	return props;
}

export function liveCheckOf(props: unknown): LiveCheck | undefined {
	return typeof props === "object" && props !== null ? checks.get(props) : undefined;
}

type Read = ReadableStreamReadResult<Uint8Array> | { error: unknown };

async function readOnce(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Read> {
	try {
		return await reader.read();
	} catch (error) {
		return { error };
	}
}

/**
 * The MCP handler's answer, held until its first chunk (a tool's result follows its gateway calls) and released
 * only if the caller is live; null, with the answer dropped, when it is not.
 */
export async function onceLive(response: Response, check: LiveCheck): Promise<Response | null> {
	// Anything but a stream is whole already: the tool has made its gateway calls.
	if (!response.headers.get("content-type")?.includes("text/event-stream")) {
		if (await check.isLive()) return response;
		await response.body?.cancel().catch(() => {});
		return null;
	}
	const reader = response.body?.getReader();
	const first = reader ? await readOnce(reader) : undefined;
	if (!(await check.isLive())) {
		await reader?.cancel().catch(() => {});
		return null;
	}
	if (!reader || !first) return response;
	let held: Read | undefined = first;
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			const next = held ?? (await readOnce(reader));
			held = undefined;
			if ("error" in next) controller.error(next.error);
			else if (next.done) controller.close();
			else controller.enqueue(next.value);
		},
		cancel: (reason) => reader.cancel(reason),
	});
	return new Response(body, {
		status: response.status,
		statusText: response.statusText,
		headers: response.headers,
	});
}
