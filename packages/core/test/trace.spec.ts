import {
	childSpan,
	continueTrace,
	formatTraceparent,
	isTraceparent,
	nextTraceparent,
	parseTraceparent,
	startTrace,
	tagRequest,
} from "@penumbra/core/trace";
import { describe, expect, it } from "vitest";

const VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("traceparent", () => {
	it("parses a version-00 header into its trace id, span id and flags", () => {
		expect(parseTraceparent(VALID)).toEqual({
			trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
			span_id: "00f067aa0ba902b7",
			flags: "01",
		});
		expect(parseTraceparent(`  ${VALID} `)?.trace_id).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
		expect(parseTraceparent(VALID.replace(/-01$/, "-00"))?.flags).toBe("00");
	});

	it("rejects malformed headers and all-zero ids", () => {
		for (const bad of [
			undefined,
			null,
			"",
			"garbage",
			VALID.toUpperCase(),
			VALID.replace(/^00/, "01"),
			VALID.replace(/^00/, "ff"),
			`${VALID}-extra`,
			"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
			"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
			"00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",
		]) {
			expect(parseTraceparent(bad), String(bad)).toBeNull();
		}
		expect(isTraceparent(VALID)).toBe(true);
		expect(isTraceparent("garbage")).toBe(false);
	});

	it("formats what it parses, and starts valid sampled traces with fresh ids", () => {
		const parsed = parseTraceparent(VALID);
		expect(parsed && formatTraceparent(parsed)).toBe(VALID);
		const a = startTrace();
		const b = startTrace();
		expect(isTraceparent(formatTraceparent(a))).toBe(true);
		expect(a.flags).toBe("01");
		expect(a.trace_id).not.toBe(b.trace_id);
		expect(a.span_id).not.toBe(b.span_id);
	});

	it("makes child spans of the same trace with new span ids", () => {
		const parent = startTrace();
		const child = childSpan(parent);
		expect(child.trace_id).toBe(parent.trace_id);
		expect(child.flags).toBe(parent.flags);
		expect(child.span_id).toMatch(/^[0-9a-f]{16}$/);
		expect(child.span_id).not.toBe(parent.span_id);
		const next = parseTraceparent(nextTraceparent(parent));
		expect(next?.trace_id).toBe(parent.trace_id);
		expect(next?.span_id).not.toBe(parent.span_id);
	});

	it("continues a valid incoming header and replaces a malformed one", () => {
		const continued = continueTrace(VALID);
		expect(continued.trace_id).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
		expect(continued.span_id).not.toBe("00f067aa0ba902b7");
		const replaced = continueTrace("00-00000000000000000000000000000000-00f067aa0ba902b7-01");
		expect(replaced.trace_id).toMatch(/^[0-9a-f]{32}$/);
		expect(replaced.trace_id).not.toBe("00000000000000000000000000000000");
		expect(continueTrace(undefined).trace_id).not.toBe(continueTrace(undefined).trace_id);
	});

	it("tags an outgoing request with the request id and a new span of the trace", () => {
		const trace = startTrace();
		const headers = new Headers();
		tagRequest(headers, { request_id: "req-12345678", trace });
		expect(headers.get("x-request-id")).toBe("req-12345678");
		const sent = parseTraceparent(headers.get("traceparent"));
		expect(sent?.trace_id).toBe(trace.trace_id);
		expect(sent?.span_id).not.toBe(trace.span_id);
	});
});
