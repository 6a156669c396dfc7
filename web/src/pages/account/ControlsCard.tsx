import { type FormEvent, useState } from "react";
import { Spinner } from "../../components/ui.tsx";
import { ApiError, api, describeError, fieldErrors } from "../../lib/api.ts";
import { centsToInput, parseDollars } from "../../lib/format.ts";
import type { Controls } from "./data.ts";

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

export function ControlsCard({ controls, onSaved }: { controls: Controls; onSaved: (c: Controls) => void }) {
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
		return api<Controls>("/api/account/controls", { method: "PUT", body: next });
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
			// Freezing changes nothing else (and anyone with access may pull it); unfreezing is the owner's PUT.
			onSaved(
				controls.frozen
					? await put({ ...controls, frozen: false })
					: await api<Controls>("/api/account/freeze", { method: "POST" }),
			);
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
