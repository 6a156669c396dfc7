import { type ReactNode, useEffect, useState } from "react";
import { IconAlert, IconCheck } from "../components/icons.tsx";
import { SignInPrompt } from "../components/SignInPrompt.tsx";
import { Spinner } from "../components/ui.tsx";
import { ApiError, api, describeError } from "../lib/api.ts";
import { cardText, dateTime, dollars } from "../lib/format.ts";
import { Link } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";
import type { Account, TopUp } from "./account/data.ts";

/** First wait before asking again; each wait is 1.5 times the last, at most MAX_DELAY_MS. */
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 5_000;
/** Stripe usually sends its webhook within seconds; after this the page stops asking and says what to do. */
const PATIENCE_MS = 60_000;

function nextDelay(delay: number): number {
	return Math.min(MAX_DELAY_MS, Math.round(delay * 1.5));
}

type Phase = "checking" | "settled" | "timeout" | "not-found";

/**
 * The top-up as the gateway knows it. With `wait`, asks again with backoff while it is pending (Stripe's webhook has
 * not landed yet), for at most PATIENCE_MS; `round` restarts the wait.
 */
function useTopUp(id: string, wait: boolean, enabled: boolean, round: number) {
	const [topUp, setTopUp] = useState<TopUp | null>(null);
	const [phase, setPhase] = useState<Phase>("checking");
	const [error, setError] = useState<string | null>(null);

	useEffect(() => {
		if (!enabled) return;
		void round;
		const controller = new AbortController();
		const deadline = Date.now() + PATIENCE_MS;
		let timer: number | undefined;
		setPhase("checking");
		async function check(delay: number): Promise<void> {
			try {
				const found = await api<TopUp>(`/api/account/top-ups/${encodeURIComponent(id)}`, {
					signal: controller.signal,
				});
				setTopUp(found);
				setError(null);
				if (found.status !== "pending" || !wait) {
					setPhase("settled");
					return;
				}
			} catch (err) {
				if (controller.signal.aborted) return;
				if (err instanceof ApiError && (err.status === 404 || err.status === 400)) {
					setPhase("not-found");
					return;
				}
				// The session ended (the app signs out) or the refusal will not change by asking again.
				if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
					setError(describeError(err));
					setPhase("settled");
					return;
				}
				setError(describeError(err));
			}
			if (Date.now() + delay > deadline) {
				setPhase("timeout");
				return;
			}
			timer = window.setTimeout(() => void check(nextDelay(delay)), delay);
		}
		void check(FIRST_DELAY_MS);
		return () => {
			controller.abort();
			window.clearTimeout(timer);
		};
	}, [id, wait, enabled, round]);

	return { topUp, phase, error };
}

/** The balance after the credit, asked once the top-up is credited. */
function useBalance(enabled: boolean): number | null {
	const [balance, setBalance] = useState<number | null>(null);
	useEffect(() => {
		if (!enabled) return;
		const controller = new AbortController();
		api<Account>("/api/account", { signal: controller.signal })
			.then((account) => setBalance(account.balance_cents))
			.catch(() => {
				// The credit is shown either way; the account page has the balance.
			});
		return () => controller.abort();
	}, [enabled]);
	return balance;
}

function BackToAccount({ primary = false }: { primary?: boolean }) {
	return (
		<Link
			to="/account"
			className={`btn ${primary ? "btn-primary" : "btn-secondary"}`}
			data-testid="top-up-back"
		>
			Back to your account
		</Link>
	);
}

function Credited({ topUp }: { topUp: TopUp }) {
	const balance = useBalance(true);
	const card = cardText(topUp.card_brand, topUp.card_last4);
	return (
		<>
			<div className="confirm-icon confirm-icon-success" aria-hidden="true">
				<IconCheck size={22} />
			</div>
			<h1>Money added</h1>
			<div className="purchase-hero">
				<span className="purchase-amount" data-testid="top-up-credited">
					+{dollars(topUp.amount_cents)}
				</span>
				<span className="purchase-merchant">is on your balance</span>
			</div>
			<dl className="facts">
				<div>
					<dt>New balance</dt>
					<dd data-testid="top-up-balance">{balance === null ? <Spinner size={14} /> : dollars(balance)}</dd>
				</div>
				{card ? (
					<div>
						<dt>Paid with</dt>
						<dd data-testid="top-up-card-used">{card}</dd>
					</div>
				) : null}
				{topUp.refunded_cents ? (
					<div>
						<dt>Refunded to your card</dt>
						<dd>{dollars(topUp.refunded_cents)}</dd>
					</div>
				) : null}
				<div>
					<dt>Credited</dt>
					<dd>{dateTime(topUp.credited_at ?? topUp.created_at)}</dd>
				</div>
				<div>
					<dt>Reference</dt>
					<dd>
						<code>{topUp.id}</code>
					</dd>
				</div>
			</dl>
			<div className="confirm-actions">
				<BackToAccount primary />
			</div>
		</>
	);
}

function Outcome({
	state,
	title,
	children,
	again = false,
}: {
	state: string;
	title: string;
	children: ReactNode;
	again?: boolean;
}) {
	return (
		<>
			<h1>{title}</h1>
			<div className="notice notice-info" role="status" data-testid="top-up-outcome" data-state={state}>
				{children}
			</div>
			<div className="confirm-actions">
				<BackToAccount />
				{again ? (
					<Link to="/account" className="btn btn-primary" data-testid="top-up-again">
						Try again
					</Link>
				) : null}
			</div>
		</>
	);
}

/**
 * Where Stripe Checkout sends the browser back: `?status=success` waits for the gateway to credit the top-up (Stripe's
 * webhook, usually seconds later), `?status=cancelled` says nothing was charged. Either way the page shows what the
 * gateway says about the top-up, not what the address claims.
 */
export default function TopUpPage({
	topUpId,
	returned,
}: {
	topUpId: string;
	returned: "success" | "cancelled";
}) {
	const { status } = useSession();
	const [round, setRound] = useState(0);
	const wait = returned === "success";
	const { topUp, phase, error } = useTopUp(topUpId, wait, status === "signed-in", round);

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
					title="Sign in to see your payment"
					body="Sign in with the email of the account you added money to; you’ll come right back here."
					compact
				/>
			</div>
		);
	}

	const amount = topUp ? dollars(topUp.amount_cents) : "your payment";
	let body: ReactNode;
	let state: string;
	if (phase === "not-found") {
		state = "not-found";
		body = (
			<Outcome state={state} title="Payment not found">
				We couldn’t find this top-up. The link may be wrong, or it belongs to another account.
			</Outcome>
		);
	} else if (error && (phase === "settled" || (phase === "timeout" && !topUp))) {
		state = "error";
		body = (
			<>
				<h1>Add money</h1>
				<p className="form-error" role="alert">
					{error}
				</p>
				<div className="confirm-actions">
					<BackToAccount />
				</div>
			</>
		);
	} else if (!topUp) {
		state = "loading";
		body = (
			<div className="page-loading">
				<Spinner label="Checking your payment" size={22} />
			</div>
		);
	} else if (topUp.status === "credited") {
		state = "credited";
		body = <Credited topUp={topUp} />;
	} else if (topUp.status === "refunded") {
		state = "refunded";
		body = (
			<Outcome state={state} title="Top-up refunded">
				This top-up of {amount} was credited and then refunded
				{topUp.refunded_cents !== undefined ? ` (${dollars(topUp.refunded_cents)} back to your card)` : ""}.
			</Outcome>
		);
	} else if (topUp.status === "expired") {
		state = "expired";
		body = (
			<Outcome state={state} title="Checkout expired" again>
				The checkout for {amount} expired before it was paid. Nothing was charged.
			</Outcome>
		);
	} else if (!wait) {
		state = "cancelled";
		body = (
			<Outcome state={state} title="Payment cancelled" again>
				You left Stripe’s page without paying {amount}. Nothing was charged, and your balance is unchanged.
			</Outcome>
		);
	} else if (phase === "timeout") {
		state = "timeout";
		body = (
			<>
				<h1>Still waiting for Stripe</h1>
				<div className="notice notice-warning" role="status" data-testid="top-up-outcome" data-state={state}>
					<IconAlert size={16} />
					<span>
						Stripe hasn’t confirmed the payment of {amount} yet. If you completed it, nothing is lost: it is
						added to your balance as soon as Stripe’s confirmation arrives, and your statement will show it.
						If your card was charged and nothing shows within an hour, contact the operator with the reference{" "}
						<code>{topUp.id}</code>.
					</span>
				</div>
				<div className="confirm-actions">
					<BackToAccount />
					<button
						type="button"
						className="btn btn-primary"
						onClick={() => setRound((r) => r + 1)}
						data-testid="top-up-check-again"
					>
						Check again
					</button>
				</div>
			</>
		);
	} else {
		state = "waiting";
		body = (
			<>
				<h1>Confirming your payment</h1>
				<div className="top-up-waiting">
					<Spinner size={22} />
					<p role="status">
						Waiting for Stripe to confirm the payment of {amount}. This usually takes a few seconds.
					</p>
				</div>
				{error ? (
					<p className="field-hint" role="status">
						{error} Still trying.
					</p>
				) : null}
			</>
		);
	}

	return (
		<div className="page narrow" data-testid="top-up-page" data-state={state}>
			<div className="card confirm-card">{body}</div>
		</div>
	);
}
