import { type FormEvent, type KeyboardEvent, useEffect, useRef } from "react";
import { IconSend, IconStop } from "../components/icons.tsx";
import { Spinner } from "../components/ui.tsx";

/** The chat Worker's default MAX_MESSAGE_CHARS; the server has the last word. */
export const MAX_MESSAGE_CHARS = 8000;

interface ComposerProps {
	value: string;
	onChange: (value: string) => void;
	onSend: () => void;
	onStop: () => void;
	/** A reply is being written: the send button becomes the stop button. */
	streaming: boolean;
	canStop: boolean;
	stopping: boolean;
	disabled: boolean;
	placeholder?: string;
}

export function Composer({
	value,
	onChange,
	onSend,
	onStop,
	streaming,
	canStop,
	stopping,
	disabled,
	placeholder = "Ask for food, a ride, a table…",
}: ComposerProps) {
	const area = useRef<HTMLTextAreaElement>(null);
	const tooLong = value.length > MAX_MESSAGE_CHARS;
	const canSend = !disabled && !streaming && value.trim() !== "" && !tooLong;

	// Grows with the text up to a limit, then scrolls.
	useEffect(() => {
		const el = area.current;
		if (!el) return;
		el.style.height = "auto";
		el.style.height = `${Math.min(el.scrollHeight, 220)}px`;
	});

	function submit(event?: FormEvent) {
		event?.preventDefault();
		if (canSend) onSend();
	}

	function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
		if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
			event.preventDefault();
			submit();
		}
	}

	return (
		<form className="composer" onSubmit={submit} data-testid="composer">
			<div className="composer-box">
				<label htmlFor="composer-input" className="visually-hidden">
					Message Penumbra
				</label>
				<textarea
					ref={area}
					id="composer-input"
					rows={1}
					value={value}
					onChange={(e) => onChange(e.target.value)}
					onKeyDown={onKeyDown}
					placeholder={placeholder}
					disabled={disabled}
					aria-describedby="composer-hint"
					aria-invalid={tooLong}
					data-testid="composer-input"
				/>
				{streaming ? (
					<button
						type="button"
						className="composer-btn composer-stop"
						onClick={onStop}
						disabled={!canStop || stopping}
						aria-label="Stop the reply"
						title="Stop"
						data-testid="stop-button"
					>
						{stopping ? <Spinner size={16} /> : <IconStop />}
					</button>
				) : (
					<button
						type="submit"
						className="composer-btn composer-send"
						disabled={!canSend}
						aria-label="Send message"
						title="Send (Enter)"
						data-testid="send-button"
					>
						<IconSend />
					</button>
				)}
			</div>
			<p id="composer-hint" className={`composer-hint${tooLong ? " composer-hint-error" : ""}`}>
				{tooLong
					? `${value.length.toLocaleString()} / ${MAX_MESSAGE_CHARS.toLocaleString()} characters — shorten your message to send it.`
					: value.length > MAX_MESSAGE_CHARS * 0.9
						? `${value.length.toLocaleString()} / ${MAX_MESSAGE_CHARS.toLocaleString()} characters`
						: "Enter to send · Shift+Enter for a new line"}
			</p>
		</form>
	);
}
