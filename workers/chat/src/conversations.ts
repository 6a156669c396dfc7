import { PenumbraError } from "@penumbra/core/errors";
import type { Context } from "hono";
import type { ChatApp } from "./auth.ts";
import { CONVERSATION_ID, type Conversation, ConversationStore } from "./store.ts";

function notFound(id: string): PenumbraError {
	return new PenumbraError("NOT_FOUND", { detail: `No conversation ${id}.` });
}

/** The caller's conversation; another user's (or a missing one) is NOT_FOUND, so ids reveal nothing. */
export async function ownConversation(c: Context<ChatApp>, id: string): Promise<Conversation> {
	if (!CONVERSATION_ID.test(id)) throw notFound(id);
	const conversation = await new ConversationStore(c.env.DB).get(id);
	if (!conversation || conversation.credential_id !== c.get("identity").credential_id) throw notFound(id);
	return conversation;
}

/** The conversation's Durable Object: its event log and the turns it runs. */
export function sessionOf(env: ChatEnv, conversationId: string) {
	return env.CHAT_SESSION.getByName(conversationId);
}
