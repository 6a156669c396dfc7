import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

/**
 * The money commands against a stand-in for the gateway's admin API: what they send, what they print, how they
 * exit. What the gateway does with the requests is tested in workers/gateway/test/money/.
 */

const BIN = path.resolve("packages/cli/bin/penumbra.js");
const TOKEN = "adm_test_token";

interface Seen {
	method: string;
	url: string;
	authorization: string | undefined;
	accept: string | undefined;
	body: unknown;
}

let server: Server;
let origin: string;
let dir: string;
const seen: Seen[] = [];
/** The next answer: status, content type and body. */
let answer: { status: number; type: string; body: string } = {
	status: 200,
	type: "application/json",
	body: "{}",
};

function reply(status: number, body: unknown, type = "application/json"): void {
	answer = { status, type, body: typeof body === "string" ? body : JSON.stringify(body) };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const text = Buffer.concat(chunks).toString("utf8");
	return text ? JSON.parse(text) : undefined;
}

function penumbra(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [BIN, ...args], {
			cwd: dir,
			env: { PATH: process.env.PATH ?? "", PENUMBRA_GATEWAY_URL: origin, ADMIN_TOKEN: TOKEN },
			stdio: ["ignore", "pipe", "pipe"],
		});
		let stdout = "";
		let stderr = "";
		child.stdout.on("data", (d: Buffer) => {
			stdout += d.toString();
		});
		child.stderr.on("data", (d: Buffer) => {
			stderr += d.toString();
		});
		child.on("error", reject);
		child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
	});
}

beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), "money-cli-"));
	server = createServer((req, res) => {
		void readBody(req).then((body) => {
			seen.push({
				method: req.method ?? "",
				url: req.url ?? "",
				authorization: req.headers.authorization,
				accept: req.headers.accept,
				body,
			});
			res.writeHead(answer.status, { "content-type": answer.type }).end(answer.body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
	await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
	seen.length = 0;
});

describe("penumbra money commands: arguments", () => {
	it.each([
		[["credit"], /needs CREDENTIAL CENTS/],
		[["credit", "cred_abc", "12.5", "--reference", "r"], /CENTS must be a positive whole number/],
		[["credit", "cred_abc", "0", "--reference", "r"], /CENTS must be a positive whole number/],
		[["credit", "cred_abc", "500"], /--reference is required/],
		[["credit", "alice", "500", "--reference", "r"], /not a credential id/],
		[["credit", "cred_abc", "--reference", "r", "--", "-5"], /CENTS must be a positive whole number/],
		[["refund", "receipt-1"], /not a receipt id/],
		[["refund", "rcpt_abcdefghijkl", "--cents=-3"], /--cents must be a positive whole number/],
		[["ledger", "export", "--format", "xml"], /--format must be csv or json/],
		[["ledger", "export", "--since", "last tuesday"], /not an ISO 8601 time/],
		[["ledger", "export", "--limit", "0"], /--limit must be a whole number/],
		[["providers", "refresh", "--service", "Not_An_Id"], /is not a service id/],
		[["reconcile", "--everything"], /unknown option --everything/],
		[["reconcile", "--since", "yesterday"], /not an ISO 8601 time/],
		[["refund-top-up", "rcpt_abcdefghijkl"], /not a top-up id/],
		[
			["refund-top-up", "tu_abcdefghijklmnopqrstuvwxyz", "--amount-cents", "1.5"],
			/--amount-cents must be a positive whole number/,
		],
	])("penumbra %j exits 2 with a usage message", async (args, message) => {
		const { code, stderr } = await penumbra(args);
		expect({ code, stderr }).toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
		expect(seen).toEqual([]);
	});
});

describe("penumbra money commands: against the admin API", () => {
	it("credit sends the amount, reference and kind, and says when a reference was applied before", async () => {
		reply(200, { entry: { id: "ent_1", amount_cents: 500, kind: "credit" }, balance_cents: 10_500 });
		const first = await penumbra(["credit", "cred_abc", "500", "--reference", "invoice-7"]);
		expect(first).toMatchObject({
			code: 0,
			stdout: expect.stringContaining("credited $5.00 (500¢) to cred_abc"),
		});
		expect(first.stdout).toContain("balance: $105.00 (10500¢)");
		expect(seen).toEqual([
			{
				method: "POST",
				url: "/v1/admin/credentials/cred_abc/credit",
				authorization: `Bearer ${TOKEN}`,
				accept: "application/json",
				body: { amount_cents: 500, reference: "invoice-7", kind: "credit" },
			},
		]);
		reply(200, {
			entry: { id: "ent_1", amount_cents: 500, kind: "credit" },
			balance_cents: 10_500,
			replayed: true,
		});
		const again = await penumbra(["credit", "cred_abc", "500", "--reference", "invoice-7"]);
		expect(again.stdout).toMatch(/already credited: reference "invoice-7" was applied before/);
	});

	it("an adjustment may be negative after --", async () => {
		reply(200, { entry: { id: "ent_2", amount_cents: -250, kind: "adjustment" }, balance_cents: 750 });
		const result = await penumbra([
			"credit",
			"cred_abc",
			"--adjustment",
			"--reference",
			"fix-1",
			"--",
			"-250",
		]);
		expect(result.code).toBe(0);
		expect(seen[0]?.body).toEqual({ amount_cents: -250, reference: "fix-1", kind: "adjustment" });
	});

	it("a problem from the gateway is printed with its code and exits 1", async () => {
		reply(409, {
			code: "CONFLICT",
			detail: "This idempotency key was already used for a different request.",
		});
		const result = await penumbra(["credit", "cred_abc", "600", "--reference", "invoice-7"]);
		expect(result).toMatchObject({
			code: 1,
			stderr: expect.stringContaining("error CONFLICT: This idempotency key was already used"),
		});
	});

	it("refund sends only what was given and reports the receipt after it", async () => {
		const receipt = { id: "rcpt_abcdefghijkl", amount_cents: 4_000, refunded_cents: 1_500 };
		reply(200, {
			entry: { id: "ent_3", amount_cents: 1_500, kind: "refund" },
			receipt,
			balance_cents: 9_000,
		});
		const partial = await penumbra([
			"refund",
			"rcpt_abcdefghijkl",
			"--cents",
			"1500",
			"--reference",
			"ticket-9",
		]);
		expect(partial.code).toBe(0);
		expect(partial.stdout).toContain("refunded $15.00 (1500¢) of rcpt_abcdefghijkl");
		expect(partial.stdout).toContain("receipt: $15.00 (1500¢) refunded of $40.00 (4000¢) captured");
		await penumbra(["refund", "rcpt_abcdefghijkl"]);
		expect(seen.map((s) => [s.url, s.body])).toEqual([
			["/v1/admin/receipts/rcpt_abcdefghijkl/refund", { amount_cents: 1_500, reference: "ticket-9" }],
			["/v1/admin/receipts/rcpt_abcdefghijkl/refund", {}],
		]);
	});

	it("ledger export writes the CSV to a file and warns when it stopped at the limit", async () => {
		const csv = "id,credential_id,amount_cents\nent_1,cred_a,500\nent_2,cred_a,-120\n";
		reply(200, csv, "text/csv; charset=utf-8");
		const file = path.join(dir, "ledger.csv");
		const result = await penumbra([
			"ledger",
			"export",
			"--since",
			"2026-11-01T00:00:00Z",
			"--limit",
			"2",
			"--out",
			file,
		]);
		expect(result.code).toBe(0);
		expect(await readFile(file, "utf8")).toBe(csv);
		expect(result.stderr).toContain("wrote 2 entries");
		expect(result.stderr).toMatch(/stopped at --limit 2/);
		const url = new URL(seen[0]?.url ?? "", origin);
		expect(Object.fromEntries(url.searchParams)).toEqual({
			format: "csv",
			limit: "2",
			since: "2026-11-01T00:00:00Z",
		});
		expect(seen[0]?.accept).toBe("text/csv");
	});

	it("ledger export --format json prints the entries", async () => {
		reply(200, { entries: [{ id: "ent_1", amount_cents: 500 }] });
		const result = await penumbra(["ledger", "export", "--format", "json"]);
		expect(JSON.parse(result.stdout)).toEqual({ entries: [{ id: "ent_1", amount_cents: 500 }] });
		expect(result.stderr).toBe("");
	});

	it("reconcile exits 0 when everything matches and 1 with the list when something does not", async () => {
		reply(200, { checked: 3, mismatches: [] });
		expect(await penumbra(["reconcile"])).toMatchObject({
			code: 0,
			stdout: expect.stringContaining("checked 3"),
		});
		reply(200, {
			checked: 3,
			mismatches: [
				{
					credential_id: "cred_bad",
					balance_cents: 900,
					entries_sum_cents: 900,
					ledger_sum_cents: 400,
					unmirrored: 2,
					ok: false,
				},
			],
		});
		const bad = await penumbra(["reconcile"]);
		expect(bad.code).toBe(1);
		expect(bad.stdout).toMatch(/cred_bad\s+900\s+900\s+400\s+2/);
		expect(bad.stderr).toContain("1 of 3 credential(s) do not reconcile");
		expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
			"POST /v1/admin/reconcile",
			"POST /v1/admin/reconcile",
		]);
	});

	it("refund-top-up sends the amount and reference and reports the top-up after it", async () => {
		const topUp = "tu_abcdefghijklmnopqrstABCDEFGHIJKLMNOPQRST";
		reply(200, {
			entry: { id: "ent_9", amount_cents: -1500, kind: "top_up_refund" },
			top_up: { id: topUp, amount_cents: 2500, status: "credited", refunded_cents: 1500 },
			stripe_refund: "re_123",
			balance_cents: 0,
		});
		const done = await penumbra([
			"refund-top-up",
			topUp,
			"--amount-cents",
			"1500",
			"--reference",
			"ticket-4",
		]);
		expect(done.code).toBe(0);
		expect(done.stdout).toContain(
			`refunded $15.00 (1500¢) of ${topUp} to the card (entry ent_9, Stripe re_123)`,
		);
		expect(done.stdout).toContain("top-up: $15.00 (1500¢) refunded of $25.00 (2500¢) (credited)");
		expect(seen).toEqual([
			expect.objectContaining({
				method: "POST",
				url: `/v1/admin/top-ups/${topUp}/refund`,
				body: { amount_cents: 1500, reference: "ticket-4" },
			}),
		]);
		reply(
			402,
			{
				type: "https://penumbra.dev/problems/insufficient-funds",
				title: "Insufficient funds",
				status: 402,
				code: "INSUFFICIENT_FUNDS",
				detail: "Only 0¢ of this account is available (the rest is spent or held); a refund never overdraws.",
				available_cents: 0,
			},
			"application/problem+json",
		);
		const refused = await penumbra(["refund-top-up", topUp]);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain("Only 0¢ of this account is available");
		expect(seen[1]).toMatchObject({ body: {} });
	});

	it("reconcile reports Stripe's top-ups against the ledger's and exits 1 on a paid session never credited", async () => {
		const topUps = {
			configured: true,
			since: "2026-12-01T00:00:00.000Z",
			until: "2026-12-02T00:00:00.000Z",
			stripe_paid_count: 2,
			stripe_paid_cents: 3500,
			ledger_credited_cents: 2500,
			missing_credits: [
				{ session: "cs_test_lost", top_up_id: "tu_lost", credential_id: "cred_a", amount_cents: 1000 },
			],
			stripe_refunded_cents: 0,
			ledger_refunded_cents: 0,
			unmatched_refunds: [],
			ok: false,
		};
		reply(200, { checked: 1, mismatches: [], top_ups: topUps });
		const result = await penumbra(["reconcile", "--since", topUps.since, "--until", topUps.until]);
		expect(result.code).toBe(1);
		expect(result.stdout).toContain(
			"Stripe $35.00 (3500¢) paid in 2 session(s), ledger $25.00 (2500¢) credited",
		);
		expect(result.stdout).toMatch(/cs_test_lost\s+tu_lost\s+cred_a\s+1000/);
		expect(result.stderr).toContain("top-ups do not reconcile with Stripe");
		expect(seen[0]?.url).toBe(
			`/v1/admin/reconcile?since=${encodeURIComponent(topUps.since)}&until=${encodeURIComponent(topUps.until)}`,
		);
		reply(200, {
			checked: 1,
			mismatches: [],
			top_ups: { ...topUps, missing_credits: [], ledger_credited_cents: 3500, ok: true },
		});
		expect((await penumbra(["reconcile"])).code).toBe(0);
	});

	it("providers refresh names the services asked for and exits 1 when one failed", async () => {
		reply(200, {
			checked_at: "2026-11-26T00:00:00Z",
			results: [
				{ id: "alpha", outcome: "updated" },
				{ id: "beta", outcome: "failed", detail: "HTTP 503" },
			],
		});
		const result = await penumbra(["providers", "refresh", "--service", "alpha", "--service", "beta"]);
		expect(seen[0]).toMatchObject({
			method: "POST",
			url: "/v1/admin/registry/refresh",
			body: { services: ["alpha", "beta"] },
		});
		expect(result.code).toBe(1);
		expect(result.stdout).toMatch(/beta\s+failed\s+HTTP 503/);
		reply(200, { checked_at: "2026-11-26T00:00:00Z", results: [{ id: "alpha", outcome: "unchanged" }] });
		expect((await penumbra(["providers", "refresh"])).code).toBe(0);
		expect(seen[1]?.body).toEqual({});
	});

	it("says so when the gateway cannot be reached", async () => {
		const result = await penumbra(["reconcile", "--url", "http://127.0.0.1:9"]);
		expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining("cannot reach the gateway") });
	});
});
