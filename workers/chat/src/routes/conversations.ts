import { Hono } from "hono";
import { z } from "zod";
import type { ChatApp } from "../auth.ts";
import { ownConversation, sessionOf } from "../conversations.ts";
import { jsonBody, parse } from "../request.ts";
import { ConversationStore } from "../store.ts";

const RenameBody = z.object({
	title: z
		.string()
		.trim()
		.min(1, "The title is empty.")
		.max(200)
		.transform((s) => s.replace(/\s+/g, " ")),
});
const ListQuery = z.object({
	limit: z.coerce.number().int().min(1).max(100).default(20),
	cursor: z.string().max(200).optional(),
});

/** The owner's conversations: list, read with messages, rename, delete (with the session's log). */
export const conversationRoutes = new Hono<ChatApp>();

conversationRoutes.get("/api/conversations", async (c) => {
	const query = parse(ListQuery, c.req.query(), "/query");
	const page = await new ConversationStore(c.env.DB).list(c.get("identity").credential_id, {
		limit: query.limit,
		...(query.cursor === undefined ? {} : { cursor: query.cursor }),
	});
	return c.json(page);
});

conversationRoutes.get("/api/conversations/:id", async (c) => {
	const conversation = await ownConversation(c, c.req.param("id"));
	const messages = await new ConversationStore(c.env.DB).messages(conversation.id);
	return c.json({ conversation, messages });
});

conversationRoutes.patch("/api/conversations/:id", async (c) => {
	const conversation = await ownConversation(c, c.req.param("id"));
	const { title } = parse(RenameBody, await jsonBody(c), "/body");
	return c.json({ conversation: await new ConversationStore(c.env.DB).rename(conversation.id, title) });
});

conversationRoutes.delete("/api/conversations/:id", async (c) => {
	const conversation = await ownConversation(c, c.req.param("id"));
	await sessionOf(c.env, conversation.id).forget();
	await new ConversationStore(c.env.DB).delete(conversation.id);
	return c.body(null, 204);
});
