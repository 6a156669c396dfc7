/** Progressive disclosure (docs/auth.md, "Auth levels"): each route and tool declares the level it needs. */
export const AUTH_LEVELS = ["anonymous", "identified", "authenticated"] as const;
export type AuthLevel = (typeof AUTH_LEVELS)[number];

export function levelRank(level: AuthLevel): number {
	return AUTH_LEVELS.indexOf(level);
}

export function meetsLevel(have: AuthLevel, need: AuthLevel): boolean {
	return levelRank(have) >= levelRank(need);
}
