import { Hono } from "hono";
import { type ChatApp, optionalIdentity } from "../auth.ts";
import { forward, queryOf } from "../forward.ts";
import { idParam } from "../request.ts";

const SERVICE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Routes anyone may use: the site's configuration and the catalogue. A signed-in caller browses as themselves, so
 * the gateway's anonymous per-address limit does not apply to them.
 */
export const browsingRoutes = new Hono<ChatApp>();

browsingRoutes.get("/api/config", (c) =>
	c.json({
		environment: c.env.ENVIRONMENT,
		mcp_url: c.env.MCP_URL,
		dev_credit: c.env.ENVIRONMENT === "development",
		top_up_url: c.env.TOP_UP_URL === "" ? null : c.env.TOP_UP_URL,
	}),
);

browsingRoutes.get("/api/services", async (c) => {
	const identity = await optionalIdentity(c);
	return forward(c, identity, { method: "GET", path: `/v1/services${queryOf(c)}` });
});

browsingRoutes.get("/api/services/:id", async (c) => {
	const id = idParam(c, "id", SERVICE_ID, "service");
	const identity = await optionalIdentity(c);
	return forward(c, identity, { method: "GET", path: `/v1/services/${id}` });
});

browsingRoutes.get("/api/services/:id/tools", async (c) => {
	const id = idParam(c, "id", SERVICE_ID, "service");
	const identity = await optionalIdentity(c);
	return forward(c, identity, { method: "GET", path: `/v1/services/${id}/tools` });
});

browsingRoutes.get("/api/search", async (c) => {
	const identity = await optionalIdentity(c);
	return forward(c, identity, { method: "GET", path: `/v1/search${queryOf(c)}` });
});
