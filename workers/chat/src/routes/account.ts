import { Hono } from "hono";
import type { ChatApp } from "../auth.ts";
import { forward, queryOf } from "../forward.ts";
import { idParam, jsonBody } from "../request.ts";

const KEY_ID = /^key_[A-Za-z0-9]{1,64}$/;
const TOP_UP_ID = /^tu_[A-Za-z0-9]{20,60}$/;

/**
 * The caller's identity and account (balance, statement, controls, keys), through the gateway with the caller's own
 * authority: the gateway refuses an agent's key what only the owner may do (controls other than freezing, keys).
 */
export const accountRoutes = new Hono<ChatApp>();

accountRoutes.get("/api/me", (c) => {
	const { credential_id, email, level, authority } = c.get("identity");
	return c.json({ credential_id, email, level, authority });
});

accountRoutes.get("/api/account", (c) =>
	forward(c, c.get("identity"), { method: "GET", path: "/v1/account" }),
);

accountRoutes.get("/api/account/statement", (c) =>
	forward(c, c.get("identity"), { method: "GET", path: `/v1/account/statement${queryOf(c)}` }),
);

accountRoutes.get("/api/account/controls", (c) =>
	forward(c, c.get("identity"), { method: "GET", path: "/v1/account/controls" }),
);

accountRoutes.put("/api/account/controls", async (c) =>
	forward(c, c.get("identity"), { method: "PUT", path: "/v1/account/controls", body: await jsonBody(c) }),
);

// The kill switch: any caller of the account may pull it; only the owner releases it (PUT above).
accountRoutes.post("/api/account/freeze", (c) =>
	forward(c, c.get("identity"), { method: "POST", path: "/v1/account/freeze" }),
);

accountRoutes.get("/api/account/keys", (c) =>
	forward(c, c.get("identity"), { method: "GET", path: "/v1/account/keys" }),
);

accountRoutes.post("/api/account/keys", async (c) =>
	forward(c, c.get("identity"), { method: "POST", path: "/v1/account/keys", body: await jsonBody(c) }),
);

accountRoutes.delete("/api/account/keys/:id", (c) => {
	const id = idParam(c, "id", KEY_ID, "API key");
	return forward(c, c.get("identity"), { method: "DELETE", path: `/v1/account/keys/${id}` });
});

// Adding money by card (the signed-in person is the owner; the gateway refuses agents): the options for the card,
// a top-up (its Checkout URL to send the browser to), and the top-up the success page polls until it is credited.
accountRoutes.get("/api/account/top-ups/options", (c) =>
	forward(c, c.get("identity"), { method: "GET", path: "/v1/account/top-ups/options" }),
);

accountRoutes.post("/api/account/top-ups", async (c) => {
	const key = c.req.header("idempotency-key");
	return forward(c, c.get("identity"), {
		method: "POST",
		path: "/v1/account/top-ups",
		body: await jsonBody(c),
		...(key ? { idempotency_key: key.slice(0, 180) } : {}),
	});
});

accountRoutes.get("/api/account/top-ups/:id", (c) => {
	const id = idParam(c, "id", TOP_UP_ID, "top-up");
	return forward(c, c.get("identity"), { method: "GET", path: `/v1/account/top-ups/${id}` });
});

// The gateway answers 404 outside development.
accountRoutes.post("/api/account/dev-credit", async (c) =>
	forward(c, c.get("identity"), { method: "POST", path: "/v1/dev/credit", body: await jsonBody(c) }),
);
