import { Fragment, useCallback, useEffect, useState } from "react";
import { IconRefresh } from "../../components/icons.tsx";
import { Spinner } from "../../components/ui.tsx";
import { api, describeError } from "../../lib/api.ts";
import { cardText, dateTime, dollars, signedDollars } from "../../lib/format.ts";
import type { LedgerEntry, Receipt, Statement } from "./data.ts";

const KINDS: Record<string, string> = {
	credit: "Credit added",
	top_up: "Added by card",
	top_up_refund: "Refunded to card",
	usage: "Usage fee",
	purchase: "Purchase",
	refund: "Refund",
	adjustment: "Adjustment",
};

/** "dev-credit:4dbac9a6-…" → "dev credit": an opaque id after the prefix says nothing to a person. */
function referenceText(reference: string): string {
	const [prefix, ...rest] = reference.split(":");
	const tail = rest.join(":");
	if (prefix && /^[0-9a-f-]{16,}$/i.test(tail)) return prefix.replaceAll(/[-_]/g, " ");
	return reference;
}

function ReceiptDetails({ receipt }: { receipt: Receipt }) {
	return (
		<dl className="facts facts-compact" data-testid="receipt-details">
			<div>
				<dt>Receipt</dt>
				<dd>
					<code>{receipt.id}</code>
				</dd>
			</div>
			<div>
				<dt>Service</dt>
				<dd>
					{receipt.service} · <code>{receipt.tool}</code>
				</dd>
			</div>
			<div>
				<dt>Charged</dt>
				<dd>{dollars(receipt.amount_cents)}</dd>
			</div>
			{receipt.held_cents !== undefined && receipt.held_cents !== receipt.amount_cents ? (
				<div>
					<dt>Held</dt>
					<dd>{dollars(receipt.held_cents)}</dd>
				</div>
			) : null}
			{receipt.refunded_cents ? (
				<div>
					<dt>Refunded</dt>
					<dd>{dollars(receipt.refunded_cents)}</dd>
				</div>
			) : null}
			{receipt.transaction_id ? (
				<div>
					<dt>Merchant reference</dt>
					<dd>
						<code>{receipt.transaction_id}</code>
					</dd>
				</div>
			) : null}
			{receipt.flagged ? (
				<div>
					<dt>Note</dt>
					<dd>The merchant asked for more than was held; only the held amount was charged.</dd>
				</div>
			) : null}
			<div>
				<dt>When</dt>
				<dd>{dateTime(receipt.created_at)}</dd>
			</div>
		</dl>
	);
}

export function StatementCard({ version }: { version: number }) {
	const [entries, setEntries] = useState<LedgerEntry[] | null>(null);
	const [receipts, setReceipts] = useState<Map<string, Receipt>>(new Map());
	const [cursor, setCursor] = useState<string | null>(null);
	const [loading, setLoading] = useState(false);
	const [error, setError] = useState<string | null>(null);
	const [open, setOpen] = useState<string | null>(null);

	const load = useCallback(async (after: string | null) => {
		setLoading(true);
		try {
			const page = await api<Statement>(
				`/api/account/statement?limit=25${after ? `&cursor=${encodeURIComponent(after)}` : ""}`,
			);
			setEntries((before) => (after && before ? [...before, ...page.entries] : page.entries));
			setReceipts((before) => {
				const next = new Map(after ? before : []);
				for (const r of page.receipts) next.set(r.id, r);
				return next;
			});
			setCursor(page.next_cursor);
			setError(null);
		} catch (err) {
			setError(describeError(err));
		} finally {
			setLoading(false);
		}
	}, []);

	// `version` changes after anything that moves money on this page.
	useEffect(() => {
		void version;
		void load(null);
	}, [load, version]);

	return (
		<section className="card" aria-labelledby="statement-heading" id="statement">
			<div className="card-head">
				<h2 id="statement-heading">Statement</h2>
				<button
					type="button"
					className="icon-btn"
					aria-label="Refresh statement"
					onClick={() => void load(null)}
					disabled={loading}
				>
					<IconRefresh size={16} />
				</button>
			</div>
			{error ? (
				<p className="form-error" role="alert">
					{error}
				</p>
			) : null}
			{entries === null ? (
				<div className="page-loading">
					<Spinner label="Loading statement" />
				</div>
			) : entries.length === 0 ? (
				<p className="muted">No activity yet. Credits, fees and purchases will show here.</p>
			) : (
				<div className="table-wrap">
					<table className="table" data-testid="statement-table">
						<thead>
							<tr>
								<th scope="col" className="hide-sm">
									Date
								</th>
								<th scope="col">Description</th>
								<th scope="col" className="num">
									Amount
								</th>
								<th scope="col" className="num hide-sm">
									Balance
								</th>
							</tr>
						</thead>
						<tbody>
							{entries.map((e) => {
								const receipt = e.receipt_id ? receipts.get(e.receipt_id) : undefined;
								const amount = e.amount_cents;
								const after = e.balance_after_cents;
								const isOpen = open === e.id;
								const card = e.kind === "top_up" ? cardText(e.card_brand, e.card_last4) : null;
								return (
									<Fragment key={e.id}>
										<tr data-testid="statement-row" data-kind={e.kind}>
											<td className="nowrap hide-sm">{dateTime(e.created_at)}</td>
											<td>
												<span className="entry-date-sm">{dateTime(e.created_at)}</span>
												<span className="entry-kind">{KINDS[e.kind] ?? e.kind}</span>
												{receipt ? (
													<span className="entry-ref">
														{receipt.service} · {receipt.tool}
													</span>
												) : card ? (
													<span className="entry-ref" data-testid="statement-card">
														{card}
													</span>
												) : e.reference ? (
													<span className="entry-ref">{referenceText(e.reference)}</span>
												) : null}
												{e.receipt_id ? (
													<button
														type="button"
														className="link-btn entry-receipt"
														aria-expanded={isOpen}
														onClick={() => setOpen(isOpen ? null : e.id)}
														data-testid="receipt-toggle"
													>
														{isOpen ? "Hide receipt" : "Receipt"}
													</button>
												) : null}
											</td>
											<td className={`num nowrap ${amount < 0 ? "amount-out" : "amount-in"}`}>
												{signedDollars(amount)}
											</td>
											<td className="num nowrap hide-sm">{after === null ? "—" : dollars(after)}</td>
										</tr>
										{isOpen ? (
											<tr className="receipt-row">
												<td colSpan={4}>
													{receipt ? (
														<ReceiptDetails receipt={receipt} />
													) : (
														<p className="muted">
															Receipt <code>{e.receipt_id}</code>
														</p>
													)}
												</td>
											</tr>
										) : null}
									</Fragment>
								);
							})}
						</tbody>
					</table>
				</div>
			)}
			{cursor ? (
				<button
					type="button"
					className="btn btn-ghost btn-block"
					onClick={() => void load(cursor)}
					disabled={loading}
				>
					{loading ? <Spinner size={14} /> : null}
					Show older
				</button>
			) : null}
		</section>
	);
}
