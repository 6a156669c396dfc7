import { PenumbraError } from "@penumbra/core/errors";
import {
	notFoundHandler,
	onErrorHandler,
	type RequestIdVariables,
	requestId,
} from "@penumbra/core/middleware";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { afterEach, describe, expect, it, vi } from "vitest";

type TestEnv = { Variables: RequestIdVariables };

function app(hint?: string): Hono<TestEnv> {
	const app = new Hono<TestEnv>();
	app.use("*", requestId());
	app.get("/limited", () => {
		throw new PenumbraError("RATE_LIMITED", {
			detail: "Slow down.",
			internal: "bucket anon:1.2.3.4 empty",
			extras: { retry_after_seconds: 2.5 },
		});
	});
	app.get("/bug", () => {
		throw new TypeError("cannot read x of undefined", { cause: new Error("root cause") });
	});
	app.get("/malformed", () => {
		throw new HTTPException(400, { message: "Malformed JSON in request body" });
	});
	app.onError(onErrorHandler());
	app.notFound(notFoundHandler(hint === undefined ? {} : { hint }));
	return app;
}

async function problemOf(response: Response): Promise<Record<string, unknown>> {
	expect(response.headers.get("content-type")).toBe("application/problem+json");
	return response.json();
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe("onErrorHandler", () => {
	it("renders a PenumbraError as its problem, with the path, the request id and its headers, unlogged", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const response = await app().request("/limited", { headers: { "x-request-id": "trace-12345678" } });
		expect(response.status).toBe(429);
		expect(response.headers.get("retry-after")).toBe("3");
		expect(await problemOf(response)).toMatchObject({
			code: "RATE_LIMITED",
			status: 429,
			detail: "Slow down.",
			instance: "/limited",
			request_id: "trace-12345678",
			retry_after_seconds: 2.5,
		});
		expect(errors).not.toHaveBeenCalled();
	});

	it("hides an unexpected error behind INTERNAL and logs it with the request id", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const response = await app().request("/bug?message=private", {
			headers: {
				"x-request-id": "trace-bug-0001",
				traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			},
		});
		expect(response.status).toBe(500);
		const problem = await problemOf(response);
		expect(problem).toMatchObject({ code: "INTERNAL", request_id: "trace-bug-0001" });
		expect(JSON.stringify(problem)).not.toContain("cannot read");
		expect(errors).toHaveBeenCalledTimes(1);
		const line = JSON.parse(String(errors.mock.calls[0]?.[0]));
		expect(line).toMatchObject({
			level: "error",
			msg: "request failed",
			request_id: "trace-bug-0001",
			trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
			method: "GET",
			path: "/bug",
			error: { message: "cannot read x of undefined" },
			cause: { message: "root cause" },
		});
		expect(JSON.stringify(line)).not.toContain("private");
	});

	it("maps Hono's HTTPException to VALIDATION_FAILED with its status", async () => {
		const response = await app().request("/malformed");
		expect(response.status).toBe(400);
		expect(await problemOf(response)).toMatchObject({
			code: "VALIDATION_FAILED",
			detail: "Malformed JSON in request body",
		});
	});
});

describe("notFoundHandler", () => {
	it("names the method and path, with the hint when given", async () => {
		const plain = await app().request("/nowhere", { method: "DELETE" });
		expect(plain.status).toBe(404);
		expect(await problemOf(plain)).toMatchObject({
			code: "NOT_FOUND",
			detail: "No route for DELETE /nowhere.",
			instance: "/nowhere",
			request_id: plain.headers.get("x-request-id"),
		});
		const hinted = await app("See /docs for the API.").request("/nowhere");
		expect((await problemOf(hinted)).detail).toBe("No route for GET /nowhere. See /docs for the API.");
	});
});
