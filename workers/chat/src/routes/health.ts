import { Hono } from "hono";
import type { ChatApp } from "../auth.ts";

export const healthRoutes = new Hono<ChatApp>().get("/health", (c) =>
	c.json({ status: "ok", service: "penumbra-chat" }),
);
