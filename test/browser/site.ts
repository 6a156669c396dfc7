/** What the scenarios do outside the page: read the dev mailbox, fund an account, price an order, cut the network. */
import { expect } from "vitest";
import { z } from "zod";
import { AdminClient } from "../../scripts/lib/admin.ts";
import type { Tab } from "./browser.ts";

const MailSchema = z.object({ code: z.string() });
const MeSchema = z.object({ credential_id: z.string(), email: z.string() });

async function ok(response: Response, what: string): Promise<unknown> {
	const text = await response.text();
	if (!response.ok) throw new Error(`${what} answered ${response.status}: ${text.slice(0, 300)}`);
	return JSON.parse(text);
}

/** The sign-in code the gateway "sent" to `email` (development only). */
export async function mailboxCode(gatewayUrl: string, email: string): Promise<string> {
	const url = `${gatewayUrl}/v1/dev/mailbox?email=${encodeURIComponent(email)}`;
	return MailSchema.parse(await ok(await fetch(url), `GET ${url}`)).code;
}

/** Signs in through the site's own form, with the code from the dev mailbox; ends back on the chat page. */
export async function signIn(tab: Tab, gatewayUrl: string, email: string): Promise<void> {
	const { page } = tab;
	await page.goto("/signin");
	await page.getByTestId("signin-email").fill(email);
	await page.getByTestId("signin-send").click();
	await page.getByTestId("signin-code").waitFor();
	await page.getByTestId("signin-code").fill(await mailboxCode(gatewayUrl, email));
	await page.getByTestId("signin-verify").click();
	await page.getByTestId("signout-button").waitFor();
}

/** The signed-in credential, asked through the site (the browser's own cookie). */
export async function me(tab: Tab): Promise<z.infer<typeof MeSchema>> {
	const response = await tab.context.request.get("/api/me");
	expect(response.status(), await response.text()).toBe(200);
	return MeSchema.parse(await response.json());
}

/** Test money for the signed-in user, through the gateway's admin API. */
export async function fund(tab: Tab, gatewayUrl: string, adminToken: string, cents: number): Promise<void> {
	const { credential_id } = await me(tab);
	await new AdminClient(gatewayUrl, adminToken).credit(
		credential_id,
		cents,
		`browser-test:${crypto.randomUUID()}`,
	);
}

const ResultSchema = <T extends z.ZodType>(result: T) => z.object({ result });

/** FoodDash restaurants want a subtotal of $10, $12 or $15 (workers/sandbox/src/merchants/fooddash.data.ts). */
const LARGEST_MINIMUM_ORDER_CENTS = 1_500;

/**
 * A FoodDash order the sandbox accepts: the first Austin restaurant, enough of its first dish for any minimum order,
 * and a tip that puts the total above the default auto-approve threshold ($25), so buying it needs the owner's
 * confirmation.
 */
export async function fooddashOrder(
	gatewayUrl: string,
	adminToken: string,
): Promise<Record<string, unknown>> {
	const admin = new AdminClient(gatewayUrl, adminToken);
	const lookup = await admin.createCredential({ name: "browser-test-lookup", level: "authenticated" });
	await admin.credit(lookup.id, 1_000, `browser-test-lookup:${lookup.id}`);
	const call = async (tool: string, parameters: Record<string, unknown>) => {
		const url = `${gatewayUrl}/v1/services/fooddash/tools/${tool}`;
		const response = await fetch(url, {
			method: "POST",
			headers: { authorization: `Bearer ${lookup.key}`, "content-type": "application/json" },
			body: JSON.stringify({ parameters }),
		});
		return ok(response, `POST ${url}`);
	};
	const found = ResultSchema(
		z.object({ restaurants: z.array(z.object({ restaurant_id: z.string(), city: z.string() })).min(1) }),
	).parse(await call("search_restaurants", { city: "austin" }));
	const restaurant = found.result.restaurants[0] as { restaurant_id: string; city: string };
	const menu = ResultSchema(
		z.object({
			sections: z
				.array(z.object({ items: z.array(z.object({ item_id: z.string(), price_cents: z.int().min(1) })) }))
				.min(1),
		}),
	).parse(await call("get_menu", { restaurant_id: restaurant.restaurant_id }));
	const item = menu.result.sections[0]?.items[0];
	if (!item) throw new Error("FoodDash: the first menu section is empty");
	return {
		restaurant_id: restaurant.restaurant_id,
		items: [{ item_id: item.item_id, quantity: Math.ceil(LARGEST_MINIMUM_ORDER_CENTS / item.price_cents) }],
		delivery_address: { street: "100 Congress Ave", city: restaurant.city },
		tip_cents: 3_000,
	};
}

/** Drops every open connection between the browser and the site. */
export async function cutConnections(cutUrl: string): Promise<number> {
	const body = z.object({ cut: z.number() }).parse(await ok(await fetch(cutUrl, { method: "POST" }), "cut"));
	return body.cut;
}

/** Cents from a shown amount such as "$1,234.50" or "−$3.00". */
export function cents(shown: string | null): number {
	if (shown === null) throw new Error("no amount shown");
	const negative = /^\s*[-−]/.test(shown);
	const digits = shown.replace(/[^0-9.]/g, "");
	const value = Math.round(Number(digits) * 100);
	if (!Number.isFinite(value) || digits === "") throw new Error(`not an amount: ${shown}`);
	return negative ? -value : value;
}
