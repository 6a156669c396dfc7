/** The Account Durable Object of one credential. */
export function accountOf(env: GatewayEnv, credentialId: string) {
	return env.ACCOUNT.getByName(credentialId);
}
