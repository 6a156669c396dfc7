/**
 * Test-side handle on the fake Stripe API's control routes over plain fetch, so the same helper works in Node
 * (global setups, node and browser tests) and inside workerd (gateway tests), whichever process started the fake.
 */

/** A webhook event as the fake signed it: POST `payload` with `Stripe-Signature: header`. */
export interface SignedEvent {
	id: string;
	type: string;
	payload: string;
	header: string;
}

export interface FakeCard {
	brand: string;
	last4: string;
}

export interface RecordedStripeRequest {
	method: string;
	path: string;
	params: Record<string, unknown>;
	idempotency_key: string | null;
	status: number;
	at: number;
}

export interface FakeStripeFailure {
	method?: string;
	/** Prefix of the API path, e.g. `/v1/refunds`. */
	path: string;
	/** Only requests whose raw body or query (or path) contain this, e.g. a credential or top-up id. */
	match?: string;
	status: number;
	type?: string;
	code?: string;
	message?: string;
	/** How many matching requests fail (default 1). */
	times?: number;
	/** Carry the request out, then answer the failure (a lost answer), with no idempotency record kept. */
	after?: boolean;
}

export interface FakeStripeClient {
	/** Pays a session (as the hosted page would): `async` leaves the payment pending (a delayed method). */
	complete(sessionId: string, options?: { card?: FakeCard; async?: boolean }): Promise<SignedEvent>;
	asyncSucceed(sessionId: string): Promise<SignedEvent>;
	asyncFail(sessionId: string): Promise<SignedEvent>;
	expire(sessionId: string): Promise<SignedEvent>;
	session(sessionId: string): Promise<Record<string, unknown>>;
	/** Signs `payload` with the SDK's test-header helper; another `secret` or an old `timestamp` (seconds) forges. */
	sign(payload: string, options?: { timestamp?: number; secret?: string }): Promise<string>;
	fail(failure: FakeStripeFailure): Promise<void>;
	requests(options?: { path?: string; match?: string }): Promise<RecordedStripeRequest[]>;
	configure(config: {
		webhook_url?: string | null;
		card?: FakeCard;
		webhook_delay_ms?: number;
		async_payment?: boolean;
	}): Promise<void>;
	/** Delivers an event the fake made to its webhook URL (or `url`) `times` times at once; the answers' statuses. */
	deliver(eventId: string, options?: { times?: number; url?: string }): Promise<(number | null)[]>;
	deliveries(eventId?: string): Promise<{ event: string; type: string; status: number | null }[]>;
}

async function expectOk(response: Response, what: string): Promise<Response> {
	if (response.ok) return response;
	throw new Error(`fake Stripe: ${what} answered ${response.status}: ${await response.text()}`);
}

export function fakeStripe(url: string, fetcher: typeof fetch = fetch): FakeStripeClient {
	const base = url.replace(/\/+$/, "");
	const post = async (path: string, body: unknown = {}) =>
		expectOk(
			await fetcher(`${base}${path}`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify(body),
			}),
			path,
		);
	const event = async (path: string, body: unknown = {}) =>
		((await (await post(path, body)).json()) as { event: SignedEvent }).event;
	const session = (id: string) => `/_fake/sessions/${encodeURIComponent(id)}`;
	return {
		complete: (id, options = {}) => event(`${session(id)}/complete`, options),
		asyncSucceed: (id) => event(`${session(id)}/async-succeed`),
		asyncFail: (id) => event(`${session(id)}/async-fail`),
		expire: (id) => event(`${session(id)}/expire`),
		async session(id) {
			const response = await expectOk(await fetcher(`${base}${session(id)}`), "session");
			return (await response.json()) as Record<string, unknown>;
		},
		async sign(payload, options = {}) {
			const response = await post("/_fake/sign", { payload, ...options });
			return ((await response.json()) as { header: string }).header;
		},
		async fail(failure) {
			await post("/_fake/failures", failure);
		},
		async requests(options = {}) {
			const query = new URLSearchParams();
			if (options.path) query.set("path", options.path);
			if (options.match) query.set("match", options.match);
			const response = await expectOk(await fetcher(`${base}/_fake/requests?${query}`), "requests");
			return ((await response.json()) as { requests: RecordedStripeRequest[] }).requests;
		},
		async configure(config) {
			await post("/_fake/config", config);
		},
		async deliver(eventId, options = {}) {
			const response = await post(`/_fake/events/${encodeURIComponent(eventId)}/deliver`, options);
			return ((await response.json()) as { statuses: (number | null)[] }).statuses;
		},
		async deliveries(eventId) {
			const query = eventId ? `?${new URLSearchParams({ event: eventId })}` : "";
			const response = await expectOk(await fetcher(`${base}/_fake/deliveries${query}`), "deliveries");
			return (
				(await response.json()) as { deliveries: { event: string; type: string; status: number | null }[] }
			).deliveries;
		},
	};
}
