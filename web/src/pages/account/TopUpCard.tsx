import { type FormEvent, useEffect, useRef, useState } from "react";
import { IconPlus } from "../../components/icons.tsx";
import { Spinner } from "../../components/ui.tsx";
import { ApiError, api, describeError } from "../../lib/api.ts";
import { centsToInput, dollars, parseDollars } from "../../lib/format.ts";
import type { TopUp, TopUpOptions } from "./data.ts";

/** What is wrong with a typed amount before it is sent, or null when it is within the operator's bounds. */
function amountProblem(cents: number | null, options: TopUpOptions): string | null {
	if (cents === null) return "Enter an amount.";
	if (Number.isNaN(cents)) return "Enter an amount in dollars, like 25 or 25.50.";
	if (cents < options.min_cents || cents > options.max_cents) {
		return `Choose an amount between ${dollars(options.min_cents)} and ${dollars(options.max_cents)}.`;
	}
	return null;
}

/**
 * "Add money": the owner picks an amount, the gateway opens a Stripe Checkout Session for it, and the browser goes
 * to Stripe's page. Stripe sends it back to /account/top-up/<id> (TopUpPage), which waits for the credit.
 */
export function TopUpCard({ owner }: { owner: boolean }) {
	const [options, setOptions] = useState<TopUpOptions | null>(null);
	const [loadError, setLoadError] = useState<string | null>(null);
	const [amount, setAmount] = useState("");
	const [fieldError, setFieldError] = useState<string | null>(null);
	const [formError, setFormError] = useState<string | null>(null);
	const [sending, setSending] = useState(false);
	// Sending the same amount again after a lost answer reuses the key: the gateway answers with the same top-up and
	// Checkout Session instead of opening another.
	const attempt = useRef<{ cents: number; key: string } | null>(null);

	useEffect(() => {
		const controller = new AbortController();
		api<TopUpOptions>("/api/account/top-ups/options", { signal: controller.signal })
			.then((found) => {
				setOptions(found);
				const first = found.presets_cents[0];
				if (first !== undefined) setAmount(centsToInput(first));
			})
			.catch((err) => {
				if (!controller.signal.aborted) setLoadError(describeError(err));
			});
		return () => controller.abort();
	}, []);

	async function submit(event: FormEvent) {
		event.preventDefault();
		if (!options) return;
		const cents = parseDollars(amount);
		const problem = amountProblem(cents, options);
		setFieldError(problem);
		setFormError(null);
		if (problem !== null || cents === null) return;
		if (attempt.current?.cents !== cents) attempt.current = { cents, key: crypto.randomUUID() };
		setSending(true);
		try {
			const created = await api<TopUp>("/api/account/top-ups", {
				method: "POST",
				body: { amount_cents: cents },
				idempotencyKey: attempt.current.key,
			});
			if (!created.checkout_url) throw new Error("Stripe gave no payment page. Try again in a moment.");
			// Stripe's page: leaving the site is the point (it sends the browser back to /account/top-up/<id>).
			window.location.assign(created.checkout_url);
		} catch (err) {
			// An answer (a refusal) is final: the next try is a new top-up. Without one the outcome is unknown.
			if (!(err instanceof ApiError && err.status === 0)) attempt.current = null;
			setFormError(describeError(err));
			setSending(false);
		}
	}

	const typed = parseDollars(amount);
	const ready = options?.configured === true;

	return (
		<section className="card" aria-labelledby="top-up-heading" id="add-money" data-testid="top-up-card">
			<div className="card-head">
				<h2 id="top-up-heading">Add money</h2>
			</div>
			{loadError ? (
				<p className="form-error" role="alert">
					{loadError}
				</p>
			) : !options ? (
				<div className="page-loading">
					<Spinner label="Loading payment options" />
				</div>
			) : !ready ? (
				<p className="muted" data-testid="top-up-not-configured">
					Adding money by card isn’t configured on this deployment. The operator sets the Stripe secrets{" "}
					<code>STRIPE_SECRET_KEY</code> and <code>STRIPE_WEBHOOK_SECRET</code> on the gateway (
					<code>npm run deploy</code> asks for them) and registers the webhook it prints; until then, money is
					added with <code>penumbra credit</code>.
				</p>
			) : !owner ? (
				<p className="muted" data-testid="top-up-owner-only">
					Only the account’s owner adds money. Sign in with your email to add money by card.
				</p>
			) : (
				<form onSubmit={submit} noValidate>
					<p className="muted top-up-intro">
						Pay by card on Stripe’s secure page; the money is on your balance as soon as Stripe confirms the
						payment.
					</p>
					<fieldset className="top-up-presets" disabled={sending}>
						<legend className="visually-hidden">Amounts</legend>
						{options.presets_cents.map((cents) => (
							<button
								key={cents}
								type="button"
								className="chip"
								aria-pressed={typed === cents}
								onClick={() => {
									setAmount(centsToInput(cents));
									setFieldError(null);
								}}
								data-testid="top-up-preset"
								data-amount={cents}
							>
								{dollars(cents)}
							</button>
						))}
					</fieldset>
					<div className="field top-up-amount">
						<label htmlFor="top-up-amount">Amount</label>
						<div className="input-money">
							<span aria-hidden="true">$</span>
							<input
								id="top-up-amount"
								inputMode="decimal"
								autoComplete="off"
								value={amount}
								onChange={(e) => {
									setAmount(e.target.value);
									setFieldError(null);
								}}
								disabled={sending}
								aria-invalid={fieldError !== null}
								aria-describedby={`top-up-amount-hint${fieldError ? " top-up-amount-error" : ""}`}
								data-testid="top-up-amount"
							/>
						</div>
						<p id="top-up-amount-hint" className="field-hint" data-testid="top-up-bounds">
							From {dollars(options.min_cents)} to {dollars(options.max_cents)}.
						</p>
						{fieldError ? (
							<p id="top-up-amount-error" className="field-error" role="alert" data-testid="top-up-error">
								{fieldError}
							</p>
						) : null}
					</div>
					{formError ? (
						<p className="form-error" role="alert" data-testid="top-up-error">
							{formError}
						</p>
					) : null}
					<div className="form-actions">
						<button type="submit" className="btn btn-primary" disabled={sending} data-testid="top-up-submit">
							{sending ? <Spinner size={14} /> : <IconPlus size={16} />}
							{sending
								? "Opening Stripe…"
								: typed !== null && !Number.isNaN(typed) && typed > 0
									? `Add ${dollars(typed)}`
									: "Add money"}
						</button>
					</div>
				</form>
			)}
		</section>
	);
}
