import { useEffect, useId, useRef, useState } from "react";
import { IconChevron, IconSearch, IconX } from "../components/icons.tsx";
import { SignInPrompt } from "../components/SignInPrompt.tsx";
import { Notice, Spinner } from "../components/ui.tsx";
import { api, describeError } from "../lib/api.ts";
import { dollars, pluralize } from "../lib/format.ts";
import { navigate, useLocation } from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";

interface ServiceCard {
	id: string;
	name: string;
	description: string;
	category: string;
	requires_auth: boolean;
	has_purchases: boolean;
	tool_count: number;
	fees: { min_cents: number; max_cents: number };
}

interface ServiceList {
	services: ServiceCard[];
	count: number;
	categories: string[];
	next_cursor: string | null;
}

interface SearchResult {
	id: string;
	name: string;
	category: string;
	description: string;
	why: string[];
	price: string;
	requires_auth?: boolean;
	has_purchases?: boolean;
	tools: { name: string; summary: string; purchase: boolean }[];
}

interface SearchAnswer {
	results: SearchResult[];
	corrected: { from: string; to: string }[];
	expanded: { from: string; to: string[] }[];
	categories: string[];
	empty_reason?: string;
	hint?: string;
}

interface ToolInfo {
	name: string;
	summary: string;
	description?: string;
	input_schema?: { properties?: Record<string, unknown>; required?: string[] };
	fee_cents: number;
	auth_level: "anonymous" | "identified" | "authenticated";
	purchase: { kind: "precheck" | "purchase" } | null;
}

/** One card for both browsing (service cards) and search results. */
interface Entry {
	id: string;
	name: string;
	category: string;
	description: string;
	price: string;
	why: string[];
	hasPurchases: boolean;
	requiresAuth: boolean;
	toolCount: number | null;
}

const DEBOUNCE_MS = 250;

function feeText(fees: { min_cents: number; max_cents: number }): string {
	if (fees.max_cents === 0) return "Free to use";
	if (fees.min_cents === fees.max_cents) return `${dollars(fees.min_cents)} per call`;
	return `${dollars(fees.min_cents)}–${dollars(fees.max_cents)} per call`;
}

function fromCard(s: ServiceCard): Entry {
	return {
		id: s.id,
		name: s.name,
		category: s.category,
		description: s.description,
		price: feeText(s.fees),
		why: [],
		hasPurchases: s.has_purchases,
		requiresAuth: s.requires_auth,
		toolCount: s.tool_count,
	};
}

function fromResult(r: SearchResult): Entry {
	return {
		id: r.id,
		name: r.name,
		category: r.category,
		description: r.description,
		price: r.price,
		why: r.why,
		hasPurchases: r.has_purchases ?? r.tools.some((t) => t.purchase),
		requiresAuth: r.requires_auth ?? false,
		toolCount: null,
	};
}

function correctedQuery(query: string, corrected: SearchAnswer["corrected"]): string {
	let out = query;
	for (const { from, to } of corrected) {
		const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
		out = out.replace(new RegExp(`\\b${escaped}\\b`, "gi"), to);
	}
	return out;
}

function label(category: string): string {
	return category.charAt(0).toUpperCase() + category.slice(1).replaceAll("-", " ");
}

function Tools({ serviceId, id }: { serviceId: string; id: string }) {
	const [tools, setTools] = useState<ToolInfo[] | null>(null);
	const [error, setError] = useState<string | null>(null);

	useEffect(() => {
		let live = true;
		api<{ tools: ToolInfo[] }>(`/api/services/${encodeURIComponent(serviceId)}/tools`)
			.then((answer) => live && setTools(answer.tools))
			.catch((err: unknown) => live && setError(describeError(err)));
		return () => {
			live = false;
		};
	}, [serviceId]);

	if (error) {
		return (
			<p id={id} className="form-error">
				{error}
			</p>
		);
	}
	if (!tools) {
		return (
			<div id={id} className="tools-loading">
				<Spinner label="Loading tools" />
			</div>
		);
	}
	return (
		<ul id={id} className="tool-list" data-testid="service-tools">
			{tools.map((t) => {
				const inputs = Object.keys(t.input_schema?.properties ?? {});
				const required = new Set(t.input_schema?.required ?? []);
				return (
					<li key={t.name} className="tool-item" data-testid="service-tool" data-tool-name={t.name}>
						<div className="tool-item-head">
							<code className="tool-item-name">{t.name}</code>
							<span className="tool-fee">
								{t.fee_cents === 0 ? "Free" : `${dollars(t.fee_cents)} per call`}
							</span>
						</div>
						<p>{t.summary || t.description}</p>
						<div className="badges">
							{t.purchase?.kind === "purchase" ? (
								<span className="badge badge-accent">Purchase · price quoted first</span>
							) : null}
							{t.purchase?.kind === "precheck" ? <span className="badge">Price check</span> : null}
							{t.auth_level === "anonymous" ? (
								<span className="badge">Open to all</span>
							) : (
								<span className="badge">Sign-in needed</span>
							)}
						</div>
						{inputs.length > 0 ? (
							<p className="tool-inputs">
								Inputs:{" "}
								{inputs.map((name, i) => (
									<span key={name}>
										{i > 0 ? ", " : ""}
										<code>{name}</code>
										{required.has(name) ? <span title="required">*</span> : null}
									</span>
								))}
							</p>
						) : null}
					</li>
				);
			})}
		</ul>
	);
}

function ServiceEntry({ entry }: { entry: Entry }) {
	const [open, setOpen] = useState(false);
	const toolsId = useId();
	return (
		<article className="service-card" data-testid="service-card" data-service-id={entry.id}>
			<header className="service-card-head">
				<h3>{entry.name}</h3>
				<span className="chip chip-static">{label(entry.category)}</span>
			</header>
			<p className="service-desc">{entry.description}</p>
			{entry.why.length > 0 ? (
				<ul className="why" data-testid="search-why" aria-label="Why it matched">
					{entry.why.map((w) => (
						<li key={w}>{w}</li>
					))}
				</ul>
			) : null}
			<p className="service-price">{entry.price}</p>
			<div className="badges">
				{entry.hasPurchases ? <span className="badge badge-accent">Purchases</span> : null}
				{entry.requiresAuth ? <span className="badge">Sign-in needed</span> : null}
			</div>
			<div className="service-card-actions">
				<button
					type="button"
					className="btn btn-ghost btn-sm"
					aria-expanded={open}
					aria-controls={toolsId}
					onClick={() => setOpen((v) => !v)}
					data-testid="service-tools-toggle"
				>
					<IconChevron size={16} className={open ? "rotated" : undefined} />
					{open
						? "Hide tools"
						: entry.toolCount !== null
							? `Tools and fees (${entry.toolCount})`
							: "Tools and fees"}
				</button>
				<button
					type="button"
					className="btn btn-secondary btn-sm"
					onClick={() => navigate(`/?prompt=${encodeURIComponent(`Using ${entry.name}, `)}`)}
				>
					Try in chat
				</button>
			</div>
			{open ? <Tools serviceId={entry.id} id={toolsId} /> : null}
		</article>
	);
}

export default function ServicesPage() {
	const { status } = useSession();
	const { search } = useLocation();
	const [query, setQuery] = useState(() => search.get("q") ?? "");
	const [category, setCategory] = useState<string | null>(() => search.get("category"));
	const [categories, setCategories] = useState<string[]>([]);
	const [entries, setEntries] = useState<Entry[] | null>(null);
	const [answer, setAnswer] = useState<SearchAnswer | null>(null);
	const [total, setTotal] = useState<number | null>(null);
	const [error, setError] = useState<string | null>(null);
	const [loading, setLoading] = useState(true);
	const searchInput = useRef<HTMLInputElement>(null);
	const trimmed = query.trim();

	useEffect(() => {
		const params = new URLSearchParams();
		if (trimmed) params.set("q", trimmed);
		if (category) params.set("category", category);
		const qs = params.toString();
		navigate(`/services${qs ? `?${qs}` : ""}`, { replace: true, quiet: true });
	}, [trimmed, category]);

	useEffect(() => {
		const controller = new AbortController();
		setLoading(true);
		const timer = window.setTimeout(
			async () => {
				try {
					if (trimmed) {
						const params = new URLSearchParams({ q: trimmed });
						if (category) params.set("category", category);
						const found = await api<SearchAnswer>(`/api/search?${params}`, { signal: controller.signal });
						setAnswer(found);
						setEntries(found.results.map(fromResult));
						setTotal(found.results.length);
						if (found.categories.length > 0) setCategories(found.categories);
					} else {
						const params = new URLSearchParams({ limit: "100" });
						if (category) params.set("category", category);
						const page = await api<ServiceList>(`/api/services?${params}`, { signal: controller.signal });
						setAnswer(null);
						setEntries(page.services.map(fromCard));
						setTotal(page.count);
						setCategories(page.categories);
					}
					setError(null);
				} catch (err) {
					if (controller.signal.aborted) return;
					setError(describeError(err));
				} finally {
					if (!controller.signal.aborted) setLoading(false);
				}
			},
			trimmed ? DEBOUNCE_MS : 0,
		);
		return () => {
			window.clearTimeout(timer);
			controller.abort();
		};
	}, [trimmed, category]);

	const corrected = answer && answer.corrected.length > 0 ? correctedQuery(trimmed, answer.corrected) : null;

	return (
		<div className="page">
			<header className="page-header">
				<h1>Services</h1>
				<p className="muted">
					Everything your assistant can use. Browse by category or describe what you need — typos are fine.
				</p>
			</header>
			{status === "anonymous" ? (
				<SignInPrompt
					compact
					title="Browsing is open to everyone"
					body="Sign in to chat with your assistant and buy from these services."
				/>
			) : null}
			<search className="catalog-controls">
				<div className="search-box">
					<IconSearch size={18} />
					<label htmlFor="services-search" className="visually-hidden">
						Search services
					</label>
					<input
						ref={searchInput}
						id="services-search"
						className="search-input"
						type="search"
						placeholder="Try “get me a cab” or “hungry”"
						value={query}
						onChange={(e) => setQuery(e.target.value)}
						autoComplete="off"
						data-testid="services-search"
					/>
					{query ? (
						<button
							type="button"
							className="icon-btn icon-btn-sm"
							aria-label="Clear search"
							onClick={() => {
								setQuery("");
								searchInput.current?.focus();
							}}
						>
							<IconX size={16} />
						</button>
					) : null}
				</div>
				<fieldset className="chips">
					<legend className="visually-hidden">Category</legend>
					<button
						type="button"
						className="chip"
						aria-pressed={category === null}
						onClick={() => setCategory(null)}
						data-testid="category-chip"
						data-category=""
					>
						All
					</button>
					{categories.map((c) => (
						<button
							key={c}
							type="button"
							className="chip"
							aria-pressed={category === c}
							onClick={() => setCategory(category === c ? null : c)}
							data-testid="category-chip"
							data-category={c}
						>
							{label(c)}
						</button>
					))}
				</fieldset>
			</search>
			<div className="catalog-status" role="status" aria-live="polite">
				{loading ? (
					<span className="muted">
						<Spinner size={14} /> {trimmed ? "Searching…" : "Loading…"}
					</span>
				) : entries && !error ? (
					<span className="muted">
						{trimmed ? `${pluralize(total ?? 0, "result")}` : `${pluralize(total ?? 0, "service")}`}
						{category ? ` in ${label(category)}` : ""}
					</span>
				) : null}
			</div>
			{corrected && corrected.toLowerCase() !== trimmed.toLowerCase() ? (
				<p className="search-note" data-testid="search-correction">
					Showing results for <strong>{corrected}</strong>
				</p>
			) : null}
			{answer && answer.expanded.length > 0 ? (
				<p className="search-note muted">
					Also searched:{" "}
					{answer.expanded.map((e, i) => (
						<span key={e.from}>
							{i > 0 ? "; " : ""}“{e.from}” → {e.to.join(", ")}
						</span>
					))}
				</p>
			) : null}
			{error ? (
				<Notice tone="error" role="alert">
					{error}
				</Notice>
			) : null}
			{entries && entries.length === 0 && !loading && !error ? (
				<div className="empty-state" data-testid="services-empty">
					<h2>No services found</h2>
					<p className="muted">
						{answer?.hint ?? (category ? "Nothing in this category yet." : "No services are registered yet.")}
					</p>
				</div>
			) : null}
			<div className="service-grid" aria-busy={loading}>
				{(entries ?? []).map((entry) => (
					<ServiceEntry key={entry.id} entry={entry} />
				))}
			</div>
		</div>
	);
}
