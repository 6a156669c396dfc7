import { useCallback, useEffect, useState } from "react";
import { SignInPrompt } from "../components/SignInPrompt.tsx";
import { Notice, Spinner } from "../components/ui.tsx";
import { api, describeError } from "../lib/api.ts";
import { navigate } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";
import { BalanceCard } from "./account/BalanceCard.tsx";
import { ConnectCard } from "./account/ConnectCard.tsx";
import { ControlsCard } from "./account/ControlsCard.tsx";
import type { Account } from "./account/data.ts";
import { KeysCard } from "./account/KeysCard.tsx";
import { StatementCard } from "./account/StatementCard.tsx";
import { TopUpCard } from "./account/TopUpCard.tsx";

export default function AccountPage() {
	const { status, me, config, signOut } = useSession();
	const [account, setAccount] = useState<Account | null>(null);
	const [error, setError] = useState<string | null>(null);
	const [version, setVersion] = useState(0);
	const [newKey, setNewKey] = useState<string | null>(null);

	const load = useCallback(async () => {
		try {
			setAccount(await api<Account>("/api/account"));
			setError(null);
		} catch (err) {
			setError(describeError(err));
		}
	}, []);

	useEffect(() => {
		if (status === "signed-in") void load();
	}, [status, load]);

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
					title="Sign in to see your account"
					body="Your balance, statement, spend limits and API keys live here."
					compact
				/>
			</div>
		);
	}

	const controls = account ? account.controls : null;

	return (
		<div className="page account-page">
			<header className="page-header page-header-row">
				<div>
					<h1>Account</h1>
					<p className="muted">{me?.email ?? "Signed in"}</p>
					{account ? (
						<p className="field-hint" data-testid="account-authority" data-authority={account.authority}>
							{account.authority === "owner"
								? "You’re the owner: only you confirm purchases above your “ask me” amount, change limits and manage keys. Your assistants act within them."
								: "Signed in with an agent key: it acts within the limits, and can’t confirm purchases, change limits or manage keys."}
						</p>
					) : null}
				</div>
				<button
					type="button"
					className="btn btn-secondary btn-sm"
					onClick={async () => {
						await signOut();
						navigate("/");
					}}
				>
					Sign out
				</button>
			</header>
			<nav className="subnav" aria-label="Account sections">
				<a href="#balance">Balance</a>
				<a href="#add-money">Add money</a>
				<a href="#controls">Spend controls</a>
				<a href="#statement">Statement</a>
				<a href="#keys">API keys</a>
				<a href="#connect">Connect</a>
			</nav>
			{error ? (
				<Notice tone="error" role="alert">
					{error}{" "}
					<button type="button" className="link-btn" onClick={() => void load()}>
						Try again
					</button>
				</Notice>
			) : null}
			{!account && !error ? (
				<div className="page-loading">
					<Spinner label="Loading your account" size={22} />
				</div>
			) : null}
			{account && controls ? (
				<div className="account-grid">
					<BalanceCard
						account={account}
						config={config}
						onChanged={() => {
							void load();
							setVersion((v) => v + 1);
						}}
					/>
					<TopUpCard owner={account.authority === "owner"} />
					<ControlsCard
						controls={controls}
						onSaved={(saved) => setAccount((a) => (a ? { ...a, controls: saved } : a))}
					/>
					<StatementCard version={version} />
					<KeysCard onCreated={setNewKey} />
					{config?.mcp_url ? (
						<ConnectCard mcpUrl={config.mcp_url.replace(/\/+$/, "")} apiKey={newKey} />
					) : null}
				</div>
			) : null}
		</div>
	);
}
