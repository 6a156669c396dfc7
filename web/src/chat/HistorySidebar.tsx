import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import { ConfirmDialog } from "../components/Dialog.tsx";
import { IconPencil, IconPlus, IconTrash, IconX } from "../components/icons.tsx";
import { Spinner } from "../components/ui.tsx";
import { describeError } from "../lib/api.ts";
import { shortWhen } from "../lib/format.ts";
import { Link } from "../lib/router.tsx";
import type { ConversationList, ConversationSummary } from "./conversations.ts";

function RenameField({
	conversation,
	onSave,
	onDone,
}: {
	conversation: ConversationSummary;
	onSave: (title: string) => Promise<void>;
	onDone: () => void;
}) {
	const [value, setValue] = useState(conversation.title);
	const [error, setError] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);
	const input = useRef<HTMLInputElement>(null);
	const settled = useRef(false);

	useEffect(() => {
		input.current?.focus();
		input.current?.select();
	}, []);

	async function save() {
		if (settled.current || busy) return;
		const title = value.trim();
		if (title === conversation.title) {
			settled.current = true;
			onDone();
			return;
		}
		if (title === "") {
			setError("The title can’t be empty.");
			return;
		}
		setBusy(true);
		try {
			await onSave(title);
			settled.current = true;
			onDone();
		} catch (err) {
			setError(describeError(err));
			setBusy(false);
		}
	}

	function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
		if (event.key === "Enter") {
			event.preventDefault();
			void save();
		} else if (event.key === "Escape") {
			event.preventDefault();
			event.stopPropagation();
			settled.current = true;
			onDone();
		}
	}

	return (
		<div className="conv-rename">
			<input
				ref={input}
				className="conv-rename-input"
				value={value}
				maxLength={200}
				onChange={(e) => {
					setValue(e.target.value);
					setError(null);
				}}
				onKeyDown={onKeyDown}
				onBlur={() => void save()}
				aria-label="Conversation title"
				aria-invalid={error !== null}
				disabled={busy}
				data-testid="conversation-rename-input"
			/>
			{error ? (
				<p className="form-error" role="alert">
					{error}
				</p>
			) : null}
		</div>
	);
}

export function HistorySidebar({
	list,
	activeId,
	open,
	onClose,
	onNew,
	onDeleted,
}: {
	list: ConversationList;
	activeId: string | null;
	/** Narrow screens: the sidebar is a drawer. */
	open: boolean;
	onClose: () => void;
	onNew: () => void;
	onDeleted: (id: string) => void;
}) {
	const [editing, setEditing] = useState<string | null>(null);
	const [deleting, setDeleting] = useState<ConversationSummary | null>(null);
	const [deleteBusy, setDeleteBusy] = useState(false);
	const [deleteError, setDeleteError] = useState<string | null>(null);
	const panel = useRef<HTMLElement>(null);

	useEffect(() => {
		if (!open) return;
		panel.current?.querySelector<HTMLElement>("button, a")?.focus();
		const onKey = (event: globalThis.KeyboardEvent) => {
			if (event.key === "Escape" && !document.querySelector("dialog[open]")) onClose();
		};
		window.addEventListener("keydown", onKey);
		return () => window.removeEventListener("keydown", onKey);
	}, [open, onClose]);

	async function confirmDelete() {
		if (!deleting) return;
		setDeleteBusy(true);
		setDeleteError(null);
		try {
			await list.remove(deleting.id);
			onDeleted(deleting.id);
			setDeleting(null);
		} catch (err) {
			setDeleteError(describeError(err));
		} finally {
			setDeleteBusy(false);
		}
	}

	return (
		<>
			{open ? (
				<button type="button" className="sidebar-backdrop" aria-label="Close history" onClick={onClose} />
			) : null}
			<aside
				ref={panel}
				className={`sidebar${open ? " sidebar-open" : ""}`}
				aria-label="Conversation history"
				data-testid="history-sidebar"
			>
				<div className="sidebar-head">
					<button
						type="button"
						className="btn btn-secondary btn-block"
						onClick={onNew}
						data-testid="new-conversation"
					>
						<IconPlus size={16} />
						New chat
					</button>
					<button
						type="button"
						className="icon-btn sidebar-close"
						onClick={onClose}
						aria-label="Close history"
					>
						<IconX />
					</button>
				</div>
				<h2 className="sidebar-title">History</h2>
				{list.error ? (
					<p className="sidebar-empty form-error" role="alert">
						{list.error}
					</p>
				) : null}
				{list.items.length === 0 && !list.loading && !list.error ? (
					<p className="sidebar-empty">Your conversations will appear here.</p>
				) : null}
				<ul className="conv-list">
					{list.items.map((c) => (
						<li
							key={c.id}
							className={`conv-item${c.id === activeId ? " conv-item-active" : ""}`}
							data-testid="conversation-item"
							data-id={c.id}
						>
							{editing === c.id ? (
								<RenameField
									conversation={c}
									onSave={(title) => list.rename(c.id, title)}
									onDone={() => setEditing(null)}
								/>
							) : (
								<>
									<Link
										to={`/c/${encodeURIComponent(c.id)}`}
										className="conv-link"
										aria-current={c.id === activeId ? "page" : undefined}
										onClick={onClose}
									>
										<span className="conv-title" data-testid="conversation-title">
											{c.title}
										</span>
										<span className="conv-meta">
											{c.status === "running" ? (
												<span className="conv-badge conv-badge-live">Replying</span>
											) : c.status === "awaiting_confirmation" ? (
												<span className="conv-badge conv-badge-wait">Needs you</span>
											) : null}
											<span>{shortWhen(c.updated_at)}</span>
										</span>
									</Link>
									<div className="conv-actions">
										<button
											type="button"
											className="icon-btn icon-btn-sm"
											aria-label={`Rename “${c.title}”`}
											title="Rename"
											onClick={() => setEditing(c.id)}
											data-testid="conversation-rename"
										>
											<IconPencil size={15} />
										</button>
										<button
											type="button"
											className="icon-btn icon-btn-sm"
											aria-label={`Delete “${c.title}”`}
											title="Delete"
											onClick={() => {
												setDeleteError(null);
												setDeleting(c);
											}}
											data-testid="conversation-delete"
										>
											<IconTrash size={15} />
										</button>
									</div>
								</>
							)}
						</li>
					))}
				</ul>
				{list.loading ? (
					<div className="sidebar-loading">
						<Spinner label="Loading conversations" />
					</div>
				) : list.hasMore ? (
					<button type="button" className="btn btn-ghost btn-block" onClick={() => void list.loadMore()}>
						Show older
					</button>
				) : null}
			</aside>
			<ConfirmDialog
				open={deleting !== null}
				title="Delete this conversation?"
				body={
					<p>
						“{deleting?.title}” and all its messages will be deleted. This can’t be undone. Purchases it made
						stay on your statement.
					</p>
				}
				confirmLabel="Delete"
				onConfirm={() => void confirmDelete()}
				onCancel={() => setDeleting(null)}
				busy={deleteBusy}
				error={deleteError}
				testId="confirm-delete"
			/>
		</>
	);
}
