import { type Failure, fail, type SpendControls } from "@penumbra/core/contracts";

export function frozenFailure(): Failure {
	return fail("BUDGET_EXCEEDED", "This account is frozen by its owner: nothing can be bought.", {
		limit: "frozen",
	});
}

/**
 * The owner's limits for one purchase of `amountCents` from `service`, given what was spent today; a failure names
 * the limit.
 */
export function checkControls(
	controls: SpendControls,
	service: string,
	amountCents: number,
	spentTodayCents: () => number,
): Failure | null {
	if (controls.frozen) return frozenFailure();
	if (controls.merchant_deny.includes(service)) {
		return fail("BUDGET_EXCEEDED", `The owner does not allow purchases from ${service}.`, {
			limit: "merchant_deny",
		});
	}
	if (controls.merchant_allow.length > 0 && !controls.merchant_allow.includes(service)) {
		return fail("BUDGET_EXCEEDED", `${service} is not on the owner's list of allowed merchants.`, {
			limit: "merchant_allow",
		});
	}
	if (controls.per_purchase_cap_cents !== null && amountCents > controls.per_purchase_cap_cents) {
		return fail(
			"BUDGET_EXCEEDED",
			`${amountCents}¢ is above the owner's per-purchase cap of ${controls.per_purchase_cap_cents}¢.`,
			{ limit: "per_purchase_cap", cap_cents: controls.per_purchase_cap_cents },
		);
	}
	if (controls.daily_cap_cents !== null) {
		const spent = spentTodayCents();
		if (spent + amountCents > controls.daily_cap_cents) {
			return fail(
				"BUDGET_EXCEEDED",
				`This would bring today's purchases to ${spent + amountCents}¢, above the owner's daily cap of ${controls.daily_cap_cents}¢.`,
				{ limit: "daily_cap", cap_cents: controls.daily_cap_cents, spent_today_cents: spent },
			);
		}
	}
	return null;
}
