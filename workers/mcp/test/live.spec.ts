import { describe, expect, it } from "vitest";
import { LiveCheck, onceLive } from "../src/auth/live.ts";

// A request whose key's identity came from the isolate's memory is answered only once the gateway said the key is
// live: by a gateway call of the request (no second round trip) or by asking at the end (docs/auth.md).

/** An answer of these chunks; `open`: it is still being written (so the reader can cancel it). */
function streamed(chunks: string[], open = false): { response: Response; cancelled: () => boolean } {
	let cancelled = false;
	const encoder = new TextEncoder();
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
			if (!open) controller.close();
		},
		cancel() {
			cancelled = true;
		},
	});
	const response = new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
	return { response, cancelled: () => cancelled };
}

function counting(answer: boolean): { check: LiveCheck; asked: () => number } {
	let asked = 0;
	const check = new LiveCheck(async () => {
		asked++;
		return answer;
	});
	return { check, asked: () => asked };
}

describe("onceLive", () => {
	it("passes the answer through without asking when a gateway call confirmed the caller", async () => {
		const { check, asked } = counting(false);
		check.confirm();
		const { response } = streamed(["event: message\n", "data: {}\n\n"]);
		const released = await onceLive(response, check);
		expect(released?.status).toBe(200);
		expect(released?.headers.get("content-type")).toBe("text/event-stream");
		expect(await released?.text()).toBe("event: message\ndata: {}\n\n");
		expect(asked()).toBe(0);
	});

	it("asks once when nothing confirmed it, and releases the answer when live", async () => {
		const { check, asked } = counting(true);
		const released = await onceLive(streamed(["a", "b"]).response, check);
		expect(await released?.text()).toBe("ab");
		expect(asked()).toBe(1);
		const empty = await onceLive(new Response(null, { status: 202 }), check);
		expect(empty?.status).toBe(202);
		expect(asked()).toBe(2);
	});

	it("drops the answer when the caller is no longer live", async () => {
		const { check } = counting(false);
		const { response, cancelled } = streamed(["secret"], true);
		expect(await onceLive(response, check)).toBeNull();
		expect(cancelled()).toBe(true);
	});

	it("releases a whole JSON answer as it is once live, and drops it when not", async () => {
		const live = counting(true);
		const answer = Response.json({ jsonrpc: "2.0", id: 1, result: {} });
		expect(await onceLive(answer, live.check)).toBe(answer);
		expect(live.asked()).toBe(1);

		const revoked = counting(false);
		expect(await onceLive(Response.json({ secret: true }), revoked.check)).toBeNull();
		expect(revoked.asked()).toBe(1);
	});
});
