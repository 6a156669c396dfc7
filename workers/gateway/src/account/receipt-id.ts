import { randomId } from "./book.ts";

const CREDENTIAL = /^cred_([A-Za-z0-9]{20})$/;
const ENCODED = /^rcpt_[A-Za-z0-9]{20}([A-Za-z0-9]{20})$/;

/**
 * A receipt id that names its account: `rcpt_` + 20 random characters + the credential id's 20. The admin refund
 * finds the Account DO from it without the D1 mirror (which lags until the outbox drains). Credentials of another
 * shape (none are issued) get a plain random id.
 */
export function receiptIdFor(credentialId: string): string {
	const credential = CREDENTIAL.exec(credentialId)?.[1];
	const random = randomId("rcpt_");
	return credential ? `${random}${credential}` : random;
}

/** The credential a receipt id names, if it names one (receipts written before ids did are found through D1). */
export function credentialOfReceipt(receiptId: string): string | undefined {
	const credential = ENCODED.exec(receiptId)?.[1];
	return credential ? `cred_${credential}` : undefined;
}
