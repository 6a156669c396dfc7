import { useEffect, useState } from "react";
import { Dialog } from "../components/Dialog.tsx";
import { IconAlert } from "../components/icons.tsx";
import { Spinner, useNow } from "../components/ui.tsx";
import { api } from "../lib/api.ts";
import { countdown, dollars, toDate } from "../lib/format.ts";
import { detailRows } from "../lib/humanize.ts";
import { Link } from "../lib/router.tsx";
import type { PurchaseEvent } from "./events.ts";

interface AccountSummary {
	available_cents: number;
	balance_cents: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What exactly is bought: the quote's details when the merchant gave some, else the call's parameters. */
function whatIsBought(details: unknown, input: unknown): [string, string][] {
	if (isRecord(details)) return detailRows(details);
	if (isRecord(input) && isRecord(input.parameters)) return detailRows(input.parameters);
	return [];
}

export type Decision = "confirm" | "decline";

export function PurchaseDialog({
	open,
	purchase,
	merchant,
	details,
	input,
	onDecide,
	onClose,
}: {
	open: boolean;
	purchase: PurchaseEvent | null;
	merchant: string | null;
	details: unknown;
	input: unknown;
	/** Resolves with an error message to show, or null once the decision went through. */
	onDecide: (decision: Decision) => Promise<string | null>;
	onClose: () => void;
}) {
	const [account, setAccount] = useState<AccountSummary | null>(null);
	const [accountError, setAccountError] = useState(false);
	const [busy, setBusy] = useState<Decision | null>(null);
	const [error, setError] = useState<string | null>(null);
	const now = useNow(open);
	const quoteId = purchase?.data.quote.quote_id;

	useEffect(() => {
		if (!open || !quoteId) return;
		let live = true;
		setError(null);
		setAccountError(false);
		api<AccountSummary>("/api/account")
			.then((a) => live && setAccount(a))
			.catch(() => live && setAccountError(true));
		return () => {
			live = false;
		};
	}, [open, quoteId]);

	if (!purchase) return null;
	const quote = purchase.data.quote;
	const expires = toDate(quote.expires_at);
	const left = expires ? countdown(expires, now) : null;
	const expired = expires !== null && left === null;
	const after = account ? account.available_cents - quote.amount_cents : null;
	const short = after !== null && after < 0;
	const rows = whatIsBought(details, input);

	async function decide(decision: Decision) {
		setBusy(decision);
		setError(null);
		const problem = await onDecide(decision);
		setBusy(null);
		if (problem) setError(problem);
	}

	return (
		<Dialog
			open={open}
			onClose={onClose}
			title="Confirm purchase"
			description="Your assistant wants to buy this for you. Nothing is charged unless you confirm."
			busy={busy !== null}
			testId="purchase-dialog"
			initialFocus="title"
			footer={
				<>
					<button
						type="button"
						className="btn btn-secondary"
						onClick={() => (expired ? onClose() : void decide("decline"))}
						disabled={busy !== null}
						data-testid="purchase-decline"
					>
						{busy === "decline" ? <Spinner size={16} /> : null}
						{expired ? "Close" : "Decline"}
					</button>
					<button
						type="button"
						className="btn btn-primary"
						onClick={() => void decide("confirm")}
						disabled={busy !== null || expired || short}
						data-testid="purchase-confirm"
					>
						{busy === "confirm" ? <Spinner size={16} /> : null}
						Confirm {dollars(quote.amount_cents)}
					</button>
				</>
			}
		>
			<div className="purchase-hero">
				<span className="purchase-amount" data-testid="purchase-amount">
					{dollars(quote.amount_cents)}
				</span>
				<span className="purchase-merchant">
					from <strong>{merchant ?? quote.service}</strong>
				</span>
			</div>
			<dl className="facts">
				<div>
					<dt>Available now</dt>
					<dd>
						{account ? dollars(account.available_cents) : accountError ? "Unknown" : <Spinner size={14} />}
					</dd>
				</div>
				<div>
					<dt>Balance after</dt>
					<dd data-testid="purchase-balance-after" className={short ? "text-danger" : undefined}>
						{after !== null ? dollars(after) : accountError ? "Unknown" : <Spinner size={14} />}
					</dd>
				</div>
				<div>
					<dt>Offer expires</dt>
					<dd data-testid="purchase-expiry">
						{expires === null ? "—" : expired ? "Expired" : <span aria-live="off">in {left}</span>}
					</dd>
				</div>
			</dl>
			<h3 className="facts-title">What you’re buying</h3>
			<dl className="facts facts-compact" data-testid="purchase-details">
				<div>
					<dt>Service</dt>
					<dd>
						{quote.service || "—"} · <code>{quote.tool || "—"}</code>
					</dd>
				</div>
				{rows.map(([key, value]) => (
					<div key={key}>
						<dt>{key}</dt>
						<dd>{value}</dd>
					</div>
				))}
			</dl>
			{short ? (
				<p className="notice notice-warning">
					<IconAlert size={16} /> Your available balance is too low for this purchase.{" "}
					<Link to="/account" onClick={onClose}>
						Add funds
					</Link>
				</p>
			) : null}
			{expired ? (
				<p className="notice notice-warning">
					<IconAlert size={16} /> This offer has expired. Ask your assistant for a new quote.
				</p>
			) : null}
			{error ? (
				<p className="form-error" role="alert" data-testid="purchase-error">
					{error}
				</p>
			) : null}
		</Dialog>
	);
}
