import { SIGNED_QUOTE_ID } from "@penumbra/core/purchase";
import { Hono } from "hono";
import type { ChatApp } from "../auth.ts";
import { forward } from "../forward.ts";
import { idParam } from "../request.ts";

/**
 * The confirmation page's API, for the links MCP clients show: read a quote, confirm or decline it. The gateway
 * answers 404 for another owner's quote, and 403 to an agent's key that tries to decide (only the owner decides).
 */
export const quoteRoutes = new Hono<ChatApp>();

quoteRoutes.get("/api/quotes/:id", (c) => {
	const id = idParam(c, "id", SIGNED_QUOTE_ID, "quote");
	return forward(c, c.get("identity"), { method: "GET", path: `/v1/quotes/${id}` });
});

quoteRoutes.post("/api/quotes/:id/:decision{confirm|decline}", (c) => {
	const id = idParam(c, "id", SIGNED_QUOTE_ID, "quote");
	const decision = c.req.param("decision") === "confirm" ? "confirm" : "decline";
	return forward(c, c.get("identity"), {
		method: "POST",
		path: `/v1/quotes/${id}/${decision}`,
	});
});
