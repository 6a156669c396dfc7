import type { Authority } from "@penumbra/core/contracts";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { ApiError, AUTH_LOST_EVENT, api } from "./api.ts";

export interface Me {
	credential_id: string;
	email: string | null;
	level: string;
	/** The site's session is the account's owner (signed in by email code); a key's holder may be an agent. */
	authority?: Authority;
}

export interface AppConfig {
	environment: string;
	mcp_url: string;
	dev_credit: boolean;
	top_up_url: string | null;
}

type Status = "loading" | "anonymous" | "signed-in";

interface SessionValue {
	status: Status;
	me: Me | null;
	config: AppConfig | null;
	signedIn: (me: Me) => void;
	signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

/**
 * Set while this browser has signed in. The session cookie is httpOnly, so without this mark every anonymous visit
 * would ask /api/me and get a 401, which browsers log as a console error.
 */
const MARK = "penumbra-signed-in";

function marked(): boolean {
	try {
		return localStorage.getItem(MARK) === "1";
	} catch {
		return true;
	}
}

function mark(on: boolean): void {
	try {
		if (on) localStorage.setItem(MARK, "1");
		else localStorage.removeItem(MARK);
	} catch {
		// Storage blocked: /api/me is asked every time instead.
	}
}

/** Who is signed in (from /api/me) and the site's configuration, for every page. */
export function SessionProvider({ children }: { children: ReactNode }) {
	const [me, setMe] = useState<Me | null>(null);
	const [status, setStatus] = useState<Status>(() => (marked() ? "loading" : "anonymous"));
	const [config, setConfig] = useState<AppConfig | null>(null);

	useEffect(() => {
		let live = true;
		if (marked()) {
			api<Me>("/api/me", { quietAuth: true })
				.then((answer) => {
					if (!live) return;
					setMe(answer);
					setStatus("signed-in");
				})
				.catch((error: unknown) => {
					if (!live) return;
					if (error instanceof ApiError && error.status === 401) mark(false);
					// Also on a network failure: the pages then offer sign-in, which reports the real problem.
					setStatus("anonymous");
				});
		}
		api<AppConfig>("/api/config", { quietAuth: true })
			.then((answer) => live && setConfig(answer))
			.catch(() => {
				// Without configuration the account page hides what depends on it.
			});
		return () => {
			live = false;
		};
	}, []);

	useEffect(() => {
		const lost = () => {
			mark(false);
			setMe(null);
			setStatus("anonymous");
		};
		window.addEventListener(AUTH_LOST_EVENT, lost);
		return () => window.removeEventListener(AUTH_LOST_EVENT, lost);
	}, []);

	const signedIn = useCallback((next: Me) => {
		mark(true);
		setMe(next);
		setStatus("signed-in");
	}, []);

	const signOut = useCallback(async () => {
		try {
			await api<void>("/api/auth/signout", { method: "POST", quietAuth: true });
		} finally {
			mark(false);
			setMe(null);
			setStatus("anonymous");
		}
	}, []);

	const value = useMemo(
		() => ({ status, me, config, signedIn, signOut }),
		[status, me, config, signedIn, signOut],
	);
	return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
	const value = useContext(SessionContext);
	if (!value) throw new Error("useSession outside SessionProvider");
	return value;
}
