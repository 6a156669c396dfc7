/**
 * A local stand-in for the parts of the Stripe API that top-ups use, plus a hosted fake Checkout page and `/_fake/*`
 * routes through which tests script it. The gateway's `STRIPE_API_BASE` points the official SDK at it (host, port,
 * protocol), so nothing here reaches api.stripe.com. Webhook events are signed with the SDK's own
 * `webhooks.generateTestHeaderString` and the secret the fake was given (the gateway's `STRIPE_WEBHOOK_SECRET`).
 *
 * Stripe API (form-encoded bodies, `Authorization: Bearer <key>`, `Idempotency-Key` honoured like Stripe's):
 *   POST /v1/checkout/sessions            mode "payment", line_items[].price_data, metadata, client_reference_id, urls
 *   GET  /v1/checkout/sessions/<id>       expand[]=payment_intent | payment_intent.latest_charge
 *   GET  /v1/checkout/sessions            created[gte|lte], status, limit, starting_after (newest first)
 *   POST /v1/refunds                      payment_intent (or charge), amount (default: what is left), metadata
 *   GET  /v1/refunds                      created[gte|lte], payment_intent, limit, starting_after
 *
 * Hosted Checkout (the session's `url`): GET /checkout/<id> is a page with a "Pay" button (a form POST to
 * /checkout/<id>/pay) and a "Cancel" link (the cancel_url). Paying marks the session paid with the configured card,
 * answers 303 to the success_url, and delivers the signed `checkout.session.completed` to the webhook URL (when
 * one is configured), retrying a few times on failure as Stripe would.
 *
 * Control routes (JSON):
 *   GET    /_fake/health
 *   POST   /_fake/config                      { webhook_url?, webhook_secret?, card?: {brand,last4}, webhook_delay_ms?, async_payment? }
 *   POST   /_fake/sessions/<id>/complete      { card?, async? } → { event } marks paid (async: complete but unpaid)
 *   POST   /_fake/sessions/<id>/async-succeed → { event } the delayed payment arrived
 *   POST   /_fake/sessions/<id>/async-fail    → { event } the delayed payment failed
 *   POST   /_fake/sessions/<id>/expire        → { event } checkout.session.expired
 *   GET    /_fake/sessions/<id>               the session as stored (with its payment intent and charge)
 *   POST   /_fake/events/<id>/deliver         { times?, url? } delivers the same signed event N times at once
 *   POST   /_fake/sign                        { payload, timestamp?, secret? } → { header } (SDK test-header helper)
 *   POST   /_fake/failures                    { method?, path, match?, status, type?, code?, message?, times?, after? }
 *                                            (after: the request is carried out, then the failure answered)
 *   GET    /_fake/requests?path=&match=        API requests received (method, path, params, idempotency key)
 *   GET    /_fake/deliveries?event=            webhook deliveries made and their answers
 *   DELETE /_fake/state                       forget everything (only when no other test file uses the fake)
 * Every `{ event }` is { id, type, payload, header }: the exact bytes to POST and their `Stripe-Signature`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import Stripe from "stripe";
import { type FormValue, int, list, parseForm, record, str } from "./form.ts";

/** The key and webhook secret `npm start` (PENUMBRA_FAKE_STRIPE=1) and the test stacks give the gateway and the fake. */
export const FAKE_STRIPE_KEY = "sk_test_fake_penumbra_local";
export const FAKE_STRIPE_WEBHOOK_SECRET = "whsec_fake_penumbra_local";

/** The gateway's vars that point it at a running fake (STRIPE_API_BASE is honoured outside production only). */
export function fakeStripeVars(url: string): Record<string, string> {
	return {
		STRIPE_SECRET_KEY: FAKE_STRIPE_KEY,
		STRIPE_WEBHOOK_SECRET: FAKE_STRIPE_WEBHOOK_SECRET,
		STRIPE_API_BASE: url,
	};
}

export interface FakeStripeOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	host?: string;
	/** When set, the bearer key must equal it (401 otherwise); any `sk_test_…` key is accepted without it. */
	apiKey?: string;
	/** Signs webhook events (the gateway's STRIPE_WEBHOOK_SECRET). */
	webhookSecret: string;
	/** Where paying on the hosted page delivers `checkout.session.completed` (the gateway's /v1/webhooks/stripe). */
	webhookUrl?: string;
}

export interface FakeStripe {
	url: string;
	port: number;
	close(): Promise<void>;
	reset(): void;
}

export interface SignedEvent {
	id: string;
	type: string;
	payload: string;
	header: string;
}

interface Card {
	brand: string;
	last4: string;
}

interface Session {
	id: string;
	object: "checkout.session";
	amount_subtotal: number;
	amount_total: number;
	currency: string;
	mode: string;
	status: "open" | "complete" | "expired";
	payment_status: "unpaid" | "paid" | "no_payment_required";
	payment_intent: string | null;
	metadata: Record<string, string>;
	client_reference_id: string | null;
	success_url: string;
	cancel_url: string | null;
	url: string | null;
	created: number;
	expires_at: number;
	livemode: false;
	customer_email: string | null;
	line_items_summary: { name: string; unit_amount: number; quantity: number }[];
}

interface PaymentIntent {
	id: string;
	object: "payment_intent";
	amount: number;
	currency: string;
	status: "succeeded" | "processing" | "requires_payment_method";
	latest_charge: string | null;
	metadata: Record<string, string>;
	created: number;
	livemode: false;
}

interface Charge {
	id: string;
	object: "charge";
	amount: number;
	amount_refunded: number;
	refunded: boolean;
	currency: string;
	payment_intent: string;
	status: "succeeded";
	paid: true;
	created: number;
	payment_method_details: {
		type: "card";
		card: { brand: string; last4: string; exp_month: number; exp_year: number; country: string };
	};
	livemode: false;
}

interface Refund {
	id: string;
	object: "refund";
	amount: number;
	currency: string;
	charge: string;
	payment_intent: string;
	status: "succeeded";
	reason: string | null;
	metadata: Record<string, string>;
	created: number;
}

interface Failure {
	method?: string;
	path: string;
	match?: string;
	status: number;
	type: string;
	code?: string;
	message: string;
	times: number;
	/** Do the request, then answer the failure (the answer is lost), keeping no idempotency record of it. */
	after?: boolean;
}

interface RecordedRequest {
	method: string;
	path: string;
	params: Record<string, FormValue>;
	idempotency_key: string | null;
	status: number;
	at: number;
}

interface Delivery {
	event: string;
	type: string;
	url: string;
	status: number | null;
	error?: string;
	at: number;
}

class StripeError extends Error {
	readonly status: number;
	readonly type: string;
	readonly code: string | undefined;
	readonly param: string | undefined;
	constructor(status: number, type: string, message: string, code?: string, param?: string) {
		super(message);
		this.status = status;
		this.type = type;
		this.code = code;
		this.param = param;
	}
}

const invalid = (message: string, param?: string, code?: string) =>
	new StripeError(
		400,
		"invalid_request_error",
		message,
		code ?? (param ? "parameter_missing" : undefined),
		param,
	);

const MAX_BODY = 1024 * 1024;
const MAX_RECORDED = 2000;

function randomPart(length = 24): string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const bytes = crypto.getRandomValues(new Uint8Array(length));
	return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		const buffer = chunk as Buffer;
		size += buffer.length;
		if (size > MAX_BODY) throw invalid("Request body too large");
		chunks.push(buffer);
	}
	return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		"content-type": "application/json",
		"content-length": Buffer.byteLength(text),
		"request-id": `req_${randomPart(14)}`,
		...headers,
	});
	res.end(text);
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function strings(value: FormValue | undefined): Record<string, string> {
	return Object.fromEntries(
		Object.entries(record(value)).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
	);
}

/** `created[gte]=…&created[lte]=…` (or `created=…`) as a filter. */
function createdFilter(value: FormValue | undefined): (created: number) => boolean {
	if (typeof value === "string") return (created) => created === Number(value);
	const bounds = record(value);
	const gte = int(bounds.gte);
	const gt = int(bounds.gt);
	const lte = int(bounds.lte);
	const lt = int(bounds.lt);
	return (created) =>
		(gte === undefined || created >= gte) &&
		(gt === undefined || created > gt) &&
		(lte === undefined || created <= lte) &&
		(lt === undefined || created < lt);
}

function page<T extends { id: string; created: number }>(
	items: T[],
	params: Record<string, FormValue>,
	url: string,
): { object: "list"; data: T[]; has_more: boolean; url: string } {
	// Newest first; ties by id, descending, so pages never skip or repeat.
	const sorted = [...items].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
	const limit = Math.min(Math.max(int(params.limit) ?? 10, 1), 100);
	const after = str(params.starting_after);
	let start = 0;
	if (after) {
		const index = sorted.findIndex((item) => item.id === after);
		if (index === -1) throw invalid(`No such object: '${after}'`, "starting_after", "resource_missing");
		start = index + 1;
	}
	const data = sorted.slice(start, start + limit);
	return { object: "list", data, has_more: start + limit < sorted.length, url };
}

/** Starts the fake on `host:port` (127.0.0.1 and a free port by default). */
export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripe> {
	const sessions = new Map<string, Session>();
	const intents = new Map<string, PaymentIntent>();
	const charges = new Map<string, Charge>();
	const refunds = new Map<string, Refund>();
	const events = new Map<string, SignedEvent>();
	const idempotency = new Map<string, { route: string; params: string; status: number; body: unknown }>();
	let failures: Failure[] = [];
	const requests: RecordedRequest[] = [];
	const deliveries: Delivery[] = [];
	const config = {
		webhookUrl: options.webhookUrl,
		webhookSecret: options.webhookSecret,
		card: { brand: "visa", last4: "4242" } as Card,
		webhookDelayMs: 0,
		asyncPayment: false,
	};
	const signer = new Stripe("sk_test_fake_signer", { httpClient: Stripe.createFetchHttpClient() });
	let origin = "";

	function reset(): void {
		for (const map of [sessions, intents, charges, refunds, events, idempotency]) map.clear();
		failures = [];
		requests.length = 0;
		deliveries.length = 0;
		config.webhookUrl = options.webhookUrl;
		config.webhookSecret = options.webhookSecret;
		config.card = { brand: "visa", last4: "4242" };
		config.webhookDelayMs = 0;
		config.asyncPayment = false;
	}

	function sign(payload: string, timestamp?: number, secret?: string): string {
		return signer.webhooks.generateTestHeaderString({
			payload,
			secret: secret ?? config.webhookSecret,
			...(timestamp === undefined ? {} : { timestamp }),
		});
	}

	function event(type: string, object: unknown): SignedEvent {
		const id = `evt_${randomPart()}`;
		const payload = JSON.stringify(
			{
				id,
				object: "event",
				api_version: "2025-01-01",
				created: nowSeconds(),
				data: { object },
				livemode: false,
				pending_webhooks: 1,
				request: { id: null, idempotency_key: null },
				type,
			},
			null,
			2,
		);
		const signed = { id, type, payload, header: sign(payload) };
		events.set(id, signed);
		return signed;
	}

	async function deliverOnce(signed: SignedEvent, url: string): Promise<number | null> {
		const delivery: Delivery = { event: signed.id, type: signed.type, url, status: null, at: Date.now() };
		deliveries.push(delivery);
		if (deliveries.length > MAX_RECORDED) deliveries.shift();
		try {
			const response = await fetch(url, {
				method: "POST",
				headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": signed.header },
				body: signed.payload,
				signal: AbortSignal.timeout(10_000),
			});
			await response.arrayBuffer();
			delivery.status = response.status;
			return response.status;
		} catch (error) {
			delivery.error = error instanceof Error ? error.message : String(error);
			return null;
		}
	}

	/** Stripe's own delivery after a payment: in the background, retried on failure (a few times here). */
	function deliverInBackground(signed: SignedEvent): void {
		const url = config.webhookUrl;
		if (!url) return;
		void (async () => {
			await sleep(config.webhookDelayMs);
			for (let attempt = 0; attempt < 4; attempt++) {
				const status = await deliverOnce(signed, url);
				if (status !== null && status >= 200 && status < 300) return;
				await sleep(250 * 2 ** attempt);
			}
		})();
	}

	function sessionOf(id: string): Session {
		const session = sessions.get(id);
		if (!session) throw invalid(`No such checkout.session: '${id}'`, "id", "resource_missing");
		return session;
	}

	function expand(session: Session, paths: string[]): unknown {
		const wantIntent = paths.some((p) => p === "payment_intent" || p.startsWith("payment_intent."));
		const wantCharge = paths.includes("payment_intent.latest_charge");
		if (!wantIntent || !session.payment_intent) return sessionView(session);
		const intent = intents.get(session.payment_intent);
		if (!intent) return sessionView(session);
		const charge = intent.latest_charge ? charges.get(intent.latest_charge) : undefined;
		return {
			...sessionView(session),
			payment_intent: { ...intent, latest_charge: wantCharge && charge ? charge : intent.latest_charge },
		};
	}

	function sessionView(session: Session): Omit<Session, "line_items_summary"> {
		const { line_items_summary: _lines, ...view } = session;
		return { ...view, url: session.status === "open" ? session.url : null };
	}

	function pay(session: Session, card: Card, async: boolean): SignedEvent {
		if (session.status !== "open") {
			throw invalid(`This Checkout Session is ${session.status}.`, undefined, "checkout_session_not_open");
		}
		const created = nowSeconds();
		const intent: PaymentIntent = {
			id: `pi_${randomPart()}`,
			object: "payment_intent",
			amount: session.amount_total,
			currency: session.currency,
			status: async ? "processing" : "succeeded",
			latest_charge: null,
			metadata: session.metadata,
			created,
			livemode: false,
		};
		intents.set(intent.id, intent);
		session.payment_intent = intent.id;
		session.status = "complete";
		if (async) {
			session.payment_status = "unpaid";
			(intent as PaymentIntent & { pending_card?: Card }).pending_card = card;
		} else {
			charge(intent, card);
			session.payment_status = "paid";
		}
		return event("checkout.session.completed", sessionView(session));
	}

	function charge(intent: PaymentIntent, card: Card): void {
		const charged: Charge = {
			id: `ch_${randomPart()}`,
			object: "charge",
			amount: intent.amount,
			amount_refunded: 0,
			refunded: false,
			currency: intent.currency,
			payment_intent: intent.id,
			status: "succeeded",
			paid: true,
			created: nowSeconds(),
			payment_method_details: {
				type: "card",
				card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2034, country: "US" },
			},
			livemode: false,
		};
		charges.set(charged.id, charged);
		intent.latest_charge = charged.id;
		intent.status = "succeeded";
	}

	function createSession(params: Record<string, FormValue>): Session {
		if (str(params.mode) !== "payment") throw invalid("Only mode=payment is supported by the fake.", "mode");
		const successUrl = str(params.success_url);
		if (!successUrl) throw invalid("Missing required param: success_url.", "success_url");
		const items = list(params.line_items);
		if (items.length === 0) throw invalid("Missing required param: line_items.", "line_items");
		let currency: string | undefined;
		const lines = items.map((item, index) => {
			const line = record(item);
			const price = record(line.price_data);
			const amount = int(price.unit_amount);
			const quantity = int(line.quantity) ?? 1;
			const lineCurrency = str(price.currency);
			if (amount === undefined || amount < 0) {
				throw invalid(
					"unit_amount must be a non-negative integer",
					`line_items[${index}][price_data][unit_amount]`,
				);
			}
			if (!lineCurrency) throw invalid("Missing currency", `line_items[${index}][price_data][currency]`);
			if (currency && currency !== lineCurrency) throw invalid("All line items must share one currency.");
			currency = lineCurrency;
			const name = str(record(price.product_data).name);
			if (!name)
				throw invalid("Missing product name", `line_items[${index}][price_data][product_data][name]`);
			if (quantity < 1) throw invalid("quantity must be at least 1", `line_items[${index}][quantity]`);
			return { name, unit_amount: amount, quantity };
		});
		const total = lines.reduce((sum, l) => sum + l.unit_amount * l.quantity, 0);
		const created = nowSeconds();
		const id = `cs_test_${randomPart(40)}`;
		const session: Session = {
			id,
			object: "checkout.session",
			amount_subtotal: total,
			amount_total: total,
			currency: currency ?? "usd",
			mode: "payment",
			status: "open",
			payment_status: "unpaid",
			payment_intent: null,
			metadata: strings(params.metadata),
			client_reference_id: str(params.client_reference_id) ?? null,
			success_url: successUrl,
			cancel_url: str(params.cancel_url) ?? null,
			url: `${origin}/checkout/${id}`,
			created,
			expires_at: int(params.expires_at) ?? created + 24 * 3600,
			livemode: false,
			customer_email: str(params.customer_email) ?? null,
			line_items_summary: lines,
		};
		sessions.set(id, session);
		return session;
	}

	function createRefund(params: Record<string, FormValue>): Refund {
		const intentId = str(params.payment_intent);
		const chargeId = str(params.charge);
		let found: Charge | undefined;
		if (intentId) {
			const intent = intents.get(intentId);
			if (!intent)
				throw invalid(`No such payment_intent: '${intentId}'`, "payment_intent", "resource_missing");
			found = intent.latest_charge ? charges.get(intent.latest_charge) : undefined;
			if (!found) {
				throw invalid("This PaymentIntent does not have a successful charge to refund.", "payment_intent");
			}
		} else if (chargeId) {
			found = charges.get(chargeId);
			if (!found) throw invalid(`No such charge: '${chargeId}'`, "charge", "resource_missing");
		} else {
			throw invalid("One of payment_intent or charge is required.", "payment_intent");
		}
		const left = found.amount - found.amount_refunded;
		if (left === 0) {
			throw invalid(`Charge ${found.id} has already been refunded.`, undefined, "charge_already_refunded");
		}
		const amount = int(params.amount) ?? left;
		if (amount < 1) throw invalid("Invalid positive integer", "amount");
		if (amount > left) {
			throw invalid(
				`Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(left / 100).toFixed(2)})`,
				"amount",
				"amount_too_large",
			);
		}
		found.amount_refunded += amount;
		found.refunded = found.amount_refunded === found.amount;
		const refund: Refund = {
			id: `re_${randomPart()}`,
			object: "refund",
			amount,
			currency: found.currency,
			charge: found.id,
			payment_intent: found.payment_intent,
			status: "succeeded",
			reason: str(params.reason) ?? null,
			metadata: strings(params.metadata),
			created: nowSeconds(),
		};
		refunds.set(refund.id, refund);
		return refund;
	}

	function scriptedFailure(method: string, path: string, raw: string): Failure | undefined {
		const index = failures.findIndex(
			(f) =>
				f.times > 0 &&
				(f.method === undefined || f.method.toUpperCase() === method) &&
				path.startsWith(f.path) &&
				(f.match === undefined || raw.includes(f.match) || path.includes(f.match)),
		);
		const failure = failures[index];
		if (!failure) return undefined;
		failure.times--;
		if (failure.times === 0) failures.splice(index, 1);
		return failure;
	}

	async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const method = req.method ?? "GET";
		const path = url.pathname.replace(/\/+$/, "");
		const raw = method === "GET" ? url.search.slice(1) : await readBody(req);
		const params = parseForm(raw);
		const key = req.headers["idempotency-key"];
		const idempotencyKey = typeof key === "string" && key !== "" ? key : null;
		const record: RecordedRequest = {
			method,
			path,
			params,
			idempotency_key: idempotencyKey,
			status: 0,
			at: Date.now(),
		};
		requests.push(record);
		if (requests.length > MAX_RECORDED) requests.shift();
		const respond = (status: number, body: unknown, headers: Record<string, string> = {}) => {
			record.status = status;
			sendJson(res, status, body, headers);
		};
		try {
			const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, "");
			if (!bearer) {
				throw new StripeError(401, "invalid_request_error", "You did not provide an API key.");
			}
			if (options.apiKey !== undefined ? bearer !== options.apiKey : !bearer.startsWith("sk_test_")) {
				throw new StripeError(
					401,
					"invalid_request_error",
					`Invalid API Key provided: ${bearer.slice(0, 8)}****`,
				);
			}
			const failure = scriptedFailure(method, path, raw);
			if (failure) {
				// As if it happened and the answer was lost longer ago than Stripe keeps idempotency keys (24 h).
				if (failure.after) route_(method, path, params, url);
				throw new StripeError(failure.status, failure.type, failure.message, failure.code);
			}
			const route = `${method} ${path}`;
			if (idempotencyKey && method === "POST") {
				const previous = idempotency.get(idempotencyKey);
				if (previous) {
					if (previous.route !== route || previous.params !== raw) {
						throw new StripeError(
							400,
							"idempotency_error",
							`Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
						);
					}
					respond(previous.status, previous.body, { "idempotent-replayed": "true" });
					return;
				}
			}
			const [status, body] = route_(method, path, params, url);
			if (idempotencyKey && method === "POST") {
				idempotency.set(idempotencyKey, { route, params: raw, status, body });
			}
			respond(status, body);
		} catch (error) {
			const failure =
				error instanceof StripeError
					? error
					: new StripeError(500, "api_error", error instanceof Error ? error.message : String(error));
			respond(
				failure.status,
				{
					error: {
						type: failure.type,
						message: failure.message,
						...(failure.code ? { code: failure.code } : {}),
						...(failure.param ? { param: failure.param } : {}),
					},
				},
				// The SDK retries 5xx and 409 unless told not to: a scripted failure is meant to be seen as is.
				{ "stripe-should-retry": "false" },
			);
		}
	}

	function route_(
		method: string,
		path: string,
		params: Record<string, FormValue>,
		url: URL,
	): [number, unknown] {
		if (path === "/v1/checkout/sessions" && method === "POST")
			return [200, sessionView(createSession(params))];
		if (path === "/v1/checkout/sessions" && method === "GET") {
			const inPeriod = createdFilter(params.created);
			const status = str(params.status);
			const intent = str(params.payment_intent);
			const matching = [...sessions.values()].filter(
				(s) =>
					inPeriod(s.created) &&
					(status === undefined || s.status === status) &&
					(intent === undefined || s.payment_intent === intent),
			);
			const listed = page(matching, params, "/v1/checkout/sessions");
			return [200, { ...listed, data: listed.data.map(sessionView) }];
		}
		const sessionPath = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
		if (sessionPath && method === "GET") {
			const session = sessionOf(decodeURIComponent(sessionPath[1] as string));
			const paths = list(params.expand).filter((p): p is string => typeof p === "string");
			return [200, expand(session, paths)];
		}
		const expirePath = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path);
		if (expirePath && method === "POST") {
			const session = sessionOf(decodeURIComponent(expirePath[1] as string));
			if (session.status !== "open") throw invalid(`This Checkout Session is ${session.status}.`);
			session.status = "expired";
			event("checkout.session.expired", sessionView(session));
			return [200, sessionView(session)];
		}
		if (path === "/v1/refunds" && method === "POST") return [200, createRefund(params)];
		if (path === "/v1/refunds" && method === "GET") {
			const inPeriod = createdFilter(params.created);
			const intent = str(params.payment_intent);
			const matching = [...refunds.values()].filter(
				(r) => inPeriod(r.created) && (intent === undefined || r.payment_intent === intent),
			);
			return [200, page(matching, params, "/v1/refunds")];
		}
		throw new StripeError(
			404,
			"invalid_request_error",
			`Unrecognized request URL (${method}: ${url.pathname}).`,
		);
	}

	function checkoutPage(session: Session): string {
		const amount = `$${(session.amount_total / 100).toFixed(2)}`;
		const lines = session.line_items_summary
			.map(
				(l) =>
					`<li>${escapeHtml(l.name)} × ${l.quantity}: $${((l.unit_amount * l.quantity) / 100).toFixed(2)}</li>`,
			)
			.join("");
		const body =
			session.status === "open"
				? `<form method="post" action="/checkout/${encodeURIComponent(session.id)}/pay">
	<p>Card: <span data-testid="card">${escapeHtml(config.card.brand)} •••• ${escapeHtml(config.card.last4)}</span> (test card)</p>
	<button type="submit" data-testid="pay">Pay ${amount}</button>
</form>
${session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}" data-testid="cancel">Cancel</a></p>` : ""}`
				: `<p data-testid="closed">This Checkout Session is ${escapeHtml(session.status)}.</p>`;
		return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fake Stripe Checkout</title></head>
<body>
<h1>Fake Stripe Checkout</h1>
<p>Test mode: no card is charged. Pay <strong data-testid="amount">${amount}</strong> ${escapeHtml(session.currency.toUpperCase())}</p>
<ul>${lines}</ul>
${body}
</body></html>`;
	}

	async function hosted(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const match = /^\/checkout\/([^/]+)(\/pay)?$/.exec(url.pathname);
		const session = match ? sessions.get(decodeURIComponent(match[1] as string)) : undefined;
		if (!match || !session) {
			res.writeHead(404, { "content-type": "text/plain" }).end("No such Checkout Session");
			return;
		}
		if (!match[2] && req.method === "GET") {
			const html = checkoutPage(session);
			res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
			return;
		}
		if (match[2] && req.method === "POST") {
			await readBody(req);
			if (session.status !== "open") {
				res.writeHead(409, { "content-type": "text/html; charset=utf-8" }).end(checkoutPage(session));
				return;
			}
			const signed = pay(session, config.card, config.asyncPayment);
			deliverInBackground(signed);
			if (config.asyncPayment) {
				// The delayed method "clears" a moment later, as a bank debit would (much later) at Stripe.
				void sleep(500).then(() => deliverInBackground(succeedAsync(session)));
			}
			const target = session.success_url.replaceAll("{CHECKOUT_SESSION_ID}", session.id);
			res.writeHead(303, { location: target }).end();
			return;
		}
		res.writeHead(405, { "content-type": "text/plain" }).end("Method not allowed");
	}

	function succeedAsync(session: Session): SignedEvent {
		const intent = session.payment_intent ? intents.get(session.payment_intent) : undefined;
		if (!intent || session.status !== "complete" || session.payment_status !== "unpaid") {
			throw invalid("This session has no delayed payment waiting.");
		}
		const pending = (intent as PaymentIntent & { pending_card?: Card }).pending_card ?? config.card;
		charge(intent, pending);
		session.payment_status = "paid";
		return event("checkout.session.async_payment_succeeded", sessionView(session));
	}

	async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
		const text = await readBody(req);
		if (text.trim() === "") return {};
		const parsed = JSON.parse(text) as unknown;
		return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
	}

	async function control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const path = url.pathname;
		const method = req.method ?? "GET";
		const sessionControl =
			/^\/_fake\/sessions\/([^/]+)(?:\/(complete|async-succeed|async-fail|expire))?$/.exec(path);
		if (path === "/_fake/health" && method === "GET") {
			sendJson(res, 200, { ok: true, sessions: sessions.size });
		} else if (path === "/_fake/config" && method === "POST") {
			const body = await readJson(req);
			if (typeof body.webhook_url === "string" || body.webhook_url === null) {
				config.webhookUrl = (body.webhook_url as string | null) ?? undefined;
			}
			if (typeof body.webhook_secret === "string") config.webhookSecret = body.webhook_secret;
			if (typeof body.card === "object" && body.card !== null) config.card = body.card as Card;
			if (typeof body.webhook_delay_ms === "number") config.webhookDelayMs = body.webhook_delay_ms;
			if (typeof body.async_payment === "boolean") config.asyncPayment = body.async_payment;
			sendJson(res, 200, {
				webhook_url: config.webhookUrl ?? null,
				card: config.card,
				webhook_delay_ms: config.webhookDelayMs,
				async_payment: config.asyncPayment,
			});
		} else if (sessionControl && method === "GET" && !sessionControl[2]) {
			const session = sessionOf(decodeURIComponent(sessionControl[1] as string));
			sendJson(res, 200, expand(session, ["payment_intent.latest_charge"]));
		} else if (sessionControl?.[2] && method === "POST") {
			const session = sessionOf(decodeURIComponent(sessionControl[1] as string));
			const body = await readJson(req);
			const action = sessionControl[2];
			let signed: SignedEvent;
			if (action === "complete") {
				signed = pay(session, (body.card as Card | undefined) ?? config.card, body.async === true);
			} else if (action === "async-succeed") {
				signed = succeedAsync(session);
			} else if (action === "async-fail") {
				if (session.payment_status !== "unpaid" || session.status !== "complete") {
					throw invalid("This session has no delayed payment waiting.");
				}
				const intent = session.payment_intent ? intents.get(session.payment_intent) : undefined;
				if (intent) intent.status = "requires_payment_method";
				signed = event("checkout.session.async_payment_failed", sessionView(session));
			} else {
				if (session.status !== "open") throw invalid(`This Checkout Session is ${session.status}.`);
				session.status = "expired";
				signed = event("checkout.session.expired", sessionView(session));
			}
			if (body.deliver === true) deliverInBackground(signed);
			sendJson(res, 200, { event: signed });
		} else if (/^\/_fake\/events\/[^/]+\/deliver$/.test(path) && method === "POST") {
			const id = decodeURIComponent(path.split("/")[3] as string);
			const signed = events.get(id);
			if (!signed) throw new StripeError(404, "invalid_request_error", `No event ${id}`);
			const body = await readJson(req);
			const target = typeof body.url === "string" ? body.url : config.webhookUrl;
			if (!target) throw invalid("No webhook URL: configure one or pass url.");
			const times = typeof body.times === "number" ? body.times : 1;
			const statuses = await Promise.all(Array.from({ length: times }, () => deliverOnce(signed, target)));
			sendJson(res, 200, { statuses });
		} else if (path === "/_fake/sign" && method === "POST") {
			const body = await readJson(req);
			if (typeof body.payload !== "string") throw invalid("payload (a string) is required");
			const header = sign(
				body.payload,
				typeof body.timestamp === "number" ? body.timestamp : undefined,
				typeof body.secret === "string" ? body.secret : undefined,
			);
			sendJson(res, 200, { header });
		} else if (path === "/_fake/failures" && method === "POST") {
			const body = await readJson(req);
			if (typeof body.path !== "string" || typeof body.status !== "number") {
				throw invalid("path and status are required");
			}
			failures.push({
				...(typeof body.method === "string" ? { method: body.method } : {}),
				path: body.path,
				...(typeof body.match === "string" ? { match: body.match } : {}),
				status: body.status,
				type:
					typeof body.type === "string"
						? body.type
						: body.status >= 500
							? "api_error"
							: "invalid_request_error",
				...(typeof body.code === "string" ? { code: body.code } : {}),
				message: typeof body.message === "string" ? body.message : "Scripted failure (fake Stripe)",
				times: typeof body.times === "number" ? body.times : 1,
				...(body.after === true ? { after: true } : {}),
			});
			sendJson(res, 201, { failures: failures.length });
		} else if (path === "/_fake/requests" && method === "GET") {
			const prefix = url.searchParams.get("path") ?? "";
			const match = url.searchParams.get("match");
			sendJson(res, 200, {
				requests: requests.filter(
					(r) => r.path.startsWith(prefix) && (match === null || JSON.stringify(r.params).includes(match)),
				),
			});
		} else if (path === "/_fake/deliveries" && method === "GET") {
			const id = url.searchParams.get("event");
			sendJson(res, 200, { deliveries: deliveries.filter((d) => id === null || d.event === id) });
		} else if (path === "/_fake/state" && method === "DELETE") {
			reset();
			res.writeHead(204).end();
		} else {
			throw new StripeError(404, "invalid_request_error", `No fake route ${method} ${path}`);
		}
	}

	const server = createServer((req, res) => {
		const url = new URL(req.url ?? "/", "http://fake");
		const handle = url.pathname.startsWith("/v1/")
			? api(req, res, url)
			: url.pathname.startsWith("/checkout/")
				? hosted(req, res, url)
				: url.pathname.startsWith("/_fake/")
					? control(req, res, url)
					: Promise.reject(new StripeError(404, "invalid_request_error", "Not Found"));
		handle.catch((error: unknown) => {
			const failure =
				error instanceof StripeError
					? error
					: new StripeError(500, "api_error", error instanceof Error ? error.message : String(error));
			if (res.headersSent) res.destroy();
			else
				sendJson(res, failure.status, {
					error: {
						type: failure.type,
						message: failure.message,
						...(failure.code ? { code: failure.code } : {}),
					},
				});
		});
	});

	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
			server.off("error", reject);
			resolve();
		});
	});
	const address = server.address() as AddressInfo;
	const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
	origin = `http://${host}:${address.port}`;
	return {
		url: origin,
		port: address.port,
		reset,
		close: () =>
			new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
				server.closeAllConnections();
			}),
	};
}
