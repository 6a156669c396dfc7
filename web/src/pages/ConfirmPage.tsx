import { useCallback, useEffect, useState } from "react";
import { IconAlert, IconCheck, IconLock } from "../components/icons.tsx";
import { SignInPrompt } from "../components/SignInPrompt.tsx";
import { Spinner, useNow } from "../components/ui.tsx";
import { ApiError, api, describeError } from "../lib/api.ts";
import { countdown, dateTime, dollars, toDate } from "../lib/format.ts";
import { Link } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";

interface QuoteStatus {
	quote_id: string;
	service: string;
	tool: string;
	amount_cents: number;
	status: "open" | "confirmed" | "declined";
	requires_confirmation: boolean;
	expires_at: string;
}

/** The page a confirmation link opens (sent by the MCP server to assistants that cannot ask the user themselves). */
export function ConfirmPage({ quoteId }: { quoteId: string }) {
	const { status } = useSession();
	const [quote, setQuote] = useState<QuoteStatus | null>(null);
	const [loadError, setLoadError] = useState<string | null>(null);
	const [busy, setBusy] = useState<"confirm" | "decline" | null>(null);
	const [error, setError] = useState<string | null>(null);
	const now = useNow(quote?.status === "open");
	const path = `/api/quotes/${encodeURIComponent(quoteId)}`;

	const load = useCallback(async () => {
		setLoadError(null);
		try {
			setQuote(await api<QuoteStatus>(path));
		} catch (err) {
			setLoadError(
				err instanceof ApiError && err.status === 404
					? "We couldn’t find this purchase. The link may be wrong, or it belongs to another account."
					: describeError(err),
			);
		}
	}, [path]);

	useEffect(() => {
		if (status === "signed-in") void load();
	}, [status, load]);

	async function decide(decision: "confirm" | "decline") {
		setBusy(decision);
		setError(null);
		try {
			setQuote(await api<QuoteStatus>(`${path}/${decision}`, { method: "POST" }));
		} catch (err) {
			setError(
				err instanceof ApiError && err.status === 410
					? "This offer has expired. Ask your assistant for a new quote."
					: describeError(err),
			);
		} finally {
			setBusy(null);
		}
	}

	if (status === "loading") {
		return (
			<div className="page-loading">
				<Spinner label="Loading" size={22} />
			</div>
		);
	}
	if (status === "anonymous") {
		return (
			<div className="page narrow">
				<SignInPrompt
					title="Sign in to review this purchase"
					body="Your assistant asked you to confirm a purchase. Sign in with the email of the account it uses; you’ll come right back here."
					compact
				/>
			</div>
		);
	}

	const expires = quote ? toDate(quote.expires_at) : null;
	const left = expires ? countdown(expires, now) : null;
	const expired = quote?.status === "open" && expires !== null && left === null;

	return (
		<div className="page narrow" data-testid="confirm-page">
			<div className="card confirm-card">
				<div className="confirm-icon" aria-hidden="true">
					<IconLock size={22} />
				</div>
				<h1>Confirm a purchase</h1>
				{loadError ? (
					<p className="form-error" role="alert">
						{loadError}
					</p>
				) : !quote ? (
					<div className="page-loading">
						<Spinner label="Loading the purchase" size={22} />
					</div>
				) : (
					<>
						<p className="muted">
							Your assistant wants to buy this for you. Nothing is charged unless you confirm, and it
							completes the purchase once you do.
						</p>
						<div className="purchase-hero">
							<span className="purchase-amount" data-testid="confirm-amount">
								{dollars(quote.amount_cents)}
							</span>
							<span className="purchase-merchant">
								from <strong>{quote.service}</strong>
							</span>
						</div>
						<dl className="facts" data-testid="confirm-quote">
							<div>
								<dt>Service</dt>
								<dd>{quote.service}</dd>
							</div>
							<div>
								<dt>Action</dt>
								<dd>
									<code>{quote.tool}</code>
								</dd>
							</div>
							<div>
								<dt>{quote.status === "open" ? "Offer expires" : "Offer expired"}</dt>
								<dd>{quote.status === "open" && left ? `in ${left}` : dateTime(quote.expires_at)}</dd>
							</div>
						</dl>
						{quote.status === "confirmed" ? (
							<div className="notice notice-success" role="status" data-testid="confirm-result">
								<IconCheck size={16} /> Confirmed. Go back to your assistant: it can now complete the
								purchase.
							</div>
						) : quote.status === "declined" ? (
							<div className="notice notice-info" role="status" data-testid="confirm-result">
								Declined. Nothing was bought, and your assistant will be told.
							</div>
						) : expired ? (
							<div className="notice notice-warning" role="status" data-testid="confirm-result">
								<IconAlert size={16} /> This offer has expired. Ask your assistant for a new quote.
							</div>
						) : (
							<div className="confirm-actions">
								<button
									type="button"
									className="btn btn-secondary"
									onClick={() => void decide("decline")}
									disabled={busy !== null}
									data-testid="decline-button"
								>
									{busy === "decline" ? <Spinner size={16} /> : null}
									Decline
								</button>
								<button
									type="button"
									className="btn btn-primary"
									onClick={() => void decide("confirm")}
									disabled={busy !== null}
									data-testid="confirm-button"
								>
									{busy === "confirm" ? <Spinner size={16} /> : null}
									Confirm {dollars(quote.amount_cents)}
								</button>
							</div>
						)}
						{error ? (
							<p className="form-error" role="alert">
								{error}
							</p>
						) : null}
						<p className="muted small">
							Review your spending on your <Link to="/account">account</Link>.
						</p>
					</>
				)}
			</div>
		</div>
	);
}
