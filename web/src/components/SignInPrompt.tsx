import { Link, signInHref } from "../lib/router.tsx";
import { IconLock } from "./icons.tsx";

/** What anonymous visitors see where signing in is needed: friendly, one click away, and it brings them back. */
export function SignInPrompt({
	title = "Sign in to continue",
	body = "Chatting and buying need an account. It takes an email address and a six-digit code — no password.",
	compact = false,
}: {
	title?: string;
	body?: string;
	compact?: boolean;
}) {
	return (
		<section
			className={`signin-prompt${compact ? " signin-prompt-compact" : ""}`}
			data-testid="signin-prompt"
		>
			<span className="signin-prompt-icon">
				<IconLock size={20} />
			</span>
			<div className="signin-prompt-text">
				<h2>{title}</h2>
				<p>{body}</p>
			</div>
			<div className="signin-prompt-actions">
				<Link to={signInHref()} className="btn btn-primary">
					Sign in
				</Link>
				{compact ? null : (
					<Link to="/services" className="btn btn-secondary">
						Browse services
					</Link>
				)}
			</div>
		</section>
	);
}
