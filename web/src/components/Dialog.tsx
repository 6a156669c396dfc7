import { type ReactNode, useEffect, useId, useRef } from "react";
import { IconX } from "./icons.tsx";

const FOCUSABLE =
	'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

interface DialogProps {
	open: boolean;
	onClose: () => void;
	title: ReactNode;
	description?: ReactNode;
	children: ReactNode;
	footer?: ReactNode;
	testId?: string;
	/** "alertdialog" for a decision that cannot be undone. */
	role?: "dialog" | "alertdialog";
	/** Escape and the close button do nothing while a request is in flight. */
	busy?: boolean;
	/** "title" for a decision with money on it: nothing is one Enter away from happening by accident. */
	initialFocus?: "auto" | "title";
}

/**
 * A modal on the native <dialog>: the page behind is inert, Escape closes it, Tab stays inside, and focus goes back
 * to what had it before.
 */
export function Dialog({
	open,
	onClose,
	title,
	description,
	children,
	footer,
	testId,
	role = "dialog",
	busy = false,
	initialFocus = "auto",
}: DialogProps) {
	const ref = useRef<HTMLDialogElement>(null);
	const restore = useRef<HTMLElement | null>(null);
	const titleId = useId();
	const descriptionId = useId();
	const closeRef = useRef(onClose);
	closeRef.current = onClose;
	const busyRef = useRef(busy);
	busyRef.current = busy;
	const focusRef = useRef(initialFocus);
	focusRef.current = initialFocus;

	useEffect(() => {
		const dialog = ref.current;
		if (!dialog) return;
		if (open && !dialog.open) {
			restore.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
			dialog.showModal();
			const preferred =
				(focusRef.current === "title" ? dialog.querySelector<HTMLElement>(".dialog-header h2") : null) ??
				dialog.querySelector<HTMLElement>("[data-autofocus]") ??
				dialog.querySelector<HTMLElement>(`.dialog-body ${FOCUSABLE}`) ??
				dialog.querySelector<HTMLElement>(FOCUSABLE);
			preferred?.focus();
		} else if (!open && dialog.open) {
			dialog.close();
		}
	}, [open]);

	useEffect(() => {
		const dialog = ref.current;
		if (!dialog) return;
		const onCancel = (event: Event) => {
			event.preventDefault();
			if (!busyRef.current) closeRef.current();
		};
		const onClosed = () => {
			const target = restore.current;
			restore.current = null;
			if (target?.isConnected) target.focus();
		};
		const onKey = (event: KeyboardEvent) => {
			if (event.key !== "Tab") return;
			const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
				(el) => el.offsetParent !== null || el === document.activeElement,
			);
			const first = items[0];
			const last = items.at(-1);
			if (!first || !last) return;
			if (event.shiftKey && document.activeElement === first) {
				event.preventDefault();
				last.focus();
			} else if (!event.shiftKey && document.activeElement === last) {
				event.preventDefault();
				first.focus();
			}
		};
		dialog.addEventListener("cancel", onCancel);
		dialog.addEventListener("close", onClosed);
		dialog.addEventListener("keydown", onKey);
		return () => {
			dialog.removeEventListener("cancel", onCancel);
			dialog.removeEventListener("close", onClosed);
			dialog.removeEventListener("keydown", onKey);
			if (dialog.open) {
				dialog.close();
				const target = restore.current;
				if (target?.isConnected) target.focus();
			}
		};
	}, []);

	return (
		<dialog
			ref={ref}
			className="dialog"
			role={role === "alertdialog" ? "alertdialog" : undefined}
			aria-modal="true"
			aria-labelledby={titleId}
			aria-describedby={description ? descriptionId : undefined}
			data-testid={testId}
		>
			{open ? (
				<div className="dialog-inner">
					<header className="dialog-header">
						<h2 id={titleId} tabIndex={-1}>
							{title}
						</h2>
						<button
							type="button"
							className="icon-btn"
							aria-label="Close"
							onClick={() => !busy && onClose()}
							disabled={busy}
						>
							<IconX />
						</button>
					</header>
					{description ? (
						<p id={descriptionId} className="dialog-description">
							{description}
						</p>
					) : null}
					<div className="dialog-body">{children}</div>
					{footer ? <footer className="dialog-footer">{footer}</footer> : null}
				</div>
			) : null}
		</dialog>
	);
}

/** Are you sure? — for deletions and revocations. */
export function ConfirmDialog({
	open,
	title,
	body,
	confirmLabel,
	onConfirm,
	onCancel,
	busy,
	error,
	testId,
}: {
	open: boolean;
	title: string;
	body: ReactNode;
	confirmLabel: string;
	onConfirm: () => void;
	onCancel: () => void;
	busy?: boolean;
	error?: string | null;
	testId?: string;
}) {
	return (
		<Dialog
			open={open}
			onClose={onCancel}
			title={title}
			role="alertdialog"
			busy={busy ?? false}
			testId={testId}
			footer={
				<>
					<button
						type="button"
						className="btn btn-secondary"
						onClick={onCancel}
						disabled={busy}
						data-autofocus
					>
						Cancel
					</button>
					<button
						type="button"
						className="btn btn-danger"
						onClick={onConfirm}
						disabled={busy}
						data-testid={testId ? `${testId}-confirm` : undefined}
					>
						{busy ? "Working…" : confirmLabel}
					</button>
				</>
			}
		>
			<div>{body}</div>
			{error ? (
				<p className="form-error" role="alert">
					{error}
				</p>
			) : null}
		</Dialog>
	);
}
