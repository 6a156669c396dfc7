export interface SseMessage {
	id: string | null;
	event: string;
	data: string;
}

/**
 * Server-sent events from a fetch body (EventSource cannot POST or set Last-Event-ID itself). Ends when the body
 * ends; a dropped connection surfaces as the reader's error.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
	const reader = body.getReader();
	const decoder = new TextDecoder();
	let buffer = "";
	let data: string[] = [];
	let event = "";
	let id: string | null = null;
	try {
		while (true) {
			const { value, done } = await reader.read();
			if (done) return;
			buffer += decoder.decode(value, { stream: true });
			let newline = buffer.indexOf("\n");
			while (newline >= 0) {
				const line = buffer.slice(0, newline).replace(/\r$/, "");
				buffer = buffer.slice(newline + 1);
				newline = buffer.indexOf("\n");
				if (line === "") {
					if (data.length > 0) yield { id, event: event || "message", data: data.join("\n") };
					data = [];
					event = "";
					id = null;
					continue;
				}
				if (line.startsWith(":")) continue;
				const colon = line.indexOf(":");
				const field = colon < 0 ? line : line.slice(0, colon);
				const raw = colon < 0 ? "" : line.slice(colon + 1);
				const text = raw.startsWith(" ") ? raw.slice(1) : raw;
				if (field === "data") data.push(text);
				else if (field === "event") event = text;
				else if (field === "id") id = text;
			}
		}
	} finally {
		reader.cancel().catch(() => {});
	}
}
