import { type FormEvent, useCallback, useEffect, useState } from "react";
import { Notice, Spinner } from "../../components/ui.tsx";
import { describeError } from "../../lib/api.ts";
import { operatorSession, signInOperator, signOutOperator } from "./api.ts";
import { Dashboard } from "./Dashboard.tsx";
import "./operator.css";

/**
 * `/operator`: the operator's sign-in (the ADMIN_TOKEN, traded at once for a 12-hour read-only session kept in an
 * HttpOnly cookie of its own), then the dashboard. Separate from the owner's sign-in: either may be signed in
 * without the other, and neither acts as the other.
 */

type State =
	| { status: "loading" }
	| { status: "signed-out"; ended?: boolean }
	| { status: "signed-in" }
	/** The dashboard is gone (its reads aborted) before the session ends, so none of them meets a 401. */
	| { status: "signing-out" };

function SignInForm({ ended, onSignedIn }: { ended: boolean; onSignedIn: () => void }) {
	const [token, setToken] = useState("");
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<string | null>(null);

	async function submit(event: FormEvent) {
		event.preventDefault();
		if (token.trim() === "") return setError("Paste the gateway's admin token.");
		setBusy(true);
		setError(null);
		try {
			await signInOperator(token.trim());
			setToken("");
			onSignedIn();
		} catch (caught) {
			setError(describeError(caught));
		} finally {
			setBusy(false);
		}
	}

	return (
		<div className="page narrow">
			<form className="card op-signin" data-testid="op-signin-card" onSubmit={submit} noValidate>
				<h1>Operator sign-in</h1>
				<p className="muted">
					For whoever runs this Penumbra deployment: metrics, provider health, alerts and purchases. Sign in
					with the gateway's admin token; it is exchanged for a read-only session of 12 hours and not kept in
					this browser. Account owners sign in on the <a href="/signin">sign-in page</a> instead.
				</p>
				{ended ? (
					<Notice tone="warning" testId="op-session-ended">
						Your operator session has ended. Sign in again to keep reading the dashboard.
					</Notice>
				) : null}
				<div className="field">
					<label htmlFor="op-token">Admin token</label>
					<input
						id="op-token"
						data-testid="op-token"
						type="password"
						autoComplete="off"
						spellCheck={false}
						value={token}
						aria-invalid={error ? true : undefined}
						aria-describedby={error ? "op-signin-error" : undefined}
						onChange={(e) => setToken(e.target.value)}
					/>
				</div>
				{error ? (
					<p className="field-error" id="op-signin-error" data-testid="op-signin-error" role="alert">
						{error}
					</p>
				) : null}
				<button type="submit" className="btn btn-primary btn-block" data-testid="op-signin" disabled={busy}>
					{busy ? <Spinner /> : null}
					<span>Sign in as operator</span>
				</button>
			</form>
		</div>
	);
}

export default function OperatorPage() {
	const [state, setState] = useState<State>({ status: "loading" });

	useEffect(() => {
		let live = true;
		operatorSession().then(
			(session) => live && setState(session.signed_in ? { status: "signed-in" } : { status: "signed-out" }),
			() => live && setState({ status: "signed-out" }),
		);
		return () => {
			live = false;
		};
	}, []);

	const ended = useCallback(() => setState({ status: "signed-out", ended: true }), []);
	const signOut = useCallback(() => setState({ status: "signing-out" }), []);

	useEffect(() => {
		if (state.status !== "signing-out") return;
		signOutOperator()
			.catch(() => {
				// The cookie is cleared by the answer; if none came, the session still ends at its time.
			})
			.finally(() => setState({ status: "signed-out" }));
	}, [state.status]);

	if (state.status === "loading" || state.status === "signing-out") {
		return (
			<div className="page-loading">
				<Spinner label="Loading" size={22} />
			</div>
		);
	}
	if (state.status === "signed-out") {
		return <SignInForm ended={state.ended === true} onSignedIn={() => setState({ status: "signed-in" })} />;
	}
	return <Dashboard onSessionEnded={ended} onSignOut={signOut} />;
}
