import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { ConfirmDialog } from "../../components/Dialog.tsx";
import { IconAlert, IconPlus } from "../../components/icons.tsx";
import { CopyButton, Spinner } from "../../components/ui.tsx";
import { ApiError, api, describeError, fieldErrors } from "../../lib/api.ts";
import { dateTime } from "../../lib/format.ts";
import type { ApiKey, CreatedKey } from "./data.ts";

export function KeysCard({ onCreated }: { onCreated: (key: string) => void }) {
	const [keys, setKeys] = useState<ApiKey[] | null>(null);
	const [error, setError] = useState<string | null>(null);
	const [name, setName] = useState("");
	const [ownerKey, setOwnerKey] = useState(false);
	const [nameError, setNameError] = useState<string | null>(null);
	const [creating, setCreating] = useState(false);
	const [created, setCreated] = useState<CreatedKey | null>(null);
	const [revoking, setRevoking] = useState<ApiKey | null>(null);
	const [revokeBusy, setRevokeBusy] = useState(false);
	const [revokeError, setRevokeError] = useState<string | null>(null);
	const nameInput = useRef<HTMLInputElement>(null);
	const secretRef = useRef<HTMLElement>(null);

	const load = useCallback(async () => {
		try {
			const answer = await api<{ keys: ApiKey[] }>("/api/account/keys");
			setKeys(answer.keys);
			setError(null);
		} catch (err) {
			setError(describeError(err));
		}
	}, []);

	useEffect(() => {
		void load();
	}, [load]);

	useEffect(() => {
		if (created) secretRef.current?.focus();
	}, [created]);

	async function create(event: FormEvent) {
		event.preventDefault();
		const trimmed = name.trim();
		if (trimmed === "") {
			setNameError("Give the key a name, like “Cursor on my laptop”.");
			nameInput.current?.focus();
			return;
		}
		setCreating(true);
		setNameError(null);
		try {
			const key = await api<CreatedKey>("/api/account/keys", {
				method: "POST",
				body: { name: trimmed, owner: ownerKey },
			});
			setCreated(key);
			setName("");
			// Back to the safe kind: the next key is an agent's unless asked again.
			setOwnerKey(false);
			onCreated(key.key);
			void load();
		} catch (err) {
			const fields = err instanceof ApiError ? fieldErrors(err.problem, ["name"] as const) : {};
			setNameError(fields.name ?? describeError(err));
		} finally {
			setCreating(false);
		}
	}

	async function revoke() {
		if (!revoking) return;
		setRevokeBusy(true);
		setRevokeError(null);
		try {
			await api<void>(`/api/account/keys/${encodeURIComponent(revoking.id)}`, { method: "DELETE" });
			setRevoking(null);
			void load();
		} catch (err) {
			setRevokeError(describeError(err));
		} finally {
			setRevokeBusy(false);
		}
	}

	const active = (keys ?? []).filter((k) => !k.revoked_at);
	const revoked = (keys ?? []).filter((k) => k.revoked_at);

	return (
		<section className="card" aria-labelledby="keys-heading" id="keys">
			<div className="card-head">
				<h2 id="keys-heading">API keys</h2>
			</div>
			<p className="muted">
				For assistants and scripts that connect with a key (Cursor, mcp-remote, the API). Each key spends from
				this account, within your limits.
			</p>
			<p className="field-hint">
				<strong>Agent keys</strong> (the default) can search, buy within your limits and freeze spending, but
				can’t confirm purchases above your “ask me” amount, change limits or manage keys. Only you can, here.
			</p>
			{created ? (
				<section className="secret" ref={secretRef} tabIndex={-1} aria-labelledby="secret-title">
					<p id="secret-title" className="secret-title">
						<IconAlert size={16} /> Copy your new key now — you won’t see it again.
					</p>
					<div className="secret-row">
						<code className="secret-value" data-testid="key-secret">
							{created.key}
						</code>
						<CopyButton
							text={created.key}
							label="Copy key"
							testId="key-copy"
							className="btn btn-primary btn-sm"
						/>
					</div>
					<p className="field-hint">
						Treat it like a password. If it leaks, revoke it here and create another.
					</p>
					{created.authority === "owner" ? (
						<p className="field-hint key-owner-warning" data-testid="key-secret-owner">
							This is an owner key: it can confirm purchases and change limits. Keep it for your own scripts
							and never give it to an assistant.
						</p>
					) : null}
					<button type="button" className="btn btn-ghost btn-sm" onClick={() => setCreated(null)}>
						I’ve saved it
					</button>
				</section>
			) : null}
			<form className="inline-form" onSubmit={create} noValidate>
				<div className="field grow">
					<label htmlFor="key-name">New key name</label>
					<input
						ref={nameInput}
						id="key-name"
						value={name}
						maxLength={100}
						onChange={(e) => {
							setName(e.target.value);
							setNameError(null);
						}}
						placeholder="Cursor on my laptop"
						aria-invalid={nameError !== null}
						aria-describedby={nameError ? "key-name-error" : undefined}
						data-testid="key-name"
					/>
					{nameError ? (
						<p id="key-name-error" className="field-error">
							{nameError}
						</p>
					) : null}
				</div>
				<button type="submit" className="btn btn-primary" disabled={creating} data-testid="key-create">
					{creating ? <Spinner size={16} /> : <IconPlus size={16} />}
					Create key
				</button>
				<div className="check">
					<input
						id="key-owner"
						type="checkbox"
						checked={ownerKey}
						onChange={(e) => setOwnerKey(e.target.checked)}
						aria-describedby="key-owner-hint"
						data-testid="key-owner"
					/>
					<div>
						<label htmlFor="key-owner">Owner key</label>
						<p
							id="key-owner-hint"
							className={`field-hint${ownerKey ? " key-owner-warning" : ""}`}
							data-testid="key-owner-warning"
						>
							{ownerKey ? <IconAlert size={14} /> : null} Can confirm purchases and change limits — never give
							it to an assistant. For your own scripts only.
						</p>
					</div>
				</div>
			</form>
			{error ? (
				<p className="form-error" role="alert">
					{error}
				</p>
			) : null}
			{keys === null && !error ? (
				<div className="page-loading">
					<Spinner label="Loading keys" />
				</div>
			) : keys && keys.length === 0 ? (
				<p className="muted">No keys yet.</p>
			) : (
				<ul className="key-list">
					{[...active, ...revoked].map((k) => (
						<li
							key={k.id}
							className={`key-item${k.revoked_at ? " key-revoked" : ""}`}
							data-testid="key-row"
							data-key-id={k.id}
							data-key-authority={k.authority}
						>
							<div className="key-main">
								<span className="key-name">{k.name || "Unnamed key"}</span>
								<code className="key-prefix">{k.key_prefix}…</code>
							</div>
							<span
								className={`badge${k.authority === "owner" ? " badge-owner" : ""}`}
								data-testid="key-kind"
								title={
									k.authority === "owner"
										? "Can confirm purchases, change limits and manage keys"
										: "Acts within your limits; can’t confirm or change them"
								}
							>
								{k.authority === "owner" ? "Owner key" : "Agent key"}
							</span>
							<span className="key-meta">
								{k.revoked_at ? `Revoked ${dateTime(k.revoked_at)}` : `Created ${dateTime(k.created_at)}`}
							</span>
							{k.revoked_at ? (
								<span className="badge">Revoked</span>
							) : (
								<button
									type="button"
									className="btn btn-danger-ghost btn-sm"
									onClick={() => {
										setRevokeError(null);
										setRevoking(k);
									}}
									data-testid="key-revoke"
									aria-label={`Revoke ${k.name || k.key_prefix}`}
								>
									Revoke
								</button>
							)}
						</li>
					))}
				</ul>
			)}
			<ConfirmDialog
				open={revoking !== null}
				title="Revoke this key?"
				body={
					<p>
						Anything using <strong>{revoking?.name || revoking?.key_prefix}</strong> stops working at once.
						This can’t be undone.
					</p>
				}
				confirmLabel="Revoke key"
				onConfirm={() => void revoke()}
				onCancel={() => setRevoking(null)}
				busy={revokeBusy}
				error={revokeError}
				testId="revoke-dialog"
			/>
		</section>
	);
}
