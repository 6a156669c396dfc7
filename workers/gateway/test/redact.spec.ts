import { PenumbraError } from "@penumbra/core/errors";
import { log } from "@penumbra/core/log";
import { isSensitiveKey, REDACTED, redact, redactHeaders, redactWith } from "@penumbra/core/redact";
import { afterEach, describe, expect, it, vi } from "vitest";

const KEY = "unified-3fJ9aQ0bZx7LmN2pR5sT8uV1wY4cD6eG9hK2jM5nP8qRsT";

describe("redact", () => {
	it.each([
		"api_key",
		"apiKey",
		"API-KEY",
		"x-api-key",
		"X_Api_Key",
		"password",
		"passwd",
		"secret",
		"client_secret",
		"token",
		"access_token",
		"refreshToken",
		"id_token",
		"Authorization",
		"cookie",
		"Set-Cookie",
		"credit_card",
		"creditCard",
		"card_number",
		"cvv",
		"CVC",
		"ssn",
		"phone_number",
		"phone",
		"private_key",
		"stripe_secret",
		"db_password",
		"github_token",
		"csrfToken",
		"openai_api_key",
		"aws_secret_key",
	])("redacts the value of %s", (key) => {
		expect(redact({ [key]: "s3cr3t", other: "kept" })).toEqual({ [key]: REDACTED, other: "kept" });
	});

	it.each([
		"total_tokens",
		"tokens_used",
		"max_tokens",
		"input_tokens",
		"token_type",
		"next_page_token",
		"password_hint_shown",
		"phone_verified",
		"keyword",
		"name",
	])("keeps the value of %s", (key) => {
		expect(redact({ [key]: 42 })).toEqual({ [key]: 42 });
	});

	it("redacts whole values of any type under sensitive keys, but leaves null and missing values", () => {
		expect(
			redact({ card_number: 4242424242424242, token: { value: "x" }, password: null, secret: undefined }),
		).toEqual({ card_number: REDACTED, token: REDACTED, password: null, secret: undefined });
	});

	it("walks nested objects and arrays and does not mutate the input", () => {
		const input = {
			user: { name: "Ada", contact: { phone: "+1 555 0100", email: "ada@example.com" } },
			cards: [{ last4: "4242", cvv: "123" }, [{ api_key: "k" }]],
			usage: { total_tokens: 12 },
		};
		const snapshot = structuredClone(input);
		expect(redact(input)).toEqual({
			user: { name: "Ada", contact: { phone: REDACTED, email: "ada@example.com" } },
			cards: [{ last4: "4242", cvv: REDACTED }, [{ api_key: REDACTED }]],
			usage: { total_tokens: 12 },
		});
		expect(input).toEqual(snapshot);
	});

	it("replaces unified keys inside any string, leaving look-alikes", () => {
		expect(
			redact({
				note: `Authorization: Bearer ${KEY} was used`,
				list: [KEY, "unified-api-gateway", "unified-short123"],
			}),
		).toEqual({
			note: `Authorization: Bearer ${REDACTED} was used`,
			list: [REDACTED, "unified-api-gateway", "unified-short123"],
		});
		expect(redact(KEY)).toBe(REDACTED);
	});

	it("terminates on cycles and marks them, while copying shared references", () => {
		const shared = { a: 1 };
		const node: Record<string, unknown> = { name: "root", left: shared, right: shared };
		node.self = node;
		node.list = [node];
		expect(redact(node)).toEqual({
			name: "root",
			left: { a: 1 },
			right: { a: 1 },
			self: "[Circular]",
			list: ["[Circular]"],
		});
	});

	it("does not let a parsed __proto__ key change the copy's prototype", () => {
		const copy = redact(
			JSON.parse('{"__proto__": {"polluted": true}, "token": "t"}') as Record<string, unknown>,
		);
		expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
		expect(Object.keys(copy)).toEqual(["__proto__", "token"]);
		expect(copy.token).toBe(REDACTED);
	});

	it("renders errors without their stack and redacts Headers inside objects", () => {
		const out = redact({
			error: new TypeError(`bad key ${KEY}`),
			headers: new Headers({ Authorization: "Bearer x", "Content-Type": "application/json" }),
		});
		expect(out).toEqual({
			error: { name: "TypeError", message: `bad key ${REDACTED}` },
			headers: { authorization: REDACTED, "content-type": "application/json" },
		});
	});

	it("keeps a failed query's SQL but not its bound values (emails, messages)", () => {
		const failed = new Error(
			'Failed query: insert into "users" ("email") values (?)\nparams: ada@example.com',
		);
		expect(redact({ error: failed })).toEqual({
			error: {
				name: "Error",
				message: 'Failed query: insert into "users" ("email") values (?)\nparams: [not logged]',
			},
		});
	});

	it("keeps primitives", () => {
		expect(redact(7)).toBe(7);
		expect(redact(null)).toBe(null);
		expect(redact([true, "x"])).toEqual([true, "x"]);
	});
});

describe("redactWith", () => {
	it("also replaces every secret we sent, wherever it appears in a string, in the same copy", () => {
		const secret = "sk_live_0123456789";
		const parsed = JSON.parse(
			`{"echo":"key=\\u0073k_live_0123456789&again=${secret}","list":["${secret}",1,null],"api_key":"x","__proto__":{"k":"${secret}"}}`,
		);
		const out = redactWith(parsed, [secret, ""]);
		expect(out).toEqual({
			echo: `key=${REDACTED}&again=${REDACTED}`,
			list: [REDACTED, 1, null],
			api_key: REDACTED,
			["__proto__"]: { k: REDACTED },
		});
		expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
		expect(parsed.list[0]).toBe(secret);
		expect(redactWith("plain text", [])).toBe("plain text");
	});

	it("judges a key the same the second time (answers are remembered)", () => {
		for (let round = 0; round < 2; round++) {
			expect(isSensitiveKey("X-Api-Key")).toBe(true);
			expect(isSensitiveKey("next_page_token")).toBe(false);
			expect(isSensitiveKey("temperature")).toBe(false);
		}
	});
});

describe("redactHeaders", () => {
	it("redacts credential headers and unified keys in other headers", () => {
		const headers = new Headers({
			Authorization: `Bearer ${KEY}`,
			"X-API-Key": "abc",
			Cookie: "session=1",
			"Proxy-Authorization": "Basic Zm9vOmJhcg==",
			"X-Forwarded-Note": `key=${KEY}`,
			Accept: "application/json",
		});
		expect(redactHeaders(headers)).toEqual({
			authorization: REDACTED,
			"x-api-key": REDACTED,
			cookie: REDACTED,
			"proxy-authorization": REDACTED,
			"x-forwarded-note": `key=${REDACTED}`,
			accept: "application/json",
		});
	});

	it("accepts plain records too", () => {
		expect(redactHeaders({ "Set-Cookie": "a=b", "content-length": "2" })).toEqual({
			"set-cookie": REDACTED,
			"content-length": "2",
		});
	});
});

describe("log", () => {
	afterEach(() => {
		vi.restoreAllMocks();
	});

	function capture() {
		const out = vi.spyOn(console, "log").mockImplementation(() => {});
		const err = vi.spyOn(console, "error").mockImplementation(() => {});
		return { out, err };
	}

	it("writes one redacted JSON line to console.log for info", () => {
		const { out, err } = capture();
		log("info", "upstream called", { service: "skycast", api_key: "k", status: 200 });
		expect(err).not.toHaveBeenCalled();
		expect(out).toHaveBeenCalledTimes(1);
		const line = String(out.mock.calls[0]?.[0]);
		expect(line).not.toContain("\n");
		const entry = JSON.parse(line) as Record<string, unknown>;
		expect(entry).toEqual({
			ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			level: "info",
			msg: "upstream called",
			service: "skycast",
			api_key: REDACTED,
			status: 200,
		});
		expect(Object.keys(entry).slice(0, 3)).toEqual(["ts", "level", "msg"]);
	});

	it("sends errors to console.error as name and message, without stack or secrets", () => {
		const { out, err } = capture();
		const cause = new PenumbraError("UPSTREAM_ERROR", {
			detail: "Upstream failed",
			internal: `500 for ${KEY}`,
		});
		log("error", `request with ${KEY} failed`, { error: cause, level: "debug", count: 10n });
		expect(out).not.toHaveBeenCalled();
		const line = String(err.mock.calls[0]?.[0]);
		expect(line).not.toContain("unified-3fJ9");
		expect(line).not.toContain("at ");
		expect(JSON.parse(line)).toMatchObject({
			level: "error",
			msg: `request with ${REDACTED} failed`,
			error: { name: "PenumbraError", message: `500 for ${REDACTED}` },
			count: "10",
		});
	});

	it("routes warn to console.error and debug to console.log", () => {
		const { out, err } = capture();
		log("warn", "slow");
		log("debug", "detail");
		expect(JSON.parse(String(err.mock.calls[0]?.[0]))).toMatchObject({ level: "warn", msg: "slow" });
		expect(JSON.parse(String(out.mock.calls[0]?.[0]))).toMatchObject({ level: "debug", msg: "detail" });
	});
});
