import { useCallback, useEffect, useRef, useState } from "react";
import { api, describeError } from "../lib/api.ts";

export interface ConversationSummary {
	id: string;
	title: string;
	status: "idle" | "running" | "awaiting_confirmation";
	created_at: string;
	updated_at: string;
}

interface Page {
	conversations: ConversationSummary[];
	next_cursor: string | null;
}

const PAGE = 30;

export interface ConversationList {
	items: ConversationSummary[];
	loading: boolean;
	error: string | null;
	hasMore: boolean;
	refresh: () => Promise<void>;
	loadMore: () => Promise<void>;
	rename: (id: string, title: string) => Promise<void>;
	remove: (id: string) => Promise<void>;
}

/** The signed-in user's conversations, newest activity first. */
export function useConversationList(enabled: boolean): ConversationList {
	const [items, setItems] = useState<ConversationSummary[]>([]);
	const [cursor, setCursor] = useState<string | null>(null);
	const [loading, setLoading] = useState(false);
	const [error, setError] = useState<string | null>(null);
	const generation = useRef(0);

	const itemsRef = useRef(items);
	itemsRef.current = items;

	const refresh = useCallback(async () => {
		const mine = ++generation.current;
		setLoading(true);
		try {
			const page = await api<Page>(`/api/conversations?limit=${PAGE}`);
			if (mine !== generation.current) return;
			const before = itemsRef.current;
			const fresh = new Set(page.conversations.map((c) => c.id));
			// Pages loaded further down stay (older conversations), minus those the first page now holds.
			const deeper = before.length > PAGE;
			setItems([
				...page.conversations,
				...(deeper ? before.slice(PAGE).filter((c) => !fresh.has(c.id)) : []),
			]);
			if (!deeper) setCursor(page.next_cursor);
			setError(null);
		} catch (err) {
			if (mine === generation.current) setError(describeError(err));
		} finally {
			if (mine === generation.current) setLoading(false);
		}
	}, []);

	const loadMore = useCallback(async () => {
		if (!cursor) return;
		setLoading(true);
		try {
			const page = await api<Page>(`/api/conversations?limit=${PAGE}&cursor=${encodeURIComponent(cursor)}`);
			setItems((before) => {
				const known = new Set(before.map((c) => c.id));
				return [...before, ...page.conversations.filter((c) => !known.has(c.id))];
			});
			setCursor(page.next_cursor);
		} catch (err) {
			setError(describeError(err));
		} finally {
			setLoading(false);
		}
	}, [cursor]);

	const rename = useCallback(async (id: string, title: string) => {
		const answer = await api<{ conversation: ConversationSummary }>(
			`/api/conversations/${encodeURIComponent(id)}`,
			{
				method: "PATCH",
				body: { title },
			},
		);
		setItems((before) => before.map((c) => (c.id === id ? { ...c, ...answer.conversation } : c)));
	}, []);

	const remove = useCallback(async (id: string) => {
		await api<void>(`/api/conversations/${encodeURIComponent(id)}`, { method: "DELETE" });
		setItems((before) => before.filter((c) => c.id !== id));
	}, []);

	useEffect(() => {
		if (enabled) void refresh();
		else {
			setItems([]);
			setCursor(null);
		}
	}, [enabled, refresh]);

	return { items, loading, error, hasMore: cursor !== null, refresh, loadMore, rename, remove };
}
