/** What the account endpoints return: the shared contracts (types only, so the site ships no schema code). */
export type {
	AccountView as Account,
	ApiKey,
	CreatedApiKey as CreatedKey,
	LedgerEntry,
	Receipt,
	SpendControls as Controls,
	Statement,
	TopUp,
	TopUpOptions,
} from "@penumbra/core/contracts";
