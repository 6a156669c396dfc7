import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, useState } from "react";
import { Composer } from "../chat/Composer.tsx";
import { useConversationList } from "../chat/conversations.ts";
import type { PurchaseEvent } from "../chat/events.ts";
import { HistorySidebar } from "../chat/HistorySidebar.tsx";
import { MessageList } from "../chat/MessageList.tsx";
import { findQuoteResult, findToolCall, fromStored, reduce, type StoredMessage } from "../chat/model.ts";
import { type Decision, PurchaseDialog } from "../chat/PurchaseDialog.tsx";
import { followTurn, MAX_RECONNECTS, type StreamCursor, type StreamEnd } from "../chat/stream.ts";
import { IconAlert, IconMenu, IconPlus, Logo } from "../components/icons.tsx";
import { SignInPrompt } from "../components/SignInPrompt.tsx";
import { Spinner } from "../components/ui.tsx";
import {
	ApiError,
	api,
	describeError,
	friendlyDetail,
	noticeAuthLost,
	type Problem,
	problemFrom,
} from "../lib/api.ts";
import { toDate } from "../lib/format.ts";
import { navigate, useLocation } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";

const SUGGESTIONS = [
	"What’s the weather in Lisbon right now?",
	"Order pad thai for two, delivered",
	"Book a table for four tonight at 8",
	"Get me a ride to the airport",
];

interface ConversationDetail {
	conversation: { id: string; title: string; status: "idle" | "running" | "awaiting_confirmation" };
	messages: StoredMessage[];
}

type Phase = "idle" | "loading" | "streaming" | "awaiting";

/** Why a message could not be sent, in words (the server's own words when it has them). */
function refusal(problem: Problem): string {
	switch (problem.code) {
		case "PAYLOAD_TOO_LARGE":
			return `Your message is too long. ${problem.detail}`;
		case "RATE_LIMITED":
			return friendlyDetail(problem);
		case "AUTH_REQUIRED":
			return "Your session has ended. Sign in again to keep chatting.";
		default:
			return problem.detail;
	}
}

function postJson(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
	return fetch(url, {
		method: "POST",
		headers: { "content-type": "application/json", accept: "text/event-stream" },
		credentials: "same-origin",
		body: JSON.stringify(body),
		...(signal ? { signal } : {}),
	});
}

export function ChatPage({ conversationId }: { conversationId: string | null }) {
	const { status } = useSession();
	const signedIn = status === "signed-in";
	const list = useConversationList(signedIn);
	const { search } = useLocation();
	const [messages, dispatch] = useReducer(reduce, []);
	const messagesRef = useRef(messages);
	messagesRef.current = messages;
	const [activeId, setActiveId] = useState<string | null>(conversationId);
	const [phase, setPhase] = useState<Phase>(conversationId ? "loading" : "idle");
	const [reconnecting, setReconnecting] = useState<number | null>(null);
	const [banner, setBanner] = useState<string | null>(null);
	const [notFound, setNotFound] = useState(false);
	const [purchase, setPurchase] = useState<PurchaseEvent | null>(null);
	const [purchaseOpen, setPurchaseOpen] = useState(false);
	const [draft, setDraft] = useState(() => search.get("prompt") ?? "");
	const [stopping, setStopping] = useState(false);
	const [sidebarOpen, setSidebarOpen] = useState(false);

	/** The conversation shown; undefined until the first load. */
	const shown = useRef<string | null | undefined>(undefined);
	const cursor = useRef<StreamCursor>({ conversationId, lastEventId: 0 });
	/** Bumped on every switch: late answers for another conversation are dropped. */
	const generation = useRef(0);
	const stream = useRef<AbortController | null>(null);
	const scroller = useRef<HTMLDivElement>(null);
	const pinned = useRef(true);
	const historyToggle = useRef<HTMLButtonElement>(null);
	const refreshList = list.refresh;

	useEffect(
		() => () => {
			stream.current?.abort();
		},
		[],
	);

	/** Follows a turn's events into the page; everything that streams goes through here. */
	const run = useCallback(
		async (open: (signal: AbortSignal) => Promise<Response>, replay = false): Promise<StreamEnd> => {
			stream.current?.abort();
			const controller = new AbortController();
			stream.current = controller;
			const mine = generation.current;
			const current = () => generation.current === mine;
			setPhase("streaming");
			setBanner(null);
			const end = await followTurn(
				open,
				cursor.current,
				{
					onEvent: (event) => {
						if (current()) dispatch({ type: "event", event });
					},
					onConversation: (id) => {
						if (!current()) return;
						shown.current = id;
						setActiveId(id);
						navigate(`/c/${encodeURIComponent(id)}`, { replace: true, quiet: true });
						void refreshList();
					},
					onReconnecting: (attempt) => {
						if (current()) setReconnecting(attempt);
					},
				},
				controller.signal,
				{ replay },
			);
			if (stream.current === controller) stream.current = null;
			if (!current() || end.kind === "aborted") return end;
			setReconnecting(null);
			setStopping(false);
			if (end.kind === "terminal" && end.event.type === "purchase.confirmation_required") {
				const event = end.event;
				setPurchase(event);
				const expires = toDate(event.data.quote.expires_at);
				setPurchaseOpen(expires === null || expires.getTime() > Date.now());
				setPhase("awaiting");
			} else {
				setPhase("idle");
			}
			if (end.kind === "lost") {
				dispatch({ type: "interrupted", message: "The connection was lost before the reply finished." });
			}
			if (end.kind !== "refused") void refreshList();
			return end;
		},
		[refreshList],
	);

	const attach = useCallback(
		(replay: boolean) => {
			const id = cursor.current.conversationId;
			if (!id) return;
			void run(
				(signal) =>
					fetch(`/api/chat/${encodeURIComponent(id)}/stream`, {
						headers: { accept: "text/event-stream", "last-event-id": String(cursor.current.lastEventId) },
						credentials: "same-origin",
						cache: "no-store",
						signal,
					}),
				replay,
			).then((end) => {
				if (end.kind === "refused") setBanner(refusal(end.problem));
			});
		},
		[run],
	);

	const switchTo = useCallback(
		(id: string | null) => {
			stream.current?.abort();
			stream.current = null;
			const mine = ++generation.current;
			shown.current = id;
			cursor.current = { conversationId: id, lastEventId: 0 };
			dispatch({ type: "reset", messages: [] });
			setActiveId(id);
			setPurchase(null);
			setPurchaseOpen(false);
			setBanner(null);
			setReconnecting(null);
			setStopping(false);
			setNotFound(false);
			pinned.current = true;
			if (!id) {
				setPhase("idle");
				return;
			}
			setPhase("loading");
			api<ConversationDetail>(`/api/conversations/${encodeURIComponent(id)}`)
				.then((detail) => {
					if (generation.current !== mine) return;
					dispatch({ type: "reset", messages: fromStored(detail.messages) });
					const state = detail.conversation.status;
					// A turn still running (or paused for a purchase): its events so far, then live ones.
					if (state === "running" || state === "awaiting_confirmation") attach(true);
					else setPhase("idle");
				})
				.catch((err: unknown) => {
					if (generation.current !== mine) return;
					setPhase("idle");
					if (err instanceof ApiError && err.status === 404) setNotFound(true);
					else setBanner(describeError(err));
				});
		},
		[attach],
	);

	useEffect(() => {
		if (!signedIn || shown.current === conversationId) return;
		switchTo(conversationId);
	}, [conversationId, signedIn, switchTo]);

	// Stay at the newest message while it streams, unless the reader scrolled up.
	useLayoutEffect(() => {
		const el = scroller.current;
		if (el && pinned.current && messages.length > 0) el.scrollTop = el.scrollHeight;
	});

	function onScroll() {
		const el = scroller.current;
		if (el) pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
	}

	async function send(text = draft) {
		const message = text.trim();
		if (message === "" || phase === "streaming" || phase === "loading") return;
		const key = `local-${Date.now()}`;
		dispatch({ type: "send", key, text: message });
		setDraft("");
		setPurchaseOpen(false);
		setPurchase(null);
		pinned.current = true;
		const id = cursor.current.conversationId;
		const end = await run((signal) =>
			postJson("/api/chat", id ? { conversation_id: id, message } : { message }, signal),
		);
		if (end.kind === "refused") {
			dispatch({ type: "unsend", key });
			setDraft((now) => (now === "" ? message : now));
			setBanner(refusal(end.problem));
		}
	}

	async function stop() {
		const id = cursor.current.conversationId;
		if (!id) return;
		setStopping(true);
		try {
			// The stream then ends with assistant.completed (stop_reason "cancelled").
			await api<{ cancelled: boolean }>(`/api/chat/${encodeURIComponent(id)}/cancel`, { method: "POST" });
		} catch (err) {
			setBanner(describeError(err));
			setStopping(false);
		}
	}

	async function decide(decision: Decision): Promise<string | null> {
		if (!purchase) return null;
		const id = cursor.current.conversationId;
		const url = purchase.data.decide_url.startsWith("/api/")
			? purchase.data.decide_url
			: `/api/chat/${encodeURIComponent(id ?? "")}/confirm`;
		let response: Response;
		try {
			response = await postJson(url, { quote_id: purchase.data.quote.quote_id, decision });
		} catch {
			return "Can’t reach Penumbra right now. Check your connection and try again.";
		}
		if (!response.ok) {
			const problem = await problemFrom(response);
			noticeAuthLost(problem);
			if (problem.code === "QUOTE_EXPIRED")
				return "This offer has expired. Ask your assistant for a new quote.";
			return friendlyDetail(problem);
		}
		setPurchaseOpen(false);
		setPurchase(null);
		pinned.current = true;
		void run(async () => response);
		return null;
	}

	function startNew() {
		setSidebarOpen(false);
		if (conversationId === null) switchTo(null);
		else navigate("/");
	}

	const closeSidebar = useCallback(() => {
		setSidebarOpen(false);
		historyToggle.current?.focus();
	}, []);

	const firstMessage = messages[0];
	const title =
		list.items.find((c) => c.id === activeId)?.title ??
		(firstMessage?.kind === "user" ? firstMessage.text.slice(0, 80) : "New chat");

	if (status === "loading") {
		return (
			<div className="page-loading">
				<Spinner label="Loading" size={22} />
			</div>
		);
	}

	if (!signedIn) {
		return (
			<div className="chat-anon">
				<Welcome />
				<SignInPrompt
					title="Sign in to start chatting"
					body="Your assistant can search services, compare prices and buy for you — within the spend limits you set. Browsing the catalog is open to everyone."
				/>
			</div>
		);
	}

	const pendingTool = purchase ? findToolCall(messages, purchase.data.tool_use_id) : null;
	const quoteInfo = purchase ? findQuoteResult(messages, purchase.data.quote.quote_id) : null;
	const streaming = phase === "streaming";

	return (
		<div className="chat-layout">
			<HistorySidebar
				list={list}
				activeId={activeId}
				open={sidebarOpen}
				onClose={closeSidebar}
				onNew={startNew}
				onDeleted={(id) => {
					if (id === activeId) {
						if (conversationId === null) switchTo(null);
						else navigate("/", { replace: true });
					}
				}}
			/>
			<section className="chat-main" aria-label="Chat">
				<div className="chat-header">
					<button
						ref={historyToggle}
						type="button"
						className="icon-btn history-toggle"
						onClick={() => setSidebarOpen(true)}
						aria-label="Open history"
						aria-expanded={sidebarOpen}
						data-testid="history-toggle"
					>
						<IconMenu />
					</button>
					<h1 className="chat-title" data-testid="chat-title">
						{title}
					</h1>
					<button type="button" className="icon-btn history-toggle" onClick={startNew} aria-label="New chat">
						<IconPlus />
					</button>
				</div>
				<div className="chat-scroll" ref={scroller} onScroll={onScroll}>
					<div className="chat-column">
						{notFound ? (
							<div className="empty-page">
								<h2>Conversation not found</h2>
								<p className="muted">It may have been deleted.</p>
								<button type="button" className="btn btn-primary" onClick={startNew}>
									Start a new chat
								</button>
							</div>
						) : phase === "loading" && messages.length === 0 ? (
							<div className="page-loading">
								<Spinner label="Loading conversation" size={22} />
							</div>
						) : messages.length === 0 ? (
							<Welcome onPick={(text) => void send(text)} />
						) : (
							<MessageList
								messages={messages}
								onRetry={() => attach(false)}
								onReview={() => setPurchaseOpen(true)}
							/>
						)}
					</div>
				</div>
				<div className="chat-footer">
					<div className="chat-column">
						{reconnecting !== null ? (
							<div className="reconnecting" role="status" data-testid="reconnecting-indicator">
								<Spinner size={14} />
								Reconnecting… ({reconnecting} of {MAX_RECONNECTS})
							</div>
						) : null}
						{banner ? (
							<div className="chat-banner" role="alert" data-testid="chat-banner">
								<IconAlert size={16} />
								<span>{banner}</span>
								<button type="button" className="link-btn" onClick={() => setBanner(null)}>
									Dismiss
								</button>
							</div>
						) : null}
						<Composer
							value={draft}
							onChange={setDraft}
							onSend={() => void send()}
							onStop={() => void stop()}
							streaming={streaming}
							canStop={cursor.current.conversationId !== null}
							stopping={stopping}
							disabled={phase === "loading" || notFound}
						/>
					</div>
				</div>
				<p className="visually-hidden" role="status">
					{streaming
						? "Penumbra is replying."
						: phase === "awaiting"
							? "A purchase needs your confirmation."
							: ""}
				</p>
			</section>
			<PurchaseDialog
				open={purchaseOpen && purchase !== null}
				purchase={purchase}
				merchant={quoteInfo?.merchant ?? null}
				details={quoteInfo?.details}
				input={pendingTool?.input ?? null}
				onDecide={decide}
				onClose={() => setPurchaseOpen(false)}
			/>
		</div>
	);
}

function Welcome({ onPick }: { onPick?: (text: string) => void }) {
	return (
		<div className="welcome">
			<div className="welcome-mark">
				<Logo size={44} />
			</div>
			<h2 className="welcome-title">What can I get done for you?</h2>
			<p className="welcome-lead">
				Food, rides, tables, shopping, weather and more — I find the right service, show you the price, and
				buy only within the limits you set.
			</p>
			{onPick ? (
				<ul className="suggestions" aria-label="Suggestions">
					{SUGGESTIONS.map((s) => (
						<li key={s}>
							<button type="button" className="suggestion" onClick={() => onPick(s)} data-testid="suggestion">
								{s}
							</button>
						</li>
					))}
				</ul>
			) : null}
		</div>
	);
}
