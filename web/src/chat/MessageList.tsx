import { memo, useMemo } from "react";
import { IconAlert, IconLock, Logo } from "../components/icons.tsx";
import { renderMarkdown } from "../lib/markdown.ts";
import type { AssistantMessage, Message } from "./model.ts";
import { ToolCard } from "./ToolCard.tsx";

const Markdown = memo(function Markdown({ text, streaming }: { text: string; streaming: boolean }) {
	const html = useMemo(() => renderMarkdown(text), [text]);
	return (
		<div
			className={`markdown${streaming ? " markdown-streaming" : ""}`}
			data-testid="assistant-text"
			dangerouslySetInnerHTML={{ __html: html }}
		/>
	);
});

function Assistant({
	message,
	onRetry,
	onReview,
}: {
	message: AssistantMessage;
	onRetry: () => void;
	onReview: () => void;
}) {
	const streaming = message.state === "streaming";
	const lastIndex = message.parts.length - 1;
	return (
		<article
			className="msg msg-assistant"
			data-testid="message-assistant"
			data-state={message.state}
			aria-busy={streaming}
			aria-label="Penumbra"
		>
			<div className="msg-avatar" aria-hidden="true">
				<Logo size={22} />
			</div>
			<div className="msg-body">
				{message.parts.map((part, i) =>
					part.kind === "text" ? (
						<Markdown key={`t${i}`} text={part.text} streaming={streaming && i === lastIndex} />
					) : (
						<ToolCard key={part.call.id} call={part.call} />
					),
				)}
				{streaming && (message.parts.length === 0 || message.parts.at(-1)?.kind === "tool") ? (
					<div className="typing" role="img" aria-label="Penumbra is thinking">
						<span />
						<span />
						<span />
					</div>
				) : null}
				{message.state === "cancelled" ? <p className="msg-meta">Stopped</p> : null}
				{message.stopReason === "max_tokens" ? (
					<p className="msg-meta">The reply hit its length limit.</p>
				) : null}
				{message.stopReason === "tool_limit" ? (
					<p className="msg-meta">Stopped after the most tool calls one reply may make.</p>
				) : null}
				{message.state === "awaiting" ? (
					<div className="msg-callout">
						<IconLock size={16} />
						<span>A purchase is waiting for your confirmation.</span>
						<button
							type="button"
							className="btn btn-primary btn-sm"
							onClick={onReview}
							data-testid="purchase-review"
						>
							Review purchase
						</button>
					</div>
				) : null}
				{message.state === "error" && message.error ? (
					<div className="msg-callout msg-callout-error" role="alert" data-testid="chat-error">
						<IconAlert size={16} />
						<span>{message.error.message}</span>
						{message.error.code === "CONNECTION_LOST" ? (
							<button type="button" className="btn btn-secondary btn-sm" onClick={onRetry}>
								Reconnect
							</button>
						) : null}
					</div>
				) : null}
			</div>
		</article>
	);
}

export function MessageList({
	messages,
	onRetry,
	onReview,
}: {
	messages: Message[];
	onRetry: () => void;
	onReview: () => void;
}) {
	return (
		<div className="messages" role="log" aria-label="Conversation">
			{messages.map((message) =>
				message.kind === "user" ? (
					<article key={message.key} className="msg msg-user" data-testid="message-user" aria-label="You">
						<div className="msg-bubble">{message.text}</div>
					</article>
				) : (
					<Assistant key={message.key} message={message} onRetry={onRetry} onReview={onReview} />
				),
			)}
		</div>
	);
}
