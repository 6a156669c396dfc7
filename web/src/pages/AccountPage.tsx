import {
	type FormEvent,
	Fragment,
	type KeyboardEvent,
	useCallback,
	useEffect,
	useId,
	useRef,
	useState,
} from "react";
import { ConfirmDialog } from "../components/Dialog.tsx";
import { IconAlert, IconPlus, IconRefresh } from "../components/icons.tsx";
import { SignInPrompt } from "../components/SignInPrompt.tsx";
import { CodeBlock, CopyButton, Notice, Spinner } from "../components/ui.tsx";
import { ApiError, api, describeError, fieldErrors } from "../lib/api.ts";
import { centsToInput, dateTime, dollars, parseDollars, signedDollars } from "../lib/format.ts";
import { navigate } from "../lib/router.tsx";
import { type AppConfig, useSession } from "../lib/session.tsx";

// ── data ─────────────────────────────────────────────────────────────────────────────────────────────────────────

interface Controls {
	per_purchase_cap_cents: number | null;
	daily_cap_cents: number | null;
	auto_approve_threshold_cents: number;
	merchant_allow: string[];
	merchant_deny: string[];
	frozen: boolean;
}

interface Hold {
	id: string;
	amount?: number;
	amount_cents?: number;
	status: string;
}

interface Account {
	credential_id: string;
	email: string | null;
	level: string;
	balance_cents: number;
	available_cents: number;
	spent_today_cents: number;
	holds: Hold[];
	controls: Partial<Controls> & { allow_merchants?: string[]; deny_merchants?: string[] };
}

/** A ledger line; the gateway names amounts `amount`/`balance_after`, the design `…_cents`: both are read. */
interface LedgerEntry {
	id: string;
	kind: string;
	amount?: number;
	amount_cents?: number;
	balance_after?: number;
	balance_after_cents?: number;
	created_at: number | string;
	reference?: string | null;
	receipt_id?: string | null;
}

interface Receipt {
	id: string;
	quote_id?: string;
	service: string;
	tool: string;
	amount_cents: number;
	held_cents?: number;
	transaction_id?: string;
	flagged?: boolean;
	refunded_cents?: number;
	balance_after_cents?: number;
	created_at: number | string;
}

interface Statement {
	entries: LedgerEntry[];
	receipts: Receipt[];
	next_cursor: string | null;
}

interface ApiKey {
	id: string;
	name: string | null;
	key_prefix: string;
	created_at: string | number;
	revoked_at: string | number | null;
}

interface CreatedKey extends ApiKey {
	key: string;
}

function controlsOf(raw: Account["controls"]): Controls {
	return {
		per_purchase_cap_cents: raw.per_purchase_cap_cents ?? null,
		daily_cap_cents: raw.daily_cap_cents ?? null,
		auto_approve_threshold_cents: raw.auto_approve_threshold_cents ?? 2500,
		merchant_allow: raw.merchant_allow ?? raw.allow_merchants ?? [],
		merchant_deny: raw.merchant_deny ?? raw.deny_merchants ?? [],
		frozen: raw.frozen ?? false,
	};
}

// ── balance ──────────────────────────────────────────────────────────────────────────────────────────────────────

const CREDIT_AMOUNTS = [500, 2000, 5000];

function BalanceCard({
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

// ── spend controls ───────────────────────────────────────────────────────────────────────────────────────────────

const FIELDS = [
	"per_purchase_cap_cents",
	"daily_cap_cents",
	"auto_approve_threshold_cents",
	"merchant_allow",
	"merchant_deny",
	"allow_merchants",
	"deny_merchants",
	"frozen",
] as const;
type Field =
	| "per_purchase_cap_cents"
	| "daily_cap_cents"
	| "auto_approve_threshold_cents"
	| "merchant_allow"
	| "merchant_deny";

const SLUG = /^[a-z][a-z0-9-]{1,62}$/;

function splitList(text: string): string[] {
	return [
		...new Set(
			text
				.split(/[,;\n]+/)
				.map((s) => s.trim().toLowerCase())
				.filter(Boolean),
		),
	];
}

interface Draft {
	perPurchase: string;
	daily: string;
	threshold: string;
	allow: string;
	deny: string;
}

function draftOf(c: Controls): Draft {
	return {
		perPurchase: centsToInput(c.per_purchase_cap_cents),
		daily: centsToInput(c.daily_cap_cents),
		threshold: centsToInput(c.auto_approve_threshold_cents),
		allow: c.merchant_allow.join(", "),
		deny: c.merchant_deny.join(", "),
	};
}

function MoneyField({
	id,
	label,
	hint,
	value,
	onChange,
	error,
	placeholder,
}: {
	id: string;
	label: string;
	hint: string;
	value: string;
	onChange: (v: string) => void;
	error: string | undefined;
	placeholder?: string;
}) {
	return (
		<div className="field">
			<label htmlFor={id}>{label}</label>
			<div className="input-money">
				<span aria-hidden="true">$</span>
				<input
					id={id}
					inputMode="decimal"
					value={value}
					onChange={(e) => onChange(e.target.value)}
					placeholder={placeholder}
					aria-invalid={error !== undefined}
					aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`}
					data-testid={id}
				/>
			</div>
			<p id={`${id}-hint`} className="field-hint">
				{hint}
			</p>
			{error ? (
				<p id={`${id}-error`} className="field-error">
					{error}
				</p>
			) : null}
		</div>
	);
}

function ControlsCard({ controls, onSaved }: { controls: Controls; onSaved: (c: Controls) => void }) {
	const [draft, setDraft] = useState<Draft>(() => draftOf(controls));
	const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
	const [formError, setFormError] = useState<string | null>(null);
	const [status, setStatus] = useState<string | null>(null);
	const [saving, setSaving] = useState(false);
	const [freezing, setFreezing] = useState(false);
	const [freezeError, setFreezeError] = useState<string | null>(null);

	const set = (key: keyof Draft) => (value: string) => {
		setDraft((d) => ({ ...d, [key]: value }));
		setStatus(null);
	};

	async function put(next: Controls): Promise<Controls> {
		const saved = await api<Account["controls"]>("/api/account/controls", { method: "PUT", body: next });
		return controlsOf(saved);
	}

	function problemErrors(err: unknown): Partial<Record<Field, string>> {
		if (!(err instanceof ApiError)) return {};
		const found = fieldErrors(err.problem, FIELDS);
		return {
			...(found.per_purchase_cap_cents ? { per_purchase_cap_cents: found.per_purchase_cap_cents } : {}),
			...(found.daily_cap_cents ? { daily_cap_cents: found.daily_cap_cents } : {}),
			...(found.auto_approve_threshold_cents
				? { auto_approve_threshold_cents: found.auto_approve_threshold_cents }
				: {}),
			...((found.merchant_allow ?? found.allow_merchants)
				? { merchant_allow: found.merchant_allow ?? found.allow_merchants }
				: {}),
			...((found.merchant_deny ?? found.deny_merchants)
				? { merchant_deny: found.merchant_deny ?? found.deny_merchants }
				: {}),
		};
	}

	async function submit(event: FormEvent) {
		event.preventDefault();
		const local: Partial<Record<Field, string>> = {};
		const perPurchase = parseDollars(draft.perPurchase);
		const daily = parseDollars(draft.daily);
		const threshold = parseDollars(draft.threshold);
		const money = "Enter an amount in dollars, like 25 or 12.50.";
		if (Number.isNaN(perPurchase)) local.per_purchase_cap_cents = money;
		if (Number.isNaN(daily)) local.daily_cap_cents = money;
		if (threshold === null) local.auto_approve_threshold_cents = "Enter an amount; 0 asks you every time.";
		else if (Number.isNaN(threshold)) local.auto_approve_threshold_cents = money;
		const allow = splitList(draft.allow);
		const deny = splitList(draft.deny);
		const badAllow = allow.filter((s) => !SLUG.test(s));
		const badDeny = deny.filter((s) => !SLUG.test(s));
		if (badAllow.length) local.merchant_allow = `Not a service id: ${badAllow.join(", ")}.`;
		if (badDeny.length) local.merchant_deny = `Not a service id: ${badDeny.join(", ")}.`;
		setErrors(local);
		setFormError(null);
		setStatus(null);
		if (Object.keys(local).length > 0) return;
		setSaving(true);
		try {
			const saved = await put({
				per_purchase_cap_cents: perPurchase,
				daily_cap_cents: daily,
				auto_approve_threshold_cents: threshold ?? 0,
				merchant_allow: allow,
				merchant_deny: deny,
				frozen: controls.frozen,
			});
			onSaved(saved);
			setDraft(draftOf(saved));
			setStatus("Saved. New limits apply to the next purchase.");
		} catch (err) {
			const mapped = problemErrors(err);
			setErrors(mapped);
			setFormError(Object.keys(mapped).length > 0 ? "Check the highlighted fields." : describeError(err));
		} finally {
			setSaving(false);
		}
	}

	async function toggleFreeze() {
		setFreezing(true);
		setFreezeError(null);
		try {
			onSaved(await put({ ...controls, frozen: !controls.frozen }));
		} catch (err) {
			setFreezeError(describeError(err));
		} finally {
			setFreezing(false);
		}
	}

	return (
		<section className="card" aria-labelledby="controls-heading" id="controls">
			<div className="card-head">
				<h2 id="controls-heading">Spend controls</h2>
			</div>
			<p className="muted">
				Your assistant can only spend within these limits. You — never the model — set them.
			</p>
			<div className={`freeze${controls.frozen ? " freeze-on" : ""}`}>
				<div>
					<p className="freeze-title" id="freeze-label">
						Freeze spending
					</p>
					<p className="field-hint" id="freeze-hint">
						{controls.frozen
							? "Frozen: no purchase or paid call goes through until you unfreeze."
							: "A kill switch: stops every purchase and paid call at once."}
					</p>
				</div>
				<button
					type="button"
					role="switch"
					aria-checked={controls.frozen}
					aria-labelledby="freeze-label"
					aria-describedby="freeze-hint"
					className="switch"
					onClick={() => void toggleFreeze()}
					disabled={freezing}
					data-testid="frozen-toggle"
				>
					<span className="switch-thumb" />
				</button>
			</div>
			{freezeError ? (
				<p className="form-error" role="alert">
					{freezeError}
				</p>
			) : null}
			<form className="controls-form" onSubmit={submit} noValidate data-testid="controls-form">
				<div className="form-grid">
					<MoneyField
						id="per_purchase_cap"
						label="Per-purchase cap"
						hint="Largest single purchase. Empty: no cap."
						value={draft.perPurchase}
						onChange={set("perPurchase")}
						error={errors.per_purchase_cap_cents}
						placeholder="No cap"
					/>
					<MoneyField
						id="daily_cap"
						label="Daily cap"
						hint="Total spend per day. Empty: no cap."
						value={draft.daily}
						onChange={set("daily")}
						error={errors.daily_cap_cents}
						placeholder="No cap"
					/>
					<MoneyField
						id="auto_approve_threshold"
						label="Ask me above"
						hint="Purchases above this need your confirmation. 0: always ask."
						value={draft.threshold}
						onChange={set("threshold")}
						error={errors.auto_approve_threshold_cents}
					/>
				</div>
				<div className="field">
					<label htmlFor="merchant_allow">Only these services</label>
					<input
						id="merchant_allow"
						value={draft.allow}
						onChange={(e) => set("allow")(e.target.value)}
						placeholder="Any service"
						aria-invalid={errors.merchant_allow !== undefined}
						aria-describedby="merchant_allow-hint"
						data-testid="merchant_allow"
					/>
					<p id="merchant_allow-hint" className="field-hint">
						Service ids, separated by commas (e.g. fooddash, ridenow). Empty: any service.
					</p>
					{errors.merchant_allow ? <p className="field-error">{errors.merchant_allow}</p> : null}
				</div>
				<div className="field">
					<label htmlFor="merchant_deny">Never these services</label>
					<input
						id="merchant_deny"
						value={draft.deny}
						onChange={(e) => set("deny")(e.target.value)}
						placeholder="None blocked"
						aria-invalid={errors.merchant_deny !== undefined}
						aria-describedby="merchant_deny-hint"
						data-testid="merchant_deny"
					/>
					<p id="merchant_deny-hint" className="field-hint">
						Service ids, separated by commas.
					</p>
					{errors.merchant_deny ? <p className="field-error">{errors.merchant_deny}</p> : null}
				</div>
				{formError ? (
					<p className="form-error" role="alert">
						{formError}
					</p>
				) : null}
				<div className="form-actions">
					<button type="submit" className="btn btn-primary" disabled={saving} data-testid="controls-save">
						{saving ? <Spinner size={16} /> : null}
						Save limits
					</button>
					<span className="form-note" role="status" data-testid="controls-status">
						{status}
					</span>
				</div>
			</form>
		</section>
	);
}

// ── statement ────────────────────────────────────────────────────────────────────────────────────────────────────

const KINDS: Record<string, string> = {
	credit: "Credit added",
	usage: "Usage fee",
	purchase: "Purchase",
	refund: "Refund",
	adjustment: "Adjustment",
};

function amountOf(e: LedgerEntry): number {
	return e.amount_cents ?? e.amount ?? 0;
}

function balanceAfterOf(e: LedgerEntry): number | null {
	return e.balance_after_cents ?? e.balance_after ?? null;
}

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

function StatementCard({ version }: { version: number }) {
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
								const amount = amountOf(e);
								const after = balanceAfterOf(e);
								const isOpen = open === e.id;
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

// ── API keys ─────────────────────────────────────────────────────────────────────────────────────────────────────

function KeysCard({ onCreated }: { onCreated: (key: string) => void }) {
	const [keys, setKeys] = useState<ApiKey[] | null>(null);
	const [error, setError] = useState<string | null>(null);
	const [name, setName] = useState("");
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
			const key = await api<CreatedKey>("/api/account/keys", { method: "POST", body: { name: trimmed } });
			setCreated(key);
			setName("");
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
						>
							<div className="key-main">
								<span className="key-name">{k.name || "Unnamed key"}</span>
								<code className="key-prefix">{k.key_prefix}…</code>
							</div>
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

// ── connect ──────────────────────────────────────────────────────────────────────────────────────────────────────

const CLIENTS = ["claude", "cursor", "mcp-remote"] as const;
type Client = (typeof CLIENTS)[number];
const CLIENT_NAMES: Record<Client, string> = {
	claude: "Claude Desktop",
	cursor: "Cursor",
	"mcp-remote": "mcp-remote",
};

function ConnectCard({ mcpUrl, apiKey }: { mcpUrl: string; apiKey: string | null }) {
	const [tab, setTab] = useState<Client>("claude");
	const base = useId();
	const tabs = useRef<(HTMLButtonElement | null)[]>([]);
	const keyText = apiKey ?? "<your API key>";
	const signinUrl = `${mcpUrl}/signin`;

	const cursorJson = JSON.stringify(
		{ mcpServers: { penumbra: { url: mcpUrl, headers: { Authorization: `Bearer ${keyText}` } } } },
		null,
		2,
	);
	const remoteJson = JSON.stringify(
		{ mcpServers: { penumbra: { command: "npx", args: ["-y", "mcp-remote", signinUrl] } } },
		null,
		2,
	);
	const remoteKeyJson = JSON.stringify(
		{
			mcpServers: {
				penumbra: {
					command: "npx",
					// mcp-remote expands ${PENUMBRA_AUTH} itself: a header value with spaces breaks some clients' argument lists.
					// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder for mcp-remote, not a template.
					args: ["-y", "mcp-remote", mcpUrl, "--header", "Authorization:${PENUMBRA_AUTH}"],
					env: { PENUMBRA_AUTH: `Bearer ${keyText}` },
				},
			},
		},
		null,
		2,
	);

	function onKeyDown(event: KeyboardEvent<HTMLButtonElement>) {
		const index = CLIENTS.indexOf(tab);
		let next = index;
		if (event.key === "ArrowRight") next = (index + 1) % CLIENTS.length;
		else if (event.key === "ArrowLeft") next = (index - 1 + CLIENTS.length) % CLIENTS.length;
		else if (event.key === "Home") next = 0;
		else if (event.key === "End") next = CLIENTS.length - 1;
		else return;
		event.preventDefault();
		const client = CLIENTS[next];
		if (client) {
			setTab(client);
			tabs.current[next]?.focus();
		}
	}

	return (
		<section className="card" aria-labelledby="connect-heading" id="connect">
			<div className="card-head">
				<h2 id="connect-heading">Connect your assistant</h2>
			</div>
			<p className="muted">
				Use Penumbra from the assistant you already have. It gets the same five tools, your balance and your
				limits.
			</p>
			<div className="tabs" role="tablist" aria-label="Assistant" data-testid="connect-tabs">
				{CLIENTS.map((client, i) => (
					<button
						key={client}
						ref={(el) => {
							tabs.current[i] = el;
						}}
						type="button"
						role="tab"
						id={`${base}-tab-${client}`}
						aria-selected={tab === client}
						aria-controls={`${base}-panel-${client}`}
						tabIndex={tab === client ? 0 : -1}
						className="tab"
						onClick={() => setTab(client)}
						onKeyDown={onKeyDown}
						data-testid={`connect-tab-${client}`}
					>
						{CLIENT_NAMES[client]}
					</button>
				))}
			</div>
			<div
				role="tabpanel"
				id={`${base}-panel-${tab}`}
				aria-labelledby={`${base}-tab-${tab}`}
				className="tab-panel"
				data-testid="connect-panel"
			>
				{tab === "claude" ? (
					<>
						<ol className="steps">
							<li>
								In Claude Desktop open <strong>Settings → Connectors</strong> and choose{" "}
								<strong>Add custom connector</strong>.
							</li>
							<li>Name it “Penumbra” and paste this URL:</li>
						</ol>
						<div className="url-row">
							<code className="url-code" data-testid="connect-url">
								{signinUrl}
							</code>
							<CopyButton text={signinUrl} label="Copy URL" testId="connect-copy-url" />
						</div>
						<ol className="steps" start={3}>
							<li>Claude opens a sign-in page: sign in with your email code (or an API key). Done.</li>
						</ol>
					</>
				) : tab === "cursor" ? (
					<>
						<p>
							Add this to <code>.cursor/mcp.json</code> in your project (or <code>~/.cursor/mcp.json</code>{" "}
							for all projects).
							{apiKey ? " It includes the key you just created." : " Create an API key above and put it in."}
						</p>
						<CodeBlock code={cursorJson} label=".cursor/mcp.json" testId="connect-snippet" />
					</>
				) : (
					<>
						<p>
							For clients that only run local servers: <code>mcp-remote</code> bridges to Penumbra and opens
							the sign-in page in your browser the first time.
						</p>
						<CodeBlock code={remoteJson} label="MCP client config" testId="connect-snippet" />
						<p>Or connect with an API key instead of signing in:</p>
						<CodeBlock code={remoteKeyJson} label="MCP client config (API key)" />
					</>
				)}
			</div>
		</section>
	);
}

// ── page ─────────────────────────────────────────────────────────────────────────────────────────────────────────

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

	const controls = account ? controlsOf(account.controls) : null;

	return (
		<div className="page account-page">
			<header className="page-header page-header-row">
				<div>
					<h1>Account</h1>
					<p className="muted">{me?.email ?? "Signed in"}</p>
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
