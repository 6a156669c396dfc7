import { type ReactNode, useEffect, useRef } from "react";
import {
	consumeQuietNavigation,
	Link,
	navigate,
	type Route,
	signInHref,
	useLocation,
} from "../lib/router.tsx";
import { useSession } from "../lib/session.tsx";
import { useTheme } from "../lib/theme.ts";
import { IconChat, IconGrid, IconMoon, IconSun, IconUser, Logo } from "./icons.tsx";

const NAV = [
	{ to: "/", label: "Chat", icon: IconChat, testId: "nav-chat", match: (r: Route) => r.name === "chat" },
	{
		to: "/services",
		label: "Services",
		icon: IconGrid,
		testId: "nav-services",
		match: (r: Route) => r.name === "services",
	},
	{
		to: "/account",
		label: "Account",
		icon: IconUser,
		testId: "nav-account",
		match: (r: Route) => r.name === "account" || r.name === "top-up",
	},
] as const;

const TITLES: Record<Route["name"], string> = {
	chat: "Chat",
	services: "Services",
	account: "Account",
	signin: "Sign in",
	confirm: "Confirm purchase",
	"top-up": "Add money",
	operator: "Operator",
	"not-found": "Not found",
};

export function Layout({ route, children }: { route: Route; children: ReactNode }) {
	const { status, me, signOut } = useSession();
	const { theme, toggle } = useTheme();
	const { href } = useLocation();
	const main = useRef<HTMLElement>(null);
	const first = useRef(true);

	// On every page change: a title, and focus at the start of the new page (not on the first load).
	useEffect(() => {
		document.title = `${TITLES[route.name]} · Penumbra`;
	}, [route.name]);
	useEffect(() => {
		if (first.current) {
			first.current = false;
			return;
		}
		if (!consumeQuietNavigation() && href) main.current?.focus({ preventScroll: true });
	}, [href]);

	return (
		<div className={`app app-${route.name}`}>
			<a className="skip-link" href="#main">
				Skip to content
			</a>
			<header className="topbar" data-testid="app-header">
				<Link to="/" className="brand" aria-label="Penumbra, new chat">
					<Logo />
					<span className="brand-name">Penumbra</span>
				</Link>
				<nav className="topnav" aria-label="Main">
					{NAV.map((item) => {
						const Icon = item.icon;
						const current = item.match(route);
						return (
							<Link
								key={item.to}
								to={item.to}
								className="topnav-link"
								aria-current={current ? "page" : undefined}
								data-testid={item.testId}
							>
								<Icon size={18} />
								<span className="topnav-label">{item.label}</span>
							</Link>
						);
					})}
				</nav>
				<div className="topbar-actions">
					<button
						type="button"
						className="icon-btn"
						onClick={toggle}
						aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
						title={theme === "dark" ? "Light theme" : "Dark theme"}
						data-testid="theme-toggle"
					>
						{theme === "dark" ? <IconSun /> : <IconMoon />}
					</button>
					{status === "signed-in" ? (
						<div className="user-chip">
							<span className="user-email" title={me?.email ?? undefined}>
								{me?.email ?? "Signed in"}
							</span>
							<button
								type="button"
								className="btn btn-ghost btn-sm"
								data-testid="signout-button"
								onClick={async () => {
									await signOut();
									navigate("/");
								}}
							>
								Sign out
							</button>
						</div>
					) : status === "anonymous" && route.name !== "signin" ? (
						<Link to={signInHref()} className="btn btn-primary btn-sm" data-testid="signin-link">
							Sign in
						</Link>
					) : null}
				</div>
			</header>
			<main id="main" ref={main} tabIndex={-1} className="main">
				{children}
			</main>
		</div>
	);
}
