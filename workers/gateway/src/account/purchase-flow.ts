import { fail, failureOf, type PendingPurchase, type Receipt, type Result } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { log } from "@penumbra/core/log";
import type { Metrics } from "@penumbra/core/metrics";
import type { CompiledService, CompiledTool } from "@penumbra/core/registry";
import { continueTrace, tagRequest } from "@penumbra/core/trace";
import { pointId } from "../metrics/record.ts";
import { buildPurchaseRequest, buildStatusRequest, statusToolOf } from "../purchase-request.ts";
import { Registry } from "../registry.ts";
import type { Attempt, Book } from "./book.ts";
import { callPurchase, lookUpPurchase, type MerchantOutcome } from "./merchant-call.ts";
import {
	CALL_DEADLINE_MARGIN_MS,
	resolveBackoff,
	type Settled,
	settlePurchase,
	startPurchase,
} from "./purchases.ts";

/** Purchases the alarm settles per run; more wait for the next run (set right after). */
const RESOLVE_BATCH = 10;

export interface PurchaseInput {
	quote_id: string;
	params_hash: string;
	service: string;
	tool: string;
	/** The caller's parameters (without the ones the gateway supplies), as JSON. */
	parameters: string;
	request_id: string;
	/** The merchant call's `traceparent` (a span of the gateway request's trace), so the logs follow the purchase. */
	traceparent?: string;
}

/** A purchase's answer to the gateway: the receipt, and the merchant's answer as JSON (null for a replay). */
export interface PurchaseAnswer {
	receipt: Receipt;
	result_json: string | null;
	replayed: boolean;
}

/** What the purchase desk needs from its Account DO: the book, the env, its metrics, and its transactions. */
export interface DeskHost {
	book: Book;
	env: GatewayEnv;
	/** Records each merchant call as an `upstream` point, as the gateway's own upstream calls are. */
	metrics: Metrics;
	credentialId(): string;
	transaction<T extends object>(fn: () => Result<T>): Result<T>;
	injectFault(point: string): void;
}

/**
 * The Account DO's purchases once the merchant may be called: the call itself (`buy`), and the alarm's resolution
 * of calls that died or whose outcome was unknown (`resolveDue`). Money moves only through the host's transactions
 * (docs/money.md, "the purchase state machine").
 */
export class PurchaseDesk {
	readonly #host: DeskHost;

	constructor(host: DeskHost) {
		this.#host = host;
	}

	/**
	 * Buys with a quote, start to finish, in this object rather than in the caller's request: the hold and the
	 * attempt (hold `in_flight`, the merchant's idempotency key, the parameters to repeat the call) are written, and
	 * the alarm set to the call's deadline, before the merchant is called. Then the answer is settled here: sold →
	 * capture and receipt; a definite refusal → release; anything else stays held and the alarm resolves it. If
	 * this call dies on the way, the alarm takes the purchase over at the deadline (docs/money.md).
	 */
	async buy(input: PurchaseInput): Promise<Result<PurchaseAnswer>> {
		const found = await this.#tool(input.service, input.tool);
		if (!found.ok) return found;
		const { service, tool } = found;
		const started = this.#host.transaction(() =>
			startPurchase(this.#host.book, { ...input, call_ms: service.timeout_ms }, Date.now()),
		);
		if (!started.ok) return started;
		if (started.receipt) return { ok: true, receipt: started.receipt, result_json: null, replayed: true };
		const { hold, attempt } = started;
		if (!hold || !attempt)
			throw new Error("unreachable: a purchase that is not done has a hold and an attempt");
		let outcome: MerchantOutcome;
		try {
			const request = this.#purchaseRequest(service, tool, attempt, input.parameters);
			request.headers.set("x-request-id", input.request_id);
			if (input.traceparent) request.headers.set("traceparent", input.traceparent);
			outcome = await callPurchase(this.#host.env, service, tool, request, hold.amount_cents, {
				metrics: this.#host.metrics,
				request_id: pointId(input.request_id),
				tool: tool.name,
			});
		} catch (error) {
			// The request could not be built (the registry's tool changed): nothing reached the merchant.
			if (!(error instanceof PenumbraError)) throw error;
			this.#host.transaction(() => {
				this.#host.book.resolveAttempt(hold.id, Date.now());
				this.#host.book.releaseHold(hold.id);
				return { ok: true };
			});
			return failureOf(error);
		}
		this.#host.injectFault("die-after-merchant");
		// A resumed purchase's earlier call may have sold: its refusal now is final only when nothing can be asked.
		const refusalIsFinal = attempt.calls === 1 || !statusToolOf(service, tool);
		return this.#answer(this.#settle(hold.id, outcome, refusalIsFinal), outcome);
	}

	async #tool(
		serviceId: string,
		toolName: string,
	): Promise<{ ok: true; service: CompiledService; tool: CompiledTool } | ReturnType<typeof failureOf>> {
		try {
			const found = await new Registry(this.#host.env.REGISTRY, this.#host.env.REGISTRY_CACHE_SECONDS).tool(
				serviceId,
				toolName,
			);
			return { ok: true, ...found };
		} catch (error) {
			if (error instanceof PenumbraError) return failureOf(error);
			throw error;
		}
	}

	#purchaseRequest(service: CompiledService, tool: CompiledTool, attempt: Attempt, parameters: string) {
		const precheck = this.#host.book.quote(attempt.quote_id)?.precheck ?? "null";
		return buildPurchaseRequest(
			this.#host.env,
			service,
			tool,
			JSON.parse(parameters) as Record<string, unknown>,
			attempt.idempotency_key,
			JSON.parse(precheck),
		);
	}

	#settle(holdId: string, outcome: MerchantOutcome, refusalIsFinal = true): Settled {
		let settled: Settled | undefined;
		const written = this.#host.transaction(() => {
			settled = settlePurchase(this.#host.book, this.#host.credentialId(), holdId, outcome, Date.now(), {
				refusalIsFinal,
			});
			return { ok: true };
		});
		if (written.ok && settled) return settled;
		// Rolled back: the hold is still in flight, and the alarm asks the merchant again at its deadline.
		log("error", "purchase could not be settled", { credential: this.#host.credentialId(), hold: holdId });
		return { state: "unknown", next_at: null };
	}

	#answer(settled: Settled, outcome: MerchantOutcome): Result<PurchaseAnswer> {
		if (settled.state === "captured") {
			return outcome.kind === "sold"
				? {
						ok: true,
						receipt: settled.receipt,
						result_json: JSON.stringify(outcome.body ?? null),
						replayed: false,
					}
				: { ok: true, receipt: settled.receipt, result_json: null, replayed: true };
		}
		if (settled.state === "released") {
			return outcome.kind === "refused"
				? failureOf(outcome.error)
				: fail("CONFLICT", "This purchase was settled without a sale; ask for a new quote.", {
						outcome: "released",
					});
		}
		const error =
			outcome.kind === "sold"
				? new PenumbraError("UPSTREAM_ERROR", {
						detail: "The merchant sold after this purchase's hold lapsed.",
					})
				: outcome.error;
		const failure = failureOf(error);
		const retryAfter =
			settled.next_at === null ? undefined : Math.max(1, Math.ceil((settled.next_at - Date.now()) / 1000));
		return fail(
			error.code,
			`${error.detail} Whether the purchase went through is not known yet: the amount stays reserved, and this account settles it with the merchant on its own (a status lookup, or the same call with the same idempotency key, which the merchant never sells twice). Retry with the same quote_id for the outcome.`,
			{
				...failure.extras,
				outcome: "unknown",
				...(retryAfter === undefined ? {} : { retry_after_seconds: retryAfter }),
			},
			failure.status,
		);
	}

	/** Purchases not settled yet, for the owner: amount held, since when, what happens next. */
	pending(): PendingPurchase[] {
		return this.#host.book.pendingPurchases().flatMap(({ hold, attempt }) => {
			if (!hold.quote_id || !hold.service || !hold.tool || hold.status === "active") return [];
			const status = hold.status === "in_flight" ? "in_flight" : "unknown";
			const nextAt = attempt?.next_at ?? null;
			const when = nextAt === null ? "" : new Date(nextAt).toISOString();
			const next =
				status === "in_flight"
					? `The merchant is being asked; if no answer is settled by ${when}, this account takes the purchase over and asks the merchant again.`
					: nextAt !== null
						? `The merchant's answer did not say whether it sold (${attempt?.last_error ?? "unknown"}); this account asks it again at ${when}, then captures or releases the amount.`
						: `Waiting: ${attempt?.last_error ?? "the outcome is unknown"}. A retry with the same quote_id asks the merchant again; the amount stays reserved meanwhile.`;
			return [
				{
					hold_id: hold.id,
					quote_id: hold.quote_id,
					service: hold.service,
					tool: hold.tool,
					amount_cents: hold.amount_cents,
					status,
					since: attempt?.started_at ?? hold.created_at,
					calls: attempt?.calls ?? 0,
					next_check_at: nextAt,
					next,
				},
			];
		});
	}

	/** The alarm's part: every attempt that is due (a call past its deadline, an unknown outcome due to be asked). */
	async resolveDue(now: number): Promise<void> {
		for (const attempt of this.#host.book.dueAttempts(now, RESOLVE_BATCH)) {
			try {
				await this.#resolve(attempt);
			} catch (error) {
				log("error", "purchase resolution failed; will retry", {
					credential: this.#host.credentialId(),
					hold: attempt.hold_id,
					error,
				});
				this.#schedule(attempt.hold_id, Date.now() + resolveBackoff(attempt.calls), "resolution failed");
			}
		}
	}

	#schedule(holdId: string, nextAt: number | null, why: string): void {
		this.#host.transaction(() => {
			this.#host.book.scheduleAttempt(holdId, nextAt, why);
			return { ok: true };
		});
	}

	/**
	 * Asks the merchant again about a purchase whose call died or whose outcome was unknown: its status operation
	 * if it declares one (`x-purchase-status`), else the same purchase with the same idempotency key (which the
	 * merchant dedupes). A frozen account only looks up: it never sends a purchase, not even a repeat.
	 */
	async #resolve(attempt: Attempt): Promise<void> {
		const found = await this.#tool(attempt.service, attempt.tool);
		const now = Date.now();
		const hold = this.#host.book.hold(attempt.hold_id);
		if (!hold || (hold.status !== "in_flight" && hold.status !== "unknown")) return;
		if (now >= hold.expires_at) {
			log("error", "purchase unresolved past its window", {
				credential: this.#host.credentialId(),
				hold: hold.id,
			});
			return this.#schedule(hold.id, null, "unresolved past the hold's resolution window: needs review");
		}
		if (!found.ok) {
			return this.#schedule(
				hold.id,
				now + resolveBackoff(attempt.calls),
				`${attempt.service} is not in the registry`,
			);
		}
		const { service, tool } = found;
		const statusTool = statusToolOf(service, tool);
		if (!statusTool && this.#host.book.controls().frozen) {
			return this.#schedule(
				hold.id,
				now + resolveBackoff(attempt.calls),
				"the account is frozen: no repeat of the purchase",
			);
		}
		if (!statusTool && attempt.parameters === null) {
			return this.#schedule(
				hold.id,
				null,
				"the parameters to repeat it are not stored (a purchase from before schema version 3)",
			);
		}
		const taken = this.#host.transaction(() => {
			const current = this.#host.book.attempt(hold.id);
			if (!current || current.resolved_at !== null || current.next_at === null || current.next_at > now)
				return fail("CONFLICT", "taken");
			this.#host.book.retakeCall(hold.id, now + service.timeout_ms + CALL_DEADLINE_MARGIN_MS);
			return { ok: true };
		});
		if (!taken.ok) return;
		let outcome: MerchantOutcome;
		try {
			const request = statusTool
				? buildStatusRequest(this.#host.env, service, statusTool, attempt.idempotency_key)
				: this.#purchaseRequest(service, tool, attempt, attempt.parameters ?? "{}");
			// The purchase's own request id and trace (none for an attempt from before schema version 7).
			const origin = { request_id: attempt.request_id ?? "", trace: continueTrace(attempt.traceparent) };
			if (attempt.request_id) tagRequest(request.headers, origin);
			const observer = {
				metrics: this.#host.metrics,
				request_id: pointId(origin.request_id),
				tool: (statusTool ?? tool).name,
			};
			outcome = await (statusTool
				? lookUpPurchase(this.#host.env, service, tool, request, hold.amount_cents, observer)
				: callPurchase(this.#host.env, service, tool, request, hold.amount_cents, observer));
		} catch (error) {
			if (!(error instanceof PenumbraError)) throw error;
			outcome = { kind: "unknown", error };
		}
		this.#settle(hold.id, outcome);
	}
}
