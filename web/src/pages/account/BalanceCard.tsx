import { useState } from "react";
import { IconPlus } from "../../components/icons.tsx";
import { Spinner } from "../../components/ui.tsx";
import { api, describeError } from "../../lib/api.ts";
import { dateTime, dollars, pluralize } from "../../lib/format.ts";
import type { AppConfig } from "../../lib/session.tsx";
import type { Account } from "./data.ts";

const CREDIT_AMOUNTS = [500, 2000, 5000];

export function BalanceCard({
	account,
	config,
	onChanged,
}: {
	account: Account;
	config: AppConfig | null;
	onChanged: () => void;
}) {
	const [busy, setBusy] = useState<number | null>(null);
	const [message, setMessage] = useState<{ tone: "success" | "error"; text: string } | null>(null);
	const held = account.balance_cents - account.available_cents;

	async function addCredit(cents: number) {
		setBusy(cents);
		setMessage(null);
		try {
			await api<{ balance_cents: number }>("/api/account/dev-credit", {
				method: "POST",
				body: { amount_cents: cents },
			});
			setMessage({ tone: "success", text: `Added ${dollars(cents)} of test credit.` });
			onChanged();
		} catch (err) {
			setMessage({ tone: "error", text: describeError(err) });
		} finally {
			setBusy(null);
		}
	}

	return (
		<section className="card" aria-labelledby="balance-heading" id="balance">
			<div className="card-head">
				<h2 id="balance-heading">Balance</h2>
				{account.controls.frozen ? <span className="badge badge-danger">Frozen</span> : null}
			</div>
			<div className="stats">
				<div className="stat">
					<span className="stat-label">Available to spend</span>
					<span className="stat-value stat-value-lg" data-testid="account-available">
						{dollars(account.available_cents)}
					</span>
				</div>
				<div className="stat">
					<span className="stat-label">Balance</span>
					<span className="stat-value" data-testid="account-balance">
						{dollars(account.balance_cents)}
					</span>
					{held > 0 ? (
						<span className="stat-note">{dollars(held)} held for purchases in progress</span>
					) : null}
				</div>
				<div className="stat">
					<span className="stat-label">Spent today</span>
					<span className="stat-value" data-testid="account-spent-today">
						{dollars(account.spent_today_cents)}
					</span>
				</div>
			</div>
			{account.pending_purchases.length > 0 ? (
				<div className="pending-purchases">
					<h3>Purchases being settled</h3>
					<p className="field-hint">
						The merchant may have sold these; their amounts stay held until the outcome is known, then are
						charged (with a receipt) or released.
					</p>
					<ul>
						{account.pending_purchases.map((p) => (
							<li
								key={p.hold_id}
								className="pending-purchase"
								data-testid="pending-purchase"
								data-hold-id={p.hold_id}
							>
								<span className="pending-purchase-what">
									{p.service} · <code>{p.tool}</code>
								</span>
								<span className="pending-purchase-amount">{dollars(p.amount_cents)} held</span>
								<span className="entry-ref">
									Since {dateTime(p.since)} · asked {pluralize(p.calls, "time")} · {p.next}
								</span>
							</li>
						))}
					</ul>
				</div>
			) : null}
			{config?.top_up_url || config?.dev_credit ? (
				<div className="balance-actions">
					{config.top_up_url ? (
						<a className="btn btn-primary" href={config.top_up_url} target="_blank" rel="noopener noreferrer">
							<IconPlus size={16} /> Add funds
						</a>
					) : null}
					{config.dev_credit ? (
						<div className="dev-credit">
							<span className="dev-tag">Development</span>
							{CREDIT_AMOUNTS.map((cents) => (
								<button
									key={cents}
									type="button"
									className="btn btn-secondary btn-sm"
									disabled={busy !== null}
									onClick={() => void addCredit(cents)}
									data-testid="dev-credit-button"
									data-amount={cents}
								>
									{busy === cents ? <Spinner size={14} /> : null}
									Add {dollars(cents)} test credit
								</button>
							))}
						</div>
					) : null}
				</div>
			) : null}
			{message ? (
				<p className={message.tone === "error" ? "form-error" : "form-note"} role="status">
					{message.text}
				</p>
			) : null}
		</section>
	);
}
