import { type AuthLevel, levelRank } from "../auth-levels.ts";
import type { ServiceCard } from "../contracts/services.ts";
import type { CompiledTool, PurchaseMeta, RefusedChange, ToolCeiling } from "./types.ts";

/** The per-tool ceiling of a build the operator published (what `providers build`/`seed` compiled). */
export function ceilingOf(tools: readonly CompiledTool[]): ToolCeiling[] {
	return tools.map((t) => ({
		name: t.name,
		fee_cents: t.fee_cents,
		auth_level: t.auth_level,
		purchase: t.purchase ?? null,
	}));
}

/** The card fields that follow from a service's tools. */
export function toolTotals(
	tools: readonly CompiledTool[],
): Pick<ServiceCard, "requires_auth" | "has_purchases" | "tool_count" | "fees"> {
	const fees = tools.map((t) => t.fee_cents);
	return {
		requires_auth: tools.some((t) => t.auth_level !== "anonymous"),
		has_purchases: tools.some((t) => t.purchase?.kind === "purchase"),
		tool_count: tools.length,
		fees: {
			min_cents: fees.length ? Math.min(...fees) : 0,
			max_cents: fees.length ? Math.max(...fees) : 0,
		},
	};
}

function samePurchase(a: PurchaseMeta | null, b: PurchaseMeta | null): boolean {
	if (a === null || b === null) return a === b;
	if (a.kind === "precheck" || b.kind === "precheck")
		return a.kind === b.kind && a.amount_path === b.amount_path;
	return (
		a.precheck === b.precheck &&
		a.request_amount_path === b.request_amount_path &&
		a.request_currency_path === b.request_currency_path &&
		a.amount_path === b.amount_path &&
		a.transaction_id_path === b.transaction_id_path &&
		JSON.stringify(a.result ?? null) === JSON.stringify(b.result ?? null) &&
		a.status === b.status
	);
}

function withLimits(
	tool: CompiledTool,
	fee: number,
	level: AuthLevel,
	purchase: PurchaseMeta | null,
): CompiledTool {
	const { purchase: _, ...rest } = tool;
	return { ...rest, fee_cents: fee, auth_level: level, ...(purchase ? { purchase } : {}) };
}

function clampKnown(tool: CompiledTool, cap: ToolCeiling, refused: RefusedChange[]): CompiledTool {
	const refuse = (field: RefusedChange["field"], wanted: unknown, kept: unknown) =>
		refused.push({ tool: tool.name, field, wanted, kept });
	let fee = tool.fee_cents;
	if (fee > cap.fee_cents) {
		refuse("fee_cents", fee, cap.fee_cents);
		fee = cap.fee_cents;
	}
	let level = tool.auth_level;
	if (levelRank(level) < levelRank(cap.auth_level)) {
		refuse("auth_level", level, cap.auth_level);
		level = cap.auth_level;
	}
	const wanted = tool.purchase ?? null;
	if (!samePurchase(wanted, cap.purchase)) refuse("purchase", wanted, cap.purchase);
	return withLimits(tool, fee, level, cap.purchase);
}

/**
 * Rule for a tool the seeded build did not have: the operator never priced or leveled it, so it gets the most
 * restrictive values the operator published for this service. Its fee is at most the service's highest ceiling fee
 * and its auth level at least the service's strictest ceiling level (either clamped and recorded). A new tool with
 * purchase metadata (a purchase or a precheck) is refused outright and not served: a new money flow needs a reseed.
 */
function clampNew(
	tool: CompiledTool,
	ceiling: readonly ToolCeiling[],
	refused: RefusedChange[],
): CompiledTool | undefined {
	if (tool.purchase) {
		refused.push({ tool: tool.name, field: "tool", wanted: { purchase: tool.purchase }, kept: null });
		return undefined;
	}
	const maxFee = ceiling.length ? Math.max(...ceiling.map((c) => c.fee_cents)) : 0;
	const strictest = ceiling.reduce<AuthLevel>(
		(level, c) => (levelRank(c.auth_level) > levelRank(level) ? c.auth_level : level),
		ceiling.length ? "anonymous" : "authenticated",
	);
	return clampKnown(
		tool,
		{ name: tool.name, fee_cents: maxFee, auth_level: strictest, purchase: null },
		refused,
	);
}

/**
 * Holds a recompiled spec's tools to the operator's ceiling: a fee may go down and a level up, never the other
 * way; purchase metadata stays exactly as published. Returns the tools to serve and every refused field.
 */
export function applyCeiling(
	tools: readonly CompiledTool[],
	ceiling: readonly ToolCeiling[],
): { tools: CompiledTool[]; refused: RefusedChange[] } {
	const byName = new Map(ceiling.map((c) => [c.name, c]));
	const refused: RefusedChange[] = [];
	const kept: CompiledTool[] = [];
	for (const tool of tools) {
		const cap = byName.get(tool.name);
		const next = cap ? clampKnown(tool, cap, refused) : clampNew(tool, ceiling, refused);
		if (next) kept.push(next);
	}
	return { tools: kept, refused };
}
