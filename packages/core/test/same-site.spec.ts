import { PenumbraError } from "@penumbra/core/errors";
import { sameSiteWrites } from "@penumbra/core/middleware";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";

type TestEnv = { Bindings: { SITE: string } };

const SITE = "https://chat.example";

function app(allowSite = true): Hono<TestEnv> {
	const app = new Hono<TestEnv>();
	app.use("*", sameSiteWrites<TestEnv>(allowSite ? { allowedOrigins: (c) => [c.env.SITE] } : {}));
	app.on(["GET", "POST", "DELETE", "OPTIONS"], "/thing", (c) => c.text("done"));
	app.onError((err, c) =>
		err instanceof PenumbraError ? c.json({ code: err.code }, 403) : c.text("unexpected", 500),
	);
	return app;
}

function send(method: string, origin?: string, allowSite = true): Promise<Response> {
	return Promise.resolve(
		app(allowSite).request(
			"https://api.example/thing",
			{ method, headers: origin === undefined ? {} : { origin } },
			{ SITE },
		),
	);
}

describe("sameSiteWrites", () => {
	it("refuses a write sent from another site", async () => {
		for (const method of ["POST", "DELETE"]) {
			const response = await send(method, "https://evil.example");
			expect(response.status, method).toBe(403);
			expect(await response.json()).toEqual({ code: "FORBIDDEN" });
		}
	});

	it("lets writes through from the allowed site, the Worker's own pages, and clients that send no Origin", async () => {
		for (const origin of [SITE, "https://api.example", undefined]) {
			const response = await send("POST", origin);
			expect(response.status, String(origin)).toBe(200);
		}
	});

	it("lets reads through from anywhere", async () => {
		for (const method of ["GET", "OPTIONS"]) {
			expect((await send(method, "https://evil.example")).status, method).toBe(200);
		}
	});

	it("allows only the Worker's own origin when no other is configured", async () => {
		expect((await send("POST", SITE, false)).status).toBe(403);
		expect((await send("POST", "https://api.example", false)).status).toBe(200);
	});
});
