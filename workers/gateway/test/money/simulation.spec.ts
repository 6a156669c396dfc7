import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { CompiledService } from "@penumbra/core/registry";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
	addServices,
	call,
	createKey,
	json,
	ownerKeyOf,
	providerService,
	sandboxOrigin,
} from "../helpers.ts";
import {
	ADMIN,
	account,
	autoApprove,
	books,
	buy,
	credit,
	expectBalancedBooks,
	expectMirrored,
	order,
	prng,
	quote,
	type ReceiptView,
} from "./money.ts";

/**
 * Seeded simulation of one account's life: credits (and their duplicates), quotes and purchases at merchants that
 * behave, refuse, overcharge, undercharge or stop answering, retries of the same quote (one at a time and at once),
 * refunds, usage fees, holds that are captured, released or left to expire by alarm, a neighbour trying to use the
 * account's quotes, and bursts of all of it at once. After every step the books must balance (see
 * expectBalancedBooks), the balance must equal what the answers said happened, and the neighbour's books must not
 * move. Fixed seeds run in CI; `npx node bench/soak.ts` runs many more. A failure names its seed and the steps taken.
 */

const CI_SEEDS = [1, 2, 3, 4, 5];
const CI_STEPS = 60;

const SoakSchema = z.object({
	VITE_PENUMBRA_SOAK_SEEDS: z
		.string()
		.regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, "seeds look like 1,2,10-20")
		.optional(),
	VITE_PENUMBRA_SOAK_STEPS: z.coerce.number().int().min(1).max(100_000).optional(),
});

function seedList(spec: string): number[] {
	return spec.split(",").flatMap((part) => {
		const [from = 0, to = from] = part.split("-").map(Number);
		return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
	});
}

// bench/soak.ts passes its seeds through Vite's VITE_* environment (the only way into the test runtime).
const soak = SoakSchema.parse(Reflect.get(import.meta, "env") ?? {});
const SEEDS = soak.VITE_PENUMBRA_SOAK_SEEDS ? seedList(soak.VITE_PENUMBRA_SOAK_SEEDS) : CI_SEEDS;
const STEPS = soak.VITE_PENUMBRA_SOAK_STEPS ?? CI_STEPS;

type Refusal = 409 | 422 | 503;
interface Faults {
	refusal: Refusal;
	/** What greedydash charges beyond the quote (negative: less). */
	delta: number;
	lostUp: boolean;
}

function variant(
	id: string,
	faults: string | null,
	overrides: Partial<CompiledService> = {},
): CompiledService {
	const fooddash = providerService("fooddash");
	return {
		...fooddash,
		card: { ...fooddash.card, id },
		upstream: faults ? `${sandboxOrigin()}/_fault/${faults}/fooddash` : `${sandboxOrigin()}/fooddash`,
		...overrides,
	};
}

async function applyFaults(f: Faults): Promise<void> {
	await addServices(
		variant("refusedash", `status=${f.refusal},only=checkout`),
		variant("greedydash", `amount-delta=${f.delta},only=checkout`),
		f.lostUp
			? variant("lostdash", null)
			: variant("lostdash", "hang=2000,only=checkout", { timeout_ms: 150 }),
	);
}

const SERVICES = ["fooddash", "fooddash", "fooddash", "refusedash", "greedydash", "lostdash"] as const;
type Service = (typeof SERVICES)[number];

interface OpenQuote {
	quote_id: string;
	service: Service;
	parameters: Record<string, unknown>;
	amount: number;
}

interface TrackedHold {
	id: string;
	key: string;
	amount: number;
	expires_at: number;
	capture?: { key: string; amount: number; entry: string };
	resolved: boolean;
}

interface World {
	seed: number;
	random: () => number;
	trace: string[];
	owner: { id: string; key: string };
	neighbour: { id: string; key: string };
	neighbourAudit: unknown;
	orders: Record<string, unknown>[];
	faults: Faults;
	cap: number | null;
	/** What the answers say the balance is. */
	balance: number;
	credits: { reference: string; amount: number }[];
	open: OpenQuote[];
	unknown: OpenQuote[];
	bought: { quote: OpenQuote; receipt: ReceiptView; refunded: number }[];
	refunds: { receipt: string; reference: string; amount: number }[];
	holds: TrackedHold[];
	/** Set while actions run at once: an answer then depends on what the others did first. */
	concurrent: boolean;
	/** Quotes being bought right now, so concurrent actions each follow a quote of their own. */
	busy: Set<string>;
	counter: number;
}

const FEE_TOOL = "get_menu";

function pick<T>(w: World, items: readonly T[]): T | undefined {
	return items[Math.floor(w.random() * items.length)];
}

function between(w: World, low: number, high: number): number {
	return low + Math.floor(w.random() * (high - low + 1));
}

function nextId(w: World, what: string): string {
	w.counter += 1;
	return `sim-${w.seed}-${what}-${w.counter}`;
}

async function available(w: World): Promise<number> {
	return (await account(w.owner.id).summary()).available_cents;
}

/**
 * What was available before a call, plus what holds expiring by its end may have given back meanwhile: the most the
 * call could have spent.
 */
function atMost(w: World, funds: number): number {
	const now = Date.now();
	return (
		funds + w.holds.filter((h) => !h.resolved && h.expires_at <= now).reduce((sum, h) => sum + h.amount, 0)
	);
}

interface ProblemBody {
	code: string;
	limit?: string;
	outcome?: string;
	refundable_cents?: number;
}

// ── actions ─────────────────────────────────────────────────────────────────────────────────────────

async function creditNew(w: World): Promise<string> {
	const amount = between(w, 100, 5_000);
	const reference = nextId(w, "credit");
	const response = await credit(w.owner.id, amount, reference);
	expect(response.status).toBe(200);
	w.credits.push({ reference, amount });
	w.balance += amount;
	return `credit ${amount} (${reference})`;
}

async function creditAgain(w: World): Promise<string> {
	const previous = pick(w, w.credits);
	if (!previous) return creditNew(w);
	const same = w.random() < 0.7;
	const response = await credit(w.owner.id, same ? previous.amount : previous.amount + 1, previous.reference);
	if (same) expect(await json(response)).toMatchObject({ replayed: true });
	else expect(response.status).toBe(409);
	return `credit ${previous.reference} again (${same ? "same amount" : "other amount"})`;
}

async function newQuote(w: World): Promise<string> {
	const service = pick(w, SERVICES) ?? "fooddash";
	const parameters = pick(w, w.orders) ?? {};
	const q = await quote(w.owner.key, parameters, service);
	w.open.push({ quote_id: q.quote_id, service, parameters, amount: q.amount_cents });
	return `quote ${service} ${q.amount_cents}`;
}

function free<T extends { quote_id: string }>(w: World, items: readonly T[]): T[] {
	return items.filter((i) => !w.busy.has(i.quote_id));
}

function remove(list: OpenQuote[], q: OpenQuote): void {
	const at = list.indexOf(q);
	if (at >= 0) list.splice(at, 1);
}

/** Buys with a quote and checks the answer against the merchant's behaviour and the funds the DO had. */
async function purchase(w: World, q: OpenQuote, resuming = false): Promise<string> {
	w.busy.add(q.quote_id);
	try {
		return await purchaseChecked(w, q, resuming);
	} finally {
		w.busy.delete(q.quote_id);
	}
}

async function purchaseChecked(w: World, q: OpenQuote, resuming: boolean): Promise<string> {
	const funds = w.concurrent ? Number.NaN : await available(w);
	const faults = { ...w.faults };
	const already = w.bought.find((b) => b.quote.quote_id === q.quote_id);
	const response = await buy(w.owner.key, q.parameters, q.quote_id, q.service);
	const body = await json<{ receipt?: ReceiptView; replayed?: boolean } & ProblemBody>(response);
	const tag = `buy ${q.service} ${q.amount}${resuming ? " (resume)" : ""}${already ? " (again)" : ""} → ${response.status}`;
	if (already) {
		// A quote that has a receipt answers with it, whatever the funds, caps or merchant are now.
		expect({ status: response.status, replayed: body.replayed, receipt: body.receipt?.id }).toEqual({
			status: 200,
			replayed: true,
			receipt: already.receipt.id,
		});
		return tag;
	}
	if (!resuming && w.cap !== null && q.amount > w.cap) {
		expect({ status: response.status, limit: body.limit }).toEqual({
			status: 403,
			limit: "per_purchase_cap",
		});
		return tag;
	}
	if (response.status === 402) {
		expect(body.code).toBe("INSUFFICIENT_FUNDS");
		if (!w.concurrent) expect(funds, "402 only when funds are short").toBeLessThan(q.amount);
		return tag;
	}
	if (!w.concurrent && !resuming)
		expect(atMost(w, funds), "no purchase beyond the funds").toBeGreaterThanOrEqual(q.amount);
	if (q.service === "refusedash") {
		const expected = {
			409: [409, "CONFLICT"],
			422: [422, "VALIDATION_FAILED"],
			503: [502, "UPSTREAM_ERROR"],
		};
		expect([response.status, body.code]).toEqual(expected[faults.refusal]);
		return tag;
	}
	if (q.service === "lostdash" && !faults.lostUp) {
		expect([response.status, body.outcome]).toEqual([504, "unknown"]);
		if (!resuming) {
			remove(w.open, q);
			w.unknown.push(q);
		}
		return tag;
	}
	expect(response.status, JSON.stringify(body)).toBe(200);
	const receipt = body.receipt;
	if (!receipt) throw new Error("no receipt");
	expect(body.replayed).toBe(false);
	const expectedAmount = q.service === "greedydash" ? Math.min(q.amount, q.amount + faults.delta) : q.amount;
	expect(receipt.amount_cents).toBe(expectedAmount);
	expect(receipt.flagged).toBe(q.service === "greedydash" && faults.delta > 0);
	w.balance -= receipt.amount_cents;
	w.bought.push({ quote: q, receipt, refunded: 0 });
	remove(resuming ? w.unknown : w.open, q);
	return tag;
}

async function buyOpen(w: World): Promise<string> {
	const q = pick(w, free(w, w.open));
	return q ? purchase(w, q) : newQuote(w);
}

async function buyAgain(w: World): Promise<string> {
	const done = pick(
		w,
		w.bought.filter((b) => !w.busy.has(b.quote.quote_id)),
	);
	// The model charges nothing for it: a second charge would show as a balance below the model's.
	return done ? purchase(w, done.quote) : buyOpen(w);
}

/** The same fresh quote bought several times at once: one receipt, charged once. */
async function buyTwiceAtOnce(w: World): Promise<string> {
	const q = free(w, w.open).find((o) => o.service === "fooddash");
	if (!q) return newQuote(w);
	const copies = between(w, 2, 4);
	const responses = await Promise.all(
		Array.from({ length: copies }, () => buy(w.owner.key, q.parameters, q.quote_id)),
	);
	const bodies = await Promise.all(
		responses.map((r) => json<{ receipt?: ReceiptView; replayed?: boolean } & ProblemBody>(r)),
	);
	const receipts = bodies.flatMap((b) => (b.receipt ? [b.receipt] : []));
	expect(new Set(receipts.map((r) => r.id)).size).toBeLessThanOrEqual(1);
	expect(bodies.filter((b) => b.receipt && !b.replayed).length).toBeLessThanOrEqual(1);
	for (const [i, r] of responses.entries()) {
		if (r.status !== 200) expect([402, 403, 409]).toContain(r.status);
		if (r.status === 409) expect(bodies[i]?.code).toBe("CONFLICT");
	}
	const receipt = receipts[0];
	if (receipt) {
		w.balance -= receipt.amount_cents;
		w.bought.push({ quote: q, receipt, refunded: 0 });
		remove(w.open, q);
	}
	return `buy ${q.quote_id.slice(0, 10)} ×${copies} at once → ${responses.map((r) => r.status).join(",")}`;
}

async function resumeUnknown(w: World): Promise<string> {
	const q = pick(w, free(w, w.unknown));
	return q ? purchase(w, q, true) : buyOpen(w);
}

async function neighbourTries(w: World): Promise<string> {
	const q = pick(w, [...w.open, ...w.unknown]);
	if (!q) return newQuote(w);
	const response = await buy(w.neighbour.key, q.parameters, q.quote_id, q.service);
	expect(response.status).toBe(404);
	const confirm = await call(`/v1/quotes/${q.quote_id}/confirm`, {
		key: ownerKeyOf(w.neighbour.key),
		method: "POST",
	});
	expect(confirm.status).toBe(404);
	return "neighbour tries the owner's quote → 404";
}

async function refund(w: World): Promise<string> {
	const target = pick(
		w,
		w.bought.filter((b) => b.receipt.amount_cents > b.refunded),
	);
	if (!target) return buyOpen(w);
	const repeat = pick(
		w,
		w.refunds.filter((r) => r.receipt === target.receipt.id),
	);
	// The admin API finds a receipt's owner through the D1 mirror.
	await account(w.owner.id).flush();
	const refundable = target.receipt.amount_cents - target.refunded;
	const replay = repeat !== undefined && w.random() < 0.3;
	const amount = replay && repeat ? repeat.amount : between(w, 1, refundable + 20);
	const reference = replay && repeat ? repeat.reference : nextId(w, "refund");
	const response = await call(`/v1/admin/receipts/${target.receipt.id}/refund`, {
		headers: ADMIN,
		body: { amount_cents: amount, reference },
	});
	const body = await json<{ replayed?: boolean; balance_cents?: number } & ProblemBody>(response);
	if (replay) {
		expect({ status: response.status, replayed: body.replayed }).toEqual({ status: 200, replayed: true });
		return `refund ${amount} of ${target.receipt.id} again (${reference})`;
	}
	if (amount > refundable) {
		expect([response.status, body.refundable_cents]).toEqual([400, refundable]);
		return `refund ${amount} > refundable ${refundable} → 400`;
	}
	expect(response.status, JSON.stringify(body)).toBe(200);
	target.refunded += amount;
	w.refunds.push({ receipt: target.receipt.id, reference, amount });
	w.balance += amount;
	return `refund ${amount} of ${target.receipt.id}`;
}

async function paidCall(w: World): Promise<string> {
	const tool = providerService("fooddash").tools.find((t) => t.name === FEE_TOOL);
	if (!tool) throw new Error(`fooddash has no ${FEE_TOOL}`);
	const funds = w.concurrent ? Number.NaN : await available(w);
	const response = await call(`/v1/services/fooddash/tools/${FEE_TOOL}`, {
		key: w.owner.key,
		body: { parameters: { restaurant_id: w.orders[0]?.restaurant_id } },
	});
	if (response.status === 200) {
		if (!w.concurrent) expect(atMost(w, funds)).toBeGreaterThanOrEqual(tool.fee_cents);
		w.balance -= tool.fee_cents;
	} else {
		expect([402, 429]).toContain(response.status);
		if (response.status === 402 && !w.concurrent) expect(funds).toBeLessThan(tool.fee_cents);
	}
	return `${FEE_TOOL} (${tool.fee_cents}¢) → ${response.status}`;
}

async function holdFunds(w: World): Promise<string> {
	const amount = between(w, 1, 2_000);
	const key = nextId(w, "hold");
	const funds = w.concurrent ? Number.NaN : await available(w);
	const result = await account(w.owner.id).hold({
		key,
		kind: "usage",
		amount_cents: amount,
		ttl_ms: between(w, 1_000, 3_000),
	});
	if ("code" in result) {
		expect(result.code).toBe("INSUFFICIENT_FUNDS");
		if (!w.concurrent) expect(funds).toBeLessThan(amount);
		return `hold ${amount} → 402`;
	}
	if (!w.concurrent) expect(atMost(w, funds)).toBeGreaterThanOrEqual(amount);
	w.holds.push({ id: result.hold.id, key, amount, expires_at: result.hold.expires_at, resolved: false });
	return `hold ${amount}`;
}

async function resolveHold(w: World): Promise<string> {
	const hold = pick(
		w,
		w.holds.filter((h) => !h.resolved),
	);
	if (!hold) return holdFunds(w);
	const stub = account(w.owner.id);
	const release = w.random() < 0.3;
	const captureAmount = between(w, 0, hold.amount);
	const key = nextId(w, release ? "release" : "capture");
	const result = release
		? await stub.release({ key, hold_id: hold.id })
		: await stub.capture({ key, hold_id: hold.id, amount_cents: captureAmount });
	hold.resolved = true;
	if (!result.ok) {
		// Only the alarm resolves a hold behind our back, and only once it has expired.
		expect(result).toMatchObject({ code: "CONFLICT", extras: { status: "released" } });
		expect(Date.now()).toBeGreaterThanOrEqual(hold.expires_at);
		return `${release ? "release" : "capture"} expired hold → 409`;
	}
	if ("entry" in result) {
		hold.capture = { key, amount: captureAmount, entry: result.entry.id };
		w.balance -= captureAmount;
	}
	return release ? `release ${hold.amount}` : `capture ${captureAmount} of ${hold.amount}`;
}

async function captureAgain(w: World): Promise<string> {
	const hold = pick(
		w,
		w.holds.filter((h) => h.capture),
	);
	if (!hold?.capture) return resolveHold(w);
	const stub = account(w.owner.id);
	const same = await stub.capture({
		key: hold.capture.key,
		hold_id: hold.id,
		amount_cents: hold.capture.amount,
	});
	expect(same).toMatchObject({ ok: true, replayed: true, entry: { id: hold.capture.entry } });
	const other = await stub.capture({
		key: nextId(w, "capture"),
		hold_id: hold.id,
		amount_cents: hold.capture.amount,
	});
	expect(other).toMatchObject({ ok: false, code: "CONFLICT" });
	return `capture ${hold.id} again: same key replays, another key 409`;
}

async function alarm(w: World): Promise<string> {
	const at = Date.now();
	await runDurableObjectAlarm(account(w.owner.id));
	const b = await books(w.owner.id);
	for (const h of w.holds.filter((t) => !t.resolved && t.expires_at < at)) {
		expect(b.holds.find((s) => s.id === h.id)?.status, `hold ${h.id} expired at ${h.expires_at}`).toBe(
			"released",
		);
		h.resolved = true;
	}
	return "alarm";
}

async function changeFaults(w: World): Promise<string> {
	w.faults = {
		refusal: pick(w, [409, 422, 503] as const) ?? 422,
		delta: pick(w, [150, -100, 40]) ?? 150,
		lostUp: w.random() < 0.6,
	};
	await applyFaults(w.faults);
	return `faults: refusedash ${w.faults.refusal}, greedydash ${w.faults.delta}, lostdash ${w.faults.lostUp ? "up" : "down"}`;
}

/** The merchant stays down for 20 minutes: holds with unknown outcomes outlive their expiry. */
async function timePasses(w: World): Promise<string> {
	await runInDurableObject(account(w.owner.id), (_instance, state) => {
		state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE status = 'unknown'", Date.now() - 1);
	});
	return "unknown holds outlive their expiry";
}

async function setCap(w: World): Promise<string> {
	w.cap = pick(w, [null, null, 2_000, 3_500]) ?? null;
	const response = await call("/v1/account/controls", {
		key: ownerKeyOf(w.owner.key),
		method: "PUT",
		body: { auto_approve_threshold_cents: 10_000_000, per_purchase_cap_cents: w.cap },
	});
	expect(response.status).toBe(200);
	return `per-purchase cap ${w.cap ?? "none"}`;
}

type Action = (w: World) => Promise<string>;

const SOLO: [number, Action][] = [
	[6, creditNew],
	[2, creditAgain],
	[8, newQuote],
	[10, buyOpen],
	[3, buyAgain],
	[2, buyTwiceAtOnce],
	[2, resumeUnknown],
	[2, neighbourTries],
	[3, refund],
	[3, paidCall],
	[4, holdFunds],
	[4, resolveHold],
	[1, captureAgain],
	[2, alarm],
	[2, changeFaults],
	[1, timePasses],
	[1, setCap],
];

/** Actions whose answers stay checkable when they run at once. */
const BURSTABLE: Action[] = [creditNew, buyOpen, paidCall, holdFunds, buyAgain, neighbourTries];

function choose(w: World): Action {
	const total = SOLO.reduce((sum, [weight]) => sum + weight, 0);
	let roll = w.random() * total;
	for (const [weight, action] of SOLO) {
		roll -= weight;
		if (roll < 0) return action;
	}
	return creditNew;
}

async function step(w: World): Promise<string> {
	if (w.random() < 0.15) {
		const actions = Array.from({ length: between(w, 2, 5) }, () => pick(w, BURSTABLE) ?? creditNew);
		// Distinct quotes per concurrent buy, so each answer still names one quote's fate.
		w.concurrent = true;
		try {
			const tags = await Promise.all(actions.map((a) => a(w)));
			return `burst [${tags.join(" | ")}]`;
		} finally {
			w.concurrent = false;
		}
	}
	return choose(w)(w);
}

async function invariants(w: World): Promise<void> {
	const b = await expectBalancedBooks(w.owner.id);
	expect(b.balance, "balance = what the answers said").toBe(w.balance);
	const unknown = b.holds.filter((h) => h.status === "unknown").length;
	expect(unknown, "unknown holds = purchases left unknown").toBe(w.unknown.length);
	expect(await account(w.neighbour.id).audit(), "the neighbour's books do not move").toEqual(
		w.neighbourAudit,
	);
}

let orders: Record<string, unknown>[] = [];

beforeAll(async () => {
	const scout = await createKey("authenticated", "scout@example.com");
	orders = [await order(scout.key, 2), await order(scout.key, 3), await order(scout.key, 5)];
});

describe("seeded money simulation", () => {
	it.each(SEEDS)(
		"seed %i: after every step the books balance and agree with every answer",
		async (seed) => {
			const owner = await createKey("authenticated", `owner-${seed}@example.com`, 5_000);
			const neighbour = await createKey("authenticated", `neighbour-${seed}@example.com`, 1_000);
			await autoApprove(owner.key);
			await autoApprove(neighbour.key);
			const w: World = {
				seed,
				random: prng(seed),
				trace: [],
				owner,
				neighbour,
				neighbourAudit: await account(neighbour.id).audit(),
				orders,
				faults: { refusal: 422, delta: 150, lostUp: true },
				cap: null,
				balance: 5_000,
				credits: [],
				open: [],
				unknown: [],
				bought: [],
				refunds: [],
				holds: [],
				concurrent: false,
				busy: new Set(),
				counter: 0,
			};
			await applyFaults(w.faults);
			let n = 0;
			try {
				for (n = 1; n <= STEPS; n++) {
					w.trace.push(`${n}. ${await step(w)}`);
					await invariants(w);
				}
				await expectMirrored(owner.id);
			} catch (error) {
				const message = error instanceof Error ? error.message : String(error);
				throw new Error(
					`simulation seed ${seed} failed at step ${n} of ${STEPS}; the steps before:\n${w.trace.slice(-15).join("\n")}\n${message}\nreplay: npx node bench/soak.ts --seeds ${seed} --steps ${STEPS}`,
					{ cause: error },
				);
			}
		},
		Math.max(30_000, STEPS * 1_000),
	);
});
