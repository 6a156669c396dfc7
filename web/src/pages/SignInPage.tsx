import { type FormEvent, useEffect, useRef, useState } from "react";
import { Logo } from "../components/icons.tsx";
import { Notice, Spinner, useNow } from "../components/ui.tsx";
import { ApiError, api, describeError, fieldErrors } from "../lib/api.ts";
import { navigate, safeNext, useLocation } from "../lib/router.tsx";
import { type Me, useSession } from "../lib/session.tsx";

/** The gateway's wait between two codes to one address. */
const RESEND_COOLDOWN_S = 30;

interface Started {
	sent: boolean;
	expires_at: string;
	dev_mailbox?: string;
}

export function SignInPage() {
	const { status, signedIn } = useSession();
	const { search } = useLocation();
	const next = safeNext(search.get("next"));
	const [step, setStep] = useState<"email" | "code">("email");
	const [email, setEmail] = useState("");
	const [code, setCode] = useState("");
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<{ field: "email" | "code" | null; message: string } | null>(null);
	const [resendAt, setResendAt] = useState(0);
	const [devMailbox, setDevMailbox] = useState<string | null>(null);
	const [notice, setNotice] = useState<string | null>(null);
	const codeInput = useRef<HTMLInputElement>(null);
	const emailInput = useRef<HTMLInputElement>(null);
	const now = useNow(step === "code" && resendAt > Date.now());
	const wait = Math.min(RESEND_COOLDOWN_S, Math.max(0, Math.ceil((resendAt - now) / 1000)));

	useEffect(() => {
		if (status === "signed-in" && !busy) navigate(next, { replace: true });
	}, [status, busy, next]);

	useEffect(() => {
		if (step === "code") codeInput.current?.focus();
		else emailInput.current?.focus();
	}, [step]);

	function failed(err: unknown, fallbackField: "email" | "code") {
		if (err instanceof ApiError) {
			const fields = fieldErrors(err.problem, ["email", "code"] as const);
			const field = fields.email ? "email" : fields.code ? "code" : null;
			if (err.code === "RATE_LIMITED" && err.problem.retry_after_seconds) {
				setResendAt(Date.now() + err.problem.retry_after_seconds * 1000);
			}
			setError({
				field: field ?? (err.code === "VALIDATION_FAILED" ? fallbackField : null),
				// The server's own words: a wrong or expired code is a 401 here, not a lost session.
				message:
					fields.email ??
					fields.code ??
					(err.code === "RATE_LIMITED" ? describeError(err) : err.problem.detail),
			});
		} else {
			setError({ field: null, message: describeError(err) });
		}
	}

	async function sendCode(resend: boolean) {
		setBusy(true);
		setError(null);
		setNotice(null);
		try {
			const started = await api<Started>("/api/auth/email/start", {
				method: "POST",
				body: { email: email.trim() },
			});
			setDevMailbox(started.dev_mailbox ?? null);
			setResendAt(Date.now() + RESEND_COOLDOWN_S * 1000);
			setStep("code");
			if (resend) {
				setCode("");
				setNotice("We sent a new code. The previous one no longer works.");
			}
		} catch (err) {
			failed(err, "email");
		} finally {
			setBusy(false);
		}
	}

	async function verify() {
		setBusy(true);
		setError(null);
		try {
			const me = await api<Me>("/api/auth/email/verify", {
				method: "POST",
				body: { email: email.trim(), code: code.trim() },
				quietAuth: true,
			});
			signedIn(me);
			navigate(next, { replace: true });
		} catch (err) {
			failed(err, "code");
			setBusy(false);
		}
	}

	function submit(event: FormEvent) {
		event.preventDefault();
		if (busy) return;
		if (step === "email") {
			if (!/^\S+@\S+\.\S+$/.test(email.trim())) {
				setError({ field: "email", message: "Enter a valid email address." });
				return;
			}
			void sendCode(false);
		} else {
			if (!/^\d{6}$/.test(code.replace(/\s+/g, ""))) {
				setError({ field: "code", message: "The code is six digits." });
				return;
			}
			void verify();
		}
	}

	if (status === "loading") {
		return (
			<div className="page-loading">
				<Spinner label="Loading" size={22} />
			</div>
		);
	}

	return (
		<div className="auth-page">
			<div className="auth-card" data-testid="signin-card">
				<div className="auth-logo">
					<Logo size={40} />
				</div>
				<h1>{step === "email" ? "Sign in to Penumbra" : "Check your email"}</h1>
				<p className="muted auth-lead">
					{step === "email" ? (
						"We’ll email you a six-digit code. New here? The same code creates your account."
					) : (
						<>
							We sent a code to <strong>{email.trim()}</strong>. It expires in 10 minutes.
						</>
					)}
				</p>
				<form onSubmit={submit} noValidate>
					{step === "email" ? (
						<div className="field">
							<label htmlFor="signin-email">Email address</label>
							<input
								ref={emailInput}
								id="signin-email"
								type="email"
								name="email"
								autoComplete="email"
								inputMode="email"
								required
								value={email}
								onChange={(e) => setEmail(e.target.value)}
								aria-invalid={error?.field === "email"}
								aria-describedby={error?.field === "email" ? "signin-error" : undefined}
								data-testid="signin-email"
								placeholder="you@example.com"
							/>
						</div>
					) : (
						<div className="field">
							<label htmlFor="signin-code">Six-digit code</label>
							<input
								ref={codeInput}
								id="signin-code"
								className="code-input"
								type="text"
								name="code"
								autoComplete="one-time-code"
								inputMode="numeric"
								pattern="[0-9 ]*"
								maxLength={12}
								required
								value={code}
								onChange={(e) => setCode(e.target.value)}
								aria-invalid={error?.field === "code"}
								aria-describedby={error?.field === "code" ? "signin-error" : undefined}
								data-testid="signin-code"
								placeholder="123456"
							/>
						</div>
					)}
					{error ? (
						<p id="signin-error" className="form-error" role="alert" data-testid="signin-error">
							{error.message}
						</p>
					) : null}
					{notice ? (
						<p className="form-note" role="status">
							{notice}
						</p>
					) : null}
					<button
						type="submit"
						className="btn btn-primary btn-block"
						disabled={busy}
						data-testid={step === "email" ? "signin-send" : "signin-verify"}
					>
						{busy ? <Spinner size={16} /> : null}
						{step === "email" ? "Email me a code" : "Sign in"}
					</button>
				</form>
				{step === "code" ? (
					<div className="auth-secondary">
						<button
							type="button"
							className="link-btn"
							onClick={() => void sendCode(true)}
							disabled={busy || wait > 0}
							data-testid="signin-resend"
						>
							{wait > 0 ? `Resend code in ${wait} s` : "Resend code"}
						</button>
						<span aria-hidden="true">·</span>
						<button
							type="button"
							className="link-btn"
							onClick={() => {
								setStep("email");
								setCode("");
								setError(null);
								setNotice(null);
							}}
							disabled={busy}
						>
							Use a different email
						</button>
					</div>
				) : null}
				{step === "code" && devMailbox ? (
					<Notice tone="info" testId="signin-dev-hint">
						Development: no email is sent. The code is in the gateway’s log and its dev mailbox (
						<code>{devMailbox}</code>).
					</Notice>
				) : null}
			</div>
		</div>
	);
}
