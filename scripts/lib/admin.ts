import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";

const CredentialListSchema = z.object({
	credentials: z.array(z.object({ id: z.string(), revoked_at: z.string().nullable() })),
});

const CreatedCredentialSchema = z.object({ id: z.string(), key: z.string(), key_prefix: z.string() });

const StoredCredentialSchema = z.object({ id: z.string(), key: z.string() });

export type StoredCredential = z.infer<typeof StoredCredentialSchema>;

export interface NewCredential {
	email?: string;
	name?: string;
	level?: "identified" | "authenticated";
	/** The first key may also decide (confirm, change controls, manage keys): for the owner's own scripts only. */
	owner_key?: boolean;
}

/** The gateway's admin API (`/v1/admin/*`), authorised by ADMIN_TOKEN. */
export class AdminClient {
	private readonly origin: string;
	private readonly adminToken: string;

	constructor(origin: string, adminToken: string) {
		this.origin = origin;
		this.adminToken = adminToken;
	}

	async listCredentials(): Promise<z.infer<typeof CredentialListSchema>["credentials"]> {
		const body = await this.call("GET", "/v1/admin/credentials");
		return CredentialListSchema.parse(body).credentials;
	}

	async createCredential(input: NewCredential): Promise<StoredCredential> {
		const body = await this.call("POST", "/v1/admin/credentials", input);
		const { id, key } = CreatedCredentialSchema.parse(body);
		return { id, key };
	}

	async credit(credentialId: string, amountCents: number, reference: string): Promise<void> {
		await this.call("POST", `/v1/admin/credentials/${credentialId}/credit`, {
			amount_cents: amountCents,
			reference,
		});
	}

	private async call(method: string, path: string, body?: unknown): Promise<unknown> {
		const response = await fetch(`${this.origin}${path}`, {
			method,
			headers: {
				authorization: `Bearer ${this.adminToken}`,
				...(body === undefined ? {} : { "content-type": "application/json" }),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(10_000),
		});
		const text = await response.text();
		if (!response.ok) {
			throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
		}
		return JSON.parse(text);
	}
}

export const DEV_CREDENTIAL: NewCredential = {
	email: "dev@penumbra.local",
	name: "dev",
	level: "authenticated",
};

/**
 * Reuses the credential stored in `file` while the gateway still lists it unrevoked
 * (the local state may have been wiped since); otherwise creates one and stores it.
 */
export async function ensureDevCredential(
	admin: AdminClient,
	file: string,
): Promise<StoredCredential & { created: boolean }> {
	const stored = readStoredCredential(file);
	if (stored) {
		const listed = (await admin.listCredentials()).find((c) => c.id === stored.id);
		if (listed && listed.revoked_at === null) return { ...stored, created: false };
	}
	const created = await admin.createCredential(DEV_CREDENTIAL);
	mkdirSync(dirname(file), { recursive: true });
	writeFileSync(file, `${JSON.stringify(created, null, "\t")}\n`, { mode: 0o600 });
	return { ...created, created: true };
}

function readStoredCredential(file: string): StoredCredential | undefined {
	if (!existsSync(file)) return undefined;
	try {
		const parsed = StoredCredentialSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
		return parsed.success ? parsed.data : undefined;
	} catch {
		// A corrupt file is replaced by a fresh credential.
		return undefined;
	}
}

/** Gives the dev credential a starting balance so paid tools and purchases work locally. */
export async function fundDevCredential(admin: AdminClient, credential: StoredCredential): Promise<void> {
	// The reference makes this idempotent: the dev credential is funded once, however often npm start runs.
	await admin.credit(credential.id, DEV_CREDIT_CENTS, `dev-initial-credit:${credential.id}`);
}

/** $100 of test money for the local dev credential. */
export const DEV_CREDIT_CENTS = 10_000;
